//! Fuzzing of every input boundary, in process: the validators (URLs, PEM, custom headers,
//! scopes, event names, page tokens, timestamps, watch cursors), the delivery-body builder,
//! payload schemas, signing and the traceparent parser. Each target first runs its seed
//! corpus (`tests/corpus/inputs.json`, cases that found or guard against defects), then
//! inputs `arbtest` generates: corpus entries mutated by inserting, deleting, repeating and
//! replacing pieces (with characters parsers trip on), or arbitrary text. Each asserts what
//! must hold for every input, not only "no panic": what is accepted reads back the same,
//! errors name their field, round trips are exact.
//!
//! Each target runs for `WEBHOOKD_FUZZ_MS` milliseconds (default 300; the suite's short
//! run), and prints how many inputs it tried; `ARBTEST_SEED` reproduces a failure.

use std::sync::LazyLock;
use std::time::{Duration, UNIX_EPOCH};

use arbtest::arbitrary::{Result, Unstructured};
use sha2::Digest;
use webhookd::api::{page, validate, watch};
use webhookd::catalog::Catalog;
use webhookd::delivery::ssrf::AllowList;
use webhookd::pb;

/// The seed corpus, by target.
static CORPUS: LazyLock<serde_json::Map<String, serde_json::Value>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../corpus/inputs.json")).expect("tests/corpus/inputs.json is a JSON object")
});

fn corpus(target: &str) -> Vec<String> {
    CORPUS[target].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

/// Characters parsers trip on.
const TRICKY: &[&str] = &[
    ":", "/", "//", "@", "?", "#", "%", "%00", "%2F", "[", "]", "\\", ".", "..", " ", "\t", "\r\n", "\0", "\u{7f}",
    "\u{202e}", "é", "\u{fffd}", "😀", "-", "0", "ff", "-----", "BEGIN", "END", "{", "}", "\"", ",", "e999", "\\u0000",
];

/// An input for `target`: a seed mutated a few times, or arbitrary text.
fn input(u: &mut Unstructured<'_>, seeds: &[String]) -> Result<String> {
    if u.ratio(1, 8)? {
        return u.arbitrary::<String>();
    }
    let mut s: Vec<char> = u.choose(seeds)?.chars().collect();
    for _ in 0..u.int_in_range(0..=4)? {
        let at = u.int_in_range(0..=s.len())?;
        match u.int_in_range(0..=4)? {
            0 => {
                let piece = *u.choose(TRICKY)?;
                s.splice(at..at, piece.chars());
            }
            1 if !s.is_empty() => {
                let end = u.int_in_range(at..=s.len())?;
                s.drain(at..end);
            }
            2 if at < s.len() => {
                let end = u.int_in_range(at..=s.len().min(at + 16))?;
                let piece: Vec<char> = s[at..end].to_vec();
                s.splice(at..at, piece);
            }
            3 if at < s.len() => s[at] = u.arbitrary::<char>()?,
            _ => {
                let piece = u.arbitrary::<String>()?;
                s.splice(at..at, piece.chars().take(8));
            }
        }
    }
    Ok(s.into_iter().collect())
}

/// Runs `check` on every seed of `target`, then on generated inputs for the time budget.
fn fuzz(target: &str, seeds: &[String], mut check: impl FnMut(&mut Unstructured<'_>, &str) -> Result<()>) {
    for seed in seeds {
        let mut u = Unstructured::new(&[]);
        check(&mut u, seed).unwrap_or_else(|e| panic!("{target}: seed {seed:?}: {e}"));
    }
    let budget: u64 = std::env::var("WEBHOOKD_FUZZ_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let mut runs = 0u64;
    arbtest::arbtest(|u| {
        runs += 1;
        let s = input(u, seeds)?;
        check(u, &s)
    })
    .budget_ms(budget)
    .size_max(4096)
    .run();
    eprintln!("{target}: {} seeds, {runs} generated inputs", seeds.len());
}

/// The status an error becomes names `field` (or a part of it: `field[0].name`) first.
fn names(e: webhookd::error::ApiError, field: &str) {
    let status = tonic::Status::from(e);
    let m = status.message();
    assert!(m.strip_prefix(field).is_some_and(|rest| rest.starts_with(':') || rest.starts_with('[')), "{field}: {m:?}");
}

#[test]
fn urls_accepted_read_back_exactly_and_refusals_name_the_field() {
    let guards = [AllowList::default(), AllowList::allow_all()];
    fuzz("url", &corpus("url"), |_, s| {
        for guard in &guards {
            match validate::target_url("target_url", s, guard) {
                Ok(v) => {
                    assert_eq!(v, s, "stored exactly as given");
                    assert!(v.starts_with("http://") || v.starts_with("https://"), "{v:?}");
                    assert!(!v.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\'), "{v:?}");
                }
                Err(e) => names(e, "target_url"),
            }
            match validate::proxy_url("proxy_url", s, guard) {
                Ok(v) => assert_eq!(v, s),
                Err(e) => names(e, "proxy_url"),
            }
        }
        Ok(())
    });
}

#[test]
fn ca_certificates_accepted_are_certificates_only_and_accepted_again() {
    let cert = rcgen::generate_simple_self_signed(vec!["example.com".into()]).unwrap().cert.pem();
    let mut seeds = corpus("pem");
    seeds.push(cert.clone());
    seeds.push(format!("{cert}{cert}"));
    seeds.push(format!("{cert}-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"));
    // Found by this target: a key whose marker lost dashes was stored beside a certificate.
    seeds.push(format!("{cert}--b---BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"));
    seeds.push(format!("{cert}BEGIN private key MIIB"));
    // Found by a longer run: a marker with two spaces in the key's name.
    seeds.push(format!("{cert}---MIIB\n-----END PRIVATE  KEY-----\n"));
    fuzz("pem", &seeds, |_, s| {
        match validate::ca_certificate("ca_certificate", s) {
            Ok(v) => {
                let squeezed: String = v.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
                assert!(!squeezed.contains("PRIVATEKEY"), "a key was accepted: {v:?}");
                assert_eq!(validate::ca_certificate("ca_certificate", &v).ok().as_deref(), Some(v.as_str()));
            }
            Err(e) => names(e, "ca_certificate"),
        }
        Ok(())
    });
}

#[test]
fn custom_headers_accepted_are_valid_http_and_never_reserved() {
    let names_seen = corpus("header_name");
    let values = corpus("header_value");
    fuzz("header", &names_seen, |u, name| {
        let value = if u.is_empty() { values[name.len() % values.len()].clone() } else { input(u, &values)? };
        let header = pb::CustomHeader { name: name.to_string(), value: value.clone(), sensitive: u.arbitrary()? };
        match validate::custom_headers("custom_headers", &[header], u.arbitrary()?) {
            Ok(list) => {
                for h in list {
                    assert!(hyper::http::HeaderName::from_bytes(h.name.as_bytes()).is_ok(), "{:?}", h.name);
                    let lower = h.name.to_ascii_lowercase();
                    assert!(
                        !["host", "content-type", "content-length", "user-agent", "x-mia-signature", "traceparent"]
                            .contains(&lower.as_str())
                            && !lower.starts_with("webhook-"),
                        "reserved {:?} accepted",
                        h.name
                    );
                    assert!(value.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)), "{value:?}");
                }
            }
            Err(e) => names(e, "custom_headers"),
        }
        Ok(())
    });
}

#[test]
fn scopes_and_event_names_are_taken_as_given_or_refused_by_field() {
    let catalog = Catalog::default();
    let ids = corpus("scope_id");
    fuzz("scope", &ids, |u, company| {
        let project = if u.is_empty() { String::new() } else { input(u, &ids)? };
        let given = pb::Scope { company_id: company.to_string(), project_id: project.clone() };
        match validate::scope("scope", Some(&given)) {
            Ok(s) => {
                assert_eq!((s.company_id.as_str(), s.project_id.as_str()), (company, project.as_str()));
                assert!(project.is_empty() || !company.is_empty(), "a project needs its company");
            }
            Err(e) => {
                let m = tonic::Status::from(e).message().to_string();
                assert!(m.starts_with("scope"), "{m:?}");
            }
        }
        Ok(())
    });
    fuzz("event_name", &corpus("event_name"), |_, name| {
        match validate::events("events", &[name.to_string()], &catalog) {
            Ok(v) => assert!(v.iter().all(|n| catalog.contains(n)), "{v:?}"),
            Err(e) => names(e, "events"),
        }
        Ok(())
    });
}

#[test]
fn page_tokens_come_back_for_their_query_only() {
    fuzz("page_token", &corpus("page_token"), |u, token| {
        let query: String = u.arbitrary()?;
        if let Err(e) = page::decode(token, &query) {
            names(e, "page_token");
        }
        let after = uuid::Uuid::from_u128(u.arbitrary()?);
        let made = page::encode(after, &query);
        assert_eq!(page::decode(&made, &query).ok(), Some(Some(after)));
        let other = format!("{query}x");
        assert!(page::decode(&made, &other).is_err(), "a token answers its own query only");
        Ok(())
    });
}

#[test]
fn timestamps_and_cursors_are_in_range_or_refused_by_field() {
    let seeds: Vec<String> = vec![String::new()];
    fuzz("timestamp", &seeds, |u, _| {
        let t = prost_types::Timestamp { seconds: u.arbitrary()?, nanos: u.arbitrary()? };
        match validate::timestamp("start_time", &t) {
            Ok(at) => {
                let secs = at.duration_since(UNIX_EPOCH).unwrap().as_secs();
                assert!(secs <= 253_402_300_799 && (0..1_000_000_000).contains(&t.nanos));
                // What every later use does with a time must not fail either.
                let _ = httpdate::fmt_http_date(at);
            }
            Err(e) => names(e, "start_time"),
        }
        if let Err(e) = validate::future_time("expire_time", &t) {
            names(e, "expire_time");
        }
        Ok(())
    });
    fuzz("cursor", &corpus("cursor"), |_, s| {
        if let Some(t) = watch::parse_cursor(s) {
            assert_eq!(watch::parse_cursor(&watch::cursor(Some(t))), Some(t), "{s:?}");
            assert!(t <= UNIX_EPOCH + Duration::from_secs(253_402_300_800));
        }
        Ok(())
    });
}

#[test]
fn delivery_bodies_carry_the_payload_exactly_and_are_signed_over_their_bytes() {
    let catalog = Catalog::default();
    let names_list: Vec<String> = catalog.iter().map(|(n, _)| n.to_string()).collect();
    fuzz("payload", &corpus("payload"), |u, payload| {
        let name = u.choose(&names_list)?.clone();
        let ts: i64 = u.arbitrary()?;
        // Checked against the event's schema (if any) without panicking, whatever it is.
        let _ = catalog.check_payload(&name, payload);
        match webhookd::body::delivery_body(&name, ts, payload) {
            Ok(body) => {
                // JSON, though numbers past f64 (valid JSON) keep their text: read it as JSON
                // values where they fit.
                serde_json::from_slice::<Box<serde_json::value::RawValue>>(&body).expect("the body is JSON");
                if let Ok(given) = serde_json::from_str::<serde_json::Value>(payload) {
                    let parsed: serde_json::Value = serde_json::from_slice(&body).expect("the body reads as values");
                    assert_eq!(parsed["eventName"], serde_json::Value::from(name.as_str()));
                    assert_eq!(parsed["eventTimestamp"], serde_json::Value::from(ts));
                    assert_eq!(parsed["payload"], given);
                }
                // The payload's own bytes are in the body, untouched.
                let text = String::from_utf8(body.clone()).unwrap();
                assert!(text.contains(payload.trim()), "{text:?}");
                let secret: Vec<u8> = u.arbitrary()?;
                let mut h = sha2::Sha256::new();
                h.update(&body);
                h.update(&secret);
                assert_eq!(webhookd::delivery::signing::mia_signature(&body, &secret), hex::encode(h.finalize()));
            }
            Err(e) => names(e.into(), "payload"),
        }
        Ok(())
    });
}

#[test]
fn traceparents_accepted_continue_the_same_trace() {
    fuzz("traceparent", &corpus("traceparent"), |u, tp| {
        let state: Option<String> = u.arbitrary()?;
        if let Some(c) = webhookd::trace::TraceContext::parse(tp, state.as_deref()) {
            let child = c.child(u.arbitrary()?);
            let again = webhookd::trace::TraceContext::parse(&child, None);
            assert!(again.is_some(), "{child:?} from {tp:?}");
            assert_eq!(again.unwrap().trace_id(), c.trace_id());
            assert!(child.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()), "{child:?}");
        }
        Ok(())
    });
}
