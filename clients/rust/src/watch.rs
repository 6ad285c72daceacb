//! `WatchDeliveries` that survives server restarts, missing nothing the server still has.

use std::collections::{HashSet, VecDeque};

use tonic::{Code, Status, Streaming};

use crate::pb::{DeliveryRecord, WatchDeliveriesRequest};
use crate::retry::is_retryable;
use crate::Client;

/// What a [`Watch`] yields.
// One at a time, never stored in bulk: the size difference costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum WatchEvent {
    /// A delivery was created or changed state.
    Delivery(DeliveryRecord),
    /// The watch broke (`after` says why: the server shut down, the connection was lost, or
    /// the watcher fell behind) and was opened again from the last change received: what
    /// changed in between is replayed before the live changes, each change once.
    /// `complete` is false when that was not possible (no change had been received yet, or
    /// the server no longer keeps what changed since: FAILED_PRECONDITION), so changes may
    /// have been missed: catch up with `ListEventHistory` if they matter.
    Resumed {
        /// The error that ended the previous watch.
        after: Status,
        /// Whether nothing was missed.
        complete: bool,
    },
}

/// How far back (in the server's change times) changes already yielded are remembered, so
/// that a replay's repeats are dropped: well past the 5 seconds before its cursor that a
/// resumed watch replays again.
const REMEMBERED_MICROS: u64 = 30_000_000;

/// What identifies a change: the delivery, its attempts and its state.
type ChangeKey = (String, i32, i32);

/// The changes yielded lately, by the server's time of each, to drop repeats of a replay.
#[derive(Default)]
struct Recent {
    order: VecDeque<(u64, ChangeKey)>,
    keys: HashSet<ChangeKey>,
}

impl Recent {
    /// Whether `record` is new; remembers it.
    fn first_time(&mut self, record: &DeliveryRecord) -> bool {
        let key = (record.id.clone(), record.attempts, record.status);
        if self.keys.contains(&key) {
            return false;
        }
        // A record without a cursor (an older server) cannot be replayed: nothing to keep.
        let Ok(at) = record.watch_cursor.parse::<u64>() else { return true };
        while self.order.front().is_some_and(|(t, _)| t.saturating_add(REMEMBERED_MICROS) < at) {
            let (_, old) = self.order.pop_front().expect("front");
            self.keys.remove(&old);
        }
        self.order.push_back((at, key.clone()));
        self.keys.insert(key);
        true
    }
}

/// A `WatchDeliveries` call that opens itself again, with backoff, when the server goes away
/// (`UNAVAILABLE`), the connection breaks or the watcher falls behind (`RESOURCE_EXHAUSTED`),
/// and says so with [`WatchEvent::Resumed`]. Other errors (the webhook was deleted, the token
/// was refused, …) end it. A watch has no deadline unless its request carries one.
pub struct Watch {
    client: Client,
    request: WatchDeliveriesRequest,
    resume: bool,
    stream: Option<Streaming<DeliveryRecord>>,
    broken: Option<Status>,
    /// Whether the watch being opened again may have missed changes.
    incomplete: bool,
    failures: u32,
    recent: Recent,
}

impl Watch {
    pub(crate) fn new(client: Client, request: WatchDeliveriesRequest) -> Self {
        Self {
            client,
            request,
            resume: true,
            stream: None,
            broken: None,
            incomplete: false,
            failures: 0,
            recent: Recent::default(),
        }
    }

    /// Ends with the error instead of opening the watch again.
    pub fn without_resume(mut self) -> Self {
        self.resume = false;
        self
    }

    /// The next change; an error only when the watch cannot go on.
    pub async fn next(&mut self) -> Result<WatchEvent, Status> {
        loop {
            let Some(stream) = &mut self.stream else {
                match self.client.admin().watch_deliveries(self.request.clone()).await {
                    Ok(response) => {
                        self.stream = Some(response.into_inner());
                        self.failures = 0;
                        if let Some(after) = self.broken.take() {
                            let complete = !std::mem::take(&mut self.incomplete);
                            return Ok(WatchEvent::Resumed { after, complete });
                        }
                    }
                    Err(status)
                        if status.code() == Code::FailedPrecondition
                            && self.broken.is_some()
                            && !self.request.resume_after.is_empty() =>
                    {
                        // What changed since the cursor is no longer all kept: go on from now.
                        self.request.resume_after.clear();
                        self.incomplete = true;
                    }
                    Err(status) => self.broke(status).await?,
                }
                continue;
            };
            match stream.message().await {
                Ok(Some(record)) => {
                    if !record.watch_cursor.is_empty() {
                        self.request.resume_after.clone_from(&record.watch_cursor);
                    }
                    if self.recent.first_time(&record) {
                        return Ok(WatchEvent::Delivery(record));
                    }
                }
                // The server never ends a watch as complete; an end is a break.
                Ok(None) => self.broke(Status::unavailable("the watch ended")).await?,
                Err(status) => self.broke(status).await?,
            }
        }
    }

    /// Drops the broken stream and waits before the next attempt, or gives up with `status`.
    async fn broke(&mut self, status: Status) -> Result<(), Status> {
        self.stream = None;
        let resumable = is_retryable(&status) || status.code() == Code::ResourceExhausted;
        if !self.resume || !resumable {
            return Err(status);
        }
        self.failures += 1;
        let wait = self.client.retry.backoff(self.failures, fastrand::f64());
        if self.request.resume_after.is_empty() {
            // Nothing received yet, so nothing to resume from.
            self.incomplete = true;
        }
        self.broken.get_or_insert(status);
        tokio::time::sleep(wait).await;
        Ok(())
    }
}
