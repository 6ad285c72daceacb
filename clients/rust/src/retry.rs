//! Deadlines and retries: every call the [`Client`](crate::Client) makes for you runs within
//! its deadline and, when safe to repeat, is retried on `UNAVAILABLE` and on a broken or
//! closed connection (see [`is_retryable`]) with exponential backoff and jitter.

use std::future::Future;
use std::time::{Duration, Instant};

use tonic::{Code, Status};

/// How calls that are safe to repeat are retried when the server is unavailable.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; `1` never retries. The deadline bounds them too.
    pub max_attempts: u32,
    /// Wait before the first retry; each later wait doubles, up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Up to 10 attempts, waiting about 100 ms, 200 ms, 400 ms, … up to 5 s between them.
    fn default() -> Self {
        Self { max_attempts: 10, initial_backoff: Duration::from_millis(100), max_backoff: Duration::from_secs(5) }
    }
}

impl RetryPolicy {
    /// Never retries.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The wait after failed attempt `attempt` (1 for the first): the doubled backoff, capped,
    /// times a factor between 0.5 and 1 drawn from `unit` (in `[0, 1)`), so that many clients
    /// that failed together do not retry together.
    pub fn backoff(&self, attempt: u32, unit: f64) -> Duration {
        let doubled = self.initial_backoff.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        doubled.min(self.max_backoff).mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }
}

/// Whether a failed call may be sent again: the server was unreachable or shutting down, or
/// the connection broke or went away under the call — a restart's GOAWAY, a refused stream
/// (REFUSED_STREAM), a reset, a closed connection. tonic reports those as UNKNOWN, INTERNAL
/// ("h2 protocol error") or CANCELLED ("operation was canceled") with the transport's error
/// as their source; a status the server itself sent has none, and is never retried (nor is a
/// call the caller gave up: its future is dropped), nor is a failure of the client's TLS
/// set-up ([`tls_problem`](crate::tls_problem)). Only for calls that are safe to repeat.
pub fn is_retryable(status: &Status) -> bool {
    if crate::tls_problem(status).is_some() {
        return false;
    }
    match status.code() {
        Code::Unavailable => true,
        Code::Unknown | Code::Internal | Code::Cancelled => std::error::Error::source(status).is_some(),
        _ => false,
    }
}

/// Runs `call` until it succeeds, fails for good, runs out of attempts or passes `deadline`.
/// `call` gets the time left, to send as the attempt's own deadline (`grpc-timeout`).
pub(crate) async fn with_retries<T, F, Fut>(policy: &RetryPolicy, deadline: Duration, mut call: F) -> Result<T, Status>
where
    F: FnMut(Duration) -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    let start = Instant::now();
    let exceeded = || Status::deadline_exceeded(format!("the call's deadline of {deadline:?} passed"));
    let mut attempt = 0;
    loop {
        attempt += 1;
        let left = deadline.checked_sub(start.elapsed()).filter(|d| !d.is_zero()).ok_or_else(exceeded)?;
        let status = match tokio::time::timeout(left, call(left)).await {
            Err(_) => return Err(exceeded()),
            Ok(Ok(v)) => return Ok(v),
            // tonic reports its own enforcement of the attempt's grpc-timeout as CANCELLED.
            Ok(Err(status)) if status.code() == Code::Cancelled && start.elapsed() >= deadline => {
                return Err(exceeded())
            }
            Ok(Err(status)) => status,
        };
        if let Some(problem) = crate::tls_problem(&status) {
            return Err(Status::unavailable(problem));
        }
        if !is_retryable(&status) || attempt >= policy.max_attempts {
            return Err(status);
        }
        let wait = policy.backoff(attempt, fastrand::f64());
        if start.elapsed() + wait >= deadline {
            // Retrying was stopped by the deadline, not by the error.
            return Err(Status::deadline_exceeded(format!(
                "the call's deadline of {deadline:?} passed; last error: {}: {}",
                status.code(),
                status.message()
            )));
        }
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_between_half_and_whole() {
        let p = RetryPolicy::default();
        let ms = |d: Duration| d.as_millis();
        for (attempt, unit, want) in [
            (1, 0.0, 50),
            (1, 1.0, 100),
            (2, 1.0, 200),
            (3, 0.5, 300),
            (6, 1.0, 3200),
            (7, 1.0, 5000),
            (7, 0.0, 2500),
            (40, 1.0, 5000),
        ] {
            assert_eq!(ms(p.backoff(attempt, unit)), want, "attempt {attempt}, unit {unit}");
        }
    }

    #[test]
    fn only_unavailable_and_broken_connections_are_retried() {
        assert!(is_retryable(&Status::unavailable("down")));
        assert!(!is_retryable(&Status::unknown("a handler's own error")));
        for code in
            [Code::InvalidArgument, Code::DeadlineExceeded, Code::Internal, Code::ResourceExhausted, Code::Cancelled]
        {
            assert!(!is_retryable(&Status::new(code, "x")), "a status the server sent: {code:?}");
        }
        // What tonic makes of a connection that went away under a call (its transport error
        // as the source), as a restart produces them.
        for (code, message) in [
            (Code::Internal, "h2 protocol error: error reading a body from connection"),
            (Code::Cancelled, "operation was canceled"),
            (Code::Unknown, "transport error"),
        ] {
            let mut s = Status::new(code, message);
            s.set_source(std::sync::Arc::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset)));
            assert!(is_retryable(&s), "{code:?}");
        }
        let mut refused = Status::new(Code::InvalidArgument, "x");
        refused.set_source(std::sync::Arc::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset)));
        assert!(!is_retryable(&refused), "never a refusal");
    }

    #[tokio::test]
    async fn retries_until_success_and_gives_up_after_max_attempts() {
        let policy = RetryPolicy { initial_backoff: Duration::from_millis(1), ..RetryPolicy::default() };
        let mut calls = 0;
        let got = with_retries(&policy, Duration::from_secs(5), |_| {
            calls += 1;
            let n = calls;
            async move {
                if n < 3 {
                    Err(Status::unavailable("down"))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(got.unwrap(), 3);
        let mut calls = 0;
        let got: Result<(), _> = with_retries(&policy, Duration::from_secs(5), |_| {
            calls += 1;
            async { Err(Status::unavailable("down")) }
        })
        .await;
        assert_eq!((got.unwrap_err().code(), calls), (Code::Unavailable, 10));
        let mut calls = 0;
        let got: Result<(), _> = with_retries(&policy, Duration::from_secs(5), |_| {
            calls += 1;
            async { Err(Status::invalid_argument("x")) }
        })
        .await;
        assert_eq!((got.unwrap_err().code(), calls), (Code::InvalidArgument, 1));
    }

    #[tokio::test]
    async fn a_call_that_outlives_its_deadline_is_deadline_exceeded() {
        let got: Result<(), _> = with_retries(&RetryPolicy::default(), Duration::from_millis(50), |_| async {
            std::future::pending::<()>().await;
            Ok(())
        })
        .await;
        assert_eq!(got.unwrap_err().code(), Code::DeadlineExceeded);
    }
}
