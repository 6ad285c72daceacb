//! Calls on a connection: each counted from its request until its response body ends (so
//! that the connection knows when it is idle), given `--request-body-timeout` to arrive
//! whole, and counted in the metrics by method and code (a call the client broke off as
//! `Cancelled`).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::time::Sleep;

use super::{CallGuard, ConnInfo, HEALTH_WATCH};

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
