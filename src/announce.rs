//! What webhookd says itself, built from typed values in one place: the test ping's payload,
//! the reasons a webhook's state changed, and the operational events (`webhook_disabled`,
//! `webhook_failing`, `delivery_exhausted`, `delivery_recovered`). Storage reads the facts from its rows; the
//! API and the command line name who acted; the words and JSON shapes are here.

use std::time::SystemTime;

use uuid::Uuid;

use crate::catalog::{DELIVERY_EXHAUSTED, DELIVERY_RECOVERED, WEBHOOK_DISABLED, WEBHOOK_FAILING};
use crate::model::{Scope, WebhookState};

/// The payload of a test ping to webhook `webhook_id`.
pub fn test_ping(webhook_id: Uuid) -> String {
    serde_json::json!({
        "webhookId": webhook_id.to_string(),
        "message": "This is a test event sent by webhookd.",
    })
    .to_string()
}

/// Why a webhook's state was set to `state` by an admin: the token `by`, or the command line.
pub fn state_set(state: WebhookState, by: Option<Uuid>) -> String {
    let by = match by {
        Some(id) => format!("token {id}"),
        None => "the command line".to_string(),
    };
    match state {
        WebhookState::Paused => format!("paused by {by}"),
        _ => format!("made active by {by}"),
    }
}

/// Why the engine enabled a disabled webhook again.
pub const ENABLED_BY_TEST: &str = "a test ping succeeded";
/// Why the engine disabled a webhook whose target said it is gone for good.
pub const GONE: &str = "the target answered 410 Gone";

/// Why the engine disabled a webhook failing since `t` (to the second, UTC).
pub fn failing_since(t: SystemTime) -> String {
    format!("no delivery succeeded since {}", humantime::format_rfc3339_seconds(t))
}

/// A webhook the engine disabled, and why.
#[allow(missing_docs)] // Plain data: the field names say what each holds; the others are documented.
#[derive(Debug, Clone)]
pub struct Disabled {
    pub webhook_id: Uuid,
    pub scope: Scope,
    pub target_url: String,
    /// Why (e.g. "the target answered 410 Gone").
    pub reason: String,
}

/// A webhook failing for long enough to be warned of before it is disabled.
#[allow(missing_docs)] // Plain data: the field names say what each holds; the others are documented.
#[derive(Debug, Clone)]
pub struct Failing {
    pub webhook_id: Uuid,
    pub scope: Scope,
    pub target_url: String,
    /// Failed attempts in a row.
    pub failures: i32,
    pub failing_since: SystemTime,
    /// When it is disabled if nothing succeeds before.
    pub disable_time: SystemTime,
}

/// The delivery an operational event is about, as its payload names it.
#[allow(missing_docs)] // Plain data: the field names say what each holds; the others are documented.
#[derive(Debug, Clone)]
pub struct About {
    pub webhook_id: Uuid,
    pub scope: Scope,
    pub target_url: String,
    pub delivery_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
}

/// A delivery that failed for good.
#[allow(missing_docs)] // Plain data: the field names say what each holds; the others are documented.
#[derive(Debug, Clone)]
pub struct Exhausted {
    pub about: About,
    pub attempts: i32,
    /// The last answer's status code; 0 when none came.
    pub status_code: i32,
    pub error: String,
}

/// A webhook that succeeded again after failing.
#[allow(missing_docs)] // Plain data: the field names say what each holds; the others are documented.
#[derive(Debug, Clone)]
pub struct Recovered {
    pub about: About,
    pub status_code: i32,
    /// Failed attempts in a row before this success.
    pub failures_before: i32,
    pub failing_since: Option<SystemTime>,
}

/// An operational event: its name, where it happens, the webhook it is about (which never
/// receives it) and its payload.
#[allow(missing_docs)] // Plain data: the field names say what each holds; the others are documented.
#[derive(Debug, Clone, PartialEq)]
pub struct Announcement {
    pub name: &'static str,
    pub scope: Scope,
    pub about: Uuid,
    pub payload: serde_json::Value,
}

/// `t` as RFC 3339 in UTC, to the millisecond.
fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// `webhook_disabled`.
pub fn disabled(d: &Disabled) -> Announcement {
    let payload = serde_json::json!({
        "webhookId": d.webhook_id.to_string(),
        "companyId": d.scope.company_id,
        "projectId": d.scope.project_id,
        "targetUrl": d.target_url,
        "reason": d.reason,
    });
    Announcement { name: WEBHOOK_DISABLED, scope: d.scope.clone(), about: d.webhook_id, payload }
}

/// `webhook_failing`.
pub fn failing(f: &Failing) -> Announcement {
    let payload = serde_json::json!({
        "webhookId": f.webhook_id.to_string(),
        "companyId": f.scope.company_id,
        "projectId": f.scope.project_id,
        "targetUrl": f.target_url,
        "failures": f.failures,
        "failingSince": rfc3339(f.failing_since),
        "disableTime": rfc3339(f.disable_time),
    });
    Announcement { name: WEBHOOK_FAILING, scope: f.scope.clone(), about: f.webhook_id, payload }
}

/// The fields every delivery event carries, with `extra`.
fn about(a: &About, extra: serde_json::Value) -> serde_json::Value {
    let mut payload = serde_json::json!({
        "webhookId": a.webhook_id.to_string(),
        "companyId": a.scope.company_id,
        "projectId": a.scope.project_id,
        "targetUrl": a.target_url,
        "deliveryId": a.delivery_id.to_string(),
        "eventId": a.event_id.to_string(),
        "eventType": a.event_type,
    });
    if let (Some(all), serde_json::Value::Object(more)) = (payload.as_object_mut(), extra) {
        all.extend(more);
    }
    payload
}

/// `delivery_exhausted`.
pub fn exhausted(e: &Exhausted) -> Announcement {
    let payload =
        about(&e.about, serde_json::json!({ "attempts": e.attempts, "statusCode": e.status_code, "error": e.error }));
    Announcement { name: DELIVERY_EXHAUSTED, scope: e.about.scope.clone(), about: e.about.webhook_id, payload }
}

/// `delivery_recovered`.
pub fn recovered(r: &Recovered) -> Announcement {
    let payload = about(
        &r.about,
        serde_json::json!({
            "statusCode": r.status_code,
            "failuresBefore": r.failures_before,
            "failingSince": r.failing_since.map(rfc3339),
        }),
    );
    Announcement { name: DELIVERY_RECOVERED, scope: r.about.scope.clone(), about: r.about.webhook_id, payload }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn about_one() -> About {
        About {
            webhook_id: Uuid::from_u128(1),
            scope: Scope::new("acme", "web"),
            target_url: "https://example.com/hook".into(),
            delivery_id: Uuid::from_u128(2),
            event_id: Uuid::from_u128(3),
            event_type: "project_created".into(),
        }
    }

    #[test]
    fn delivery_events_carry_what_they_are_about_and_their_own_fields() {
        let e = exhausted(&Exhausted { about: about_one(), attempts: 7, status_code: 503, error: "x".into() });
        assert_eq!(
            (e.name, e.about, e.scope.clone()),
            (DELIVERY_EXHAUSTED, Uuid::from_u128(1), Scope::new("acme", "web"))
        );
        assert_eq!(e.payload["deliveryId"], Uuid::from_u128(2).to_string());
        assert_eq!(e.payload["eventType"], "project_created");
        assert_eq!((e.payload["attempts"].as_i64(), e.payload["statusCode"].as_i64()), (Some(7), Some(503)));
        let since = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        let r = recovered(&Recovered {
            about: about_one(),
            status_code: 200,
            failures_before: 4,
            failing_since: Some(since),
        });
        assert_eq!(r.name, DELIVERY_RECOVERED);
        assert_eq!(r.payload["failingSince"], "2023-11-14T22:13:20.123Z");
        assert_eq!(r.payload["targetUrl"], "https://example.com/hook");
    }

    #[test]
    fn state_reasons_name_who_acted() {
        let id = Uuid::from_u128(9);
        assert_eq!(state_set(WebhookState::Paused, Some(id)), format!("paused by token {id}"));
        assert_eq!(state_set(WebhookState::Active, None), "made active by the command line");
    }
}
