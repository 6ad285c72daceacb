//! The hot path's statements alone, in a closed loop with nothing else running: for each
//! event, its publish (handed off, as a delivering server's publish is) and the record of its
//! delivery's success, made through the storage layer as the server makes them; against the
//! least the same two transactions could cost (a durable single-row insert, then an
//! asynchronous update of that row by key) in the same loop. PostgreSQL's CPU per event of
//! each (every process of the cluster): a figure for a change to the statements that the
//! machine's noise moves less than the end-to-end ones, since nothing else runs beside it.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Semaphore;
use uuid::Uuid;
use webhookd::delivery::engine::delivery_headers;
use webhookd::model::{Attempt, DeliveryStatus, RequestHeader};
use webhookd::storage::deliveries::{Claimed, DeliveryRules, Next, Outcome};
use webhookd::storage::events::NewEvent;
use webhookd::storage::handoff::Handoff;
use webhookd::storage::webhooks::WebhookQuota;
use webhookd::storage::Storage;

use crate::limits::{PROBE_INSERT, PROBE_TABLE, PROBE_UPDATE};
use crate::support;

/// The server's default delivery rules.
const RULES: DeliveryRules = DeliveryRules {
    webhook_concurrency: 64,
    breaker_threshold: 10,
    breaker_cooldown: Duration::from_secs(30),
    disable_after: Duration::from_secs(5 * 86_400),
    failing_warning: Some(Duration::from_secs(4 * 86_400)),
};

/// Completed deliveries a webhook's history grows by before it is pruned, as the engine does.
const PRUNE_EVERY: usize = 50;

/// PostgreSQL's CPU milliseconds per event of `events` publishes of one event to one webhook,
/// each handed off and its success recorded, on database `url` (migrated, empty).
pub async fn hot_path(url: &str, pgdata: &Path, events: usize) -> f64 {
    let permits = Arc::new(Semaphore::new(RULES.webhook_concurrency as usize));
    let (handoff, handed) = Handoff::new(permits, Duration::from_secs(60), RULES);
    let storage = Storage::connect(url.parse().unwrap(), 2)
        .await
        .unwrap()
        .with_keys(support::test_keys())
        .with_handoff(handoff.clone());
    let webhook = support::stored_webhook("tag_created", "http://127.0.0.1:9/statements".into());
    let audit = webhookd::storage::audit::Audit::new(Default::default(), "webhook.create");
    let w = storage.create_webhook(&webhook, &WebhookQuota::UNLIMITED, &audit).await.unwrap().id;
    let payload = format!(r#"{{"data":"{}"}}"#, "x".repeat(220));
    let event = NewEvent {
        name: "tag_created".into(),
        scope: Default::default(),
        timestamp_ms: 1_700_000_000_123,
        idempotency_key: None,
        body: webhookd::body::delivery_body("tag_created", 1_700_000_000_123, &payload).unwrap(),
        trace: None,
        skip_webhook: None,
        labels: Default::default(),
    };
    // An index or a setting to try, without a migration.
    if let Ok(setup) = std::env::var("WEBHOOKD_BENCH_SETUP_SQL") {
        support::sql(url).await.batch_execute(&setup).await.unwrap();
    }
    let mut path = HotPath { storage, handoff, handed, event, webhook: w, done: 0 };
    // Prepares every statement and fills the history to its limit before the clock starts.
    for _ in 0..250 {
        path.one().await;
    }
    let before = crate::cpu::cluster_processes(pgdata);
    for _ in 0..events {
        path.one().await;
    }
    per_event(pgdata, &before, events)
}

/// One publishing and recording process of the hot-path loop.
struct HotPath {
    storage: Storage,
    handoff: Handoff,
    handed: webhookd::storage::handoff::Handed,
    event: NewEvent,
    webhook: Uuid,
    done: usize,
}

impl HotPath {
    /// Publishes the event, takes its handed-off delivery and records its success.
    async fn one(&mut self) {
        self.storage.publish(std::slice::from_ref(&self.event)).await.unwrap();
        let batch = self.handed.recv().await.expect("the publish hands its delivery off");
        let outcomes: Vec<Outcome> = batch
            .iter()
            .map(|c| {
                self.handoff.admitted();
                success(c)
            })
            .collect();
        self.storage.record(&outcomes, &RULES).await.unwrap();
        self.done += 1;
        if self.done % PRUNE_EVERY == 0 {
            self.storage.prune_history(&[self.webhook]).await.unwrap();
        }
    }
}

/// The least the same two transactions per event could cost: a durable insert of a
/// delivery-sized row, then an asynchronous update of it by key from a second connection.
pub async fn floor(url: &str, pgdata: &Path, events: usize) -> f64 {
    let db = support::sql(url).await;
    db.batch_execute(PROBE_TABLE).await.unwrap();
    let insert = db.prepare(PROBE_INSERT).await.unwrap();
    let recorder = support::sql(url).await;
    recorder.batch_execute("SET synchronous_commit = off").await.unwrap();
    let update = recorder.prepare(PROBE_UPDATE).await.unwrap();
    let body = vec![b'x'; 290];
    let one = || async {
        let id = Uuid::now_v7();
        db.execute(&insert, &[&id, &Uuid::now_v7(), &body]).await.unwrap();
        recorder.execute(&update, &[&id]).await.unwrap();
    };
    for _ in 0..250 {
        one().await;
    }
    let before = crate::cpu::cluster_processes(pgdata);
    for _ in 0..events {
        one().await;
    }
    per_event(pgdata, &before, events)
}

fn per_event(pgdata: &Path, before: &std::collections::HashMap<u32, Duration>, events: usize) -> f64 {
    let used: Duration = crate::cpu::since(before, &crate::cpu::cluster_processes(pgdata)).values().sum();
    used.as_secs_f64() * 1000.0 / events as f64
}

/// The success of `c`'s first attempt, with the headers the engine would have sent.
fn success(c: &Claimed) -> Outcome {
    let now = SystemTime::now();
    let unix = now.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    let headers = delivery_headers(&c.id.to_string(), unix, &c.body, c.secret.expose(), None, &c.signing);
    Outcome {
        id: c.id,
        claim_token: c.claim_token,
        attempt: Attempt {
            attempt: c.attempt,
            dispatch_time: now,
            status_code: 200,
            error: String::new(),
            duration_ms: 1,
            response_body: b"ok".to_vec(),
            response_headers: Vec::new(),
        },
        request_headers: headers
            .iter()
            .map(|(n, v)| RequestHeader { name: n.as_str().into(), value: v.to_str().unwrap().into() })
            .collect(),
        next: Next::Done(DeliveryStatus::Success),
    }
}
