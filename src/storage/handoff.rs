//! The hot path's hand-off: deliveries a publish fans out are inserted already claimed by the
//! publishing process (see `publish.sql`) and passed to its engine in memory, so a new
//! delivery costs no claim statement, no notification and no wake-up of the engine. What the
//! hand-off does not take (no free slot, a webhook with due work waiting, a breaker, a rate
//! limit) stays in the queue for the fair claim, as before.
//!
//! A handed-off delivery holds a lease like a claimed one: if this process dies before
//! sending it, the lease runs out and any replica claims it again (at least once).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Semaphore};

use super::deliveries::{Claimed, DeliveryRules};

/// Most deliveries one publish statement hands off.
const MOST_PER_PUBLISH: usize = 512;

/// The publishing side of one engine's hand-off; cheap to clone.
#[derive(Clone)]
pub struct Handoff {
    tx: mpsc::UnboundedSender<Vec<Claimed>>,
    /// The engine's send slots: a publish leases no more than are free.
    permits: Arc<Semaphore>,
    /// Handed off and not yet holding a slot: counted against the free slots.
    waiting: Arc<AtomicUsize>,
    lease: Duration,
    rules: DeliveryRules,
}

impl std::fmt::Debug for Handoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handoff").field("room", &self.room()).finish_non_exhaustive()
    }
}

/// The engine's side: handed-off deliveries arrive here, each batch already leased.
pub type Handed = mpsc::UnboundedReceiver<Vec<Claimed>>;

impl Handoff {
    /// A hand-off into an engine whose send slots are `permits`, leasing for `lease` under
    /// the per-webhook rules of `rules`.
    pub fn new(permits: Arc<Semaphore>, lease: Duration, rules: DeliveryRules) -> (Self, Handed) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx, permits, waiting: Arc::default(), lease, rules }, rx)
    }

    /// How many deliveries a publish may hand off now: the engine's free slots less what was
    /// handed off and waits for one; none once the engine stopped taking them.
    pub(crate) fn room(&self) -> usize {
        if self.tx.is_closed() {
            return 0;
        }
        self.permits.available_permits().saturating_sub(self.waiting.load(Ordering::Relaxed)).min(MOST_PER_PUBLISH)
    }

    /// The lease of a handed-off delivery.
    pub(crate) fn lease(&self) -> Duration {
        self.lease
    }

    /// The per-webhook rules a hand-off obeys.
    pub(crate) fn rules(&self) -> &DeliveryRules {
        &self.rules
    }

    /// Passes leased deliveries to the engine; gives them back if it has stopped.
    pub(crate) fn hand(&self, deliveries: Vec<Claimed>) -> Result<(), Vec<Claimed>> {
        let n = deliveries.len();
        self.waiting.fetch_add(n, Ordering::Relaxed);
        self.tx.send(deliveries).map_err(|e| {
            self.waiting.fetch_sub(n, Ordering::Relaxed);
            e.0
        })
    }

    /// One handed-off delivery took its slot (called by the engine).
    pub fn admitted(&self) {
        self.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}
