//! `ApiError`, the one error type of the gRPC layer, and its single conversion into `tonic::Status`.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::report::chain;
use crate::storage::webhooks::QuotaExceeded;
use crate::storage::StorageError;

/// What a gRPC handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A request field is invalid.
    #[error("{field}: {reason}")]
    InvalidArgument {
        /// The field, as named in the proto (dotted for nested fields).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Several request fields are invalid: each is named (the message names the first and
    /// counts the rest; the BadRequest details list every one).
    #[error("{}", invalid_fields_message(.0))]
    InvalidFields(Vec<(String, String)>),
    /// A field is too large.
    #[error("{field}: {reason}")]
    TooLarge {
        /// The field.
        field: String,
        /// By how much.
        reason: String,
    },
    /// The resource does not exist (or the caller may not know it does).
    #[error("{0}")]
    NotFound(String),
    /// The resource exists already.
    #[error("{0}")]
    AlreadyExists(String),
    /// The caller's token does not allow this.
    #[error("{0}")]
    PermissionDenied(String),
    /// No valid token.
    #[error("{0}")]
    Unauthenticated(String),
    /// A quota is used up; the message names it and the flag that sets it.
    #[error("{0}")]
    QuotaExceeded(String),
    /// The system is not in a state that allows this.
    #[error("{0}")]
    FailedPrecondition(String),
    /// The server is shutting down or overloaded.
    #[error("{0}")]
    Unavailable(String),
    /// Something failed inside; logged, never shown.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// An INVALID_ARGUMENT naming `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidArgument { field: field.into(), reason: reason.into() }
    }

    /// UNAVAILABLE for a database that cannot be reached (`e`, logged here), so that
    /// callers retry.
    pub fn database_unavailable(e: &StorageError) -> Self {
        tracing::warn!(error = %chain(e), "database unavailable");
        Self::Unavailable(DATABASE_UNAVAILABLE.into())
    }

    /// The error of a storage failure shared by several callers (a group commit), which
    /// logged an unavailable database once for all of them.
    pub fn from_shared(e: std::sync::Arc<StorageError>) -> Self {
        if e.is_unavailable() {
            Self::Unavailable(DATABASE_UNAVAILABLE.into())
        } else {
            Self::Internal(Box::new(SharedError(e)))
        }
    }
}

const DATABASE_UNAVAILABLE: &str = "the database is unavailable; retry shortly";

/// One storage failure reported to every caller of a group.
#[derive(Debug)]
struct SharedError(std::sync::Arc<StorageError>);

impl std::fmt::Display for SharedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SharedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(self.0.as_ref())
    }
}

impl From<crate::body::PayloadError> for ApiError {
    fn from(e: crate::body::PayloadError) -> Self {
        ApiError::invalid("payload", e.to_string())
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(what) => ApiError::AlreadyExists(format!("{what} already exists")),
            StorageError::Quota(QuotaExceeded::Company(n)) => ApiError::QuotaExceeded(format!(
                "this company has {n} webhooks (its projects' included), the most allowed (--max-webhooks-per-company)"
            )),
            StorageError::Quota(QuotaExceeded::Project(n)) => ApiError::QuotaExceeded(format!(
                "this project has {n} webhooks, the most allowed (--max-webhooks-per-project)"
            )),
            StorageError::NoValueToKeep(name) => ApiError::invalid(
                "custom_headers",
                format!("sensitive header {} has no value: give one (this webhook has none to keep)", echo(&name)),
            ),
            e if e.is_unavailable() => ApiError::database_unavailable(&e),
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

fn invalid_fields_message(violations: &[(String, String)]) -> String {
    match violations {
        [] => "invalid request".into(),
        [(field, reason)] => format!("{field}: {reason}"),
        [(field, reason), rest @ ..] => {
            let others: Vec<&str> = rest.iter().map(|(f, _)| f.as_str()).collect();
            format!("{field}: {reason} (and {} more: {})", rest.len(), others.join(", "))
        }
    }
}

/// Collects the invalid fields of one request, so that the caller learns of every one at
/// once rather than one round trip at a time.
#[derive(Debug, Default)]
pub struct Violations(Vec<(String, String)>);

impl Violations {
    /// `result`'s value, or `None` once its field errors are noted; any other error is
    /// returned at once.
    pub fn check<T>(&mut self, result: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
        match result {
            Ok(v) => Ok(Some(v)),
            Err(ApiError::InvalidArgument { field, reason }) => {
                self.0.push((field, reason));
                Ok(None)
            }
            Err(ApiError::InvalidFields(more)) => {
                self.0.extend(more);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Done checking: INVALID_ARGUMENT naming every field noted, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.0.len() {
            0 => Ok(()),
            1 => {
                let (field, reason) = self.0.into_iter().next().expect("one");
                Err(ApiError::InvalidArgument { field, reason })
            }
            _ => Err(ApiError::InvalidFields(self.0)),
        }
    }
}

/// Longest piece of caller input repeated in an error message, in characters.
pub const ECHO_CHARS: usize = 64;

/// `value` quoted for an error message, cut to [`ECHO_CHARS`] characters with an ellipsis,
/// so that a huge input does not come back whole in the message and its details.
pub fn echo(value: &str) -> String {
    match value.char_indices().nth(ECHO_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Self {
        let message = e.to_string();
        match e {
            ApiError::InvalidArgument { field, reason } => Status::with_error_details(
                Code::InvalidArgument,
                message,
                ErrorDetails::with_bad_request_violation(field, reason),
            ),
            ApiError::InvalidFields(violations) => {
                let mut details = ErrorDetails::new();
                for (field, reason) in violations {
                    details.add_bad_request_violation(field, reason);
                }
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            ApiError::TooLarge { field, reason } => Status::with_error_details(
                Code::ResourceExhausted,
                message,
                ErrorDetails::with_bad_request_violation(field, reason),
            ),
            ApiError::NotFound(_) => Status::not_found(message),
            ApiError::AlreadyExists(_) => Status::already_exists(message),
            ApiError::PermissionDenied(_) => Status::permission_denied(message),
            ApiError::Unauthenticated(_) => Status::unauthenticated(message),
            ApiError::FailedPrecondition(_) => Status::failed_precondition(message),
            ApiError::QuotaExceeded(_) => Status::with_error_details(
                Code::ResourceExhausted,
                message.clone(),
                ErrorDetails::with_quota_failure_violation("webhooks", message),
            ),
            ApiError::Unavailable(_) => Status::unavailable(message),
            ApiError::Internal(source) => {
                tracing::error!(error = %chain(source.as_ref()), "internal error");
                Status::internal(message)
            }
        }
    }
}

/// The answer to a call whose handler panicked: INTERNAL with a generic message, as for any
/// internal error (the panic is logged, without its payload, which might hold caller input),
/// never a reset stream. Installed with `tower_http`'s catch-panic layer.
pub fn internal_on_panic(
    _panic: Box<dyn std::any::Any + Send + 'static>,
) -> http::Response<http_body_util::Full<bytes::Bytes>> {
    tracing::error!("a request handler panicked; answered INTERNAL");
    Status::internal(ApiError::Internal("a request handler panicked".into()).to_string()).into_http()
}

/// The status a request over the decoding limit gets: RESOURCE_EXHAUSTED naming the limit,
/// where tonic answers OUT_OF_RANGE; `None` for any other status.
pub fn too_large(status: &Status) -> Option<Status> {
    const TONIC: &str = "decoded message length too large";
    if status.code() != tonic::Code::OutOfRange || !status.message().contains(TONIC) {
        return None;
    }
    // tonic says "…: found N bytes, the limit is: M bytes".
    let numbers: Vec<&str> = status.message().split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()).collect();
    let text = match numbers.as_slice() {
        [found, limit] => format!(
            "request message too large: {found} bytes, more than the {limit} this call accepts \
             (for PublishEvent(s), --max-payload-bytes plus room for the other fields)"
        ),
        _ => "request message too large for this call".to_string(),
    };
    Some(Status::resource_exhausted(text))
}

/// A trailers-only answer (the request refused before any handler ran) of a request over
/// the decoding limit says RESOURCE_EXHAUSTED with the limit (see `too_large`).
pub fn too_large_answer<B>(mut r: http::Response<B>) -> http::Response<B> {
    if let Some(status) = Status::from_header_map(r.headers()).as_ref().and_then(too_large) {
        r.headers_mut().remove("grpc-status-details-bin");
        let _ = status.add_header(r.headers_mut());
    }
    r
}

/// A response with its body in tonic's body type.
pub fn into_tonic_body<B>(r: http::Response<B>) -> http::Response<tonic::body::Body>
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    r.map(tonic::body::Body::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_answers_internal_with_the_generic_message() {
        let r = internal_on_panic(Box::new("boom: secret-ish detail"));
        assert_eq!(r.headers()["grpc-status"], "13");
        let message = r.headers()["grpc-message"].to_str().unwrap();
        assert!(!message.contains("boom"), "{message}");
        assert_eq!(r.headers()["content-type"], "application/grpc");
    }

    #[test]
    fn a_request_over_the_decoding_limit_is_resource_exhausted_naming_the_limit() {
        let tonic = Status::out_of_range(
            "Error, decoded message length too large: found 300000 bytes, the limit is: 266240 bytes",
        );
        let s = too_large(&tonic).expect("mapped");
        assert_eq!(s.code(), tonic::Code::ResourceExhausted);
        assert!(s.message().contains("300000 bytes, more than the 266240"), "{}", s.message());
        assert!(too_large(&Status::out_of_range("something else")).is_none());
        let r = too_large_answer(tonic.into_http::<()>());
        assert_eq!(r.headers()["grpc-status"], "8");
    }

    #[test]
    fn echoes_are_bounded() {
        assert_eq!(echo("tag_created"), "\"tag_created\"");
        let long = "é".repeat(1000);
        let shown = echo(&long);
        assert!(shown.ends_with('…') && shown.chars().count() == ECHO_CHARS + 3, "{shown}");
    }
}
