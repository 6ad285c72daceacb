//! `ListAuditEvents`: the audit log of changes within the caller's scope.

use super::{convert, validate, ResponseStream};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::pb;
use crate::storage::audit::AuditFilter;
use crate::storage::Storage;

/// Records streamed when the request does not say.
const DEFAULT_LIMIT: i64 = 100;
/// Most records one call streams.
const MAX_LIMIT: i64 = 1000;

/// The records `r` asks for, newest first, if the caller reaches its scope.
pub async fn list(
    storage: &Storage,
    who: &Principal,
    r: pb::ListAuditEventsRequest,
) -> Result<ResponseStream<pb::AuditEvent>, ApiError> {
    let scope = validate::scope("scope", r.scope.as_ref())?;
    let optional_id = |field: &str, raw: &str| (!raw.is_empty()).then(|| validate::id(field, raw)).transpose();
    let time =
        |field: &str, t: &Option<prost_types::Timestamp>| t.as_ref().map(|t| validate::timestamp(field, t)).transpose();
    let filter = AuditFilter {
        include_descendants: r.include_descendants,
        resource_id: optional_id("resource_id", &r.resource_id)?,
        token_id: optional_id("token_id", &r.token_id)?,
        start_time: time("start_time", &r.start_time)?,
        end_time: time("end_time", &r.end_time)?,
        limit: match r.limit {
            n if n < 0 => return Err(ApiError::invalid("limit", "must not be negative")),
            0 => DEFAULT_LIMIT,
            n => i64::from(n).min(MAX_LIMIT),
        },
        scope,
    };
    who.check_not_portal("read the audit log")?;
    who.check_scope(&filter.scope)?;
    let rows = storage.list_audit(&filter).await?;
    Ok(Box::pin(tokio_stream::iter(rows.into_iter().map(|a| Ok(convert::audit_event(a))))))
}
