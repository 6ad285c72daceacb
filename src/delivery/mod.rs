//! The delivery engine: claims due deliveries, signs and POSTs them, records the outcome.

pub mod engine;
pub mod http;
pub mod pinning;
pub mod policy;
pub mod signing;
pub mod ssrf;

pub use engine::{Engine, EngineSettings};
