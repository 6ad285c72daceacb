//! Request validation: each check names the field it rejects.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use url::Url;

use crate::catalog::Catalog;
use crate::delivery::ssrf::AllowList;
use crate::error::{echo, ApiError};
use crate::model::Scope;
use crate::pb;

/// Longest accepted target URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;
/// Shortest and longest accepted secret, in bytes.
pub const SECRET_BYTES: std::ops::RangeInclusive<usize> = 8..=512;
/// Largest accepted `ca_certificate`, in bytes.
pub const MAX_CA_BYTES: usize = 64 * 1024;

fn scope_id(field: &str, id: &str) -> Result<(), ApiError> {
    if id.len() > 128 {
        return Err(ApiError::invalid(field, "must be at most 128 characters"));
    }
    if let Some(c) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Err(ApiError::invalid(
            field,
            format!("character {c:?} not allowed (use letters, digits, '.', '_', '-')"),
        ));
    }
    Ok(())
}

/// A scope; `field` is the request's name for it (e.g. `scope`).
pub fn scope(field: &str, s: Option<&pb::Scope>) -> Result<Scope, ApiError> {
    let Some(s) = s else {
        return Ok(Scope::default());
    };
    scope_id(&format!("{field}.company_id"), &s.company_id)?;
    scope_id(&format!("{field}.project_id"), &s.project_id)?;
    if s.company_id.is_empty() && !s.project_id.is_empty() {
        return Err(ApiError::invalid(
            format!("{field}.project_id"),
            format!("a project needs its company: set {field}.company_id"),
        ));
    }
    Ok(Scope::new(&s.company_id, &s.project_id))
}

/// An absolute http(s) URL with a host, in clean form: it must read back exactly as given
/// (an empty path may be left out), so what is stored is what was validated and what is used.
fn clean_url(field: &str, raw: &str) -> Result<Url, ApiError> {
    if raw.is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    if raw.len() > MAX_URL_BYTES {
        return Err(ApiError::invalid(field, format!("must be at most {MAX_URL_BYTES} bytes")));
    }
    let url = Url::parse(raw).map_err(|e| ApiError::invalid(field, format!("not an absolute URL: {e}")))?;
    // RFC 3986's characters only: parsers (WHATWG's, the http crate's) leave some others in
    // a query as they are, and receivers differ on whether they accept them.
    if let Some(c) = raw.chars().find(|&c| !(c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c))) {
        return Err(ApiError::invalid(field, format!("contains {c:?}, which a URL must percent-encode")));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::invalid(field, "scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ApiError::invalid(field, "must have a host"));
    }
    if url.port() == Some(0) {
        return Err(ApiError::invalid(field, "port 0 is not a port a server listens on"));
    }
    let canonical = url.as_str();
    if canonical != raw && canonical.strip_suffix('/') != Some(raw) {
        return Err(ApiError::invalid(
            field,
            format!("is not a clean URL (it reads as {}): send it in that form", echo(canonical)),
        ));
    }
    if raw.parse::<http::Uri>().is_err() {
        return Err(ApiError::invalid(field, "is not a valid HTTP request target"));
    }
    Ok(url)
}

/// A target URL: clean absolute http(s), with a host, no credentials, at most 2048 bytes,
/// and not a literal address the SSRF guard refuses. Returned exactly as given.
pub fn target_url(field: &str, raw: &str, guard: &AllowList) -> Result<String, ApiError> {
    let url = clean_url(field, raw)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::invalid(field, "must not contain credentials"));
    }
    if url.fragment().is_some() {
        return Err(ApiError::invalid(field, "must not contain a fragment"));
    }
    literal_address(field, &url, guard)?;
    Ok(raw.to_string())
}

/// Refuses a URL whose host is a literal IP address the SSRF guard refuses. Host names
/// are checked on every connection instead, since what they resolve to can change.
pub fn literal_address(field: &str, url: &Url, guard: &AllowList) -> Result<(), ApiError> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => std::net::IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => std::net::IpAddr::V6(v6),
        _ => return Ok(()),
    };
    guard.check(ip).map_err(|why| ApiError::invalid(field, why))
}

/// A proxy URL: clean absolute `http://` with a host; credentials allowed (sent only as
/// Proxy-Authorization). TLS to the proxy itself is not supported, so `https://` is refused.
/// A literal address the SSRF guard refuses is refused here, as for targets (every
/// connection to the proxy is guarded too).
pub fn proxy_url(field: &str, raw: &str, guard: &AllowList) -> Result<String, ApiError> {
    let url = clean_url(field, raw)?;
    literal_address(field, &url, guard)?;
    if url.scheme() != "http" {
        return Err(ApiError::invalid(
            field,
            "must be an http:// proxy (https targets are still encrypted end to end through it with CONNECT)",
        ));
    }
    Ok(raw.to_string())
}

/// A secret of 8 to 512 bytes. The reason never repeats the value.
pub fn secret(field: &str, raw: &str) -> Result<(), ApiError> {
    if raw.is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    if !SECRET_BYTES.contains(&raw.len()) {
        return Err(ApiError::invalid(
            field,
            format!("must be {} to {} bytes", SECRET_BYTES.start(), SECRET_BYTES.end()),
        ));
    }
    Ok(())
}

/// Subscribed events: at least one, each in the catalog; duplicates removed, order kept.
pub fn events(field: &str, names: &[String], catalog: &Catalog) -> Result<Vec<String>, ApiError> {
    if names.is_empty() {
        return Err(ApiError::invalid(field, "at least one event is required"));
    }
    event_filter(field, names, catalog)
}

/// Event names used as a filter: each in the catalog; may be empty.
pub fn event_filter(field: &str, names: &[String], catalog: &Catalog) -> Result<Vec<String>, ApiError> {
    known_names(field, names, |n| catalog.contains(n))
}

/// Event names filtering a history: catalog names or the test ping's name.
pub fn history_event_types(field: &str, names: &[String], catalog: &Catalog) -> Result<Vec<String>, ApiError> {
    known_names(field, names, |n| catalog.contains(n) || n == crate::catalog::TEST_EVENT)
}

/// `names` deduplicated (order kept), each accepted by `known`.
fn known_names(field: &str, names: &[String], known: impl Fn(&str) -> bool) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        if !known(n) {
            return Err(ApiError::invalid(field, format!("unknown event {}", echo(n))));
        }
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    Ok(out)
}

/// One or more PEM `CERTIFICATE` blocks, each parsing as X.509, at most 64 KiB in all.
/// Any other block (a private key above all) is refused rather than stored and shown.
pub fn ca_certificate(field: &str, pem: &str) -> Result<String, ApiError> {
    if pem.len() > MAX_CA_BYTES {
        return Err(ApiError::invalid(field, format!("must be at most {MAX_CA_BYTES} bytes")));
    }
    // Every block marker counts, wherever it stands on its line, however many dashes and
    // however spaced: text that PEM parsers skip must not smuggle a key (or anything else)
    // into a field that is stored and shown. Nor may a key's name appear at all, whole
    // marker or not. Base64 has neither dashes nor spaces, so certificates never match.
    let squeezed: String = pem.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if squeezed.contains("PRIVATEKEY") {
        return Err(ApiError::invalid(
            field,
            "only CERTIFICATE blocks are accepted (remove any key or other PEM block; never send a private key)",
        ));
    }
    let blocks = squeezed.matches("-BEGIN").count();
    let mut roots = rustls::RootCertStore::empty();
    let mut n = 0;
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|e| ApiError::invalid(field, format!("invalid PEM: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| ApiError::invalid(field, format!("certificate {} is not valid X.509: {e}", n + 1)))?;
        n += 1;
    }
    if n == 0 {
        return Err(ApiError::invalid(field, "no PEM certificate (-----BEGIN CERTIFICATE-----) found"));
    }
    if blocks != n {
        return Err(ApiError::invalid(
            field,
            "only CERTIFICATE blocks are accepted (remove any key or other PEM block; never send a private key)",
        ));
    }
    Ok(pem.to_string())
}

/// Most custom headers a webhook may have.
pub const MAX_CUSTOM_HEADERS: usize = 20;
/// Most bytes of custom header names and values, in all.
pub const MAX_CUSTOM_HEADER_BYTES: usize = 8 * 1024;
/// Longest custom header name and value, in bytes.
const MAX_HEADER_NAME_BYTES: usize = 256;
const MAX_HEADER_VALUE_BYTES: usize = 4 * 1024;

/// Header names a webhook may not set: framing and connection headers, the proxy's, and
/// the ones webhookd sets itself (the signatures among them). `webhook-*` is refused too.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
    "user-agent",
    "x-mia-signature",
    "traceparent",
    "tracestate",
];

/// A webhook's custom headers: at most [`MAX_CUSTOM_HEADERS`], names HTTP tokens (checked by
/// `http`'s parser), distinct without case and not reserved, values visible ASCII with
/// spaces and tabs, [`MAX_CUSTOM_HEADER_BYTES`] in all. A sensitive header may come without
/// a value when `keep_allowed` (an update keeps the current one). Values are never echoed.
pub fn custom_headers(
    field: &str,
    headers: &[pb::CustomHeader],
    keep_allowed: bool,
) -> Result<Vec<crate::model::CustomHeader>, ApiError> {
    if headers.len() > MAX_CUSTOM_HEADERS {
        return Err(ApiError::invalid(field, format!("at most {MAX_CUSTOM_HEADERS} headers")));
    }
    let total: usize = headers.iter().map(|h| h.name.len() + h.value.len()).sum();
    if total > MAX_CUSTOM_HEADER_BYTES {
        return Err(ApiError::invalid(
            field,
            format!("at most {MAX_CUSTOM_HEADER_BYTES} bytes of names and values in all"),
        ));
    }
    let mut out: Vec<crate::model::CustomHeader> = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let name_field = format!("{field}[{i}].name");
        let value_field = format!("{field}[{i}].value");
        if h.name.is_empty() || h.name.len() > MAX_HEADER_NAME_BYTES {
            return Err(ApiError::invalid(&name_field, format!("must be 1 to {MAX_HEADER_NAME_BYTES} bytes")));
        }
        let name = http::HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| {
            ApiError::invalid(
                &name_field,
                format!("{} is not an HTTP header name (a token: letters, digits, !#$%&'*+-.^_`|~)", echo(&h.name)),
            )
        })?;
        if RESERVED_HEADERS.contains(&name.as_str()) || name.as_str().starts_with("webhook-") {
            return Err(ApiError::invalid(&name_field, format!("{} is set by webhookd or HTTP itself", echo(&h.name))));
        }
        if out.iter().any(|o| o.name.eq_ignore_ascii_case(&h.name)) {
            return Err(ApiError::invalid(&name_field, format!("{} is given twice", echo(&h.name))));
        }
        if h.value.is_empty() && !(h.sensitive && keep_allowed) {
            return Err(ApiError::invalid(&value_field, "is required"));
        }
        if h.value.len() > MAX_HEADER_VALUE_BYTES {
            return Err(ApiError::invalid(&value_field, format!("must be at most {MAX_HEADER_VALUE_BYTES} bytes")));
        }
        if !h.value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) {
            return Err(ApiError::invalid(
                &value_field,
                "only visible ASCII, spaces and tabs (no CR, LF or other control characters)",
            ));
        }
        out.push(crate::model::CustomHeader { name: h.name.clone(), value: h.value.clone(), sensitive: h.sensitive });
    }
    Ok(out)
}

/// Longest accepted token description, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 256;

/// A token description: at most 256 bytes of text without control characters (it is shown
/// in listings and logs).
pub fn description(field: &str, raw: &str) -> Result<String, ApiError> {
    if raw.len() > MAX_DESCRIPTION_BYTES {
        return Err(ApiError::invalid(field, format!("must be at most {MAX_DESCRIPTION_BYTES} bytes")));
    }
    if raw.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, "must not contain control characters"));
    }
    Ok(raw.to_string())
}

/// A time given as a protobuf Timestamp, which must be valid and in the future.
pub fn future_time(field: &str, t: &prost_types::Timestamp) -> Result<std::time::SystemTime, ApiError> {
    let at = timestamp(field, t)?;
    if at <= std::time::SystemTime::now() {
        return Err(ApiError::invalid(field, "must be in the future"));
    }
    Ok(at)
}

/// The last second a timestamp field takes: 9999-12-31T23:59:59Z, the end of the range the
/// protobuf Timestamp documents (and of what HTTP dates and the audit log can write).
const LAST_TIMESTAMP_SECS: i64 = 253_402_300_799;

/// A valid protobuf Timestamp from the Unix epoch to the end of year 9999, its nanos 0 to
/// 999,999,999 (not normalised): the one check every timestamp field of a request passes
/// before any use.
pub fn timestamp(field: &str, t: &prost_types::Timestamp) -> Result<std::time::SystemTime, ApiError> {
    if !(0..=999_999_999).contains(&t.nanos) {
        return Err(ApiError::invalid(field, "nanos must be 0 to 999999999"));
    }
    if !(0..=LAST_TIMESTAMP_SECS).contains(&t.seconds) {
        return Err(ApiError::invalid(field, "must be from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"));
    }
    Ok(std::time::UNIX_EPOCH + std::time::Duration::new(t.seconds as u64, t.nanos as u32))
}

/// A protobuf Duration between zero and `max`.
pub fn grace_period(
    field: &str,
    d: &prost_types::Duration,
    max: std::time::Duration,
) -> Result<std::time::Duration, ApiError> {
    let d = std::time::Duration::try_from(*d)
        .map_err(|_| ApiError::invalid(field, "must be a valid duration of zero or more"))?;
    if d > max {
        return Err(ApiError::invalid(field, format!("must be at most {}", humantime::format_duration(max))));
    }
    Ok(d)
}

/// Parses `raw` as the UUID in `field`; anything else is INVALID_ARGUMENT naming the field.
pub fn id(field: &str, raw: &str) -> Result<uuid::Uuid, ApiError> {
    if raw.is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::invalid(field, "not a valid id (expected a UUID)"))
}

/// Most deliveries in flight to one webhook a webhook may ask for.
pub const MAX_IN_FLIGHT: u32 = 1000;
/// Highest per-webhook rate limit, per second.
pub const MAX_RATE_LIMIT: u32 = 10_000;

/// A per-webhook in-flight limit: 0 (the server's default) or 1 to `MAX_IN_FLIGHT`.
pub fn max_in_flight(field: &str, v: u32) -> Result<i32, ApiError> {
    if v > MAX_IN_FLIGHT {
        return Err(ApiError::invalid(field, format!("must be at most {MAX_IN_FLIGHT} (0 for the server's default)")));
    }
    Ok(v as i32)
}

/// A per-webhook rate limit: 0 (none) or 1 to `MAX_RATE_LIMIT` per second.
pub fn rate_limit(field: &str, v: u32) -> Result<i32, ApiError> {
    if v > MAX_RATE_LIMIT {
        return Err(ApiError::invalid(field, format!("must be at most {MAX_RATE_LIMIT} per second (0 for no limit)")));
    }
    Ok(v as i32)
}

/// A delivery ordering; `None` when unspecified.
pub fn ordering(field: &str, raw: i32) -> Result<Option<crate::model::DeliveryOrdering>, ApiError> {
    use crate::model::DeliveryOrdering;
    match pb::DeliveryOrdering::try_from(raw) {
        Ok(pb::DeliveryOrdering::Unspecified) => Ok(None),
        Ok(pb::DeliveryOrdering::Unordered) => Ok(Some(DeliveryOrdering::Unordered)),
        Ok(pb::DeliveryOrdering::Fifo) => Ok(Some(DeliveryOrdering::Fifo)),
        Err(_) => Err(ApiError::invalid(field, format!("unknown ordering {raw} (UNORDERED or FIFO)"))),
    }
}

/// A signature scheme; `None` when unspecified.
pub fn signature_scheme(field: &str, raw: i32) -> Result<Option<crate::model::SignatureScheme>, ApiError> {
    use crate::model::SignatureScheme;
    match pb::SignatureScheme::try_from(raw) {
        Ok(pb::SignatureScheme::Unspecified) => Ok(None),
        Ok(pb::SignatureScheme::V1) => Ok(Some(SignatureScheme::V1)),
        Ok(pb::SignatureScheme::V1a) => Ok(Some(SignatureScheme::V1a)),
        Ok(pb::SignatureScheme::V1AndV1a) => Ok(Some(SignatureScheme::V1AndV1a)),
        Err(_) => Err(ApiError::invalid(field, format!("unknown signature scheme {raw} (V1, V1A or V1_AND_V1A)"))),
    }
}

/// A state an admin may set: ACTIVE or PAUSED (`unspecified` allowed means "not asked").
pub fn settable_state(field: &str, raw: i32) -> Result<Option<crate::model::WebhookState>, ApiError> {
    use crate::model::WebhookState;
    match pb::WebhookState::try_from(raw) {
        Ok(pb::WebhookState::Unspecified) => Ok(None),
        Ok(pb::WebhookState::Active) => Ok(Some(WebhookState::Active)),
        Ok(pb::WebhookState::Paused) => Ok(Some(WebhookState::Paused)),
        Ok(pb::WebhookState::Disabled) => {
            Err(ApiError::invalid(field, "DISABLED is set by webhookd only; PAUSED stops deliveries"))
        }
        Err(_) => Err(ApiError::invalid(field, format!("unknown state {raw}"))),
    }
}

/// States to filter by: each ACTIVE, PAUSED or DISABLED; duplicates removed.
pub fn state_filter(field: &str, raw: &[i32]) -> Result<Vec<crate::model::WebhookState>, ApiError> {
    use crate::model::WebhookState;
    let mut states = Vec::new();
    for &r in raw {
        let s = match pb::WebhookState::try_from(r) {
            Ok(pb::WebhookState::Active) => WebhookState::Active,
            Ok(pb::WebhookState::Paused) => WebhookState::Paused,
            Ok(pb::WebhookState::Disabled) => WebhookState::Disabled,
            _ => return Err(ApiError::invalid(field, format!("unknown state {r}"))),
        };
        if !states.contains(&s) {
            states.push(s);
        }
    }
    Ok(states)
}

/// Most labels an event or a webhook may have.
pub const MAX_LABELS: usize = 16;
/// Longest label key, in bytes.
pub const MAX_LABEL_KEY_BYTES: usize = 64;
/// Longest label value, in bytes.
pub const MAX_LABEL_VALUE_BYTES: usize = 256;

/// Routing labels: at most [`MAX_LABELS`], keys 1 to [`MAX_LABEL_KEY_BYTES`] bytes of
/// letters, digits, '.', '_', '-', '/', values at most [`MAX_LABEL_VALUE_BYTES`] bytes
/// without control characters.
pub fn labels(
    field: &str,
    labels: &std::collections::HashMap<String, String>,
) -> Result<crate::model::Labels, ApiError> {
    if labels.len() > MAX_LABELS {
        return Err(ApiError::invalid(field, format!("at most {MAX_LABELS} labels")));
    }
    let mut out = crate::model::Labels::new();
    for (key, value) in labels {
        let key_ok = (1..=MAX_LABEL_KEY_BYTES).contains(&key.len())
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'));
        if !key_ok {
            return Err(ApiError::invalid(
                field,
                format!(
                    "label key {} must be 1 to {MAX_LABEL_KEY_BYTES} bytes of letters, digits, '.', '_', '-', '/'",
                    echo(key)
                ),
            ));
        }
        if value.len() > MAX_LABEL_VALUE_BYTES || value.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                format!("{field}[{key}]"),
                format!("must be at most {MAX_LABEL_VALUE_BYTES} bytes without control characters"),
            ));
        }
        out.insert(key.clone(), value.clone());
    }
    Ok(out)
}

/// Longest payload filter, in bytes of JSON text.
pub const MAX_FILTER_BYTES: usize = 4096;
/// Deepest payload filter: objects and arrays nested at most this many levels.
pub const MAX_FILTER_DEPTH: usize = 8;

/// A payload filter: empty (or `{}`) for none, else the text of a JSON object of at most
/// [`MAX_FILTER_BYTES`] bytes nested at most [`MAX_FILTER_DEPTH`] levels.
pub fn filter(field: &str, raw: &str) -> Result<Option<serde_json::Value>, ApiError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    if raw.len() > MAX_FILTER_BYTES {
        return Err(ApiError::invalid(field, format!("must be at most {MAX_FILTER_BYTES} bytes")));
    }
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| ApiError::invalid(field, format!("not valid JSON: {e}")))?;
    let Some(object) = value.as_object() else {
        return Err(ApiError::invalid(field, "must be a JSON object (the keys and values the payload must contain)"));
    };
    fn depth(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
            serde_json::Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    if depth(&value) > MAX_FILTER_DEPTH {
        return Err(ApiError::invalid(field, format!("must be nested at most {MAX_FILTER_DEPTH} levels deep")));
    }
    if value.to_string().contains("\\u0000") {
        // PostgreSQL's jsonb cannot hold a NUL character.
        return Err(ApiError::invalid(field, "must not contain \\u0000"));
    }
    Ok((!object.is_empty()).then_some(value))
}

/// Longest client certificate key, in bytes of PEM.
pub const MAX_CLIENT_KEY_BYTES: usize = 16 * 1024;

/// A client certificate and its key (mutual TLS to the target): both or neither; the
/// certificate checked as `ca_certificate` checks (CERTIFICATE blocks only), the key a PEM
/// private key that belongs to the first certificate. The key is never echoed.
pub fn client_identity(certificate: &str, key: &str) -> Result<Option<crate::model::ClientIdentity>, ApiError> {
    match (certificate.trim().is_empty(), key.trim().is_empty()) {
        (true, true) => return Ok(None),
        (false, true) => return Err(ApiError::invalid("client_key", "is required with client_certificate")),
        (true, false) => return Err(ApiError::invalid("client_certificate", "is required with client_key")),
        (false, false) => {}
    }
    let certificate = ca_certificate("client_certificate", certificate)?;
    if key.len() > MAX_CLIENT_KEY_BYTES {
        return Err(ApiError::invalid("client_key", format!("must be at most {MAX_CLIENT_KEY_BYTES} bytes")));
    }
    let identity =
        crate::model::ClientIdentity { certificate, key: crate::secret::Secret::new(key.as_bytes().to_vec()) };
    let (chain, der) =
        crate::delivery::http::client_identity(&identity).map_err(|e| ApiError::invalid(e.field(), e.to_string()))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&der).map_err(|_| {
        ApiError::invalid("client_key", "not a key type TLS can sign with (RSA, ECDSA P-256/P-384, Ed25519)")
    })?;
    match rustls::sign::CertifiedKey::new(chain, signing).keys_match() {
        Err(rustls::Error::InconsistentKeys(_)) => {
            Err(ApiError::invalid("client_key", "does not belong to the first certificate of client_certificate"))
        }
        _ => Ok(Some(identity)),
    }
}

/// Most origins a portal link may name in `frame_ancestors`.
pub const MAX_FRAME_ANCESTORS: usize = 16;

/// A portal link's `frame_ancestors`: origins (`https://host[:port]`, `http://…`, a leading
/// `*.` in the host for its subdomains), each normalised to lower case without a default
/// port, duplicates dropped. Nothing else can reach the Content-Security-Policy header they
/// end up in.
pub fn frame_ancestors(field: &str, raw: &[String]) -> Result<Vec<String>, ApiError> {
    if raw.len() > MAX_FRAME_ANCESTORS {
        return Err(ApiError::invalid(field, format!("at most {MAX_FRAME_ANCESTORS} origins")));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, origin) in raw.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let bad = || {
            ApiError::invalid(
                &at,
                format!("{} is not an origin (scheme://host[:port], e.g. https://app.example.com)", echo(origin)),
            )
        };
        if origin.len() > 256 || origin.chars().any(|c| c.is_whitespace() || matches!(c, ';' | ',' | '\'' | '"')) {
            return Err(bad());
        }
        let (scheme, rest) = origin.split_once("://").ok_or_else(bad)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(ApiError::invalid(&at, "scheme must be http or https"));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (wildcard, host_port) = match rest.strip_prefix("*.") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let url = Url::parse(&format!("{scheme}://{host_port}")).map_err(|_| bad())?;
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(bad());
        }
        let Some(host) = url.host_str() else { return Err(bad()) };
        if wildcard && !matches!(url.host(), Some(url::Host::Domain(_))) {
            return Err(ApiError::invalid(&at, "a `*.` wildcard needs a domain name after it"));
        }
        let mut normal = format!("{scheme}://{}{host}", if wildcard { "*." } else { "" });
        if let Some(port) = url.port() {
            normal.push_str(&format!(":{port}"));
        }
        if !out.contains(&normal) {
            out.push(normal);
        }
    }
    Ok(out)
}

/// Longest lifetime of a portal link.
pub const MAX_PORTAL_LIFETIME: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// A portal link's lifetime when none is given.
pub const DEFAULT_PORTAL_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3600);

/// A portal link's lifetime: 1 second to [`MAX_PORTAL_LIFETIME`]; `None` when not given.
pub fn portal_lifetime(
    field: &str,
    d: Option<&prost_types::Duration>,
) -> Result<Option<std::time::Duration>, ApiError> {
    let Some(d) = d else { return Ok(None) };
    let d = std::time::Duration::try_from(*d).map_err(|_| ApiError::invalid(field, "must be a positive duration"))?;
    if d < std::time::Duration::from_secs(1) {
        return Err(ApiError::invalid(field, "must be at least 1s"));
    }
    if d > MAX_PORTAL_LIFETIME {
        return Err(ApiError::invalid(field, "must be at most 24h"));
    }
    Ok(Some(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: ApiError) -> String {
        match e {
            ApiError::InvalidArgument { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn target_urls() {
        let open = AllowList::allow_all();
        let guarded = AllowList::default();
        for ok in [
            "https://example.com/hook",
            "https://example.com",
            "http://10.0.0.1:8080/x?y=1",
            "https://[::1]/",
            "https://example.com:8443/a%20b",
        ] {
            assert_eq!(target_url("target_url", ok, &open).unwrap(), ok, "stored exactly as given");
        }
        for bad in [
            "",
            "example.com/hook",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "https://user@example.com/",
            "http://",
            "https://:443/",
            "https://example.com/#frag",
            "http:///path",
            "http:/example.com/",
            "http://exa\r\nmple.com/",
            "http://example.com/a\tb",
            "http://example.com\\path",
            "http://example.com:0/",
            "HTTPS://Example.com/",
            "https://example.com:443/",
            "https://example.com/a b",
            " https://example.com/",
        ] {
            assert_eq!(field_of(target_url("target_url", bad, &open).unwrap_err()), "target_url", "{bad:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES));
        assert!(target_url("target_url", &long, &open).is_err());
        for private in ["http://127.0.0.1/", "http://169.254.169.254/latest", "http://[::1]/", "http://10.0.0.1/"] {
            let err = target_url("target_url", private, &guarded).unwrap_err();
            assert!(err.to_string().contains("--allow-targets"), "{err}");
            assert_eq!(field_of(err), "target_url");
        }
        let some = AllowList::parse(["10.1.2.0/24"]).unwrap();
        assert!(target_url("target_url", "http://10.1.2.3/", &some).is_ok());
        assert!(target_url("target_url", "http://10.1.3.3/", &some).is_err());
        assert!(target_url("target_url", "https://internal.example/", &guarded).is_ok(), "names are checked later");
    }

    #[test]
    fn proxy_urls() {
        let guarded = AllowList::default();
        assert!(proxy_url("proxy_url", "http://user:p%40ss@proxy.internal:3128", &guarded).is_ok());
        assert!(proxy_url("proxy_url", "http://10.0.0.1:3128", &AllowList::allow_all()).is_ok());
        for bad in [
            "https://proxy.internal:3128",
            "socks5://proxy.internal",
            "http://proxy.internal:0",
            "http:///x",
            "http://10.0.0.1:3128",
            "http://127.0.0.1:3128",
            "http://[::1]:3128",
        ] {
            assert_eq!(field_of(proxy_url("proxy_url", bad, &guarded).unwrap_err()), "proxy_url", "{bad}");
        }
    }

    #[test]
    fn scopes() {
        let s = |c: &str, p: &str| pb::Scope { company_id: c.into(), project_id: p.into() };
        assert_eq!(scope("scope", None).unwrap(), Scope::default());
        assert_eq!(scope("scope", Some(&s("acme", "web"))).unwrap(), Scope::new("acme", "web"));
        assert_eq!(field_of(scope("scope", Some(&s("", "web"))).unwrap_err()), "scope.project_id");
        assert_eq!(field_of(scope("scope", Some(&s("ac me", ""))).unwrap_err()), "scope.company_id");
        assert_eq!(field_of(scope("scope", Some(&s(&"a".repeat(129), ""))).unwrap_err()), "scope.company_id");
        assert!(scope("scope", Some(&s(&"a".repeat(128), "p.1_2-3"))).is_ok());
    }

    #[test]
    fn secrets_and_events() {
        assert!(secret("secret", "12345678").is_ok());
        assert!(secret("secret", "1234567").is_err());
        assert!(secret("secret", &"x".repeat(513)).is_err());
        let cat = Catalog::default();
        let names = vec!["tag_created".to_string(), "project_created".into(), "tag_created".into()];
        assert_eq!(events("events", &names, &cat).unwrap(), vec!["tag_created", "project_created"]);
        assert!(events("events", &[], &cat).is_err());
        let err = events("events", &["nope".into()], &cat).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
        let err = events("events", &["x".repeat(10_000)], &cat).unwrap_err();
        assert!(err.to_string().len() < 200, "an unknown name is echoed truncated: {err}");
    }

    fn ca_pem() -> String {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&rcgen::KeyPair::generate().unwrap()).unwrap().pem()
    }

    #[test]
    fn ca_certificates_must_parse() {
        assert!(ca_certificate("ca_certificate", "hello").is_err());
        let key_inside_a_line =
            format!("{}\nx-----BEGIN PRIVATE KEY-----\nMC4CAQ==\n-----END PRIVATE KEY-----\n", ca_pem());
        assert!(ca_certificate("ca_certificate", &ca_pem()).is_ok());
        assert!(ca_certificate("ca_certificate", &key_inside_a_line).is_err(), "a key inside a line is refused");
        let junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(ca_certificate("ca_certificate", junk).is_err());
    }

    #[test]
    fn frame_ancestors_are_origins_normalised_for_the_policy_header() {
        let given = [
            "HTTPS://App.Example.com/",
            "http://localhost:3000",
            "https://*.example.org",
            "https://app.example.com:443",
        ];
        let origins = frame_ancestors("frame_ancestors", &given.map(String::from)).unwrap();
        assert_eq!(origins, ["https://app.example.com", "http://localhost:3000", "https://*.example.org"]);
        for bad in [
            "https://a.example.com 'unsafe-inline'",
            "https://a.example.com/x",
            "data:",
            "https://",
            "https://a.example.com?x",
        ] {
            assert!(frame_ancestors("frame_ancestors", &[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
