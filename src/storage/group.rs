//! Group commit of single-event publishes: concurrent callers queue their event, and each of
//! a few writer tasks stores whatever is queued in one transaction (one fsync for many
//! events), answering each caller only after that commit.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::events::{NewEvent, Published};
use super::{Storage, StorageError};
use crate::report::chain;

type Reply = oneshot::Sender<Result<Published, Arc<StorageError>>>;

/// Why a grouped publish was not stored.
#[derive(Debug)]
pub enum GroupError {
    /// The writers have stopped (shutdown).
    Closed,
    /// The group's transaction failed; every caller of the group gets the same error. An
    /// unavailable database was logged once for the group.
    Storage(Arc<StorageError>),
}

/// The queue in front of the writers.
#[derive(Clone)]
pub struct GroupCommit {
    tx: mpsc::Sender<(NewEvent, Reply)>,
}

impl GroupCommit {
    /// Starts `writers` writer tasks storing up to `batch` events per transaction.
    pub fn start(storage: Storage, batch: usize, writers: usize) -> Self {
        let (tx, rx) = mpsc::channel::<(NewEvent, Reply)>(batch * writers * 2);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        for _ in 0..writers {
            let (rx, storage) = (rx.clone(), storage.clone());
            tokio::spawn(async move {
                let mut queued = Vec::with_capacity(batch);
                loop {
                    // Only one writer waits for the queue at a time; the others are committing.
                    if rx.lock().await.recv_many(&mut queued, batch).await == 0 {
                        return;
                    }
                    let (events, replies): (Vec<NewEvent>, Vec<Reply>) = queued.drain(..).unzip();
                    match storage.publish(&events).await {
                        Ok(published) => {
                            for (reply, p) in replies.into_iter().zip(published) {
                                let _ = reply.send(Ok(p));
                            }
                        }
                        Err(e) => {
                            if e.is_unavailable() {
                                tracing::warn!(error = %chain(&e), events = events.len(), "database unavailable");
                            }
                            let e = Arc::new(e);
                            for reply in replies {
                                let _ = reply.send(Err(e.clone()));
                            }
                        }
                    }
                }
            });
        }
        Self { tx }
    }

    /// Stores `event` with whatever else is queued; answers after the commit.
    pub async fn publish(&self, event: NewEvent) -> Result<Published, GroupError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((event, reply)).await.map_err(|_| GroupError::Closed)?;
        answer.await.map_err(|_| GroupError::Closed)?.map_err(GroupError::Storage)
    }
}
