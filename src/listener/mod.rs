//! The gRPC listener's edge: which connections get in, how long they may take to speak,
//! how long they may stay idle, and TLS (reloadable without a restart).
//!
//! tonic serves what [`incoming`] yields. Each accepted socket gets TCP keepalive and
//! no Nagle delay, takes one of `--max-connections` slots (a connection beyond them is
//! answered with an HTTP/2 GOAWAY saying why and closed), finishes its TLS handshake
//! and the HTTP/2 preface within `--handshake-timeout`, and is closed once it has had no
//! call in flight for `--idle-timeout`. Calls are counted by [`CountCalls`]. Plaintext
//! sent to a TLS port is answered with an error saying to use `https://`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Sleep;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;

mod calls;
mod tls;

pub use calls::{CountCalls, Counted};
use tls::{answer_plaintext, starts_tls};
pub use tls::{Tls, TlsError, TlsFiles};

/// The path of `grpc.health.v1.Health/Watch`.
const HEALTH_WATCH: &str = "/grpc.health.v1.Health/Watch";

/// The HTTP/2 client preface every gRPC connection starts with.
const PREFACE_LEN: u64 = 24;

/// How connections are admitted and kept.
#[derive(Debug, Clone)]
pub struct EdgeSettings {
    /// Connections open at once; more are refused.
    pub max_connections: usize,
    /// Time to finish the TLS handshake and send the HTTP/2 preface.
    pub handshake_timeout: Duration,
    /// A connection with no call in flight this long is closed; zero keeps it.
    pub idle_timeout: Duration,
    /// Idle time before TCP keepalive probes start.
    pub tcp_keepalive: Duration,
}

/// Accepts connections on `listener` until `stop` fires, yielding them to tonic.
pub fn incoming(
    listener: TcpListener,
    settings: EdgeSettings,
    tls: Option<Tls>,
    stop: CancellationToken,
) -> ReceiverStream<Result<Conn, io::Error>> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(settings.max_connections));
        let open = Registry::default();
        let mut refused: u64 = 0;
        loop {
            let (tcp, peer) = tokio::select! {
                _ = stop.cancelled() => return,
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors, most likely: wait a little instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            // At the limit, the connection idle longest (no call in flight; health watches do
            // not count) makes room: peers holding connections without using them cannot
            // lock a caller out. Only when every connection has a call in flight is the new
            // one refused.
            let slot = match slots.clone().try_acquire_owned() {
                Ok(slot) => Some(slot),
                Err(_) if open.evict_idlest() => None,
                Err(_) => {
                    refused += 1;
                    if refused.is_power_of_two() {
                        tracing::warn!(
                            %peer, refused, max_connections = settings.max_connections,
                            "connection refused: --max-connections reached, every connection busy"
                        );
                    }
                    refuse(&tcp, tls.is_none());
                    continue;
                }
            };
            let state = open.add();
            let slots = slots.clone();
            let _ = tcp.set_nodelay(true);
            let keepalive = socket2::TcpKeepalive::new()
                .with_time(settings.tcp_keepalive)
                .with_interval(settings.tcp_keepalive / 4 + Duration::from_secs(1));
            let _ = socket2::SockRef::from(&tcp).set_tcp_keepalive(&keepalive);
            let (tx, tls, settings) = (tx.clone(), tls.clone(), settings.clone());
            // Handshakes run beside the accept loop, so a slow one delays nobody else.
            tokio::spawn(async move {
                let slot = match slot {
                    Some(slot) => slot,
                    // The evicted connection frees its slot as soon as it is closed.
                    None => match tokio::time::timeout(EVICTION_WAIT, slots.acquire_owned()).await {
                        Ok(Ok(slot)) => slot,
                        _ => {
                            refuse(&tcp, tls.is_none());
                            return;
                        }
                    },
                };
                let deadline = tokio::time::Instant::now() + settings.handshake_timeout;
                let io: Pin<Box<dyn Io>> = match tls {
                    None => Box::pin(tcp),
                    Some(_) if !starts_tls(&tcp, deadline).await => {
                        tracing::debug!(%peer, "plaintext on the TLS port: told to use https://");
                        answer_plaintext(tcp, deadline).await;
                        return;
                    }
                    Some(tls) => match tokio::time::timeout_at(deadline, tls.acceptor().accept(tcp)).await {
                        Ok(Ok(stream)) => Box::pin(stream),
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "tls handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "tls handshake timed out");
                            return;
                        }
                    },
                };
                let conn = Conn {
                    io,
                    info: ConnInfo { remote: peer, state },
                    read: 0,
                    preface_deadline: Some(Box::pin(tokio::time::sleep_until(deadline))),
                    idle: (!settings.idle_timeout.is_zero())
                        .then(|| (settings.idle_timeout, Box::pin(tokio::time::sleep(settings.idle_timeout)))),
                    _slot: slot,
                };
                let _ = tx.send(Ok(conn)).await;
            });
        }
    });
    ReceiverStream::new(rx)
}

/// An empty SETTINGS frame (the server preface) and a GOAWAY (ENHANCE_YOUR_CALM, last
/// stream 0) whose debug data says why, so an HTTP/2 client reports the reason.
fn refusal() -> Vec<u8> {
    let why = b"webhookd: connection limit reached (--max-connections); retry later";
    let mut frames = vec![0, 0, 0, 0x4, 0, 0, 0, 0, 0];
    let len = (8 + why.len()) as u32;
    frames.extend_from_slice(&len.to_be_bytes()[1..]);
    frames.extend_from_slice(&[0x7, 0, 0, 0, 0, 0]);
    frames.extend_from_slice(&0u32.to_be_bytes());
    frames.extend_from_slice(&0xbu32.to_be_bytes());
    frames.extend_from_slice(why);
    frames
}

/// Answers a connection beyond the limit and closes it, without waiting on it: over
/// plaintext the GOAWAY is written if the socket takes it at once; over TLS it is just
/// closed (a handshake would spend what the limit protects).
fn refuse(tcp: &TcpStream, plaintext: bool) {
    if plaintext {
        let _ = tcp.try_write(&refusal());
    }
}

/// Anything a connection can run over.
pub trait Io: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> Io for T {}

/// How long a new connection waits for the slot of the connection it evicted.
const EVICTION_WAIT: Duration = Duration::from_secs(2);

/// The open connections' states, to find the one idle longest when the limit is reached.
#[derive(Default)]
struct Registry(std::sync::Mutex<Vec<std::sync::Weak<ConnState>>>);

impl Registry {
    /// The state of a new connection, registered.
    fn add(&self) -> Arc<ConnState> {
        let state = Arc::new(ConnState::default());
        let mut open = self.0.lock().expect("connection registry");
        open.retain(|w| w.strong_count() > 0);
        open.push(Arc::downgrade(&state));
        state
    }

    /// Asks the connection idle longest (no call in flight, not already leaving) to close;
    /// whether there was one.
    fn evict_idlest(&self) -> bool {
        let open = self.0.lock().expect("connection registry");
        let idlest = open
            .iter()
            .filter_map(std::sync::Weak::upgrade)
            .filter(|s| !s.evicted.load(Ordering::Acquire))
            .filter_map(|s| s.idle_start().map(|since| (since, s)))
            .min_by_key(|(since, _)| *since);
        match idlest {
            Some((_, state)) => {
                state.evicted.store(true, Ordering::Release);
                state.waker.wake();
                true
            }
            None => false,
        }
    }
}

/// Calls in flight on one connection, and since when it has had none.
#[derive(Debug)]
pub struct ConnState {
    active: AtomicUsize,
    idle_since: AtomicU64,
    epoch: Instant,
    /// Set to make room for a new connection: the connection closes at its next poll.
    evicted: std::sync::atomic::AtomicBool,
    /// Wakes the connection's reader to see `evicted`.
    waker: futures_util::task::AtomicWaker,
}

impl Default for ConnState {
    fn default() -> Self {
        Self {
            active: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            epoch: Instant::now(),
            evicted: Default::default(),
            waker: Default::default(),
        }
    }
}

impl ConnState {
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Since when the connection has had no call in flight, or `None` while a call runs.
    fn idle_start(&self) -> Option<Instant> {
        (self.active.load(Ordering::Acquire) == 0)
            .then(|| self.epoch + Duration::from_millis(self.idle_since.load(Ordering::Acquire)))
    }

    /// When the connection will have been idle long enough, or `None` while a call runs.
    fn idle_deadline(&self, idle: Duration) -> Option<Instant> {
        (self.active.load(Ordering::Acquire) == 0)
            .then(|| self.epoch + Duration::from_millis(self.idle_since.load(Ordering::Acquire)) + idle)
    }
}

/// What tonic puts in each request's extensions about its connection.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// The peer's address.
    pub remote: SocketAddr,
    state: Arc<ConnState>,
}

/// An accepted connection, holding its slot until it closes.
pub struct Conn {
    io: Pin<Box<dyn Io>>,
    info: ConnInfo,
    read: u64,
    preface_deadline: Option<Pin<Box<Sleep>>>,
    idle: Option<(Duration, Pin<Box<Sleep>>)>,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl Connected for Conn {
    type ConnectInfo = ConnInfo;

    fn connect_info(&self) -> ConnInfo {
        self.info.clone()
    }
}

impl Conn {
    /// Ends reading with an error once the preface is late or the connection has been idle
    /// too long. HTTP/2 always has a read pending, so the timers are polled.
    fn poll_limits(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        self.info.state.waker.register(cx.waker());
        if self.info.state.evicted.load(Ordering::Acquire) {
            tracing::debug!(remote = %self.info.remote, "closing an idle connection to make room for a new one");
            return Some(io::Error::new(io::ErrorKind::ConnectionAborted, "idle connection closed for a new one"));
        }
        if let Some(deadline) = &mut self.preface_deadline {
            if self.read >= PREFACE_LEN {
                self.preface_deadline = None;
            } else if deadline.as_mut().poll(cx).is_ready() {
                tracing::debug!(remote = %self.info.remote, "closing a connection that sent no HTTP/2 preface in time");
                return Some(io::Error::new(io::ErrorKind::TimedOut, "no HTTP/2 preface in time"));
            }
        }
        if let Some((idle, sleep)) = &mut self.idle {
            loop {
                let due = self.info.state.idle_deadline(*idle).unwrap_or_else(|| Instant::now() + *idle);
                if sleep.deadline().into_std() != due {
                    sleep.as_mut().reset(due.into());
                }
                if sleep.as_mut().poll(cx).is_pending() {
                    break;
                }
                if self.info.state.idle_deadline(*idle).is_some_and(|d| d <= Instant::now()) {
                    tracing::debug!(remote = %self.info.remote, "closing an idle connection");
                    // An error, not EOF: h2 answers a read EOF by waiting for the peer.
                    return Some(io::Error::new(io::ErrorKind::TimedOut, "idle connection closed"));
                }
            }
        }
        None
    }
}

impl AsyncRead for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(end) = this.poll_limits(cx) {
            return Poll::Ready(Err(end));
        }
        let before = buf.filled().len();
        let r = this.io.as_mut().poll_read(cx, buf);
        this.read += (buf.filled().len() - before) as u64;
        r
    }
}

impl AsyncWrite for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().io.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io.as_mut().poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().io.as_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// Marks a call in flight on its connection until dropped.
struct CallGuard(Arc<ConnState>);

impl CallGuard {
    fn open(state: &Arc<ConnState>) -> Self {
        state.active.fetch_add(1, Ordering::AcqRel);
        Self(state.clone())
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.0.idle_since.store(self.0.now(), Ordering::Release);
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_settings_frame_then_a_goaway() {
        let f = refusal();
        assert_eq!(&f[..9], &[0, 0, 0, 4, 0, 0, 0, 0, 0], "empty SETTINGS on stream 0");
        let len = u32::from_be_bytes([0, f[9], f[10], f[11]]) as usize;
        assert_eq!((f[12], f.len()), (7, 18 + len), "GOAWAY carrying the rest");
        assert_eq!(u32::from_be_bytes(f[22..26].try_into().unwrap()), 0xb, "ENHANCE_YOUR_CALM");
        assert!(String::from_utf8_lossy(&f[26..]).contains("--max-connections"));
    }

    #[test]
    fn idle_deadline_waits_for_calls_to_end() {
        let state = Arc::new(ConnState::default());
        let idle = Duration::from_secs(60);
        assert!(state.idle_deadline(idle).is_some());
        let call = CallGuard::open(&state);
        assert_eq!(state.idle_deadline(idle), None, "not idle during a call");
        drop(call);
        let due = state.idle_deadline(idle).unwrap();
        assert!(due > Instant::now() + Duration::from_secs(59), "idle time counts from the call's end");
    }
}
