//! Conversions between storage rows and proto messages.

use crate::model::{redact_proxy, DeliveryOrdering, DeliveryStatus, Scope, SignatureScheme, WebhookState};
use crate::pb;
use crate::storage::audit::AuditRow;
use crate::storage::deliveries::DeliveryRow;
use crate::storage::history::DeliveryDetail;
use crate::storage::tokens::TokenRow;
use crate::storage::webhooks::WebhookRow;

/// Proto scope of a domain scope.
pub fn scope(s: &Scope) -> pb::Scope {
    pb::Scope { company_id: s.company_id.clone(), project_id: s.project_id.clone() }
}

/// Proto status of a domain status.
pub fn status(s: DeliveryStatus) -> pb::DeliveryStatus {
    match s {
        DeliveryStatus::Pending => pb::DeliveryStatus::Pending,
        DeliveryStatus::Success => pb::DeliveryStatus::Success,
        DeliveryStatus::Error => pb::DeliveryStatus::Error,
    }
}

/// Proto signature scheme of a domain one.
pub fn signature_scheme(s: SignatureScheme) -> pb::SignatureScheme {
    match s {
        SignatureScheme::V1 => pb::SignatureScheme::V1,
        SignatureScheme::V1a => pb::SignatureScheme::V1a,
        SignatureScheme::V1AndV1a => pb::SignatureScheme::V1AndV1a,
    }
}

/// A webhook's signing public keys, as `GetSigningKeys` lists them; none without a key pair.
pub fn signing_keys(w: &WebhookRow) -> Option<pb::WebhookSigningKeys> {
    let public_key = w.signing_public_key.as_deref()?;
    Some(pb::WebhookSigningKeys {
        webhook_id: w.id.to_string(),
        scope: Some(scope(&w.scope)),
        signature_scheme: signature_scheme(w.signature_scheme) as i32,
        public_key: crate::delivery::signing::public_key_text(public_key),
        previous_public_key: w
            .previous_signing_public_key
            .as_deref()
            .map(crate::delivery::signing::public_key_text)
            .unwrap_or_default(),
        previous_expire_time: w.signing_key_rotation_end_time.map(Into::into),
    })
}

/// Proto webhook of a stored one (which never carries the secret).
pub fn webhook(w: WebhookRow) -> pb::Webhook {
    pb::Webhook {
        id: w.id.to_string(),
        scope: Some(scope(&w.scope)),
        target_url: w.target_url,
        events: w.events,
        ca_certificate: w.ca_certificate.unwrap_or_default(),
        proxy_url: w.proxy_url.as_deref().map(redact_proxy).unwrap_or_default(),
        last_event: w.last_event.map(|l| pb::LastEvent {
            status: status(l.status) as i32,
            dispatch_time: Some(l.dispatch_time.into()),
            event_type: l.event_type,
            status_code: l.status_code,
        }),
        latest_attempt: w.latest_attempt.map(|a| pb::LatestAttempt {
            delivery_id: a.delivery_id.to_string(),
            status: status(a.status) as i32,
            dispatch_time: Some(a.dispatch_time.into()),
            event_type: a.event_type,
            status_code: a.status_code,
            error: a.error,
            next_attempt_time: a.next_attempt_time.map(Into::into),
        }),
        create_time: Some(w.create_time.into()),
        update_time: Some(w.update_time.into()),
        secret_rotation_end_time: w.secret_rotation_end_time.map(Into::into),
        state: match w.state {
            WebhookState::Active => pb::WebhookState::Active,
            WebhookState::Paused => pb::WebhookState::Paused,
            WebhookState::Disabled => pb::WebhookState::Disabled,
        } as i32,
        state_reason: w.state_reason,
        state_change_time: w.state_time.map(Into::into),
        max_in_flight: w.max_in_flight.max(0) as u32,
        rate_limit_per_second: w.rate_limit.max(0) as u32,
        health: Some(pb::DeliveryHealth {
            consecutive_failures: w.failure_streak,
            failing_since: w.failing_since.map(Into::into),
            circuit_open_until: w.breaker_until.map(Into::into),
        }),
        // Shown form already; emptied again so that no path can return a sensitive value.
        custom_headers: w
            .custom_headers
            .iter()
            .map(|h| {
                let h = h.shown();
                pb::CustomHeader { name: h.name, value: h.value, sensitive: h.sensitive }
            })
            .collect(),
        filter: w.filter.unwrap_or_default(),
        labels: w.labels.into_iter().collect(),
        client_certificate: w.client_certificate.unwrap_or_default(),
        signature_scheme: signature_scheme(w.signature_scheme) as i32,
        signing_public_key: w
            .signing_public_key
            .as_deref()
            .map(crate::delivery::signing::public_key_text)
            .unwrap_or_default(),
        previous_signing_public_key: w
            .previous_signing_public_key
            .as_deref()
            .map(crate::delivery::signing::public_key_text)
            .unwrap_or_default(),
        signing_key_rotation_end_time: w.signing_key_rotation_end_time.map(Into::into),
        ordering: match w.ordering {
            DeliveryOrdering::Unordered => pb::DeliveryOrdering::Unordered,
            DeliveryOrdering::Fifo => pb::DeliveryOrdering::Fifo,
        } as i32,
    }
}

/// Proto record of a stored delivery.
pub fn delivery(d: DeliveryRow) -> pb::DeliveryRecord {
    let status = status(d.status) as i32;
    pb::DeliveryRecord {
        id: d.id.to_string(),
        webhook_id: d.webhook_id.to_string(),
        event_id: d.event_id.to_string(),
        event_type: d.event_type,
        status,
        status_code: d.status_code,
        dispatch_time: d.dispatch_time.map(Into::into),
        attempts: d.attempts,
        duration_ms: d.duration_ms,
        error: d.error,
        create_time: Some(d.create_time.into()),
        next_attempt_time: if d.status == DeliveryStatus::Pending { d.next_attempt_time.map(Into::into) } else { None },
        watch_cursor: String::new(),
    }
}

/// Proto detail of a stored delivery with its body, headers and attempts.
pub fn delivery_detail(d: DeliveryDetail) -> pb::DeliveryDetail {
    let request_headers = d.request_headers.into_iter().map(|h| pb::Header { name: h.name, value: h.value }).collect();
    let response_status = d.delivery.status_code;
    pb::DeliveryDetail {
        delivery: Some(delivery(d.delivery)),
        request_body: d.body,
        request_headers,
        response_status,
        response_body: d.response_body.unwrap_or_default(),
        attempts: d
            .attempts
            .into_iter()
            .map(|a| pb::DeliveryAttempt {
                attempt: a.attempt,
                dispatch_time: Some(a.dispatch_time.into()),
                status_code: a.status_code,
                error: a.error,
                duration_ms: a.duration_ms,
                response_body: a.response_body,
                response_headers: a
                    .response_headers
                    .into_iter()
                    .map(|(name, value)| pb::Header { name, value })
                    .collect(),
            })
            .collect(),
    }
}

/// Proto record of an audit log row.
pub fn audit_event(a: AuditRow) -> pb::AuditEvent {
    pb::AuditEvent {
        id: a.id.to_string(),
        create_time: Some(a.create_time.into()),
        token_id: a.actor.token_id.map(|id| id.to_string()).unwrap_or_default(),
        actor_scope: Some(scope(&a.actor.scope)),
        action: a.action,
        resource_type: a.resource_type,
        resource_id: a.resource_id.to_string(),
        scope: Some(scope(&a.scope)),
        changes: a.changes.into_iter().collect(),
        user_agent: a.actor.user_agent,
    }
}

/// Proto role of a token's role.
pub fn token_role(role: crate::model::Role) -> pb::TokenRole {
    match role {
        crate::model::Role::Admin => pb::TokenRole::Admin,
        crate::model::Role::Publisher => pb::TokenRole::Publisher,
    }
}

/// Proto token of a stored one (which never carries the token's value or hash).
pub fn token(t: TokenRow) -> pb::Token {
    pb::Token {
        id: t.id.to_string(),
        role: token_role(t.role) as i32,
        scope: Some(scope(&t.scope)),
        description: t.description,
        create_time: Some(t.create_time.into()),
        expire_time: t.expire_time.map(Into::into),
        last_used_time: t.last_used_time.map(Into::into),
        revoke_time: t.revoke_time.map(Into::into),
        creator_token_id: t.creator_id.map(|id| id.to_string()).unwrap_or_default(),
        portal: t.portal,
        webhook_id: t.webhook_id.map(|id| id.to_string()).unwrap_or_default(),
        frame_ancestors: t.frame_ancestors,
    }
}

/// Proto form of a recovery.
pub fn recovery(r: crate::storage::recoveries::RecoveryRow) -> pb::Recovery {
    use crate::storage::recoveries::RecoveryState;
    pb::Recovery {
        id: r.id.to_string(),
        webhook_id: r.webhook_id.to_string(),
        start_time: Some(r.start_time.into()),
        end_time: Some(r.end_time.into()),
        event_types: r.event_types,
        state: match r.state {
            RecoveryState::Running => pb::RecoveryState::Running,
            RecoveryState::Done => pb::RecoveryState::Done,
            RecoveryState::Cancelled => pb::RecoveryState::Cancelled,
        } as i32,
        total: r.total,
        sent: r.sent,
        create_time: Some(r.create_time.into()),
        finish_time: r.finish_time.map(Into::into),
    }
}
