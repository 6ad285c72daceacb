//! Receiver side: verify what webhookd signed, over the raw body bytes, in constant time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Why a Standard Webhooks signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// `webhook-id`, `webhook-timestamp` or `webhook-signature` is missing.
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a number.
    BadTimestamp,
    /// The timestamp is further from now than the tolerance.
    Stale,
    /// No `v1,` signature matches (no `v1a,` one, for [`verify_standard_webhook_v1a`]).
    Mismatch,
    /// A public key is not `whpk_` + base64 of 32 bytes of an ed25519 key.
    BadPublicKey,
    /// `X-Mia-Signature` is missing or does not match the body and secret.
    BadSignature,
    /// Signed, but not a webhookd event body (`eventName`, `eventTimestamp`, `payload`).
    Malformed(String),
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingHeader(h) => write!(f, "missing header {h}"),
            Self::BadTimestamp => f.write_str("webhook-timestamp is not a number"),
            Self::Stale => f.write_str("webhook-timestamp is outside the tolerance"),
            Self::Mismatch => f.write_str("no signature matches"),
            Self::BadPublicKey => f.write_str("a public key is not whpk_ + base64 of an ed25519 key"),
            Self::BadSignature => f.write_str("X-Mia-Signature is missing or does not match"),
            Self::Malformed(why) => write!(f, "not a webhookd event: {why}"),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Whether `header` (the `X-Mia-Signature` value) is `hex(sha256(body ++ secret))`.
pub fn verify_mia_signature(body: &[u8], header: &str, secret: &[u8]) -> bool {
    let mut h = Sha256::new();
    h.update(body);
    h.update(secret);
    let want = hex::encode(h.finalize());
    let got = header.trim().to_ascii_lowercase();
    want.as_bytes().ct_eq(got.as_bytes()).into()
}

/// Verifies the Standard Webhooks headers (looked up case-insensitively by `header`)
/// against `body` and `secret` (raw bytes, or a `whsec_…` string), rejecting timestamps
/// more than `tolerance` away from `now`.
pub fn verify_standard_webhook<'a>(
    body: &[u8],
    header: impl Fn(&str) -> Option<&'a str>,
    secret: &[u8],
    tolerance: Duration,
    now: SystemTime,
) -> Result<(), VerifyError> {
    let id = header("webhook-id").ok_or(VerifyError::MissingHeader("webhook-id"))?;
    let ts = header("webhook-timestamp").ok_or(VerifyError::MissingHeader("webhook-timestamp"))?;
    let sigs = header("webhook-signature").ok_or(VerifyError::MissingHeader("webhook-signature"))?;
    let ts_num: i64 = ts.trim().parse().map_err(|_| VerifyError::BadTimestamp)?;
    let now_s = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    if (now_s - ts_num).unsigned_abs() > tolerance.as_secs() {
        return Err(VerifyError::Stale);
    }
    let key = match std::str::from_utf8(secret).ok().and_then(|s| s.strip_prefix("whsec_")) {
        Some(b64) => base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| VerifyError::Mismatch)?,
        None => secret.to_vec(),
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(ts.trim().as_bytes());
    mac.update(b".");
    mac.update(body);
    let want = mac.finalize().into_bytes();
    for candidate in sigs.split_whitespace() {
        let Some(b64) = candidate.strip_prefix("v1,") else { continue };
        if let Ok(got) = base64::engine::general_purpose::STANDARD.decode(b64) {
            if bool::from(got.ct_eq(want.as_slice())) {
                return Ok(());
            }
        }
    }
    Err(VerifyError::Mismatch)
}

/// Verifies the Standard Webhooks headers' `v1a,` (ed25519) entries of a webhook with
/// signature scheme V1A or V1_AND_V1A against `body` with `public_keys` (each `whpk_…`, as
/// `Webhook.signing_public_key` and `GetSigningKeys` show them; give the previous key too
/// while a rotation runs), rejecting timestamps more than `tolerance` away from `now`.
/// Headers are looked up case-insensitively by `header`. Nothing secret is needed.
pub fn verify_standard_webhook_v1a<'a>(
    body: &[u8],
    header: impl Fn(&str) -> Option<&'a str>,
    public_keys: &[&str],
    tolerance: Duration,
    now: SystemTime,
) -> Result<(), VerifyError> {
    use ed25519_dalek::{Signature, VerifyingKey};
    let b64 = base64::engine::general_purpose::STANDARD;
    let keys = public_keys
        .iter()
        .map(|k| {
            let raw = k.strip_prefix("whpk_").and_then(|b| b64.decode(b).ok()).ok_or(VerifyError::BadPublicKey)?;
            let raw: [u8; 32] = raw.try_into().map_err(|_| VerifyError::BadPublicKey)?;
            VerifyingKey::from_bytes(&raw).map_err(|_| VerifyError::BadPublicKey)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let id = header("webhook-id").ok_or(VerifyError::MissingHeader("webhook-id"))?;
    let ts = header("webhook-timestamp").ok_or(VerifyError::MissingHeader("webhook-timestamp"))?;
    let sigs = header("webhook-signature").ok_or(VerifyError::MissingHeader("webhook-signature"))?;
    let ts_num: i64 = ts.trim().parse().map_err(|_| VerifyError::BadTimestamp)?;
    let now_s = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    if (now_s - ts_num).unsigned_abs() > tolerance.as_secs() {
        return Err(VerifyError::Stale);
    }
    let message = [id.as_bytes(), b".", ts.trim().as_bytes(), b".", body].concat();
    for candidate in sigs.split_whitespace() {
        let Some(sig) = candidate.strip_prefix("v1a,").and_then(|b| b64.decode(b).ok()) else { continue };
        let Ok(sig) = Signature::from_slice(&sig) else { continue };
        if keys.iter().any(|k| k.verify_strict(&message, &sig).is_ok()) {
            return Ok(());
        }
    }
    Err(VerifyError::Mismatch)
}

/// A delivery's event, verified: what [`verify_event`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEvent {
    /// `eventName`, e.g. `project_created`.
    pub event_name: String,
    /// `eventTimestamp`, Unix milliseconds.
    pub event_timestamp: i64,
    /// `payload`, the publisher's JSON object (numbers as sent: `serde_json` keeps integers).
    pub payload: serde_json::Value,
    /// `webhook-id`: the delivery's id, to drop a delivery received twice.
    pub delivery_id: String,
}

/// Verifies a delivery and returns its event: `X-Mia-Signature` over the raw `body`, the
/// Standard Webhooks signature and its timestamp (within `tolerance` of `now`), then parses
/// the body. Headers are looked up case-insensitively by `header`; `secret` is the webhook's
/// (raw bytes; a `whsec_…` form is accepted for the Standard Webhooks check alone).
pub fn verify_event<'a>(
    body: &[u8],
    header: impl Fn(&str) -> Option<&'a str> + Copy,
    secret: &[u8],
    tolerance: Duration,
    now: SystemTime,
) -> Result<VerifiedEvent, VerifyError> {
    let mia = header("x-mia-signature").ok_or(VerifyError::BadSignature)?;
    if !verify_mia_signature(body, mia, secret) {
        return Err(VerifyError::BadSignature);
    }
    verify_standard_webhook(body, header, secret, tolerance, now)?;
    let malformed = |why: &str| VerifyError::Malformed(why.to_string());
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| malformed(&e.to_string()))?;
    let event_name = v["eventName"].as_str().ok_or_else(|| malformed("no eventName"))?.to_string();
    let event_timestamp = v["eventTimestamp"].as_i64().ok_or_else(|| malformed("no eventTimestamp"))?;
    let payload = v.get("payload").filter(|p| p.is_object()).cloned().ok_or_else(|| malformed("no payload object"))?;
    let delivery_id = header("webhook-id").unwrap_or_default().to_string();
    Ok(VerifiedEvent { event_name, event_timestamp, payload, delivery_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_vectors_verify_and_tampering_fails() {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/signature_vectors.json")).unwrap();
        for v in file["vectors"].as_array().unwrap() {
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            let (body, secret, id) = (s("body"), s("secret"), s("webhook_id"));
            let ts = v["webhook_timestamp"].as_i64().unwrap();
            assert!(verify_mia_signature(body.as_bytes(), &s("x_mia_signature"), secret.as_bytes()));
            assert!(!verify_mia_signature(format!("{body} ").as_bytes(), &s("x_mia_signature"), secret.as_bytes()));
            let now = UNIX_EPOCH + Duration::from_secs(ts as u64 + 10);
            let ts_s = ts.to_string();
            let sig = s("webhook_signature");
            let headers = |name: &str| match name {
                "webhook-id" => Some(id.as_str()),
                "webhook-timestamp" => Some(ts_s.as_str()),
                "webhook-signature" => Some(sig.as_str()),
                _ => None,
            };
            let tol = Duration::from_secs(300);
            assert_eq!(verify_standard_webhook(body.as_bytes(), headers, secret.as_bytes(), tol, now), Ok(()));
            let whsec = s("standard_webhooks_secret");
            assert_eq!(verify_standard_webhook(body.as_bytes(), headers, whsec.as_bytes(), tol, now), Ok(()));
            let late = now + Duration::from_secs(600);
            assert_eq!(
                verify_standard_webhook(body.as_bytes(), headers, secret.as_bytes(), tol, late),
                Err(VerifyError::Stale)
            );
            assert_eq!(
                verify_standard_webhook(b"{}", headers, secret.as_bytes(), tol, now),
                Err(VerifyError::Mismatch)
            );
            assert_eq!(
                verify_standard_webhook(body.as_bytes(), |_| None, secret.as_bytes(), tol, now),
                Err(VerifyError::MissingHeader("webhook-id"))
            );

            // v1a: the public key verifies the vector's ed25519 entry, nothing else does.
            let (public_key, v1a) = (s("signing_public_key"), s("webhook_signature_v1a"));
            let both = format!("{sig} {v1a}");
            let asym = |name: &str| if name == "webhook-signature" { Some(both.as_str()) } else { headers(name) };
            assert_eq!(verify_standard_webhook_v1a(body.as_bytes(), asym, &[&public_key], tol, now), Ok(()));
            assert_eq!(
                verify_standard_webhook_v1a(body.as_bytes(), headers, &[&public_key], tol, now),
                Err(VerifyError::Mismatch),
                "a v1 entry is no v1a signature"
            );
            assert_eq!(verify_standard_webhook_v1a(b"{}", asym, &[&public_key], tol, now), Err(VerifyError::Mismatch));
            assert_eq!(
                verify_standard_webhook_v1a(body.as_bytes(), asym, &[&public_key], tol, late),
                Err(VerifyError::Stale)
            );
            let other = "whpk_".to_string() + &base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
            assert!(verify_standard_webhook_v1a(body.as_bytes(), asym, &[&other], tol, now).is_err());
            assert_eq!(
                verify_standard_webhook_v1a(body.as_bytes(), asym, &["whpk_AAAA"], tol, now),
                Err(VerifyError::BadPublicKey)
            );

            // The whole check, parsed: the event, or why not.
            let mia = s("x_mia_signature");
            let all = |name: &str| if name == "x-mia-signature" { Some(mia.as_str()) } else { headers(name) };
            let event = verify_event(body.as_bytes(), all, secret.as_bytes(), tol, now).unwrap();
            let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(event.event_name, parsed["eventName"].as_str().unwrap());
            assert_eq!(event.payload, parsed["payload"]);
            assert_eq!(event.delivery_id, id);
            assert_eq!(verify_event(b"{}", all, secret.as_bytes(), tol, now), Err(VerifyError::BadSignature));
            assert_eq!(verify_event(body.as_bytes(), all, secret.as_bytes(), tol, late), Err(VerifyError::Stale));
            assert_eq!(
                verify_event(body.as_bytes(), headers, secret.as_bytes(), tol, now),
                Err(VerifyError::BadSignature)
            );
        }
        // Signed by the rules, yet not an event: malformed.
        let (secret, body) = (b"k", b"[1]");
        let mut h = Sha256::new();
        h.update(body);
        h.update(secret);
        let mia = hex::encode(h.finalize());
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(b"id.5.[1]");
        let sig = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
        let headers = |name: &str| match name {
            "x-mia-signature" => Some(mia.as_str()),
            "webhook-id" => Some("id"),
            "webhook-timestamp" => Some("5"),
            "webhook-signature" => Some(sig.as_str()),
            _ => None,
        };
        let now = UNIX_EPOCH + Duration::from_secs(5);
        assert!(matches!(
            verify_event(body, headers, secret, Duration::from_secs(300), now),
            Err(VerifyError::Malformed(_))
        ));
    }
}
