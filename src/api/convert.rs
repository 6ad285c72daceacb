//! Conversions between storage rows and proto messages.

use url::Url;

use crate::model::{DeliveryStatus, Scope};
use crate::pb;
use crate::storage::webhooks::WebhookRow;

/// Proto scope of a domain scope.
pub fn scope(s: &Scope) -> pb::Scope {
    pb::Scope {
        company_id: s.company_id.clone(),
        project_id: s.project_id.clone(),
    }
}

/// Proto status of a domain status.
pub fn status(s: DeliveryStatus) -> pb::DeliveryStatus {
    match s {
        DeliveryStatus::Pending => pb::DeliveryStatus::Pending,
        DeliveryStatus::Success => pb::DeliveryStatus::Success,
        DeliveryStatus::Error => pb::DeliveryStatus::Error,
    }
}

/// A proxy URL with any password replaced by `****`, for responses and logs.
pub fn redact_proxy(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => raw.to_string(),
    }
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
        create_time: Some(w.create_time.into()),
        update_time: Some(w.update_time.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_passwords_are_hidden() {
        assert_eq!(
            redact_proxy("http://u:pw@proxy:3128/"),
            "http://u:****@proxy:3128/"
        );
        assert_eq!(redact_proxy("http://proxy:3128"), "http://proxy:3128");
    }
}
