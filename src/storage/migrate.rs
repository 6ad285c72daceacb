//! Forward-only schema migrations: numbered SQL files applied in order, each in its
//! own transaction, under an advisory lock so replicas starting together apply each once.

use tokio_postgres::Client;

use super::StorageError;

/// Every migration, in order. Never edit one that has landed; add the next number.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "init", include_str!("migrations/0001_init.sql")),
    (2, "event_retention", include_str!("migrations/0002_event_retention.sql")),
    (3, "attempt_log", include_str!("migrations/0003_attempt_log.sql")),
    (4, "completed_history", include_str!("migrations/0004_completed_history.sql")),
    (5, "token_lifecycle", include_str!("migrations/0005_token_lifecycle.sql")),
    (6, "secret_rotation", include_str!("migrations/0006_secret_rotation.sql")),
    (7, "sealed_secrets", include_str!("migrations/0007_sealed_secrets.sql")),
    (8, "audit_log", include_str!("migrations/0008_audit_log.sql")),
    (9, "claim_expiry", include_str!("migrations/0009_claim_expiry.sql")),
    (10, "delivery_control", include_str!("migrations/0010_delivery_control.sql")),
    (11, "derived_last_event", include_str!("migrations/0011_derived_last_event.sql")),
    (12, "last_event_function", include_str!("migrations/0012_last_event_function.sql")),
    (13, "queue_vacuum", include_str!("migrations/0013_queue_vacuum.sql")),
    (14, "custom_headers", include_str!("migrations/0014_custom_headers.sql")),
    (15, "trace_context", include_str!("migrations/0015_trace_context.sql")),
    (16, "recoveries", include_str!("migrations/0016_recoveries.sql")),
    (17, "latest_attempt", include_str!("migrations/0017_latest_attempt.sql")),
    (18, "target_url_search", include_str!("migrations/0018_target_url_search.sql")),
    (19, "watch_resume", include_str!("migrations/0019_watch_resume.sql")),
    (20, "audit_user_agent", include_str!("migrations/0020_audit_user_agent.sql")),
    (21, "webhooks_shown", include_str!("migrations/0021_webhooks_shown.sql")),
    (22, "failing_warning", include_str!("migrations/0022_failing_warning.sql")),
    (23, "routing", include_str!("migrations/0023_routing.sql")),
    (24, "client_certificates", include_str!("migrations/0024_client_certificates.sql")),
    (25, "signing_keys", include_str!("migrations/0025_signing_keys.sql")),
    (26, "ordering", include_str!("migrations/0026_ordering.sql")),
    (27, "portal_links", include_str!("migrations/0027_portal_links.sql")),
];

/// Advisory lock key held while migrating ("webhookd" in ASCII, truncated).
const LOCK_KEY: i64 = 0x7765_6268_6f6f_6b64;

/// Applies the migrations the database lacks.
pub async fn migrate(client: &mut Client) -> Result<(), StorageError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY]).await?;
    let result = apply(client).await;
    client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]).await?;
    result
}

async fn apply(client: &mut Client) -> Result<(), StorageError> {
    let exists: bool = client.query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[]).await?.get(0);
    if !exists {
        client
            .batch_execute(
                "CREATE TABLE schema_migrations (
                     version integer PRIMARY KEY,
                     name text NOT NULL,
                     applied_at timestamptz NOT NULL DEFAULT now())",
            )
            .await?;
    }
    let current: i32 = client.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[]).await?.get(0);
    let latest = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > latest {
        return Err(StorageError::SchemaTooNew { found: current, known: latest });
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = client.transaction().await?;
        tx.batch_execute(sql).await.map_err(|source| StorageError::Migration { version, name, source })?;
        tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", &[&version, &name]).await?;
        tx.commit().await?;
        tracing::info!(version, name, "migration applied");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn every_migration_file_is_applied_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/storage/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = MIGRATIONS.iter().map(|(v, name, _)| format!("{v:04}_{name}.sql")).collect();
        assert_eq!(listed, files, "each migration file is listed once, by its number and name");
        for (i, (v, _, sql)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*v as usize, i + 1, "versions run 1, 2, 3, …");
            let on_disk = std::fs::read_to_string(format!("{dir}/{}", listed[i])).unwrap();
            assert_eq!(*sql, on_disk, "migration {v} is its file");
        }
    }
}
