//! The record statement at the storage level: deliveries claimed as the engine claims them,
//! then outcomes recorded as the engine records them, and the rows read back: the
//! delivery's state and attempt log, the webhook's health (failure streak, breaker,
//! disabling after 410 or a long failure, re-enabling by a test ping), the operational
//! events it announces, failures kept for recovery, and outcomes of lost claims skipped.

use std::time::{Duration, SystemTime};

use uuid::Uuid;
use webhookd::model::{Attempt, DeliveryStatus, WebhookState};
use webhookd::storage::deliveries::{Claimed, DeliveryRules, Next, Outcome, Recorded};
use webhookd::storage::Storage;

use crate::common::stored::{self, storage, RULES};
use crate::common::{fresh_database, sql};

/// A webhook listening to `event`, with `n` deliveries, all claimed.
async fn claimed(s: &Storage, event: &str, n: usize) -> (Uuid, Vec<Claimed>) {
    let w = stored::create(s, &stored::webhook(event)).await;
    s.publish(&stored::events(event, n)).await.unwrap();
    (w, claim(s).await)
}

async fn claim(s: &Storage) -> Vec<Claimed> {
    s.claim_due(100, Duration::from_secs(60), Uuid::now_v7(), Uuid::nil(), &[], &RULES).await.unwrap().0
}

/// The outcome of `c`'s attempt: `code` (0: no answer, with `error`), then `next`.
fn outcome(c: &Claimed, code: i32, next: Next, at: SystemTime) -> Outcome {
    Outcome {
        id: c.id,
        claim_token: c.claim_token,
        attempt: Attempt {
            attempt: c.attempt,
            dispatch_time: at,
            status_code: code,
            error: if (200..300).contains(&code) { String::new() } else { format!("HTTP {code}") },
            duration_ms: 3,
            response_body: b"answer".to_vec(),
            response_headers: Vec::new(),
        },
        request_headers: Vec::new(),
        next,
    }
}

async fn record(s: &Storage, outcomes: &[Outcome], rules: &DeliveryRules) -> Recorded {
    s.record(outcomes, rules).await.unwrap()
}

/// A webhook's health columns: (state, failure_streak, failing_since set, breaker open, reason).
async fn health(db: &tokio_postgres::Client, w: Uuid) -> (i16, i32, bool, bool, String) {
    let r = db
        .query_one(
            "SELECT state, failure_streak, failing_since IS NOT NULL, coalesce(breaker_until > now(), false),
                    state_reason FROM webhooks WHERE id = $1",
            &[&w],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))
}

/// The operational events published so far, by name.
async fn announced(db: &tokio_postgres::Client) -> Vec<String> {
    let rows = db
        .query(
            "SELECT event_name FROM events WHERE event_name <> ALL($1) ORDER BY create_time, id",
            &[&vec!["e_ok", "e_fail", "e_gone", "e_old", "e_ping", "e_lost", "e_warn"]],
        )
        .await
        .unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

/// The webhook row's version: it changes with any write.
async fn xmin(db: &tokio_postgres::Client, w: Uuid) -> String {
    db.query_one("SELECT xmin::text FROM webhooks WHERE id = $1", &[&w]).await.unwrap().get(0)
}

const ACTIVE: i16 = WebhookState::Active as i16;
const DISABLED: i16 = WebhookState::Disabled as i16;

#[tokio::test]
async fn a_success_on_a_healthy_webhook_completes_its_delivery_and_leaves_the_webhook_alone() {
    let url = fresh_database().await;
    let s = storage(&url).await;
    let db = sql(&url).await;
    let (w, c) = claimed(&s, "e_ok", 1).await;
    let before = xmin(&db, w).await;
    let r = record(&s, &[outcome(&c[0], 200, Next::Done(DeliveryStatus::Success), SystemTime::now())], &RULES).await;
    assert_eq!(r.completed, vec![w]);
    assert!(r.breakers_opened.is_empty() && r.disabled.is_empty());
    let d = db
        .query_one(
            "SELECT status, status_code, claim_token IS NULL, jsonb_array_length(attempt_log), response_body
             FROM deliveries WHERE id = $1",
            &[&c[0].id],
        )
        .await
        .unwrap();
    assert_eq!(d.get::<_, i16>(0), DeliveryStatus::Success as i16);
    assert_eq!(d.get::<_, i32>(1), 200);
    assert!(d.get::<_, bool>(2), "the claim is released");
    assert_eq!(d.get::<_, i32>(3), 0, "a success is not logged: the row holds it");
    assert_eq!(d.get::<_, Vec<u8>>(4), b"answer");
    let detail = s.delivery_detail(c[0].id).await.unwrap().unwrap();
    let attempts: Vec<(i32, i32, &[u8])> =
        detail.attempts.iter().map(|a| (a.attempt, a.status_code, a.response_body.as_slice())).collect();
    assert_eq!(attempts, vec![(1, 200, &b"answer"[..])], "the detail shows the success from the row");
    assert_eq!(xmin(&db, w).await, before, "the webhook row is not written");
    assert_eq!(health(&db, w).await, (ACTIVE, 0, false, false, String::new()));
}

#[tokio::test]
async fn failures_lengthen_the_streak_open_the_breaker_at_the_threshold_and_a_success_recovers() {
    let url = fresh_database().await;
    let s = storage(&url).await;
    let db = sql(&url).await;
    let (w, c) = claimed(&s, "e_fail", 5).await;
    let retry = Next::RetryAt(SystemTime::now() + Duration::from_secs(600));
    let t0 = SystemTime::now() - Duration::from_secs(60);
    // Two failures in one batch: a streak of 2, failing since the first, breaker closed.
    let r = record(&s, &[outcome(&c[0], 500, retry, t0), outcome(&c[1], 503, retry, t0)], &RULES).await;
    assert!(r.breakers_opened.is_empty());
    assert!(r.completed.is_empty(), "retried deliveries did not complete");
    assert_eq!(health(&db, w).await, (ACTIVE, 2, true, false, String::new()));
    // Two more: the third failure in a row opens the breaker, reported once for the webhook.
    let r = record(&s, &[outcome(&c[2], 500, retry, t0), outcome(&c[3], 500, retry, t0)], &RULES).await;
    assert_eq!(r.breakers_opened, vec![w]);
    assert_eq!(health(&db, w).await, (ACTIVE, 4, true, true, String::new()));
    // A success ends the streak, closes the breaker and announces the recovery.
    let r = record(&s, &[outcome(&c[4], 200, Next::Done(DeliveryStatus::Success), SystemTime::now())], &RULES).await;
    assert!(r.breakers_opened.is_empty());
    assert_eq!(health(&db, w).await, (ACTIVE, 0, false, false, String::new()));
    assert_eq!(announced(&db).await, ["delivery_recovered"]);
    let body: Vec<u8> =
        db.query_one("SELECT body FROM events WHERE event_name = 'delivery_recovered'", &[]).await.unwrap().get(0);
    let payload = &serde_json::from_slice::<serde_json::Value>(&body).unwrap()["payload"];
    assert_eq!(payload["failuresBefore"], 4);
    assert_eq!(payload["webhookId"], w.to_string());
}

#[tokio::test]
async fn a_410_disables_and_a_failure_for_good_is_kept_for_recovery_and_announced() {
    let url = fresh_database().await;
    let s = storage(&url).await;
    let db = sql(&url).await;
    let (w, c) = claimed(&s, "e_gone", 1).await;
    let r = record(&s, &[outcome(&c[0], 410, Next::Done(DeliveryStatus::Error), SystemTime::now())], &RULES).await;
    assert_eq!(r.disabled.len(), 1);
    assert_eq!((r.disabled[0].webhook_id, r.disabled[0].reason.as_str()), (w, "the target answered 410 Gone"));
    assert_eq!(health(&db, w).await, (DISABLED, 1, true, false, "the target answered 410 Gone".to_string()));
    let kept: i64 = db
        .query_one("SELECT count(*) FROM failed_deliveries WHERE delivery_id = $1", &[&c[0].id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 1, "a failure for good is kept for bulk recovery");
    let mut events = announced(&db).await;
    events.sort();
    assert_eq!(events, ["delivery_exhausted", "webhook_disabled"]);
}

#[tokio::test]
async fn failing_with_no_success_for_too_long_disables_and_a_test_ping_enables_again() {
    let url = fresh_database().await;
    let s = storage(&url).await;
    let db = sql(&url).await;
    let (w, c) = claimed(&s, "e_old", 2).await;
    let rules = DeliveryRules { disable_after: Duration::from_secs(3600), ..RULES };
    let retry = Next::RetryAt(SystemTime::now() + Duration::from_secs(600));
    // Failing since two hours ago, with a limit of one hour: disabled, saying since when.
    let long_ago = SystemTime::now() - Duration::from_secs(7200);
    let r = record(&s, &[outcome(&c[0], 500, retry, long_ago)], &rules).await;
    assert_eq!(r.disabled.len(), 1);
    let (state, _, _, _, reason) = health(&db, w).await;
    assert_eq!(state, DISABLED);
    assert!(reason.starts_with("no delivery succeeded since "), "{reason}");
    // Its other delivery's outcome (claimed before it was disabled) is still recorded.
    record(&s, &[outcome(&c[1], 500, retry, SystemTime::now())], &rules).await;
    assert_eq!(health(&db, w).await.0, DISABLED);

    // A test ping that succeeds makes it ACTIVE again.
    let audit = webhookd::storage::audit::Audit::new(Default::default(), "webhook.test");
    let body = webhookd::body::delivery_body("webhook_test", 1, "{}").unwrap();
    let ping = s.test_delivery(w, &Default::default(), "webhook_test", 1, &body, &audit).await.unwrap();
    let pings: Vec<Claimed> = claim(&s).await.into_iter().filter(|c| c.id == ping.id).collect();
    assert_eq!(pings.len(), 1, "a test ping is claimed even for a disabled webhook");
    let r =
        record(&s, &[outcome(&pings[0], 200, Next::Done(DeliveryStatus::Success), SystemTime::now())], &rules).await;
    assert!(r.disabled.is_empty());
    assert_eq!(health(&db, w).await, (ACTIVE, 0, false, false, "a test ping succeeded".to_string()));
}

#[tokio::test]
async fn an_outcome_whose_claim_was_lost_is_not_recorded() {
    let url = fresh_database().await;
    let s = storage(&url).await;
    let db = sql(&url).await;
    let (w, c) = claimed(&s, "e_lost", 2).await;
    // The first's lease went to another claim: its outcome is skipped; the second's counts.
    let mut stale = outcome(&c[0], 200, Next::Done(DeliveryStatus::Success), SystemTime::now());
    stale.claim_token = Uuid::now_v7();
    let r =
        record(&s, &[stale, outcome(&c[1], 500, Next::Done(DeliveryStatus::Error), SystemTime::now())], &RULES).await;
    assert_eq!(r.completed, vec![w], "only the second completed");
    let states: Vec<(Uuid, i16, bool)> = db
        .query("SELECT id, status, claim_token IS NOT NULL FROM deliveries WHERE webhook_id = $1", &[&w])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert!(states.contains(&(c[0].id, DeliveryStatus::Pending as i16, true)), "still pending under its claim");
    assert!(states.contains(&(c[1].id, DeliveryStatus::Error as i16, false)));
    assert_eq!(health(&db, w).await.1, 1, "the skipped success did not end the streak");
}

#[tokio::test]
async fn recorders_racing_on_one_webhook_lose_no_failure_and_open_its_breaker_once() {
    let url = fresh_database().await;
    let db = sql(&url).await;
    // Three replicas, each with its own engine connections, recording one failure at a time.
    let replicas = [storage(&url).await, storage(&url).await, storage(&url).await];
    let (w, c) = claimed(&replicas[0], "e_race", 48).await;
    assert_eq!(c.len(), 48);
    let retry = Next::RetryAt(SystemTime::now() + Duration::from_secs(600));
    let recorded = futures_util::future::join_all(c.iter().enumerate().map(|(i, c)| {
        let s = &replicas[i % replicas.len()];
        let o = outcome(c, 500, retry, SystemTime::now());
        async move { record(s, &[o], &RULES).await }
    }))
    .await;
    // Each health change is written against the health it was judged from, or judged again:
    // none is lost to another recorder's, and the breaker opens in exactly one of them.
    assert_eq!(health(&db, w).await, (ACTIVE, 48, true, true, String::new()));
    let opened: usize = recorded.iter().map(|r| r.breakers_opened.len()).sum();
    assert_eq!(opened, 1);
}

#[tokio::test]
async fn a_long_failure_is_warned_of_once_and_a_success_ends_the_warning() {
    let url = fresh_database().await;
    let s = storage(&url).await;
    let db = sql(&url).await;
    let (w, c) = claimed(&s, "e_warn", 3).await;
    let rules = DeliveryRules { failing_warning: Some(Duration::from_secs(600)), ..RULES };
    let retry = Next::RetryAt(SystemTime::now() + Duration::from_secs(600));
    // Failing for 20 minutes: past the warning (10), before the disabling (an hour).
    let since = SystemTime::now() - Duration::from_secs(1200);
    record(&s, &[outcome(&c[0], 500, retry, since)], &rules).await;
    assert_eq!(announced(&db).await, ["webhook_failing"]);
    assert!(warned(&db, w).await);
    let body: Vec<u8> =
        db.query_one("SELECT body FROM events WHERE event_name = 'webhook_failing'", &[]).await.unwrap().get(0);
    let payload = &serde_json::from_slice::<serde_json::Value>(&body).unwrap()["payload"];
    assert_eq!((payload["webhookId"].as_str(), payload["failures"].as_i64()), (Some(w.to_string().as_str()), Some(1)));
    // Once per streak: another failure warns of nothing.
    record(&s, &[outcome(&c[1], 500, retry, SystemTime::now())], &rules).await;
    assert_eq!(announced(&db).await, ["webhook_failing"]);
    assert_eq!(health(&db, w).await, (ACTIVE, 2, true, false, String::new()));
    // A success ends the streak and its warning.
    record(&s, &[outcome(&c[2], 200, Next::Done(DeliveryStatus::Success), SystemTime::now())], &rules).await;
    assert_eq!(announced(&db).await, ["webhook_failing", "delivery_recovered"]);
    assert!(!warned(&db, w).await);
}

/// Whether the webhook's failing streak was warned of.
async fn warned(db: &tokio_postgres::Client, w: Uuid) -> bool {
    db.query_one("SELECT failing_warned FROM webhooks WHERE id = $1", &[&w]).await.unwrap().get(0)
}
