//! Minting API tokens, for `CreateToken` and `webhookd token create`.

use std::time::SystemTime;

use crate::auth;
use crate::model::{Role, Scope};
use crate::storage::audit::{Actor, Audit};
use crate::storage::tokens::{NewToken, PortalNarrowing, TokenRow};
use crate::storage::{Storage, StorageError};

/// A token to mint, its fields already validated.
#[derive(Debug, Clone)]
pub struct TokenOrder<'a> {
    /// What it may do.
    pub role: Role,
    /// What it reaches: this scope and everything under it.
    pub scope: &'a Scope,
    /// Free text shown when tokens are listed.
    pub description: &'a str,
    /// When it stops working; `None` if never.
    pub expire_time: Option<SystemTime>,
    /// Who mints it: a token (recorded as its creator), or the command line.
    pub by: Actor,
    /// A portal link's narrowing; `None` for any other token.
    pub portal: Option<PortalNarrowing<'a>>,
}

/// A minted token: its value, shown once and stored only as a hash, and its stored row.
pub struct Minted {
    /// The bearer value (`whk_…`).
    pub bearer_token: String,
    /// The stored token.
    pub row: TokenRow,
}

impl std::fmt::Debug for Minted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value never shows.
        f.debug_struct("Minted").field("row", &self.row).finish_non_exhaustive()
    }
}

/// Mints a token for `order` and stores its hash with the `token.create` audit record (a
/// portal link's with `portal`, its webhook and framing origins), in one transaction.
pub async fn create_token(storage: &Storage, order: TokenOrder<'_>) -> Result<Minted, StorageError> {
    let (bearer_token, hash) = auth::new_token();
    let mut audit = Audit::new(order.by.clone(), "token.create")
        .with("role", order.role.as_str())
        .with("description", order.description)
        .with("expire_time", order.expire_time.map(httpdate::fmt_http_date).unwrap_or_default());
    if let Some(p) = &order.portal {
        audit = audit
            .with("portal", "true")
            .with("webhook_id", p.webhook_id.map(|id| id.to_string()).unwrap_or_default())
            .with("frame_ancestors", p.frame_ancestors.join(" "));
    }
    let new = NewToken {
        hash: &hash,
        role: order.role,
        scope: order.scope,
        description: order.description,
        expire_time: order.expire_time,
        creator_id: order.by.token_id,
        portal: order.portal,
    };
    let row = storage.create_token(&new, &audit).await?;
    Ok(Minted { bearer_token, row })
}
