//! `LISTEN` for the engines, the watch hub and the token cache: one dedicated connection per
//! process for every channel, with reconnects. PostgreSQL wakes every listening connection
//! of a database for each notification, whatever its channel, so each connection that
//! listens costs the database a wake-up per notification.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::Storage;

/// Channel that tells delivery engines new work is due (empty payloads).
pub const DUE_CHANNEL: &str = "webhookd_due";
/// Channel carrying delivery state changes to watchers (JSON arrays of `watched::Watched`).
pub const DELIVERY_CHANNEL: &str = "webhookd_delivery";
/// `application_name` of the connection a process listens on `DELIVERY_CHANNEL` with, open
/// only while the process has watchers.
pub const WATCH_CONNECTION: &str = "webhookd watch";
/// Advisory lock that each watch connection holds shared for as long as it is open (and
/// its backend lives). Recording outcomes notifies only while someone holds it: a try of
/// the exclusive lock, released at once, tells (a lock-table probe; a recorder meeting
/// another's probe notifies for nothing, which is harmless). So deliveries nobody watches
/// cost no notification, no wake-up of listening connections and no payload to build.
pub const WATCH_LOCK: i64 = 0x7765_6268_6f6f_6b77; // "webhookw"
/// Channel that tells every replica a token was revoked (payload: the token's id), so that
/// no cached grant outlives it.
pub const TOKEN_CHANNEL: &str = "webhookd_tokens";
/// Channel a new bulk recovery is announced on, so that a replica's recovery worker starts.
pub const RECOVERY_CHANNEL: &str = "webhookd_recovery";

type Callback = Box<dyn FnMut(Option<&str>) + Send>;

/// One subscriber: its channel, its callback, and whether its `LISTEN` is in place on the
/// current connection.
struct Subscriber {
    id: u64,
    channel: &'static str,
    on_payload: Callback,
    listening: bool,
}

/// The subscribers of a process and whether the connection task runs.
#[derive(Default)]
struct State {
    subscribers: Vec<Subscriber>,
    next_id: u64,
    running: bool,
}

/// A notification connection, shared by its subscribers: it runs while any subscriber is
/// left.
#[derive(Clone, Default)]
pub(crate) struct Listener {
    state: Arc<Mutex<State>>,
    /// Tells the connection task that a subscriber came.
    changed: Arc<Notify>,
    /// The connection's `application_name`, when it is not the process's shared one.
    name: Option<&'static str>,
    /// SQL run after each `LISTEN`, in the same round trip (e.g. to take a lock the
    /// connection holds for its life).
    after_listen: Option<&'static str>,
}

impl Listener {
    /// A listener of its own, whose connection is named `name` in `pg_stat_activity` and
    /// runs `after_listen` after each `LISTEN`.
    pub(crate) fn named(name: &'static str, after_listen: Option<&'static str>) -> Self {
        Self { name: Some(name), after_listen, ..Default::default() }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("notification subscribers")
    }
}

/// Removes its subscriber when the `listen` future ends or is dropped.
struct Unsubscribe<'a>(&'a Listener, u64);

impl Drop for Unsubscribe<'_> {
    fn drop(&mut self) {
        self.0.state().subscribers.retain(|s| s.id != self.1);
        self.0.changed.notify_one();
    }
}

/// Calls `on_payload` with every notification on `channel` until `shutdown`; once its
/// `LISTEN` is in place, and again after each reconnection, it is called with `None`, since
/// notifications sent while disconnected are lost and the caller may need to catch up.
pub async fn listen(
    storage: Storage,
    channel: &'static str,
    shutdown: CancellationToken,
    on_payload: impl FnMut(Option<&str>) + Send + 'static,
) {
    let listener = storage.listener.clone();
    listen_on(storage, listener, channel, shutdown, on_payload).await
}

/// `listen`, on `listener`'s connection rather than the process's shared one.
pub(crate) async fn listen_on(
    storage: Storage,
    listener: Listener,
    channel: &'static str,
    shutdown: CancellationToken,
    on_payload: impl FnMut(Option<&str>) + Send + 'static,
) {
    let id = {
        let mut state = listener.state();
        state.next_id += 1;
        let id = state.next_id;
        state.subscribers.push(Subscriber { id, channel, on_payload: Box::new(on_payload), listening: false });
        if !std::mem::replace(&mut state.running, true) {
            tokio::spawn(run(storage.clone(), listener.clone()));
        }
        id
    };
    let _unsubscribe = Unsubscribe(&listener, id);
    listener.changed.notify_one();
    shutdown.cancelled().await;
}

/// The connection task: connects, listens on every subscriber's channel, hands out
/// notifications; reconnects with a backoff; ends when no subscriber is left.
async fn run(storage: Storage, listener: Listener) {
    let mut backoff = Duration::from_millis(100);
    loop {
        if stop_if_alone(&listener) {
            return;
        }
        match storage.dedicated(listener.name).await {
            Ok((client, mut conn)) => {
                let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
                for s in listener.state().subscribers.iter_mut() {
                    s.listening = false;
                }
                let mut listening: Vec<&'static str> = Vec::new();
                'connected: loop {
                    // Channels that subscribers want and this connection does not listen on yet.
                    let wanted: Vec<&'static str> = {
                        let state = listener.state();
                        let mut w: Vec<&'static str> =
                            state.subscribers.iter().map(|s| s.channel).filter(|c| !listening.contains(c)).collect();
                        w.dedup();
                        w
                    };
                    for channel in wanted {
                        if listening.contains(&channel) {
                            continue;
                        }
                        // The connection must be polled for the LISTEN to complete.
                        let sql = match listener.after_listen {
                            Some(after) => format!("LISTEN {channel}; {after}"),
                            None => format!("LISTEN {channel}"),
                        };
                        let mut listened = std::pin::pin!(client.batch_execute(&sql));
                        let ok = loop {
                            tokio::select! {
                                r = &mut listened => break r.is_ok(),
                                m = messages.next() => match m {
                                    Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => {
                                        deliver(&listener, n.channel(), n.payload())
                                    }
                                    Some(Ok(_)) => {}
                                    _ => break false,
                                },
                            }
                        };
                        if !ok {
                            break 'connected;
                        }
                        listening.push(channel);
                        backoff = Duration::from_millis(100);
                    }
                    // Subscribers whose channel is now listened on learn that they may catch up.
                    for s in listener.state().subscribers.iter_mut() {
                        if !s.listening && listening.contains(&s.channel) {
                            s.listening = true;
                            (s.on_payload)(None);
                        }
                    }
                    if stop_if_alone(&listener) {
                        return;
                    }
                    tokio::select! {
                        _ = listener.changed.notified() => {}
                        m = messages.next() => match m {
                            Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => {
                                deliver(&listener, n.channel(), n.payload())
                            }
                            Some(Ok(_)) => {}
                            _ => break 'connected,
                        },
                    }
                }
                tracing::warn!("notification connection lost; reconnecting");
            }
            Err(e) => tracing::warn!(error = %crate::report::chain(&e), "cannot open a notification connection"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Hands a notification to the subscribers of its channel that listen.
fn deliver(listener: &Listener, channel: &str, payload: &str) {
    for s in listener.state().subscribers.iter_mut().filter(|s| s.listening && s.channel == channel) {
        (s.on_payload)(Some(payload));
    }
}

/// Marks the task stopped when no subscriber is left (a later subscriber starts another).
fn stop_if_alone(listener: &Listener) -> bool {
    let mut state = listener.state();
    if state.subscribers.is_empty() {
        state.running = false;
        return true;
    }
    false
}
