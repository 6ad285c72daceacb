//! The `webhooks` table.

use std::time::SystemTime;

use deadpool_postgres::GenericClient;
use tokio_postgres::types::Json;
use tokio_postgres::Row;
use uuid::Uuid;

use super::audit::Audit;
use super::{sealing, Storage, StorageError};
use crate::model::{
    ClientIdentity, CustomHeader, DeliveryOrdering, DeliveryStatus, Labels, Scope, SignatureScheme, SigningKeyPair,
    WebhookState,
};
use crate::secret::Secret;

/// A webhook to insert.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    /// Where it is installed.
    pub scope: Scope,
    /// Where deliveries are POSTed (http or https).
    pub target_url: String,
    /// Signs every delivery; never returned by any API.
    pub secret: Secret,
    /// Subscribed event names, deduplicated.
    pub events: Vec<String>,
    /// PEM certificate(s) the target's TLS chain must end in, instead of the public roots.
    pub ca_certificate: Option<String>,
    /// HTTP(S) proxy deliveries go through, possibly with credentials.
    pub proxy_url: Option<String>,
    /// Deliveries in flight at once, at most (0: the server's default).
    pub max_in_flight: i32,
    /// Deliveries per second, at most (0: no limit).
    pub rate_limit: i32,
    /// ACTIVE or PAUSED.
    pub state: WebhookState,
    /// Headers sent with every delivery, validated.
    pub custom_headers: Vec<CustomHeader>,
    /// A JSON object events' payloads must contain to fan out to it; none for every payload.
    pub filter: Option<serde_json::Value>,
    /// Labels events must carry to fan out to it.
    pub labels: Labels,
    /// Client certificate and key presented to the target (mutual TLS).
    pub client_identity: Option<ClientIdentity>,
    /// Which signatures its deliveries carry.
    pub signature_scheme: SignatureScheme,
    /// Its key pair for `v1a` signatures (needed when the scheme has them).
    pub signing_key: Option<SigningKeyPair>,
    /// Whether its deliveries go in publish order, one at a time.
    pub ordering: DeliveryOrdering,
}

/// Most webhooks a company (its projects' included) and one project may have.
#[derive(Debug, Clone, Copy)]
pub struct WebhookQuota {
    /// Most webhooks one company may have, its projects' included.
    pub per_company: i64,
    /// Most webhooks one project may have.
    pub per_project: i64,
}

impl WebhookQuota {
    /// No limit, for tests and tools that write straight to storage.
    pub const UNLIMITED: Self = Self { per_company: i64::MAX, per_project: i64::MAX };
}

/// Which quota a create would pass, and its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaExceeded {
    /// The company has this many webhooks already.
    Company(i64),
    /// The project has this many webhooks already.
    Project(i64),
}

/// Changes to a webhook; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookPatch {
    /// New target URL.
    pub target_url: Option<String>,
    /// New secret.
    pub secret: Option<Secret>,
    /// With a new secret: how long the replaced one stays valid (zero: not at all).
    pub secret_grace: std::time::Duration,
    /// New events.
    pub events: Option<Vec<String>>,
    /// New CA (`Some(None)` removes it).
    pub ca_certificate: Option<Option<String>>,
    /// New proxy (`Some(None)` removes it).
    pub proxy_url: Option<Option<String>>,
    /// New state, ACTIVE or PAUSED, with the reason shown (making it ACTIVE also clears the
    /// failure streak and closes the circuit breaker).
    pub state: Option<(WebhookState, String)>,
    /// New in-flight limit (0: the server's default).
    pub max_in_flight: Option<i32>,
    /// New rate limit per second (0: none).
    pub rate_limit: Option<i32>,
    /// New custom headers; a sensitive one with an empty value keeps the value of the
    /// webhook's sensitive header of the same name (names compared without case).
    pub custom_headers: Option<Vec<CustomHeader>>,
    /// New payload filter (`Some(None)` removes it).
    pub filter: Option<Option<serde_json::Value>>,
    /// New required labels (empty removes them).
    pub labels: Option<Labels>,
    /// New client certificate and key (`Some(None)` removes them).
    pub client_identity: Option<Option<ClientIdentity>>,
    /// New signature scheme.
    pub signature_scheme: Option<SignatureScheme>,
    /// A new key pair: taken when `rotate_signing_key` is set (the current one then signs
    /// too for `signing_key_grace`), or when the webhook has none.
    pub signing_key: Option<SigningKeyPair>,
    /// Replace the key pair with `signing_key`.
    pub rotate_signing_key: bool,
    /// With a rotation: how long the replaced key pair keeps signing (zero: not at all).
    pub signing_key_grace: std::time::Duration,
    /// New ordering.
    pub ordering: Option<DeliveryOrdering>,
}

/// The latest completed delivery of a webhook.
#[allow(missing_docs)] // Plain data: the field names say what each holds; the others are documented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastEvent {
    /// Success or error.
    pub status: DeliveryStatus,
    /// When it was sent.
    pub dispatch_time: SystemTime,
    pub event_type: String,
    /// HTTP status, 0 when none.
    pub status_code: i32,
}

/// The latest attempt of any of a webhook's deliveries, completed or not.
#[allow(missing_docs)] // Plain data: the field names say what each holds; the others are documented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestAttempt {
    /// The delivery attempted.
    pub delivery_id: Uuid,
    /// The delivery's status now: PENDING while a retry is due.
    pub status: DeliveryStatus,
    /// When the attempt was sent.
    pub dispatch_time: SystemTime,
    pub event_type: String,
    /// HTTP status, 0 when none.
    pub status_code: i32,
    /// Why it failed; empty after a success.
    pub error: String,
    /// While the delivery is pending: when it is tried again.
    pub next_attempt_time: Option<SystemTime>,
}

/// A stored webhook, without its secret.
#[allow(missing_docs)] // Plain data: the field names say what each holds; the others are documented.
#[derive(Debug, Clone)]
pub struct WebhookRow {
    pub id: Uuid,
    /// Where it is installed.
    pub scope: Scope,
    pub target_url: String,
    pub events: Vec<String>,
    /// PEM CA certificate(s).
    pub ca_certificate: Option<String>,
    pub proxy_url: Option<String>,
    /// Latest completed delivery.
    pub last_event: Option<LastEvent>,
    /// Latest attempt of any delivery, completed or not.
    pub latest_attempt: Option<LatestAttempt>,
    pub create_time: SystemTime,
    pub update_time: SystemTime,
    /// While a replaced secret still signs deliveries too: when it stops.
    pub secret_rotation_end_time: Option<SystemTime>,
    /// Whether deliveries are sent.
    pub state: WebhookState,
    /// Why the state last changed; empty if it never did.
    pub state_reason: String,
    /// When the state last changed.
    pub state_time: Option<SystemTime>,
    /// Deliveries in flight at once, at most (0: the server's default).
    pub max_in_flight: i32,
    /// Deliveries per second, at most (0: no limit).
    pub rate_limit: i32,
    /// Failed attempts since the last success.
    pub failure_streak: i32,
    /// When the first of them was sent.
    pub failing_since: Option<SystemTime>,
    /// While the circuit breaker is open: when the next probe may go.
    pub breaker_until: Option<SystemTime>,
    /// Headers sent with every delivery, sensitive values emptied.
    pub custom_headers: Vec<CustomHeader>,
    /// The payload filter as stored (jsonb text); none for every payload.
    pub filter: Option<String>,
    /// Labels events must carry to fan out to it.
    pub labels: Labels,
    /// The client certificate presented to the target (its key is never read here).
    pub client_certificate: Option<String>,
    /// Which signatures its deliveries carry.
    pub signature_scheme: SignatureScheme,
    /// The public key of its `v1a` signatures (32 bytes); none without a key pair.
    pub signing_public_key: Option<Vec<u8>>,
    /// While a replaced key pair still signs: its public key and when it stops.
    pub previous_signing_public_key: Option<Vec<u8>>,
    pub signing_key_rotation_end_time: Option<SystemTime>,
    /// Whether its deliveries go in publish order, one at a time.
    pub ordering: DeliveryOrdering,
}

/// Which webhooks to list.
#[derive(Debug, Clone)]
pub struct WebhookFilter {
    /// The scope listed.
    pub scope: Scope,
    /// Include the companies and projects under `scope`.
    pub include_descendants: bool,
    /// Keep webhooks subscribed to any of these; empty keeps all.
    pub events: Vec<String>,
    /// Keep webhooks in any of these states; empty keeps all.
    pub states: Vec<WebhookState>,
    /// Keep webhooks whose target URL contains this, ignoring case; empty keeps all.
    pub target_url_contains: String,
    /// Keep only webhooks with a signing key pair.
    pub with_signing_key: bool,
    /// Keep only this webhook (a portal link narrowed to it); `None` keeps all.
    pub only: Option<Uuid>,
    /// Resume after this id.
    pub after: Option<Uuid>,
    /// At most this many.
    pub limit: i64,
}

/// `text` for a LIKE pattern: its wildcards and the escape character taken literally.
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn row_to_webhook(r: &Row) -> Result<WebhookRow, tokio_postgres::Error> {
    let last_event = match (r.try_get::<_, Option<DeliveryStatus>>("last_status")?, r.get("last_dispatch_time")) {
        (Some(status), Some(dispatch_time)) => Some(LastEvent {
            status,
            dispatch_time,
            event_type: r.get::<_, Option<String>>("last_event_type").unwrap_or_default(),
            status_code: r.get::<_, Option<i32>>("last_status_code").unwrap_or_default(),
        }),
        _ => None,
    };
    let latest_attempt = match (
        r.try_get::<_, Option<Uuid>>("attempt_delivery_id")?,
        r.try_get::<_, Option<DeliveryStatus>>("attempt_status")?,
        r.try_get::<_, Option<SystemTime>>("attempt_dispatch_time")?,
    ) {
        (Some(delivery_id), Some(status), Some(dispatch_time)) => Some(LatestAttempt {
            delivery_id,
            status,
            dispatch_time,
            event_type: r.get::<_, Option<String>>("attempt_event_type").unwrap_or_default(),
            status_code: r.get::<_, Option<i32>>("attempt_status_code").unwrap_or_default(),
            error: r.get::<_, Option<String>>("attempt_error").unwrap_or_default(),
            next_attempt_time: r.get("attempt_next_time"),
        }),
        _ => None,
    };
    Ok(WebhookRow {
        id: r.get("id"),
        scope: Scope::new(r.get::<_, String>("company_id"), r.get::<_, String>("project_id")),
        target_url: r.get("target_url"),
        events: r.get("events"),
        ca_certificate: r.get("ca_certificate"),
        proxy_url: r.get("proxy_url"),
        last_event,
        latest_attempt,
        create_time: r.get("create_time"),
        update_time: r.get("update_time"),
        secret_rotation_end_time: r.get("secret_rotation_end_time"),
        state: r.try_get("state")?,
        state_reason: r.get("state_reason"),
        state_time: r.get("state_time"),
        max_in_flight: r.get("max_in_flight"),
        rate_limit: r.get("rate_limit"),
        failure_streak: r.get("failure_streak"),
        failing_since: r.get("failing_since"),
        breaker_until: r.get("breaker_until"),
        custom_headers: r.try_get::<_, tokio_postgres::types::Json<Vec<CustomHeader>>>("custom_headers")?.0,
        filter: r.try_get("filter")?,
        labels: r.try_get::<_, tokio_postgres::types::Json<Labels>>("labels")?.0,
        client_certificate: r.try_get("client_certificate")?,
        signature_scheme: SignatureScheme::try_from(r.try_get::<_, i16>("signature_scheme")?).unwrap_or_default(),
        signing_public_key: r.try_get("signing_public_key")?,
        previous_signing_public_key: r.try_get("previous_signing_public_key")?,
        signing_key_rotation_end_time: r.try_get("signing_key_rotation_end_time")?,
        ordering: DeliveryOrdering::try_from(r.try_get::<_, i16>("ordering")?).unwrap_or_default(),
    })
}

/// `asked` with each sensitive header given no value taking the value of `current`'s
/// sensitive header of the same name; the name of the first that has none.
fn keep_sensitive(asked: &[CustomHeader], current: &[CustomHeader]) -> Result<Vec<CustomHeader>, String> {
    asked
        .iter()
        .map(|h| {
            if !h.sensitive || !h.value.is_empty() {
                return Ok(h.clone());
            }
            current
                .iter()
                .find(|c| c.sensitive && c.name.eq_ignore_ascii_case(&h.name))
                .map(|c| CustomHeader { value: c.value.clone(), ..h.clone() })
                .ok_or_else(|| h.name.clone())
        })
        .collect()
}

impl Storage {
    /// Inserts a webhook.
    #[tracing::instrument(skip_all, err)]
    pub async fn create_webhook(
        &self,
        w: &NewWebhook,
        quota: &WebhookQuota,
        audit: &Audit,
    ) -> Result<WebhookRow, StorageError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        if !w.scope.company_id.is_empty() {
            let lock = tx.prepare_cached(include_str!("sql/lock_company_webhooks.sql")).await?;
            tx.execute(&lock, &[&w.scope.company_id]).await?;
            let count = tx.prepare_cached(include_str!("sql/count_scope_webhooks.sql")).await?;
            let n = tx.query_one(&count, &[&w.scope.company_id, &w.scope.project_id]).await?;
            let (in_company, in_project): (i64, i64) = (n.get("in_company"), n.get("in_project"));
            if in_company >= quota.per_company {
                return Err(StorageError::Quota(QuotaExceeded::Company(quota.per_company)));
            }
            if !w.scope.project_id.is_empty() && in_project >= quota.per_project {
                return Err(StorageError::Quota(QuotaExceeded::Project(quota.per_project)));
            }
        }
        let keys = self.keys()?;
        let id = Uuid::now_v7();
        let proxy = w.proxy_url.as_deref().map(|p| sealing::seal_proxy(keys, id, p));
        let headers = sealing::seal_headers(keys, id, &w.custom_headers);
        let stmt = tx.prepare_cached(include_str!("sql/insert_webhook.sql")).await?;
        tx.execute(
            &stmt,
            &[
                &id,
                &w.scope.company_id,
                &w.scope.project_id,
                &w.target_url,
                &sealing::seal_secret(keys, id, w.secret.expose()),
                &w.events,
                &w.ca_certificate,
                &proxy.as_ref().map(|p| p.shown.as_str()),
                &proxy.as_ref().map(|p| p.sealed.as_slice()),
                &keys.current_id(),
                &w.max_in_flight,
                &w.rate_limit,
                &w.state,
                &headers.shown,
                &headers.sealed,
                &w.filter.as_ref().map(Json),
                &Json(&w.labels),
                &w.client_identity.as_ref().map(|c| c.certificate.as_str()),
                &w.client_identity.as_ref().map(|c| sealing::seal_client_key(keys, id, c.key.expose())),
                &(w.signature_scheme as i16),
                &w.signing_key.as_ref().map(|k| sealing::seal_signing_key(keys, id, k.document.expose())),
                &w.signing_key.as_ref().map(|k| k.public_key.as_slice()),
                &(w.ordering as i16),
            ],
        )
        .await?;
        let row = shown(&tx, id).await?.expect("inserted in this transaction");
        audit.record(&tx, id, &w.scope).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Reads a webhook.
    pub async fn get_webhook(&self, id: Uuid) -> Result<Option<WebhookRow>, StorageError> {
        shown(&self.conn().await?, id).await
    }

    /// Applies `patch`; `None` when the webhook does not exist.
    #[tracing::instrument(skip(self, patch, audit), err)]
    pub async fn update_webhook(
        &self,
        id: Uuid,
        patch: &WebhookPatch,
        audit: &Audit,
    ) -> Result<Option<WebhookRow>, StorageError> {
        let keys = self.keys()?;
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let to_fifo = patch.ordering == Some(DeliveryOrdering::Fifo);
        if to_fifo {
            // Becoming FIFO: no publish may be inserting deliveries for it unnumbered (one that
            // read the webhook as unordered) while its pending ones are numbered below. This
            // waits for the transactions writing deliveries and holds new ones back until the
            // commit, a few milliseconds; taken first, before any row lock, so that no
            // recorder waiting on this webhook's row can deadlock with it.
            tx.batch_execute("LOCK TABLE deliveries IN SHARE ROW EXCLUSIVE MODE").await?;
        }
        // The row moves to the current key first, so a replaced secret (kept while its grace
        // period runs) is sealed with the same key as the new one.
        let current = tx.query_opt(include_str!("sql/lock_webhook_secrets.sql"), &[&id]).await?;
        let Some(current) = current else { return Ok(None) };
        if current.get::<_, Option<String>>("secret_key_id").as_deref() != Some(keys.current_id()) {
            sealing::reseal_row(&tx, keys, &current).await?;
        }
        let headers = match &patch.custom_headers {
            None => None,
            Some(asked) => {
                let opened = sealing::open_row(keys, id, &current)?;
                let headers = keep_sensitive(asked, &opened.custom_headers).map_err(StorageError::NoValueToKeep)?;
                Some(sealing::seal_headers(keys, id, &headers))
            }
        };
        let proxy = patch.proxy_url.as_ref().map(|p| p.as_deref().map(|p| sealing::seal_proxy(keys, id, p)));
        let stmt = tx.prepare_cached(include_str!("sql/update_webhook.sql")).await?;
        let updated = tx
            .query_opt(
                &stmt,
                &[
                    &id,
                    &patch.target_url,
                    &patch.secret.as_ref().map(|s| sealing::seal_secret(keys, id, s.expose())),
                    &patch.events,
                    &patch.ca_certificate.is_some(),
                    &patch.ca_certificate.clone().flatten(),
                    &proxy.is_some(),
                    &proxy.as_ref().and_then(|p| p.as_ref().map(|p| p.shown.as_str())),
                    &(patch.secret_grace.as_millis().min(i64::MAX as u128) as i64),
                    &proxy.as_ref().and_then(|p| p.as_ref().map(|p| p.sealed.as_slice())),
                    &patch.state.as_ref().map(|s| s.0),
                    &patch.state.as_ref().map(|s| s.1.as_str()),
                    &patch.max_in_flight,
                    &patch.rate_limit,
                    &headers.is_some(),
                    &headers.as_ref().map(|h| &h.shown),
                    &headers.as_ref().map(|h| &h.sealed),
                    &patch.filter.is_some(),
                    &patch.filter.as_ref().and_then(|f| f.as_ref().map(Json)),
                    &patch.labels.as_ref().map(Json),
                    &patch.client_identity.is_some(),
                    &patch.client_identity.as_ref().and_then(|c| c.as_ref().map(|c| c.certificate.as_str())),
                    &patch
                        .client_identity
                        .as_ref()
                        .and_then(|c| c.as_ref().map(|c| sealing::seal_client_key(keys, id, c.key.expose()))),
                    &patch.signature_scheme.map(|s| s as i16),
                    &patch.signing_key.as_ref().map(|k| sealing::seal_signing_key(keys, id, k.document.expose())),
                    &patch.signing_key.as_ref().map(|k| k.public_key.as_slice()),
                    &patch.rotate_signing_key,
                    &(patch.signing_key_grace.as_millis().min(i64::MAX as u128) as i64),
                    &patch.ordering.map(|o| o as i16),
                ],
            )
            .await?;
        if updated.is_some() && to_fifo {
            let number = tx.prepare_cached(include_str!("sql/sequence_pending.sql")).await?;
            tx.execute(&number, &[&id]).await?;
        }
        let row = match updated {
            Some(_) => shown(&tx, id).await?,
            None => None,
        };
        let scope = Scope::new(current.get::<_, String>("company_id"), current.get::<_, String>("project_id"));
        audit.record(&tx, id, &scope).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Deletes a webhook and its deliveries; whether it existed.
    #[tracing::instrument(skip(self, audit), err)]
    pub async fn delete_webhook(&self, id: Uuid, audit: &Audit) -> Result<bool, StorageError> {
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let stmt = tx.prepare_cached(include_str!("sql/delete_webhook.sql")).await?;
        let Some(row) = tx.query_opt(&stmt, &[&id]).await? else { return Ok(false) };
        audit
            .record(&tx, id, &Scope::new(row.get::<_, String>("company_id"), row.get::<_, String>("project_id")))
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Forgets replaced secrets whose grace period is over; how many.
    pub async fn end_secret_rotations(&self) -> Result<u64, StorageError> {
        let c = self.conn().await?;
        Ok(c.execute(include_str!("sql/end_secret_rotations.sql"), &[]).await?)
    }

    /// Lists webhooks in id (creation) order.
    pub async fn list_webhooks(&self, f: &WebhookFilter) -> Result<Vec<WebhookRow>, StorageError> {
        let c = self.conn().await?;
        let stmt = c.prepare_cached(include_str!("sql/list_webhooks.sql")).await?;
        let rows = c
            .query(
                &stmt,
                &[
                    &f.scope.company_id,
                    &f.scope.project_id,
                    &f.include_descendants,
                    &f.events,
                    &f.after,
                    &f.limit,
                    &f.states.iter().map(|s| *s as i16).collect::<Vec<i16>>(),
                    &like_pattern(&f.target_url_contains.to_lowercase()),
                    &f.with_signing_key,
                    &f.only,
                ],
            )
            .await?;
        Ok(rows.iter().map(row_to_webhook).collect::<Result<_, _>>()?)
    }
}

/// Webhook `id` as the API shows it (`webhooks_shown`), read through `c`: on a transaction,
/// with the transaction's own changes.
async fn shown(c: &impl GenericClient, id: Uuid) -> Result<Option<WebhookRow>, StorageError> {
    let stmt = c.prepare_cached(include_str!("sql/get_webhook.sql")).await?;
    Ok(c.query_opt(&stmt, &[&id]).await?.as_ref().map(row_to_webhook).transpose()?)
}
