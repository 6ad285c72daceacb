//! The history half of the `WebhookAdmin` service: a webhook's deliveries listed with
//! their filters and order, and one delivery with what it sent.

use futures_util::StreamExt;
use tonic::{Request, Status};

use super::admin::AdminService;
use super::{convert, validate, ResponseStream};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::model::{DeliveryStatus, Scope};
use crate::pb;
use crate::storage::deliveries::{DeliveryRow, HISTORY_LIMIT};
use crate::storage::history::HistoryFilter;

impl AdminService {
    /// The delivery `raw_id` and its webhook's scope if the caller reaches it; NOT_FOUND
    /// otherwise.
    pub(super) async fn visible_delivery(
        &self,
        who: &Principal,
        field: &str,
        raw_id: &str,
    ) -> Result<(DeliveryRow, Scope), ApiError> {
        let id = validate::id(field, raw_id)?;
        let not_found = || ApiError::NotFound(format!("delivery {id} not found"));
        match self.storage.get_delivery(id).await? {
            Some(d) if who.reaches_webhook(d.delivery.webhook_id, &d.scope()) => {
                let scope = d.scope();
                Ok((d.delivery, scope))
            }
            _ => Err(not_found()),
        }
    }

    pub(super) async fn history(
        &self,
        req: Request<pb::ListEventHistoryRequest>,
    ) -> Result<ResponseStream<pb::DeliveryRecord>, ApiError> {
        let who = self.admin(&req).await?;
        let r = req.into_inner();
        let w = self.visible_webhook(&who, "webhook_id", &r.webhook_id).await?;
        let limit = match r.limit {
            n if n < 0 => return Err(ApiError::invalid("limit", "must not be negative")),
            0 => HISTORY_LIMIT,
            n => i64::from(n).min(HISTORY_LIMIT),
        };
        let oldest_first = match pb::HistoryOrder::try_from(r.order) {
            Ok(pb::HistoryOrder::OldestFirst) => true,
            Ok(_) => false,
            Err(_) => return Err(ApiError::invalid("order", format!("unknown order {}", r.order))),
        };
        let rows = self
            .storage
            .history(HistoryFilter {
                webhook_id: w.id,
                event_types: validate::history_event_types("event_types", &r.event_types, &self.catalog)?,
                status: history_status(r.status)?,
                status_codes: status_codes(&r.status_codes)?,
                oldest_first,
                limit,
            })
            .await?;
        let stream = tokio_stream::wrappers::ReceiverStream::new(rows).map(|r| match r {
            Ok(d) => Ok(convert::delivery(d)),
            Err(e) => Err(Status::from(ApiError::from(e))),
        });
        Ok(Box::pin(stream))
    }

    pub(super) async fn delivery_detail(
        &self,
        req: Request<pb::GetDeliveryRequest>,
    ) -> Result<pb::DeliveryDetail, ApiError> {
        let who = self.admin(&req).await?;
        let id = validate::id("id", &req.get_ref().id)?;
        // One query: the delivery, what it sent, and its webhook's scope for the reach check.
        match self.storage.delivery_detail(id).await? {
            Some(d) if who.reaches_webhook(d.delivery.webhook_id, &d.scope) => Ok(convert::delivery_detail(d)),
            _ => Err(ApiError::NotFound(format!("delivery {id} not found"))),
        }
    }
}

/// A status filter: unspecified (all), PENDING, SUCCESS or ERROR.
pub(super) fn history_status(raw: i32) -> Result<Option<DeliveryStatus>, ApiError> {
    match pb::DeliveryStatus::try_from(raw) {
        Ok(pb::DeliveryStatus::Unspecified) => Ok(None),
        Ok(pb::DeliveryStatus::Pending) => Ok(Some(DeliveryStatus::Pending)),
        Ok(pb::DeliveryStatus::Success) => Ok(Some(DeliveryStatus::Success)),
        Ok(pb::DeliveryStatus::Error) => Ok(Some(DeliveryStatus::Error)),
        Err(_) => Err(ApiError::invalid("status", format!("unknown status {raw}"))),
    }
}

/// A status-code filter: each 0 (no response) or 100 to 599.
pub(super) fn status_codes(codes: &[i32]) -> Result<Vec<i32>, ApiError> {
    match codes.iter().find(|&&c| c != 0 && !(100..=599).contains(&c)) {
        Some(c) => Err(ApiError::invalid("status_codes", format!("{c} is not an HTTP status code"))),
        None => Ok(codes.to_vec()),
    }
}
