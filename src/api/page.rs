//! Paging of list calls: the `page_size` rule and the opaque `page_token`, which says where
//! the previous page ended and only works with the query that made it.

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;

/// Page size when the caller gives 0.
const DEFAULT_PAGE: i64 = 50;
/// Largest page; larger requests are capped to it.
const MAX_PAGE: i64 = 500;

/// The page size a request asks for: 0 is the default, larger than the maximum is capped.
pub fn size(field: &str, requested: i32) -> Result<i64, ApiError> {
    match requested {
        n if n < 0 => Err(ApiError::invalid(field, "must not be negative")),
        0 => Ok(DEFAULT_PAGE),
        n => Ok(i64::from(n).min(MAX_PAGE)),
    }
}

/// A short fingerprint of a list query's parameters (NUL-separated).
pub fn fingerprint<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

#[derive(Serialize, Deserialize)]
struct PageToken {
    after: Uuid,
    query: String,
}

/// The token of a page that ended at `after`, for the query `query`.
pub fn encode(after: Uuid, query: &str) -> String {
    let json = serde_json::to_vec(&PageToken { after, query: query.to_string() }).expect("page token serializes");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// Where the previous page ended (`None` for an empty token); INVALID_ARGUMENT naming
/// `page_token` if it is malformed or was made for another query.
pub fn decode(token: &str, query: &str) -> Result<Option<Uuid>, ApiError> {
    if token.is_empty() {
        return Ok(None);
    }
    let bad = || ApiError::invalid("page_token", "invalid page token");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let t: PageToken = serde_json::from_slice(&json).map_err(|_| bad())?;
    if t.query != query {
        return Err(ApiError::invalid("page_token", "page token belongs to a different query"));
    }
    Ok(Some(t.after))
}
