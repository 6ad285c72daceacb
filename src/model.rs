//! Domain types shared by the API, the storage and the delivery engine.

/// Where something lives: the instance (both empty), a company, or a project of a company.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// Company id, empty for the instance.
    pub company_id: String,
    /// Project id, empty unless a project.
    pub project_id: String,
}

impl Scope {
    /// A scope from its two ids.
    pub fn new(company_id: impl Into<String>, project_id: impl Into<String>) -> Self {
        Self { company_id: company_id.into(), project_id: project_id.into() }
    }

    /// Whether `other` is this scope or lies under it.
    pub fn contains(&self, other: &Scope) -> bool {
        (self.company_id.is_empty() || self.company_id == other.company_id)
            && (self.project_id.is_empty() || self.project_id == other.project_id)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.company_id.as_str(), self.project_id.as_str()) {
            ("", _) => f.write_str("instance"),
            (c, "") => write!(f, "company {c}"),
            (c, p) => write!(f, "project {c}/{p}"),
        }
    }
}

/// State of a delivery; the numbers are the proto enum's and the database's (and travel as
/// numbers in notifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "i16", into = "i16")]
#[repr(i16)]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending = 1,
    /// The receiver answered 2xx.
    Success = 2,
    /// Failed for good: every retry was spent, or the error could not be retried.
    Error = 3,
}

/// Whether a webhook's deliveries are sent; stored as its proto number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i16)]
pub enum WebhookState {
    /// Events fan out to it and its deliveries are sent.
    Active = 1,
    /// Set by an admin: deliveries accumulate and are sent when it is made active again.
    Paused = 2,
    /// Set by webhookd (410 Gone, or failing too long): no new fan-out, pending ones held.
    Disabled = 3,
}

impl TryFrom<i16> for WebhookState {
    type Error = UnknownStatus;

    fn try_from(v: i16) -> Result<Self, UnknownStatus> {
        match v {
            1 => Ok(Self::Active),
            2 => Ok(Self::Paused),
            3 => Ok(Self::Disabled),
            other => Err(UnknownStatus(other)),
        }
    }
}

/// One header of a request webhookd sent, as kept with the delivery (`jsonb`, an array of
/// `{"name", "value"}` objects).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RequestHeader {
    /// Header name in lower case, as `GetDelivery` shows it.
    pub name: String,
    /// Header value exactly as sent.
    pub value: String,
}

/// A client certificate a webhook presents to its target (mutual TLS): the PEM chain, the
/// webhook's own first, and its private key (PEM, write-only, sealed at rest).
#[derive(Clone, Debug)]
pub struct ClientIdentity {
    /// PEM CERTIFICATE blocks.
    pub certificate: String,
    /// The first certificate's private key, PEM.
    pub key: crate::secret::Secret,
}

/// Which signatures a webhook's deliveries carry in `webhook-signature`; stored as its proto
/// number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(i16)]
pub enum SignatureScheme {
    /// `v1,` entries: HMAC-SHA256 with the secret.
    #[default]
    V1 = 1,
    /// `v1a,` entries: ed25519 with the webhook's key pair.
    V1a = 2,
    /// Both.
    V1AndV1a = 3,
}

impl SignatureScheme {
    /// Whether `v1,` entries are sent.
    pub fn symmetric(self) -> bool {
        self != Self::V1a
    }

    /// Whether `v1a,` entries are sent (and so a key pair is needed).
    pub fn asymmetric(self) -> bool {
        self != Self::V1
    }
}

impl TryFrom<i16> for SignatureScheme {
    type Error = UnknownStatus;

    fn try_from(v: i16) -> Result<Self, UnknownStatus> {
        match v {
            1 => Ok(Self::V1),
            2 => Ok(Self::V1a),
            3 => Ok(Self::V1AndV1a),
            other => Err(UnknownStatus(other)),
        }
    }
}

/// The order in which a webhook's deliveries are sent; stored as its proto number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(i16)]
pub enum DeliveryOrdering {
    /// As fast as the limits let them, several at once.
    #[default]
    Unordered = 1,
    /// One at a time, in publish order, each final before the next.
    Fifo = 2,
}

impl TryFrom<i16> for DeliveryOrdering {
    type Error = UnknownStatus;

    fn try_from(v: i16) -> Result<Self, UnknownStatus> {
        match v {
            1 => Ok(Self::Unordered),
            2 => Ok(Self::Fifo),
            other => Err(UnknownStatus(other)),
        }
    }
}

/// The key pairs that make a webhook's `v1a` signatures: PKCS#8 documents, write-only and
/// sealed at rest; redacted in `Debug`.
#[derive(Clone, Debug)]
pub struct Signing {
    /// Which entries `webhook-signature` carries.
    pub scheme: SignatureScheme,
    /// The current key pair, then the one a rotation replaced while it still signs.
    pub keys: Vec<crate::secret::Secret>,
}

impl Default for Signing {
    fn default() -> Self {
        Self { scheme: SignatureScheme::V1, keys: Vec::new() }
    }
}

/// A new ed25519 key pair for a webhook's `v1a` signatures.
#[derive(Clone, Debug)]
pub struct SigningKeyPair {
    /// Its PKCS#8 document: the private key, write-only; redacted in `Debug`.
    pub document: crate::secret::Secret,
    /// Its 32-byte public key.
    pub public_key: Vec<u8>,
}

/// Routing labels: an event's, or those a webhook requires (key to value, kept sorted).
pub type Labels = std::collections::BTreeMap<String, String>;

/// A static header a webhook sends with every delivery. Its `Debug` masks a sensitive value.
///
/// Kept twice on the webhook: the whole list sealed like the secret, for the engine; and as
/// shown (`jsonb`, `[{"name", "value", "sensitive"}]`), sensitive values emptied.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CustomHeader {
    /// Header name, as given (HTTP compares it without case).
    pub name: String,
    /// Header value; write-only when `sensitive`.
    pub value: String,
    /// Whether the value is a credential: never shown, masked in delivery records.
    #[serde(default)]
    pub sensitive: bool,
}

/// What delivery records show for a sensitive header's value.
pub const MASKED_VALUE: &str = "[sensitive]";

impl CustomHeader {
    /// The header as responses show it: a sensitive value emptied.
    pub fn shown(&self) -> Self {
        Self { value: if self.sensitive { String::new() } else { self.value.clone() }, ..self.clone() }
    }
}

impl std::fmt::Debug for CustomHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomHeader")
            .field("name", &self.name)
            .field("value", &if self.sensitive { MASKED_VALUE } else { self.value.as_str() })
            .field("sensitive", &self.sensitive)
            .finish()
    }
}

/// One attempt of a delivery, as kept in its `attempt_log` (a `jsonb` array, oldest first):
/// `{"attempt", "at_us", "status_code", "error", "duration_ms", "response_body"}` with the
/// time in Unix microseconds and the response prefix in base64.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attempt {
    /// 1 for the first.
    pub attempt: i32,
    /// When it was sent.
    #[serde(rename = "at_us", with = "unix_micros")]
    pub dispatch_time: std::time::SystemTime,
    /// HTTP status, 0 when none came back.
    pub status_code: i32,
    /// Why it failed; empty on success.
    pub error: String,
    /// From sending to the answer.
    pub duration_ms: i64,
    /// First 1 KiB of the response body.
    #[serde(with = "base64_bytes")]
    pub response_body: Vec<u8>,
    /// The response's headers (name, value) when it was not a success; bounded.
    #[serde(default, rename = "headers", skip_serializing_if = "Vec::is_empty")]
    pub response_headers: Vec<(String, String)>,
}

/// `SystemTime` as Unix microseconds (before the epoch reads as the epoch).
mod unix_micros {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    pub fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        let us = t.duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
        s.serialize_i64(us)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let us: i64 = serde::Deserialize::deserialize(d)?;
        Ok(UNIX_EPOCH + Duration::from_micros(us.max(0) as u64))
    }
}

/// Bytes as standard base64 text.
mod base64_bytes {
    use base64::Engine;

    pub fn serialize<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text: String = serde::Deserialize::deserialize(d)?;
        base64::engine::general_purpose::STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// A stored number that names no delivery or webhook state.
#[derive(Debug, thiserror::Error)]
#[error("unknown stored state {0}")]
pub struct UnknownStatus(pub i16);

impl TryFrom<i16> for DeliveryStatus {
    type Error = UnknownStatus;

    fn try_from(v: i16) -> Result<Self, UnknownStatus> {
        match v {
            1 => Ok(Self::Pending),
            2 => Ok(Self::Success),
            3 => Ok(Self::Error),
            other => Err(UnknownStatus(other)),
        }
    }
}

impl From<DeliveryStatus> for i16 {
    fn from(s: DeliveryStatus) -> i16 {
        s as i16
    }
}

/// A proxy URL with any password replaced by `****`, as responses, logs and the database's
/// plain column show it.
pub fn redact_proxy(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => raw.to_string(),
    }
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Manages webhooks and reads history.
    Admin,
    /// Publishes events.
    Publisher,
}

impl Role {
    /// Parses `admin` or `publisher`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "publisher" => Some(Self::Publisher),
            _ => None,
        }
    }

    /// The name stored in the tokens table and accepted by `parse`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Publisher => "publisher",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_passwords_are_hidden() {
        assert_eq!(redact_proxy("http://u:pw@proxy:3128/"), "http://u:****@proxy:3128/");
        assert_eq!(redact_proxy("http://proxy:3128"), "http://proxy:3128");
    }

    #[test]
    fn statuses_round_trip_and_unknown_numbers_are_errors() {
        for s in [DeliveryStatus::Pending, DeliveryStatus::Success, DeliveryStatus::Error] {
            assert_eq!(DeliveryStatus::try_from(i16::from(s)).unwrap(), s);
            assert_eq!(serde_json::from_str::<DeliveryStatus>(&serde_json::to_string(&s).unwrap()).unwrap(), s);
        }
        for n in [0, 4, -1] {
            assert!(DeliveryStatus::try_from(n).is_err(), "{n}");
        }
        assert!(serde_json::from_str::<DeliveryStatus>("7").is_err());
    }

    #[test]
    fn an_attempt_reads_back_what_the_log_stores() {
        // As migration 0003 and earlier versions wrote it.
        let stored = r#"{"attempt":2,"at_us":1700000000123456,"status_code":503,"error":"HTTP 503","duration_ms":12,"response_body":"b2s="}"#;
        let a: Attempt = serde_json::from_str(stored).unwrap();
        assert_eq!(a.attempt, 2);
        assert_eq!(a.dispatch_time, std::time::UNIX_EPOCH + std::time::Duration::from_micros(1700000000123456));
        assert_eq!(a.response_body, b"ok");
        let again: serde_json::Value = serde_json::to_value(&a).unwrap();
        assert_eq!(again, serde_json::from_str::<serde_json::Value>(stored).unwrap());
        assert!(serde_json::from_str::<Attempt>(r#"{"attempt":1}"#).is_err());
    }

    #[test]
    fn containment() {
        let inst = Scope::default();
        let acme = Scope::new("acme", "");
        let web = Scope::new("acme", "web");
        let other = Scope::new("globex", "");
        let cases = [
            (&inst, &web, true),
            (&inst, &other, true),
            (&acme, &web, true),
            (&acme, &acme, true),
            (&acme, &inst, false),
            (&acme, &other, false),
            (&web, &acme, false),
            (&web, &web, true),
            (&web, &Scope::new("globex", "web"), false),
        ];
        for (a, b, want) in cases {
            assert_eq!(a.contains(b), want, "{a} contains {b}");
        }
    }
}
