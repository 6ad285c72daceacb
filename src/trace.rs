//! W3C Trace Context carried from a publisher's call to the receiver: `traceparent` (and
//! `tracestate`) read from a `PublishEvent(s)` call's metadata, stored with the event, and sent
//! on every delivery attempt as a child of the publisher's span (same trace id and flags, the
//! attempt's own span id), so the receiver's trace continues the publisher's.
//!
//! Parsed here by hand (the format is one line of fixed-width hex fields); a header that does
//! not parse is ignored, as the specification asks, and `tracestate` goes only with a valid
//! `traceparent`.

use tonic::metadata::MetadataMap;

/// Longest `tracestate` kept (the specification's 32 list members fit in far less).
const MAX_TRACESTATE: usize = 512;

/// A valid trace context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// `version-traceid-parentid-flags`, lower-case hex, as received.
    pub traceparent: String,
    /// Vendor entries, passed on unchanged.
    pub tracestate: Option<String>,
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl TraceContext {
    /// Parses `traceparent` (version 00, or a later version's first four fields) and keeps
    /// `tracestate` when it is printable ASCII of at most 512 bytes; `None` when `traceparent`
    /// is not valid.
    pub fn parse(traceparent: &str, tracestate: Option<&str>) -> Option<Self> {
        let t = traceparent.trim();
        let mut parts = t.split('-');
        let (version, trace_id, parent_id, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let rest = parts.next();
        let valid = is_hex(version, 2)
            && version != "ff"
            && (version != "00" || rest.is_none())
            && is_hex(trace_id, 32)
            && trace_id.bytes().any(|b| b != b'0')
            && is_hex(parent_id, 16)
            && parent_id.bytes().any(|b| b != b'0')
            && is_hex(flags, 2);
        if !valid {
            return None;
        }
        let tracestate = tracestate
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= MAX_TRACESTATE && s.bytes().all(|b| (0x20..0x7f).contains(&b)))
            .map(String::from);
        Some(Self { traceparent: format!("00-{trace_id}-{parent_id}-{flags}"), tracestate })
    }

    /// The context of a call, from its `traceparent` and `tracestate` metadata.
    pub fn from_metadata(m: &MetadataMap) -> Option<Self> {
        let get = |k: &str| m.get(k).and_then(|v| v.to_str().ok());
        Self::parse(get("traceparent")?, get("tracestate"))
    }

    /// The 32 hex digits identifying the whole trace.
    pub fn trace_id(&self) -> &str {
        &self.traceparent[3..35]
    }

    /// The OpenTelemetry context whose remote parent is this trace's span, for a span of
    /// webhookd's to continue it.
    pub fn otel_context(&self) -> opentelemetry::Context {
        use opentelemetry::propagation::TextMapPropagator;
        let mut carrier = std::collections::HashMap::new();
        carrier.insert("traceparent".to_string(), self.traceparent.clone());
        if let Some(state) = &self.tracestate {
            carrier.insert("tracestate".to_string(), state.clone());
        }
        opentelemetry_sdk::propagation::TraceContextPropagator::new().extract(&carrier)
    }

    /// The `traceparent` of a child span `span_id` (an attempt), same trace and flags.
    pub fn child(&self, span_id: [u8; 8]) -> String {
        let span = if span_id == [0; 8] { [0, 0, 0, 0, 0, 0, 0, 1] } else { span_id };
        format!("00-{}-{}-{}", self.trace_id(), hex::encode(span), &self.traceparent[53..55])
    }
}

/// Makes `span` continue `trace` (when spans are exported) and returns the span id its
/// children are sent with: the exported span's own, else a random one.
pub fn continue_trace(span: &tracing::Span, trace: Option<&TraceContext>) -> [u8; 8] {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    if let Some(t) = trace {
        let _ = span.set_parent(t.otel_context());
    }
    let id = span.context().span().span_context().span_id();
    if id == opentelemetry::trace::SpanId::INVALID {
        rand::random()
    } else {
        id.to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn valid_contexts_parse_and_bad_ones_are_ignored() {
        let cases: &[(&str, bool)] = &[
            (GOOD, true),
            (" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ", true),
            // A later version may add fields; version 00 may not.
            ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", true),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false),
            ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false),
            ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false),
            ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false),
            ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false),
            ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", false),
            ("garbage", false),
            ("", false),
        ];
        for (raw, ok) in cases {
            assert_eq!(TraceContext::parse(raw, None).is_some(), *ok, "{raw:?}");
        }
    }

    #[test]
    fn a_child_keeps_the_trace_and_flags_with_its_own_span() {
        let t = TraceContext::parse(GOOD, Some("vendor=abc")).unwrap();
        assert_eq!(t.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.child([1, 2, 3, 4, 5, 6, 7, 8]), "00-4bf92f3577b34da6a3ce929d0e0e4736-0102030405060708-01");
        assert_eq!(t.child([0; 8]), "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000001-01", "never all zero");
        assert_eq!(t.tracestate.as_deref(), Some("vendor=abc"));
    }

    #[test]
    fn tracestate_goes_only_when_printable_and_short() {
        assert_eq!(TraceContext::parse(GOOD, Some("a=\u{7}")).unwrap().tracestate, None);
        assert_eq!(TraceContext::parse(GOOD, Some(&"a".repeat(513))).unwrap().tracestate, None);
        assert_eq!(TraceContext::parse(GOOD, Some("  ")).unwrap().tracestate, None);
    }
}
