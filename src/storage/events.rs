//! Published events and their fan-out into deliveries.

use std::collections::HashMap;

use uuid::Uuid;

use super::audit::Audit;
use super::deliveries::DeliveryRow;
use super::notify::DUE_CHANNEL;
use super::{Storage, StorageError};
use crate::model::Scope;

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

/// How long an event (and so its idempotency key) is kept at least.
pub const EVENT_RETENTION: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

const INSERT_EVENTS: &str = include_str!("sql/insert_events.sql");
const FAN_OUT: &str = include_str!("sql/fan_out.sql");

impl Storage {
    /// Stores `events` and one delivery per subscribed webhook, all in one transaction,
    /// and notifies the delivery engines on commit. Answers in input order.
    #[tracing::instrument(skip_all, fields(events = events.len()), err)]
    pub async fn publish(&self, events: &[NewEvent]) -> Result<Vec<Published>, StorageError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let published = Self::publish_in(&tx, events).await?;
        tx.commit().await?;
        Ok(published)
    }

    /// `publish` within the caller's transaction (the engines are notified when it commits).
    pub(crate) async fn publish_in(
        tx: &deadpool_postgres::Transaction<'_>,
        events: &[NewEvent],
    ) -> Result<Vec<Published>, StorageError> {
        let ids: Vec<Uuid> = events.iter().map(|_| Uuid::now_v7()).collect();
        let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
        let companies: Vec<&str> = events.iter().map(|e| e.scope.company_id.as_str()).collect();
        let projects: Vec<&str> = events.iter().map(|e| e.scope.project_id.as_str()).collect();
        let stamps: Vec<i64> = events.iter().map(|e| e.timestamp_ms).collect();
        let keys: Vec<Option<&str>> = events.iter().map(|e| e.idempotency_key.as_deref()).collect();
        let bodies: Vec<&[u8]> = events.iter().map(|e| e.body.as_slice()).collect();

        let insert = tx.prepare_cached(INSERT_EVENTS).await?;
        let inserted: std::collections::HashSet<Uuid> = tx
            .query(&insert, &[&ids, &names, &companies, &projects, &stamps, &keys, &bodies])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();

        // Events whose key matched an earlier one: answer with that event.
        let mut earlier: HashMap<(String, String, String), Uuid> = HashMap::new();
        let dup_idx: Vec<usize> = (0..events.len()).filter(|&i| !inserted.contains(&ids[i])).collect();
        if !dup_idx.is_empty() {
            let stmt = tx.prepare_cached(include_str!("sql/earlier_events.sql")).await?;
            let c: Vec<&str> = dup_idx.iter().map(|&i| companies[i]).collect();
            let p: Vec<&str> = dup_idx.iter().map(|&i| projects[i]).collect();
            let k: Vec<&str> = dup_idx.iter().map(|&i| keys[i].unwrap_or_default()).collect();
            for r in tx.query(&stmt, &[&c, &p, &k]).await? {
                earlier.insert((r.get(1), r.get(2), r.get(3)), r.get(0));
            }
        }

        let fan = tx.prepare_cached(FAN_OUT).await?;
        let new_ids: Vec<Uuid> = ids.iter().copied().filter(|id| inserted.contains(id)).collect();
        let mut counts: HashMap<Uuid, i32> = HashMap::new();
        if !new_ids.is_empty() {
            for r in tx.query(&fan, &[&new_ids]).await? {
                *counts.entry(r.get(0)).or_default() += 1;
            }
        }
        let earlier_ids: Vec<Uuid> = earlier.values().copied().collect();
        if !earlier_ids.is_empty() {
            let stmt = tx
                .prepare_cached(
                    "SELECT event_id, count(*)::int FROM deliveries WHERE event_id = ANY($1) GROUP BY event_id",
                )
                .await?;
            for r in tx.query(&stmt, &[&earlier_ids]).await? {
                counts.insert(r.get(0), r.get(1));
            }
        }
        if counts.values().any(|&n| n > 0) {
            tx.execute("SELECT pg_notify($1, '')", &[&DUE_CHANNEL]).await?;
        }

        Ok((0..events.len())
            .map(|i| {
                let (event_id, duplicate) = if inserted.contains(&ids[i]) {
                    (ids[i], false)
                } else {
                    let key =
                        (companies[i].to_string(), projects[i].to_string(), keys[i].unwrap_or_default().to_string());
                    (earlier.get(&key).copied().unwrap_or(ids[i]), true)
                };
                Published { event_id, deliveries: counts.get(&event_id).copied().unwrap_or(0), duplicate }
            })
            .collect())
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
