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
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rustls::server::WebPkiClientVerifier;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Sleep;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;

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

/// Where the listener's certificate, key and optional client CA are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key of the certificate, read once at start.
    pub key: PathBuf,
    /// PEM CA certificates that client certificates must chain to (mutual TLS).
    pub client_ca: Option<PathBuf>,
}

/// Why the TLS files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("reading {0}")]
    Read(PathBuf, #[source] io::Error),
    /// A file holds no usable PEM.
    #[error("{0}: {1}")]
    Pem(PathBuf, String),
    /// rustls refused the certificate, key or CA.
    #[error("tls configuration")]
    Rustls(#[from] rustls::Error),
    /// The client CA cannot verify clients.
    #[error("--tls-client-ca")]
    ClientCa(#[from] rustls::server::VerifierBuilderError),
}

/// The listener's TLS configuration, swapped whole on [`Tls::reload`]; connections
/// already open keep the configuration they were accepted with.
#[derive(Debug, Clone)]
pub struct Tls {
    files: TlsFiles,
    current: Arc<RwLock<Arc<ServerConfig>>>,
}

impl Tls {
    /// Loads the files once; an error names the file.
    pub fn load(files: TlsFiles) -> Result<Self, TlsError> {
        let config = server_config(&files)?;
        Ok(Self { files, current: Arc::new(RwLock::new(config)) })
    }

    /// Reads the files again; on error the previous configuration stays in use.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = server_config(&self.files)?;
        *self.current.write().expect("tls config lock") = config;
        Ok(())
    }

    fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.current.read().expect("tls config lock").clone())
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| TlsError::Read(path.clone(), e))
}

fn certificates(path: &PathBuf) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(&read(path)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem(path.clone(), e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::Pem(path.clone(), "no CERTIFICATE block".into()));
    }
    Ok(certs)
}

fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certificates(&files.cert)?;
    let key = PrivateKeyDer::from_pem_slice(&read(&files.key)?)
        .map_err(|e| TlsError::Pem(files.key.clone(), format!("no private key: {e}")))?;
    let builder = ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in certificates(path)? {
                roots.add(cert)?;
            }
            builder.with_client_cert_verifier(
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build()?,
            )
        }
    };
    let mut config = builder.with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
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

/// Whether the peer's first byte opens a TLS record (a ClientHello is a handshake record,
/// type 22). A peer that sends nothing before `deadline`, or closes, is treated as TLS: the
/// handshake then fails or times out as it would have.
async fn starts_tls(tcp: &TcpStream, deadline: tokio::time::Instant) -> bool {
    let mut first = [0u8; 1];
    !matches!(tokio::time::timeout_at(deadline, tcp.peek(&mut first)).await, Ok(Ok(1)) if first[0] != 0x16)
}

/// Why a plaintext call on the TLS port fails, in the words every client shows.
const TLS_ONLY: &str = "this port accepts TLS only: address the server as https://host:port";

/// Answers a peer that speaks plaintext HTTP on the TLS port, until `deadline`: every gRPC
/// call fails with FAILED_PRECONDITION saying to use https:// (instead of a dropped
/// connection that clients report as a broken pipe and retry), anything else gets a 400
/// saying the same. The answer is fixed: nothing is read past the request's headers.
async fn answer_plaintext(tcp: TcpStream, deadline: tokio::time::Instant) {
    let service = hyper::service::service_fn(|request: http::Request<hyper::body::Incoming>| async move {
        let grpc = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/grpc"));
        let response = if grpc {
            http::Response::builder()
                .header(http::header::CONTENT_TYPE, "application/grpc")
                .header("grpc-status", (tonic::Code::FailedPrecondition as i32).to_string())
                .header("grpc-message", TLS_ONLY)
        } else {
            http::Response::builder().status(http::StatusCode::BAD_REQUEST)
        };
        let body = if grpc { bytes::Bytes::new() } else { bytes::Bytes::from_static(TLS_ONLY.as_bytes()) };
        response.body(http_body_util::Full::new(body)).map_err(io::Error::other)
    });
    let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(tcp), service);
    let _ = tokio::time::timeout_at(deadline, conn).await;
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

/// Tower layer counting each call on its connection from its request until its response
/// body ends, so that [`Conn`] knows when the connection is idle; and giving each call's
/// request `body_timeout` to arrive whole (streaming requests aside).
#[derive(Debug, Clone, Copy)]
pub struct CountCalls {
    /// Time a request has to arrive whole.
    pub body_timeout: Duration,
}

impl<S> tower_layer::Layer<S> for CountCalls {
    type Service = Counted<S>;

    fn layer(&self, inner: S) -> Counted<S> {
        Counted { inner, body_timeout: self.body_timeout }
    }
}

/// A service whose calls are counted on their connection.
#[derive(Debug, Clone)]
pub struct Counted<S> {
    inner: S,
    body_timeout: Duration,
}

/// What became of a call's request: read (or still being read), broken off by the client,
/// or not whole by its deadline.
const REQUEST_WHOLE: u8 = 0;
const REQUEST_BROKEN: u8 = 1;
const REQUEST_LATE: u8 = 2;

impl<S, ReqBody, ResBody> tower_service::Service<http::Request<ReqBody>> for Counted<S>
where
    S: tower_service::Service<http::Request<WatchedBody<ReqBody>>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<CountedBody<ResBody>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<ReqBody>) -> Self::Future {
        // A health watch is no activity: it may last for ever without using the server, so a
        // connection holding only watches is idle (closed after --idle-timeout, and the first
        // to make room at --max-connections).
        let guard = (req.uri().path() != HEALTH_WATCH)
            .then(|| req.extensions().get::<ConnInfo>().map(|c| CallGuard::open(&c.state)))
            .flatten();
        // Calls are counted only when metrics are exported: gRPC calls by method (known
        // methods only), page requests apart, by route.
        let method = if !crate::telemetry::exporting() {
            None
        } else if crate::web::is_grpc(&req) {
            Some(crate::telemetry::method_label(req.uri().path()))
        } else {
            crate::telemetry::page_requested(crate::web::route(req.uri().path()));
            None
        };
        // Counted as CANCELLED if the call is given up before it is answered, or if its
        // request could not be read to its end (the client reset it, or closed the
        // connection): whatever status the service then makes of the broken request.
        let fate = Arc::new(AtomicU8::new(REQUEST_WHOLE));
        let mut answered = Answered { done: method.is_none(), method: method.unwrap_or_default(), fate: fate.clone() };
        // A stream of requests (PublishEvents, reflection) may last: no deadline for its body.
        let deadline =
            (!crate::telemetry::streams_requests(req.uri().path())).then(|| Instant::now() + self.body_timeout);
        let body_timeout = self.body_timeout;
        let response =
            self.inner.call(req.map(|inner| WatchedBody { inner, fate, deadline, body_timeout, timer: None }));
        Box::pin(async move {
            let mut response = response.await?;
            if answered.fate.load(Ordering::Acquire) == REQUEST_LATE {
                // Whatever the layers below made of the body's failure (gRPC-Web says
                // INTERNAL), the caller learns that its request came too late.
                let status = tonic::Status::deadline_exceeded(format!(
                    "the request did not arrive whole within {body_timeout:?} (--request-body-timeout)"
                ));
                response.headers_mut().remove("grpc-status-details-bin");
                let _ = status.add_header(response.headers_mut());
            }
            // A trailers-only answer (most errors) carries its status in the headers.
            if let Some(code) = grpc_code(response.headers()) {
                answered.done(code);
            }
            Ok(response.map(|inner| CountedBody { inner, _guard: guard, answered }))
        })
    }
}

pin_project_lite::pin_project! {
    /// A request body that notes whether reading it failed (the client went away), and
    /// fails once its deadline has passed before it ended.
    pub struct WatchedBody<B> {
        #[pin]
        inner: B,
        fate: Arc<AtomicU8>,
        // When the body must have ended; `None` once it has, or for a streaming request.
        deadline: Option<Instant>,
        body_timeout: Duration,
        // Armed the first time the body is not there yet (most requests arrive with their
        // headers and never need one).
        timer: Option<Pin<Box<Sleep>>>,
    }
}

impl<B> http_body::Body for WatchedBody<B>
where
    B: http_body::Body,
    B::Error: Into<tower_http::BoxError>,
{
    type Data = B::Data;
    type Error = tower_http::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Err(e))) => {
                this.fate.store(REQUEST_BROKEN, Ordering::Release);
                Poll::Ready(Some(Err(e.into())))
            }
            Poll::Ready(None) => {
                *this.deadline = None;
                *this.timer = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
            Poll::Pending => {
                let Some(deadline) = *this.deadline else {
                    return Poll::Pending;
                };
                let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *this.deadline = None;
                *this.timer = None;
                this.fate.store(REQUEST_LATE, Ordering::Release);
                let status = tonic::Status::deadline_exceeded(format!(
                    "the request did not arrive whole within {:?} (--request-body-timeout)",
                    this.body_timeout
                ));
                Poll::Ready(Some(Err(Box::new(status))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The `grpc-status` of a header map, if it has one.
fn grpc_code(headers: &http::HeaderMap) -> Option<tonic::Code> {
    headers.get("grpc-status").map(|v| tonic::Code::from_bytes(v.as_bytes()))
}

/// Counts a call once, when its status is known (or as CANCELLED if its body is dropped
/// first); `done` from the start when metrics are not exported.
struct Answered {
    method: &'static str,
    done: bool,
    /// What became of the call's request.
    fate: Arc<AtomicU8>,
}

impl Answered {
    fn done(&mut self, code: tonic::Code) {
        if !std::mem::replace(&mut self.done, true) {
            let code = match self.fate.load(Ordering::Acquire) {
                REQUEST_BROKEN => tonic::Code::Cancelled,
                REQUEST_LATE => tonic::Code::DeadlineExceeded,
                _ => code,
            };
            crate::telemetry::grpc_answered(self.method, code);
        }
    }
}

impl Drop for Answered {
    fn drop(&mut self) {
        self.done(tonic::Code::Cancelled);
    }
}

pin_project_lite::pin_project! {
    /// A response body that ends its call's count when dropped, and counts the call's
    /// gRPC status in the metrics when its trailers pass.
    pub struct CountedBody<B> {
        #[pin]
        inner: B,
        _guard: Option<CallGuard>,
        answered: Answered,
    }
}

impl<B: http_body::Body> http_body::Body for CountedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = this.inner.poll_frame(cx);
        if let Poll::Ready(Some(Ok(f))) = &frame {
            if let Some(code) = f.trailers_ref().and_then(grpc_code) {
                this.answered.done(code);
            }
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
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
