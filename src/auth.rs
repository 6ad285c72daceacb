//! Bearer-token authentication and scope/role authorization.
//!
//! Tokens are random strings shown once; the database keeps only their SHA-256.
//! A short-lived in-memory cache keeps the hot paths (ingest) off the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tonic::metadata::MetadataMap;

use crate::error::ApiError;
use crate::model::Scope;
use crate::storage::Storage;

/// How long a verified token is trusted without asking the database again.
const CACHE_TTL: Duration = Duration::from_secs(10);

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Manages webhooks and reads history.
    Admin,
    /// Publishes events.
    Publisher,
}

impl Role {
    /// Parses `admin` or `publisher`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "publisher" => Some(Self::Publisher),
            _ => None,
        }
    }

    /// The name stored in the tokens table and accepted by `parse`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Publisher => "publisher",
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// What the caller may do.
    pub role: Role,
    /// What it reaches: this scope and everything under it.
    pub scope: Scope,
}

impl Principal {
    /// Whether the caller reaches `scope`.
    pub fn reaches(&self, scope: &Scope) -> bool {
        self.scope.contains(scope)
    }

    /// PERMISSION_DENIED unless the caller reaches `scope`.
    pub fn check_scope(&self, scope: &Scope) -> Result<(), ApiError> {
        if self.reaches(scope) {
            Ok(())
        } else {
            Err(ApiError::PermissionDenied(format!("token for {} cannot reach {scope}", self.scope)))
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

/// Verified tokens by hash, with when they were verified.
type TokenCache = HashMap<Vec<u8>, (Principal, Instant)>;

/// Authenticates requests against the token table.
#[derive(Clone)]
pub struct Authenticator {
    storage: Storage,
    cache: Arc<Mutex<TokenCache>>,
}

impl Authenticator {
    /// An authenticator over `storage`.
    pub fn new(storage: Storage) -> Self {
        Self { storage, cache: Arc::default() }
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

    async fn authenticate(&self, metadata: &MetadataMap) -> Result<Principal, ApiError> {
        let value = metadata
            .get("authorization")
            .ok_or_else(|| ApiError::Unauthenticated("missing authorization: Bearer <token>".into()))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::Unauthenticated("authorization must be `Bearer <token>`".into()))?;
        let hash = hash_token(token);
        if let Some((p, at)) = self.cache.lock().expect("auth cache").get(&hash) {
            if at.elapsed() < CACHE_TTL {
                return Ok(p.clone());
            }
        }
        let grant =
            self.storage.find_token(&hash).await?.ok_or_else(|| ApiError::Unauthenticated("unknown token".into()))?;
        let role = Role::parse(&grant.role).ok_or_else(|| ApiError::Unauthenticated("unknown token role".into()))?;
        let principal = Principal { role, scope: grant.scope };
        let mut cache = self.cache.lock().expect("auth cache");
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(hash, (principal.clone(), Instant::now()));
        Ok(principal)
    }
}
