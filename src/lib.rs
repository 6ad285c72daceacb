//! webhookd: webhook management and delivery over gRPC.
//!
//! [`run`] serves `WebhookAdmin`, `EventIngest` and `TokenAdmin` (with reflection and
//! health) on a listener until a shutdown token fires, over PostgreSQL storage.

#![warn(missing_docs)]

pub mod announce;
pub mod api;
pub mod auth;
pub mod body;
pub mod catalog;
pub mod config;
pub mod delivery;
pub mod error;
pub mod health;
pub mod janitor;
pub mod keyring;
pub mod listener;
pub mod model;
pub mod pb;
pub mod recoverer;
pub mod report;
pub mod secret;
pub mod service;
pub mod storage;
pub mod telemetry;
pub mod trace;
pub mod web;

use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tonic::server::NamedService;
use tonic_health::server::HealthReporter;
use tonic_health::ServingStatus;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::api::admin::AdminService;
use crate::api::ingest::IngestService;
use crate::api::tokens::TokenService;
use crate::api::watch::WatchHub;
use crate::auth::Authenticator;
use crate::config::Config;
use crate::delivery::http::HttpSettings;
use crate::delivery::ssrf::AllowList;
use crate::delivery::{Engine, EngineSettings};
use crate::pb::event_ingest_server::EventIngestServer;
use crate::pb::token_admin_server::TokenAdminServer;
use crate::pb::webhook_admin_server::WebhookAdminServer;
use crate::storage::deliveries::DeliveryRules;
use crate::storage::{Database, StorageError};

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A setting is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The database could not be opened.
    #[error("database")]
    Storage(#[from] StorageError),
    /// The gRPC server failed.
    #[error("grpc server")]
    Transport(#[from] tonic::transport::Error),
    /// Reflection could not be built.
    #[error("reflection")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The listener's TLS files cannot be used.
    #[error("listener tls")]
    Tls(#[from] listener::TlsError),
    /// The keys sealing webhook secrets cannot be used.
    #[error("secret keys")]
    Keys(#[from] keyring::KeyError),
    /// A file could not be written.
    #[error("{0}")]
    Io(String, #[source] std::io::Error),
}

const WEBHOOK_ADMIN: &str = <WebhookAdminServer<AdminService> as NamedService>::NAME;
const EVENT_INGEST: &str = <EventIngestServer<IngestService> as NamedService>::NAME;
const TOKEN_ADMIN: &str = <TokenAdminServer<TokenService> as NamedService>::NAME;

/// Name of the bootstrap admin token file in the data directory.
pub const ADMIN_TOKEN_FILE: &str = "admin.token";

/// Runs webhookd on `listener` until `shutdown` is cancelled.
pub async fn run(config: Config, listener: TcpListener, shutdown: CancellationToken) -> Result<(), ServeError> {
    let catalog = config.events.catalog().map_err(ServeError::Config)?;
    // Parsed once, before the database opens: the admin API and the engine share it.
    let guard = Arc::new(config.delivery.allow_list().map_err(ServeError::Config)?);
    let db = Database::open(&config.database.options()).await?;
    db.storage.warm().await;
    let result = serve(&config, &db, catalog, guard, listener, shutdown).await;
    db.close().await;
    result
}

async fn serve(
    config: &Config,
    db: &Database,
    catalog: catalog::Catalog,
    guard: Arc<AllowList>,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    let keys = open_keys(config)?;
    let storage = db.storage.clone().with_keys(keys);
    storage.register_keys().await?;
    tokio::spawn(seal_with_current_key(storage.clone(), shutdown.child_token()));
    tokio::spawn(janitor::run(
        storage.clone(),
        janitor::Retention { audit: config.retention.audit_retention, recovery: config.retention.recovery_retention },
        shutdown.child_token(),
    ));
    if let Some(addr) = config.telemetry.metrics_listen {
        telemetry::serve_metrics(addr, storage.clone(), shutdown.child_token()).map_err(ServeError::Config)?;
    }
    bootstrap_admin_token(&storage, &config.database.data_dir).await?;
    let auth = Authenticator::start(storage.clone(), shutdown.child_token());

    let (health, health_service) = tonic_health::server::health_reporter();
    set_health(&health, ServingStatus::Serving).await;
    tokio::spawn(watch_database(storage.clone(), health.clone(), shutdown.child_token()));
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let hub = WatchHub::start(storage.clone(), shutdown.clone(), config.limits.watch_buffer);
    let quota = storage::webhooks::WebhookQuota {
        per_company: config.limits.max_webhooks_per_company,
        per_project: config.limits.max_webhooks_per_project,
    };
    let admin = AdminService::new(
        storage.clone(),
        auth.clone(),
        catalog.clone(),
        hub,
        guard.clone(),
        quota,
        config.retention.recovery_retention,
    );
    let listening = listener.local_addr().map_err(|e| ServeError::Io("listener address".into(), e))?;
    let tokens = TokenService::new(storage.clone(), auth.clone(), config.edge.page_url(listening));
    if config.edge.web {
        tokio::task::spawn_blocking(web::compress_ahead);
    }
    let (engine, ingest_storage) = if config.delivery.no_delivery {
        (None, storage.clone())
    } else {
        // Bulk recoveries are sent by the replicas that deliver.
        tokio::spawn(recoverer::run(storage.clone(), config.delivery.recovery_rate, shutdown.child_token()));
        let engine = Engine::new(storage.clone(), engine_settings(config, guard));
        // Publishes hand what this engine can send at once straight to it.
        let ingest_storage = storage.clone().with_handoff(engine.handoff());
        let stop = shutdown.child_token();
        (Some(tokio::spawn(engine.run(stop))), ingest_storage)
    };
    let ingest = IngestService::new(ingest_storage, auth.clone(), catalog.clone(), config.events.max_payload_bytes);
    let addr = listener.local_addr().map_err(|e| ServeError::Io("listener address".into(), e))?;
    let tls = config.edge.tls_files().map(listener::Tls::load).transpose()?;
    if let Some(tls) = &tls {
        // Registered before serving, so a SIGHUP from then on reloads (and never kills).
        let hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .map_err(|e| ServeError::Io("watching SIGHUP".into(), e))?;
        tokio::spawn(reload_on_sighup(tls.clone(), hup, shutdown.child_token()));
    } else if !addr.ip().is_loopback() {
        tracing::warn!(%addr, "listening in plaintext beyond loopback: bearer tokens cross the network in clear (set --tls-cert and --tls-key)");
    }
    tracing::info!(%addr, tls = tls.is_some(), "webhookd listening");
    let incoming = listener::incoming(listener, config.edge.settings(), tls, shutdown.child_token());

    let stop = shutdown.clone();
    let server = tonic::transport::Server::builder()
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .max_concurrent_streams(config.edge.max_concurrent_streams.max(1))
        .http2_keepalive_interval(Some(config.edge.http2_keepalive_interval))
        .http2_keepalive_timeout(Some(config.edge.http2_keepalive_timeout))
        // Browsers speak HTTP/1.1 to a plaintext listener: gRPC-Web and the page need it.
        .accept_http1(config.edge.web)
        .layer(listener::CountCalls { body_timeout: config.edge.request_body_timeout.max(Duration::from_millis(1)) })
        // The page answers what is not gRPC before gRPC-Web turns away other HTTP/1.1 requests.
        .layer(tower::util::option_layer(config.edge.web.then(|| web::WebPage::new(storage.clone()))))
        .layer(tower::util::option_layer(config.edge.web.then(tonic_web::GrpcWebLayer::new)))
        // A request over its decoding limit: RESOURCE_EXHAUSTED naming the limit.
        .layer(tower::util::MapResponseLayer::new(error::too_large_answer))
        // A panic in a handler answers INTERNAL (in tonic's body type, as the layers above expect).
        .layer(tower::util::MapResponseLayer::new(
            error::into_tonic_body::<tower_http::body::UnsyncBoxBody<bytes::Bytes, tower_http::BoxError>>,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::internal_on_panic))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(WebhookAdminServer::new(admin).max_decoding_message_size(MAX_ADMIN_REQUEST))
        .add_service(TokenAdminServer::new(tokens).max_decoding_message_size(MAX_ADMIN_REQUEST))
        .add_service(
            EventIngestServer::new(ingest)
                .max_decoding_message_size(config.events.max_payload_bytes + MAX_ADMIN_REQUEST),
        )
        .serve_with_incoming_shutdown(incoming, async move {
            stop.cancelled().await;
            set_health(&health, ServingStatus::NotServing).await;
        });
    // Calls still open after the grace period (watch streams, say) do not hold the
    // shutdown up: they end with the process.
    let grace = async {
        shutdown.cancelled().await;
        tokio::time::sleep(config.delivery.shutdown_grace).await;
        tracing::warn!("calls still open after the shutdown grace period; closing them");
    };
    let result = tokio::select! {
        r = server => r,
        _ = grace => Ok(()),
    };
    tracing::info!("webhookd stopped serving");
    if let Some(engine) = engine {
        // The server future ends on shutdown or on error; either way the engine stops.
        shutdown.cancel();
        let _ = engine.await;
        tracing::info!("delivery engine stopped");
    }
    Ok(result?)
}

/// Reloads the listener's certificate, key and client CA on SIGHUP; new connections use
/// them, open ones keep theirs. A failed reload keeps the previous files in use.
async fn reload_on_sighup(tls: listener::Tls, mut hup: tokio::signal::unix::Signal, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = hup.recv() => match tls.reload() {
                Ok(()) => tracing::info!("tls certificate reloaded"),
                Err(e) => tracing::error!(error = %report::chain(&e), "tls reload failed; keeping the previous certificate"),
            },
        }
    }
}

/// Largest admin request (a webhook with a 64 KiB CA and 2 KiB URLs fits many times over).
const MAX_ADMIN_REQUEST: usize = 256 * 1024;

/// HTTP/2 flow-control windows. h2 closes a connection (ENHANCE_YOUR_CALM) when the framing
/// overhead of small DATA frames buffered unread passes half the connection window; a
/// stream window of 64 KiB keeps one stalled stream's worth of even tiny frames (one per
/// message, as grpcurl sends them) well under that.
const STREAM_WINDOW: u32 = 64 * 1024;
const CONNECTION_WINDOW: u32 = 2 * 1024 * 1024;

/// How often the database is checked for `grpc.health.v1`, and how long a check may take.
const HEALTH_INTERVAL: Duration = Duration::from_secs(1);
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// Sets the status of the whole server (`""`) and of every webhookd service.
async fn set_health(health: &HealthReporter, status: ServingStatus) {
    for service in ["", WEBHOOK_ADMIN, EVENT_INGEST, TOKEN_ADMIN] {
        health.set_service_status(service, status).await;
    }
}

/// Keeps `grpc.health.v1` in step with the database: NOT_SERVING while it cannot be
/// reached (every RPC then answers UNAVAILABLE), SERVING again once it answers.
async fn watch_database(storage: storage::Storage, health: HealthReporter, stop: CancellationToken) {
    let mut serving = true;
    let mut tick = tokio::time::interval(HEALTH_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let up = matches!(tokio::time::timeout(HEALTH_TIMEOUT, storage.ping()).await, Ok(Ok(())));
        if up == serving || stop.is_cancelled() {
            continue;
        }
        serving = up;
        if up {
            tracing::info!("database reachable again; health is SERVING");
            set_health(&health, ServingStatus::Serving).await;
        } else {
            tracing::warn!("database unreachable; health is NOT_SERVING");
            set_health(&health, ServingStatus::NotServing).await;
        }
    }
}

/// Engine settings from the configuration, with the SSRF guard `allow`.
fn engine_settings(config: &Config, allow: Arc<AllowList>) -> EngineSettings {
    EngineSettings {
        concurrency: config.delivery.delivery_concurrency,
        lease: config.delivery.lease,
        poll_interval: config.delivery.poll_interval,
        shutdown_grace: config.delivery.shutdown_grace,
        policy: config.delivery.retry_policy(),
        http: HttpSettings {
            connect_timeout: config.delivery.connect_timeout,
            request_timeout: config.delivery.request_timeout,
            allow,
        },
        rules: DeliveryRules {
            webhook_concurrency: config.delivery.webhook_concurrency,
            breaker_threshold: config.delivery.breaker_threshold,
            breaker_cooldown: config.delivery.breaker_cooldown,
            disable_after: config.delivery.disable_after,
            failing_warning: config.delivery.failing_warning_after(),
        },
    }
}

/// The key ring of `--secret-key-file`, or of the data directory's key file (created, and
/// said so, on first start).
fn open_keys(config: &Config) -> Result<Arc<keyring::KeyRing>, ServeError> {
    let (ring, created) = config.keys.load(&config.database.data_dir)?;
    match created {
        Some(path) => tracing::warn!(
            path = %path.display(),
            key_id = ring.current_id(),
            "created a key to seal webhook secrets at rest; back it up (without it no secret can be read) \
             and give every replica the same file (--secret-key-file)"
        ),
        None => tracing::info!(key_ids = ?ring.ids(), "webhook secrets are sealed with key {}", ring.current_id()),
    }
    Ok(Arc::new(ring))
}

/// Seals every webhook not yet sealed with the current key (rows from before sealing, or
/// sealed with an older key) in the background, in batches; retried until done.
async fn seal_with_current_key(storage: storage::Storage, stop: CancellationToken) {
    let mut total = 0;
    loop {
        let batch = tokio::select! {
            _ = stop.cancelled() => return,
            r = storage.reseal() => r,
        };
        match batch {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(e) => {
                tracing::warn!(error = %report::chain(&e), "sealing webhook secrets with the current key failed; retrying");
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        }
    }
    if total > 0 {
        tracing::info!(webhooks = total, "webhook secrets sealed with the current key");
    }
}

/// On first start (no token in the database), creates an instance admin token and
/// writes it to `<data-dir>/admin.token` (mode 0600). Logs the path, never the token.
async fn bootstrap_admin_token(storage: &storage::Storage, data_dir: &Path) -> Result<(), ServeError> {
    let (token, hash) = auth::new_token();
    if !storage.insert_first_token(&hash).await? {
        return Ok(());
    }
    let path = data_dir.join(ADMIN_TOKEN_FILE);
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(data_dir)?;
        let _ = std::fs::remove_file(&path);
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
        std::io::Write::write_all(&mut f, format!("{token}\n").as_bytes())
    };
    write().map_err(|e| ServeError::Io(format!("writing {}", path.display()), e))?;
    tracing::info!(path = %path.display(), "created the instance admin token");
    Ok(())
}
