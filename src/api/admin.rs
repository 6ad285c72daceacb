//! The `WebhookAdmin` service.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::history::{history_status, status_codes};
use super::watch::{WatchFilter, WatchHub};
use super::{convert, page, validate, ResponseStream};
use crate::auth::{Authenticator, Principal, Role};
use crate::catalog::Catalog;
use crate::delivery::ssrf::AllowList;
use crate::error::{echo, ApiError, Violations};
use crate::model::{redact_proxy, DeliveryOrdering, Scope, SignatureScheme, SigningKeyPair, WebhookState};
use crate::pb;
use crate::secret::Secret;
use crate::storage::audit::Audit;
use crate::storage::webhooks::{NewWebhook, WebhookFilter, WebhookPatch, WebhookQuota, WebhookRow};
use crate::storage::Storage;

/// How long a replaced secret stays valid when the update does not say.
const DEFAULT_SECRET_GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// The longest grace period an update may ask for.
const MAX_SECRET_GRACE: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);
/// Most bytes of webhooks in one ListWebhooks page.
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// Handlers of `webhookd.v1.WebhookAdmin`.
#[derive(Clone)]
pub struct AdminService {
    pub(super) storage: Storage,
    auth: Authenticator,
    pub(super) catalog: Catalog,
    hub: WatchHub,
    guard: Arc<AllowList>,
    quota: WebhookQuota,
    /// How far back `RecoverDeliveries` may reach (`--recovery-retention`).
    pub(super) recovery_retention: std::time::Duration,
}

impl AdminService {
    /// The service over `storage`, with `hub` feeding `WatchDeliveries`, `guard` refusing
    /// literal non-public target addresses when webhooks are written, and `quota` bounding
    /// the webhooks of each company and project; recoveries reach back `recovery_retention`.
    pub fn new(
        storage: Storage,
        auth: Authenticator,
        catalog: Catalog,
        hub: WatchHub,
        guard: Arc<AllowList>,
        quota: WebhookQuota,
        recovery_retention: std::time::Duration,
    ) -> Self {
        Self { storage, auth, catalog, hub, guard, quota, recovery_retention }
    }

    pub(super) async fn admin<T>(&self, req: &Request<T>) -> Result<Principal, ApiError> {
        self.auth.authorize(req.metadata(), Role::Admin).await
    }

    /// The webhook `id` if the caller reaches it; NOT_FOUND otherwise, so that
    /// other tenants' webhooks are indistinguishable from missing ones.
    pub(super) async fn visible_webhook(
        &self,
        who: &Principal,
        field: &str,
        raw_id: &str,
    ) -> Result<WebhookRow, ApiError> {
        let id = validate::id(field, raw_id)?;
        match self.storage.get_webhook(id).await? {
            Some(w) if who.reaches_webhook(w.id, &w.scope) => Ok(w),
            _ => Err(ApiError::NotFound(format!("webhook {id} not found"))),
        }
    }

    async fn create(&self, req: Request<pb::CreateWebhookRequest>) -> Result<pb::Webhook, ApiError> {
        let who = self.admin(&req).await?;
        let r = req.into_inner();
        // Every field is checked, and every bad one named in one answer.
        let mut v = Violations::default();
        let scope = v.check(validate::scope("scope", r.scope.as_ref()))?;
        let target_url = v.check(validate::target_url("target_url", &r.target_url, &self.guard))?;
        let secret = v.check(validate::secret("secret", &r.secret))?;
        let events = v.check(validate::events("events", &r.events, &self.catalog))?;
        let ca_certificate =
            v.check(non_empty(&r.ca_certificate).map(|c| validate::ca_certificate("ca_certificate", c)).transpose())?;
        let proxy_url =
            v.check(non_empty(&r.proxy_url).map(|p| validate::proxy_url("proxy_url", p, &self.guard)).transpose())?;
        let max_in_flight = v.check(validate::max_in_flight("max_in_flight", r.max_in_flight))?;
        let rate_limit = v.check(validate::rate_limit("rate_limit_per_second", r.rate_limit_per_second))?;
        let state = v.check(validate::settable_state("state", r.state))?;
        let custom_headers = v.check(validate::custom_headers("custom_headers", &r.custom_headers, false))?;
        let filter = v.check(validate::filter("filter", &r.filter))?;
        let labels = v.check(validate::labels("labels", &r.labels))?;
        let client_identity = v.check(validate::client_identity(&r.client_certificate, &r.client_key))?;
        let signature_scheme = v.check(validate::signature_scheme("signature_scheme", r.signature_scheme))?;
        let ordering = v.check(validate::ordering("ordering", r.ordering))?;
        v.finish()?;
        let checked = "checked above";
        let signature_scheme = signature_scheme.expect(checked).unwrap_or_default();
        let new = NewWebhook {
            target_url: target_url.expect(checked),
            secret: {
                secret.expect(checked);
                Secret::new(r.secret.into_bytes())
            },
            events: events.expect(checked),
            ca_certificate: ca_certificate.expect(checked),
            proxy_url: proxy_url.expect(checked),
            max_in_flight: max_in_flight.expect(checked),
            rate_limit: rate_limit.expect(checked),
            state: state.expect(checked).unwrap_or(WebhookState::Active),
            custom_headers: custom_headers.expect(checked),
            filter: filter.expect(checked),
            labels: labels.expect(checked),
            client_identity: client_identity.expect(checked),
            signature_scheme,
            signing_key: signature_scheme.asymmetric().then(new_signing_key),
            ordering: ordering.expect(checked).unwrap_or_default(),
            scope: scope.expect(checked),
        };
        who.check_scope(&new.scope)?;
        let audit = Audit::new(who.actor(), "webhook.create")
            .with("target_url", &new.target_url)
            .with("events", new.events.join(","))
            .with("secret", SET);
        let audit = match (&new.ca_certificate, &new.proxy_url) {
            (Some(_), Some(p)) => audit.with("ca_certificate", SET).with("proxy_url", redact_proxy(p)),
            (Some(_), None) => audit.with("ca_certificate", SET),
            (None, Some(p)) => audit.with("proxy_url", redact_proxy(p)),
            (None, None) => audit,
        };
        let audit =
            if new.max_in_flight > 0 { audit.with("max_in_flight", new.max_in_flight.to_string()) } else { audit };
        let audit =
            if new.rate_limit > 0 { audit.with("rate_limit_per_second", new.rate_limit.to_string()) } else { audit };
        let audit = if new.state == WebhookState::Paused { audit.with("state", "PAUSED") } else { audit };
        let audit = if new.custom_headers.is_empty() {
            audit
        } else {
            audit.with("custom_headers", header_names(&new.custom_headers))
        };
        let audit = match &new.filter {
            Some(f) => audit.with("filter", f.to_string()),
            None => audit,
        };
        let audit = if new.labels.is_empty() { audit } else { audit.with("labels", label_list(&new.labels)) };
        let audit = if new.client_identity.is_some() { audit.with("client_certificate", SET) } else { audit };
        let audit = if signature_scheme == SignatureScheme::V1 {
            audit
        } else {
            audit.with("signature_scheme", scheme_name(signature_scheme)).with("signing_key", GENERATED)
        };
        let audit = if new.ordering == DeliveryOrdering::Fifo { audit.with("ordering", "FIFO") } else { audit };
        let row = self.storage.create_webhook(&new, &self.quota, &audit).await?;
        tracing::info!(webhook_id = %row.id, scope = %row.scope, "webhook created");
        Ok(convert::webhook(row))
    }

    async fn update(&self, req: Request<pb::UpdateWebhookRequest>) -> Result<pb::Webhook, ApiError> {
        let who = self.admin(&req).await?;
        let r = req.into_inner();
        let existing = self.visible_webhook(&who, "id", &r.id).await?;
        let paths: Vec<String> = match &r.update_mask {
            Some(m) if !m.paths.is_empty() => m.paths.clone(),
            // No mask: every field given a value.
            _ => [
                ("target_url", !r.target_url.is_empty()),
                ("secret", !r.secret.is_empty()),
                ("events", !r.events.is_empty()),
                ("ca_certificate", !r.ca_certificate.is_empty()),
                ("proxy_url", !r.proxy_url.is_empty()),
                ("state", r.state != 0),
                ("max_in_flight", r.max_in_flight != 0),
                ("rate_limit_per_second", r.rate_limit_per_second != 0),
                ("custom_headers", !r.custom_headers.is_empty()),
                ("filter", !r.filter.is_empty()),
                ("labels", !r.labels.is_empty()),
                ("client_certificate", !r.client_certificate.is_empty() || !r.client_key.is_empty()),
                ("signature_scheme", r.signature_scheme != 0),
                ("signing_key", r.rotate_signing_key),
                ("ordering", r.ordering != 0),
            ]
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(p, _)| p.to_string())
            .collect(),
        };
        let mut patch = WebhookPatch::default();
        // Every path is checked, and every bad field named in one answer.
        let mut v = Violations::default();
        for path in &paths {
            let mut set = || -> Result<(), ApiError> {
                match path.as_str() {
                    "target_url" => {
                        patch.target_url = Some(validate::target_url("target_url", &r.target_url, &self.guard)?)
                    }
                    // Without a mask an empty secret keeps the current one (the secret is optional
                    // on edit); naming it in the mask asks for a new one, so it must be given.
                    "secret" => {
                        validate::secret("secret", &r.secret)?;
                        patch.secret = Some(Secret::new(r.secret.as_bytes()));
                    }
                    "events" => patch.events = Some(validate::events("events", &r.events, &self.catalog)?),
                    "ca_certificate" => {
                        patch.ca_certificate = Some(
                            non_empty(&r.ca_certificate)
                                .map(|c| validate::ca_certificate("ca_certificate", c))
                                .transpose()?,
                        )
                    }
                    "proxy_url" => {
                        patch.proxy_url = Some(
                            non_empty(&r.proxy_url)
                                .map(|p| validate::proxy_url("proxy_url", p, &self.guard))
                                .transpose()?,
                        )
                    }
                    "state" => {
                        let state = validate::settable_state("state", r.state)?
                            .ok_or_else(|| ApiError::invalid("state", "is required: ACTIVE or PAUSED"))?;
                        patch.state = Some((state, crate::announce::state_set(state, who.actor().token_id)));
                    }
                    "max_in_flight" => {
                        patch.max_in_flight = Some(validate::max_in_flight("max_in_flight", r.max_in_flight)?)
                    }
                    "rate_limit_per_second" => {
                        patch.rate_limit = Some(validate::rate_limit("rate_limit_per_second", r.rate_limit_per_second)?)
                    }
                    "custom_headers" => {
                        patch.custom_headers =
                            Some(validate::custom_headers("custom_headers", &r.custom_headers, true)?)
                    }
                    "filter" => patch.filter = Some(validate::filter("filter", &r.filter)?),
                    "labels" => patch.labels = Some(validate::labels("labels", &r.labels)?),
                    "client_certificate" => {
                        patch.client_identity = Some(validate::client_identity(&r.client_certificate, &r.client_key)?)
                    }
                    "signature_scheme" => {
                        patch.signature_scheme =
                            Some(validate::signature_scheme("signature_scheme", r.signature_scheme)?.ok_or_else(
                                || ApiError::invalid("signature_scheme", "is required: V1, V1A or V1_AND_V1A"),
                            )?)
                    }
                    "signing_key" => patch.rotate_signing_key = true,
                    "ordering" => {
                        patch.ordering = Some(
                            validate::ordering("ordering", r.ordering)?
                                .ok_or_else(|| ApiError::invalid("ordering", "is required: UNORDERED or FIFO"))?,
                        )
                    }
                    other => {
                        return Err(ApiError::invalid(
                            "update_mask",
                            format!(
                                "unknown or immutable path {} (allowed: target_url, secret, events, ca_certificate, \
                             proxy_url, state, max_in_flight, rate_limit_per_second, custom_headers, filter, labels, \
                             client_certificate, signature_scheme, signing_key, ordering)",
                                echo(other)
                            ),
                        ))
                    }
                }
                Ok(())
            };
            v.check(set())?;
        }
        // Sensitive header values are sent as they are: pointing the webhook at another origin
        // must not carry them there unless given again (the secret is never sent, only
        // signatures made with it, so it may stay).
        if let Some(target) = &patch.target_url {
            if origin(target) != origin(&existing.target_url) {
                let kept = match &patch.custom_headers {
                    None => existing.custom_headers.iter().any(|h| h.sensitive),
                    Some(headers) => headers.iter().any(|h| h.sensitive && h.value.is_empty()),
                };
                if kept {
                    v.check::<()>(Err(ApiError::invalid(
                        "custom_headers",
                        "give the sensitive headers' values again (mask path `custom_headers`) when target_url \
                         moves to another origin (scheme, host or port): they were meant for the old one",
                    )))?;
                }
            }
        }
        let grace = match (&r.secret_grace_period, &patch.secret) {
            (None, _) => Ok(DEFAULT_SECRET_GRACE),
            (Some(_), None) => {
                Err(ApiError::invalid("secret_grace_period", "only with a new secret (mask path `secret`)"))
            }
            (Some(d), Some(_)) => validate::grace_period("secret_grace_period", d, MAX_SECRET_GRACE),
        };
        let grace = v.check(grace)?;
        let signing_grace = match (&r.signing_key_grace_period, patch.rotate_signing_key) {
            (None, _) => Ok(DEFAULT_SECRET_GRACE),
            (Some(_), false) => Err(ApiError::invalid(
                "signing_key_grace_period",
                "only with a new signing key (mask path `signing_key`)",
            )),
            (Some(d), true) => validate::grace_period("signing_key_grace_period", d, MAX_SECRET_GRACE),
        };
        let signing_grace = v.check(signing_grace)?;
        v.finish()?;
        patch.secret_grace = grace.expect("checked above");
        patch.signing_key_grace = signing_grace.expect("checked above");
        // A key pair is generated when one may be taken: a rotation, or a scheme that signs
        // with one (the statement keeps the webhook's own if it has one).
        if patch.rotate_signing_key || patch.signature_scheme.is_some_and(SignatureScheme::asymmetric) {
            patch.signing_key = Some(new_signing_key());
        }
        let audit = update_audit(who.actor(), &patch);
        let row = self
            .storage
            .update_webhook(existing.id, &patch, &audit)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("webhook {} not found", existing.id)))?;
        tracing::info!(webhook_id = %row.id, fields = ?paths, "webhook updated");
        Ok(convert::webhook(row))
    }

    async fn list(&self, req: Request<pb::ListWebhooksRequest>) -> Result<pb::ListWebhooksResponse, ApiError> {
        let who = self.admin(&req).await?;
        let r = req.into_inner();
        let scope = validate::scope("scope", r.scope.as_ref())?;
        let mut events = validate::event_filter("events", &r.events, &self.catalog)?;
        events.sort();
        let mut states = validate::state_filter("states", &r.states)?;
        states.sort_by_key(|s| *s as i16);
        let state_names: Vec<String> = states.iter().map(|s| (*s as i16).to_string()).collect();
        if r.target_url_contains.len() > validate::MAX_URL_BYTES {
            return Err(ApiError::invalid(
                "target_url_contains",
                format!("must be at most {} bytes", validate::MAX_URL_BYTES),
            ));
        }
        // No URL holds a control character (and PostgreSQL text cannot hold NUL).
        if r.target_url_contains.chars().any(char::is_control) {
            return Err(ApiError::invalid("target_url_contains", "must not contain control characters"));
        }
        who.check_listing(&scope)?;
        let limit = page::size("page_size", r.page_size)?;
        let descendants = if r.include_descendants { "1" } else { "0" };
        let query = page::fingerprint(
            [&scope.company_id, &scope.project_id, descendants]
                .into_iter()
                .chain(events.iter().map(String::as_str))
                .chain(["states"])
                .chain(state_names.iter().map(String::as_str))
                .chain(["url", r.target_url_contains.as_str()]),
        );
        let after = page::decode(&r.page_token, &query)?;
        let mut rows = self
            .storage
            .list_webhooks(&WebhookFilter {
                scope,
                include_descendants: r.include_descendants,
                events,
                states,
                target_url_contains: r.target_url_contains,
                with_signing_key: false,
                only: who.webhook,
                after,
                limit: limit + 1,
            })
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let total = rows.len();
        let mut webhooks = Vec::with_capacity(total);
        let mut bytes = 0;
        let mut last = None;
        for row in rows {
            let id = row.id;
            let w = convert::webhook(row);
            bytes += prost::Message::encoded_len(&w) + 4;
            // A page stays far below the 4 MiB that clients accept by default, whatever the
            // rows hold: a full one ends early and the next page continues after it.
            if bytes > MAX_PAGE_BYTES && !webhooks.is_empty() {
                break;
            }
            webhooks.push(w);
            last = Some(id);
        }
        let next_page_token = match last {
            Some(after) if more || webhooks.len() < total => page::encode(after, &query),
            _ => String::new(),
        };
        Ok(pb::ListWebhooksResponse { webhooks, next_page_token })
    }

    async fn signing_keys(
        &self,
        req: Request<pb::GetSigningKeysRequest>,
    ) -> Result<pb::GetSigningKeysResponse, ApiError> {
        let who = self.admin(&req).await?;
        let r = req.into_inner();
        let scope = validate::scope("scope", r.scope.as_ref())?;
        who.check_listing(&scope)?;
        let limit = page::size("page_size", r.page_size)?;
        let descendants = if r.include_descendants { "1" } else { "0" };
        let query = page::fingerprint(["signing_keys", &scope.company_id, &scope.project_id, descendants]);
        let after = page::decode(&r.page_token, &query)?;
        let mut rows = self
            .storage
            .list_webhooks(&WebhookFilter {
                scope,
                include_descendants: r.include_descendants,
                events: Vec::new(),
                states: Vec::new(),
                target_url_contains: String::new(),
                with_signing_key: true,
                only: who.webhook,
                after,
                limit: limit + 1,
            })
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_page_token = match rows.last() {
            Some(last) if more => page::encode(last.id, &query),
            _ => String::new(),
        };
        Ok(pb::GetSigningKeysResponse {
            keys: rows.iter().filter_map(convert::signing_keys).collect(),
            next_page_token,
        })
    }
}

/// What the audit log shows for a secret or certificate that was given: never its value.
const SET: &str = "(set)";

/// The audit record of an update: each changed field with its new value (secrets and
/// certificates as `(set)`, removals as empty).
fn update_audit(actor: crate::storage::audit::Actor, patch: &WebhookPatch) -> Audit {
    let mut audit = Audit::new(actor, "webhook.update");
    if let Some(t) = &patch.target_url {
        audit = audit.with("target_url", t);
    }
    if patch.secret.is_some() {
        audit = audit
            .with("secret", SET)
            .with("secret_grace_period", humantime::format_duration(patch.secret_grace).to_string());
    }
    if let Some(e) = &patch.events {
        audit = audit.with("events", e.join(","));
    }
    if let Some(ca) = &patch.ca_certificate {
        audit = audit.with("ca_certificate", if ca.is_some() { SET } else { "" });
    }
    if let Some(p) = &patch.proxy_url {
        audit = audit.with("proxy_url", p.as_deref().map(redact_proxy).unwrap_or_default());
    }
    if let Some((state, _)) = &patch.state {
        audit = audit.with("state", if *state == WebhookState::Paused { "PAUSED" } else { "ACTIVE" });
    }
    if let Some(n) = patch.max_in_flight {
        audit = audit.with("max_in_flight", n.to_string());
    }
    if let Some(n) = patch.rate_limit {
        audit = audit.with("rate_limit_per_second", n.to_string());
    }
    if let Some(h) = &patch.custom_headers {
        audit = audit.with("custom_headers", header_names(h));
    }
    if let Some(f) = &patch.filter {
        audit = audit.with("filter", f.as_ref().map(|f| f.to_string()).unwrap_or_default());
    }
    if let Some(l) = &patch.labels {
        audit = audit.with("labels", label_list(l));
    }
    if let Some(c) = &patch.client_identity {
        audit = audit.with("client_certificate", if c.is_some() { SET } else { "" });
    }
    if let Some(s) = patch.signature_scheme {
        audit = audit.with("signature_scheme", scheme_name(s));
    }
    if let Some(o) = patch.ordering {
        audit = audit.with("ordering", if o == DeliveryOrdering::Fifo { "FIFO" } else { "UNORDERED" });
    }
    if patch.rotate_signing_key {
        audit = audit
            .with("signing_key", GENERATED)
            .with("signing_key_grace_period", humantime::format_duration(patch.signing_key_grace).to_string());
    }
    audit
}

/// What the audit log shows for a key pair webhookd generated: never the key.
const GENERATED: &str = "(generated)";

/// A signature scheme as the audit log names it (the proto's name, without its prefix).
fn scheme_name(s: SignatureScheme) -> &'static str {
    match s {
        SignatureScheme::V1 => "V1",
        SignatureScheme::V1a => "V1A",
        SignatureScheme::V1AndV1a => "V1_AND_V1A",
    }
}

/// A new key pair for a webhook's `v1a` signatures.
fn new_signing_key() -> SigningKeyPair {
    let (document, public_key) = crate::delivery::signing::new_signing_key();
    SigningKeyPair { document, public_key }
}

/// Labels as the audit log keeps them: `key=value` pairs, comma separated, sorted by key.
fn label_list(labels: &crate::model::Labels) -> String {
    labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// Custom headers as the audit log keeps them: their names (values may be credentials).
fn header_names(headers: &[crate::model::CustomHeader]) -> String {
    headers.iter().map(|h| h.name.as_str()).collect::<Vec<_>>().join(",")
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

#[tonic::async_trait]
impl pb::webhook_admin_server::WebhookAdmin for AdminService {
    async fn create_webhook(&self, req: Request<pb::CreateWebhookRequest>) -> Result<Response<pb::Webhook>, Status> {
        Ok(Response::new(self.create(req).await?))
    }

    async fn get_signing_keys(
        &self,
        req: Request<pb::GetSigningKeysRequest>,
    ) -> Result<Response<pb::GetSigningKeysResponse>, Status> {
        Ok(Response::new(self.signing_keys(req).await?))
    }

    async fn get_webhook(&self, req: Request<pb::GetWebhookRequest>) -> Result<Response<pb::Webhook>, Status> {
        let who = self.admin(&req).await?;
        let w = self.visible_webhook(&who, "id", &req.get_ref().id).await?;
        Ok(Response::new(convert::webhook(w)))
    }

    async fn update_webhook(&self, req: Request<pb::UpdateWebhookRequest>) -> Result<Response<pb::Webhook>, Status> {
        Ok(Response::new(self.update(req).await?))
    }

    async fn delete_webhook(
        &self,
        req: Request<pb::DeleteWebhookRequest>,
    ) -> Result<Response<pb::DeleteWebhookResponse>, Status> {
        let who = self.admin(&req).await?;
        let w = self.visible_webhook(&who, "id", &req.get_ref().id).await?;
        let audit = Audit::new(who.actor(), "webhook.delete").with("target_url", &w.target_url);
        if !self.storage.delete_webhook(w.id, &audit).await.map_err(ApiError::from)? {
            return Err(ApiError::NotFound(format!("webhook {} not found", w.id)).into());
        }
        tracing::info!(webhook_id = %w.id, "webhook deleted");
        Ok(Response::new(pb::DeleteWebhookResponse {}))
    }

    async fn list_webhooks(
        &self,
        req: Request<pb::ListWebhooksRequest>,
    ) -> Result<Response<pb::ListWebhooksResponse>, Status> {
        Ok(Response::new(self.list(req).await?))
    }

    type ListEventHistoryStream = ResponseStream<pb::DeliveryRecord>;

    async fn list_event_history(
        &self,
        req: Request<pb::ListEventHistoryRequest>,
    ) -> Result<Response<Self::ListEventHistoryStream>, Status> {
        let deadline = super::deadline(req.metadata());
        Ok(Response::new(super::within_deadline(self.history(req).await?, deadline)))
    }

    async fn get_delivery(&self, req: Request<pb::GetDeliveryRequest>) -> Result<Response<pb::DeliveryDetail>, Status> {
        Ok(Response::new(self.delivery_detail(req).await?))
    }

    async fn recover_deliveries(
        &self,
        req: Request<pb::RecoverDeliveriesRequest>,
    ) -> Result<Response<pb::Recovery>, Status> {
        Ok(Response::new(self.recover(req).await?))
    }

    async fn get_recovery(&self, req: Request<pb::GetRecoveryRequest>) -> Result<Response<pb::Recovery>, Status> {
        let who = self.admin(&req).await?;
        Ok(Response::new(convert::recovery(self.visible_recovery(&who, &req.get_ref().id).await?)))
    }

    async fn cancel_recovery(&self, req: Request<pb::CancelRecoveryRequest>) -> Result<Response<pb::Recovery>, Status> {
        Ok(Response::new(self.cancel(req).await?))
    }

    async fn redeliver_event(
        &self,
        req: Request<pb::RedeliverEventRequest>,
    ) -> Result<Response<pb::DeliveryRecord>, Status> {
        let who = self.admin(&req).await?;
        let (original, scope) = self.visible_delivery(&who, "delivery_id", &req.get_ref().delivery_id).await?;
        let audit = Audit::new(who.actor(), "delivery.redeliver");
        let new = self
            .storage
            .redeliver(original.id, &scope, &audit)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::NotFound(format!("delivery {} not found", original.id)))?;
        tracing::info!(delivery_id = %new.id, original = %original.id, webhook_id = %new.webhook_id, "redelivery queued");
        Ok(Response::new(convert::delivery(new)))
    }

    async fn test_webhook(&self, req: Request<pb::TestWebhookRequest>) -> Result<Response<pb::DeliveryRecord>, Status> {
        let who = self.admin(&req).await?;
        let w = self.visible_webhook(&who, "webhook_id", &req.get_ref().webhook_id).await?;
        let d = crate::service::pings::send_test_ping(&self.storage, &w, who.actor()).await.map_err(ApiError::from)?;
        tracing::info!(delivery_id = %d.id, webhook_id = %w.id, "test ping queued");
        Ok(Response::new(convert::delivery(d)))
    }

    type WatchDeliveriesStream = ResponseStream<pb::DeliveryRecord>;

    async fn watch_deliveries(
        &self,
        req: Request<pb::WatchDeliveriesRequest>,
    ) -> Result<Response<Self::WatchDeliveriesStream>, Status> {
        let who = self.admin(&req).await?;
        let deadline = super::deadline(req.metadata());
        // The watch ends as soon as its token stops working (revoked or expired), or cannot be
        // checked (the database is away).
        let (auth, metadata) = (self.auth.clone(), req.metadata().clone());
        let invalid = async move { Status::from(auth.until_invalid(metadata).await) };
        let r = req.into_inner();
        let (webhook_id, scope) = match &r.target {
            Some(pb::watch_deliveries_request::Target::WebhookId(id)) => {
                let w = self.visible_webhook(&who, "webhook_id", id).await?;
                (Some(w.id), Scope::default())
            }
            Some(pb::watch_deliveries_request::Target::Scope(s)) => {
                let scope = validate::scope("scope", Some(s))?;
                who.check_scope(&scope)?;
                (None, scope)
            }
            None => {
                who.check_scope(&Scope::default())?;
                (None, Scope::default())
            }
        };
        let filter = WatchFilter {
            webhook_id,
            scope,
            event_types: validate::history_event_types("event_types", &r.event_types, &self.catalog)?,
            status: history_status(r.status)?,
            status_codes: status_codes(&r.status_codes)?,
        };
        let resume_after = match r.resume_after.as_str() {
            "" => None,
            c => Some(super::watch::parse_cursor(c).ok_or_else(|| {
                ApiError::invalid("resume_after", "not a watch_cursor of WatchDeliveries (digits only)")
            })?),
        };
        Ok(Response::new(super::within_deadline(self.hub.watch(filter, resume_after, invalid).await?, deadline)))
    }

    type ListAuditEventsStream = ResponseStream<pb::AuditEvent>;

    async fn list_audit_events(
        &self,
        req: Request<pb::ListAuditEventsRequest>,
    ) -> Result<Response<Self::ListAuditEventsStream>, Status> {
        let who = self.admin(&req).await?;
        Ok(Response::new(super::audit::list(&self.storage, &who, req.into_inner()).await?))
    }

    async fn list_event_types(
        &self,
        req: Request<pb::ListEventTypesRequest>,
    ) -> Result<Response<pb::ListEventTypesResponse>, Status> {
        self.admin(&req).await?;
        let event_types = self
            .catalog
            .iter()
            .map(|(n, d)| pb::EventType {
                name: n.to_string(),
                description: d.to_string(),
                payload_schema: self.catalog.schema(n).unwrap_or_default().to_string(),
            })
            .collect();
        Ok(Response::new(pb::ListEventTypesResponse { event_types }))
    }
}

/// The origin (scheme, host and port) of a stored target URL, for telling whether an edit
/// moves the webhook to someone else's endpoint.
fn origin(url: &str) -> Option<String> {
    url::Url::parse(url).ok().map(|u| u.origin().ascii_serialization())
}
