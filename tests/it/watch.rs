//! WatchDeliveries: changes seen across server processes, resumed from a cursor without a
//! gap or a repeat, notified only while someone watches, and a slow watcher cut off.

use std::time::Duration;

use tonic::Code;
use uuid::Uuid;
use webhookd_client::pb;

use crate::common::receiver::Receiver;
use crate::common::Role;
use crate::common::{
    assert_field_error, eventually, listening, new_webhook, next_notification, scope, sql, TestServer,
};
use crate::delivery::wait_final;
use webhookd::storage::notify::DELIVERY_CHANNEL;

/// Opens a watch on `target`, optionally filtered by `status`.
async fn watch(
    admin: &mut crate::common::Admin,
    target: pb::watch_deliveries_request::Target,
    status: i32,
) -> tonic::Streaming<pb::DeliveryRecord> {
    let req = pb::WatchDeliveriesRequest { target: Some(target), status, ..Default::default() };
    admin.watch_deliveries(req).await.unwrap().into_inner()
}

#[tokio::test]
async fn watch_sees_deliveries_made_by_another_server_process() {
    // Server A only serves the API (no engine); server B, a separate process, delivers.
    let a = TestServer::start_with(&["--no-delivery"]).await;
    let db_url = a.database_url.clone().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut b = crate::common::ServerProcess::start(&db_url, tmp.path(), &["--poll-interval", "100ms"]);
    let rx = Receiver::ok().await;
    let mut admin = a.admin().await;
    let w = admin
        .create_webhook(new_webhook(scope("acme", "web"), &rx.url("/"), &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    use pb::watch_deliveries_request::Target;
    let company = |c: &str| Target::Scope(pb::Scope { company_id: c.into(), project_id: String::new() });
    let mut by_webhook = watch(&mut admin, Target::WebhookId(w.id.clone()), 0).await;
    let mut by_scope = watch(&mut admin, company("acme"), pb::DeliveryStatus::Success as i32).await;
    let mut elsewhere = watch(&mut admin, company("globex"), 0).await;
    let publisher = a.token(Role::Publisher, "", "").await;
    let published = a.publish_as(&publisher, "tag_created", scope("acme", "web"), "{}").await.unwrap();
    rx.expect().await;
    for stream in [&mut by_webhook, &mut by_scope] {
        let seen = tokio::time::timeout(Duration::from_secs(20), stream.message())
            .await
            .expect("a change within 20 s")
            .unwrap()
            .unwrap();
        assert_eq!(seen.webhook_id, w.id);
        assert_eq!(seen.event_id, published.event_id);
        assert_eq!(seen.status, pb::DeliveryStatus::Success as i32);
        assert_eq!(seen.status_code, 200);
        // The change is the record the history keeps, times to the microsecond included,
        // with where it stands in the watch.
        let kept = crate::common::settled_history(&mut admin, &w.id, 1).await;
        assert!(!seen.watch_cursor.is_empty());
        assert_eq!(pb::DeliveryRecord { watch_cursor: String::new(), ..seen }, kept[0]);
    }
    // A globex delivery made after the acme one is the sentinel: it must be the first
    // thing the globex watcher sees.
    let g = admin
        .create_webhook(new_webhook(scope("globex", ""), &rx.url("/g"), &["tag_created"]))
        .await
        .unwrap()
        .into_inner();
    a.publish_as(&publisher, "tag_created", scope("globex", ""), "{}").await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(20), elsewhere.message())
        .await
        .expect("the globex change within 20 s")
        .unwrap()
        .unwrap();
    assert_eq!(first.webhook_id, g.id, "a watcher of another company saw nothing of acme");
    // Each process listens on one connection for all its channels (PostgreSQL wakes every
    // listening connection for each notification): A's token cache, B's engine and token
    // cache; and A, which has watchers, on one more for them. Each pool names itself.
    let db = sql(&db_url).await;
    let names: Vec<(String, i64)> = db
        .query(
            "SELECT application_name, count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name LIKE 'webhookd%'
             GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(names.contains(&("webhookd listen".to_string(), 2)), "{names:?}");
    assert!(names.contains(&("webhookd watch".to_string(), 1)), "{names:?}");
    assert!(names.iter().any(|(n, _)| n == "webhookd engine"), "{names:?}");
    assert!(names.iter().any(|(n, _)| n == "webhookd ingest"), "{names:?}");
    b.kill();
    // Shutdown ends open watches with UNAVAILABLE, never as if the changes were complete.
    let stop = tokio::spawn(a.stop());
    let end =
        tokio::time::timeout(Duration::from_secs(20), by_webhook.message()).await.expect("the watch ends on shutdown");
    assert!(matches!(&end, Err(s) if s.code() == tonic::Code::Unavailable), "{end:?}");
    stop.await.unwrap();
}

/// What identifies a change: the delivery, its attempts and its state.
fn change(r: &pb::DeliveryRecord) -> (String, i32, i32) {
    (r.id.clone(), r.attempts, r.status)
}

async fn next_change(stream: &mut tonic::Streaming<pb::DeliveryRecord>) -> pb::DeliveryRecord {
    tokio::time::timeout(Duration::from_secs(20), stream.message())
        .await
        .expect("a change within 20 s")
        .unwrap()
        .expect("the watch goes on")
}

#[tokio::test]
async fn a_resumed_watch_replays_what_changed_since_its_cursor_then_goes_on_live() {
    use std::collections::HashSet;
    let server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let w = admin.create_webhook(new_webhook(None, &rx.url("/"), &["tag_created"])).await.unwrap().into_inner();
    let target = || pb::watch_deliveries_request::Target::WebhookId(w.id.clone());
    let resume = |cursor: &str| pb::WatchDeliveriesRequest {
        target: Some(target()),
        resume_after: cursor.into(),
        ..Default::default()
    };

    let mut first = watch(&mut admin, target(), 0).await;
    server.publish_many("tag_created", 3).await;
    let mut seen = HashSet::new();
    let mut cursor = String::new();
    while seen.len() < 3 {
        let r = next_change(&mut first).await;
        assert!(r.watch_cursor >= cursor || r.watch_cursor.len() > cursor.len(), "cursors go forward");
        cursor = r.watch_cursor.clone();
        assert!(seen.insert(change(&r)), "each change once");
    }
    // The watcher goes away; meanwhile five more deliveries complete.
    drop(first);
    server.publish_many("tag_created", 5).await;
    let history = crate::common::settled_history(&mut admin, &w.id, 8).await;
    let missed: HashSet<_> = history.iter().map(change).filter(|k| !seen.contains(k)).collect();
    assert_eq!(missed.len(), 5, "{history:?}");

    // Resumed from the last cursor: the five are replayed, each once (changes just before
    // the cursor may come again, as the proto says), then the watch goes on live: the next
    // delivery is the sentinel, with nothing of the replay repeated before it.
    let mut resumed = admin.watch_deliveries(resume(&cursor)).await.unwrap().into_inner();
    let mut replayed = HashSet::new();
    while replayed.len() < 5 {
        let r = next_change(&mut resumed).await;
        let k = change(&r);
        if seen.contains(&k) {
            continue;
        }
        assert!(missed.contains(&k), "only what changed: {r:?}");
        assert!(replayed.insert(k), "replayed once: {r:?}");
    }
    server.publish_many("tag_created", 1).await;
    loop {
        let r = next_change(&mut resumed).await;
        let k = change(&r);
        assert!(!replayed.contains(&k), "sent twice: {r:?}");
        if !seen.contains(&k) {
            assert_eq!(r.status, pb::DeliveryStatus::Success as i32, "the sentinel, live: {r:?}");
            break;
        }
    }
    drop(resumed);

    // Not a cursor: INVALID_ARGUMENT naming the field.
    for bad in ["abc", "-1", "99999999999999999999"] {
        let err = admin.watch_deliveries(resume(bad)).await.unwrap_err();
        assert_field_error(&err, Code::InvalidArgument, "resume_after");
    }

    // A webhook whose history was pruned past the cursor: a replay would miss deliveries,
    // so the resume is refused, naming the field.
    let busy =
        admin.create_webhook(new_webhook(None, &rx.url("/busy"), &["project_created"])).await.unwrap().into_inner();
    let mut busy_watch = watch(&mut admin, pb::watch_deliveries_request::Target::WebhookId(busy.id.clone()), 0).await;
    server.publish_many("project_created", 1).await;
    let old = next_change(&mut busy_watch).await.watch_cursor;
    drop(busy_watch);
    server.publish_many("project_created", 260).await;
    let db = sql(server.database_url.as_deref().unwrap()).await;
    let id: Uuid = busy.id.parse().unwrap();
    let db = &db;
    eventually(Duration::from_secs(30), "the busy webhook's history was pruned", || async move {
        let sql = "SELECT history_pruned_through IS NOT NULL FROM webhooks WHERE id = $1";
        db.query_one(sql, &[&id]).await.unwrap().get::<_, bool>(0).then_some(())
    })
    .await;
    let err = admin
        .watch_deliveries(pb::WatchDeliveriesRequest {
            target: Some(pb::watch_deliveries_request::Target::WebhookId(busy.id.clone())),
            resume_after: old,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    assert!(err.message().starts_with("resume_after:"), "{err:?}");
    // The first webhook's watch still resumes (its history lost nothing).
    admin.watch_deliveries(resume(&cursor)).await.unwrap();
}

#[tokio::test]
async fn outcomes_are_notified_only_while_some_process_watches() {
    let server = TestServer::start().await;
    let url = server.database_url.clone().unwrap();
    let db = sql(&url).await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let w = admin.create_webhook(new_webhook(None, &rx.url("/"), &["tag_created"])).await.unwrap().into_inner();
    let (_listener, mut notes) = listening(&url, &[DELIVERY_CHANNEL, "watch_sentinel"]).await;
    let watch_connections = || async {
        let n: i64 = db
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'webhookd watch'
                 AND datname = current_database()",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        n
    };
    assert_eq!(watch_connections().await, 0);

    // Nobody watches: a recorded outcome notifies nothing (the sentinel comes first).
    server.publish_many("tag_created", 1).await;
    wait_final(&db, &w.id, 1).await;
    db.batch_execute("NOTIFY watch_sentinel").await.unwrap();
    assert_eq!(next_notification(&mut notes).await, "watch_sentinel");

    // A watcher: its process listens, and outcomes are notified.
    let mut watching = watch(&mut admin, pb::watch_deliveries_request::Target::WebhookId(w.id.clone()), 0).await;
    assert_eq!(watch_connections().await, 1);
    server.publish_many("tag_created", 1).await;
    let seen = tokio::time::timeout(Duration::from_secs(20), watching.message()).await.expect("a change").unwrap();
    assert_eq!(seen.unwrap().webhook_id, w.id);
    assert_eq!(next_notification(&mut notes).await, DELIVERY_CHANNEL);

    // The last watcher leaves: the listening connection closes, and outcomes are quiet again.
    drop(watching);
    eventually(Duration::from_secs(20), "the watch connection closed", || async {
        (watch_connections().await == 0).then_some(())
    })
    .await;
    server.publish_many("tag_created", 1).await;
    wait_final(&db, &w.id, 3).await;
    db.batch_execute("NOTIFY watch_sentinel").await.unwrap();
    assert_eq!(next_notification(&mut notes).await, "watch_sentinel");
    server.stop().await;
}

#[tokio::test]
async fn a_slow_watcher_is_cut_off_without_slowing_deliveries() {
    let server = TestServer::start_with(&["--watch-buffer", "8"]).await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    let w = admin.create_webhook(new_webhook(None, &rx.url("/"), &["tag_created"])).await.unwrap().into_inner();
    let mut watch = watch(&mut admin, pb::watch_deliveries_request::Target::WebhookId(w.id.clone()), 0).await;
    server.publish_many("tag_created", 1500).await;
    // Every delivery completes although nobody reads the watch.
    let db = sql(server.database_url.as_deref().unwrap()).await;
    // All final (with 1500 fanned out, pending ones remain until every one completed), and
    // pruned while running: the table holds the 200 kept, fewer than 50 completed since the
    // last prune, and at most one recorded batch (512) not pruned yet.
    let rows = wait_final(&db, &w.id, 200).await;
    assert!(rows.len() < 200 + 50 + 512, "histories are pruned while the engine runs: {} rows", rows.len());
    eventually(Duration::from_secs(60), "1,500 deliveries though nobody reads the watch", || async {
        (rx.count() >= 1500).then_some(())
    })
    .await;
    // The watcher gets what was buffered, then RESOURCE_EXHAUSTED.
    let mut got = 0;
    let err = loop {
        match tokio::time::timeout(Duration::from_secs(20), watch.message()).await.expect("the watch answers") {
            Ok(Some(_)) => got += 1,
            Ok(None) => panic!("the watch ended without an error after {got} records"),
            Err(status) => break status,
        }
    };
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert!(err.message().contains("fell behind"), "{err:?}");
    assert!(got < 1500, "the slow watcher was cut off ({got} records)");
    server.stop().await;
}
