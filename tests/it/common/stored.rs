//! Webhooks and events written straight to storage (no server involved), for the tests of
//! the queue's statements.

use uuid::Uuid;
use webhookd::storage::events::NewEvent;
use webhookd::storage::webhooks::{NewWebhook, WebhookQuota};
use webhookd::storage::Storage;

/// A storage handle on `url` with the tests' key.
pub async fn storage(url: &str) -> Storage {
    Storage::connect(url.parse().unwrap(), 2).await.unwrap().with_keys(super::support::test_keys())
}

/// An ACTIVE instance webhook listening to `event` alone, at a target nobody answers, with
/// no limits of its own.
pub fn webhook(event: &str) -> NewWebhook {
    super::support::stored_webhook(event, format!("http://127.0.0.1:9/{event}"))
}

/// Creates `w`; its id.
pub async fn create(storage: &Storage, w: &NewWebhook) -> Uuid {
    let audit = webhookd::storage::audit::Audit::new(Default::default(), "webhook.create");
    storage.create_webhook(w, &WebhookQuota::UNLIMITED, &audit).await.unwrap().id
}

/// `n` instance events `name` with payloads `{"i":0}`, `{"i":1}`, …
pub fn events(name: &str, n: usize) -> Vec<NewEvent> {
    (0..n)
        .map(|i| NewEvent {
            name: name.into(),
            scope: Default::default(),
            timestamp_ms: 1,
            idempotency_key: None,
            body: webhookd::body::delivery_body(name, 1, &format!(r#"{{"i":{i}}}"#)).unwrap(),
            trace: None,
            skip_webhook: None,
            labels: Default::default(),
        })
        .collect()
}

/// The delivery rules the storage-level tests claim and record by: 64 in flight, the breaker
/// opening after 3 failures for 30 s, disabling after an hour of failures, no warning.
pub const RULES: webhookd::storage::deliveries::DeliveryRules = webhookd::storage::deliveries::DeliveryRules {
    webhook_concurrency: 64,
    breaker_threshold: 3,
    breaker_cooldown: std::time::Duration::from_secs(30),
    disable_after: std::time::Duration::from_secs(3600),
    failing_warning: None,
};
