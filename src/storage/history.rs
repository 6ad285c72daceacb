//! Reading deliveries: history listings and details.

use futures_util::{pin_mut, TryStreamExt};
use tokio::sync::mpsc;
use tokio_postgres::types::Json;
use uuid::Uuid;

use super::deliveries::{DeliveryRow, Watched, HISTORY_LIMIT};
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

/// A webhook's history, newest first (public for the benchmark's query plans).
pub const HISTORY_NEWEST: &str = include_str!("sql/history_newest.sql");
/// A webhook's history, oldest first.
pub const HISTORY_OLDEST: &str = include_str!("sql/history_oldest.sql");

impl Storage {
    /// Streams a webhook's filtered, sorted history; rows are sent as the database returns them.
    pub async fn history(
        &self,
        f: HistoryFilter,
    ) -> Result<mpsc::Receiver<Result<DeliveryRow, StorageError>>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(if f.oldest_first { HISTORY_OLDEST } else { HISTORY_NEWEST }).await?;
        let (tx, rx) = mpsc::channel(32);
        tokio::spawn(async move {
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] =
                [&f.webhook_id, &f.event_types, &f.status, &f.status_codes, &f.limit, &HISTORY_LIMIT];
            let rows = match c.query_raw(&stmt, params).await {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            pin_mut!(rows);
            loop {
                match rows.try_next().await {
                    Ok(Some(r)) => {
                        if tx.send(DeliveryRow::from_row(&r).map_err(StorageError::from)).await.is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(e) => {
                        let _ = tx.send(Err(e.into())).await;
                        return;
                    }
                }
            }
        });
        Ok(rx)
    }

    /// One delivery's summary with its webhook's scope, in one query.
    pub async fn get_delivery(&self, id: Uuid) -> Result<Option<Watched>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/get_delivery.sql")).await?;
        let Some(r) = c.query_opt(&stmt, &[&id]).await? else { return Ok(None) };
        Ok(Some(Watched {
            delivery: DeliveryRow::from_row(&r)?,
            company_id: r.get("company_id"),
            project_id: r.get("project_id"),
        }))
    }

    /// One delivery with its body, headers and attempts.
    pub async fn delivery_detail(&self, id: Uuid) -> Result<Option<DeliveryDetail>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/delivery_detail.sql")).await?;
        let Some(r) = c.query_opt(&stmt, &[&id]).await? else { return Ok(None) };
        Ok(Some(DeliveryDetail {
            delivery: DeliveryRow::from_row(&r)?,
            scope: Scope::new(r.get::<_, String>("company_id"), r.get::<_, String>("project_id")),
            body: r.get("body"),
            request_headers: r
                .try_get::<_, Option<Json<Vec<RequestHeader>>>>("request_headers")?
                .map(|Json(h)| h)
                .unwrap_or_default(),
            response_body: r.get("response_body"),
            attempts: r.try_get::<_, Json<Vec<Attempt>>>("attempt_log")?.0,
        }))
    }
}
