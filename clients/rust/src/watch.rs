//! `WatchDeliveries` that survives server restarts.

use tonic::{Code, Status, Streaming};

use crate::pb::{DeliveryRecord, WatchDeliveriesRequest};
use crate::retry::is_retryable;
use crate::Client;

/// What a [`Watch`] yields.
// One at a time, never stored in bulk: the size difference costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum WatchEvent {
    /// A delivery was created or changed state.
    Delivery(DeliveryRecord),
    /// The watch broke (`after` says why: the server shut down, the connection was lost, or
    /// the watcher fell behind) and was opened again. Changes made in between may have been
    /// missed: catch up with `ListEventHistory` if they matter.
    Resumed {
        /// The error that ended the previous watch.
        after: Status,
    },
}

/// A `WatchDeliveries` call that opens itself again, with backoff, when the server goes away
/// (`UNAVAILABLE`), the connection breaks or the watcher falls behind (`RESOURCE_EXHAUSTED`),
/// and says so with [`WatchEvent::Resumed`]. Other errors (the webhook was deleted, the token
/// was refused, …) end it. A watch has no deadline unless its request carries one.
pub struct Watch {
    client: Client,
    request: WatchDeliveriesRequest,
    resume: bool,
    stream: Option<Streaming<DeliveryRecord>>,
    broken: Option<Status>,
    failures: u32,
}

impl Watch {
    pub(crate) fn new(client: Client, request: WatchDeliveriesRequest) -> Self {
        Self { client, request, resume: true, stream: None, broken: None, failures: 0 }
    }

    /// Ends with the error instead of opening the watch again.
    pub fn without_resume(mut self) -> Self {
        self.resume = false;
        self
    }

    /// The next change; an error only when the watch cannot go on.
    pub async fn next(&mut self) -> Result<WatchEvent, Status> {
        loop {
            let Some(stream) = &mut self.stream else {
                match self.client.admin().watch_deliveries(self.request.clone()).await {
                    Ok(response) => {
                        self.stream = Some(response.into_inner());
                        self.failures = 0;
                        if let Some(after) = self.broken.take() {
                            return Ok(WatchEvent::Resumed { after });
                        }
                    }
                    Err(status) => self.broke(status).await?,
                }
                continue;
            };
            match stream.message().await {
                Ok(Some(record)) => return Ok(WatchEvent::Delivery(record)),
                // The server never ends a watch as complete; an end is a break.
                Ok(None) => self.broke(Status::unavailable("the watch ended")).await?,
                Err(status) => self.broke(status).await?,
            }
        }
    }

    /// Drops the broken stream and waits before the next attempt, or gives up with `status`.
    async fn broke(&mut self, status: Status) -> Result<(), Status> {
        self.stream = None;
        let resumable = is_retryable(&status) || status.code() == Code::ResourceExhausted;
        if !self.resume || !resumable {
            return Err(status);
        }
        self.failures += 1;
        let wait = self.client.retry.backoff(self.failures, fastrand::f64());
        self.broken.get_or_insert(status);
        tokio::time::sleep(wait).await;
        Ok(())
    }
}
