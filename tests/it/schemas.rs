//! Payload schemas in the event catalog: listed by ListEventTypes, enforced by PublishEvent
//! (unless turned off), extended by configuration, and documented in the README.

use tonic::Code;
use webhookd_client::pb;

use crate::common::Role;
use crate::common::{assert_field_error, TestServer};

fn event(name: &str, payload: &str) -> pb::PublishEventRequest {
    pb::PublishEventRequest { event_name: name.into(), payload: payload.into(), ..Default::default() }
}

#[tokio::test]
async fn payloads_are_checked_against_the_schemas_listed_by_list_event_types() {
    let server = TestServer::start().await;
    let types = server.admin().await.list_event_types(pb::ListEventTypesRequest {}).await.unwrap().into_inner();
    assert!(types.event_types.len() >= 12);
    for t in &types.event_types {
        let schema: serde_json::Value = serde_json::from_str(&t.payload_schema).unwrap();
        assert_eq!(schema["type"], "object", "{}", t.name);
    }
    let publisher = server.token(Role::Publisher, "", "").await;
    let mut ingest = server.ingest_as(Some(&publisher)).await;
    ingest.publish_event(event("tag_created", r#"{"tagName":"v1.2.0","somethingElse":[1]}"#)).await.unwrap();
    let err = ingest.publish_event(event("tag_created", r#"{"tagName":987654}"#)).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "payload");
    assert!(err.message().contains("/tagName"), "{}", err.message());
    assert!(!err.message().contains("987654"), "the value is not repeated: {}", err.message());
    // A stream stops at the first mismatch, after storing the events before it.
    let events = vec![event("tag_created", "{}"), event("project_created", r#"{"projectId":1}"#)];
    let mut acks = ingest.publish_events(tokio_stream::iter(events)).await.unwrap().into_inner();
    assert!(acks.message().await.unwrap().is_some());
    let err = acks.message().await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "payload");
    server.stop().await;
}

#[tokio::test]
async fn configured_schemas_apply_and_checking_can_be_turned_off() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("order_paid.json");
    std::fs::write(&file, r#"{"type":"object","required":["orderId"],"properties":{"orderId":{"type":"string"}}}"#)
        .unwrap();
    let schemas = format!("order_paid={}", file.display());
    let server =
        TestServer::start_with(&["--extra-events", "order_paid=An order was paid.", "--event-schemas", &schemas]).await;
    let types = server.admin().await.list_event_types(pb::ListEventTypesRequest {}).await.unwrap().into_inner();
    let order = types.event_types.iter().find(|t| t.name == "order_paid").unwrap();
    assert!(order.payload_schema.contains("orderId"));
    let publisher = server.token(Role::Publisher, "", "").await;
    let mut ingest = server.ingest_as(Some(&publisher)).await;
    let err = ingest.publish_event(event("order_paid", "{}")).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "payload");
    ingest.publish_event(event("order_paid", r#"{"orderId":"o-1"}"#)).await.unwrap();
    server.stop().await;

    let lenient = TestServer::start_with(&[
        "--extra-events",
        "order_paid",
        "--event-schemas",
        &schemas,
        "--validate-payloads",
        "false",
    ])
    .await;
    let publisher = lenient.token(Role::Publisher, "", "").await;
    lenient.ingest_as(Some(&publisher)).await.publish_event(event("order_paid", "{}")).await.unwrap();
    lenient.stop().await;

    // A schema that is not valid stops the server at start, naming its event.
    std::fs::write(&file, r#"{"type": 12}"#).unwrap();
    let config = webhookd::config::Config::from_args(&[
        "--data-dir".to_string(),
        tmp.path().join("d").display().to_string(),
        "--extra-events".into(),
        "order_paid".into(),
        "--event-schemas".into(),
        schemas,
    ])
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = webhookd::run(config, listener, Default::default()).await.unwrap_err();
    let text = webhookd::report::chain(&err);
    assert!(text.contains("order_paid"), "{text}");
}

#[test]
fn the_readme_documents_every_built_in_payload_from_its_schema() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = webhookd::catalog::Catalog::default().payload_table();
    assert!(readme.contains(&table), "README.md lacks the payload table; put this in it:\n{table}");
}
