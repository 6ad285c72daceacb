//! The delivery queue: its rows, claims, outcomes, releases.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use uuid::Uuid;

use super::{sealing, Storage, StorageError};
use crate::announce::Disabled;
use crate::model::{Attempt, ClientIdentity, CustomHeader, DeliveryStatus, RequestHeader, Signing};
use crate::secret::Secret;

/// One delivery of one event to one webhook, as `ListEventHistory` and watchers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    /// Also sent as the `webhook-id` header, so receivers can drop repeats.
    pub id: Uuid,
    /// The webhook delivered to; its history holds this row.
    pub webhook_id: Uuid,
    /// Shared by every delivery the event fanned out to.
    pub event_id: Uuid,
    /// The event name (`eventName` in the body).
    pub event_type: String,
    /// PENDING until the last attempt succeeds or fails for good.
    pub status: DeliveryStatus,
    /// Latest HTTP status, 0 when none.
    pub status_code: i32,
    /// When the latest attempt was sent; `None` before the first.
    pub dispatch_time: Option<SystemTime>,
    /// Attempts made so far (0 before the first).
    pub attempts: i32,
    /// How long the latest attempt took, in milliseconds.
    pub duration_ms: i64,
    /// Why the latest attempt failed, empty after a success or before the first attempt.
    pub error: String,
    /// When the event fanned out to this webhook.
    pub create_time: SystemTime,
    /// Next attempt, while pending.
    pub next_attempt_time: Option<SystemTime>,
}

impl DeliveryRow {
    /// The row's columns; a status number that names no state is an error.
    pub(crate) fn from_row(r: &Row) -> Result<Self, tokio_postgres::Error> {
        Ok(Self {
            id: r.get("id"),
            webhook_id: r.get("webhook_id"),
            event_id: r.get("event_id"),
            event_type: r.get("event_type"),
            status: r.try_get("status")?,
            status_code: r.get("status_code"),
            dispatch_time: r.get("dispatch_time"),
            attempts: r.get("attempts"),
            duration_ms: r.get("duration_ms"),
            error: r.get("error"),
            create_time: r.get("create_time"),
            next_attempt_time: r.get("next_attempt_time"),
        })
    }
}

/// Completed deliveries kept per webhook: history reads show the most recent this many,
/// and `prune_history` deletes the older ones.
pub const HISTORY_LIMIT: i64 = 200;

/// Most webhooks one claim visits; the next claim goes on after the last one served.
const CLAIM_SCAN: i64 = 512;
/// Most webhooks with pending work looked at to tell when work is next due.
const NEXT_DUE_SCAN: i64 = 10_000;

/// The per-webhook delivery rules the engine claims and records by (from `serve` flags).
#[derive(Debug, Clone, Copy)]
pub struct DeliveryRules {
    /// Deliveries in flight to one webhook at once, over all replicas, unless it sets its own.
    pub webhook_concurrency: i32,
    /// Failed attempts in a row that open a webhook's circuit breaker.
    pub breaker_threshold: i32,
    /// How long an open breaker holds a webhook's deliveries before the next probe.
    pub breaker_cooldown: Duration,
    /// How long a webhook may fail with no success before it is DISABLED.
    pub disable_after: Duration,
    /// How long a webhook may fail with no success before `webhook_failing` warns of it;
    /// `None` for never.
    pub failing_warning: Option<Duration>,
}

fn millis(d: Duration) -> f64 {
    d.as_millis() as f64
}

/// When the engine has work next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextDue {
    /// The earliest time something may be claimed, if anything is pending.
    pub at: Option<SystemTime>,
    /// A webhook has due work but no free slot: a recorded outcome may free one.
    pub blocked: bool,
}

/// A sample of the queue and the webhooks' states, for metrics.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueSample {
    /// Pending deliveries.
    pub depth: i64,
    /// Due time of the oldest due delivery of an ACTIVE webhook that nobody is sending.
    pub oldest_due: Option<SystemTime>,
    /// Webhooks ACTIVE, PAUSED and DISABLED.
    pub by_state: [i64; 3],
    /// Webhooks whose circuit breaker is open (or probing).
    pub breaker_open: i64,
}

/// What recording a batch of outcomes changed in the webhooks (the deliveries' changes go to
/// watchers by notification).
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// Webhooks whose circuit breaker opened.
    pub breakers_opened: Vec<Uuid>,
    /// Webhooks disabled, each announced by a `webhook_disabled` event in the same transaction.
    pub disabled: Vec<Disabled>,
    /// The webhook of each delivery that completed (one entry per delivery): their
    /// histories grew, to be pruned with `prune_history`.
    pub completed: Vec<Uuid>,
}

/// A delivery claimed for one attempt, with everything needed to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The delivery, also the `webhook-id` header.
    pub id: Uuid,
    /// The webhook the target, secret, CA and proxy were read from.
    pub webhook_id: Uuid,
    /// Number of this attempt (1 for the first).
    pub attempt: i32,
    /// When this attempt was due (a retry's scheduled time, or when the event was accepted).
    pub due_time: SystemTime,
    /// The event name, logged with the outcome.
    pub event_type: String,
    /// Read from the webhook at claim time, so an edit applies to the next attempt.
    pub target_url: String,
    /// Signs the body; redacted in `Debug`.
    pub secret: Secret,
    /// The secret it replaced, while that one's grace period runs: signs too.
    pub previous_secret: Option<Secret>,
    /// PEM certificates the target's chain must end in, instead of the public roots.
    pub ca_certificate: Option<String>,
    /// HTTP(S) proxy the attempt goes through, possibly with credentials.
    pub proxy_url: Option<String>,
    /// The webhook's own headers, sent after webhookd's (sensitive values masked in `Debug`).
    pub custom_headers: Vec<CustomHeader>,
    /// Client certificate and key presented to an https target that asks for one.
    pub client_identity: Option<ClientIdentity>,
    /// Which `webhook-signature` entries to send, and the key pairs of the `v1a` ones.
    pub signing: Signing,
    /// The bytes to send and sign, exactly as stored at publish time.
    pub body: Vec<u8>,
    /// The publisher's trace context, continued by each attempt.
    pub trace: Option<crate::trace::TraceContext>,
    /// The claim this attempt holds.
    pub claim_token: Uuid,
    /// Place of the webhook in the claim's visit (0 for a test ping): the engine's next claim
    /// starts after the webhook of the highest.
    pub visit: i32,
    /// Why the webhook's secret or proxy URL could not be opened (a key this server lacks):
    /// the attempt is not sent, and fails as retryable.
    pub sealed_error: Option<String>,
}

/// A claimed webhook's sealed columns, opened.
pub(crate) struct Target {
    pub secret: Secret,
    pub previous_secret: Option<Secret>,
    pub proxy_url: Option<String>,
    pub custom_headers: Vec<CustomHeader>,
    pub client_identity: Option<ClientIdentity>,
    pub signing: Signing,
    /// Why they could not be opened (then the rest is empty).
    pub sealed_error: Option<String>,
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The delivery is final: SUCCESS or ERROR.
    Done(DeliveryStatus),
    /// Pending, next attempt at this time.
    RetryAt(SystemTime),
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The delivery attempted.
    pub id: Uuid,
    /// The claim it was made under: if the lease ran out and another replica took the
    /// delivery, this outcome is not recorded.
    pub claim_token: Uuid,
    /// The attempt, as its log keeps it (the delivery's latest-attempt columns come from it).
    pub attempt: Attempt,
    /// The headers of the request, kept for `GetDelivery`.
    pub request_headers: Vec<RequestHeader>,
    /// Whether the delivery is now final or when it is tried again.
    pub next: Next,
}

impl Storage {
    /// Claims up to `limit` due deliveries for `lease`, fairly between webhooks (see
    /// `claim.sql`), visiting webhooks from just after `after`; and, when fewer than `limit`
    /// were due, when there is work next (meaningless after a full batch). Deliveries in
    /// `answered` (claimed by this process, answered, their outcome not recorded yet) hold no
    /// slot of their webhook.
    #[allow(clippy::too_many_arguments)]
    pub async fn claim_due(
        &self,
        limit: i64,
        lease: Duration,
        token: Uuid,
        after: Uuid,
        answered: &[Uuid],
        rules: &DeliveryRules,
    ) -> Result<(Vec<Claimed>, NextDue), StorageError> {
        // One statement on the engine's connections: a claim lost in a crash leaves the
        // delivery due, to be sent (again), so the commit does not wait for the disk.
        let c = self.engine_conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/claim.sql")).await?;
        let rows = c
            .query(
                &stmt,
                &[
                    &limit,
                    &millis(lease),
                    &token,
                    &after,
                    &CLAIM_SCAN,
                    &rules.webhook_concurrency,
                    &rules.breaker_threshold,
                    &NEXT_DUE_SCAN,
                    &answered,
                ],
            )
            .await?;
        // The statement always answers at least one row, for the next due time.
        let next = rows.first().map_or(NextDue { at: None, blocked: false }, |r| NextDue {
            at: r.get("next_at"),
            blocked: r.get("blocked"),
        });
        let claimed = rows
            .iter()
            .filter(|r| r.get::<_, Option<Uuid>>("id").is_some())
            .map(|r| {
                let webhook_id = r.get("webhook_id");
                let Target {
                    secret,
                    previous_secret,
                    proxy_url,
                    custom_headers,
                    client_identity,
                    signing,
                    sealed_error,
                } = self.open_target(webhook_id, r);
                Claimed {
                    id: r.get("id"),
                    webhook_id,
                    attempt: r.get("attempts"),
                    due_time: r.get("next_attempt_time"),
                    event_type: r.get("event_type"),
                    target_url: r.get("target_url"),
                    secret,
                    previous_secret,
                    ca_certificate: r.get("ca_certificate"),
                    proxy_url,
                    custom_headers,
                    client_identity,
                    signing,
                    body: r.get("body"),
                    trace: r.get::<_, Option<&str>>("traceparent").and_then(|parent| {
                        crate::trace::TraceContext::parse(parent, r.get::<_, Option<&str>>("tracestate"))
                    }),
                    claim_token: token,
                    visit: r.get("ord"),
                    sealed_error,
                }
            })
            .collect();
        Ok((claimed, next))
    }

    /// The sealed columns of webhook `webhook_id` in a claim's row (see `sealing::open_row`),
    /// opened; or why not, for the attempt to fail with.
    pub(crate) fn open_target(&self, webhook_id: Uuid, r: &Row) -> Target {
        match self.keys().and_then(|keys| sealing::open_row(keys, webhook_id, r)) {
            Ok(o) => Target {
                secret: o.secret,
                previous_secret: o.previous_secret,
                proxy_url: o.proxy_url,
                custom_headers: o.custom_headers,
                client_identity: o.client_identity,
                signing: o.signing,
                sealed_error: None,
            },
            Err(e) => Target {
                secret: Secret::new(Vec::new()),
                previous_secret: None,
                proxy_url: None,
                custom_headers: Vec::new(),
                client_identity: None,
                signing: Signing::default(),
                sealed_error: Some(crate::report::chain(&e)),
            },
        }
    }

    /// The queue's depth and oldest due work, and the webhooks by state.
    pub async fn queue_sample(&self) -> Result<QueueSample, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/queue_sample.sql")).await?;
        let r = c.query_one(&stmt, &[]).await?;
        Ok(QueueSample {
            depth: r.get("depth"),
            oldest_due: r.get("oldest_due"),
            by_state: [r.get("active"), r.get("paused"), r.get("disabled")],
            breaker_open: r.get("breaker_open"),
        })
    }

    /// Deletes the completed deliveries of `webhooks` beyond each one's `HISTORY_LIMIT`
    /// most recent; returns how many. History reads hide them already, so this only keeps
    /// the table small and may run when convenient, for many webhooks at once.
    pub async fn prune_history(&self, webhooks: &[Uuid]) -> Result<u64, StorageError> {
        if webhooks.is_empty() {
            return Ok(0);
        }
        let c = self.engine_conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/prune_history.sql")).await?;
        let deleted: i64 = c.query_one(&stmt, &[&webhooks, &HISTORY_LIMIT]).await?.get("deleted");
        Ok(deleted as u64)
    }

    /// Gives claimed deliveries back (due now, attempt not counted), e.g. on shutdown.
    pub async fn release(&self, claims: &[(Uuid, Uuid)]) -> Result<u64, StorageError> {
        if claims.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Uuid> = claims.iter().map(|c| c.0).collect();
        let tokens: Vec<Uuid> = claims.iter().map(|c| c.1).collect();
        let c = self.engine_conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/release_claims.sql")).await?;
        Ok(c.execute(&stmt, &[&ids, &tokens]).await?)
    }
}

/// A transaction run by hand so that its first statement travels with its BEGIN and its
/// last with its COMMIT: a record is two round trips, not four. Dropped before `done` (an
/// error, or a future given up), it takes its connection out of the pool, so that closing it
/// rolls the transaction back rather than the next user finding it open.
pub(super) struct Pipelined(Option<deadpool_postgres::Object>);

impl Pipelined {
    /// A transaction about to begin on `c`.
    pub(super) fn new(c: deadpool_postgres::Object) -> Self {
        Self(Some(c))
    }

    pub(super) fn conn(&self) -> &deadpool_postgres::Object {
        self.0.as_ref().expect("connection held until done")
    }

    /// The transaction ended (committed): the connection goes back to the pool.
    pub(super) fn done(mut self) {
        drop(self.0.take());
    }
}

impl Drop for Pipelined {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            drop(deadpool_postgres::Object::take(c));
        }
    }
}
