//! The engine loop: claim due deliveries in batches, send each without holding a
//! database connection, record outcomes in batches.
//!
//! Wakes on `LISTEN webhookd_due` (sent by ingest at commit), on the next retry's due
//! time, and on a poll interval as a fallback.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, USER_AGENT};
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::http::{Clients, HttpSettings, SendError};
use super::policy::{classify_status, RetryPolicy, Verdict};
use super::signing;
use crate::model::{Attempt, DeliveryStatus, RequestHeader, Signing, MASKED_VALUE};
use crate::storage::deliveries::{Claimed, DeliveryRules, Next, NextDue, Outcome};
use crate::storage::handoff::{Handed, Handoff};
use crate::storage::notify;
use crate::storage::notify::DUE_CHANNEL;
use crate::storage::Storage;
use tracing::Instrument;

/// `User-Agent` of every delivery.
pub const USER_AGENT_VALUE: &str = concat!("webhookd/", env!("CARGO_PKG_VERSION"));
/// Most deliveries claimed at once.
const CLAIM_BATCH: usize = 256;
/// Most outcomes recorded in one transaction.
const RECORD_BATCH: usize = 512;

/// How the engine claims, retries and sends; from the `serve` flags.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// How long a claim is held: a replica that dies mid-send leaves its claims for this long.
    pub lease: Duration,
    /// How often to look for due work when no notification says there is some.
    pub poll_interval: Duration,
    /// Time in-flight sends get on shutdown.
    pub shutdown_grace: Duration,
    /// When to try again after a failure, and when to give up.
    pub policy: RetryPolicy,
    /// Timeouts and the SSRF guard of every attempt.
    pub http: HttpSettings,
    /// Per-webhook limits, circuit breaker and auto-disable.
    pub rules: DeliveryRules,
}

/// Shortest sleep when the queue says work is due but a claim found none (rows another
/// replica is claiming at that instant), so the loop never spins.
const RECHECK: Duration = Duration::from_millis(20);

/// A claim this process holds and has not recorded yet.
#[derive(Debug, Clone, Copy)]
struct Held {
    /// The claim's token.
    token: Uuid,
    /// The target answered with success: the delivery holds no slot of its webhook any more,
    /// though its outcome is not committed yet (a failure keeps its slot until recorded,
    /// so that the circuit breaker sees it before more is sent).
    answered: bool,
}

/// Claims this process holds and has not recorded yet, by delivery id.
type InFlight = Arc<Mutex<HashMap<Uuid, Held>>>;

/// Holds `batch`'s claims in `in_flight`.
fn hold(in_flight: &InFlight, batch: &[Claimed]) {
    let mut held = in_flight.lock().expect("in-flight map");
    held.extend(batch.iter().map(|c| (c.id, Held { token: c.claim_token, answered: false })));
}

/// What every send needs: the HTTP clients, the retry policy, the claims held, and where
/// freed slots and outcomes go.
#[derive(Clone)]
struct Sender {
    clients: Arc<Clients>,
    policy: Arc<RetryPolicy>,
    in_flight: InFlight,
    freed: Arc<Notify>,
    results: mpsc::Sender<Outcome>,
}

impl Sender {
    /// Sends one delivery, marks its slot free as soon as a success is in, and passes the
    /// outcome on to be recorded.
    async fn send(self, claimed: Claimed) {
        let outcome = attempt(&self.clients, &self.policy, claimed).await;
        if outcome.next == Next::Done(DeliveryStatus::Success) {
            if let Some(h) = self.in_flight.lock().expect("in-flight map").get_mut(&outcome.id) {
                h.answered = true;
            }
            self.freed.notify_one();
        }
        let _ = self.results.send(outcome).await;
    }
}

/// The delivery engine of one process.
pub struct Engine {
    storage: Storage,
    settings: EngineSettings,
    clients: Arc<Clients>,
    wake: Arc<Notify>,
    /// Send slots: one per delivery in flight, claimed or handed off.
    permits: Arc<Semaphore>,
    handoff: Handoff,
    handed: Handed,
}

impl Engine {
    /// An engine over `storage`.
    pub fn new(storage: Storage, settings: EngineSettings) -> Self {
        let clients = Arc::new(Clients::new(settings.http.clone()));
        let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        let (handoff, handed) = Handoff::new(permits.clone(), settings.lease, settings.rules);
        Self { storage, settings, clients, wake: Arc::new(Notify::new()), permits, handoff, handed }
    }

    /// Where publishes in this process hand over the deliveries this engine can send at
    /// once (see `storage::handoff`).
    pub fn handoff(&self) -> Handoff {
        self.handoff.clone()
    }

    /// Runs until `shutdown`, then lets in-flight sends finish within the grace period
    /// and releases the claims still held.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let wake = self.wake.clone();
        let listener = tokio::spawn(notify::listen(self.storage.clone(), DUE_CHANNEL, shutdown.clone(), move |_| {
            wake.notify_one()
        }));
        let in_flight: InFlight = Arc::default();
        let (results_tx, results_rx) = mpsc::channel::<Outcome>(RECORD_BATCH * 4);
        // Signalled when a webhook's slot frees: a success answered, or outcomes recorded.
        let freed = Arc::new(Notify::new());
        let recorder = tokio::spawn(record_loop(
            self.storage.clone(),
            self.settings.rules,
            results_rx,
            in_flight.clone(),
            freed.clone(),
        ));
        // Claims visit webhooks round-robin: each starts after the last webhook served.
        let mut after = Uuid::nil();
        let permits = self.permits.clone();
        let mut sends = JoinSet::new();
        let sender = Sender {
            clients: self.clients.clone(),
            policy: Arc::new(self.settings.policy.clone()),
            in_flight: in_flight.clone(),
            freed: freed.clone(),
            results: results_tx,
        };
        let mut handed = std::mem::replace(&mut self.handed, mpsc::unbounded_channel().1);
        // Starts the sends of deliveries a publish handed off, each once it has a slot.
        let start_handed = |sends: &mut JoinSet<()>, batch: Vec<Claimed>| {
            hold(&in_flight, &batch);
            for claimed in batch {
                let (permits, handoff) = (permits.clone(), self.handoff.clone());
                let sending = sender.clone().send(claimed);
                sends.spawn(async move {
                    let permit = permits.acquire_owned().await.expect("semaphore open");
                    handoff.admitted();
                    sending.await;
                    drop(permit);
                });
            }
        };

        // Claim in worthwhile batches: while sends are in flight, wait (briefly) until at
        // least this many permits are free rather than claiming one delivery at a time.
        let worthwhile = (self.settings.concurrency / 4).clamp(1, CLAIM_BATCH);
        while !shutdown.is_cancelled() {
            while sends.try_join_next().is_some() {}
            while let Ok(batch) = handed.try_recv() {
                start_handed(&mut sends, batch);
            }
            if permits.available_permits() < worthwhile && !sends.is_empty() {
                let deadline = tokio::time::sleep(Duration::from_millis(2));
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = &mut deadline => break,
                        Some(batch) = handed.recv() => start_handed(&mut sends, batch),
                        done = sends.join_next() => {
                            if done.is_none() || permits.available_permits() >= worthwhile {
                                break;
                            }
                        }
                    }
                }
            }
            let free = permits.available_permits();
            if free == 0 {
                continue;
            }
            let token = Uuid::now_v7();
            let answered: Vec<Uuid> = in_flight
                .lock()
                .expect("in-flight map")
                .iter()
                .filter(|(_, h)| h.answered)
                .map(|(id, _)| *id)
                .collect();
            let claim = self.storage.claim_due(
                free.min(CLAIM_BATCH) as i64,
                self.settings.lease,
                token,
                after,
                &answered,
                &self.settings.rules,
            );
            tokio::pin!(claim);
            // Handed-off deliveries start while the claim runs.
            let claimed = loop {
                tokio::select! {
                    r = &mut claim => break r,
                    Some(batch) = handed.recv() => start_handed(&mut sends, batch),
                }
            };
            let (batch, next) = match claimed {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %crate::report::chain(&e), "claiming deliveries failed");
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep(self.settings.poll_interval) => continue,
                    }
                }
            };
            let full = batch.len() == free.min(CLAIM_BATCH);
            let claimed_any = !batch.is_empty();
            if let Some(last) = batch.iter().filter(|c| c.visit > 0).max_by_key(|c| c.visit) {
                after = last.webhook_id;
            }
            hold(&in_flight, &batch);
            for claimed in batch {
                let permit = permits.clone().acquire_owned().await.expect("semaphore open");
                let sending = sender.clone().send(claimed);
                sends.spawn(async move {
                    sending.await;
                    drop(permit);
                });
            }
            if full {
                continue;
            }
            let (wait, blocked) = self.until(next);
            let wait = if claimed_any { wait } else { wait.max(RECHECK) };
            if wait.is_zero() {
                continue;
            }
            // Hand-offs are started while waiting; they are no reason to claim.
            let sleep = tokio::time::sleep(wait);
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = self.wake.notified() => break,
                    _ = freed.notified(), if blocked => break,
                    _ = &mut sleep => break,
                    Some(batch) = handed.recv() => start_handed(&mut sends, batch),
                }
            }
        }

        // No more hand-offs: a publish from now on leaves its deliveries in the queue, and
        // what was handed off already is sent with the rest.
        handed.close();
        while let Ok(batch) = handed.try_recv() {
            start_handed(&mut sends, batch);
        }

        // Shutdown: no more claims; in-flight sends get the grace period.
        let grace = tokio::time::sleep(self.settings.shutdown_grace);
        tokio::pin!(grace);
        loop {
            tokio::select! {
                next = sends.join_next() => if next.is_none() { break },
                _ = &mut grace => {
                    tracing::warn!(in_flight = sends.len(), "shutdown grace over; abandoning sends");
                    sends.abort_all();
                    while sends.join_next().await.is_some() {}
                    break;
                }
            }
        }
        drop(sender);
        let _ = recorder.await;
        let left: Vec<(Uuid, Uuid)> =
            in_flight.lock().expect("in-flight map").drain().map(|(id, h)| (id, h.token)).collect();
        match self.storage.release(&left).await {
            Ok(n) if n > 0 => tracing::info!(released = n, "released unsent deliveries"),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %crate::report::chain(&e), "releasing claims failed; their leases will expire")
            }
        }
        listener.abort();
    }

    /// How long to sleep after a claim that did not fill the batch: until work is next due
    /// (zero when it is due now), at most the poll interval; and whether a webhook with due
    /// work waits only for a slot, which a success answered or a recorded outcome frees.
    fn until(&self, next: NextDue) -> (Duration, bool) {
        let poll = self.settings.poll_interval;
        let wait = next.at.map(|at| at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO));
        (wait.unwrap_or(poll).min(poll), next.blocked)
    }
}

/// Counts one attempt and how long it waited and took.
fn record_metrics(verdict: Verdict, next: Next, due: SystemTime, sent: SystemTime, duration_ms: i64) {
    use crate::telemetry::{DELIVERIES_COMPLETED, DELIVERY_ATTEMPTS, DUE_TO_SENT, SEND_DURATION};
    let result = match (verdict, next) {
        (Verdict::Success, _) => "success",
        (_, Next::RetryAt(_)) => "retry",
        _ => "fail",
    };
    metrics::counter!(DELIVERY_ATTEMPTS, "result" => result).increment(1);
    if let Next::Done(status) = next {
        let outcome = if status == DeliveryStatus::Success { "success" } else { "error" };
        metrics::counter!(DELIVERIES_COMPLETED, "outcome" => outcome).increment(1);
    }
    metrics::histogram!(DUE_TO_SENT).record(sent.duration_since(due).unwrap_or_default().as_secs_f64());
    metrics::histogram!(SEND_DURATION).record(duration_ms as f64 / 1000.0);
}

/// Completed deliveries a webhook's history grows by (in this process) before the recorder
/// prunes it back to the history limit: a prune reads about `HISTORY_LIMIT + PRUNE_EVERY`
/// index entries, a few per delivery, where pruning after each batch read the whole history.
const PRUNE_EVERY: u32 = 50;

/// Histories grown since they were last pruned: webhook → deliveries completed since.
#[derive(Debug, Default)]
struct Growth(HashMap<Uuid, u32>);

impl Growth {
    /// Counts `completed` (one webhook id per completed delivery).
    fn add(&mut self, completed: &[Uuid]) {
        for id in completed {
            *self.0.entry(*id).or_default() += 1;
        }
    }

    /// Takes the webhooks that grew by at least `at_least` (all of them with 1).
    fn take(&mut self, at_least: u32) -> Vec<Uuid> {
        let due: Vec<Uuid> = self.0.iter().filter(|(_, n)| **n >= at_least).map(|(id, _)| *id).collect();
        for id in &due {
            self.0.remove(id);
        }
        due
    }
}

/// Prunes the histories of `webhooks`; a failure is logged and left for a later prune
/// (history reads hide the excess meanwhile).
async fn prune(storage: &Storage, webhooks: &[Uuid]) {
    if let Err(e) = storage.prune_history(webhooks).await {
        tracing::warn!(error = %crate::report::chain(&e), webhooks = webhooks.len(), "pruning histories failed");
    }
}

/// Records outcomes in batches; retries a failed batch so no outcome is dropped while running.
/// Signals `freed` after each batch: the slots it frees may be claimed. Prunes each
/// history that grew by `PRUNE_EVERY`, and on the way out every history that grew.
async fn record_loop(
    storage: Storage,
    rules: DeliveryRules,
    mut rx: mpsc::Receiver<Outcome>,
    in_flight: InFlight,
    freed: Arc<Notify>,
) {
    let mut batch = Vec::with_capacity(RECORD_BATCH);
    let mut growth = Growth::default();
    while rx.recv_many(&mut batch, RECORD_BATCH).await > 0 {
        let mut delay = Duration::from_millis(50);
        loop {
            match storage.record(&batch, &rules).await {
                Ok(r) => {
                    for id in &r.breakers_opened {
                        tracing::warn!(webhook_id = %id, "circuit breaker opened: deliveries held, probing one at a time");
                    }
                    metrics::counter!(crate::telemetry::BREAKER_OPENS).increment(r.breakers_opened.len() as u64);
                    for d in &r.disabled {
                        tracing::warn!(webhook_id = %d.webhook_id, reason = %d.reason, "webhook disabled");
                    }
                    metrics::counter!(crate::telemetry::WEBHOOKS_DISABLED).increment(r.disabled.len() as u64);
                    growth.add(&r.completed);
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %crate::report::chain(&e), outcomes = batch.len(), "recording outcomes failed; retrying");
                    if rx.is_closed() && delay > Duration::from_secs(2) {
                        // Shutting down with the database away: the leases will expire and
                        // the deliveries be sent again (at least once).
                        break;
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
        {
            let mut held = in_flight.lock().expect("in-flight map");
            for o in &batch {
                held.remove(&o.id);
            }
        }
        batch.clear();
        freed.notify_one();
        let grown = growth.take(PRUNE_EVERY);
        if !grown.is_empty() {
            prune(&storage, &grown).await;
        }
    }
    prune(&storage, &growth.take(1)).await;
}

/// The headers of one attempt, signatures included. `webhook-signature` carries, as
/// `signing.scheme` says, a `v1,` entry for each secret (during a secret rotation the new one
/// first) and a `v1a,` entry for each key pair (during a key rotation the new one first):
/// Standard Webhooks receivers accept any entry that matches. `X-Mia-Signature`, which has
/// room for one signature only, uses the new secret whatever the scheme.
pub fn delivery_headers(
    id: &str,
    unix_secs: i64,
    body: &[u8],
    secret: &[u8],
    previous: Option<&[u8]>,
    signing: &Signing,
) -> Vec<(HeaderName, HeaderValue)> {
    let v = |s: &str| HeaderValue::from_str(s).expect("ascii header value");
    let mut entries: Vec<String> = Vec::with_capacity(2);
    if signing.scheme.symmetric() {
        entries.push(signing::standard_signature(id, unix_secs, body, secret));
        if let Some(previous) = previous {
            entries.push(signing::standard_signature(id, unix_secs, body, previous));
        }
    }
    if signing.scheme.asymmetric() {
        entries
            .extend(signing.keys.iter().filter_map(|k| signing::asymmetric_signature(id, unix_secs, body, k.expose())));
    }
    vec![
        (CONTENT_TYPE, HeaderValue::from_static("application/json")),
        (USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE)),
        (HeaderName::from_static("x-mia-signature"), v(&signing::mia_signature(body, secret))),
        (HeaderName::from_static("webhook-id"), v(id)),
        (HeaderName::from_static("webhook-timestamp"), v(&unix_secs.to_string())),
        (HeaderName::from_static("webhook-signature"), v(&entries.join(" "))),
    ]
}

/// Sends one claimed delivery and decides what follows.
async fn attempt(clients: &Clients, policy: &RetryPolicy, c: Claimed) -> Outcome {
    let dispatch_time = SystemTime::now();
    let unix = dispatch_time.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    let id = c.id.to_string();
    let mut headers = delivery_headers(
        &id,
        unix,
        &c.body,
        c.secret.expose(),
        c.previous_secret.as_ref().map(|s| s.expose()),
        &c.signing,
    );
    // The publisher's trace goes on, this attempt a span of its own (exported over OTLP when
    // --otlp-endpoint is set).
    let trace_id = c.trace.as_ref().map(|t| t.trace_id().to_string());
    let span = if crate::telemetry::exporting_spans() {
        tracing::info_span!(
            "delivery attempt",
            delivery_id = %c.id,
            webhook_id = %c.webhook_id,
            attempt = c.attempt,
            trace_id = trace_id.as_deref().unwrap_or_default(),
        )
    } else {
        tracing::Span::none()
    };
    let span_id = crate::trace::continue_trace(&span, c.trace.as_ref());
    if let Some(t) = &c.trace {
        if let Ok(v) = HeaderValue::from_str(&t.child(span_id)) {
            headers.push((HeaderName::from_static("traceparent"), v));
        }
        if let Some(v) = t.tracestate.as_deref().and_then(|s| HeaderValue::from_str(s).ok()) {
            headers.push((HeaderName::from_static("tracestate"), v));
        }
    }
    // The webhook's own headers follow (validated when set: names never clash with ours).
    let mut sensitive = Vec::new();
    for h in &c.custom_headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(h.name.as_bytes()), HeaderValue::from_str(&h.value)) {
            if h.sensitive {
                sensitive.push(name.clone());
            }
            headers.push((name, value));
        }
    }
    let started = Instant::now();
    let result = match c.sealed_error {
        // Never sign with a secret that did not open: retried, on a replica (or after a
        // restart) that holds the key.
        Some(why) => Err(SendError::Sealed(why)),
        None => {
            clients
                .post(
                    &c.target_url,
                    c.ca_certificate.as_deref(),
                    c.proxy_url.as_deref(),
                    c.client_identity.as_ref(),
                    &headers,
                    Bytes::from(c.body),
                )
                .instrument(span)
                .await
        }
    };
    let duration_ms = started.elapsed().as_millis() as i64;
    let (verdict, status_code, error, retry_after, response_body, response_headers) = match result {
        Ok(r) => {
            let verdict = classify_status(r.status);
            let error = match (verdict, r.status) {
                (Verdict::Success, _) => String::new(),
                (_, 300..=399) => format!("HTTP {} (redirects are not followed)", r.status),
                (_, s) => format!("HTTP {s}"),
            };
            (verdict, i32::from(r.status), error, r.retry_after, r.body_prefix, r.headers)
        }
        Err(e) => {
            let verdict = if e.retryable() { Verdict::Retry } else { Verdict::Fail };
            (verdict, 0, e.to_string(), None, Vec::new(), Vec::new())
        }
    };
    let next = match verdict {
        Verdict::Success => Next::Done(DeliveryStatus::Success),
        Verdict::Fail => Next::Done(DeliveryStatus::Error),
        Verdict::Retry => match policy.next_delay(c.attempt.max(1) as u32, retry_after, rand::random::<f64>()) {
            Some(d) => Next::RetryAt(SystemTime::now() + d),
            None => Next::Done(DeliveryStatus::Error),
        },
    };
    tracing::debug!(delivery_id = %c.id, webhook_id = %c.webhook_id, attempt = c.attempt, status_code, ?next,
        trace_id = trace_id.as_deref().unwrap_or_default(), "delivery attempted");
    record_metrics(verdict, next, c.due_time, dispatch_time, duration_ms);
    let request_headers = headers
        .iter()
        .map(|(n, v)| RequestHeader {
            name: n.as_str().into(),
            value: if sensitive.contains(n) { MASKED_VALUE.into() } else { v.to_str().unwrap_or_default().into() },
        })
        .collect();
    Outcome {
        id: c.id,
        claim_token: c.claim_token,
        attempt: Attempt {
            attempt: c.attempt,
            dispatch_time,
            status_code,
            error,
            duration_ms,
            response_body,
            response_headers,
        },
        request_headers,
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_hands_out_each_webhook_once_it_grew_enough_and_everything_at_the_end() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut g = Growth::default();
        g.add(&vec![a; PRUNE_EVERY as usize - 1]);
        g.add(&[b]);
        assert!(g.take(PRUNE_EVERY).is_empty());
        g.add(&[a]);
        assert_eq!(g.take(PRUNE_EVERY), vec![a]);
        assert!(g.take(PRUNE_EVERY).is_empty(), "a starts counting again");
        assert_eq!(g.take(1), vec![b]);
        assert!(g.take(1).is_empty());
    }
}
