//! The recoverer, the worker every replica runs: sends the running bulk recoveries' failed
//! deliveries again, each recovery at most `rate` deliveries a second, in small batches (a
//! transaction each, rows locked so that replicas share the work without sending anything
//! twice). Idle, it waits for a new recovery's notification, polling now and then in case
//! one was missed.

use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::storage::notify::{self, RECOVERY_CHANNEL};
use crate::storage::Storage;

/// Batches a second per recovery while any runs.
const PASSES_PER_SECOND: u32 = 5;
/// Recoveries served per pass.
const RECOVERIES_PER_PASS: i64 = 16;
/// How often an idle worker looks for running recoveries without a notification.
const IDLE_POLL: Duration = Duration::from_secs(10);

/// Runs until `shutdown`.
pub async fn run(storage: Storage, rate: u32, shutdown: CancellationToken) {
    let wake = std::sync::Arc::new(Notify::new());
    let woken = wake.clone();
    tokio::spawn(notify::listen(storage.clone(), RECOVERY_CHANNEL, shutdown.clone(), move |_| woken.notify_one()));
    let batch = i64::from((rate / PASSES_PER_SECOND).max(1));
    let pace = Duration::from_secs(1) / PASSES_PER_SECOND;
    loop {
        let busy = match storage.recovery_pass(RECOVERIES_PER_PASS, batch).await {
            Ok(pass) => {
                if pass.sent > 0 {
                    tracing::debug!(recoveries = pass.recoveries, sent = pass.sent, "recovery batch sent");
                }
                pass.recoveries > 0
            }
            Err(e) => {
                tracing::warn!(error = %crate::report::chain(&e), "recovery batch failed; trying again");
                true
            }
        };
        let wait = if busy { pace } else { IDLE_POLL };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}
