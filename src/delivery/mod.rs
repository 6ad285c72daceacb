//! The delivery engine: claims due deliveries, signs and POSTs them, records the outcome.

pub mod policy;
pub mod ssrf;
