//! Ingest and the durable queue: validation, idempotency, streams, the history cap, leases
//! after a crash, event purging, shutdown, and replicas sharing one database.

use std::time::Duration;

use tonic::Code;
use uuid::Uuid;
use webhookd::model::DeliveryStatus;
use webhookd_client::pb;

use crate::common::publish;
use crate::common::receiver::{Receiver, Reply};
use crate::common::stored;
use crate::common::Role;
use crate::common::{assert_field_error, eventually, new_webhook, scope, sql, TestServer};
use crate::delivery::wait_final;

#[tokio::test]
async fn publish_validation_idempotency_and_scopes() {
    let server = TestServer::start_with(&["--max-payload-bytes", "1024"]).await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let w = admin
        .create_webhook(new_webhook(scope("acme", ""), &rx.url("/"), &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    let token = server.token(Role::Publisher, "acme", "").await;
    let mut ingest = server.ingest_as(Some(&token)).await;
    let ok = || pb::PublishEventRequest {
        event_name: "tag_created".into(),
        scope: scope("acme", "web"),
        payload: r#"{"a":1}"#.into(),
        event_timestamp: 0,
        idempotency_key: String::new(),
        labels: Default::default(),
    };
    type Mutate = Box<dyn Fn(&mut pb::PublishEventRequest)>;
    let cases: Vec<(Code, &str, Mutate)> = vec![
        (Code::InvalidArgument, "event_name", Box::new(|r| r.event_name = "nope".into())),
        (Code::InvalidArgument, "event_name", Box::new(|r| r.event_name = String::new())),
        (Code::InvalidArgument, "payload", Box::new(|r| r.payload = "[1]".into())),
        (Code::InvalidArgument, "payload", Box::new(|r| r.payload = "{oops".into())),
        (Code::InvalidArgument, "payload", Box::new(|r| r.payload = String::new())),
        (Code::ResourceExhausted, "payload", Box::new(|r| r.payload = format!(r#"{{"x":"{}"}}"#, "a".repeat(1100)))),
        (Code::InvalidArgument, "scope.project_id", Box::new(|r| r.scope = scope("", "web"))),
        (Code::InvalidArgument, "event_timestamp", Box::new(|r| r.event_timestamp = -5)),
    ];
    for (code, field, mutate) in &cases {
        let mut r = ok();
        mutate(&mut r);
        let err = ingest.publish_event(r).await.unwrap_err();
        assert_field_error(&err, *code, field);
    }
    // Beyond what the call decodes at all (the payload cap plus 256 KiB for the other
    // fields): RESOURCE_EXHAUSTED naming the limit, unary, streamed, and to the admin API.
    let mut huge = ok();
    huge.payload = format!(r#"{{"x":"{}"}}"#, "a".repeat(1024 + 256 * 1024 + 100));
    let err = ingest.publish_event(huge.clone()).await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert!(err.message().contains(&format!("more than the {} this call accepts", 1024 + 256 * 1024)), "{err:?}");
    let streamed = match ingest.publish_events(tokio_stream::iter([huge])).await {
        Ok(acks) => acks.into_inner().message().await.unwrap_err(),
        Err(e) => e,
    };
    assert_eq!(streamed.code(), Code::ResourceExhausted, "{streamed:?}");
    let mut too_big = new_webhook(None, &rx.url("/"), &["tag_created"]);
    too_big.ca_certificate = "a".repeat(300 * 1024);
    let err = admin.create_webhook(too_big).await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert!(err.message().contains("this call accepts"), "{err:?}");
    let mut other = ok();
    other.scope = scope("globex", "");
    assert_eq!(ingest.publish_event(other).await.unwrap_err().code(), Code::PermissionDenied);
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let n: i64 = db.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "rejected events wrote nothing");

    // Idempotency: the same key in the same scope returns the first event and creates nothing.
    let mut keyed = ok();
    keyed.idempotency_key = "order-42".into();
    let first = ingest.publish_event(keyed.clone()).await.unwrap().into_inner();
    assert!(!first.duplicate);
    assert_eq!(first.deliveries, 1);
    let again = ingest.publish_event(keyed.clone()).await.unwrap().into_inner();
    assert_eq!((again.event_id.as_str(), again.deliveries, again.duplicate), (first.event_id.as_str(), 1, true));
    let mut elsewhere = keyed.clone();
    elsewhere.scope = scope("acme", "api");
    let third = ingest.publish_event(elsewhere).await.unwrap().into_inner();
    assert!(!third.duplicate);
    assert_ne!(third.event_id, first.event_id);
    let rows = wait_final(&db, &w.id, 2).await;
    assert_eq!(rows.len(), 2, "one delivery per distinct event");
    let n: i64 = db.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
    server.stop().await;
}

#[tokio::test]
async fn streaming_ingest_answers_in_order_and_history_is_capped_at_200() {
    let server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let w = admin.create_webhook(new_webhook(None, &rx.url("/"), &["tag_created"])).await.unwrap().into_inner();
    let token = server.token(Role::Publisher, "", "").await;
    let mut ingest = server.ingest_as(Some(&token)).await;
    let reqs: Vec<pb::PublishEventRequest> = (0..230)
        .map(|i| pb::PublishEventRequest {
            event_name: "tag_created".into(),
            payload: format!(r#"{{"seq":{i}}}"#),
            idempotency_key: if i == 229 { "k-0".into() } else { format!("k-{i}") },
            ..Default::default()
        })
        .collect();
    let mut answers = ingest.publish_events(tokio_stream::iter(reqs)).await.unwrap().into_inner();
    let mut got = Vec::new();
    while let Some(a) = answers.message().await.unwrap() {
        got.push(a);
    }
    assert_eq!(got.len(), 230);
    assert!(got[..229].iter().all(|a| !a.duplicate && a.deliveries == 1));
    assert!(got[229].duplicate && got[229].event_id == got[0].event_id, "in-order answers; last one repeats key k-0");
    let db = sql(server.database_url.as_deref().unwrap()).await;
    // In order: event ids are time-ordered UUIDv7s and the payload sequence matches.
    for (i, a) in got[..229].iter().enumerate() {
        let id = Uuid::parse_str(&a.event_id).unwrap();
        let body: Vec<u8> = db.query_one("SELECT body FROM events WHERE id = $1", &[&id]).await.unwrap().get(0);
        assert!(String::from_utf8(body).unwrap().contains(&format!(r#"{{"seq":{i}}}"#)));
    }
    eventually(Duration::from_secs(60), "all 229 delivered", || async { (rx.count() >= 229).then_some(()) }).await;
    wait_final(&db, &w.id, 200).await;
    // The history shows the 200 most recent; the table may hold older ones the engine has
    // not pruned yet.
    let shown = crate::history::history(
        &mut admin,
        pb::ListEventHistoryRequest { webhook_id: w.id.clone(), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(shown.len(), 200, "history shows the 200 most recent completed deliveries");
    let shown: std::collections::HashSet<String> = shown.into_iter().map(|d| d.id).collect();
    let webhook_id = Uuid::parse_str(&w.id).unwrap();
    let stored = db
        .query(
            "SELECT id::text, dispatch_time FROM deliveries WHERE webhook_id = $1 ORDER BY dispatch_time, id",
            &[&webhook_id],
        )
        .await
        .unwrap();
    assert!(stored.len() >= 200, "{}", stored.len());
    let first_shown = stored.iter().position(|r| shown.contains(&r.get::<_, String>(0))).unwrap();
    assert!(
        stored[first_shown..].iter().all(|r| shown.contains(&r.get::<_, String>(0))),
        "the shown ones are the most recent"
    );

    // An invalid event ends the stream after the valid ones before it are answered.
    let mut bad =
        vec![
            pb::PublishEventRequest { event_name: "tag_created".into(), payload: "{}".into(), ..Default::default() };
            3
        ];
    bad[1].payload = "[]".into();
    let mut answers = ingest.publish_events(tokio_stream::iter(bad)).await.unwrap().into_inner();
    assert!(answers.message().await.unwrap().is_some());
    let err = answers.message().await.unwrap_err();
    assert_field_error(&err, Code::InvalidArgument, "payload");
    // The engine prunes every history that grew before it stops.
    server.stop().await;
    let kept: i64 =
        db.query_one("SELECT count(*) FROM deliveries WHERE webhook_id = $1", &[&webhook_id]).await.unwrap().get(0);
    assert_eq!(kept, 200, "the table keeps the 200 most recent once pruned");
}

/// An instance webhook for `event` at `target_url`, written straight to storage.
async fn stored_webhook(storage: &webhookd::storage::Storage, target_url: String, event: &str) -> Uuid {
    stored::create(storage, &webhookd::storage::webhooks::NewWebhook { target_url, ..stored::webhook(event) }).await
}

#[tokio::test]
async fn a_claim_left_by_a_killed_server_is_delivered_after_its_lease_before_newer_backlog() {
    let db_url = crate::common::fresh_database().await;
    let rx = Receiver::start(None, |i, _| if i == 0 { Reply::Hang } else { Reply::Status(200, vec![]) }).await;
    let tmp = tempfile::tempdir().unwrap();
    // Server A: a separate process that claims the delivery, sends it, and is killed mid-send.
    let mut a = crate::common::ServerProcess::start(&db_url, tmp.path(), &["--lease", "2s"]);
    let db = sql(&db_url).await;
    // Create the webhook and the event straight in the database A serves.
    let storage = stored::storage(&db_url).await;
    let hook = stored_webhook(&storage, rx.url("/crash"), "tag_created").await;
    storage.publish(&stored::events("tag_created", 1)).await.unwrap();
    let first = rx.expect().await;
    a.kill();
    let claimed: Option<Uuid> = db.query_one("SELECT claim_token FROM deliveries", &[]).await.unwrap().get(0);
    assert!(claimed.is_some(), "the dead server's claim is left behind");
    // Newer backlog, due before the dead server's lease runs out: 150 deliveries that take
    // at least 25 ms each, one at a time.
    const BACKLOG: usize = 150;
    let slow = Receiver::start(None, |_, _| Reply::After(Duration::from_millis(25), 200)).await;
    stored_webhook(&storage, slow.url("/backlog"), "project_created").await;
    storage.publish(&stored::events("project_created", BACKLOG)).await.unwrap();

    // Server B picks the stranded delivery up once the lease has run out, in its place:
    // before the backlog that was queued after it, not behind all of it.
    let b = TestServer::start_opts(crate::common::ServerOptions {
        database_url: Some(db_url.clone()),
        data_dir: None,
        args: ["--allow-targets", "127.0.0.1/32", "--poll-interval", "200ms", "--delivery-concurrency", "1"]
            .map(String::from)
            .to_vec(),
    })
    .await;
    let second = rx.expect().await;
    let backlog_before = slow.count();
    assert!(backlog_before < BACKLOG, "the stranded delivery came after all {backlog_before} newer ones");
    assert_eq!(second.header("webhook-id"), first.header("webhook-id"), "the same delivery");
    assert_eq!(second.body, first.body);
    assert!(second.at.duration_since(first.at) >= Duration::from_millis(1500), "not before the lease ran out");
    let rows = wait_final(&db, &hook.to_string(), 1).await;
    assert_eq!((rows[0].status, rows[0].attempts), (DeliveryStatus::Success, 2));
    b.stop().await;
}

#[tokio::test]
async fn old_events_without_deliveries_are_purged_after_their_retention() {
    let url = crate::common::fresh_database().await;
    let storage = stored::storage(&url).await;
    let db = sql(&url).await;
    let hook = stored_webhook(&storage, "https://example.com/".into(), "tag_created").await;
    let mut ids = Vec::new();
    for (age_hours, with_delivery) in [(25, false), (25, true), (1, false)] {
        let id = Uuid::now_v7();
        db.execute(
            "INSERT INTO events (id, event_name, event_timestamp, idempotency_key, body, create_time)
             VALUES ($1, 'tag_created', 1, $2, '{}', now() - $3 * interval '1 hour')",
            &[&id, &id.to_string(), &f64::from(age_hours)],
        )
        .await
        .unwrap();
        if with_delivery {
            db.execute(
                "INSERT INTO deliveries (id, webhook_id, event_id, event_type, status) VALUES ($1, $2, $3, 'tag_created', 2)",
                &[&Uuid::new_v4(), &hook, &id],
            )
            .await
            .unwrap();
        }
        ids.push(id);
    }
    assert_eq!(storage.purge_events(100).await.unwrap(), 1);
    let left: Vec<Uuid> =
        db.query("SELECT id FROM events ORDER BY id", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(left, vec![ids[1], ids[2]], "kept: still delivered, and still within its idempotency window");
}

#[tokio::test]
async fn shutdown_lets_sends_finish_within_the_grace_period_and_releases_the_rest() {
    let server = TestServer::start_with(&["--shutdown-grace", "1500ms"]).await;
    let slow = Receiver::start(None, |_, _| Reply::After(Duration::from_millis(300), 200)).await;
    let stuck = Receiver::start(None, |_, _| Reply::Hang).await;
    let mut admin = server.admin().await;
    let finishing =
        admin.create_webhook(new_webhook(None, &slow.url("/slow"), &["tag_created"])).await.unwrap().into_inner();
    let hanging =
        admin.create_webhook(new_webhook(None, &stuck.url("/stuck"), &["tag_created"])).await.unwrap().into_inner();
    let db = sql(server.database_url.as_deref().unwrap()).await;
    publish(&server, "tag_created", None, "{}").await;
    // Both sends are in flight when the server is told to stop.
    slow.expect().await;
    stuck.expect().await;
    let started = std::time::Instant::now();
    server.stop().await;
    assert!(started.elapsed() < Duration::from_secs(10), "shutdown took {:?}", started.elapsed());

    let row = |id: &str| {
        let id = Uuid::parse_str(id).unwrap();
        let db = &db;
        async move {
            db.query_one(
                "SELECT status, attempts, claim_token, next_attempt_time <= now() AS due FROM deliveries WHERE webhook_id = $1",
                &[&id],
            )
            .await
            .unwrap()
        }
    };
    let done = row(&finishing.id).await;
    assert_eq!(
        (done.get::<_, DeliveryStatus>("status"), done.get::<_, i32>("attempts")),
        (DeliveryStatus::Success, 1),
        "finished within the grace period"
    );
    let released = row(&hanging.id).await;
    assert_eq!(released.get::<_, DeliveryStatus>("status"), DeliveryStatus::Pending, "still pending");
    assert_eq!(released.get::<_, i32>("attempts"), 0, "the abandoned attempt is not counted");
    assert_eq!(released.get::<_, Option<Uuid>>("claim_token"), None, "the claim was released");
    assert!(released.get::<_, bool>("due"), "due again at once, not after the lease");
}

#[tokio::test]
async fn two_replicas_share_the_queue_and_send_each_delivery_once() {
    let a = TestServer::start().await;
    let db_url = a.database_url.clone().unwrap();
    let b = TestServer::start_opts(crate::common::ServerOptions {
        database_url: Some(db_url.clone()),
        data_dir: None,
        args: vec!["--allow-targets".into(), "127.0.0.1/32".into()],
    })
    .await;
    let rx = Receiver::ok().await;
    let w =
        a.admin().await.create_webhook(new_webhook(None, &rx.url("/"), &["tag_created"])).await.unwrap().into_inner();
    a.publish_many("tag_created", 600).await;
    let mut ids = std::collections::HashSet::new();
    for _ in 0..600 {
        let req = rx.expect().await;
        assert!(ids.insert(req.header("webhook-id").unwrap().to_string()), "a delivery was sent twice");
    }
    let db = sql(&db_url).await;
    let rows = wait_final(&db, &w.id, 200).await;
    assert!(rows.iter().all(|r| r.attempts == 1 && r.status == DeliveryStatus::Success));
    // No extra sends: the next request is a sentinel published after everything was final.
    a.publish_many("tag_created", 1).await;
    let next = rx.expect().await;
    assert!(!ids.contains(next.header("webhook-id").unwrap()), "a delivery was sent again");
    assert_eq!(rx.count(), 601);
    b.stop().await;
    a.stop().await;
}
