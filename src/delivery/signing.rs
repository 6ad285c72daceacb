//! Delivery signatures: pure functions over the exact body bytes.
//!
//! - `X-Mia-Signature`: lower-case hex of `sha256(body ++ secret)` (the compatibility contract).
//! - Standard Webhooks: `webhook-signature: v1,<base64(HMAC-SHA256(secret, "{id}.{ts}.{body}"))>`.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// `X-Mia-Signature` of `body` with `secret`.
pub fn mia_signature(body: &[u8], secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(body);
    h.update(secret);
    hex::encode(h.finalize())
}

/// `webhook-signature` (Standard Webhooks, scheme v1) of `body` for message `id` at `timestamp`.
pub fn standard_signature(id: &str, timestamp: i64, body: &[u8], secret: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"eventName":"project_created","eventTimestamp":1700000000123,"payload":{"id":1}}"#;

    #[test]
    fn mia_known_answer() {
        // Computed independently: python3 hashlib.sha256(body + secret).hexdigest()
        assert_eq!(
            mia_signature(BODY, b"my-shared-secret"),
            "63c23c53035de6d818593d009f91533274a6c3544014bfb7fb9661ba36af740b"
        );
        assert_ne!(mia_signature(BODY, b"my-shared-secreT"), mia_signature(BODY, b"my-shared-secret"));
    }

    /// The vectors the clients' verify helpers are tested with must be what webhookd sends.
    #[test]
    fn shared_vectors() {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../../clients/testdata/signature_vectors.json")).unwrap();
        let vectors = file["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 4);
        for v in vectors {
            let (secret, body) = (v["secret"].as_str().unwrap().as_bytes(), v["body"].as_str().unwrap().as_bytes());
            let (id, ts) = (v["webhook_id"].as_str().unwrap(), v["webhook_timestamp"].as_i64().unwrap());
            let mia = mia_signature(body, secret);
            let standard = standard_signature(id, ts, body, secret);
            assert_eq!(mia, v["x_mia_signature"].as_str().unwrap(), "{}: X-Mia-Signature", v["name"]);
            assert_eq!(standard, v["webhook_signature"].as_str().unwrap(), "{}: webhook-signature", v["name"]);
            let whsec = format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(secret));
            assert_eq!(whsec, v["standard_webhooks_secret"].as_str().unwrap());
        }
    }

    #[test]
    fn standard_webhooks_known_answers() {
        // The Standard Webhooks specification's own example (secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw).
        let key = base64::engine::general_purpose::STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            standard_signature("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#, &key),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        // Computed independently with python3 hmac.
        assert_eq!(
            standard_signature("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", 1674087231, BODY, b"my-shared-secret"),
            "v1,0jkbUYh8GD25+TA/4A61JBz3pRSB+UW/iyIuDqM6kIk="
        );
    }
}
