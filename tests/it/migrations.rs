//! Migrations applied to a database that already holds data.

use uuid::Uuid;

use crate::common::sql;

/// A database at schema version 2 with a delivery and two attempts moves them into the
/// delivery's attempt log at version 3, readable through the storage layer.
#[tokio::test]
async fn attempts_move_into_the_delivery_row() {
    let url = crate::common::fresh_empty_database().await;
    let db = sql(&url).await;
    db.batch_execute(include_str!("../../src/storage/migrations/0001_init.sql")).await.unwrap();
    db.batch_execute(include_str!("../../src/storage/migrations/0002_event_retention.sql")).await.unwrap();
    db.batch_execute(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
         INSERT INTO schema_migrations (version, name) VALUES (1, 'init'), (2, 'event_retention');",
    )
    .await
    .unwrap();
    let (w, e, d) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    db.execute(
        "INSERT INTO webhooks (id, target_url, secret, events) VALUES ($1, 'https://example.com/', 'secret12', '{tag_created}')",
        &[&w],
    )
    .await
    .unwrap();
    db.execute("INSERT INTO events (id, event_name, event_timestamp, body) VALUES ($1, 'tag_created', 1, '{}')", &[&e])
        .await
        .unwrap();
    db.execute(
        "INSERT INTO deliveries (id, webhook_id, event_id, event_type, status, status_code, attempts, dispatch_time)
         VALUES ($1, $2, $3, 'tag_created', 2, 200, 2, '2026-01-02 03:04:05.5+00')",
        &[&d, &w, &e],
    )
    .await
    .unwrap();
    db.execute(
        "INSERT INTO delivery_attempts (delivery_id, attempt, dispatch_time, status_code, error, duration_ms, response_body) VALUES
         ($1, 2, '2026-01-02 03:04:05.5+00', 200, '', 12, 'fine'),
         ($1, 1, '2026-01-02 03:04:00+00', 503, 'HTTP 503', 7, 'busy')",
        &[&d],
    )
    .await
    .unwrap();

    let storage = webhookd::storage::Storage::connect(url.parse().unwrap(), 2).await.unwrap();
    let version: i32 = db.query_one("SELECT max(version) FROM schema_migrations", &[]).await.unwrap().get(0);
    assert!(version >= 3);
    let gone: bool = db.query_one("SELECT to_regclass('delivery_attempts') IS NULL", &[]).await.unwrap().get(0);
    assert!(gone);
    let detail = storage.delivery_detail(d).await.unwrap().unwrap();
    let got: Vec<(i32, i32, &str, i64, &[u8])> = detail
        .attempts
        .iter()
        .map(|a| (a.attempt, a.status_code, a.error.as_str(), a.duration_ms, a.response_body.as_slice()))
        .collect();
    assert_eq!(got, vec![(1, 503, "HTTP 503", 7, &b"busy"[..]), (2, 200, "", 12, &b"fine"[..])]);
    let at = detail.attempts[1].dispatch_time.duration_since(std::time::UNIX_EPOCH).unwrap();
    assert_eq!(at.as_micros(), 1_767_323_045_500_000, "2026-01-02 03:04:05.5 UTC");
}
