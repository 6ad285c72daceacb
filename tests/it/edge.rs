//! The edge: bounded responses and errors, undecodable requests.

use std::time::Duration;

use prost::Message;
use tonic::Code;
use webhookd_client::pb;

use crate::common::Role;
use crate::common::{assert_field_error, ca_pem, new_webhook, ServerOptions, TestServer};

#[tokio::test]
async fn list_pages_stay_under_the_default_message_size_whatever_the_rows_hold() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let one = ca_pem();
    // As large as a ca_certificate may be: 80 of them are far beyond 4 MiB.
    let big = one.repeat(webhookd::api::validate::MAX_CA_BYTES / one.len());
    for i in 0..80 {
        let mut req = new_webhook(None, &format!("https://h{i}.example.com/"), &["tag_created"]);
        req.ca_certificate = big.clone();
        admin.create_webhook(req).await.unwrap();
    }
    let (mut seen, mut pages, mut token) = (0, 0, String::new());
    loop {
        // The client keeps its default 4 MiB limit for received messages.
        let page = admin
            .list_webhooks(pb::ListWebhooksRequest { page_size: 500, page_token: token, ..Default::default() })
            .await
            .expect("a page fits in the default message size")
            .into_inner();
        assert!(page.encoded_len() < 4 * 1024 * 1024, "page of {} bytes", page.encoded_len());
        assert!(!page.webhooks.is_empty());
        seen += page.webhooks.len();
        pages += 1;
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen, 80, "paging by size still returns every webhook once");
    assert!(pages > 1, "a page ended early on its size");
    server.stop().await;
}

#[tokio::test]
async fn echoed_input_is_truncated_in_messages_and_details() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let huge = "x".repeat(10_000);
    let err = admin.create_webhook(new_webhook(None, "https://a.example.com/", &[&huge])).await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "events");
    assert!(err.message().contains("xxxx\"…"), "the name is shown cut: {}", err.message());
    assert!(
        err.message().len() < 200 && err.details().len() < 400,
        "{} / {}",
        err.message().len(),
        err.details().len()
    );

    let token = server.token(Role::Publisher, "", "").await;
    let err = server
        .ingest_as(Some(&token))
        .await
        .publish_event(pb::PublishEventRequest { event_name: huge.clone(), payload: "{}".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "event_name");
    assert!(err.message().len() < 200 && err.details().len() < 400, "{err:?}");

    let err = admin
        .update_webhook(pb::UpdateWebhookRequest {
            id: uuid::Uuid::new_v4().to_string(),
            update_mask: Some(prost_types::FieldMask { paths: vec![huge] }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    // The id is unknown, so NOT_FOUND comes first; either way nothing long comes back.
    assert!(err.message().len() < 200, "{err:?}");
    server.stop().await;
}

/// `GetWebhookRequest` with its `id` (field 1) as raw bytes.
#[derive(Clone, PartialEq, prost::Message)]
struct RawStringField {
    #[prost(bytes = "vec", tag = "1")]
    id: Vec<u8>,
}

/// `GetWebhookRequest` with field 1 of the wrong wire type.
#[derive(Clone, PartialEq, prost::Message)]
struct WrongWireType {
    #[prost(fixed64, tag = "1")]
    id: u64,
}

async fn get_webhook_raw<M: Message + Send + Sync + 'static>(server: &TestServer, msg: M) -> tonic::Status {
    let mut grpc = tonic::client::Grpc::new(server.channel().await);
    grpc.ready().await.unwrap();
    let mut req = tonic::Request::new(msg);
    req.metadata_mut().insert("authorization", format!("Bearer {}", server.admin_token).parse().unwrap());
    let path = http::uri::PathAndQuery::from_static("/webhookd.v1.WebhookAdmin/GetWebhook");
    grpc.unary::<M, pb::Webhook, _>(req, path, tonic_prost::ProstCodec::default()).await.unwrap_err()
}

#[tokio::test]
async fn undecodable_requests_are_invalid_argument() {
    let server = TestServer::start().await;
    let status = get_webhook_raw(&server, RawStringField { id: vec![0xff, 0xfe, b'a'] }).await;
    assert_eq!(status.code(), Code::InvalidArgument, "invalid UTF-8 in a string field: {status:?}");
    let status = get_webhook_raw(&server, WrongWireType { id: 7 }).await;
    assert_eq!(status.code(), Code::InvalidArgument, "not the message's encoding: {status:?}");
    // The same path with a valid encoding reaches the handler.
    let status = get_webhook_raw(&server, RawStringField { id: b"nope".to_vec() }).await;
    assert_field_error(&status, Code::InvalidArgument, "id");
    server.stop().await;
}

/// The next status a health watch reports, within 30 s.
async fn next_status(watch: &mut tonic::Streaming<tonic_health::pb::HealthCheckResponse>) -> i32 {
    let next = tokio::time::timeout(Duration::from_secs(30), watch.message()).await;
    next.expect("a health change within 30 s").unwrap().unwrap().status
}

#[tokio::test]
async fn a_database_outage_answers_unavailable_and_health_follows_it() {
    use tonic_health::pb::{health_check_response::ServingStatus, health_client::HealthClient, HealthCheckRequest};
    use webhookd::storage::local::LocalPostgres;

    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let dir = tmp.path().join("pg");
    let start = |dir: std::path::PathBuf| async move {
        tokio::task::spawn_blocking(move || LocalPostgres::start(&dir, None).unwrap()).await.unwrap()
    };
    let pg = start(dir.clone()).await;
    let (c, conn) = pg.pg_config("postgres").connect(tokio_postgres::NoTls).await.unwrap();
    let driver = tokio::spawn(conn);
    c.batch_execute("CREATE DATABASE outage").await.unwrap();
    drop(c);
    let _ = driver.await;
    let server = TestServer::start_opts(ServerOptions {
        database_url: Some(pg.url("outage")),
        data_dir: None,
        args: vec!["--allow-targets".into(), "127.0.0.1/32".into()],
    })
    .await;
    let mut admin = server.admin().await;
    let publisher = server.token(Role::Publisher, "", "").await;
    let mut ingest = server.ingest_as(Some(&publisher)).await;
    let publish =
        || pb::PublishEventRequest { event_name: "tag_created".into(), payload: "{}".into(), ..Default::default() };
    admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap();
    ingest.publish_event(publish()).await.unwrap();

    let mut health = HealthClient::new(server.channel().await);
    let mut statuses = Vec::new();
    for service in ["", "webhookd.v1.WebhookAdmin", "webhookd.v1.EventIngest"] {
        let mut watch = health.watch(HealthCheckRequest { service: service.into() }).await.unwrap().into_inner();
        let first = watch.message().await.unwrap().unwrap();
        assert_eq!(first.status, ServingStatus::Serving as i32, "{service:?}");
        statuses.push(watch);
    }

    let mut watch = admin.watch_deliveries(pb::WatchDeliveriesRequest::default()).await.unwrap().into_inner();

    tokio::task::spawn_blocking(move || pg.stop()).await.unwrap();
    for watch in &mut statuses {
        assert_eq!(next_status(watch).await, ServingStatus::NotServing as i32);
    }
    let err = admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    let err = admin.create_webhook(new_webhook(None, "https://a.example.com/", &["tag_created"])).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    let err = ingest.publish_event(publish()).await.unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert!(!err.message().contains("internal"), "{err:?}");
    // A watch does not stay silent through the outage: changes made meanwhile would go
    // unseen, so it ends with UNAVAILABLE while the database is still away.
    let ended = tokio::time::timeout(Duration::from_secs(30), watch.message()).await.expect("the watch ended");
    assert_eq!(ended.unwrap_err().code(), Code::Unavailable);

    // Recovery needs no restart of webhookd.
    let _pg = start(dir).await;
    for watch in &mut statuses {
        assert_eq!(next_status(watch).await, ServingStatus::Serving as i32);
    }
    admin.list_webhooks(pb::ListWebhooksRequest::default()).await.unwrap();
    ingest.publish_event(publish()).await.unwrap();
    drop(statuses);
    server.stop().await;
}

#[tokio::test]
async fn a_stream_of_100000_events_sent_one_small_frame_each_is_fully_acknowledged() {
    use tokio_stream::StreamExt;
    let server = TestServer::start().await;
    let token = server.token(Role::Publisher, "", "").await;
    let n = 100_000;
    // Yielding between messages makes the client flush each one in its own DATA frame, as
    // grpcurl and most clients do, instead of packing many into one.
    let requests = tokio_stream::iter(0..n).then(|i| async move {
        tokio::task::yield_now().await;
        pb::PublishEventRequest {
            event_name: "tag_created".into(),
            payload: format!(r#"{{"i":{i}}}"#),
            idempotency_key: format!("k{i}"),
            ..Default::default()
        }
    });
    let mut acks = server.ingest_as(Some(&token)).await.publish_events(requests).await.unwrap().into_inner();
    let mut acked = 0;
    while let Some(ack) = acks.message().await.expect("the stream is not cut") {
        assert!(!ack.duplicate);
        acked += 1;
    }
    assert_eq!(acked, n, "every event acknowledged");
    server.stop().await;
}

#[tokio::test]
async fn webhooks_per_company_and_project_are_limited_even_when_created_at_once() {
    use crate::common::scope;
    let server = TestServer::start_with(&["--max-webhooks-per-company", "3", "--max-webhooks-per-project", "2"]).await;
    let admin = server.admin().await;
    let create = |company: &str, project: &str| {
        let mut admin = admin.clone();
        let req = new_webhook(scope(company, project), "https://hooks.example.com/", &["tag_created"]);
        async move { admin.create_webhook(req).await }
    };
    for _ in 0..2 {
        create("acme", "web").await.unwrap();
    }
    let err = create("acme", "web").await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert!(err.message().contains("--max-webhooks-per-project"), "{err:?}");
    let third = create("acme", "").await.unwrap().into_inner();
    let err = create("acme", "app").await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert!(err.message().contains("--max-webhooks-per-company"), "{err:?}");
    // Other scopes are untouched, and a deleted webhook frees its place.
    create("globex", "web").await.unwrap();
    create("", "").await.unwrap();
    let mut a = admin.clone();
    a.delete_webhook(pb::DeleteWebhookRequest { id: third.id }).await.unwrap();
    create("acme", "app").await.unwrap();

    // Ten creates at once in a fresh company: exactly its quota gets in.
    let results = futures_util::future::join_all((0..10).map(|_| create("initech", ""))).await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(created, 3, "{results:?}");
    assert!(results.iter().flatten().count() == 3);
    server.stop().await;
}

#[tokio::test]
async fn a_watch_ends_with_unavailable_when_the_server_shuts_down_never_as_if_complete() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut watch = admin.watch_deliveries(pb::WatchDeliveriesRequest::default()).await.unwrap().into_inner();
    let stopping = tokio::spawn(server.stop());
    let ended = tokio::time::timeout(Duration::from_secs(30), watch.message()).await.expect("the watch ended");
    let status = ended.expect_err("a shutdown is not the end of the changes");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    stopping.await.unwrap();
}
