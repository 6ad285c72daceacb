//! Operations that more than one front end performs, written once: the gRPC handlers and the
//! command line decode and authorize their input, call these, and encode the result. Each
//! writes its audit record with the change it makes.

pub mod pings;
pub mod tokens;
