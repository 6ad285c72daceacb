use std::time::{Duration, SystemTime};
use webhookd_client::{verify_mia_signature, verify_standard_webhook};

const SECRET: &[u8] = b"change-me-please";

/// Verifies the raw body first, then parses it; `header` looks a request header up by name.
pub fn handle<'a>(body: &[u8], header: impl Fn(&str) -> Option<&'a str>) -> Result<serde_json::Value, String> {
    if !verify_mia_signature(body, header("x-mia-signature").unwrap_or_default(), SECRET) {
        return Err("bad X-Mia-Signature".into());
    }
    verify_standard_webhook(body, header, SECRET, Duration::from_secs(300), SystemTime::now())
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

#[allow(dead_code)]
fn main() {}
