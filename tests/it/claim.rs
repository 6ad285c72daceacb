//! The claim statement at the storage level: rows seeded straight in the database, then
//! `claim_due` called as the engine calls it: round-robin between webhooks, the in-flight
//! limit (with answered deliveries freeing their slot), the rate limit, the breaker's probe,
//! test pings first, and when work is next due.

use std::time::Duration;

use uuid::Uuid;
use webhookd::storage::deliveries::{Claimed, NextDue};
use webhookd::storage::webhooks::NewWebhook;
use webhookd::storage::Storage;

use crate::common::stored::{self, storage, RULES};
use crate::common::{fresh_database, sql};

/// An instance webhook listening to `event` alone, with `n` deliveries due.
async fn hook_with(storage: &Storage, event: &str, max_in_flight: i32, rate_limit: i32, n: usize) -> Uuid {
    let id = stored::create(storage, &NewWebhook { max_in_flight, rate_limit, ..stored::webhook(event) }).await;
    storage.publish(&stored::events(event, n)).await.unwrap();
    id
}

async fn claim(storage: &Storage, limit: i64, answered: &[Uuid]) -> (Vec<Claimed>, NextDue) {
    storage.claim_due(limit, Duration::from_secs(60), Uuid::now_v7(), Uuid::nil(), answered, &RULES).await.unwrap()
}

#[tokio::test]
async fn a_slot_is_free_once_its_delivery_is_answered_though_not_yet_recorded() {
    let url = fresh_database().await;
    let s = storage(&url).await;
    let w = hook_with(&s, "e_one", 1, 0, 2).await;
    let (first, _) = claim(&s, 10, &[]).await;
    assert_eq!(first.len(), 1, "one in flight at most");
    assert_eq!(first[0].webhook_id, w);
    let (none, next) = claim(&s, 10, &[]).await;
    assert!(none.is_empty(), "the slot is held until the delivery is answered");
    assert!(next.blocked, "due work waits only for a slot");
    let (second, _) = claim(&s, 10, &[first[0].id]).await;
    assert_eq!(second.len(), 1, "answered: its slot is free");
    assert_ne!(second[0].id, first[0].id);
    // Another replica's claim (not answered here) still holds its slot.
    let (none, _) = claim(&s, 10, &[first[0].id]).await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn webhooks_are_served_round_robin_within_their_limits() {
    let url = fresh_database().await;
    let s = storage(&url).await;
    let a = hook_with(&s, "e_a", 0, 0, 5).await;
    let b = hook_with(&s, "e_b", 0, 0, 5).await;
    let c = hook_with(&s, "e_c", 0, 0, 5).await;
    let rated = hook_with(&s, "e_rated", 0, 1, 5).await;
    // A batch of 4 takes every webhook's first: none goes before another's first.
    let (batch, _) = claim(&s, 4, &[]).await;
    let mut got: Vec<Uuid> = batch.iter().map(|c| c.webhook_id).collect();
    got.sort();
    let mut want = vec![a, b, c, rated];
    want.sort();
    assert_eq!(got, want);
    // The rate-limited webhook gets no more than its limit lets through in a second (1),
    // taken already: the rest wait for its limiter.
    let (rest, next) = claim(&s, 100, &[]).await;
    let of = |w: Uuid| rest.iter().filter(|c| c.webhook_id == w).count();
    assert_eq!((of(a), of(b), of(c)), (4, 4, 4));
    assert_eq!(of(rated), 0);
    let at = next.at.expect("the rate-limited webhook has work pending");
    assert!(at > std::time::SystemTime::now(), "next due when its limiter lets the next through");
    assert!(!next.blocked);
}

#[tokio::test]
async fn an_open_breaker_holds_its_webhook_then_lets_one_probe_through_and_test_pings_go_first() {
    let url = fresh_database().await;
    let s = storage(&url).await;
    let db = sql(&url).await;
    let w = hook_with(&s, "e_failing", 0, 0, 5).await;
    db.execute(
        "UPDATE webhooks SET failure_streak = 3, failing_since = now(), breaker_until = now() + interval '1 hour'
         WHERE id = $1",
        &[&w],
    )
    .await
    .unwrap();
    let (none, next) = claim(&s, 10, &[]).await;
    assert!(none.is_empty(), "held while the breaker is open");
    let at = next.at.expect("pending work");
    assert!(at > std::time::SystemTime::now() + Duration::from_secs(3000), "next due at the probe");

    // A test ping goes whatever the breaker says.
    let audit = webhookd::storage::audit::Audit::new(Default::default(), "webhook.test");
    let body = webhookd::body::delivery_body("webhook_test", 1, "{}").unwrap();
    let ping = s.test_delivery(w, &Default::default(), "webhook_test", 1, &body, &audit).await.unwrap();
    let (pinged, _) = claim(&s, 10, &[]).await;
    assert_eq!(pinged.iter().map(|c| c.id).collect::<Vec<_>>(), vec![ping.id]);

    // Once the cooldown is over, one delivery at a time probes the target.
    db.execute("UPDATE webhooks SET breaker_until = now() - interval '1 second' WHERE id = $1", &[&w]).await.unwrap();
    let (probe, _) = claim(&s, 10, &[pinged[0].id]).await;
    assert_eq!(probe.len(), 1, "one probe");
    let (none, next) = claim(&s, 10, &[pinged[0].id]).await;
    assert!(none.is_empty() && next.blocked, "the next waits for the probe's outcome");
}

#[tokio::test]
async fn a_fifo_webhook_sends_its_head_alone_and_a_retried_head_holds_the_rest_until_it_is_due() {
    use std::time::SystemTime;
    use webhookd::model::{Attempt, DeliveryOrdering, DeliveryStatus};
    use webhookd::storage::deliveries::{Next, Outcome};
    let url = fresh_database().await;
    let s = storage(&url).await;
    let w = stored::create(&s, &NewWebhook { ordering: DeliveryOrdering::Fifo, ..stored::webhook("e_fifo") }).await;
    let other = hook_with(&s, "e_other", 0, 0, 3).await;
    // Three events in one publish, three more in another: six deliveries in publish order.
    s.publish(&stored::events("e_fifo", 3)).await.unwrap();
    s.publish(&stored::events("e_fifo", 3)).await.unwrap();
    let db = sql(&url).await;
    let order: Vec<Uuid> = db
        .query("SELECT id FROM deliveries WHERE webhook_id = $1 ORDER BY seq", &[&w])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let by_event: Vec<Uuid> = db
        .query(
            "SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.webhook_id = $1 ORDER BY e.id",
            &[&w],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(order, by_event, "each delivery's place is its event's, in publish order");

    let fifo = |batch: &[Claimed]| batch.iter().filter(|c| c.webhook_id == w).map(|c| c.id).collect::<Vec<_>>();
    let (batch, _) = claim(&s, 10, &[]).await;
    assert_eq!(fifo(&batch), [order[0]], "the head alone");
    let others: Vec<Claimed> = batch.iter().filter(|c| c.webhook_id == other).cloned().collect();
    assert_eq!(others.len(), 3, "an unordered webhook is not held");
    let head = batch.iter().find(|c| c.webhook_id == w).unwrap().clone();
    let (none, next) = claim(&s, 10, &[]).await;
    assert!(none.is_empty() && next.blocked, "nothing more while the head is out");
    // Answered with success: the next one may go before the outcome is written.
    let (batch, _) = claim(&s, 10, &[head.id]).await;
    assert_eq!(fifo(&batch), [order[1]]);
    let second = batch[0].clone();
    // The first is recorded a success; the second fails and is retried in an hour: it holds
    // the rest, and the engine is told when, not woken before.
    let at = SystemTime::now();
    let outcome = |c: &Claimed, code: i32, next: Next| Outcome {
        id: c.id,
        claim_token: c.claim_token,
        attempt: Attempt {
            attempt: c.attempt,
            dispatch_time: at,
            status_code: code,
            error: if code == 200 { String::new() } else { format!("HTTP {code}") },
            duration_ms: 1,
            response_body: Vec::new(),
            response_headers: Vec::new(),
        },
        request_headers: Vec::new(),
        next,
    };
    let retry_at = at + Duration::from_secs(3600);
    let mut outcomes: Vec<Outcome> =
        others.iter().map(|c| outcome(c, 200, Next::Done(DeliveryStatus::Success))).collect();
    outcomes.push(outcome(&head, 200, Next::Done(DeliveryStatus::Success)));
    outcomes.push(outcome(&second, 503, Next::RetryAt(retry_at)));
    s.record(&outcomes, &RULES).await.unwrap();
    let (none, next) = claim(&s, 10, &[]).await;
    assert!(fifo(&none).is_empty(), "a retried head holds the rest");
    assert!(!next.blocked);
    let wake = next.at.expect("work is pending");
    assert!(wake > at + Duration::from_secs(3500), "next due at the head's retry, not now: {wake:?}");
    // Once it fails for good, the next one goes: a failure for good is skipped.
    db.execute("UPDATE deliveries SET next_attempt_time = now() WHERE id = $1", &[&second.id]).await.unwrap();
    let (batch, _) = claim(&s, 10, &[]).await;
    assert_eq!(fifo(&batch), [order[1]], "the retried head, once due");
    s.record(&[outcome(&batch[0], 400, Next::Done(DeliveryStatus::Error))], &RULES).await.unwrap();
    let (batch, _) = claim(&s, 10, &[]).await;
    assert_eq!(fifo(&batch), [order[2]], "after a failure for good, the next");
}

#[tokio::test]
async fn a_webhook_made_fifo_numbers_its_pending_deliveries_and_a_redelivery_goes_last() {
    use webhookd::model::DeliveryOrdering;
    use webhookd::storage::audit::Audit;
    use webhookd::storage::webhooks::WebhookPatch;
    let url = fresh_database().await;
    let s = storage(&url).await;
    let w = hook_with(&s, "e_made_fifo", 0, 0, 4).await;
    let db = sql(&url).await;
    let unnumbered: i64 = db.query_one("SELECT count(*) FROM deliveries WHERE seq IS NULL", &[]).await.unwrap().get(0);
    assert_eq!(unnumbered, 4, "an unordered webhook's deliveries take no place in publish order");
    let audit = Audit::new(Default::default(), "webhook.update");
    let patch = WebhookPatch { ordering: Some(DeliveryOrdering::Fifo), ..Default::default() };
    s.update_webhook(w, &patch, &audit).await.unwrap().unwrap();
    let ids = |sql_text: &'static str| {
        let db = &db;
        async move { db.query(sql_text, &[&w]).await.unwrap().iter().map(|r| r.get(0)).collect::<Vec<Uuid>>() }
    };
    let by_seq = ids("SELECT id FROM deliveries WHERE webhook_id = $1 AND seq IS NOT NULL ORDER BY seq").await;
    assert_eq!(
        by_seq,
        ids("SELECT id FROM deliveries WHERE webhook_id = $1 ORDER BY id").await,
        "numbered in id order"
    );
    let (batch, _) = claim(&s, 10, &[]).await;
    assert_eq!(batch.iter().map(|c| c.id).collect::<Vec<_>>(), [by_seq[0]], "then sent one at a time, in that order");
    // A redelivery of the first goes after every one pending.
    let again = s.redeliver(by_seq[0], &Default::default(), &audit).await.unwrap().unwrap();
    let last = ids("SELECT id FROM deliveries WHERE webhook_id = $1 AND status = 1 ORDER BY seq DESC LIMIT 1").await;
    assert_eq!(last, [again.id]);
}
