//! W3C trace context from the publisher's call to the receiver: the same trace on every
//! attempt and redelivery, each attempt a span of its own; an invalid context is ignored.

use webhookd_client::pb;

use crate::common::receiver::{Receiver, Reply};
use crate::common::support;
use crate::common::Role;
use crate::common::{new_webhook, TestServer};

const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn event(payload: &str) -> pb::PublishEventRequest {
    pb::PublishEventRequest { event_name: "tag_created".into(), payload: payload.into(), ..Default::default() }
}

/// `traceparent` split into its four fields.
fn fields(traceparent: &str) -> Vec<String> {
    traceparent.split('-').map(String::from).collect()
}

#[tokio::test]
async fn a_publishers_trace_reaches_every_attempt_and_redelivery() {
    let server = TestServer::start_with(&["--retry-schedule", "50ms"]).await;
    // The first request fails: the retry must carry the same trace.
    let rx = Receiver::start(None, |i, _| Reply::Status(if i == 0 { 503 } else { 200 }, vec![])).await;
    let mut admin = server.admin().await;
    admin.create_webhook(new_webhook(None, &rx.url("/hook"), &["tag_created"])).await.unwrap();
    let publisher = server.token(Role::Publisher, "", "").await;
    let mut ingest = server.ingest_as(Some(&publisher)).await;

    let mut call = tonic::Request::new(event(r#"{"n":1}"#));
    call.metadata_mut().insert("traceparent", PARENT.parse().unwrap());
    call.metadata_mut().insert("tracestate", "vendor=abc,other=1".parse().unwrap());
    ingest.publish_event(call).await.unwrap();
    let first = rx.expect().await;
    let retry = rx.expect().await;
    let mut spans = Vec::new();
    for got in [&first, &retry] {
        let f = fields(got.header("traceparent").expect("a traceparent"));
        assert_eq!(f[0], "00");
        assert_eq!(f[1], TRACE_ID, "the publisher's trace");
        assert_ne!(f[2], "00f067aa0ba902b7", "the attempt's own span, a child of the publisher's");
        assert_eq!(f[3], "01", "the publisher's flags");
        assert_eq!(got.header("tracestate"), Some("vendor=abc,other=1"));
        spans.push(f[2].clone());
    }
    assert_ne!(spans[0], spans[1], "each attempt is a span of its own");

    // A redelivery continues the same trace.
    let delivery_id = retry.header("webhook-id").unwrap().to_string();
    let detail = admin.get_delivery(pb::GetDeliveryRequest { id: delivery_id.clone() }).await.unwrap().into_inner();
    assert!(
        detail.request_headers.iter().any(|h| h.name == "traceparent" && h.value.contains(TRACE_ID)),
        "the delivery record shows the traceparent sent: {:?}",
        detail.request_headers
    );
    admin.redeliver_event(pb::RedeliverEventRequest { delivery_id }).await.unwrap();
    let again = rx.expect().await;
    assert_eq!(fields(again.header("traceparent").unwrap())[1], TRACE_ID);

    // A stream's metadata traces every event of the stream.
    let mut stream_call = tonic::Request::new(tokio_stream::iter(vec![event(r#"{"n":2}"#), event(r#"{"n":3}"#)]));
    stream_call.metadata_mut().insert("traceparent", PARENT.parse().unwrap());
    let mut acks = ingest.publish_events(stream_call).await.unwrap().into_inner();
    while acks.message().await.unwrap().is_some() {}
    for _ in 0..2 {
        let got = rx.expect().await;
        assert_eq!(fields(got.header("traceparent").unwrap())[1], TRACE_ID);
        assert_eq!(got.header("tracestate"), None, "no tracestate was sent with this call");
    }

    // An invalid context is ignored (the event is still accepted), and none is made up.
    let mut bad = tonic::Request::new(event(r#"{"n":4}"#));
    bad.metadata_mut()
        .insert("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01".parse().unwrap());
    bad.metadata_mut().insert("tracestate", "vendor=abc".parse().unwrap());
    ingest.publish_event(bad).await.unwrap();
    ingest.publish_event(event(r#"{"n":5}"#)).await.unwrap();
    for _ in 0..2 {
        let got = rx.expect().await;
        assert_eq!(got.header("traceparent"), None);
        assert_eq!(got.header("tracestate"), None);
    }

    // The server's own log of each attempt carries the trace id.
    let logs = crate::common::logs::text();
    assert!(
        logs.contains(&format!("trace_id={TRACE_ID}")) || logs.contains(&format!("trace_id=\"{TRACE_ID}\"")),
        "the attempts are logged with the trace id"
    );
    server.stop().await;
}

mod collector {
    //! A real OTLP/gRPC trace collector: every span exported to it arrives on a channel.

    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
    use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
    use opentelemetry_proto::tonic::trace::v1::Span;
    use tokio::sync::mpsc;

    struct Collector(mpsc::UnboundedSender<Span>);

    #[tonic::async_trait]
    impl TraceService for Collector {
        async fn export(
            &self,
            req: tonic::Request<ExportTraceServiceRequest>,
        ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
            for resource in req.into_inner().resource_spans {
                for scope in resource.scope_spans {
                    for span in scope.spans {
                        let _ = self.0.send(span);
                    }
                }
            }
            Ok(tonic::Response::new(ExportTraceServiceResponse { partial_success: None }))
        }
    }

    /// The collector's address and the spans it receives.
    pub async fn start() -> (std::net::SocketAddr, mpsc::UnboundedReceiver<Span>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(TraceServiceServer::new(Collector(tx)))
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        (addr, rx)
    }
}

#[tokio::test]
async fn with_an_otlp_endpoint_the_publish_and_each_attempt_are_exported_as_spans_of_the_trace() {
    let (addr, mut spans) = collector::start().await;
    let rx = Receiver::ok().await;
    let url = crate::common::fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let endpoint = format!("http://{addr}");
    let server = support::ServerProcess::serving(&url, &tmp.path().join("d"), &["--otlp-endpoint", &endpoint]).await;
    let client = webhookd_client::Client::with_channel(server.channel(), Some(&server.admin_token())).unwrap();
    client.admin().create_webhook(new_webhook(None, &rx.url("/hook"), &["tag_created"])).await.unwrap();
    let publisher = support::mint_token(&url, Role::Publisher, &Default::default()).await;
    let mut ingest = webhookd_client::Client::with_channel(server.channel(), Some(&publisher)).unwrap().ingest();
    let mut call = tonic::Request::new(event(r#"{"n":1}"#));
    call.metadata_mut().insert("traceparent", PARENT.parse().unwrap());
    ingest.publish_event(call).await.unwrap();
    let sent = fields(rx.expect().await.header("traceparent").unwrap());

    // Both spans continue the publisher's span; the attempt's is the one the receiver was
    // told about. The exporter sends in batches (every few seconds).
    let trace_id = hex::decode(TRACE_ID).unwrap();
    let publisher_span = hex::decode("00f067aa0ba902b7").unwrap();
    let (mut publish, mut attempt) = (None, None);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while publish.is_none() || attempt.is_none() {
        let span = tokio::time::timeout_at(deadline, spans.recv()).await.expect("spans exported").unwrap();
        if span.trace_id != trace_id {
            continue;
        }
        match span.name.as_str() {
            "publish event" => publish = Some(span),
            "delivery attempt" => attempt = Some(span),
            _ => {}
        }
    }
    let (publish, attempt) = (publish.unwrap(), attempt.unwrap());
    assert_eq!(publish.parent_span_id, publisher_span, "the publish continues the publisher's span");
    assert_eq!(attempt.parent_span_id, publisher_span, "the attempt continues the publisher's span");
    assert_eq!(hex::encode(&attempt.span_id), sent[2], "the receiver's parent is the exported attempt span");
    drop(server);
}

#[tokio::test]
async fn the_rust_clients_helpers_send_a_traceparent_given_once_for_the_client() {
    let server = TestServer::start().await;
    let rx = Receiver::ok().await;
    let mut admin = server.admin().await;
    admin.create_webhook(new_webhook(None, &rx.url("/hook"), &["tag_created"])).await.unwrap();
    let token = server.token(Role::Publisher, "", "").await;
    let client = webhookd_client::Client::connect(format!("http://{}", server.addr), &token)
        .await
        .unwrap()
        .with_metadata("traceparent", PARENT)
        .unwrap();
    // The helper (retries, a generated idempotency key) carries it.
    client.publish_event(event(r#"{"n":1}"#)).await.unwrap();
    let got = rx.expect().await;
    assert_eq!(fields(got.header("traceparent").expect("a traceparent"))[1], TRACE_ID);
    let bad = webhookd_client::Client::connect(format!("http://{}", server.addr), &token).await.unwrap();
    assert!(bad.with_metadata("trace parent", "x").is_err(), "an invalid name is refused");
    server.stop().await;
}
