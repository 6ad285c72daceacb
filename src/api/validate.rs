//! Request validation: each check names the field it rejects.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use url::Url;

use crate::catalog::Catalog;
use crate::error::ApiError;
use crate::model::Scope;
use crate::pb;

/// Longest accepted target URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;
/// Shortest and longest accepted secret, in bytes.
pub const SECRET_BYTES: std::ops::RangeInclusive<usize> = 8..=512;

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

fn http_url(field: &str, raw: &str) -> Result<Url, ApiError> {
    if raw.is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    let url = Url::parse(raw).map_err(|e| ApiError::invalid(field, format!("not an absolute URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::invalid(field, "scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ApiError::invalid(field, "must have a host"));
    }
    Ok(url)
}

/// A target URL: absolute http(s), with a host, no credentials, at most 2048 bytes.
pub fn target_url(field: &str, raw: &str) -> Result<String, ApiError> {
    if raw.len() > MAX_URL_BYTES {
        return Err(ApiError::invalid(field, format!("must be at most {MAX_URL_BYTES} bytes")));
    }
    let url = http_url(field, raw)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::invalid(field, "must not contain credentials"));
    }
    if url.fragment().is_some() {
        return Err(ApiError::invalid(field, "must not contain a fragment"));
    }
    // The normalised form is stored, so what was validated is exactly what is used.
    Ok(url.into())
}

/// A proxy URL: absolute http(s) with a host; credentials allowed (sent as Proxy-Authorization).
pub fn proxy_url(field: &str, raw: &str) -> Result<String, ApiError> {
    if raw.len() > MAX_URL_BYTES {
        return Err(ApiError::invalid(field, format!("must be at most {MAX_URL_BYTES} bytes")));
    }
    Ok(http_url(field, raw)?.into())
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
            return Err(ApiError::invalid(field, format!("unknown event {n:?}")));
        }
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    Ok(out)
}

/// One or more PEM X.509 certificates that parse.
pub fn ca_certificate(field: &str, pem: &str) -> Result<String, ApiError> {
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
    Ok(pem.to_string())
}

/// A UUID identifier.
pub fn id(field: &str, raw: &str) -> Result<uuid::Uuid, ApiError> {
    if raw.is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::invalid(field, "not a valid id (expected a UUID)"))
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
        for ok in ["https://example.com/hook", "http://10.0.0.1:8080/x?y=1", "https://[::1]/"] {
            assert!(target_url("target_url", ok).is_ok(), "{ok}");
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
        ] {
            assert_eq!(field_of(target_url("target_url", bad).unwrap_err()), "target_url", "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES));
        assert!(target_url("target_url", &long).is_err());
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
    }

    #[test]
    fn ca_certificates_must_parse() {
        assert!(ca_certificate("ca_certificate", "hello").is_err());
        let junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(ca_certificate("ca_certificate", junk).is_err());
    }
}
