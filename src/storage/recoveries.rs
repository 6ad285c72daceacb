//! Bulk recovery of failed deliveries: the `failed_deliveries` kept for it (written by
//! `record_failed.sql` when a delivery fails for good) and the `recoveries` that send them again.

use std::time::{Duration, SystemTime};

use tokio_postgres::Row;
use uuid::Uuid;

use super::audit::Audit;
use super::notify::{DUE_CHANNEL, RECOVERY_CHANNEL};
use super::{Storage, StorageError};
use crate::model::Scope;

/// Where a recovery is (stored as `RecoveryState`'s numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryState {
    /// Sending.
    Running,
    /// Everything it covered was sent again.
    Done,
    /// Stopped by an admin.
    Cancelled,
}

impl RecoveryState {
    fn from_i16(v: i16) -> Result<Self, StorageError> {
        match v {
            1 => Ok(Self::Running),
            2 => Ok(Self::Done),
            3 => Ok(Self::Cancelled),
            other => Err(StorageError::Corrupt(format!("recovery state {other}"))),
        }
    }
}

/// A recovery to start.
#[derive(Debug, Clone)]
pub struct NewRecovery {
    /// The webhook whose failures are sent again.
    pub webhook_id: Uuid,
    /// Failures for good at or after this time...
    pub start_time: SystemTime,
    /// ... and before this one.
    pub end_time: SystemTime,
    /// Only these event types; empty: all.
    pub event_types: Vec<String>,
}

/// A stored recovery.
#[allow(missing_docs)] // Plain data: the field names say what each holds; the others are documented.
#[derive(Debug, Clone)]
pub struct RecoveryRow {
    pub id: Uuid,
    /// The webhook recovered.
    pub webhook_id: Uuid,
    /// Start of the window.
    pub start_time: SystemTime,
    /// End of the window.
    pub end_time: SystemTime,
    /// Event types; empty: all.
    pub event_types: Vec<String>,
    /// Running, done or cancelled.
    pub state: RecoveryState,
    /// Failed deliveries it covers.
    pub total: i32,
    /// Sent again so far.
    pub sent: i32,
    pub create_time: SystemTime,
    pub finish_time: Option<SystemTime>,
    /// Its webhook's scope, when read with it.
    pub scope: Option<Scope>,
}

fn row_to_recovery(r: &Row) -> Result<RecoveryRow, StorageError> {
    Ok(RecoveryRow {
        id: r.try_get("id")?,
        webhook_id: r.try_get("webhook_id")?,
        start_time: r.try_get("start_time")?,
        end_time: r.try_get("end_time")?,
        event_types: r.try_get("event_types")?,
        state: RecoveryState::from_i16(r.try_get("state")?)?,
        total: r.try_get("total")?,
        sent: r.try_get("sent")?,
        create_time: r.try_get("create_time")?,
        finish_time: r.try_get("finish_time")?,
        scope: match (r.try_get::<_, String>("company_id"), r.try_get::<_, String>("project_id")) {
            (Ok(c), Ok(p)) => Some(Scope::new(c, p)),
            _ => None,
        },
    })
}

/// What one worker pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecoveryPass {
    /// Recoveries it sent a batch of.
    pub recoveries: usize,
    /// Deliveries it created.
    pub sent: u64,
}

impl Storage {
    /// Starts recovery `id` of `r` (in webhook scope `scope`): reserves the failures it covers.
    pub async fn create_recovery(
        &self,
        id: Uuid,
        r: &NewRecovery,
        scope: &Scope,
        audit: &Audit,
    ) -> Result<RecoveryRow, StorageError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let stmt = tx.prepare_cached(include_str!("sql/create_recovery.sql")).await?;
        let row = tx
            .query_one(&stmt, &[&id, &r.webhook_id, &r.start_time, &r.end_time, &r.event_types, &RECOVERY_CHANNEL])
            .await?;
        let recovery = row_to_recovery(&row)?;
        audit.clone().with("total", recovery.total.to_string()).record(&tx, id, scope).await?;
        tx.commit().await?;
        Ok(RecoveryRow { scope: Some(scope.clone()), ..recovery })
    }

    /// A recovery with its webhook's scope.
    pub async fn get_recovery(&self, id: Uuid) -> Result<Option<RecoveryRow>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/get_recovery.sql")).await?;
        c.query_opt(&stmt, &[&id]).await?.as_ref().map(row_to_recovery).transpose()
    }

    /// Cancels a running recovery (one that ended is left as it is); `None` if there is none.
    pub async fn cancel_recovery(&self, id: Uuid, scope: &Scope, audit: &Audit) -> Result<(), StorageError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let stmt = tx.prepare_cached(include_str!("sql/cancel_recovery.sql")).await?;
        tx.execute(&stmt, &[&id]).await?;
        audit.record(&tx, id, scope).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends a batch of up to `batch` deliveries of each of up to `recoveries` running
    /// recoveries no other replica is working on, in one transaction, and wakes the engines.
    pub async fn recovery_pass(&self, recoveries: i64, batch: i64) -> Result<RecoveryPass, StorageError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let running = tx.prepare_cached(include_str!("sql/running_recoveries.sql")).await?;
        let send = tx.prepare_cached(include_str!("sql/send_recovery_batch.sql")).await?;
        let mut pass = RecoveryPass::default();
        for r in tx.query(&running, &[&recoveries]).await? {
            let id: Uuid = r.get("id");
            let done = tx.query_one(&send, &[&id, &batch]).await?;
            pass.recoveries += 1;
            pass.sent += done.get::<_, i32>("sent_now") as u64;
        }
        if pass.sent > 0 {
            tx.execute("SELECT pg_notify($1, '')", &[&DUE_CHANNEL]).await?;
        }
        tx.commit().await?;
        Ok(pass)
    }

    /// Removes up to `limit` failed deliveries kept longer than `retention` (none a running
    /// recovery still has to send); how many.
    pub async fn purge_failed_deliveries(&self, retention: Duration, limit: i64) -> Result<u64, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/purge_failed_deliveries.sql")).await?;
        Ok(c.execute(&stmt, &[&retention.as_secs_f64(), &limit]).await?)
    }

    /// Removes up to `limit` recoveries that ended longer than `retention` ago; how many.
    pub async fn purge_recoveries(&self, retention: Duration, limit: i64) -> Result<u64, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/purge_recoveries.sql")).await?;
        Ok(c.execute(&stmt, &[&retention.as_secs_f64(), &limit]).await?)
    }
}
