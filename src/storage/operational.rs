//! The operational events webhookd publishes itself while recording outcomes, in the same
//! transaction: `webhook_disabled`, `delivery_exhausted` and `delivery_recovered`. Each goes
//! to the webhooks subscribed to it in the affected webhook's scope or above, never to the
//! affected webhook; outcomes of deliveries of operational events announce nothing, so two
//! failing subscribers cannot keep announcing each other's failures.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::Row;
use uuid::Uuid;

use super::events::NewEvent;
use crate::announce::{self, About, Announcement, Disabled, Exhausted, Recovered};
use crate::catalog::{is_operational, TEST_EVENT};
use crate::model::{DeliveryStatus, Scope};

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as i64
}

/// The event to publish for announcement `a`, stamped now.
fn event(a: Announcement) -> NewEvent {
    let now = now_ms();
    NewEvent {
        name: a.name.to_string(),
        scope: a.scope,
        timestamp_ms: now,
        idempotency_key: None,
        body: crate::body::delivery_body(a.name, now, &a.payload.to_string()).expect("a JSON object"),
        trace: None,
        about: Some(a.about),
    }
}

/// The `webhook_disabled` event announcing `d`.
pub(crate) fn disabled(d: &Disabled) -> NewEvent {
    event(announce::disabled(d))
}

/// The events announcing what the outcome rows `rows` of `record.sql` show: each delivery
/// that failed for good, and each webhook that succeeded again after failing (once per
/// webhook). Deliveries of test pings and of operational events announce nothing.
pub(crate) fn announced(rows: &[Row]) -> Result<Vec<NewEvent>, tokio_postgres::Error> {
    let mut out = Vec::new();
    let mut recovered: Vec<Uuid> = Vec::new();
    for r in rows {
        // Most outcomes are plain successes, which announce nothing: decided from two
        // columns, before anything is read that allocates.
        let status: DeliveryStatus = r.try_get("status")?;
        let back = status == DeliveryStatus::Success && r.try_get::<_, bool>("recovered")?;
        if status != DeliveryStatus::Error && !back {
            continue;
        }
        let event_type: String = r.try_get("event_type")?;
        if event_type == TEST_EVENT || is_operational(&event_type) {
            continue;
        }
        let about = || -> Result<About, tokio_postgres::Error> {
            Ok(About {
                webhook_id: r.try_get("webhook_id")?,
                scope: Scope::new(r.try_get::<_, String>("company_id")?, r.try_get::<_, String>("project_id")?),
                target_url: r.try_get("webhook_url")?,
                delivery_id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                event_type: event_type.clone(),
            })
        };
        let status_code = r.try_get::<_, Option<i32>>("status_code")?.unwrap_or_default();
        if status == DeliveryStatus::Error {
            let e = Exhausted {
                about: about()?,
                attempts: r.try_get("attempts")?,
                status_code,
                error: r.try_get::<_, Option<String>>("error")?.unwrap_or_default(),
            };
            out.push(event(announce::exhausted(&e)));
        }
        let webhook_id: Uuid = r.try_get("webhook_id")?;
        if back && !recovered.contains(&webhook_id) {
            recovered.push(webhook_id);
            let again = Recovered {
                about: about()?,
                status_code,
                failures_before: r.try_get::<_, Option<i32>>("streak_before")?.unwrap_or_default(),
                failing_since: r.try_get("failing_since_before")?,
            };
            out.push(event(announce::recovered(&again)));
        }
    }
    Ok(out)
}
