//! Delivery signatures: pure functions over the exact body bytes.
//!
//! - `X-Mia-Signature`: lower-case hex of `sha256(body ++ secret)` (the compatibility contract).
//! - Standard Webhooks: `webhook-signature: v1,<base64(HMAC-SHA256(secret, "{id}.{ts}.{body}"))>`
//!   and, for webhooks with a key pair, `v1a,<base64(ed25519(private key, "{id}.{ts}.{body}"))>`.

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

/// A new ed25519 key pair for `v1a` signatures: its PKCS#8 document (the private key, to be
/// sealed) and its 32-byte public key.
pub fn new_signing_key() -> (crate::secret::Secret, Vec<u8>) {
    use ring::signature::KeyPair;
    let rng = ring::rand::SystemRandom::new();
    let document = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).expect("the system's random source");
    let pair = ring::signature::Ed25519KeyPair::from_pkcs8(document.as_ref()).expect("a document ring just made");
    (crate::secret::Secret::new(document.as_ref()), pair.public_key().as_ref().to_vec())
}

/// A public key in Standard Webhooks' form: `whpk_` + base64 of its 32 bytes.
pub fn public_key_text(public_key: &[u8]) -> String {
    format!("whpk_{}", base64::engine::general_purpose::STANDARD.encode(public_key))
}

/// Key pairs parsed from their PKCS#8 documents, kept so that each attempt pays one ed25519
/// signature rather than a parse too (parsing derives the public key, a scalar multiplication
/// that costs as much as the signature). Bounded: emptied when full.
static KEY_PAIRS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<Vec<u8>, std::sync::Arc<ring::signature::Ed25519KeyPair>>>,
> = std::sync::LazyLock::new(Default::default);

/// Most key pairs kept parsed.
const KEY_PAIRS_KEPT: usize = 4096;

/// The key pair of PKCS#8 document `key`, parsed once; `None` if it is not one.
fn key_pair(key: &[u8]) -> Option<std::sync::Arc<ring::signature::Ed25519KeyPair>> {
    if let Some(pair) = KEY_PAIRS.lock().expect("key pairs").get(key) {
        return Some(pair.clone());
    }
    let pair = std::sync::Arc::new(ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(key).ok()?);
    let mut kept = KEY_PAIRS.lock().expect("key pairs");
    if kept.len() >= KEY_PAIRS_KEPT {
        kept.clear();
    }
    kept.insert(key.to_vec(), pair.clone());
    Some(pair)
}

/// A `webhook-signature` entry of scheme v1a: `body` of message `id` at `timestamp` signed with
/// the ed25519 key pair of PKCS#8 document `key`; `None` if `key` is not one.
pub fn asymmetric_signature(id: &str, timestamp: i64, body: &[u8], key: &[u8]) -> Option<String> {
    let pair = key_pair(key)?;
    let mut message = Vec::with_capacity(id.len() + 22 + body.len());
    message.extend_from_slice(id.as_bytes());
    message.push(b'.');
    message.extend_from_slice(timestamp.to_string().as_bytes());
    message.push(b'.');
    message.extend_from_slice(body);
    Some(format!("v1a,{}", base64::engine::general_purpose::STANDARD.encode(pair.sign(&message))))
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
            // v1a: the PKCS#8 (v1) document of the vector's seed, signed as deliveries are.
            let seed = base64::engine::general_purpose::STANDARD.decode(v["ed25519_seed"].as_str().unwrap()).unwrap();
            let pkcs8 = [hex::decode("302e020100300506032b657004220420").unwrap(), seed].concat();
            let pair = ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&pkcs8).unwrap();
            use ring::signature::KeyPair;
            assert_eq!(public_key_text(pair.public_key().as_ref()), v["signing_public_key"].as_str().unwrap());
            assert_eq!(
                asymmetric_signature(id, ts, body, &pkcs8).unwrap(),
                v["webhook_signature_v1a"].as_str().unwrap(),
                "{}: v1a",
                v["name"]
            );
        }
    }

    #[test]
    fn new_signing_keys_sign_what_their_public_key_verifies() {
        let (key, public) = new_signing_key();
        let (other, _) = new_signing_key();
        assert_eq!(public.len(), 32);
        assert_ne!(key.expose(), other.expose(), "each key pair is new");
        let entry = asymmetric_signature("msg_1", 1700000000, BODY, key.expose()).unwrap();
        let signature = base64::engine::general_purpose::STANDARD.decode(entry.strip_prefix("v1a,").unwrap()).unwrap();
        let verify = |message: &[u8]| {
            ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &public).verify(message, &signature)
        };
        let message = [b"msg_1.1700000000.".as_slice(), BODY].concat();
        assert!(verify(&message).is_ok());
        assert!(verify(&[b"msg_1.1700000001.".as_slice(), BODY].concat()).is_err());
        assert!(public_key_text(&public).starts_with("whpk_"));
        assert_eq!(asymmetric_signature("msg_1", 0, BODY, b"not a key"), None);
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
