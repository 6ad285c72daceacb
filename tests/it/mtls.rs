//! Mutual TLS to targets: a webhook's client certificate is presented to a receiver that
//! requires one; its key is write-only, checked against the certificate, and sealed at rest.

use tonic::Code;
use webhookd::model::DeliveryStatus;
use webhookd_client::pb;

use crate::common::receiver::{client_certificate, Receiver, Reply, TestPki};
use crate::common::{assert_field_error, new_webhook, publish, sql, TestServer};
use crate::delivery::wait_final;

#[tokio::test]
async fn a_client_certificate_is_presented_to_a_target_that_requires_one_and_its_key_never_comes_back() {
    let (client_ca, cert, key) = client_certificate();
    let (_, stranger_cert, stranger_key) = client_certificate();
    let pki = TestPki::requiring_client_certificates(&client_ca);
    let rx = Receiver::start(Some(pki.server.clone()), |_, _| Reply::Status(200, vec![])).await;
    // TLS failures are retried like other transport errors; a short schedule makes them final soon.
    let server = TestServer::start_with(&["--retry-schedule", "50ms"]).await;
    let mut admin = server.admin().await;
    let url = format!("https://localhost:{}/mtls", rx.addr.port());

    let mut with = new_webhook(None, &url, &["tag_created"]);
    with.ca_certificate = pki.ca_pem.clone();
    with.client_certificate = cert.clone();
    with.client_key = key.clone();
    let with = admin.create_webhook(with).await.unwrap().into_inner();
    assert_eq!(with.client_certificate, cert);
    let mut stranger = new_webhook(None, &url, &["tag_created"]);
    stranger.ca_certificate = pki.ca_pem.clone();
    stranger.client_certificate = stranger_cert;
    stranger.client_key = stranger_key;
    let stranger = admin.create_webhook(stranger).await.unwrap().into_inner();
    let mut without = new_webhook(None, &url, &["tag_created"]);
    without.ca_certificate = pki.ca_pem.clone();
    let without = admin.create_webhook(without).await.unwrap().into_inner();

    publish(&server, "tag_created", None, r#"{"n":1}"#).await;
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let ok = wait_final(&db, &with.id, 1).await;
    assert_eq!((ok[0].status, ok[0].status_code), (DeliveryStatus::Success, 200), "{:?}", ok[0]);
    assert_eq!(rx.expect().await.uri, "/mtls");
    // A certificate from another CA, or none, is refused by the receiver's handshake.
    for (w, what) in [(&stranger, "another CA's certificate"), (&without, "no certificate")] {
        let rows = wait_final(&db, &w.id, 1).await;
        assert_eq!((rows[0].status, rows[0].status_code), (DeliveryStatus::Error, 0), "{what}: {:?}", rows[0]);
    }

    // The key is never returned, logged in the audit, nor kept in plain.
    let key_body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    let got = admin.get_webhook(pb::GetWebhookRequest { id: with.id.clone() }).await.unwrap().into_inner();
    assert!(!format!("{got:?}").contains(&key_body[..40]));
    let row = db
        .query_one(
            "SELECT client_key_sealed, row_to_json(w)::text AS whole FROM webhooks w WHERE id = $1::text::uuid",
            &[&with.id],
        )
        .await
        .unwrap();
    let sealed: Vec<u8> = row.get("client_key_sealed");
    assert!(!sealed.windows(40).any(|w| w == &key.as_bytes()[40..80]), "sealed, not plain");
    assert!(!row.get::<_, String>("whole").contains(&key_body[..40]));
    let request = pb::CreateWebhookRequest { client_key: key.clone(), ..Default::default() };
    assert!(!format!("{request:?}").contains(&key_body[..40]), "Debug redacts the key");

    // Removed under its mask path: the receiver refuses the next delivery.
    let removed = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: with.id.clone(),
            update_mask: Some(prost_types::FieldMask { paths: vec!["client_certificate".into()] }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(removed.client_certificate, "");
    let n: Option<Vec<u8>> = db
        .query_one("SELECT client_key_sealed FROM webhooks WHERE id = $1::text::uuid", &[&with.id])
        .await
        .unwrap()
        .get(0);
    assert!(n.is_none(), "the key is gone with the certificate");
}

#[tokio::test]
async fn client_certificates_and_keys_are_checked_when_written() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let (_, cert, key) = client_certificate();
    let (_, other_cert, _) = client_certificate();
    let cases: Vec<(&str, String, String)> = vec![
        ("client_key", cert.clone(), String::new()),
        ("client_certificate", String::new(), key.clone()),
        ("client_certificate", "not a certificate".into(), key.clone()),
        ("client_certificate", format!("{cert}{key}"), key.clone()),
        ("client_key", cert.clone(), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into()),
        ("client_key", other_cert, key.clone()),
    ];
    for (field, certificate, client_key) in cases {
        let mut req = new_webhook(None, "https://example.com/hook", &["tag_created"]);
        req.client_certificate = certificate;
        req.client_key = client_key;
        let err = admin.create_webhook(req).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, field);
        assert!(!err.message().contains(&key[30..70]), "the key is never echoed: {}", err.message());
    }
    assert!(admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap().into_inner().webhooks.is_empty());
}
