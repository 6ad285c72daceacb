//! How errors are written in logs: an error and its causes, on one line. A leaf, so that
//! every layer (storage and delivery too) logs the same way without depending on the API's
//! error type.

/// Writes an error and its source chain on one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
