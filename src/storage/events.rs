//! Published events and their fan-out into deliveries.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;
use tokio_postgres::types::Json;
use uuid::Uuid;

use super::audit::Audit;
use super::deliveries::{Claimed, DeliveryRow, DeliveryRules};
use super::notify::DUE_CHANNEL;
use super::{Storage, StorageError};
use crate::model::{Labels, Scope};

/// An event to store.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Catalog name of the event; webhooks subscribed to it get a delivery.
    pub name: String,
    /// Where it happened: webhooks on this scope and above it get a delivery.
    pub scope: Scope,
    /// Milliseconds since the epoch.
    pub timestamp_ms: i64,
    /// A repeat publish with the same key (in the same scope) returns the first event.
    pub idempotency_key: Option<String>,
    /// The exact body every delivery sends.
    pub body: Vec<u8>,
    /// The publisher's trace context, sent on with every delivery.
    pub trace: Option<crate::trace::TraceContext>,
    /// The webhook an operational event is about: it never receives the event.
    pub skip_webhook: Option<Uuid>,
    /// Routing labels: webhooks requiring labels get the event only if it carries them.
    pub labels: Labels,
}

/// The outcome of storing one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The event's id (the earlier one for a duplicate).
    pub event_id: Uuid,
    /// Deliveries the event fanned out to (0 when no webhook listens).
    pub deliveries: i32,
    /// Whether the idempotency key matched an earlier event.
    pub duplicate: bool,
}

/// A publish's hand-off: its deliveries leased under `token`, at most `most` of them.
struct Lease {
    token: Uuid,
    most: i64,
    /// The lease, in milliseconds.
    millis: f64,
    rules: DeliveryRules,
}

/// How long an event (and so its idempotency key) is kept at least.
pub const EVENT_RETENTION: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

pub(crate) const PUBLISH: &str = include_str!("sql/publish.sql");

impl Storage {
    /// Stores `events` and one delivery per subscribed webhook in one statement, and
    /// notifies the delivery engines on commit. Answers in input order. With a hand-off (see
    /// `handoff`), the deliveries this process's engine can send now are passed to it once
    /// the statement has committed, and only the others wake the engines.
    #[tracing::instrument(skip_all, fields(events = events.len()), err)]
    pub async fn publish(&self, events: &[NewEvent]) -> Result<Vec<Published>, StorageError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let c = self.ingest_conn().await?;
        let handoff = self.handoff.as_ref().filter(|_| events.iter().all(|e| e.skip_webhook.is_none()));
        let Some((handoff, room)) = handoff.map(|h| (h, h.room())).filter(|(_, room)| *room > 0) else {
            return Self::publish_in(&c, events).await;
        };
        let lease = Lease {
            token: Uuid::now_v7(),
            most: room as i64,
            millis: handoff.lease().as_millis() as f64,
            rules: *handoff.rules(),
        };
        let (published, handed) = Self::publish_skipping(&c, events, None, Some(&lease)).await?;
        drop(c);
        if handed.is_empty() {
            return Ok(published);
        }
        let by_id: HashMap<Uuid, &NewEvent> =
            published.iter().zip(events).filter(|(p, _)| !p.duplicate).map(|(p, e)| (p.event_id, e)).collect();
        let now = std::time::SystemTime::now();
        let claimed: Vec<Claimed> = handed
            .iter()
            .filter_map(|r| {
                let event = by_id.get(&r.get::<_, Uuid>("event_id"))?;
                let webhook_id: Uuid = r.get("webhook_id");
                let opened = self.open_target(webhook_id, r);
                Some(Claimed {
                    id: r.get("delivery_id"),
                    webhook_id,
                    attempt: 1,
                    due_time: now,
                    event_type: event.name.clone(),
                    target_url: r.get("target_url"),
                    secret: opened.secret,
                    previous_secret: opened.previous_secret,
                    ca_certificate: r.get("ca_certificate"),
                    proxy_url: opened.proxy_url,
                    custom_headers: opened.custom_headers,
                    client_identity: opened.client_identity,
                    signing: opened.signing,
                    body: event.body.clone(),
                    trace: event.trace.clone(),
                    claim_token: lease.token,
                    visit: 0,
                    sealed_error: opened.sealed_error,
                })
            })
            .collect();
        if let Err(back) = handoff.hand(claimed) {
            // The engine stopped meanwhile: the deliveries go back to the queue, due now.
            let claims: Vec<(Uuid, Uuid)> = back.iter().map(|c| (c.id, c.claim_token)).collect();
            if let Err(e) = self.release(&claims).await {
                tracing::warn!(error = %crate::report::chain(&e), "releasing handed-off deliveries failed; their leases will expire");
            }
        }
        Ok(published)
    }

    /// `publish` through `c`: on a transaction, the events are stored (and the engines
    /// notified) when it commits.
    pub(crate) async fn publish_in(
        c: &impl GenericClient,
        events: &[NewEvent],
    ) -> Result<Vec<Published>, StorageError> {
        let skip = events.first().and_then(|e| e.skip_webhook);
        if events.iter().all(|e| e.skip_webhook == skip) {
            return Ok(Self::publish_skipping(c, events, skip, None).await?.0);
        }
        // Events skipping several webhooks: one statement per webhook, answered in
        // input order.
        let mut answers: Vec<Option<Published>> = vec![None; events.len()];
        let mut groups: Vec<(Option<Uuid>, Vec<usize>)> = Vec::new();
        for (i, e) in events.iter().enumerate() {
            match groups.iter_mut().find(|(a, _)| *a == e.skip_webhook) {
                Some((_, members)) => members.push(i),
                None => groups.push((e.skip_webhook, vec![i])),
            }
        }
        for (skip, members) in groups {
            let group: Vec<NewEvent> = members.iter().map(|&i| events[i].clone()).collect();
            for (i, p) in members.into_iter().zip(Self::publish_skipping(c, &group, skip, None).await?.0) {
                answers[i] = Some(p);
            }
        }
        Ok(answers.into_iter().map(|p| p.expect("every event answered")).collect())
    }

    /// `publish_in` for events that all skip webhook `skip` (none for ordinary events),
    /// handing off under `lease` if given; returns the answers and the rows of the deliveries
    /// handed off.
    async fn publish_skipping(
        c: &impl GenericClient,
        events: &[NewEvent],
        skip: Option<Uuid>,
        lease: Option<&Lease>,
    ) -> Result<(Vec<Published>, Vec<tokio_postgres::Row>), StorageError> {
        let ids: Vec<Uuid> = events.iter().map(|_| Uuid::now_v7()).collect();
        let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
        let companies: Vec<&str> = events.iter().map(|e| e.scope.company_id.as_str()).collect();
        let projects: Vec<&str> = events.iter().map(|e| e.scope.project_id.as_str()).collect();
        let stamps: Vec<i64> = events.iter().map(|e| e.timestamp_ms).collect();
        let keys: Vec<Option<&str>> = events.iter().map(|e| e.idempotency_key.as_deref()).collect();
        let bodies: Vec<&[u8]> = events.iter().map(|e| e.body.as_slice()).collect();
        let parents: Vec<Option<&str>> =
            events.iter().map(|e| e.trace.as_ref().map(|t| t.traceparent.as_str())).collect();
        let states: Vec<Option<&str>> =
            events.iter().map(|e| e.trace.as_ref().and_then(|t| t.tracestate.as_deref())).collect();
        // The payloads as JSON for the webhooks' filters (parsed once per event, in the
        // database), and the labels.
        let payloads: Vec<Option<std::borrow::Cow<'_, str>>> =
            events.iter().map(|e| crate::body::filterable(crate::body::payload_of(&e.body))).collect();
        let labels: Vec<Json<&Labels>> = events.iter().map(|e| Json(&e.labels)).collect();

        let publish = c.prepare_cached(PUBLISH).await?;
        let token = lease.map(|l| l.token);
        let (most, millis) = lease.map_or((0, 0.0), |l| (l.most, l.millis));
        let (concurrency, threshold) =
            lease.map_or((0, 0), |l| (l.rules.webhook_concurrency, l.rules.breaker_threshold));
        let rows = c
            .query(
                &publish,
                &[
                    &ids,
                    &names,
                    &companies,
                    &projects,
                    &stamps,
                    &keys,
                    &bodies,
                    &DUE_CHANNEL,
                    &parents,
                    &states,
                    &skip,
                    &token,
                    &most,
                    &millis,
                    &concurrency,
                    &threshold,
                    &payloads,
                    &labels,
                ],
            )
            .await?;
        let mut counts: HashMap<Uuid, i32> = rows.iter().map(|r| (r.get("event_id"), r.get("deliveries"))).collect();
        let handed: Vec<tokio_postgres::Row> =
            rows.into_iter().filter(|r| r.get::<_, Option<Uuid>>("delivery_id").is_some()).collect();
        let inserted: Vec<bool> = ids.iter().map(|id| counts.contains_key(id)).collect();

        // Events whose key matched an earlier one (committed before, or earlier in this
        // batch): answer with that event and its deliveries.
        let mut earlier: HashMap<(String, String, String), Uuid> = HashMap::new();
        let dup_idx: Vec<usize> = (0..events.len()).filter(|&i| !inserted[i]).collect();
        if !dup_idx.is_empty() {
            let stmt = c.prepare_cached(include_str!("sql/earlier_events.sql")).await?;
            let co: Vec<&str> = dup_idx.iter().map(|&i| companies[i]).collect();
            let p: Vec<&str> = dup_idx.iter().map(|&i| projects[i]).collect();
            let k: Vec<&str> = dup_idx.iter().map(|&i| keys[i].unwrap_or_default()).collect();
            for r in c.query(&stmt, &[&co, &p, &k]).await? {
                earlier.insert((r.get("company_id"), r.get("project_id"), r.get("idempotency_key")), r.get("id"));
            }
            let earlier_ids: Vec<Uuid> = earlier.values().filter(|id| !counts.contains_key(id)).copied().collect();
            if !earlier_ids.is_empty() {
                let stmt = c.prepare_cached(include_str!("sql/delivery_counts.sql")).await?;
                for r in c.query(&stmt, &[&earlier_ids]).await? {
                    counts.insert(r.get("event_id"), r.get("deliveries"));
                }
            }
        }

        let published = (0..events.len())
            .map(|i| {
                let (event_id, duplicate) = if inserted[i] {
                    (ids[i], false)
                } else {
                    let key =
                        (companies[i].to_string(), projects[i].to_string(), keys[i].unwrap_or_default().to_string());
                    (earlier.get(&key).copied().unwrap_or(ids[i]), true)
                };
                Published { event_id, deliveries: counts.get(&event_id).copied().unwrap_or(0), duplicate }
            })
            .collect();
        Ok((published, handed))
    }
}

impl Storage {
    /// Removes up to `limit` of the oldest events older than `EVENT_RETENTION` that no
    /// delivery references any more; returns how many.
    pub async fn purge_events(&self, limit: i64) -> Result<u64, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/purge_events.sql")).await?;
        Ok(c.execute(&stmt, &[&(EVENT_RETENTION.as_secs() as f64), &limit]).await?)
    }
}

impl Storage {
    /// A new pending delivery of `delivery_id`'s event to the same webhook.
    pub async fn redeliver(
        &self,
        delivery_id: Uuid,
        scope: &Scope,
        audit: &Audit,
    ) -> Result<Option<DeliveryRow>, StorageError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let stmt = tx.prepare_cached(include_str!("sql/redeliver.sql")).await?;
        let Some(row) = tx.query_opt(&stmt, &[&delivery_id, &DUE_CHANNEL]).await? else { return Ok(None) };
        let new = DeliveryRow::from_row(&row)?;
        audit.clone().with("original_delivery_id", delivery_id.to_string()).record(&tx, new.id, scope).await?;
        tx.commit().await?;
        Ok(Some(new))
    }

    /// Stores a test event for one webhook only, with its single delivery.
    pub async fn test_delivery(
        &self,
        webhook_id: Uuid,
        scope: &Scope,
        name: &str,
        timestamp_ms: i64,
        body: &[u8],
        audit: &Audit,
    ) -> Result<DeliveryRow, StorageError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let stmt = tx.prepare_cached(include_str!("sql/test_delivery.sql")).await?;
        let event_id = Uuid::now_v7();
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 8] =
            [&event_id, &name, &scope.company_id, &scope.project_id, &timestamp_ms, &body, &webhook_id, &DUE_CHANNEL];
        let d = DeliveryRow::from_row(&tx.query_one(&stmt, &params).await?)?;
        audit.clone().with("delivery_id", d.id.to_string()).record(&tx, webhook_id, scope).await?;
        tx.commit().await?;
        Ok(d)
    }
}
