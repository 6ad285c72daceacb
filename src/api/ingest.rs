//! The `EventIngest` service.

use tonic::{Request, Response, Status, Streaming};

use super::ResponseStream;
use crate::auth::{Authenticator, Role};
use crate::catalog::Catalog;
use crate::pb;
use crate::storage::Storage;

/// Handlers of `webhookd.v1.EventIngest`.
#[derive(Clone)]
pub struct IngestService {
    #[allow(dead_code)]
    storage: Storage,
    auth: Authenticator,
    #[allow(dead_code)]
    catalog: Catalog,
}

impl IngestService {
    /// The service over `storage`.
    pub fn new(storage: Storage, auth: Authenticator, catalog: Catalog) -> Self {
        Self {
            storage,
            auth,
            catalog,
        }
    }
}

#[tonic::async_trait]
impl pb::event_ingest_server::EventIngest for IngestService {
    async fn publish_event(
        &self,
        req: Request<pb::PublishEventRequest>,
    ) -> Result<Response<pb::PublishEventResponse>, Status> {
        self.auth.authorize(req.metadata(), Role::Publisher).await?;
        Err(Status::unimplemented("PublishEvent is not implemented yet"))
    }

    type PublishEventsStream = ResponseStream<pb::PublishEventResponse>;

    async fn publish_events(
        &self,
        req: Request<Streaming<pb::PublishEventRequest>>,
    ) -> Result<Response<Self::PublishEventsStream>, Status> {
        self.auth.authorize(req.metadata(), Role::Publisher).await?;
        Err(Status::unimplemented(
            "PublishEvents is not implemented yet",
        ))
    }
}
