//! Test pings: a `webhook_test` event sent to one webhook only, whatever its state (a
//! successful one enables a disabled webhook; see `health`), for `TestWebhook`.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::announce;
use crate::catalog::TEST_EVENT;
use crate::storage::audit::{Actor, Audit};
use crate::storage::deliveries::DeliveryRow;
use crate::storage::webhooks::WebhookRow;
use crate::storage::{Storage, StorageError};

/// Queues a test ping to webhook `w`, stamped now, with its `webhook.test` audit record by
/// `by`, in one transaction; the delivery made.
pub async fn send_test_ping(storage: &Storage, w: &WebhookRow, by: Actor) -> Result<DeliveryRow, StorageError> {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as i64;
    let body = crate::body::delivery_body(TEST_EVENT, now_ms, &announce::test_ping(w.id)).expect("a JSON object");
    storage.test_delivery(w.id, &w.scope, TEST_EVENT, now_ms, &body, &Audit::new(by, "webhook.test")).await
}
