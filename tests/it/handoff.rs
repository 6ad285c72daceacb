//! The hot path's hand-off: a publish leases to its own engine only what the fair claim
//! would send now, wakes the engines only for what it leaves in the queue, and a handed-off
//! delivery of a killed process is sent again once its lease has run out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use uuid::Uuid;
use webhookd::model::DeliveryStatus;
use webhookd::model::WebhookState;
use webhookd::storage::deliveries::{Claimed, DeliveryRules};
use webhookd::storage::handoff::{Handed, Handoff};
use webhookd::storage::webhooks::NewWebhook;
use webhookd::storage::Storage;
use webhookd_client::pb;

use crate::common::receiver::{Receiver, Reply};
use crate::common::stored::{self, events, storage};
use crate::common::Role;
use crate::common::{fresh_database, listening, next_notification, sql};
use crate::delivery::wait_final;

const LEASE: Duration = Duration::from_secs(30);
/// The storage tests' rules, with a breaker that opens only after 10 failures.
const RULES: DeliveryRules = DeliveryRules { breaker_threshold: 10, ..stored::RULES };

/// `storage`, handing off into an engine with `slots` free send slots.
fn handing_off(storage: &Storage, slots: usize) -> (Storage, Handed) {
    let (handoff, handed) = Handoff::new(Arc::new(Semaphore::new(slots)), LEASE, RULES);
    (storage.clone().with_handoff(handoff), handed)
}

/// An instance webhook listening to `event` alone.
async fn hook(storage: &Storage, event: &str, max_in_flight: i32, rate_limit: i32, state: WebhookState) -> Uuid {
    stored::create(storage, &NewWebhook { max_in_flight, rate_limit, state, ..stored::webhook(event) }).await
}

/// Everything handed off so far.
fn taken(handed: &mut Handed) -> Vec<Claimed> {
    let mut all = Vec::new();
    while let Ok(batch) = handed.try_recv() {
        all.extend(batch);
    }
    all
}

/// The deliveries of `webhook`, leased or not: (id, leased, attempts).
async fn rows(db: &tokio_postgres::Client, webhook: Uuid) -> Vec<(Uuid, bool, i32)> {
    db.query(
        "SELECT id, claim_token IS NOT NULL AND claim_expire_time > now() + interval '20 seconds', attempts
         FROM deliveries WHERE webhook_id = $1",
        &[&webhook],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect()
}

#[tokio::test]
async fn a_publish_hands_off_only_what_the_fair_claim_would_send_now() {
    let url = fresh_database().await;
    let db = sql(&url).await;
    let queue = storage(&url).await;
    let (hot, mut handed) = handing_off(&queue, 100);

    let plain = hook(&queue, "e_plain", 0, 0, WebhookState::Active).await;
    let capped = hook(&queue, "e_capped", 2, 0, WebhookState::Active).await;
    let paused = hook(&queue, "e_paused", 0, 0, WebhookState::Paused).await;
    let rated = hook(&queue, "e_rated", 0, 10, WebhookState::Active).await;
    let broken = hook(&queue, "e_broken", 0, 0, WebhookState::Active).await;
    db.execute(
        "UPDATE webhooks SET failure_streak = 10, failing_since = now(), breaker_until = now() + interval '1 hour'
         WHERE id = $1",
        &[&broken],
    )
    .await
    .unwrap();
    let backlogged = hook(&queue, "e_backlogged", 0, 0, WebhookState::Active).await;
    // Due work already waiting (published without a hand-off): it goes first, by the claim.
    queue.publish(&events("e_backlogged", 1)).await.unwrap();

    let plain_events = events("e_plain", 3);
    let published = hot.publish(&plain_events).await.unwrap();
    assert!(published.iter().all(|p| p.deliveries == 1 && !p.duplicate));
    for name in ["e_capped", "e_paused", "e_rated", "e_broken", "e_backlogged"] {
        let n = if name == "e_capped" { 5 } else { 2 };
        let published = hot.publish(&events(name, n)).await.unwrap();
        assert!(published.iter().all(|p| p.deliveries == 1), "{name}: every event fans out as before");
    }

    let got = taken(&mut handed);
    let count = |w: Uuid| got.iter().filter(|c| c.webhook_id == w).count();
    assert_eq!(count(plain), 3, "a webhook with free slots and nothing waiting gets each delivery at once");
    assert_eq!(count(capped), 2, "no more than its in-flight limit");
    for (w, why) in [(paused, "paused"), (rated, "rate-limited"), (broken, "breaker open"), (backlogged, "backlog")] {
        assert_eq!(count(w), 0, "{why}: left to the claim");
    }
    assert_eq!(got.len(), 5);

    // What was handed off is leased in the database, its first attempt counted; the rest is
    // in the queue, unclaimed.
    for (w, leased) in [(plain, 3), (capped, 2), (paused, 0), (rated, 0), (broken, 0), (backlogged, 0)] {
        let r = rows(&db, w).await;
        assert_eq!(r.iter().filter(|r| r.1).count(), leased, "leased rows of {w}");
        for (id, is_leased, attempts) in r {
            assert_eq!(attempts, i32::from(is_leased), "{id}");
            assert_eq!(is_leased, got.iter().any(|c| c.id == id), "{id} is leased exactly when handed off");
        }
    }
    // Each handed-off delivery carries what a claim would read.
    let first = got.iter().find(|c| c.webhook_id == plain).unwrap();
    assert_eq!(first.secret.expose(), b"a-secret-value");
    assert_eq!(first.target_url, "http://127.0.0.1:9/e_plain");
    assert_eq!(first.attempt, 1);
    assert!(first.sealed_error.is_none());
    let mut bodies: Vec<&[u8]> = got.iter().filter(|c| c.webhook_id == plain).map(|c| c.body.as_slice()).collect();
    bodies.sort();
    let mut sent: Vec<&[u8]> = plain_events.iter().map(|e| e.body.as_slice()).collect();
    sent.sort();
    assert_eq!(bodies, sent, "the exact bytes published");

    // The in-flight limit counts what is held already (by any replica): the capped webhook
    // has no slot left.
    hot.publish(&events("e_capped", 1)).await.unwrap();
    assert!(taken(&mut handed).is_empty());

    // No more than the engine has free slots.
    let (small, mut handed_small) = handing_off(&queue, 2);
    let published = small.publish(&events("e_plain", 5)).await.unwrap();
    assert_eq!(published.len(), 5);
    assert_eq!(taken(&mut handed_small).len(), 2);
    assert_eq!(rows(&db, plain).await.iter().filter(|r| r.1).count(), 3 + 2);
}

#[tokio::test]
async fn a_publish_handed_off_whole_wakes_no_engine() {
    let url = fresh_database().await;
    let queue = storage(&url).await;
    let (hot, mut handed) = handing_off(&queue, 100);
    hook(&queue, "e_plain", 0, 0, WebhookState::Active).await;
    hook(&queue, "e_paused", 0, 0, WebhookState::Paused).await;
    let (_listener, mut notes) = listening(&url, &[webhookd::storage::notify::DUE_CHANNEL, "handoff_sentinel"]).await;
    let db = sql(&url).await;

    hot.publish(&events("e_plain", 3)).await.unwrap();
    assert_eq!(taken(&mut handed).len(), 3);
    // Notifications arrive in commit order: the sentinel's comes after any the publish sent.
    db.batch_execute("NOTIFY handoff_sentinel").await.unwrap();
    assert_eq!(next_notification(&mut notes).await, "handoff_sentinel", "everything was handed off: nobody woken");

    // What stays in the queue wakes the engines, once per publish.
    hot.publish(&events("e_paused", 3)).await.unwrap();
    assert!(taken(&mut handed).is_empty());
    assert_eq!(next_notification(&mut notes).await, webhookd::storage::notify::DUE_CHANNEL);
    db.batch_execute("NOTIFY handoff_sentinel").await.unwrap();
    assert_eq!(next_notification(&mut notes).await, "handoff_sentinel", "one notification per publish");
}

#[tokio::test]
async fn a_handed_off_delivery_of_a_killed_server_is_sent_after_its_lease() {
    let url = fresh_database().await;
    let rx = Receiver::start(None, |i, _| if i == 0 { Reply::Hang } else { Reply::Status(200, vec![]) }).await;
    let tmp = tempfile::tempdir().unwrap();
    let mut a = crate::common::ServerProcess::serving(&url, &tmp.path().join("a"), &["--lease", "2s"]).await;
    let queue = storage(&url).await;
    let w = NewWebhook { target_url: rx.url("/crash"), ..stored::webhook("tag_created") };
    let webhook = stored::create(&queue, &w).await;
    // Published through server A's API: its engine is handed the delivery and sends it.
    let token = crate::common::support::mint_token(&url, Role::Publisher, &Default::default()).await;
    let mut ingest = webhookd_client::Client::with_channel(a.channel(), Some(&token)).unwrap().ingest();
    let published_at = Instant::now();
    ingest
        .publish_event(pb::PublishEventRequest {
            event_name: "tag_created".into(),
            payload: r#"{"i":1}"#.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let first = rx.expect().await;
    a.kill();
    let db = sql(&url).await;
    let (leased, attempts): (bool, i32) = {
        let r = db.query_one("SELECT claim_token IS NOT NULL, attempts FROM deliveries", &[]).await.unwrap();
        (r.get(0), r.get(1))
    };
    assert!(leased && attempts == 1, "the dead server's lease is left behind (leased {leased}, attempts {attempts})");

    // Server B sends it again once the lease has run out.
    let b = crate::common::ServerProcess::serving(&url, &tmp.path().join("b"), &["--poll-interval", "200ms"]).await;
    let second = rx.expect().await;
    assert_eq!(second.header("webhook-id"), first.header("webhook-id"), "the same delivery");
    assert_eq!(second.body, first.body);
    assert!(second.at.duration_since(published_at) >= Duration::from_millis(1500));
    let rows = wait_final(&db, &webhook.to_string(), 1).await;
    assert_eq!((rows[0].status, rows[0].attempts), (DeliveryStatus::Success, 2));
    drop(b);
}
