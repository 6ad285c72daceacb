//! Delivery: fan-out, exact bodies, both signatures, TLS, proxy, retries, the SSRF guard.

use std::time::Duration;

use base64::Engine as _;
use hmac::Mac;
use sha2::Digest;
use tonic::Code;
use uuid::Uuid;
use webhookd::model::DeliveryStatus;
use webhookd_client::pb;

use crate::common::proxy::TinyProxy;
use crate::common::receiver::{Captured, Receiver, Reply, TestPki};
use crate::common::{assert_field_error, eventually_showing, new_webhook, publish, scope, sql, TestServer};

/// State of one stored delivery.
#[derive(Debug)]
pub struct Row {
    pub id: Uuid,
    pub status: DeliveryStatus,
    pub status_code: i32,
    pub attempts: i32,
    pub error: String,
}

/// Waits until every delivery of `webhook_id` is final (and at least `n` exist); returns them.
pub async fn wait_final(db: &tokio_postgres::Client, webhook_id: &str, n: usize) -> Vec<Row> {
    let id = Uuid::parse_str(webhook_id).unwrap();
    let what = format!("{n} or more deliveries of {webhook_id}, all final");
    eventually_showing(Duration::from_secs(30), &what, || async move {
        let rows: Vec<Row> = db
            .query(
                "SELECT id, status, status_code, attempts, error FROM deliveries WHERE webhook_id = $1 ORDER BY create_time, id",
                &[&id],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| Row {
                id: r.get("id"),
                status: r.get("status"),
                status_code: r.get("status_code"),
                attempts: r.get("attempts"),
                error: r.get("error"),
            })
            .collect();
        if rows.len() >= n && rows.iter().all(|r| r.status != DeliveryStatus::Pending) {
            Ok(rows)
        } else {
            Err(format!("{rows:?}"))
        }
    })
    .await
}

/// Checks both signatures of a received request independently of webhookd's code.
fn assert_signed(req: &Captured, secret: &str) {
    assert_signed_by(req, &[secret]);
}

/// Checks a request signed during a rotation, independently of webhookd's code:
/// `X-Mia-Signature` by the first (newest) secret, and one `webhook-signature` entry per
/// secret, in the order given.
pub fn assert_signed_by(req: &Captured, secrets: &[&str]) {
    assert_signed_with(req, secrets, &[]);
}

/// As `assert_signed_by`, for a webhook whose `webhook-signature` carries, after the `v1,`
/// entries of `secrets` (none for the V1A scheme, whose `X-Mia-Signature` is still made with
/// `mia_secret`), one `v1a,` entry per public key (`whpk_…`, in order), each checked with
/// ed25519-dalek, an implementation other than the server's.
pub fn assert_signed_with(req: &Captured, secrets: &[&str], public_keys: &[&str]) {
    assert_signed_scheme(req, secrets, secrets[0], public_keys)
}

/// The checks of `assert_signed_with`, `X-Mia-Signature` made with `mia_secret`.
pub fn assert_signed_scheme(req: &Captured, secrets: &[&str], mia_secret: &str, public_keys: &[&str]) {
    let mut h = sha2::Sha256::new();
    h.update(&req.body);
    h.update(mia_secret.as_bytes());
    let mia: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(req.header("x-mia-signature"), Some(mia.as_str()), "X-Mia-Signature");

    let id = req.header("webhook-id").expect("webhook-id");
    let ts = req.header("webhook-timestamp").expect("webhook-timestamp");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - ts.parse::<i64>().unwrap()).abs() < 300, "timestamp is current");
    let b64 = base64::engine::general_purpose::STANDARD;
    let entries: Vec<String> = secrets
        .iter()
        .map(|secret| {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("{id}.{ts}.").as_bytes());
            mac.update(&req.body);
            format!("v1,{}", b64.encode(mac.finalize().into_bytes()))
        })
        .collect();
    let header = req.header("webhook-signature").expect("webhook-signature");
    let got: Vec<&str> = header.split(' ').collect();
    assert_eq!(got.len(), secrets.len() + public_keys.len(), "webhook-signature: {header}");
    assert_eq!(got[..secrets.len()].join(" "), entries.join(" "), "webhook-signature's v1 entries");
    let message = [format!("{id}.{ts}.").as_bytes(), &req.body].concat();
    for (entry, key) in got[secrets.len()..].iter().zip(public_keys) {
        let raw: [u8; 32] = b64.decode(key.strip_prefix("whpk_").expect("whpk_")).unwrap().try_into().unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&raw).unwrap();
        let signature = b64.decode(entry.strip_prefix("v1a,").expect("a v1a entry")).unwrap();
        let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
        assert!(key.verify_strict(&message, &signature).is_ok(), "{entry} verifies with {key:?}");
        let tampered = [message.as_slice(), b" "].concat();
        assert!(key.verify_strict(&tampered, &signature).is_err());
    }
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert!(req.header("user-agent").unwrap().starts_with("webhookd/"));
    assert_eq!(req.method, "POST");
}

#[tokio::test]
async fn fan_out_exact_bodies_and_signatures() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let rx = Receiver::ok().await;
    let mut hooks = Vec::new();
    for (name, s, events) in [
        ("instance", None, vec!["project_created"]),
        ("acme", scope("acme", ""), vec!["project_created", "tag_created"]),
        ("acme-web", scope("acme", "web"), vec!["project_created"]),
        ("acme-api", scope("acme", "api"), vec!["project_created"]),
        ("acme-tags", scope("acme", ""), vec!["tag_created"]),
        ("globex", scope("globex", ""), vec!["project_created"]),
    ] {
        let mut req = new_webhook(s, &rx.url(&format!("/{name}")), &events);
        req.secret = format!("secret-of-{name}");
        let w = admin.create_webhook(req).await.unwrap().into_inner();
        hooks.push((name, w.id));
    }
    let payload = r#"{"id": 1700000000123, "huge": 123456789012345678901234567890, "price": 10.50, "nested": {"list": [1, {"deep": "é\u00e9"}], "null": null}}"#;
    let published = publish(&server, "project_created", scope("acme", "web"), payload).await;
    assert_eq!(published.deliveries, 3, "instance, company and project webhooks");
    assert!(!published.duplicate);

    let want_body = format!(r#"{{"eventName":"project_created","eventTimestamp":1700000000123,"payload":{payload}}}"#);
    let mut paths = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for _ in 0..3 {
        let req = rx.expect().await;
        assert_eq!(std::str::from_utf8(&req.body).unwrap(), want_body, "byte-exact body");
        let name = req.uri.trim_start_matches('/').to_string();
        assert_signed(&req, &format!("secret-of-{name}"));
        ids.insert(req.header("webhook-id").unwrap().to_string());
        paths.push(name);
    }
    paths.sort();
    assert_eq!(paths, vec!["acme", "acme-web", "instance"]);
    assert_eq!(ids.len(), 3, "each delivery has its own webhook-id");

    let db = sql(server.database_url.as_deref().unwrap()).await;
    for (name, id) in &hooks {
        if ["acme", "acme-web", "instance"].contains(name) {
            let rows = wait_final(&db, id, 1).await;
            assert_eq!(rows.len(), 1);
            assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (DeliveryStatus::Success, 200, 1));
            assert!(ids.contains(&rows[0].id.to_string()), "webhook-id is the delivery id");
            let w = admin.get_webhook(pb::GetWebhookRequest { id: id.clone() }).await.unwrap().into_inner();
            let last = w.last_event.expect("last_event after a delivery");
            assert_eq!(last.status, pb::DeliveryStatus::Success as i32);
            assert_eq!(last.event_type, "project_created");
            assert_eq!(last.status_code, 200);
            assert!(last.dispatch_time.is_some());
        } else {
            let w = admin.get_webhook(pb::GetWebhookRequest { id: id.clone() }).await.unwrap().into_inner();
            assert!(w.last_event.is_none(), "{name} got nothing");
        }
    }
    assert_eq!(rx.count(), 3);

    // An unsubscribed event reaches nobody; a company event skips project webhooks.
    let p = publish(&server, "service_created", scope("acme", "web"), "{}").await;
    assert_eq!(p.deliveries, 0);
    let p = publish(&server, "tag_created", scope("acme", ""), r#"{"tag":"v1"}"#).await;
    assert_eq!(p.deliveries, 2, "acme and acme-tags");
    let mut got: Vec<String> = vec![rx.expect().await.uri, rx.expect().await.uri];
    got.sort();
    assert_eq!(got, vec!["/acme", "/acme-tags"]);
    server.stop().await;
}

#[tokio::test]
async fn tls_targets_verify_against_the_webhook_ca() {
    let pki = TestPki::new();
    let other = TestPki::new();
    let rx = Receiver::start(Some(pki.server.clone()), |_, _| Reply::Status(200, vec![])).await;
    // TLS failures are retried like other transport errors; a short schedule makes them final soon.
    let server = TestServer::start_with(&["--retry-schedule", "50ms"]).await;
    let mut admin = server.admin().await;
    let url = format!("https://localhost:{}/tls", rx.addr.port());

    let mut right = new_webhook(None, &url, &["tag_created"]);
    right.ca_certificate = pki.ca_pem.clone();
    let right = admin.create_webhook(right).await.unwrap().into_inner();
    let mut wrong = new_webhook(None, &url, &["tag_created"]);
    wrong.ca_certificate = other.ca_pem.clone();
    let wrong = admin.create_webhook(wrong).await.unwrap().into_inner();
    let public = admin.create_webhook(new_webhook(None, &url, &["tag_created"])).await.unwrap().into_inner();

    publish(&server, "tag_created", None, r#"{"n":1}"#).await;
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let ok = wait_final(&db, &right.id, 1).await;
    assert_eq!((ok[0].status, ok[0].status_code), (DeliveryStatus::Success, 200), "{:?}", ok[0]);
    let got = rx.expect().await;
    assert_signed(&got, "s3cret-value-1234");

    for (w, what) in [(&wrong, "another CA"), (&public, "the public roots")] {
        let rows = wait_final(&db, &w.id, 1).await;
        assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (DeliveryStatus::Error, 0, 2), "{what}");
        assert!(rows[0].error.contains("certificate"), "{what}: error names the TLS failure: {}", rows[0].error);
        assert!(rows[0].error.contains("UnknownIssuer"), "{what}: {}", rows[0].error);
        assert!(rows[0].error.contains("set ca_certificate"), "{what}: the error says what to do: {}", rows[0].error);
    }
    assert_eq!(rx.count(), 1, "only the webhook with the right CA got through");
    server.stop().await;
}

#[tokio::test]
async fn a_self_signed_target_certificate_given_as_ca_certificate_is_pinned() {
    let own = TestPki::self_signed();
    let impostor = TestPki::self_signed();
    let rx = Receiver::start(Some(own.server.clone()), |_, _| Reply::Status(200, vec![])).await;
    let server = TestServer::start_with(&["--retry-schedule", "50ms"]).await;
    let mut admin = server.admin().await;
    let url = format!("https://localhost:{}/pinned", rx.addr.port());
    let mut pinned = new_webhook(None, &url, &["tag_created"]);
    pinned.ca_certificate = own.ca_pem.clone();
    let pinned = admin.create_webhook(pinned).await.unwrap().into_inner();
    let mut other = new_webhook(None, &url, &["tag_created"]);
    other.ca_certificate = impostor.ca_pem.clone();
    let other = admin.create_webhook(other).await.unwrap().into_inner();

    publish(&server, "tag_created", None, r#"{"n":1}"#).await;
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let ok = wait_final(&db, &pinned.id, 1).await;
    assert_eq!((ok[0].status, ok[0].status_code), (DeliveryStatus::Success, 200), "{:?}", ok[0]);
    assert_signed(&rx.expect().await, "s3cret-value-1234");
    let refused = wait_final(&db, &other.id, 1).await;
    assert_eq!(refused[0].status, DeliveryStatus::Error, "another self-signed certificate is not trusted");
    assert!(refused[0].error.contains("set ca_certificate"), "{}", refused[0].error);
    assert_eq!(rx.count(), 1);
    server.stop().await;
}

#[tokio::test]
async fn deliveries_go_through_a_real_proxy_without_leaking_its_credentials() {
    let proxy = TinyProxy::start().await;
    let pki = TestPki::new();
    let plain = Receiver::ok().await;
    let tls = Receiver::start(Some(pki.server.clone()), |_, _| Reply::Status(200, vec![])).await;
    let server = TestServer::start().await;
    let mut admin = server.admin().await;

    let mut via_http = new_webhook(None, &plain.url("/via-proxy"), &["tag_created"]);
    via_http.proxy_url = proxy.url_with_credentials();
    let via_http = admin.create_webhook(via_http).await.unwrap().into_inner();
    let mut via_https =
        new_webhook(None, &format!("https://localhost:{}/via-tunnel", tls.addr.port()), &["tag_created"]);
    via_https.proxy_url = proxy.url_with_credentials();
    via_https.ca_certificate = pki.ca_pem.clone();
    let via_https = admin.create_webhook(via_https).await.unwrap().into_inner();
    // Behind a proxy, a literal non-public target is refused too: when written, and (for a
    // row written before that check) when sent, so the proxy is never asked to reach it.
    let mut metadata = new_webhook(None, "http://169.254.169.254/latest/meta-data", &["tag_created"]);
    metadata.proxy_url = proxy.url();
    let err = admin.create_webhook(metadata.clone()).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "target_url");
    metadata.target_url = "http://metadata.example/".into();
    let metadata = admin.create_webhook(metadata).await.unwrap().into_inner();
    let db = sql(server.database_url.as_deref().unwrap()).await;
    db.execute(
        "UPDATE webhooks SET target_url = 'http://169.254.169.254/latest/meta-data' WHERE id = $1",
        &[&Uuid::parse_str(&metadata.id).unwrap()],
    )
    .await
    .unwrap();

    publish(&server, "tag_created", None, r#"{"through":"proxy"}"#).await;
    for w in [&via_http, &via_https] {
        let rows = wait_final(&db, &w.id, 1).await;
        assert_eq!((rows[0].status, rows[0].status_code), (DeliveryStatus::Success, 200), "{:?}", rows[0]);
    }
    for req in [plain.expect().await, tls.expect().await] {
        assert_signed(&req, "s3cret-value-1234");
        for h in ["proxy-authorization", "authorization"] {
            assert!(req.header(h).is_none(), "the target saw {h}: {:?}", req.headers);
        }
        let raw = format!("{:?}", req.headers);
        assert!(!raw.contains(super::common::proxy::PROXY_USER), "credentials leaked: {raw}");
    }
    let log = proxy.log();
    assert!(
        log.contains(&format!("CONNECT localhost:{}", tls.addr.port())),
        "https went through a CONNECT tunnel:\n{log}"
    );
    assert!(log.contains(&format!("127.0.0.1:{}", plain.addr.port())), "http went through the proxy:\n{log}");
    let refused = wait_final(&db, &metadata.id, 1).await;
    assert!(refused[0].error.contains("SSRF") && refused[0].error.contains("link-local"), "{:?}", refused[0]);
    let log = proxy.log();
    assert!(!log.contains("169.254"), "the proxy was never asked for the metadata address:\n{log}");

    // Without the credentials the proxy answers 407: a final error, nothing reaches the target.
    let mut no_auth = new_webhook(None, &plain.url("/no-auth"), &["project_created"]);
    no_auth.proxy_url = proxy.url();
    let no_auth = admin.create_webhook(no_auth).await.unwrap().into_inner();
    publish(&server, "project_created", None, "{}").await;
    let rows = wait_final(&db, &no_auth.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code), (DeliveryStatus::Error, 407), "{:?}", rows[0]);
    assert_eq!(plain.count(), 1);
    server.stop().await;
}

#[tokio::test]
async fn retries_follow_the_schedule_and_honour_retry_after() {
    let server = TestServer::start_with(&["--retry-schedule", "100ms,100ms,100ms", "--retry-jitter", "0"]).await;
    let mut admin = server.admin().await;
    let db = sql(server.database_url.as_deref().unwrap()).await;

    // Fails twice, then succeeds: three attempts of the same bytes under one webhook-id.
    let flaky = Receiver::start(None, |i, _| Reply::Status(if i < 2 { 503 } else { 200 }, vec![])).await;
    let w = admin.create_webhook(new_webhook(None, &flaky.url("/flaky"), &["tag_created"])).await.unwrap().into_inner();
    publish(&server, "tag_created", None, r#"{"try":1}"#).await;
    let rows = wait_final(&db, &w.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (DeliveryStatus::Success, 200, 3));
    let reqs = [flaky.expect().await, flaky.expect().await, flaky.expect().await];
    for r in &reqs {
        assert_eq!(r.body, reqs[0].body);
        assert_eq!(r.header("webhook-id"), Some(rows[0].id.to_string().as_str()));
        assert_signed(r, "s3cret-value-1234");
    }
    let detail = admin.get_delivery(pb::GetDeliveryRequest { id: rows[0].id.to_string() }).await.unwrap().into_inner();
    let attempts = detail.attempts.len();
    let codes: Vec<i32> = detail.attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(codes, vec![503, 503, 200]);
    assert_eq!(detail.attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(attempts, 3, "every attempt is recorded");
    admin.delete_webhook(pb::DeleteWebhookRequest { id: w.id }).await.unwrap();

    // A 4xx is final after one attempt.
    let gone = Receiver::start(None, |_, _| Reply::Status(410, vec![])).await;
    let w =
        admin.create_webhook(new_webhook(None, &gone.url("/gone"), &["service_created"])).await.unwrap().into_inner();
    publish(&server, "service_created", None, "{}").await;
    let rows = wait_final(&db, &w.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (DeliveryStatus::Error, 410, 1));
    assert_eq!(gone.count(), 1);

    // A redirect is not followed: final error.
    let moved =
        Receiver::start(None, |_, _| Reply::Status(301, vec![("location", "http://127.0.0.1:1/".into())])).await;
    let w =
        admin.create_webhook(new_webhook(None, &moved.url("/moved"), &["project_created"])).await.unwrap().into_inner();
    publish(&server, "project_created", None, "{}").await;
    let rows = wait_final(&db, &w.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (DeliveryStatus::Error, 301, 1));
    assert!(rows[0].error.contains("redirect"), "{}", rows[0].error);

    // Always 500: the schedule runs out after 1 + 3 attempts.
    let broken = Receiver::start(None, |_, _| Reply::Status(500, vec![])).await;
    let w = admin
        .create_webhook(new_webhook(None, &broken.url("/broken"), &["configuration_saved"]))
        .await
        .unwrap()
        .into_inner();
    publish(&server, "configuration_saved", None, "{}").await;
    let rows = wait_final(&db, &w.id, 1).await;
    assert_eq!((rows[0].status, rows[0].status_code, rows[0].attempts), (DeliveryStatus::Error, 500, 4));
    assert_eq!(broken.count(), 4);

    // Retry-After (1 s) replaces the 100 ms scheduled delay.
    let busy = Receiver::start(None, |i, _| {
        if i == 0 {
            Reply::Status(429, vec![("retry-after", "1".into())])
        } else {
            Reply::Status(200, vec![])
        }
    })
    .await;
    let w = admin
        .create_webhook(new_webhook(None, &busy.url("/busy"), &["company_user_added"]))
        .await
        .unwrap()
        .into_inner();
    publish(&server, "company_user_added", None, "{}").await;
    let first = busy.expect().await;
    let second = busy.expect().await;
    let gap = second.at.duration_since(first.at);
    assert!(gap >= Duration::from_millis(900), "second attempt after {gap:?}, before Retry-After");
    let rows = wait_final(&db, &w.id, 1).await;
    assert_eq!((rows[0].status, rows[0].attempts), (DeliveryStatus::Success, 2));
    server.stop().await;
}

#[tokio::test]
async fn the_ssrf_guard_refuses_private_targets_by_default() {
    let rx = Receiver::ok().await;
    let server = TestServer::start_guarded(&[]).await;
    let mut admin = server.admin().await;
    // Literal addresses are refused when written; names are judged on every connection.
    for target in [rx.url("/ip"), "http://169.254.169.254/latest/meta-data".into()] {
        let err = admin.create_webhook(new_webhook(None, &target, &["tag_created"])).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, "target_url");
        assert!(err.message().contains("--allow-targets"), "{err:?}");
    }
    // So is a proxy at a literal non-public address (a proxy is connected to like a target).
    for proxy in ["http://10.1.2.3:3128", "http://127.0.0.1:8888"] {
        let mut req = new_webhook(None, "https://example.com/hook", &["tag_created"]);
        req.proxy_url = proxy.into();
        let err = admin.create_webhook(req).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, "proxy_url");
    }
    let by_name = admin
        .create_webhook(new_webhook(None, &format!("http://localhost:{}/name", rx.addr.port()), &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    // A row written before the create-time check existed is still refused when sent.
    let legacy =
        admin.create_webhook(new_webhook(None, "http://legacy.example/", &["tag_created"])).await.unwrap().into_inner();
    let db = sql(server.database_url.as_deref().unwrap()).await;
    db.execute(
        "UPDATE webhooks SET target_url = 'http://169.254.169.254/latest/meta-data' WHERE id = $1",
        &[&Uuid::parse_str(&legacy.id).unwrap()],
    )
    .await
    .unwrap();
    publish(&server, "tag_created", None, "{}").await;
    for (w, why) in [(&by_name, "loopback"), (&legacy, "link-local")] {
        let rows = wait_final(&db, &w.id, 1).await;
        assert_eq!((rows[0].status, rows[0].attempts), (DeliveryStatus::Error, 1), "refused is final: {:?}", rows[0]);
        assert!(rows[0].error.contains("SSRF") && rows[0].error.contains(why), "{}", rows[0].error);
    }
    assert_eq!(rx.count(), 0, "nothing was sent");
    server.stop().await;
}
