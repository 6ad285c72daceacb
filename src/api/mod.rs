//! gRPC handlers. They validate, authorize, and call storage or the delivery handle; no SQL here.

pub mod admin;
pub mod audit;
pub mod convert;
pub mod history;
pub mod ingest;
pub mod page;
pub mod recovery;
pub mod tokens;
pub mod validate;
pub mod watch;

use std::pin::Pin;
use std::time::Duration;

use futures_util::{Stream, StreamExt};

/// A server stream of `T`.
pub type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, tonic::Status>> + Send + 'static>>;

/// The deadline a caller sent in `grpc-timeout` (up to 8 digits and a unit: H, M, S, m, u, n).
pub fn deadline(metadata: &tonic::metadata::MetadataMap) -> Option<Duration> {
    let value = metadata.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// `stream`, ended with DEADLINE_EXCEEDED when the caller's deadline passes. tonic applies
/// `grpc-timeout` only until a response's headers, so a server stream (a watch) would
/// otherwise outlive the deadline its caller set.
pub fn within_deadline<T: Send + 'static>(stream: ResponseStream<T>, deadline: Option<Duration>) -> ResponseStream<T> {
    let Some(deadline) = deadline else { return stream };
    let at = tokio::time::Instant::now() + deadline;
    let expired = futures_util::stream::once(async move {
        (tokio::time::Instant::now() >= at).then(|| Err(tonic::Status::deadline_exceeded("the call's deadline passed")))
    })
    .filter_map(std::future::ready);
    Box::pin(stream.take_until(tokio::time::sleep_until(at)).chain(expired))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse() {
        let at = |v: &str| {
            let mut m = tonic::metadata::MetadataMap::new();
            m.insert("grpc-timeout", v.parse().unwrap());
            deadline(&m)
        };
        assert_eq!(at("300m"), Some(Duration::from_millis(300)));
        assert_eq!(at("5S"), Some(Duration::from_secs(5)));
        assert_eq!(at("2M"), Some(Duration::from_secs(120)));
        assert_eq!(at("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(at("99999999n"), Some(Duration::from_nanos(99_999_999)));
        for bad in ["", "m", "123456789m", "5x", "-1S"] {
            assert_eq!(at(bad), None, "{bad:?}");
        }
        assert_eq!(deadline(&tonic::metadata::MetadataMap::new()), None);
    }
}
