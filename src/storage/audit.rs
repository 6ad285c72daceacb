//! The audit log: one row per change made through the admin API, written in the same
//! transaction as the change, so that a change and its record commit or fail together.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use tokio_postgres::Row;
use uuid::Uuid;

use super::{Storage, StorageError};
use crate::model::Scope;

/// Who made a change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// The token's id; `None` for the command line on the server's machine.
    pub token_id: Option<Uuid>,
    /// The token's scope.
    pub scope: Scope,
    /// The client software it called with (its user-agent header); empty for the command line.
    pub user_agent: String,
}

/// A change to record, as the API describes it; the storage call that makes the change
/// completes it with the resource's id when the change creates the resource.
#[derive(Debug, Clone)]
pub struct Audit {
    /// Who.
    pub actor: Actor,
    /// What was done, as `<resource>.<verb>` (`webhook.update`, `token.revoke`, …).
    pub action: &'static str,
    /// The changed fields and their new values, secrets as `(changed)`, never their value.
    pub changes: BTreeMap<String, String>,
}

impl Audit {
    /// A change by `actor` without field values.
    pub fn new(actor: Actor, action: &'static str) -> Self {
        Self { actor, action, changes: BTreeMap::new() }
    }

    /// This change with `field` set to `value`.
    pub fn with(mut self, field: &str, value: impl Into<String>) -> Self {
        self.changes.insert(field.to_string(), value.into());
        self
    }

    /// The resource type: what comes before the dot of the action.
    fn resource_type(&self) -> &'static str {
        self.action.split('.').next().unwrap_or(self.action)
    }

    /// Writes the record in `tx`, for resource `id` living in `scope`.
    pub(crate) async fn record(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        id: Uuid,
        scope: &Scope,
    ) -> Result<(), StorageError> {
        let stmt = tx.prepare_cached(include_str!("sql/insert_audit.sql")).await?;
        let changes = serde_json::to_value(&self.changes).expect("a string map serializes");
        tx.execute(
            &stmt,
            &[
                &Uuid::now_v7(),
                &self.actor.token_id,
                &self.actor.scope.company_id,
                &self.actor.scope.project_id,
                &self.action,
                &self.resource_type(),
                &id,
                &scope.company_id,
                &scope.project_id,
                &changes,
                &self.actor.user_agent,
            ],
        )
        .await?;
        Ok(())
    }
}

/// A recorded change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// Row id, a UUIDv7.
    pub id: Uuid,
    /// When the change committed.
    pub create_time: SystemTime,
    /// Who made it.
    pub actor: Actor,
    /// `<resource>.<verb>`.
    pub action: String,
    /// `webhook`, `delivery` or `token`.
    pub resource_type: String,
    /// The changed resource.
    pub resource_id: Uuid,
    /// Where the resource lives; who may read the record.
    pub scope: Scope,
    /// The changed fields and their new values (secrets as `(changed)`).
    pub changes: BTreeMap<String, String>,
}

impl AuditRow {
    fn from_row(r: &Row) -> Self {
        let changes: serde_json::Value = r.get("changes");
        Self {
            id: r.get("id"),
            create_time: r.get("create_time"),
            actor: Actor {
                token_id: r.get("token_id"),
                scope: Scope::new(r.get::<_, String>("actor_company_id"), r.get::<_, String>("actor_project_id")),
                user_agent: r.get("user_agent"),
            },
            action: r.get("action"),
            resource_type: r.get("resource_type"),
            resource_id: r.get("resource_id"),
            scope: Scope::new(r.get::<_, String>("company_id"), r.get::<_, String>("project_id")),
            changes: serde_json::from_value(changes).unwrap_or_default(),
        }
    }
}

/// Which records to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Records of resources on this scope,
    pub scope: Scope,
    /// and below it.
    pub include_descendants: bool,
    /// Only this resource.
    pub resource_id: Option<Uuid>,
    /// Only changes by this token.
    pub token_id: Option<Uuid>,
    /// Not before this time.
    pub start_time: Option<SystemTime>,
    /// Before this time.
    pub end_time: Option<SystemTime>,
    /// At most this many.
    pub limit: i64,
}

impl Storage {
    /// Records newest first.
    pub async fn list_audit(&self, f: &AuditFilter) -> Result<Vec<AuditRow>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/list_audit.sql")).await?;
        let rows = c
            .query(
                &stmt,
                &[
                    &f.scope.company_id,
                    &f.scope.project_id,
                    &f.include_descendants,
                    &f.resource_id,
                    &f.token_id,
                    &f.start_time,
                    &f.end_time,
                    &f.limit,
                ],
            )
            .await?;
        Ok(rows.iter().map(AuditRow::from_row).collect())
    }

    /// Removes up to `limit` of the oldest records older than `retention`; how many.
    pub async fn purge_audit(&self, retention: Duration, limit: i64) -> Result<u64, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/purge_audit.sql")).await?;
        Ok(c.execute(&stmt, &[&(retention.as_secs() as f64), &limit]).await?)
    }
}
