//! The operational events webhookd publishes itself while recording outcomes, in the same
//! transaction: `webhook_disabled`, `delivery_exhausted` and `delivery_recovered`. Each goes
//! to the webhooks subscribed to it in the affected webhook's scope or above, never to the
//! affected webhook; outcomes of deliveries of operational events announce nothing, so two
//! failing subscribers cannot keep announcing each other's failures.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::Row;
use uuid::Uuid;

use super::deliveries::Disabled;
use super::events::NewEvent;
use crate::catalog::{is_operational, DELIVERY_EXHAUSTED, DELIVERY_RECOVERED, TEST_EVENT, WEBHOOK_DISABLED};
use crate::model::{DeliveryStatus, Scope};

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as i64
}

/// `t` as RFC 3339 in UTC, to the millisecond.
fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

fn event(name: &str, scope: Scope, about: Uuid, payload: serde_json::Value) -> NewEvent {
    let now = now_ms();
    NewEvent {
        name: name.to_string(),
        scope,
        timestamp_ms: now,
        idempotency_key: None,
        body: crate::body::delivery_body(name, now, &payload.to_string()).expect("a JSON object"),
        trace: None,
        about: Some(about),
    }
}

/// The `webhook_disabled` event announcing `d`.
pub(crate) fn disabled(d: &Disabled) -> NewEvent {
    let payload = serde_json::json!({
        "webhookId": d.webhook_id.to_string(),
        "companyId": d.scope.company_id,
        "projectId": d.scope.project_id,
        "targetUrl": d.target_url,
        "reason": d.reason,
    });
    event(WEBHOOK_DISABLED, d.scope.clone(), d.webhook_id, payload)
}

/// The events announcing what the outcome rows `rows` of `record.sql` show: each delivery
/// that failed for good, and each webhook that succeeded again after failing (once per
/// webhook). Deliveries of test pings and of operational events announce nothing.
pub(crate) fn announced(rows: &[Row]) -> Result<Vec<NewEvent>, tokio_postgres::Error> {
    let mut out = Vec::new();
    let mut recovered: Vec<Uuid> = Vec::new();
    for r in rows {
        let event_type: String = r.try_get("event_type")?;
        if event_type == TEST_EVENT || is_operational(&event_type) {
            continue;
        }
        let webhook_id: Uuid = r.try_get("webhook_id")?;
        let scope = Scope::new(r.try_get::<_, String>("company_id")?, r.try_get::<_, String>("project_id")?);
        let status: DeliveryStatus = r.try_get("status")?;
        let common = |extra: serde_json::Value| {
            let mut payload = serde_json::json!({
                "webhookId": webhook_id.to_string(),
                "companyId": scope.company_id,
                "projectId": scope.project_id,
                "targetUrl": r.get::<_, String>("webhook_url"),
                "deliveryId": r.get::<_, Uuid>("id").to_string(),
                "eventId": r.get::<_, Uuid>("event_id").to_string(),
                "eventType": event_type,
            });
            payload.as_object_mut().expect("an object").extend(extra.as_object().expect("an object").clone());
            payload
        };
        if status == DeliveryStatus::Error {
            let payload = common(serde_json::json!({
                "attempts": r.get::<_, i32>("attempts"),
                "statusCode": r.get::<_, Option<i32>>("status_code").unwrap_or_default(),
                "error": r.get::<_, Option<String>>("error").unwrap_or_default(),
            }));
            out.push(event(DELIVERY_EXHAUSTED, scope.clone(), webhook_id, payload));
        }
        if status == DeliveryStatus::Success && r.try_get::<_, bool>("recovered")? && !recovered.contains(&webhook_id) {
            recovered.push(webhook_id);
            let payload = common(serde_json::json!({
                "statusCode": r.get::<_, Option<i32>>("status_code").unwrap_or_default(),
                "failuresBefore": r.get::<_, Option<i32>>("streak_before").unwrap_or_default(),
                "failingSince": r.get::<_, Option<SystemTime>>("failing_since_before").map(rfc3339),
            }));
            out.push(event(DELIVERY_RECOVERED, scope, webhook_id, payload));
        }
    }
    Ok(out)
}
