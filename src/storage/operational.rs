//! The operational events webhookd publishes itself while recording outcomes, in the same
//! transaction: `webhook_disabled`, `webhook_failing`, `delivery_exhausted` and
//! `delivery_recovered`. Each goes
//! to the webhooks subscribed to it in the affected webhook's scope or above, never to the
//! affected webhook; outcomes of deliveries of operational events announce nothing, so two
//! failing subscribers cannot keep announcing each other's failures.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio_postgres::Row;
use uuid::Uuid;

use super::events::NewEvent;
use super::outcomes::Judged;
use super::watched::Watched;
use crate::announce::{self, About, Announcement, Disabled, Exhausted, Failing, Recovered};
use crate::catalog::{is_operational, TEST_EVENT};
use crate::model::DeliveryStatus;

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
        skip_webhook: Some(a.about),
        labels: Default::default(),
    }
}

/// The `webhook_failing` event warning of `f`.
pub(crate) fn failing(f: &Failing) -> NewEvent {
    event(announce::failing(f))
}

/// The `webhook_disabled` event announcing `d`.
pub(crate) fn disabled(d: &Disabled) -> NewEvent {
    event(announce::disabled(d))
}

/// The events announcing what the outcomes recorded show (`recorded`, with `rows` the
/// `record.sql` rows they were read from, and `judged` their webhooks): each delivery that
/// failed for good, and each webhook that succeeded again after failing (once per webhook).
/// Deliveries of test pings and of operational events announce nothing.
pub(super) fn announced(
    rows: &[Row],
    recorded: &[Watched],
    judged: &[Judged],
) -> Result<Vec<NewEvent>, tokio_postgres::Error> {
    let back: Vec<&Judged> = judged.iter().filter(|j| j.change.as_ref().is_some_and(|c| c.recovered)).collect();
    let mut out = Vec::new();
    let mut recovered: Vec<Uuid> = Vec::new();
    for (r, w) in rows.iter().zip(recorded) {
        let d = &w.delivery;
        // Most outcomes are plain successes to webhooks that were not failing, which
        // announce nothing.
        let again = match d.status {
            DeliveryStatus::Error => None,
            DeliveryStatus::Success => match back.iter().find(|j| j.webhook_id == d.webhook_id) {
                Some(j) if !recovered.contains(&j.webhook_id) => Some(*j),
                _ => continue,
            },
            DeliveryStatus::Pending => continue,
        };
        if d.event_type == TEST_EVENT || is_operational(&d.event_type) {
            continue;
        }
        let about = || -> Result<About, tokio_postgres::Error> {
            Ok(About {
                webhook_id: d.webhook_id,
                scope: w.scope(),
                target_url: r.try_get("webhook_url")?,
                delivery_id: d.id,
                event_id: d.event_id,
                event_type: d.event_type.clone(),
            })
        };
        match again {
            None => {
                let e = Exhausted {
                    about: about()?,
                    attempts: d.attempts,
                    status_code: d.status_code,
                    error: d.error.clone(),
                };
                out.push(event(announce::exhausted(&e)));
            }
            Some(j) => {
                recovered.push(j.webhook_id);
                let again = Recovered {
                    about: about()?,
                    status_code: d.status_code,
                    failures_before: j.before.failure_streak,
                    failing_since: j.before.failing_since,
                };
                out.push(event(announce::recovered(&again)));
            }
        }
    }
    Ok(out)
}
