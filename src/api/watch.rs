//! `WatchDeliveries`: delivery state changes from every replica, fanned out to watchers.
//!
//! One `LISTEN` connection per process, open while it has watchers, feeds a broadcast
//! channel; each watcher filters it into its own bounded buffer. The engine never waits on
//! a watcher: a watcher whose buffer fills (or who lags behind the broadcast) gets what was
//! buffered and then RESOURCE_EXHAUSTED. A watch never ends as if complete: when the server shuts down, or
//! when the notification connection was lost (changes may have been missed), it ends with
//! UNAVAILABLE, so the client watches again and catches up with `ListEventHistory`.
//!
//! Each change streamed carries a cursor, its `change_time` (stamped by the database when
//! the outcome was recorded). A watch resuming after a cursor subscribes to the live changes,
//! then replays from the deliveries table every delivery of its target changed since the
//! cursor (less `REPLAY_MARGIN`, since a change is stamped before its commit and commits end
//! out of order), then goes on with the live changes, skipping those the replay sent.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{convert, ResponseStream};
use crate::error::ApiError;
use crate::model::{DeliveryStatus, Scope};
use crate::pb;
use crate::storage::history::Replay;
use crate::storage::notify::DELIVERY_CHANNEL;
use crate::storage::watched::Watched;
use crate::storage::{notify, Storage};

/// Changes held for all watchers of a process before slow ones lag.
const BROADCAST_CAPACITY: usize = 8192;

/// What the hub broadcasts.
#[derive(Debug, Clone)]
enum HubEvent {
    /// A delivery changed.
    Change(Arc<Watched>),
    /// The notification connection came back after a loss: changes may have been missed.
    Gap,
}

/// The per-process source of delivery state changes. It listens only while it has
/// watchers: outcomes are notified only while some process listens (its connection holds
/// `notify::WATCH_LOCK`), so a server nobody watches pays nothing for watching.
#[derive(Clone)]
pub struct WatchHub {
    storage: Storage,
    tx: broadcast::Sender<HubEvent>,
    shutdown: CancellationToken,
    buffer: usize,
    /// The listening session the current watchers share, if any.
    session: Arc<Mutex<Weak<Session>>>,
}

/// What a watcher wants to see.
#[derive(Debug, Clone)]
pub struct WatchFilter {
    /// One webhook, or
    pub webhook_id: Option<Uuid>,
    /// every webhook on this scope and below.
    pub scope: Scope,
    /// Any of these names; empty for all.
    pub event_types: Vec<String>,
    /// This state; `None` for all.
    pub status: Option<DeliveryStatus>,
    /// Any of these codes; empty for all.
    pub status_codes: Vec<i32>,
}

impl WatchFilter {
    fn matches(&self, w: &Watched) -> bool {
        let d = &w.delivery;
        self.webhook_id.is_none_or(|id| id == d.webhook_id)
            && self.scope.contains(&w.scope())
            && (self.event_types.is_empty() || self.event_types.contains(&d.event_type))
            && self.status.is_none_or(|s| s == d.status)
            && (self.status_codes.is_empty() || self.status_codes.contains(&d.status_code))
    }
}

/// A listening connection held open by its watchers; closed when the last one leaves.
struct Session {
    stop: CancellationToken,
    /// Whether its `LISTEN` is in place (changes committed from then on reach watchers).
    listening: watch::Receiver<bool>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Taken once listening: from then on, outcomes recorded anywhere are notified.
static HOLD_WATCH_LOCK: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT pg_advisory_lock_shared({})", notify::WATCH_LOCK));

/// How long a new watch waits for its listening connection before it fails UNAVAILABLE.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// How far before its cursor a resuming watch replays. A change is stamped inside its
/// record statement and committed right after (with its notification, asynchronously
/// flushed); a change committed after the cursor's was stamped no earlier than this before
/// it. Said in the proto (`resume_after`).
pub const REPLAY_MARGIN: Duration = Duration::from_secs(5);

/// The cursor of a change: its `change_time` in microseconds since the epoch.
pub fn cursor(change_time: Option<SystemTime>) -> String {
    change_time.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_micros().to_string()).unwrap_or_default()
}

/// The time a cursor stands for; `None` when `cursor` is not one.
pub fn parse_cursor(cursor: &str) -> Option<SystemTime> {
    if cursor.is_empty() || cursor.len() > 20 || !cursor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Up to the end of year 9999, as every timestamp the API takes.
    const LAST: u64 = 253_402_300_799_999_999;
    let micros: u64 = cursor.parse().ok().filter(|m| *m <= LAST)?;
    UNIX_EPOCH.checked_add(Duration::from_micros(micros))
}

/// What identifies a change: the delivery, its attempts and its state.
type ChangeKey = (Uuid, i32, DeliveryStatus);

fn key(w: &Watched) -> ChangeKey {
    (w.delivery.id, w.delivery.attempts, w.delivery.status)
}

/// The record a watcher is sent for a change.
fn record(w: &Watched) -> pb::DeliveryRecord {
    pb::DeliveryRecord { watch_cursor: cursor(w.change_time), ..convert::delivery(w.delivery.clone()) }
}

impl WatchHub {
    /// A hub whose watchers get at most `buffer` undelivered changes each.
    pub fn start(storage: Storage, shutdown: CancellationToken, buffer: usize) -> Self {
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        Self { storage, tx, shutdown, buffer: buffer.max(1), session: Default::default() }
    }

    /// The current listening session, opened if there is none.
    fn session(&self) -> Arc<Session> {
        let mut current = self.session.lock().expect("watch session");
        if let Some(s) = current.upgrade() {
            return s;
        }
        let stop = self.shutdown.child_token();
        let (listening_tx, listening) = watch::channel(false);
        let sender = self.tx.clone();
        let listener = notify::Listener::named(notify::WATCH_CONNECTION, Some(&HOLD_WATCH_LOCK));
        tokio::spawn(notify::listen_on(
            self.storage.clone(),
            listener,
            DELIVERY_CHANNEL,
            stop.clone(),
            move |payload| {
                let Some(payload) = payload else {
                    // In place: at first, watchers may start; after a reconnection, changes
                    // may have been missed. (No receiver is not an error: nobody is watching.)
                    if listening_tx.send_replace(true) {
                        let _ = sender.send(HubEvent::Gap);
                    }
                    return;
                };
                if sender.receiver_count() == 0 {
                    // Nobody watches here: not worth parsing.
                    return;
                }
                match serde_json::from_str::<Vec<Watched>>(payload) {
                    Ok(items) => {
                        for w in items {
                            let _ = sender.send(HubEvent::Change(Arc::new(w)));
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "unreadable delivery notification"),
                }
            },
        ));
        let session = Arc::new(Session { stop, listening });
        *current = Arc::downgrade(&session);
        session
    }

    /// A stream of the changes matching `filter` committed from now on (after the changes
    /// since `resume_after`, replayed, when given), until the client leaves, the server stops,
    /// or `ended` resolves (with the status the stream ends with). Waits until this process
    /// listens for changes: UNAVAILABLE if it cannot; FAILED_PRECONDITION when a change since
    /// `resume_after` is no longer kept.
    pub async fn watch(
        &self,
        filter: WatchFilter,
        resume_after: Option<SystemTime>,
        ended: impl std::future::Future<Output = tonic::Status> + Send + 'static,
    ) -> Result<ResponseStream<pb::DeliveryRecord>, tonic::Status> {
        let session = self.session();
        let mut listening = session.listening.clone();
        match tokio::time::timeout(LISTEN_TIMEOUT, listening.wait_for(|l| *l)).await {
            Ok(Ok(_)) => {}
            _ => {
                return Err(tonic::Status::unavailable(
                    "cannot listen for delivery changes (the database is unreachable); try again",
                ))
            }
        }
        // Subscribed before the replay is read: a change committed meanwhile is in one or both.
        let changes = self.tx.subscribe();
        let replay = match resume_after {
            None => None,
            Some(after) => {
                let since = after.checked_sub(REPLAY_MARGIN).unwrap_or(UNIX_EPOCH);
                match self
                    .storage
                    .watch_replay(filter.webhook_id, &filter.scope, since)
                    .await
                    .map_err(ApiError::from)?
                {
                    Replay::Changes(rows) => Some(rows),
                    Replay::Pruned => {
                        return Err(ApiError::FailedPrecondition(
                            "resume_after: a delivery changed since this cursor has left its webhook's history, \
                             so a replay would miss it; watch without resume_after and catch up with \
                             ListEventHistory"
                                .into(),
                        )
                        .into())
                    }
                }
            }
        };
        Ok(self.stream(filter, changes, replay, ended, session))
    }

    /// A stream of the changes matching `filter`, until the client leaves, the server stops,
    /// or `ended` resolves (with the status the stream ends with).
    fn stream(
        &self,
        filter: WatchFilter,
        mut changes: broadcast::Receiver<HubEvent>,
        replay: Option<mpsc::Receiver<Result<Watched, crate::storage::StorageError>>>,
        ended: impl std::future::Future<Output = tonic::Status> + Send + 'static,
        session: Arc<Session>,
    ) -> ResponseStream<pb::DeliveryRecord> {
        let (tx, rx) = mpsc::channel(self.buffer);
        let (fail_tx, fail_rx) = oneshot::channel::<tonic::Status>();
        let shutdown = self.shutdown.clone();
        let buffer = self.buffer;
        tokio::spawn(async move {
            // Held while this watcher runs.
            let _session = session;
            let overflow = |why: String| {
                tonic::Status::resource_exhausted(format!(
                    "watcher fell behind ({why}); the stream was ended so deliveries are not slowed: \
                     read faster, narrow the filter, or use ListEventHistory to catch up"
                ))
            };
            let unavailable = |why: &str| {
                tonic::Status::unavailable(format!(
                    "{why}; watch again and catch up on what you missed with ListEventHistory"
                ))
            };
            tokio::pin!(ended);
            // The replay first, at the watcher's pace; live changes wait in the broadcast.
            let mut replayed: HashSet<ChangeKey> = HashSet::new();
            if let Some(mut rows) = replay {
                loop {
                    let next = tokio::select! {
                        _ = shutdown.cancelled() => {
                            let _ = fail_tx.send(unavailable("webhookd is shutting down"));
                            return;
                        }
                        status = &mut ended => {
                            let _ = fail_tx.send(status);
                            return;
                        }
                        next = rows.recv() => next,
                    };
                    let w = match next {
                        None => break,
                        Some(Ok(w)) => w,
                        Some(Err(e)) => {
                            let _ = fail_tx.send(tonic::Status::from(ApiError::from(e)));
                            return;
                        }
                    };
                    if !filter.matches(&w) {
                        continue;
                    }
                    replayed.insert(key(&w));
                    let sent = tokio::select! {
                        sent = tx.send(Ok(record(&w))) => sent,
                        status = &mut ended => {
                            let _ = fail_tx.send(status);
                            return;
                        }
                    };
                    if sent.is_err() {
                        return;
                    }
                }
            }
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => {
                        let _ = fail_tx.send(unavailable("webhookd is shutting down"));
                        return;
                    }
                    status = &mut ended => {
                        let _ = fail_tx.send(status);
                        return;
                    }
                    _ = tx.closed() => return,
                    change = changes.recv() => match change {
                        Ok(HubEvent::Gap) => {
                            let _ = fail_tx.send(unavailable("the server lost its database connection for a while, so changes may have been missed"));
                            return;
                        }
                        Ok(HubEvent::Change(w)) if filter.matches(&w) && !replayed.remove(&key(&w)) => {
                            match tx.try_send(Ok(record(&w))) {
                                Ok(()) => {}
                                Err(mpsc::error::TrySendError::Full(_)) => {
                                    let _ = fail_tx.send(overflow(format!("more than {buffer} changes unread")));
                                    return;
                                }
                                Err(mpsc::error::TrySendError::Closed(_)) => return,
                            }
                        }
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            let _ = fail_tx.send(overflow(format!("{n} changes missed")));
                            return;
                        }
                        Err(broadcast::error::RecvError::Closed) => {
                            let _ = fail_tx.send(unavailable("webhookd is shutting down"));
                            return;
                        }
                    },
                }
            }
        });
        // Buffered records first, then the error that ended the watch, if any.
        let failure = futures_util::stream::once(fail_rx).filter_map(|r| async move { r.ok().map(Err) });
        Box::pin(ReceiverStream::new(rx).chain(failure))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_to_the_microsecond_and_nothing_else_is_one() {
        let t = UNIX_EPOCH + Duration::from_micros(1_796_000_000_123_456);
        assert_eq!(cursor(Some(t)), "1796000000123456");
        assert_eq!(parse_cursor(&cursor(Some(t))), Some(t));
        assert_eq!(cursor(None), "");
        assert_eq!(parse_cursor("0"), Some(UNIX_EPOCH));
        for bad in
            ["", "abc", "-1", "+1", "1.5", " 1", "253402300800000000", "99999999999999999999", "123456789012345678901"]
        {
            assert_eq!(parse_cursor(bad), None, "{bad:?}");
        }
    }
}
