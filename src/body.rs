//! The body every delivery of an event carries, built once when the event is accepted.

use serde_json::value::RawValue;

/// Why a payload cannot make a body.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// Nothing was given.
    #[error("is required: the text of a JSON object")]
    Missing,
    /// Not JSON text.
    #[error("not valid JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("must be a JSON object")]
    NotAnObject,
}

/// The delivery body: `{"eventName":…,"eventTimestamp":…,"payload":…}` with the payload's
/// own bytes, so numbers keep their exact text.
pub fn delivery_body(name: &str, timestamp_ms: i64, payload: &str) -> Result<Vec<u8>, PayloadError> {
    if payload.trim().is_empty() {
        return Err(PayloadError::Missing);
    }
    let raw: &RawValue = serde_json::from_str(payload).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    if !raw.get().starts_with('{') {
        return Err(PayloadError::NotAnObject);
    }
    let mut body = Vec::with_capacity(raw.get().len() + name.len() + 64);
    body.extend_from_slice(b"{\"eventName\":");
    serde_json::to_writer(&mut body, name).expect("writing to a Vec");
    body.extend_from_slice(b",\"eventTimestamp\":");
    body.extend_from_slice(timestamp_ms.to_string().as_bytes());
    body.extend_from_slice(b",\"payload\":");
    body.extend_from_slice(raw.get().as_bytes());
    body.push(b'}');
    Ok(body)
}

/// The payload inside a body `delivery_body` made: the JSON object after its `"payload":`
/// key, up to the envelope's closing brace. (The event name before it is a JSON string, in
/// which a quote is escaped, so the first `"payload":` is the key.) `{}` for bytes that are
/// no such body.
pub fn payload_of(body: &[u8]) -> &str {
    const KEY: &[u8] = b"\"payload\":";
    body.windows(KEY.len())
        .position(|w| w == KEY)
        .and_then(|i| body.get(i + KEY.len()..body.len() - 1))
        .and_then(|p| std::str::from_utf8(p).ok())
        .unwrap_or("{}")
}

/// `payload` as text PostgreSQL's `jsonb` accepts, for the webhooks' filters; `None` when it
/// cannot hold it (a `\u0000` or a lone surrogate escape, a number beyond `numeric`), which
/// only filtered webhooks miss. Escapes are rare: a payload without `\u` goes as it is.
pub fn filterable(payload: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !numbers_fit(payload) {
        return None;
    }
    if !payload.contains("\\u") {
        return Some(std::borrow::Cow::Borrowed(payload));
    }
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    let text = value.to_string();
    (!text.contains("\\u0000")).then_some(std::borrow::Cow::Owned(text))
}

/// Longest number token, and largest exponent either way, that `numbers_fit` lets through:
/// far inside `numeric` (131,072 digits before the point, 16,383 after).
const MAX_NUMBER: usize = 1000;

/// Whether every number in the JSON text `payload` is one PostgreSQL's `numeric` holds: at
/// most [`MAX_NUMBER`] characters, its exponent at most [`MAX_NUMBER`] either way. (A scan
/// of the tokens outside strings; the text is valid JSON already.)
fn numbers_fit(payload: &str) -> bool {
    let bytes = payload.as_bytes();
    let (mut i, mut in_string) = (0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    i += 1;
                }
                let token = &payload[start..i];
                if token.len() > MAX_NUMBER {
                    return false;
                }
                if let Some(at) = token.find(['e', 'E']) {
                    match token[at + 1..].trim_start_matches('+').parse::<i64>() {
                        Ok(e) if e.unsigned_abs() <= MAX_NUMBER as u64 => {}
                        _ => return false,
                    }
                }
            }
            _ => i += 1,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_is_read_back_from_the_body() {
        let payload = r#"{"payload": {"eventName": "x"}, "n": 1.50}"#;
        let body = delivery_body("a\"payload\":b", 7, payload).unwrap();
        assert_eq!(payload_of(&body), payload);
        assert_eq!(payload_of(b"not a body"), "{}");
    }

    #[test]
    fn payloads_the_database_cannot_hold_are_not_filterable() {
        assert_eq!(filterable(r#"{"a":1}"#).as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(filterable(r#"{"a":"\u00e9"}"#).as_deref(), Some("{\"a\":\"\u{e9}\"}"));
        assert_eq!(filterable(r#"{"a":"\u0000"}"#), None);
        assert_eq!(filterable(r#"{"a":"\ud800"}"#), None);
        // Numbers PostgreSQL's numeric cannot hold; the same text inside a string is fine.
        assert_eq!(filterable(r#"{"a":1e1000000}"#), None);
        assert_eq!(filterable(r#"{"a":-2.5E-20000}"#), None);
        assert_eq!(filterable(&format!(r#"{{"a":0.{}}}"#, "1".repeat(20_000))), None);
        let fine = r#"{"a":[1.5e300,-2E-30,12345678901234567890],"b":"1e1000000 \" 1e9999"}"#;
        assert_eq!(filterable(fine).as_deref(), Some(fine));
    }

    #[test]
    fn body_keeps_the_payload_bytes() {
        let payload = r#"{"id": 1700000000123, "big": 123456789012345678901234567890, "f": 1.50, "nested": {"a": [1, {"b": null}]}}"#;
        let body = delivery_body("project_created", 1700000000123, payload).unwrap();
        let want = format!(r#"{{"eventName":"project_created","eventTimestamp":1700000000123,"payload":{payload}}}"#);
        assert_eq!(String::from_utf8(body).unwrap(), want);
    }

    #[test]
    fn payload_must_be_an_object() {
        for (bad, want) in [
            ("", "required"),
            ("  ", "required"),
            ("[1,2]", "object"),
            ("42", "object"),
            ("\"s\"", "object"),
            ("{", "JSON"),
            ("{\"a\":1} trailing", "JSON"),
            ("null", "object"),
        ] {
            let e = delivery_body("tag_created", 1, bad).unwrap_err();
            assert!(e.to_string().contains(want), "{bad:?}: {e}");
        }
        assert!(delivery_body("tag_created", 1, " {\"a\":1} ").is_ok());
    }
}
