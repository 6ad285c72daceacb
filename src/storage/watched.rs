//! A delivery's state change as watchers receive it, and its packing into notifications
//! (`DELIVERY_CHANNEL`) that PostgreSQL accepts.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use tokio_postgres::Row;

use super::deliveries::DeliveryRow;
use crate::model::Scope;

/// A state change as broadcast to watchers: the delivery and where its webhook lives.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Watched {
    /// The changed delivery as it is now (flattened into the notification's JSON).
    #[serde(flatten)]
    pub delivery: DeliveryRow,
    /// The webhook's company, empty for an instance webhook.
    pub company_id: String,
    /// The webhook's project, empty for an instance or company webhook.
    pub project_id: String,
    /// When the change was recorded, by the database's clock: where a watch that saw it
    /// resumes from. (Absent from a notification sent by an older version.)
    #[serde(default)]
    pub change_time: Option<SystemTime>,
}

impl Watched {
    /// A delivery's columns with its webhook's `company_id`, `project_id` and its `change_time`.
    pub(crate) fn from_row(r: &Row) -> Result<Self, tokio_postgres::Error> {
        Ok(Self {
            delivery: DeliveryRow::from_row(r)?,
            company_id: r.try_get("company_id")?,
            project_id: r.try_get("project_id")?,
            change_time: r.try_get("change_time")?,
        })
    }

    /// Where the webhook is installed, which decides who may watch the change.
    pub fn scope(&self) -> Scope {
        Scope::new(&self.company_id, &self.project_id)
    }
}

/// Largest notification payload PostgreSQL accepts is 8000 bytes; stay below it.
const NOTIFY_PAYLOAD: usize = 7900;
/// Error text carried in a watch notification, at most.
const NOTIFY_ERROR_CHARS: usize = 300;

/// Packs state changes into JSON-array payloads that each fit one notification.
pub(crate) fn notify_payloads(changes: &[Watched]) -> Vec<String> {
    let mut payloads = Vec::new();
    let mut current = String::from("[");
    for w in changes {
        let mut w = w.clone();
        if w.delivery.error.chars().count() > NOTIFY_ERROR_CHARS {
            w.delivery.error = w.delivery.error.chars().take(NOTIFY_ERROR_CHARS).collect();
        }
        let item = serde_json::to_string(&w).expect("serializable");
        if current.len() > 1 && current.len() + item.len() + 2 > NOTIFY_PAYLOAD {
            current.push(']');
            payloads.push(std::mem::replace(&mut current, String::from("[")));
        }
        if current.len() > 1 {
            current.push(',');
        }
        current.push_str(&item);
    }
    if current.len() > 1 {
        current.push(']');
        payloads.push(current);
    }
    payloads
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeliveryStatus;
    use uuid::Uuid;

    #[test]
    fn payloads_fit_a_notification_and_keep_every_change() {
        let row = |i: u128| Watched {
            delivery: DeliveryRow {
                id: Uuid::from_u128(i),
                webhook_id: Uuid::from_u128(1),
                event_id: Uuid::from_u128(2),
                event_type: "tag_created".into(),
                status: DeliveryStatus::Success,
                status_code: 200,
                dispatch_time: Some(SystemTime::now()),
                attempts: 1,
                duration_ms: 3,
                error: "x".repeat(5000),
                create_time: SystemTime::now(),
                next_attempt_time: None,
            },
            company_id: "acme".into(),
            project_id: String::new(),
            change_time: Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_micros(1_796_000_000_123_456)),
        };
        let changes: Vec<Watched> = (0..200).map(row).collect();
        let payloads = notify_payloads(&changes);
        assert!(payloads.len() > 1);
        let mut ids = Vec::new();
        for p in &payloads {
            assert!(p.len() <= NOTIFY_PAYLOAD, "{}", p.len());
            let items: Vec<Watched> = serde_json::from_str(p).unwrap();
            ids.extend(items.iter().map(|w| w.delivery.id));
            assert!(items.iter().all(|w| w.delivery.error.len() == NOTIFY_ERROR_CHARS));
            // The change's time survives to the microsecond: it is where a watch resumes.
            assert!(items.iter().all(|w| w.change_time == changes[0].change_time));
        }
        assert_eq!(ids, changes.iter().map(|w| w.delivery.id).collect::<Vec<_>>());
        assert!(notify_payloads(&[]).is_empty());
    }

    #[test]
    fn a_notification_from_an_older_version_has_no_change_time() {
        let mut json = serde_json::to_value(Watched {
            delivery: DeliveryRow {
                id: Uuid::from_u128(1),
                webhook_id: Uuid::from_u128(1),
                event_id: Uuid::from_u128(2),
                event_type: "tag_created".into(),
                status: DeliveryStatus::Success,
                status_code: 200,
                dispatch_time: None,
                attempts: 1,
                duration_ms: 3,
                error: String::new(),
                create_time: SystemTime::now(),
                next_attempt_time: None,
            },
            company_id: String::new(),
            project_id: String::new(),
            change_time: None,
        })
        .unwrap();
        json.as_object_mut().unwrap().remove("change_time");
        let w: Watched = serde_json::from_value(json).unwrap();
        assert_eq!(w.change_time, None);
    }
}
