//! `RecoverDeliveries`, `GetRecovery` and `CancelRecovery`: bulk recovery of a webhook's
//! failed deliveries, sent again in the background by `crate::recovery`.

use std::time::SystemTime;

use tonic::Request;
use uuid::Uuid;

use super::admin::AdminService;
use super::{convert, validate};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::pb;
use crate::storage::audit::Audit;
use crate::storage::recoveries::{NewRecovery, RecoveryRow};

impl AdminService {
    /// The recovery `raw_id` if the caller reaches its webhook; NOT_FOUND otherwise.
    pub(super) async fn visible_recovery(&self, who: &Principal, raw_id: &str) -> Result<RecoveryRow, ApiError> {
        let id = validate::id("id", raw_id)?;
        match self.storage.get_recovery(id).await? {
            Some(r) if r.scope.as_ref().is_some_and(|s| who.reaches_webhook(r.webhook_id, s)) => Ok(r),
            _ => Err(ApiError::NotFound(format!("recovery {id} not found"))),
        }
    }

    pub(super) async fn recover(&self, req: Request<pb::RecoverDeliveriesRequest>) -> Result<pb::Recovery, ApiError> {
        let who = self.admin(&req).await?;
        let r = req.into_inner();
        let webhook = self.visible_webhook(&who, "webhook_id", &r.webhook_id).await?;
        let now = SystemTime::now();
        let start_time = r
            .start_time
            .as_ref()
            .ok_or_else(|| ApiError::invalid("start_time", "is required"))
            .and_then(|t| validate::timestamp("start_time", t))?;
        let end_time = match &r.end_time {
            Some(t) => validate::timestamp("end_time", t)?,
            None => now,
        };
        if start_time > now {
            return Err(ApiError::invalid("start_time", "must not be in the future"));
        }
        if now.duration_since(start_time).unwrap_or_default() > self.recovery_retention {
            return Err(ApiError::invalid(
                "start_time",
                format!(
                    "must be within the recovery retention ({}): older failures are no longer kept",
                    humantime::format_duration(self.recovery_retention)
                ),
            ));
        }
        if end_time <= start_time {
            return Err(ApiError::invalid("end_time", "must be after start_time"));
        }
        let event_types = validate::history_event_types("event_types", &r.event_types, &self.catalog)?;
        let audit = Audit::new(who.actor(), "recovery.create")
            .with("webhook_id", webhook.id.to_string())
            .with("start_time", httpdate::fmt_http_date(start_time))
            .with("end_time", httpdate::fmt_http_date(end_time))
            .with("event_types", event_types.join(","));
        let recovery = NewRecovery { webhook_id: webhook.id, start_time, end_time, event_types };
        let row = self.storage.create_recovery(Uuid::now_v7(), &recovery, &webhook.scope, &audit).await?;
        tracing::info!(recovery_id = %row.id, webhook_id = %webhook.id, total = row.total, "recovery started");
        Ok(convert::recovery(row))
    }

    pub(super) async fn cancel(&self, req: Request<pb::CancelRecoveryRequest>) -> Result<pb::Recovery, ApiError> {
        let who = self.admin(&req).await?;
        let r = self.visible_recovery(&who, &req.get_ref().id).await?;
        let scope = r.scope.clone().unwrap_or_default();
        self.storage.cancel_recovery(r.id, &scope, &Audit::new(who.actor(), "recovery.cancel")).await?;
        let r = self.visible_recovery(&who, &r.id.to_string()).await?;
        tracing::info!(recovery_id = %r.id, sent = r.sent, total = r.total, "recovery cancelled");
        Ok(convert::recovery(r))
    }
}
