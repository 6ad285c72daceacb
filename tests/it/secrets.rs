//! Webhook secrets through their life: rotation with a grace period, sealed at rest, rekeyed.

use std::time::{Duration, SystemTime};

use tonic::Code;
use webhookd_client::pb;

use crate::common::publish;
use crate::common::receiver::Receiver;
use crate::common::{assert_field_error, eventually, new_webhook, TestServer};
use crate::delivery::{assert_signed_by, assert_signed_with};

const FIRST: &str = "s3cret-value-1234";

fn new_secret(id: &str, secret: &str, grace: Option<Duration>) -> pb::UpdateWebhookRequest {
    pb::UpdateWebhookRequest {
        id: id.into(),
        secret: secret.into(),
        secret_grace_period: grace.map(|d| d.try_into().unwrap()),
        ..Default::default()
    }
}

fn rotation_end(w: &pb::Webhook) -> Option<SystemTime> {
    w.secret_rotation_end_time.map(|t| SystemTime::try_from(t).unwrap())
}

#[tokio::test]
async fn a_replaced_secret_keeps_signing_until_its_grace_period_ends() {
    let server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let w = admin.create_webhook(new_webhook(None, &rx.url("/"), &["tag_created"])).await.unwrap().into_inner();
    assert_eq!(w.secret_rotation_end_time, None);
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &[FIRST]);

    // A new secret without a grace period given: the old one signs too for 24 hours.
    let rotated = admin.update_webhook(new_secret(&w.id, "second-secret-2", None)).await.unwrap().into_inner();
    let end = rotation_end(&rotated).expect("a rotation in progress");
    let day = SystemTime::now() + Duration::from_secs(24 * 3600);
    assert!(end <= day && day.duration_since(end).unwrap() < Duration::from_secs(60), "{end:?}");
    let got = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(got.secret_rotation_end_time, rotated.secret_rotation_end_time);
    assert!(!format!("{got:?}").contains("second-secret") && !format!("{got:?}").contains(FIRST));
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &["second-secret-2", FIRST]);

    // Zero: the replaced secret stops at once (and the rotation before it ends).
    let now = admin.update_webhook(new_secret(&w.id, "third-secret-3", Some(Duration::ZERO))).await.unwrap();
    assert_eq!(now.into_inner().secret_rotation_end_time, None);
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &["third-secret-3"]);

    // A short grace period: once it ends, only the new secret signs.
    let short = admin
        .update_webhook(new_secret(&w.id, "fourth-secret-4", Some(Duration::from_secs(1))))
        .await
        .unwrap()
        .into_inner();
    let end = rotation_end(&short).expect("a rotation in progress");
    if let Ok(left) = end.duration_since(SystemTime::now()) {
        tokio::time::sleep(left + Duration::from_millis(50)).await;
    }
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &["fourth-secret-4"]);
    let after = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(after.secret_rotation_end_time, None, "the rotation is over");

    // A grace period needs a new secret, and is at most 30 days.
    // Without a secret, too long, negative:
    for req in [
        pb::UpdateWebhookRequest {
            id: w.id.clone(),
            events: vec!["tag_created".into()],
            secret_grace_period: Some(Duration::from_secs(60).try_into().unwrap()),
            ..Default::default()
        },
        new_secret(&w.id, "fifth-secret-5", Some(Duration::from_secs(31 * 24 * 3600))),
        pb::UpdateWebhookRequest {
            secret_grace_period: Some(prost_types::Duration { seconds: -1, nanos: 0 }),
            ..new_secret(&w.id, "fifth-secret-5", None)
        },
    ] {
        let err = admin.update_webhook(req).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, "secret_grace_period");
    }
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &["fourth-secret-4"]);
    server.stop().await;
}

/// For each needle, every file under `dir` whose bytes contain it (each file read once).
fn files_containing(dir: &std::path::Path, needles: &[&[u8]]) -> Vec<Vec<std::path::PathBuf>> {
    let finders: Vec<memchr::memmem::Finder> = needles.iter().map(memchr::memmem::Finder::new).collect();
    let mut found = vec![Vec::new(); needles.len()];
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files += 1;
                for (finder, hits) in finders.iter().zip(found.iter_mut()) {
                    if finder.find(&bytes).is_some() {
                        hits.push(path.clone());
                    }
                }
            }
        }
    }
    assert!(files > 10, "read the cluster's files ({files})");
    found
}

#[tokio::test]
async fn secrets_proxy_passwords_and_sensitive_headers_never_reach_the_database_files_in_plain() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let secret = format!("disk-canary-{}", uuid::Uuid::new_v4().simple());
    let password = format!("proxy-canary-{}", uuid::Uuid::new_v4().simple());
    let proxy = format!("http://hook:{password}@proxy.example.com:3128/");
    let api_key = format!("header-canary-{}", uuid::Uuid::new_v4().simple());
    for i in 0..3 {
        let mut req = new_webhook(None, &format!("https://h{i}.example.com/"), &["tag_created"]);
        req.secret = secret.clone();
        req.proxy_url = proxy.clone();
        req.custom_headers =
            vec![pb::CustomHeader { name: "X-Api-Key".into(), value: api_key.clone(), sensitive: true }];
        let w = admin.create_webhook(req).await.unwrap().into_inner();
        assert_eq!(w.proxy_url, "http://hook:****@proxy.example.com:3128/");
        // A rotation stores the replaced secret as well.
        admin.update_webhook(new_secret(&w.id, &format!("{secret}-next"), None)).await.unwrap();
    }
    let db = crate::common::sql(server.database_url.as_deref().unwrap()).await;
    // A value written in plain on purpose, which the same scan must find.
    let marker = format!("plain-marker-{}", uuid::Uuid::new_v4().simple());
    db.execute("CREATE TEMP TABLE t AS SELECT $1::text AS v", &[&marker]).await.unwrap();
    db.batch_execute("CREATE TABLE plain_marker AS SELECT * FROM t; CHECKPOINT").await.unwrap();
    let dir = crate::common::cluster_files().await;
    let found =
        files_containing(&dir, &[secret.as_bytes(), password.as_bytes(), api_key.as_bytes(), marker.as_bytes()]);
    assert!(found[0].is_empty(), "the secret is in {:?}", found[0]);
    assert!(found[1].is_empty(), "the proxy password is in {:?}", found[1]);
    assert!(found[2].is_empty(), "the sensitive header value is in {:?}", found[2]);
    assert!(!found[3].is_empty(), "the scan finds a plain value");
    server.stop().await;
}

#[tokio::test]
async fn rows_from_before_sealing_are_sealed_at_start_and_rekeyed_to_a_new_key() {
    let url = crate::common::fresh_database().await;
    let db = crate::common::sql(&url).await;
    let rx = Receiver::ok().await;
    // A webhook as it was stored before sealing: plain secret and proxy URL, no key id.
    let id = uuid::Uuid::now_v7();
    db.execute(
        "INSERT INTO webhooks (id, target_url, secret, events, proxy_url) VALUES ($1, $2, $3, '{tag_created}', NULL)",
        &[&id, &rx.url("/legacy"), &b"legacy-plain-secret".as_slice()],
    )
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let old_key = tmp.path().join("old.key");
    std::fs::write(&old_key, format!("{}\n", webhookd::keyring::KeyRing::new_key())).unwrap();
    let opts = |key: &std::path::Path| crate::common::ServerOptions {
        database_url: Some(url.clone()),
        data_dir: None,
        args: vec![
            "--allow-targets".into(),
            "127.0.0.1/32".into(),
            "--secret-key-file".into(),
            key.display().to_string(),
        ],
    };
    let server = TestServer::start_opts(opts(&old_key)).await;
    // Sealed in the background at start.
    let db_ref = &db;
    let sealed_with = eventually(Duration::from_secs(20), "the legacy row was sealed", || async move {
        let row = db_ref.query_one("SELECT secret, secret_key_id FROM webhooks WHERE id = $1", &[&id]).await.unwrap();
        let key = row.get::<_, Option<String>>(1)?;
        assert_ne!(row.get::<_, Vec<u8>>(0), b"legacy-plain-secret");
        Some(key)
    })
    .await;
    publish(&server, "tag_created", None, "{}").await;
    assert_signed_by(&rx.expect().await, &["legacy-plain-secret"]);
    // A sensitive custom header and a client certificate's key, sealed with the old key, must
    // survive the rekey below (a key that did not open would hold every delivery).
    let (_, client_cert, client_key) = crate::common::receiver::client_certificate();
    let mut admin = server.admin().await;
    admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: id.to_string(),
            custom_headers: vec![pb::CustomHeader {
                name: "X-Api-Key".into(),
                value: "rekeyed-key".into(),
                sensitive: true,
            }],
            client_certificate: client_cert,
            client_key,
            signature_scheme: pb::SignatureScheme::V1AndV1a as i32,
            ..Default::default()
        })
        .await
        .unwrap();
    // Two signing key pairs (a rotation's overlap) too.
    let rotated = admin
        .update_webhook(pb::UpdateWebhookRequest { id: id.to_string(), rotate_signing_key: true, ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    let public_keys = [rotated.signing_public_key.clone(), rotated.previous_signing_public_key.clone()];
    assert!(!public_keys[1].is_empty());
    let client_key_sealed = "SELECT client_key_sealed FROM webhooks WHERE id = $1";
    let key_before: Vec<u8> = db.query_one(client_key_sealed, &[&id]).await.unwrap().get(0);
    let row = db
        .query_one("SELECT signing_key_sealed, previous_signing_key_sealed FROM webhooks WHERE id = $1", &[&id])
        .await
        .unwrap();
    let signing_before: (Vec<u8>, Vec<u8>) = (row.get(0), row.get(1));
    server.stop().await;

    // A new key first, the old one after it: `secrets rekey` moves every row to the new key.
    let ring = tmp.path().join("ring.key");
    let new_key = webhookd::keyring::KeyRing::new_key();
    std::fs::write(&ring, format!("{new_key}\n{}", std::fs::read_to_string(&old_key).unwrap())).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_webhookd"))
        .args(["secrets", "rekey", "--database-url", &url, "--secret-key-file"])
        .arg(&ring)
        .arg("--data-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.starts_with("1 webhook(s) sealed again"), "{said}");
    let now: String = db.query_one("SELECT secret_key_id FROM webhooks WHERE id = $1", &[&id]).await.unwrap().get(0);
    assert_ne!(now, sealed_with);
    let key_after: Vec<u8> = db.query_one(client_key_sealed, &[&id]).await.unwrap().get(0);
    assert_ne!(key_before, key_after, "the client certificate's key was sealed again");
    let unsealed: i64 = db
        .query_one(
            "SELECT count(*) FROM webhooks WHERE id = $1 AND (signing_key_sealed = $2 OR previous_signing_key_sealed = $3)",
            &[&id, &signing_before.0, &signing_before.1],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(unsealed, 0, "both signing key pairs were sealed again");
    let known: Vec<String> =
        db.query("SELECT key_id FROM secret_keys", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(known, std::slice::from_ref(&now), "the old key's id is forgotten");

    // Only the new key is needed now; the old one alone is refused at start.
    let new_only = tmp.path().join("new.key");
    std::fs::write(&new_only, format!("{new_key}\n")).unwrap();
    let server = TestServer::start_opts(opts(&new_only)).await;
    publish(&server, "tag_created", None, "{}").await;
    let got = rx.expect().await;
    let keys = [public_keys[0].as_str(), public_keys[1].as_str()];
    assert_signed_with(&got, &["legacy-plain-secret"], &keys);
    assert_eq!(got.header("x-api-key"), Some("rekeyed-key"), "the custom header was sealed again too");
    server.stop().await;
    let config = webhookd::config::Config::from_args(&[
        "--database-url".to_string(),
        url.clone(),
        "--data-dir".into(),
        tmp.path().join("d").display().to_string(),
        "--secret-key-file".into(),
        old_key.display().to_string(),
    ])
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = webhookd::run(config, listener, Default::default()).await.unwrap_err();
    let text = webhookd::report::chain(&err);
    assert!(text.contains(&now) && text.contains("same --secret-key-file"), "{text}");
}
