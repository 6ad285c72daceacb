//! Reading deliveries: history listings, details, and what a resuming watch missed.

use std::time::SystemTime;

use futures_util::{pin_mut, TryStreamExt};
use tokio::sync::mpsc;
use tokio_postgres::types::{Json, ToSql};
use tokio_postgres::Row;
use uuid::Uuid;

use super::deliveries::{DeliveryRow, HISTORY_LIMIT};
use super::watched::Watched;
use super::{Storage, StorageError};
use crate::model::{Attempt, DeliveryStatus, RequestHeader, Scope};

/// Which history to list.
#[derive(Debug, Clone)]
pub struct HistoryFilter {
    /// The webhook whose history is listed.
    pub webhook_id: Uuid,
    /// Any of these event names; empty for all.
    pub event_types: Vec<String>,
    /// This state; `None` for all.
    pub status: Option<DeliveryStatus>,
    /// Any of these codes; empty for all.
    pub status_codes: Vec<i32>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
    /// At most this many rows (the API caps it at the history size).
    pub limit: i64,
}

/// A delivery with what was sent and received.
#[derive(Debug, Clone)]
pub struct DeliveryDetail {
    /// The delivery as the history lists it.
    pub delivery: DeliveryRow,
    /// Where its webhook is installed.
    pub scope: Scope,
    /// The body bytes sent (and signed), exactly.
    pub body: Vec<u8>,
    /// Headers of the latest attempt (none before the first).
    pub request_headers: Vec<RequestHeader>,
    /// The start of the latest answer's body, when there was one.
    pub response_body: Option<Vec<u8>>,
    /// Every attempt, oldest first.
    pub attempts: Vec<Attempt>,
}

/// What a resuming watch is sent before the changes that follow.
#[derive(Debug)]
pub enum Replay {
    /// The changes it missed, oldest first.
    Changes(mpsc::Receiver<Result<Watched, StorageError>>),
    /// A change it missed is no longer kept: a replay would be incomplete.
    Pruned,
}

/// A webhook's history, newest first (public for the benchmark's query plans).
pub const HISTORY_NEWEST: &str = include_str!("sql/history.sql");
/// The order of `HISTORY_NEWEST`, and its reverse.
const NEWEST_ORDER: &str = "ORDER BY dispatch_time DESC NULLS FIRST, id DESC";
const OLDEST_ORDER: &str = "ORDER BY dispatch_time ASC NULLS LAST, id ASC";
/// A webhook's history, oldest first: `HISTORY_NEWEST` in the exact reverse order.
pub static HISTORY_OLDEST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    assert_eq!(HISTORY_NEWEST.matches(NEWEST_ORDER).count(), 1, "history.sql has one ORDER BY");
    HISTORY_NEWEST.replace(NEWEST_ORDER, OLDEST_ORDER)
});

/// A statement parameter owned by the task that streams its rows.
type Param = Box<dyn ToSql + Send + Sync>;

/// Streams the rows of `stmt` run with `params` on `c` (held until the stream ends) into a
/// channel as the database returns them, each read by `read`; an error is sent and ends the
/// stream, and so does the receiver going away.
fn stream_rows<T: Send + 'static>(
    c: deadpool_postgres::Object,
    stmt: tokio_postgres::Statement,
    params: Vec<Param>,
    read: fn(&Row) -> Result<T, tokio_postgres::Error>,
) -> mpsc::Receiver<Result<T, StorageError>> {
    let (tx, rx) = mpsc::channel(32);
    tokio::spawn(async move {
        let rows = match c.query_raw(&stmt, params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync))).await {
            Ok(rows) => rows,
            Err(e) => {
                let _ = tx.send(Err(e.into())).await;
                return;
            }
        };
        pin_mut!(rows);
        loop {
            let next = match rows.try_next().await {
                Ok(Some(r)) => read(&r).map_err(StorageError::from),
                Ok(None) => return,
                Err(e) => Err(e.into()),
            };
            let failed = next.is_err();
            if tx.send(next).await.is_err() || failed {
                return;
            }
        }
    });
    rx
}

impl Storage {
    /// Streams a webhook's filtered, sorted history; rows are sent as the database returns them.
    pub async fn history(
        &self,
        f: HistoryFilter,
    ) -> Result<mpsc::Receiver<Result<DeliveryRow, StorageError>>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(if f.oldest_first { &HISTORY_OLDEST } else { HISTORY_NEWEST }).await?;
        let params: Vec<Param> = vec![
            Box::new(f.webhook_id),
            Box::new(f.event_types),
            Box::new(f.status),
            Box::new(f.status_codes),
            Box::new(f.limit),
            Box::new(HISTORY_LIMIT),
        ];
        Ok(stream_rows(c, stmt, params, DeliveryRow::from_row))
    }

    /// One delivery's summary with its webhook's scope, in one query.
    pub async fn get_delivery(&self, id: Uuid) -> Result<Option<Watched>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/get_delivery.sql")).await?;
        let Some(r) = c.query_opt(&stmt, &[&id]).await? else { return Ok(None) };
        Ok(Some(Watched::from_row(&r)?))
    }

    /// What a watch resuming at `since` missed: the deliveries of webhook `webhook_id` (any
    /// when `None`) on `scope` and below whose state changed at or after `since`, oldest
    /// change first, sent as the database returns them; or `Replay::Pruned` when one of
    /// them has been pruned from its webhook's history, so that a replay would be incomplete.
    pub async fn watch_replay(
        &self,
        webhook_id: Option<Uuid>,
        scope: &Scope,
        since: SystemTime,
    ) -> Result<Replay, StorageError> {
        let c = self.conn().await?;
        let pruned = c.prepare_cached(include_str!("sql/watch_replay_pruned.sql")).await?;
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
            [&webhook_id, &scope.company_id, &scope.project_id, &since];
        if c.query_one(&pruned, &params).await?.get("pruned") {
            return Ok(Replay::Pruned);
        }
        let stmt = c.prepare_cached(include_str!("sql/watch_replay.sql")).await?;
        let params: Vec<Param> = vec![
            Box::new(webhook_id),
            Box::new(scope.company_id.clone()),
            Box::new(scope.project_id.clone()),
            Box::new(since),
        ];
        Ok(Replay::Changes(stream_rows(c, stmt, params, Watched::from_row)))
    }

    /// One delivery with its body, headers and attempts.
    pub async fn delivery_detail(&self, id: Uuid) -> Result<Option<DeliveryDetail>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/delivery_detail.sql")).await?;
        let Some(r) = c.query_opt(&stmt, &[&id]).await? else { return Ok(None) };
        let delivery = DeliveryRow::from_row(&r)?;
        let response_body: Option<Vec<u8>> = r.get("response_body");
        let mut attempts = r.try_get::<_, Json<Vec<Attempt>>>("attempt_log")?.0;
        // The log keeps failed attempts; a success is the delivery's last attempt, held by
        // its own columns (rows recorded by earlier versions log it as well).
        if let (DeliveryStatus::Success, Some(at)) = (delivery.status, delivery.dispatch_time) {
            if attempts.last().map(|a| a.attempt) != Some(delivery.attempts) {
                attempts.push(Attempt {
                    attempt: delivery.attempts,
                    dispatch_time: at,
                    status_code: delivery.status_code,
                    error: delivery.error.clone(),
                    duration_ms: delivery.duration_ms,
                    response_body: response_body.clone().unwrap_or_default(),
                    response_headers: Vec::new(),
                });
            }
        }
        Ok(Some(DeliveryDetail {
            delivery,
            scope: Scope::new(r.get::<_, String>("company_id"), r.get::<_, String>("project_id")),
            body: r.get("body"),
            request_headers: r
                .try_get::<_, Option<Json<Vec<RequestHeader>>>>("request_headers")?
                .map(|Json(h)| h)
                .unwrap_or_default(),
            response_body,
            attempts,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_first_is_newest_first_with_its_order_reversed() {
        assert!(HISTORY_OLDEST.contains(OLDEST_ORDER) && !HISTORY_OLDEST.contains(NEWEST_ORDER));
        assert_eq!(HISTORY_OLDEST.replace(OLDEST_ORDER, NEWEST_ORDER), HISTORY_NEWEST);
    }
}
