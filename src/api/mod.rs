//! gRPC handlers. They validate, authorize, and call storage or the delivery handle; no SQL here.

pub mod admin;
pub mod convert;
pub mod ingest;
pub mod validate;
pub mod watch;

use std::pin::Pin;

use futures_util::Stream;

/// A server stream of `T`.
pub type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, tonic::Status>> + Send + 'static>>;
