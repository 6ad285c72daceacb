//! Custom headers per webhook: sent with every delivery, sensitive values write-only (never
//! returned, masked in delivery records, kept on update), validated field by field.

use tonic::Code;
use webhookd_client::pb;

use crate::common::publish;
use crate::common::receiver::Receiver;
use crate::common::{assert_field_error, eventually_showing, new_webhook, TestServer};
use crate::delivery::assert_signed_by;

fn header(name: &str, value: &str, sensitive: bool) -> pb::CustomHeader {
    pb::CustomHeader { name: name.into(), value: value.into(), sensitive }
}

fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask { paths: paths.iter().map(|p| p.to_string()).collect() })
}

/// A delivery's detail once its outcome is recorded.
async fn settled_detail(server: &TestServer, id: &str) -> pb::DeliveryDetail {
    let admin = server.admin().await;
    let what = format!("delivery {id} recorded");
    eventually_showing(std::time::Duration::from_secs(20), &what, || {
        let mut admin = admin.clone();
        async move {
            let d = admin.get_delivery(pb::GetDeliveryRequest { id: id.into() }).await.unwrap().into_inner();
            if d.delivery.as_ref().is_some_and(|r| r.status != pb::DeliveryStatus::Pending as i32) {
                Ok(d)
            } else {
                Err(format!("{d:?}"))
            }
        }
    })
    .await
}

#[tokio::test]
async fn custom_headers_reach_the_receiver_and_sensitive_values_never_come_back() {
    let server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let mut req = new_webhook(None, &rx.url("/hook"), &["tag_created"]);
    req.custom_headers = vec![header("X-Api-Key", "key-123-secret", true), header("X-Route", "blue", false)];
    let w = admin.create_webhook(req).await.unwrap().into_inner();
    let shown = vec![header("X-Api-Key", "", true), header("X-Route", "blue", false)];
    assert_eq!(w.custom_headers, shown, "a sensitive value is never returned");
    let got = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(got.custom_headers, shown);
    let listed = admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap().into_inner();
    assert_eq!(listed.webhooks[0].custom_headers, shown);

    publish(&server, "tag_created", None, r#"{"n":1}"#).await;
    let sent = rx.expect().await;
    assert_eq!(sent.header("x-api-key"), Some("key-123-secret"));
    assert_eq!(sent.header("x-route"), Some("blue"));
    assert_signed_by(&sent, &["s3cret-value-1234"]);

    // The delivery record shows what was sent, the sensitive value masked.
    let delivery_id = sent.header("webhook-id").unwrap().to_string();
    let detail = settled_detail(&server, &delivery_id).await;
    let recorded = |name: &str| detail.request_headers.iter().find(|h| h.name == name).map(|h| h.value.clone());
    assert_eq!(recorded("x-api-key").as_deref(), Some("[sensitive]"));
    assert_eq!(recorded("x-route").as_deref(), Some("blue"));

    // An edit that sends the sensitive header without its value keeps the value.
    let updated = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            custom_headers: vec![header("x-api-key", "", true), header("X-Route", "green", false)],
            update_mask: mask(&["custom_headers"]),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.custom_headers, vec![header("x-api-key", "", true), header("X-Route", "green", false)]);
    publish(&server, "tag_created", None, r#"{"n":2}"#).await;
    let sent = rx.expect().await;
    assert_eq!(sent.header("x-api-key"), Some("key-123-secret"), "the kept value is sent");
    assert_eq!(sent.header("x-route"), Some("green"));

    // A sensitive header with no value and none to keep is refused, and nothing changes.
    let refused = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            custom_headers: vec![header("X-Other-Key", "", true)],
            update_mask: mask(&["custom_headers"]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_field_error(&refused, Code::InvalidArgument, "custom_headers");
    let unchanged = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(unchanged.custom_headers, updated.custom_headers);

    // An empty list in the mask removes them all.
    let cleared = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            update_mask: mask(&["custom_headers"]),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(cleared.custom_headers.is_empty());
    publish(&server, "tag_created", None, r#"{"n":3}"#).await;
    let sent = rx.expect().await;
    assert_eq!(sent.header("x-api-key"), None);
    assert_eq!(sent.header("x-route"), None);

    // Logged (the webhook id is), but never the value.
    let logs = crate::common::logs::text();
    assert!(logs.contains(&w.id), "the server logged the webhook");
    assert!(!logs.contains("key-123-secret"), "a sensitive header value reached the logs");
    server.stop().await;
}

#[tokio::test]
async fn custom_headers_are_validated_field_by_field_without_echoing_values() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let create = |headers: Vec<pb::CustomHeader>| {
        let mut req = new_webhook(None, "https://example.com/hook", &["tag_created"]);
        req.custom_headers = headers;
        req
    };
    let cases: Vec<(Vec<pb::CustomHeader>, &str)> = vec![
        (vec![header("Host", "a", false)], "custom_headers[0].name"),
        (vec![header("X-A", "1", false), header("content-type", "text/plain", false)], "custom_headers[1].name"),
        (vec![header("Webhook-Signature", "v1,x", false)], "custom_headers[0].name"),
        (vec![header("X-Mia-Signature", "x", false)], "custom_headers[0].name"),
        (vec![header("Bad Name", "x", false)], "custom_headers[0].name"),
        (vec![header("", "x", false)], "custom_headers[0].name"),
        (vec![header("X-A", "1", false), header("x-a", "2", false)], "custom_headers[1].name"),
        (vec![header("X-A", "", false)], "custom_headers[0].value"),
        (vec![header("X-A", "", true)], "custom_headers[0].value"),
        (vec![header("X-A", "evil-value\r\nX-Injected: 1", true)], "custom_headers[0].value"),
        (vec![header("X-A", "evil-value-café", false)], "custom_headers[0].value"),
        (vec![header("X-A", "evil-value\u{7f}", false)], "custom_headers[0].value"),
        ((0..21).map(|i| header(&format!("X-H{i}"), "v", false)).collect(), "custom_headers"),
        (vec![header("X-Big", &"v".repeat(4097), false)], "custom_headers[0].value"),
        ((0..3).map(|i| header(&format!("X-H{i}"), &"v".repeat(3000), false)).collect(), "custom_headers"),
    ];
    for (headers, field) in cases {
        let err = admin.create_webhook(create(headers.clone())).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, field);
        assert!(!err.message().contains("evil-value"), "a value is echoed: {}", err.message());
    }
    let listed = admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap().into_inner();
    assert!(listed.webhooks.is_empty(), "nothing refused was created");
    // The same rules on update.
    let w = admin.create_webhook(create(vec![])).await.unwrap().into_inner();
    let err = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: w.id.clone(),
            custom_headers: vec![header("Transfer-Encoding", "chunked", false)],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "custom_headers[0].name");
    server.stop().await;
}

#[tokio::test]
async fn sensitive_values_must_be_given_again_to_follow_the_target_to_another_origin() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut req = new_webhook(None, "https://hooks.example.com/in", &["tag_created"]);
    req.custom_headers = vec![header("X-Api-Key", "evil-value-key", true), header("X-Team", "web", false)];
    let w = admin.create_webhook(req).await.unwrap().into_inner();
    let retarget = |url: &str, headers: Vec<pb::CustomHeader>| pb::UpdateWebhookRequest {
        id: w.id.clone(),
        target_url: url.into(),
        custom_headers: headers.clone(),
        update_mask: mask(if headers.is_empty() { &["target_url"] } else { &["target_url", "custom_headers"] }),
        ..Default::default()
    };
    // Another host, another port, another scheme: refused while the sensitive value would
    // follow, kept or not given, and nothing changes.
    for url in ["https://attacker.example.net/in", "https://hooks.example.com:8443/in", "http://hooks.example.com/in"] {
        let err = admin.update_webhook(retarget(url, vec![])).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, "custom_headers");
        assert!(!err.message().contains("evil-value"), "{}", err.message());
        let keep = vec![header("X-Api-Key", "", true), header("X-Team", "web", false)];
        let err = admin.update_webhook(retarget(url, keep)).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, "custom_headers");
    }
    let unchanged = admin.get_webhook(pb::GetWebhookRequest { id: w.id.clone() }).await.unwrap().into_inner();
    assert_eq!(unchanged.target_url, "https://hooks.example.com/in");
    // The same origin (another path) keeps them; another origin takes them given again.
    admin.update_webhook(retarget("https://hooks.example.com/other", vec![])).await.unwrap();
    let given = vec![header("X-Api-Key", "a-new-key", true), header("X-Team", "web", false)];
    let moved = admin.update_webhook(retarget("https://new.example.org/in", given)).await.unwrap().into_inner();
    assert_eq!(moved.target_url, "https://new.example.org/in");
    server.stop().await;
}
