//! Logging and metrics.
//!
//! Logs: `tracing` to stderr, filtered by `RUST_LOG` (default `info`). Metrics: Prometheus
//! text on `--metrics-listen` (off by default), every name under `webhookd_`, labels bounded
//! (no per-webhook or per-tenant label): the names and their meaning are listed here.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use crate::storage::Storage;

/// Events stored, by `rpc` (`PublishEvent`, `PublishEvents`); repeats of an idempotency key
/// are not counted.
pub const EVENTS_INGESTED: &str = "webhookd_events_ingested_total";
/// Delivery attempts made, by `result`: `success`, `retry` (will be tried again) or `fail`.
pub const DELIVERY_ATTEMPTS: &str = "webhookd_delivery_attempts_total";
/// Deliveries that became final, by `outcome`: `success` or `error`.
pub const DELIVERIES_COMPLETED: &str = "webhookd_deliveries_completed_total";
/// Seconds from when an attempt was due to when it was sent.
pub const DUE_TO_SENT: &str = "webhookd_delivery_due_to_sent_seconds";
/// Seconds one attempt took: connect, send, and read the answer.
pub const SEND_DURATION: &str = "webhookd_delivery_send_seconds";
/// Pending deliveries (sampled).
pub const QUEUE_DEPTH: &str = "webhookd_queue_depth";
/// Age in seconds of the oldest delivery that is due and not being sent (sampled; 0 when none).
pub const OLDEST_DUE_AGE: &str = "webhookd_queue_oldest_due_age_seconds";
/// Webhooks by `state`: `active`, `paused` or `disabled` (sampled).
pub const WEBHOOKS: &str = "webhookd_webhooks";
/// Webhooks whose circuit breaker is open or probing (sampled).
pub const BREAKERS_OPEN: &str = "webhookd_circuit_breakers_open";
/// Circuit breakers opened (a webhook reaching --breaker-threshold failures in a row).
pub const BREAKER_OPENS: &str = "webhookd_circuit_breaker_opens_total";
/// Webhooks disabled by webhookd (410 Gone, or failing for --disable-after).
pub const WEBHOOKS_DISABLED: &str = "webhookd_webhooks_disabled_total";
/// Database pool connections, by `state`: `in_use` or `idle` (sampled).
pub const DB_POOL: &str = "webhookd_db_pool_connections";
/// gRPC calls answered, by `method` (`/package.Service/Method`; `unknown` for paths the
/// server does not serve) and `code` (`Ok`, `InvalidArgument`, …).
pub const GRPC_REQUESTS: &str = "webhookd_grpc_requests_total";
/// Requests for the admin page (not gRPC), by `route`: one of the page's files, or `other`.
pub const PAGE_REQUESTS: &str = "webhookd_page_requests_total";

/// Whether this process exports metrics; without it, the per-call work is skipped.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether this process exports metrics (`--metrics-listen`).
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// How often the queue and the pool are sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(5);

/// Whether spans are exported (`--otlp-endpoint`): only then are the per-publish and
/// per-attempt spans made, so that they cost nothing otherwise.
pub fn exporting_spans() -> bool {
    SPANS.load(Ordering::Relaxed)
}

static SPANS: AtomicBool = AtomicBool::new(false);

/// Installs the global log subscriber (`json` selects JSON lines) and, with `otlp_endpoint`,
/// the span exporter, whose provider is returned to be shut down (flushed) at exit.
pub fn init(json: bool, otlp_endpoint: Option<&str>) -> Result<Option<SdkTracerProvider>, String> {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer as _;

    // RUST_LOG filters the logs; the exported spans (webhookd's own, at info) do not depend on it.
    let logs = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let text = (!json).then(|| tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(logs()));
    let json = json.then(|| tracing_subscriber::fmt::layer().json().with_writer(std::io::stderr).with_filter(logs()));
    let provider = otlp_endpoint.map(otlp_provider).transpose()?;
    let spans = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("webhookd"))
            .with_filter(Targets::new().with_target("webhookd", LevelFilter::INFO))
    });
    let exporting = spans.is_some();
    if tracing_subscriber::registry().with(text).with(json).with(spans).try_init().is_ok() {
        SPANS.store(exporting, Ordering::Relaxed);
    }
    Ok(provider)
}

/// A tracer provider exporting spans in batches over OTLP/gRPC to `endpoint`, as service
/// `webhookd`. Needs the Tokio runtime (the exporter is a tonic client).
fn otlp_provider(endpoint: &str) -> Result<SdkTracerProvider, String> {
    use opentelemetry_otlp::WithExportConfig;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .map_err(|e| format!("--otlp-endpoint {endpoint}: {e}"))?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name("webhookd").build();
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
}

/// Serves metrics on `addr` and samples the queue and the pool until `stop`. The recorder is
/// process-wide: a second server in the same process (tests) keeps the first's.
pub fn serve_metrics(addr: SocketAddr, storage: Storage, stop: CancellationToken) -> Result<(), String> {
    let seconds = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets(&seconds)
        .and_then(|b| b.install())
        .map_err(|e| format!("cannot serve metrics on {addr}: {e}"))?;
    describe();
    EXPORTING.store(true, Ordering::Relaxed);
    tracing::info!(%addr, "serving Prometheus metrics");
    tokio::spawn(sample(storage, stop));
    Ok(())
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(EVENTS_INGESTED, "Events stored, by RPC (repeated idempotency keys not counted).");
    describe_counter!(DELIVERY_ATTEMPTS, "Delivery attempts, by result: success, retry or fail.");
    describe_counter!(DELIVERIES_COMPLETED, "Deliveries that became final, by outcome.");
    describe_histogram!(DUE_TO_SENT, Unit::Seconds, "From when an attempt was due to when it was sent.");
    describe_histogram!(SEND_DURATION, Unit::Seconds, "How long one attempt took.");
    describe_gauge!(QUEUE_DEPTH, "Pending deliveries (sampled).");
    describe_gauge!(WEBHOOKS, "Webhooks by state: active, paused, disabled (sampled).");
    describe_gauge!(BREAKERS_OPEN, "Webhooks whose circuit breaker is open or probing (sampled).");
    describe_counter!(BREAKER_OPENS, "Circuit breakers opened.");
    describe_counter!(WEBHOOKS_DISABLED, "Webhooks disabled by webhookd.");
    describe_gauge!(OLDEST_DUE_AGE, Unit::Seconds, "Age of the oldest due delivery not being sent (sampled).");
    describe_gauge!(DB_POOL, "Database pool connections by state (sampled).");
    describe_counter!(GRPC_REQUESTS, "gRPC calls answered, by method and code.");
    describe_counter!(PAGE_REQUESTS, "Requests for the admin page's files, by route.");
}

/// Samples the queue and the pool every few seconds.
async fn sample(storage: Storage, stop: CancellationToken) {
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let pool = storage.pool_status();
        metrics::gauge!(DB_POOL, "state" => "in_use").set((pool.size - pool.available) as f64);
        metrics::gauge!(DB_POOL, "state" => "idle").set(pool.available as f64);
        match storage.queue_sample().await {
            Ok(q) => {
                metrics::gauge!(QUEUE_DEPTH).set(q.depth as f64);
                let age = q.oldest_due.and_then(|t| t.elapsed().ok()).unwrap_or_default();
                metrics::gauge!(OLDEST_DUE_AGE).set(age.as_secs_f64());
                for (state, n) in ["active", "paused", "disabled"].into_iter().zip(q.by_state) {
                    metrics::gauge!(WEBHOOKS, "state" => state).set(n as f64);
                }
                metrics::gauge!(BREAKERS_OPEN).set(q.breaker_open as f64);
            }
            Err(e) => tracing::debug!(error = %crate::report::chain(&e), "sampling the queue failed"),
        }
    }
}

/// Counts one answered gRPC call; `method` is a [`method_label`].
pub fn grpc_answered(method: &'static str, code: tonic::Code) {
    metrics::counter!(GRPC_REQUESTS, "method" => method, "code" => format!("{code:?}")).increment(1);
}

/// Counts one request for the page; `route` is a fixed value (a file's path, or `other`).
pub fn page_requested(route: &'static str) {
    metrics::counter!(PAGE_REQUESTS, "route" => route).increment(1);
}

/// The `method` label of a call to `path`: the path when this server serves that method,
/// else `unknown`, so that no request can add a series of its choosing.
pub fn method_label(path: &str) -> &'static str {
    known_methods().get_key_value(path).map_or("unknown", |(m, _)| m.as_str())
}

/// Whether the method at `path` takes a stream of requests (its request may last).
pub fn streams_requests(path: &str) -> bool {
    known_methods().get(path).copied().unwrap_or(false)
}

/// Every method this server serves, as `/package.Service/Method`, with whether its
/// requests stream, read once from the descriptor sets it registers for reflection.
fn known_methods() -> &'static std::collections::HashMap<String, bool> {
    static KNOWN: std::sync::OnceLock<std::collections::HashMap<String, bool>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        use prost::Message as _;
        let mut known = std::collections::HashMap::new();
        for set in [crate::pb::FILE_DESCRIPTOR_SET, tonic_health::pb::FILE_DESCRIPTOR_SET] {
            let set = prost_types::FileDescriptorSet::decode(set).expect("the built-in descriptor sets decode");
            for file in &set.file {
                for service in &file.service {
                    for method in &service.method {
                        known.insert(
                            format!("/{}.{}/{}", file.package(), service.name(), method.name()),
                            method.client_streaming(),
                        );
                    }
                }
            }
        }
        for version in ["v1", "v1alpha"] {
            known.insert(format!("/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo"), true);
        }
        known
    })
}
