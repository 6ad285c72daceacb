//! Routing beyond event names: payload filters (jsonb containment) and labels, evaluated in
//! the fan-out, so an event a webhook filters out creates no delivery.

use std::collections::HashMap;

use tonic::Code;
use webhookd_client::pb;

use crate::common::receiver::Receiver;
use crate::common::{assert_field_error, new_webhook, scope, TestServer};
use webhookd::auth::Role;

fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn mask(paths: &[&str]) -> Option<prost_types::FieldMask> {
    Some(prost_types::FieldMask { paths: paths.iter().map(|p| p.to_string()).collect() })
}

/// Publishes `payload` with `labels` to project acme/web; the deliveries it fanned out to.
async fn publish(server: &TestServer, token: &str, payload: &str, labels: HashMap<String, String>) -> i32 {
    let request = pb::PublishEventRequest {
        event_name: "tag_created".into(),
        scope: scope("acme", "web"),
        payload: payload.into(),
        labels,
        ..Default::default()
    };
    server.ingest_as(Some(token)).await.publish_event(request).await.unwrap().into_inner().deliveries
}

#[tokio::test]
async fn filters_and_labels_decide_which_webhooks_an_event_fans_out_to() {
    let server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let create = |path: &str, filter: &str, required: &[(&str, &str)]| {
        let mut req = new_webhook(scope("acme", "web"), &rx.url(path), &["tag_created"]);
        req.filter = filter.into();
        req.labels = labels(required);
        let mut admin = admin.clone();
        async move { admin.create_webhook(req).await.unwrap().into_inner() }
    };
    let all = create("/all", "", &[]).await;
    let red = create("/red", r#"{"tag": {"color": "red"}}"#, &[]).await;
    let urgent = create("/urgent", r#"{"tags":["urgent"]}"#, &[]).await;
    let eu = create("/eu", "", &[("region", "eu")]).await;
    let red_eu = create("/red-eu", r#"{"tag":{"color":"red"}}"#, &[("region", "eu")]).await;
    assert_eq!(all.filter, "");
    assert!(all.labels.is_empty());
    // Stored and shown as jsonb text.
    assert_eq!(red.filter, r#"{"tag": {"color": "red"}}"#);
    assert_eq!(urgent.filter, r#"{"tags": ["urgent"]}"#);
    assert_eq!(red_eu.labels, labels(&[("region", "eu")]));
    assert_eq!((eu.filter.as_str(), &eu.labels), ("", &labels(&[("region", "eu")])));
    let got = admin.get_webhook(pb::GetWebhookRequest { id: red_eu.id.clone() }).await.unwrap().into_inner();
    assert_eq!((got.filter.as_str(), &got.labels), (red_eu.filter.as_str(), &red_eu.labels));

    let token = server.token(Role::Publisher, "acme", "").await;
    let long_fraction = format!(r#"{{"n":8,"tag":{{"color":"red"}},"x":0.{}}}"#, "1".repeat(20_000));
    // Each case: the payload, the event's labels, and the receiver paths it must reach.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case; 6] = [
        // Extra keys, extra array elements and extra labels are fine: containment.
        (
            r#"{"n":1,"tag":{"color":"red","size":3},"tags":["x","urgent"]}"#,
            &[("region", "eu"), ("tier", "gold")],
            &["/all", "/red", "/urgent", "/eu", "/red-eu"],
        ),
        (r#"{"n":2,"tag":{"color":"blue"}}"#, &[], &["/all"]),
        (r#"{"n":3,"tag":{"color":"red"}}"#, &[("region", "us")], &["/all", "/red"]),
        // A filter's object is not matched by a scalar, nor its array by a string.
        (r#"{"n":4,"tag":"red","tags":"urgent"}"#, &[("region", "eu")], &["/all", "/eu"]),
        // A payload jsonb cannot hold (a NUL escape) goes to the unfiltered webhooks only.
        (r#"{"n":5,"tag":{"color":"red"},"note":"a\u0000b"}"#, &[("region", "eu")], &["/all", "/eu"]),
        // So does one with a number beyond PostgreSQL's numeric.
        (&long_fraction, &[("region", "eu")], &["/all", "/eu"]),
    ];
    let mut expected: Vec<(String, i64)> = Vec::new();
    for (payload, with, to) in &cases {
        let fanned = publish(&server, &token, payload, labels(with)).await;
        assert_eq!(fanned as usize, to.len(), "{payload} with {with:?} fans out to {to:?}");
        let n: serde_json::Value = serde_json::from_str(&payload.replace("\\u0000", "")).unwrap();
        expected.extend(to.iter().map(|p| (p.to_string(), n["n"].as_i64().unwrap())));
    }
    // The counts above are the deliveries created; each arrives where it should.
    let mut arrived: Vec<(String, i64)> = Vec::new();
    while arrived.len() < expected.len() {
        let sent = rx.expect().await;
        let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
        arrived.push((sent.uri.clone(), body["payload"]["n"].as_i64().unwrap()));
    }
    arrived.sort();
    expected.sort();
    assert_eq!(arrived, expected);

    // An update replaces the filter and the labels; an empty value under the mask removes them.
    let changed = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: red.id.clone(),
            filter: r#"{"tag":{"color":"blue"}}"#.into(),
            labels: labels(&[("tier", "gold")]),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(changed.filter, r#"{"tag": {"color": "blue"}}"#);
    assert_eq!(changed.labels, labels(&[("tier", "gold")]));
    assert_eq!(publish(&server, &token, r#"{"n":6,"tag":{"color":"blue"}}"#, labels(&[("tier", "gold")])).await, 2);
    let cleared = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: red.id.clone(),
            update_mask: mask(&["filter", "labels"]),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((cleared.filter.as_str(), cleared.labels.len()), ("", 0));
    assert_eq!(publish(&server, &token, r#"{"n":7}"#, HashMap::new()).await, 2, "/all and the cleared one");

    // The audit log keeps what changed.
    let mut audit = admin
        .list_audit_events(pb::ListAuditEventsRequest {
            scope: scope("acme", "web"),
            resource_id: red.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut changes = Vec::new();
    while let Some(e) = audit.message().await.unwrap() {
        changes.push(e.changes);
    }
    let update = changes
        .iter()
        .find(|c| c.get("labels").is_some_and(|l| l == "tier=gold"))
        .unwrap_or_else(|| panic!("the update in {changes:?}"));
    assert_eq!(update.get("filter").map(String::as_str), Some(r#"{"tag":{"color":"blue"}}"#));
}

#[tokio::test]
async fn bad_filters_and_labels_are_refused_naming_the_field() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let deep = format!("{}1{}", r#"{"a":"#.repeat(9), "}".repeat(9));
    let cases: Vec<(&str, String, HashMap<String, String>)> = vec![
        ("filter", "[1]".into(), HashMap::new()),
        ("filter", "{oops".into(), HashMap::new()),
        ("filter", deep, HashMap::new()),
        ("filter", format!(r#"{{"a":"{}"}}"#, "x".repeat(4100)), HashMap::new()),
        ("filter", r#"{"a":"\u0000"}"#.into(), HashMap::new()),
        ("labels", String::new(), labels(&[("bad key", "v")])),
        ("labels", String::new(), labels(&[("", "v")])),
        ("labels[k]", String::new(), labels(&[("k", "line\nbreak")])),
        ("labels", String::new(), (0..17).map(|i| (format!("k{i}"), "v".to_string())).collect()),
    ];
    for (field, filter, with) in cases {
        let mut req = new_webhook(None, "https://example.com/hook", &["tag_created"]);
        req.filter = filter.clone();
        req.labels = with.clone();
        let err = admin.create_webhook(req).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, field);
        if field.starts_with("labels") {
            let token = server.token(Role::Publisher, "", "").await;
            let request = pb::PublishEventRequest {
                event_name: "tag_created".into(),
                payload: "{}".into(),
                labels: with,
                ..Default::default()
            };
            let err = server.ingest_as(Some(&token)).await.publish_event(request).await.unwrap_err();
            assert_field_error(&err, Code::InvalidArgument, field);
        }
    }
    let listed = admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap().into_inner();
    assert!(listed.webhooks.is_empty(), "nothing was created");
    // `{}` is no filter at all.
    let mut req = new_webhook(None, "https://example.com/hook", &["tag_created"]);
    req.filter = "{}".into();
    assert_eq!(admin.create_webhook(req).await.unwrap().into_inner().filter, "");
}
