//! API tokens, stored as SHA-256 hashes: created, listed, revoked, expired.

use std::time::SystemTime;

use tokio_postgres::Row;
use uuid::Uuid;

use super::audit::{Actor, Audit};
use super::notify::TOKEN_CHANNEL;
use super::{Storage, StorageError};
use crate::model::{Role, Scope};

/// What authentication needs of a token that is neither revoked nor expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The token's row id (recorded as who made a change, shown by ListTokens).
    pub id: Uuid,
    /// What it may do.
    pub role: Role,
    /// What the token reaches: this scope and everything under it.
    pub scope: Scope,
    /// When it stops working; `None` if never.
    pub expire_time: Option<SystemTime>,
    /// The token of a portal link (it manages no tokens).
    pub portal: bool,
    /// The one webhook a portal link's token reaches, if it is narrowed to one.
    pub webhook_id: Option<Uuid>,
}

/// A stored token as ListTokens shows it (never its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Row id, a UUIDv7 (so ids order by creation).
    pub id: Uuid,
    /// What it may do.
    pub role: Role,
    /// What the token reaches: this scope and everything under it.
    pub scope: Scope,
    /// Free text given at creation.
    pub description: String,
    /// When it was created.
    pub create_time: SystemTime,
    /// When it stops working; `None` if never.
    pub expire_time: Option<SystemTime>,
    /// When it was revoked; `None` while it is not.
    pub revoke_time: Option<SystemTime>,
    /// Roughly when it was last used (written at most once a minute per replica).
    pub last_used_time: Option<SystemTime>,
    /// The token that created it; `None` for the bootstrap token and the CLI.
    pub creator_id: Option<Uuid>,
    /// The token of a portal link.
    pub portal: bool,
    /// The one webhook a portal link's token reaches, if it is narrowed to one.
    pub webhook_id: Option<Uuid>,
    /// The origins whose pages may frame the page a portal link opens.
    pub frame_ancestors: Vec<String>,
}

impl TokenRow {
    fn from_row(r: &Row) -> Result<Self, tokio_postgres::Error> {
        Ok(Self {
            id: r.get("id"),
            role: r.try_get("role")?,
            scope: Scope::new(r.get::<_, String>("company_id"), r.get::<_, String>("project_id")),
            description: r.get("description"),
            create_time: r.get("create_time"),
            expire_time: r.get("expire_time"),
            revoke_time: r.get("revoke_time"),
            last_used_time: r.get("last_used_time"),
            creator_id: r.get("creator_id"),
            portal: r.get("portal"),
            webhook_id: r.get("webhook_id"),
            frame_ancestors: r.get("frame_ancestors"),
        })
    }
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// SHA-256 of the bearer value.
    pub hash: &'a [u8],
    /// What it may do.
    pub role: Role,
    /// What the token reaches.
    pub scope: &'a Scope,
    /// Free text to recognise it by.
    pub description: &'a str,
    /// When it stops working; `None` if never.
    pub expire_time: Option<SystemTime>,
    /// The token that created it; `None` for the CLI.
    pub creator_id: Option<Uuid>,
    /// A portal link's narrowing; `None` for any other token.
    pub portal: Option<PortalNarrowing<'a>>,
}

/// What narrows a portal link's token beyond its scope.
#[derive(Debug, Clone)]
pub struct PortalNarrowing<'a> {
    /// The one webhook it reaches, if any.
    pub webhook_id: Option<Uuid>,
    /// The origins whose pages may frame the page the link opens.
    pub frame_ancestors: &'a [String],
}

/// Which tokens to list.
#[derive(Debug, Clone)]
pub struct TokenFilter {
    /// The scope listed.
    pub scope: Scope,
    /// Also the companies and projects under it.
    pub include_descendants: bool,
    /// Also revoked and expired tokens.
    pub show_inactive: bool,
    /// Only tokens older than this one (the previous page's last).
    pub before: Option<Uuid>,
    /// At most this many.
    pub limit: i64,
}

impl Storage {
    /// Stores a token hash with its role and scope (for tools and tests that need no expiry).
    pub async fn insert_token(
        &self,
        hash: &[u8],
        role: Role,
        scope: &Scope,
        description: &str,
    ) -> Result<Uuid, StorageError> {
        let new = NewToken { hash, role, scope, description, expire_time: None, creator_id: None, portal: None };
        let audit = Audit::new(Actor::default(), "token.create").with("role", role.as_str());
        Ok(self.create_token(&new, &audit).await?.id)
    }

    /// Stores a token; returns it as listed.
    #[tracing::instrument(skip_all, err)]
    pub async fn create_token(&self, t: &NewToken<'_>, audit: &Audit) -> Result<TokenRow, StorageError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let stmt = tx.prepare_cached(include_str!("sql/insert_token.sql")).await?;
        let webhook_id = t.portal.as_ref().and_then(|p| p.webhook_id);
        let frame_ancestors = t.portal.as_ref().map_or(&[][..], |p| p.frame_ancestors);
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 11] = [
            &Uuid::now_v7(),
            &t.hash,
            &t.role,
            &t.scope.company_id,
            &t.scope.project_id,
            &t.description,
            &t.expire_time,
            &t.creator_id,
            &t.portal.is_some(),
            &webhook_id,
            &frame_ancestors,
        ];
        let row = tx.query_one(&stmt, &params).await.map_err(|e| StorageError::from_db(e, "token"))?;
        let row = TokenRow::from_row(&row)?;
        audit.record(&tx, row.id, &row.scope).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Stores the bootstrap token only if no token exists yet; returns whether it did.
    pub async fn insert_first_token(&self, hash: &[u8]) -> Result<bool, StorageError> {
        let c = self.conn().await?;
        let n = c.execute(include_str!("sql/insert_first_token.sql"), &[&Uuid::now_v7(), &hash]).await?;
        Ok(n == 1)
    }

    /// The grant of the token whose hash is `hash`, unless it is revoked or expired.
    pub async fn find_token(&self, hash: &[u8]) -> Result<Option<TokenGrant>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/find_token.sql")).await?;
        let Some(r) = c.query_opt(&stmt, &[&hash]).await? else { return Ok(None) };
        Ok(Some(TokenGrant {
            id: r.get("id"),
            role: r.try_get("role")?,
            scope: Scope::new(r.get::<_, String>("company_id"), r.get::<_, String>("project_id")),
            expire_time: r.get("expire_time"),
            portal: r.get("portal"),
            webhook_id: r.get("webhook_id"),
        }))
    }

    /// The origins that may frame the page opened by the portal link `id`; `None` unless it
    /// is a portal link whose token is neither revoked nor expired.
    pub async fn portal_frame_ancestors(&self, id: Uuid) -> Result<Option<Vec<String>>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/portal_frame_ancestors.sql")).await?;
        Ok(c.query_opt(&stmt, &[&id]).await?.map(|r| r.get(0)))
    }

    /// One token by id, revoked or not.
    pub async fn get_token(&self, id: Uuid) -> Result<Option<TokenRow>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/get_token.sql")).await?;
        Ok(c.query_opt(&stmt, &[&id]).await?.as_ref().map(TokenRow::from_row).transpose()?)
    }

    /// A page of tokens, newest first.
    pub async fn list_tokens(&self, f: &TokenFilter) -> Result<Vec<TokenRow>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/list_tokens.sql")).await?;
        let rows = c
            .query(
                &stmt,
                &[
                    &f.scope.company_id,
                    &f.scope.project_id,
                    &f.include_descendants,
                    &f.before,
                    &f.show_inactive,
                    &f.limit,
                ],
            )
            .await?;
        Ok(rows.iter().map(TokenRow::from_row).collect::<Result<_, _>>()?)
    }

    /// Revokes a token and, in the same transaction, tells every replica to drop what it
    /// cached about tokens. `None` if there is no such token.
    #[tracing::instrument(skip(self, audit), err)]
    pub async fn revoke_token(&self, id: Uuid, audit: &Audit) -> Result<Option<TokenRow>, StorageError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let Some(row) = tx.query_opt(include_str!("sql/revoke_token.sql"), &[&id]).await? else {
            return Ok(None);
        };
        let row = TokenRow::from_row(&row)?;
        tx.execute("SELECT pg_notify($1, $2)", &[&TOKEN_CHANNEL, &id.to_string()]).await?;
        audit.record(&tx, id, &row.scope).await?;
        tx.commit().await?;
        Ok(Some(row))
    }

    /// Records that these tokens were used just now.
    pub async fn touch_tokens(&self, ids: &[Uuid]) -> Result<(), StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/touch_tokens.sql")).await?;
        c.execute(&stmt, &[&ids]).await?;
        Ok(())
    }
}
