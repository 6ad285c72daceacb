//! The `TokenAdmin` service: admin tokens manage the tokens of their own scope and below.
//!
//! Nobody escalates: a token creates tokens only for its own scope or a narrower one, and
//! none that outlives it. Company and project admins may create publishers as well as admins
//! for what they reach. Tokens another caller cannot reach answer NOT_FOUND, as webhooks do.

use std::time::SystemTime;

use tonic::{Request, Response, Status};

use super::{convert, page, validate};
use crate::auth::{Authenticator, Principal, Role};
use crate::error::ApiError;
use crate::pb;
use crate::service::tokens::{self, Minted, TokenOrder};
use crate::storage::audit::Audit;
use crate::storage::tokens::{PortalNarrowing, TokenFilter};
use crate::storage::Storage;

/// Handlers of `webhookd.v1.TokenAdmin`.
#[derive(Clone)]
pub struct TokenService {
    storage: Storage,
    auth: Authenticator,
    /// Where browsers reach the page, for portal links; `None` when it is not served.
    page_url: Option<String>,
}

impl TokenService {
    /// The service over `storage`, authenticating with `auth`; portal links point at
    /// `page_url`.
    pub fn new(storage: Storage, auth: Authenticator, page_url: Option<String>) -> Self {
        Self { storage, auth, page_url }
    }

    /// An admin caller that is not a portal link's token (which manages no tokens).
    async fn admin<T>(&self, req: &Request<T>) -> Result<Principal, ApiError> {
        let who = self.auth.authorize(req.metadata(), Role::Admin).await?;
        who.check_not_portal("manage tokens")?;
        Ok(who)
    }

    async fn create_portal(&self, req: Request<pb::CreatePortalLinkRequest>) -> Result<pb::PortalLink, ApiError> {
        let who = self.admin(&req).await?;
        let r = req.into_inner();
        let Some(page_url) = &self.page_url else {
            return Err(ApiError::FailedPrecondition("this server does not serve the page (--web false)".into()));
        };
        let asked = validate::scope("scope", r.scope.as_ref())?;
        let lifetime = validate::portal_lifetime("lifetime", r.lifetime.as_ref())?;
        let frame_ancestors = validate::frame_ancestors("frame_ancestors", &r.frame_ancestors)?;
        let description = validate::description("description", &r.description)?;
        let (scope, webhook_id) = if r.webhook_id.is_empty() {
            if asked.company_id.is_empty() || asked.project_id.is_empty() {
                return Err(ApiError::invalid(
                    "scope",
                    "a portal link shows one project: set company_id and project_id, or give webhook_id",
                ));
            }
            who.check_scope(&asked)?;
            (asked, None)
        } else {
            let id = validate::id("webhook_id", &r.webhook_id)?;
            let w = match self.storage.get_webhook(id).await? {
                Some(w) if who.reaches_webhook(w.id, &w.scope) => w,
                _ => return Err(ApiError::NotFound(format!("webhook {id} not found"))),
            };
            if r.scope.is_some() && asked != w.scope {
                return Err(ApiError::invalid(
                    "scope",
                    format!("must be the webhook's own scope ({}) or empty", w.scope),
                ));
            }
            (w.scope, Some(w.id))
        };
        let expire_time = match lifetime {
            Some(d) => within_lifetime(&who, Some(SystemTime::now() + d)).map_err(|_| {
                ApiError::PermissionDenied("lifetime: the link would outlive this token; ask for a shorter one".into())
            })?,
            // The default, cut to the caller's own expiry.
            None => {
                let default = SystemTime::now() + validate::DEFAULT_PORTAL_LIFETIME;
                Some(who.expire_time.map_or(default, |own| own.min(default)))
            }
        };
        let order = TokenOrder {
            role: Role::Admin,
            scope: &scope,
            description: &description,
            expire_time,
            by: who.actor(),
            portal: Some(PortalNarrowing { webhook_id, frame_ancestors: &frame_ancestors }),
        };
        let Minted { bearer_token, row } = tokens::create_token(&self.storage, order).await?;
        tracing::info!(token_id = %row.id, scope = %row.scope, creator = %who.token_id, "portal link created");
        let url = format!("{page_url}/portal/{}#token={bearer_token}", row.id);
        Ok(pb::PortalLink { token: Some(convert::token(row)), url })
    }

    async fn create(&self, req: Request<pb::CreateTokenRequest>) -> Result<pb::CreateTokenResponse, ApiError> {
        let who = self.admin(&req).await?;
        let r = req.into_inner();
        let role = match pb::TokenRole::try_from(r.role) {
            Ok(pb::TokenRole::Admin) => Role::Admin,
            Ok(pb::TokenRole::Publisher) => Role::Publisher,
            _ => return Err(ApiError::invalid("role", "must be TOKEN_ROLE_ADMIN or TOKEN_ROLE_PUBLISHER")),
        };
        let scope = validate::scope("scope", r.scope.as_ref())?;
        let description = validate::description("description", &r.description)?;
        let expire_time = r.expire_time.as_ref().map(|t| validate::future_time("expire_time", t)).transpose()?;
        who.check_scope(&scope)?;
        let expire_time = within_lifetime(&who, expire_time)?;
        let order =
            TokenOrder { role, scope: &scope, description: &description, expire_time, by: who.actor(), portal: None };
        let Minted { bearer_token, row } = tokens::create_token(&self.storage, order).await?;
        tracing::info!(token_id = %row.id, role = role.as_str(), scope = %row.scope, creator = %who.token_id, "token created");
        Ok(pb::CreateTokenResponse { token: Some(convert::token(row)), bearer_token })
    }

    async fn list(&self, req: Request<pb::ListTokensRequest>) -> Result<pb::ListTokensResponse, ApiError> {
        let who = self.admin(&req).await?;
        let r = req.into_inner();
        let scope = validate::scope("scope", r.scope.as_ref())?;
        who.check_scope(&scope)?;
        let limit = page::size("page_size", r.page_size)?;
        let flag = |b: bool| if b { "1" } else { "0" };
        let query = page::fingerprint([
            "tokens",
            &scope.company_id,
            &scope.project_id,
            flag(r.include_descendants),
            flag(r.show_inactive),
        ]);
        let before = page::decode(&r.page_token, &query)?;
        let mut rows = self
            .storage
            .list_tokens(&TokenFilter {
                scope,
                include_descendants: r.include_descendants,
                show_inactive: r.show_inactive,
                before,
                limit: limit + 1,
            })
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_page_token = match rows.last() {
            Some(last) if more => page::encode(last.id, &query),
            _ => String::new(),
        };
        Ok(pb::ListTokensResponse { tokens: rows.into_iter().map(convert::token).collect(), next_page_token })
    }

    async fn revoke(&self, req: Request<pb::RevokeTokenRequest>) -> Result<pb::Token, ApiError> {
        let who = self.admin(&req).await?;
        let id = validate::id("id", &req.get_ref().id)?;
        let not_found = || ApiError::NotFound(format!("token {id} not found"));
        match self.storage.get_token(id).await? {
            Some(t) if who.reaches(&t.scope) => {}
            _ => return Err(not_found()),
        }
        let row =
            self.storage.revoke_token(id, &Audit::new(who.actor(), "token.revoke")).await?.ok_or_else(not_found)?;
        tracing::info!(token_id = %row.id, by = %who.token_id, "token revoked");
        Ok(convert::token(row))
    }

    async fn current(&self, req: Request<pb::GetCurrentTokenRequest>) -> Result<pb::Token, ApiError> {
        let who = self.auth.authenticate(req.metadata()).await?;
        // Revoked since the cache verified it: the next call is refused anyway; say so now.
        let row = self
            .storage
            .get_token(who.token_id)
            .await?
            .filter(|t| t.revoke_time.is_none())
            .ok_or_else(|| ApiError::Unauthenticated("unknown, revoked or expired token".into()))?;
        Ok(convert::token(row))
    }
}

/// The expiry of a token `who` creates: no later than `who`'s own; the caller's expiry when
/// none is asked for and the caller expires.
fn within_lifetime(who: &Principal, asked: Option<SystemTime>) -> Result<Option<SystemTime>, ApiError> {
    match (asked, who.expire_time) {
        (Some(asked), Some(own)) if asked > own => Err(ApiError::PermissionDenied(format!(
            "expire_time is after this token's own expiry ({}); a token cannot create one that outlives it",
            httpdate::fmt_http_date(own)
        ))),
        (Some(asked), _) => Ok(Some(asked)),
        (None, own) => Ok(own),
    }
}

#[tonic::async_trait]
impl pb::token_admin_server::TokenAdmin for TokenService {
    async fn create_token(
        &self,
        req: Request<pb::CreateTokenRequest>,
    ) -> Result<Response<pb::CreateTokenResponse>, Status> {
        Ok(Response::new(self.create(req).await?))
    }

    async fn list_tokens(
        &self,
        req: Request<pb::ListTokensRequest>,
    ) -> Result<Response<pb::ListTokensResponse>, Status> {
        Ok(Response::new(self.list(req).await?))
    }

    async fn revoke_token(&self, req: Request<pb::RevokeTokenRequest>) -> Result<Response<pb::Token>, Status> {
        Ok(Response::new(self.revoke(req).await?))
    }

    async fn get_current_token(&self, req: Request<pb::GetCurrentTokenRequest>) -> Result<Response<pb::Token>, Status> {
        Ok(Response::new(self.current(req).await?))
    }

    async fn create_portal_link(
        &self,
        req: Request<pb::CreatePortalLinkRequest>,
    ) -> Result<Response<pb::PortalLink>, Status> {
        Ok(Response::new(self.create_portal(req).await?))
    }
}
