//! Bearer-token authentication and scope/role authorization.
//!
//! Tokens are random strings shown once; the database keeps only their SHA-256. A cache
//! keeps the hot paths (ingest) off the database: an entry lives at most a second, never past
//! its token's expiry, and a revocation on any replica clears every replica's cache at once
//! through a notification. When each token was last used is written at most once a minute.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use tonic::metadata::MetadataMap;
use uuid::Uuid;

use crate::error::ApiError;
use crate::model::Scope;
use crate::storage::notify::{self, TOKEN_CHANNEL};
use crate::storage::Storage;

/// How long a verified token is trusted without asking the database again. Revocations also
/// clear the cache by notification; this bounds what a lost notification can leave behind.
const CACHE_TTL: Duration = Duration::from_secs(1);
/// How often a token's `last_used_time` is written, at most, by one replica.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Why a token is refused, whichever it is (unknown, revoked or expired: not told apart).
const UNKNOWN_TOKEN: &str = "unknown, revoked or expired token";
/// Entries beyond which the cache is emptied instead of growing.
const CACHE_MAX: usize = 10_000;

pub use crate::model::Role;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's id (never its value), recorded as who made a change.
    pub token_id: Uuid,
    /// What the caller may do.
    pub role: Role,
    /// What it reaches: this scope and everything under it.
    pub scope: Scope,
    /// When the token stops working; `None` if never.
    pub expire_time: Option<SystemTime>,
    /// A portal link's token: it manages no tokens.
    pub portal: bool,
    /// The one webhook of `scope` a portal link's token reaches, if it is narrowed to one: it
    /// then reaches that webhook (and its deliveries) and no scope as a whole.
    pub webhook: Option<Uuid>,
    /// The client software of this call (its user-agent header, at most
    /// [`USER_AGENT_MAX`] characters), for admin calls, which the audit log records; empty
    /// otherwise or when it sent none.
    pub user_agent: String,
}

/// The longest user agent kept with a call; the rest is cut.
pub const USER_AGENT_MAX: usize = 256;

/// The call's user-agent header, cut to [`USER_AGENT_MAX`] characters; empty if absent or
/// not visible ASCII.
fn user_agent(metadata: &MetadataMap) -> String {
    let agent = metadata.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default();
    agent.chars().take(USER_AGENT_MAX).collect()
}

impl Principal {
    /// The caller as the audit log records it.
    pub fn actor(&self) -> crate::storage::audit::Actor {
        crate::storage::audit::Actor {
            token_id: Some(self.token_id),
            scope: self.scope.clone(),
            user_agent: self.user_agent.clone(),
        }
    }

    /// Whether the caller reaches `scope` as a whole (a token narrowed to one webhook
    /// reaches none).
    pub fn reaches(&self, scope: &Scope) -> bool {
        self.webhook.is_none() && self.scope.contains(scope)
    }

    /// Whether the caller reaches webhook `id`, installed on `scope`.
    pub fn reaches_webhook(&self, id: Uuid, scope: &Scope) -> bool {
        self.scope.contains(scope) && self.webhook.is_none_or(|w| w == id)
    }

    /// PERMISSION_DENIED unless the caller reaches `scope` as a whole.
    pub fn check_scope(&self, scope: &Scope) -> Result<(), ApiError> {
        match self.webhook {
            _ if self.reaches(scope) => Ok(()),
            Some(w) => Err(ApiError::PermissionDenied(format!(
                "this portal link's token reaches webhook {w} alone, not {scope} as a whole"
            ))),
            None => Err(ApiError::PermissionDenied(format!("token for {} cannot reach {scope}", self.scope))),
        }
    }

    /// PERMISSION_DENIED unless the caller may list `scope`'s webhooks: a token narrowed to
    /// one webhook lists that one alone (its listings filter on [`Principal::webhook`]).
    pub fn check_listing(&self, scope: &Scope) -> Result<(), ApiError> {
        if self.scope.contains(scope) {
            Ok(())
        } else {
            Err(ApiError::PermissionDenied(format!("token for {} cannot reach {scope}", self.scope)))
        }
    }

    /// PERMISSION_DENIED for a portal link's token, which may not do `what`: manage tokens (it
    /// could otherwise mint one without its narrowing) or read the audit log (who else changed
    /// what, with their tokens and software, is the installation's business, not the link's).
    pub fn check_not_portal(&self, what: &str) -> Result<(), ApiError> {
        if self.portal {
            Err(ApiError::PermissionDenied(format!("a portal link's token cannot {what}")))
        } else {
            Ok(())
        }
    }
}

/// A new random token (`whk_` + 43 base64url characters) and its hash.
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("whk_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_token(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The bearer token of a call.
fn bearer(metadata: &MetadataMap) -> Result<&str, ApiError> {
    let value = metadata
        .get("authorization")
        .ok_or_else(|| ApiError::Unauthenticated("missing authorization: Bearer <token>".into()))?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::Unauthenticated("authorization must be `Bearer <token>`".into()))
}

/// A verified token: who it is, and when it was verified.
struct Cached {
    principal: Principal,
    verified: Instant,
}

#[derive(Default)]
struct State {
    /// Verified tokens by hash.
    cache: HashMap<Vec<u8>, Cached>,
    /// Hashes the database did not know, and when it said so: a flood of calls with a made-up
    /// token asks the database once per `CACHE_TTL`, not once per call. (A token is random, so
    /// none is created under a hash looked up before.)
    unknown: HashMap<Vec<u8>, Instant>,
    /// When each token's use was last written.
    touched: HashMap<Uuid, Instant>,
    /// Lookups under way, by hash: calls that miss the cache together wait for one lookup
    /// (a burst of new connections with one token makes one query, not one each).
    lookups: HashMap<Vec<u8>, Arc<tokio::sync::Mutex<()>>>,
}

/// Authenticates requests against the token table.
#[derive(Clone)]
pub struct Authenticator {
    storage: Storage,
    state: Arc<Mutex<State>>,
    /// Signalled when a revocation (on any replica) cleared the cache: open calls check their
    /// token again at once.
    revoked: Arc<tokio::sync::Notify>,
}

impl Authenticator {
    /// An authenticator over `storage` that forgets cached tokens when any replica revokes
    /// one (and whenever its notification connection was lost), until `shutdown`.
    pub fn start(storage: Storage, shutdown: CancellationToken) -> Self {
        let auth = Self { storage: storage.clone(), state: Arc::default(), revoked: Arc::default() };
        let (state, revoked) = (auth.state.clone(), auth.revoked.clone());
        tokio::spawn(notify::listen(storage, TOKEN_CHANNEL, shutdown, move |_| {
            state.lock().expect("auth state").cache.clear();
            revoked.notify_waiters();
        }));
        auth
    }

    /// Resolves once the token of a long-lived call (`metadata` as the call came) stops
    /// working, with the error a new call with it would get now: UNAUTHENTICATED when it was
    /// revoked (on any replica: at once by notification, within `CACHE_TTL` if the
    /// notification was lost) or expired (at its expiry), UNAVAILABLE when it cannot be
    /// checked because the database is away. Streams end with it, within the same bound as
    /// a new call is refused.
    pub async fn until_invalid(&self, metadata: MetadataMap) -> ApiError {
        loop {
            let mut wait = CACHE_TTL;
            if let Some(expire) = self.cached_expiry(&metadata) {
                wait = wait.min(expire.duration_since(SystemTime::now()).unwrap_or_default());
            }
            let revoked = self.revoked.notified();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = revoked => {}
            }
            if let Err(e) = self.authenticate(&metadata).await {
                return e;
            }
        }
    }

    /// The expiry of the token in `metadata`, if it is cached.
    fn cached_expiry(&self, metadata: &MetadataMap) -> Option<SystemTime> {
        let token = bearer(metadata).ok()?;
        let state = self.state.lock().expect("auth state");
        state.cache.get(&hash_token(token)).and_then(|c| c.principal.expire_time)
    }

    /// The caller, if it holds a valid token of `role`.
    pub async fn authorize(&self, metadata: &MetadataMap, role: Role) -> Result<Principal, ApiError> {
        let principal = self.authenticate(metadata).await?;
        if principal.role != role {
            return Err(ApiError::PermissionDenied(format!(
                "this call needs a {} token; this token's role is {}",
                role.as_str(),
                principal.role.as_str()
            )));
        }
        Ok(principal)
    }

    /// The caller, if it holds a valid token of any role.
    pub async fn authenticate(&self, metadata: &MetadataMap) -> Result<Principal, ApiError> {
        let hash = hash_token(bearer(metadata)?);
        let principal = match self.cached(&hash) {
            Some(p) => p?,
            None => self.look_up(hash).await?,
        };
        if principal.expire_time.is_some_and(|t| t <= SystemTime::now()) {
            return Err(ApiError::Unauthenticated(UNKNOWN_TOKEN.into()));
        }
        self.touch(principal.token_id);
        // Cached per token; the user agent is the call's own. Only admin calls make audited
        // changes: publishes (the hot path) do not read it.
        let user_agent = if principal.role == Role::Admin { user_agent(metadata) } else { String::new() };
        Ok(Principal { user_agent, ..principal })
    }

    /// The cached principal of the token hashed `hash`, if verified recently; UNAUTHENTICATED
    /// if the database said recently that it knows no such token.
    fn cached(&self, hash: &[u8]) -> Option<Result<Principal, ApiError>> {
        let state = self.state.lock().expect("auth state");
        if state.unknown.get(hash).is_some_and(|at| at.elapsed() < CACHE_TTL) {
            return Some(Err(ApiError::Unauthenticated(UNKNOWN_TOKEN.into())));
        }
        state.cache.get(hash).filter(|c| c.verified.elapsed() < CACHE_TTL).map(|c| Ok(c.principal.clone()))
    }

    /// Verifies the token hashed `hash` against the database and caches it; concurrent
    /// callers with the same token share one lookup.
    async fn look_up(&self, hash: Vec<u8>) -> Result<Principal, ApiError> {
        /// Forgets the lookup when its caller is done, or gave up (a cancelled call).
        struct Done<'a>(&'a Mutex<State>, &'a [u8]);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.lock().expect("auth state").lookups.remove(self.1);
            }
        }
        let lookup = self.state.lock().expect("auth state").lookups.entry(hash.clone()).or_default().clone();
        let _turn = lookup.lock().await;
        let _done = Done(&self.state, &hash);
        match self.cached(&hash) {
            Some(p) => p,
            None => self.verify(&hash).await,
        }
    }

    async fn verify(&self, hash: &[u8]) -> Result<Principal, ApiError> {
        let Some(grant) = self.storage.find_token(hash).await? else {
            let mut state = self.state.lock().expect("auth state");
            if state.unknown.len() >= CACHE_MAX {
                state.unknown.retain(|_, at| at.elapsed() < CACHE_TTL);
                if state.unknown.len() >= CACHE_MAX {
                    state.unknown.clear();
                }
            }
            state.unknown.insert(hash.to_vec(), Instant::now());
            return Err(ApiError::Unauthenticated(UNKNOWN_TOKEN.into()));
        };
        let role = grant.role;
        let principal = Principal {
            token_id: grant.id,
            role,
            scope: grant.scope,
            expire_time: grant.expire_time,
            portal: grant.portal,
            webhook: grant.webhook_id,
            user_agent: String::new(),
        };
        let mut state = self.state.lock().expect("auth state");
        if state.cache.len() >= CACHE_MAX {
            state.cache.clear();
        }
        state.cache.insert(hash.to_vec(), Cached { principal: principal.clone(), verified: Instant::now() });
        Ok(principal)
    }

    /// Writes that `id` was used, unless this replica did so within the last minute.
    fn touch(&self, id: Uuid) {
        {
            let mut state = self.state.lock().expect("auth state");
            if state.touched.get(&id).is_some_and(|at| at.elapsed() < TOUCH_EVERY) {
                return;
            }
            if state.touched.len() >= CACHE_MAX {
                state.touched.retain(|_, at| at.elapsed() < TOUCH_EVERY);
            }
            state.touched.insert(id, Instant::now());
        }
        let storage = self.storage.clone();
        tokio::spawn(async move {
            if let Err(e) = storage.touch_tokens(&[id]).await {
                tracing::debug!(error = %crate::report::chain(&e), "cannot record a token's last use");
            }
        });
    }
}
