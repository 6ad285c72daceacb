//! Deadlines reported as DEADLINE_EXCEEDED for every call, raw stubs included, as grpc-core
//! and Connect report them. tonic's channel keeps a call's deadline (its `grpc-timeout`) but
//! fails it with a transport error that tonic turns into CANCELLED "Timeout expired", the
//! code of a call its caller cancelled.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tonic::body::Body;
use tonic::codegen::{http, Service};

/// A transport (a `Channel`) whose calls that outlive their deadline fail with
/// DEADLINE_EXCEEDED.
#[derive(Debug, Clone)]
pub struct Deadline<S> {
    inner: S,
}

impl<S> Deadline<S> {
    /// `inner`, its expired deadlines reported as such.
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

impl<S, B> Service<http::Request<B>> for Deadline<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>>,
    S::Error: std::error::Error + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let response = self.inner.call(request);
        Box::pin(async move {
            match response.await {
                Err(e) if expired(&e) => {
                    Ok(tonic::Status::deadline_exceeded("the call's deadline passed before an answer").into_http())
                }
                answered => answered,
            }
        })
    }
}

/// Whether `e` is (or was caused by) a deadline that passed.
fn expired(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut at = Some(e);
    while let Some(e) = at {
        if e.is::<tonic::TimeoutExpired>() {
            return true;
        }
        at = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::expired;

    #[derive(Debug)]
    struct Wrapping(tonic::TimeoutExpired);

    impl std::fmt::Display for Wrapping {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("transport error")
        }
    }

    impl std::error::Error for Wrapping {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn an_expired_deadline_is_found_in_the_error_chain_and_nothing_else_is_one() {
        assert!(expired(&tonic::TimeoutExpired(())));
        assert!(expired(&Wrapping(tonic::TimeoutExpired(()))));
        assert!(!expired(&std::io::Error::other("connection reset")));
    }
}
