//! API tokens, stored as SHA-256 hashes.

use uuid::Uuid;

use super::{Storage, StorageError};
use crate::model::Scope;

/// A stored token's grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// Token row id.
    pub id: Uuid,
    /// `admin` or `publisher`.
    pub role: String,
    /// What the token reaches.
    pub scope: Scope,
}

impl Storage {
    /// Stores a token hash with its role and scope.
    #[tracing::instrument(skip(self, hash), err)]
    pub async fn insert_token(
        &self,
        hash: &[u8],
        role: &str,
        scope: &Scope,
        description: &str,
    ) -> Result<Uuid, StorageError> {
        let id = Uuid::now_v7();
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/insert_token.sql")).await?;
        c.execute(&stmt, &[&id, &hash, &role, &scope.company_id, &scope.project_id, &description])
            .await
            .map_err(|e| StorageError::from_db(e, "token"))?;
        Ok(id)
    }

    /// Stores the bootstrap token only if no token exists yet; returns whether it did.
    pub async fn insert_first_token(&self, hash: &[u8]) -> Result<bool, StorageError> {
        let c = self.conn().await?;
        let n = c.execute(include_str!("sql/insert_first_token.sql"), &[&Uuid::now_v7(), &hash]).await?;
        Ok(n == 1)
    }

    /// The grant of the token whose hash is `hash`.
    pub async fn find_token(&self, hash: &[u8]) -> Result<Option<TokenGrant>, StorageError> {
        let c = self.conn().await?;
        let stmt =
            c.prepare_cached("SELECT id, role, company_id, project_id FROM api_tokens WHERE token_hash = $1").await?;
        Ok(c.query_opt(&stmt, &[&hash]).await?.map(|r| TokenGrant {
            id: r.get("id"),
            role: r.get("role"),
            scope: Scope::new(r.get::<_, String>("company_id"), r.get::<_, String>("project_id")),
        }))
    }
}
