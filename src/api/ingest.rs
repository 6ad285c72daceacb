//! The `EventIngest` service.

use std::time::{SystemTime, UNIX_EPOCH};

use std::sync::Arc;

use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use super::{validate, ResponseStream};
use crate::auth::{Authenticator, Principal, Role};
use crate::body::delivery_body;
use crate::catalog::Catalog;
use crate::error::{echo, ApiError};
use crate::pb;
use crate::storage::events::{NewEvent, Published};
use crate::storage::group::{GroupCommit, GroupError};
use crate::storage::Storage;
use crate::telemetry;
use crate::trace::TraceContext;
use tracing::Instrument;

/// Most events of a stream stored in one transaction.
const STREAM_BATCH: usize = 1000;
/// Bytes of requests a stream reads ahead of its commits.
const READ_AHEAD_BYTES: usize = 1024 * 1024;
/// Longest idempotency key, in bytes.
const MAX_KEY_BYTES: usize = 256;

/// Most events one group commit stores.
const GROUP_BATCH: usize = 512;
/// Transactions of grouped unary publishes in flight at once.
const GROUP_WRITERS: usize = 4;

/// Handlers of `webhookd.v1.EventIngest`.
#[derive(Clone)]
pub struct IngestService {
    storage: Storage,
    auth: Authenticator,
    catalog: Catalog,
    max_payload_bytes: usize,
    group: GroupCommit,
}

impl IngestService {
    /// The service over `storage`.
    pub fn new(storage: Storage, auth: Authenticator, catalog: Catalog, max_payload_bytes: usize) -> Self {
        let group = GroupCommit::start(storage.clone(), GROUP_BATCH, GROUP_WRITERS);
        Self { storage, auth, catalog, max_payload_bytes, group }
    }

    /// Validates a request into a storable event with its body built.
    fn event(
        &self,
        who: &Principal,
        r: pb::PublishEventRequest,
        trace: Option<&TraceContext>,
    ) -> Result<NewEvent, ApiError> {
        if r.event_name.is_empty() {
            return Err(ApiError::invalid("event_name", "is required"));
        }
        if !self.catalog.contains(&r.event_name) {
            return Err(ApiError::invalid("event_name", format!("unknown event {}", echo(&r.event_name))));
        }
        if crate::catalog::is_operational(&r.event_name) {
            return Err(ApiError::invalid("event_name", format!("{} is published by webhookd itself", r.event_name)));
        }
        let scope = validate::scope("scope", r.scope.as_ref())?;
        if r.payload.len() > self.max_payload_bytes {
            return Err(ApiError::TooLarge {
                field: "payload".into(),
                reason: format!("{} bytes is more than the {} allowed", r.payload.len(), self.max_payload_bytes),
            });
        }
        let timestamp_ms = match r.event_timestamp {
            0 => SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as i64,
            t if t < 0 => return Err(ApiError::invalid("event_timestamp", "must not be negative")),
            t => t,
        };
        if r.idempotency_key.len() > MAX_KEY_BYTES {
            return Err(ApiError::invalid("idempotency_key", format!("must be at most {MAX_KEY_BYTES} bytes")));
        }
        let labels = validate::labels("labels", &r.labels)?;
        who.check_scope(&scope)?;
        let body = delivery_body(&r.event_name, timestamp_ms, &r.payload)?;
        self.catalog.check_payload(&r.event_name, &r.payload).map_err(|why| ApiError::invalid("payload", why))?;
        Ok(NewEvent {
            name: r.event_name,
            scope,
            timestamp_ms,
            idempotency_key: (!r.idempotency_key.is_empty()).then_some(r.idempotency_key),
            body,
            trace: trace.cloned(),
            skip_webhook: None,
            labels,
        })
    }
}

fn response(p: Published) -> pb::PublishEventResponse {
    pb::PublishEventResponse { event_id: p.event_id.to_string(), deliveries: p.deliveries, duplicate: p.duplicate }
}

#[tonic::async_trait]
impl pb::event_ingest_server::EventIngest for IngestService {
    async fn publish_event(
        &self,
        req: Request<pb::PublishEventRequest>,
    ) -> Result<Response<pb::PublishEventResponse>, Status> {
        let who = self.auth.authorize(req.metadata(), Role::Publisher).await?;
        let trace = TraceContext::from_metadata(req.metadata());
        let span = if crate::telemetry::exporting_spans() {
            tracing::info_span!(
                "publish event",
                trace_id = trace.as_ref().map(TraceContext::trace_id).unwrap_or_default(),
            )
        } else {
            tracing::Span::none()
        };
        crate::trace::continue_trace(&span, trace.as_ref());
        let event = self.event(&who, req.into_inner(), trace.as_ref())?;
        let p = self.group.publish(event).instrument(span).await.map_err(|e| match e {
            GroupError::Closed => ApiError::Unavailable("shutting down".into()),
            GroupError::Storage(e) => ApiError::from_shared(e),
        })?;
        tracing::debug!(
            event_id = %p.event_id, deliveries = p.deliveries, duplicate = p.duplicate,
            trace_id = trace.as_ref().map(TraceContext::trace_id).unwrap_or_default(), "event published");
        if !p.duplicate {
            metrics::counter!(telemetry::EVENTS_INGESTED, "rpc" => "PublishEvent").increment(1);
        }
        Ok(Response::new(response(p)))
    }

    type PublishEventsStream = ResponseStream<pb::PublishEventResponse>;

    /// Takes whatever requests have arrived (up to a batch), stores them in one
    /// transaction, answers them in order, and repeats. An invalid request ends the
    /// stream with its error after the valid ones before it are stored and answered.
    ///
    /// A reader task takes requests off the connection as they arrive, into a buffer
    /// bounded in bytes, while the batches before them commit: HTTP/2 closes a connection
    /// whose small DATA frames (one per message, as grpcurl and most clients send them)
    /// pile up unread, so they are never left waiting on a commit.
    async fn publish_events(
        &self,
        req: Request<Streaming<pb::PublishEventRequest>>,
    ) -> Result<Response<Self::PublishEventsStream>, Status> {
        let who = self.auth.authorize(req.metadata(), Role::Publisher).await?;
        // The stream ends as soon as its token stops working (revoked or expired).
        let (auth, metadata) = (self.auth.clone(), req.metadata().clone());
        let invalid = async move { auth.until_invalid(metadata).await };
        // The call's trace context goes with every event of the stream.
        let trace = TraceContext::from_metadata(req.metadata());
        let mut arrived = read_ahead(req.into_inner());
        let (tx, rx) = mpsc::channel(STREAM_BATCH * 2);
        let this = self.clone();
        tokio::spawn(async move {
            let mut index: u64 = 0;
            let mut batch = Vec::with_capacity(STREAM_BATCH);
            tokio::pin!(invalid);
            loop {
                tokio::select! {
                    biased;
                    e = &mut invalid => {
                        let _ = tx.send(Err(e.into())).await;
                        return;
                    }
                    n = arrived.recv_many(&mut batch, STREAM_BATCH) => if n == 0 {
                        return;
                    },
                }
                let mut events = Vec::with_capacity(batch.len());
                let mut failure = None;
                for item in batch.drain(..) {
                    match item.and_then(|(r, _permit)| this.event(&who, r, trace.as_ref()).map_err(Status::from)) {
                        Ok(e) => events.push(e),
                        Err(status) => {
                            failure = Some(status);
                            break;
                        }
                    }
                }
                match this.storage.publish(&events).await {
                    Ok(published) => {
                        let stored = published.iter().filter(|p| !p.duplicate).count();
                        metrics::counter!(telemetry::EVENTS_INGESTED, "rpc" => "PublishEvents")
                            .increment(stored as u64);
                        for p in published {
                            if tx.send(Ok(response(p))).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(ApiError::from(e).into())).await;
                        return;
                    }
                }
                index += events.len() as u64;
                if let Some(status) = failure {
                    tracing::debug!(index, error = %status.message(), "publish stream ended by an invalid event");
                    let _ = tx.send(Err(status)).await;
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

/// A request read off a stream, holding its share of the read-ahead buffer.
type Arrived = Result<(pb::PublishEventRequest, OwnedSemaphorePermit), Status>;

/// Reads `incoming` into a channel as fast as messages arrive, holding at most
/// [`READ_AHEAD_BYTES`] of them (one larger message is let through alone). The channel
/// ends after the stream ends, or after its error.
fn read_ahead(mut incoming: Streaming<pb::PublishEventRequest>) -> mpsc::UnboundedReceiver<Arrived> {
    let (tx, rx) = mpsc::unbounded_channel();
    let budget = Arc::new(Semaphore::new(READ_AHEAD_BYTES));
    tokio::spawn(async move {
        loop {
            let item = match incoming.message().await {
                Ok(Some(m)) => {
                    let size = prost::Message::encoded_len(&m).clamp(1, READ_AHEAD_BYTES) as u32;
                    let Ok(permit) = budget.clone().acquire_many_owned(size).await else {
                        return;
                    };
                    Ok((m, permit))
                }
                Ok(None) => return,
                Err(status) => Err(crate::error::too_large(&status).unwrap_or(status)),
            };
            let last = item.is_err();
            if tx.send(item).is_err() || last {
                return;
            }
        }
    });
    rx
}
