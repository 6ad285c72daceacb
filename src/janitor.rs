//! Housekeeping every replica does once a minute (each statement is safe to run on several
//! replicas at once): events past their retention that no delivery needs, replaced secrets
//! past their grace period, audit records past `--audit-retention`, failed deliveries and
//! ended recoveries past `--recovery-retention`.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::storage::{Storage, StorageError};

/// Rows removed per statement, so that no purge holds locks for long.
const BATCH: i64 = 5_000;

/// How long records are kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Audit records.
    pub audit: Duration,
    /// Failed deliveries kept for bulk recovery, and ended recoveries.
    pub recovery: Duration,
}

/// Runs the housekeeping every minute until `shutdown`.
pub async fn run(storage: Storage, retention: Retention, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = storage.end_secret_rotations().await {
            tracing::warn!(error = %crate::report::chain(&e), "forgetting replaced secrets failed");
        }
        // Failed deliveries first: the events they kept may go in the same round.
        drain("old failed deliveries", || storage.purge_failed_deliveries(retention.recovery, BATCH)).await;
        drain("old recoveries", || storage.purge_recoveries(retention.recovery, BATCH)).await;
        drain("old events", || storage.purge_events(BATCH)).await;
        drain("old audit records", || storage.purge_audit(retention.audit, BATCH)).await;
    }
}

/// Calls `purge` until it removes less than a batch.
async fn drain<F, Fut>(what: &str, purge: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<u64, StorageError>>,
{
    let mut removed = 0;
    loop {
        match purge().await {
            Ok(n) if n == BATCH as u64 => removed += n,
            Ok(n) => {
                removed += n;
                if removed > 0 {
                    tracing::debug!(removed, "{what} removed");
                }
                return;
            }
            Err(e) => {
                tracing::warn!(error = %crate::report::chain(&e), "removing {what} failed");
                return;
            }
        }
    }
}
