//! Client for webhookd, generated from the same `proto/` as the server, plus the receiver
//! side: verification of `X-Mia-Signature` and Standard Webhooks signatures.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use webhookd_client::{pb, Client, WatchEvent};
//! let client = Client::connect("http://127.0.0.1:50051", "whk_…").await?;
//! // A raw stub call, with the client's deadline (30 s by default).
//! let hook = client
//!     .admin()
//!     .create_webhook(client.request(pb::CreateWebhookRequest {
//!         target_url: "https://example.com/hook".into(),
//!         secret: "change-me-please".into(),
//!         events: vec!["project_created".into()],
//!         ..Default::default()
//!     }))
//!     .await?
//!     .into_inner();
//! // Helpers retry what is safe to repeat; a publish gets an idempotency key.
//! let history = client
//!     .list_event_history(pb::ListEventHistoryRequest { webhook_id: hook.id.clone(), ..Default::default() })
//!     .await?;
//! for delivery in history {
//!     println!("{} {}", delivery.event_type, delivery.status_code);
//! }
//! let mut watch = client.watch_deliveries(pb::WatchDeliveriesRequest {
//!     target: Some(pb::watch_deliveries_request::Target::WebhookId(hook.id)),
//!     ..Default::default()
//! });
//! while let WatchEvent::Delivery(d) = watch.next().await? {
//!     println!("{} is {:?}", d.id, d.status());
//! }
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod deadline;
mod retry;
mod tls;
pub mod verify;
mod watch;

use std::time::Duration;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

pub use deadline::Deadline;
pub use retry::{is_retryable, RetryPolicy};
pub use tls::tls_problem;
/// What callers name when they handle errors or build requests, without adding `tonic`.
pub use tonic::{metadata, Code, Request, Status};
pub use verify::{
    verify_event, verify_mia_signature, verify_standard_webhook, verify_standard_webhook_v1a, VerifiedEvent,
    VerifyError,
};
pub use watch::{Watch, WatchEvent};

/// This client's name and version, sent first in every call's user-agent header (tonic adds
/// its own after it); the server's audit log records it with each change.
pub const USER_AGENT: &str = concat!("webhookd-client-rust/", env!("CARGO_PKG_VERSION"));

/// Metadata key of a failed [`Client::publish_event`]'s error holding the idempotency key it
/// went with.
pub const IDEMPOTENCY_KEY: &str = "webhookd-idempotency-key";

/// The idempotency key a failed [`Client::publish_event`] went with.
pub fn idempotency_key(status: &tonic::Status) -> Option<String> {
    status.metadata().get(IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// The fields an INVALID_ARGUMENT (or RESOURCE_EXHAUSTED) status names, as `(field, reason)`
/// pairs decoded from its `google.rpc.BadRequest` details; empty when it carries none.
pub fn field_violations(status: &tonic::Status) -> Vec<(String, String)> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| (v.field, v.description)).collect())
        .unwrap_or_default()
}

/// Generated messages and clients of `webhookd.v1` (the `webhookd-proto` crate): the raw
/// stubs, for every call and option the helpers below do not cover.
pub use webhookd_proto::v1 as pb;

/// Adds `authorization: Bearer <token>` to every call, and the client's extra metadata
/// (see [`Client::with_metadata`]).
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>, Vec<(tonic::metadata::AsciiMetadataKey, MetadataValue<Ascii>)>);

impl Bearer {
    /// Sends `token`; `None` sends no header.
    pub fn new(token: Option<&str>) -> Result<Self, tonic::metadata::errors::InvalidMetadataValue> {
        Ok(Self(token.map(|t| format!("Bearer {t}").parse()).transpose()?, Vec::new()))
    }
}

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            req.metadata_mut().insert("authorization", v.clone());
        }
        for (k, v) in &self.1 {
            // A call's own value (set on a raw stub's request) wins.
            if !req.metadata().contains_key(k) {
                req.metadata_mut().insert(k.clone(), v.clone());
            }
        }
        Ok(req)
    }
}

/// `WebhookAdmin` client with the token attached.
pub type AdminClient = pb::webhook_admin_client::WebhookAdminClient<InterceptedService<Deadline<Channel>, Bearer>>;
/// `EventIngest` client with the token attached.
pub type IngestClient = pb::event_ingest_client::EventIngestClient<InterceptedService<Deadline<Channel>, Bearer>>;
/// `TokenAdmin` client with the token attached.
pub type TokenAdminClient = pb::token_admin_client::TokenAdminClient<InterceptedService<Deadline<Channel>, Bearer>>;

/// Why a client could not be made.
#[derive(Debug)]
pub enum ConnectError {
    /// The address or the connection failed.
    Transport(tonic::transport::Error),
    /// The token cannot be sent as a header.
    Token(tonic::metadata::errors::InvalidMetadataValue),
    /// TLS options were given for a plaintext (`http://` or `host:port`) address.
    TlsOptionsWithoutTls,
    /// Metadata given to [`Client::with_metadata`] cannot be sent (its name says which).
    Metadata(String),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(e) => match tls_problem(e) {
                Some(problem) => write!(f, "connecting to webhookd: {problem}"),
                None => write!(f, "connecting to webhookd: {e}"),
            },
            Self::Token(_) => f.write_str("the token is not a valid header value"),
            Self::TlsOptionsWithoutTls => f.write_str("a CA certificate or client identity needs an https:// address"),
            Self::Metadata(key) => write!(f, "metadata {key:?} is not a valid header name and ASCII value"),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::Token(e) => Some(e),
            Self::TlsOptionsWithoutTls | Self::Metadata(_) => None,
        }
    }
}

/// How to reach webhookd beyond its address, and how calls behave.
#[derive(Clone)]
pub struct ConnectOptions {
    /// PEM CA certificate(s) to trust instead of the system's and the webpki roots.
    pub ca_certificate: Option<String>,
    /// PEM certificate chain and private key to present to the server (mutual TLS).
    pub identity: Option<(String, String)>,
    /// Deadline of each call the helpers make, retries included (30 s). Watches have none.
    pub timeout: Duration,
    /// How the helpers retry calls that are safe to repeat.
    pub retry: RetryPolicy,
    /// Interval of HTTP/2 pings that find a dead connection (30 s); `None` sends none.
    pub keepalive: Option<Duration>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            ca_certificate: None,
            identity: None,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            keepalive: Some(Duration::from_secs(30)),
        }
    }
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("ca_certificate", &self.ca_certificate.as_ref().map(|_| "<pem>"))
            // The private key never shows.
            .field("identity", &self.identity.as_ref().map(|_| "<certificate and key>"))
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("keepalive", &self.keepalive)
            .finish()
    }
}

/// The endpoint for `address`: `host:port` and `http://host:port` in plaintext,
/// `https://host:port` over TLS (never silently in plaintext).
pub fn endpoint(address: &str, options: &ConnectOptions) -> Result<Endpoint, ConnectError> {
    let address = if address.contains("://") { address.to_string() } else { format!("http://{address}") };
    let tls = address.starts_with("https://");
    let mut endpoint = Endpoint::from_shared(address)
        .map_err(ConnectError::Transport)?
        .user_agent(USER_AGENT)
        .map_err(ConnectError::Transport)?
        .tcp_nodelay(true)
        .connect_timeout(options.timeout);
    if let Some(interval) = options.keepalive {
        endpoint = endpoint.http2_keep_alive_interval(interval).keep_alive_while_idle(false);
    }
    if tls {
        let mut config = ClientTlsConfig::new();
        config = match &options.ca_certificate {
            Some(pem) => config.ca_certificate(Certificate::from_pem(pem)),
            None => config.with_native_roots().with_webpki_roots(),
        };
        if let Some((cert, key)) = &options.identity {
            config = config.identity(Identity::from_pem(cert, key));
        }
        endpoint = endpoint.tls_config(config).map_err(ConnectError::Transport)?;
    } else if options.ca_certificate.is_some() || options.identity.is_some() {
        return Err(ConnectError::TlsOptionsWithoutTls);
    }
    Ok(endpoint)
}

/// Both services over one connection, authenticated with one token.
///
/// [`Client::admin`] and [`Client::ingest`] are the raw generated stubs; give them requests
/// made with [`Client::request`] to send the client's deadline. The helpers
/// ([`Client::publish_event`], [`Client::list_webhooks`], [`Client::watch_deliveries`], …)
/// add what is safe for each call: a deadline, retries of calls that may be repeated, an
/// idempotency key for publishes, page following, and watch resumption.
#[derive(Clone)]
pub struct Client {
    channel: Channel,
    bearer: Bearer,
    timeout: Duration,
    retry: RetryPolicy,
}

impl Client {
    /// Connects to `address` with `token`: `127.0.0.1:50051` or `http://…` in plaintext,
    /// `https://…` over TLS trusting the system's and the webpki roots.
    pub async fn connect(address: impl Into<String>, token: &str) -> Result<Self, ConnectError> {
        Self::connect_with(address, token, &ConnectOptions::default()).await
    }

    /// Connects like [`Client::connect`], with a CA to trust, a client certificate, or other
    /// deadlines and retries.
    pub async fn connect_with(
        address: impl Into<String>,
        token: &str,
        options: &ConnectOptions,
    ) -> Result<Self, ConnectError> {
        let channel = endpoint(&address.into(), options)?.connect().await.map_err(ConnectError::Transport)?;
        Ok(Self::with_channel(channel, Some(token))?.with_call_options(options))
    }

    /// A client that connects on its first call (and again after the connection was lost),
    /// so that it can be made while the server is down.
    pub fn connect_lazy(address: &str, token: &str, options: &ConnectOptions) -> Result<Self, ConnectError> {
        let channel = endpoint(address, options)?.connect_lazy();
        Ok(Self::with_channel(channel, Some(token))?.with_call_options(options))
    }

    /// A client over an existing channel; `token` `None` sends no credentials.
    pub fn with_channel(channel: Channel, token: Option<&str>) -> Result<Self, ConnectError> {
        let defaults = ConnectOptions::default();
        Ok(Self {
            channel,
            bearer: Bearer::new(token).map_err(ConnectError::Token)?,
            timeout: defaults.timeout,
            retry: defaults.retry,
        })
    }

    /// The same client with the deadline and retries of `options`.
    pub fn with_call_options(mut self, options: &ConnectOptions) -> Self {
        self.timeout = options.timeout;
        self.retry = options.retry.clone();
        self
    }

    /// This client (sharing its connection), sending `key: value` with every call it makes,
    /// helpers and raw stubs alike: e.g. a W3C `traceparent` for the calls of one operation,
    /// which the server continues in the deliveries it makes. Retries and idempotency keys
    /// work as before.
    pub fn with_metadata(mut self, key: &str, value: &str) -> Result<Self, ConnectError> {
        let invalid = || ConnectError::Metadata(key.to_string());
        let k: tonic::metadata::AsciiMetadataKey = key.parse().map_err(|_| invalid())?;
        let v: MetadataValue<Ascii> = value.parse().map_err(|_| invalid())?;
        self.bearer.1.retain(|(old, _)| *old != k);
        self.bearer.1.push((k, v));
        Ok(self)
    }

    /// The `WebhookAdmin` stub.
    pub fn admin(&self) -> AdminClient {
        pb::webhook_admin_client::WebhookAdminClient::with_interceptor(
            Deadline::new(self.channel.clone()),
            self.bearer.clone(),
        )
    }

    /// The `EventIngest` stub.
    pub fn ingest(&self) -> IngestClient {
        pb::event_ingest_client::EventIngestClient::with_interceptor(
            Deadline::new(self.channel.clone()),
            self.bearer.clone(),
        )
    }

    /// The `TokenAdmin` stub.
    pub fn tokens(&self) -> TokenAdminClient {
        pb::token_admin_client::TokenAdminClient::with_interceptor(
            Deadline::new(self.channel.clone()),
            self.bearer.clone(),
        )
    }

    /// `message` as a request carrying the client's deadline, for the raw stubs.
    pub fn request<T>(&self, message: T) -> tonic::Request<T> {
        timed(message, self.timeout)
    }

    /// Runs `call` within the client's deadline, retrying it with backoff while it fails with
    /// UNAVAILABLE (see [`is_retryable`]). Only for calls that are safe to repeat. `call`
    /// gets the time left, to send as the attempt's deadline:
    ///
    /// ```no_run
    /// # async fn demo(client: webhookd_client::Client) -> Result<(), tonic::Status> {
    /// use webhookd_client::pb;
    /// let hook = client
    ///     .retrying(|left| {
    ///         let mut request = tonic::Request::new(pb::GetWebhookRequest { id: "…".into() });
    ///         request.set_timeout(left);
    ///         let mut admin = client.admin();
    ///         async move { admin.get_webhook(request).await }
    ///     })
    ///     .await?
    ///     .into_inner();
    /// # Ok(()) }
    /// ```
    pub async fn retrying<T, F, Fut>(&self, call: F) -> Result<T, Status>
    where
        F: FnMut(Duration) -> Fut,
        Fut: std::future::Future<Output = Result<T, Status>>,
    {
        retry::with_retries(&self.retry, self.timeout, call).await
    }

    /// Publishes one event, durably. Without an `idempotency_key` one is generated, so the
    /// retries never store the event twice (a retry whose first attempt was stored answers
    /// with `duplicate` set and the same `event_id`). When it fails for good, the error's
    /// metadata holds the key it went with ([`IDEMPOTENCY_KEY`], read by [`idempotency_key`]):
    /// publish again with it, and the event is stored once.
    pub async fn publish_event(&self, mut event: pb::PublishEventRequest) -> Result<pb::PublishEventResponse, Status> {
        if event.idempotency_key.is_empty() {
            event.idempotency_key = uuid::Uuid::new_v4().to_string();
        }
        self.retrying(|left| {
            let mut ingest = self.ingest();
            let request = timed(event.clone(), left);
            async move { ingest.publish_event(request).await.map(tonic::Response::into_inner) }
        })
        .await
        .map_err(|mut status| {
            // Which key the publish went with, so that the caller can send it again safely.
            if let Ok(key) = event.idempotency_key.parse() {
                status.metadata_mut().insert(IDEMPOTENCY_KEY, key);
            }
            status
        })
    }

    /// One webhook.
    pub async fn get_webhook(&self, id: &str) -> Result<pb::Webhook, Status> {
        self.retrying(|left| {
            let mut admin = self.admin();
            let request = timed(pb::GetWebhookRequest { id: id.into() }, left);
            async move { admin.get_webhook(request).await.map(tonic::Response::into_inner) }
        })
        .await
    }

    /// Every webhook `request` matches, following page tokens from `request.page_token`
    /// (each page within its own deadline, retried like any read).
    pub async fn list_webhooks(&self, mut request: pb::ListWebhooksRequest) -> Result<Vec<pb::Webhook>, Status> {
        let mut all = Vec::new();
        loop {
            let page = self
                .retrying(|left| {
                    let mut admin = self.admin();
                    let request = timed(request.clone(), left);
                    async move { admin.list_webhooks(request).await.map(tonic::Response::into_inner) }
                })
                .await?;
            all.extend(page.webhooks);
            if page.next_page_token.is_empty() {
                return Ok(all);
            }
            request.page_token = page.next_page_token;
        }
    }

    /// The webhook's recent deliveries (at most 200), filtered and sorted by the server.
    pub async fn list_event_history(
        &self,
        request: pb::ListEventHistoryRequest,
    ) -> Result<Vec<pb::DeliveryRecord>, Status> {
        self.retrying(|left| {
            let mut admin = self.admin();
            let request = timed(request.clone(), left);
            async move { read_all(admin.list_event_history(request).await?.into_inner()).await }
        })
        .await
    }

    /// The audit log `request` asks for, newest first (at most 1000 records per call).
    pub async fn list_audit_events(&self, request: pb::ListAuditEventsRequest) -> Result<Vec<pb::AuditEvent>, Status> {
        self.retrying(|left| {
            let mut admin = self.admin();
            let request = timed(request.clone(), left);
            async move { read_all(admin.list_audit_events(request).await?.into_inner()).await }
        })
        .await
    }

    /// One delivery with its request body, headers and attempts.
    pub async fn get_delivery(&self, id: &str) -> Result<pb::DeliveryDetail, Status> {
        self.retrying(|left| {
            let mut admin = self.admin();
            let request = timed(pb::GetDeliveryRequest { id: id.into() }, left);
            async move { admin.get_delivery(request).await.map(tonic::Response::into_inner) }
        })
        .await
    }

    /// The event catalog.
    pub async fn list_event_types(&self) -> Result<Vec<pb::EventType>, Status> {
        self.retrying(|left| {
            let mut admin = self.admin();
            let request = timed(pb::ListEventTypesRequest {}, left);
            async move { admin.list_event_types(request).await.map(|r| r.into_inner().event_types) }
        })
        .await
    }

    /// Creates a token; the response holds its bearer value, which cannot be read again. Not
    /// retried: a lost answer would leave a token nobody knows, so on UNAVAILABLE list the
    /// tokens and revoke any you cannot account for.
    pub async fn create_token(&self, request: pb::CreateTokenRequest) -> Result<pb::CreateTokenResponse, Status> {
        self.tokens().create_token(timed(request, self.timeout)).await.map(tonic::Response::into_inner)
    }

    /// Creates a portal link: a short-lived admin token narrowed to one project (or one
    /// webhook) and the page's URL that carries it in its fragment, shown only now. Not
    /// retried, as `create_token`; `RevokeToken` with the link's token id ends it.
    pub async fn create_portal_link(&self, request: pb::CreatePortalLinkRequest) -> Result<pb::PortalLink, Status> {
        self.tokens().create_portal_link(timed(request, self.timeout)).await.map(tonic::Response::into_inner)
    }

    /// Every token `request` matches, newest first, following page tokens.
    pub async fn list_tokens(&self, mut request: pb::ListTokensRequest) -> Result<Vec<pb::Token>, Status> {
        let mut all = Vec::new();
        loop {
            let page = self
                .retrying(|left| {
                    let mut tokens = self.tokens();
                    let request = timed(request.clone(), left);
                    async move { tokens.list_tokens(request).await.map(tonic::Response::into_inner) }
                })
                .await?;
            all.extend(page.tokens);
            if page.next_page_token.is_empty() {
                return Ok(all);
            }
            request.page_token = page.next_page_token;
        }
    }

    /// Revokes a token by id (retried: revoking twice changes nothing).
    pub async fn revoke_token(&self, id: &str) -> Result<pb::Token, Status> {
        self.retrying(|left| {
            let mut tokens = self.tokens();
            let request = timed(pb::RevokeTokenRequest { id: id.into() }, left);
            async move { tokens.revoke_token(request).await.map(tonic::Response::into_inner) }
        })
        .await
    }

    /// The token this client calls with: its role, scope and expiry (any token may read its own).
    pub async fn current_token(&self) -> Result<pb::Token, Status> {
        self.retrying(|left| {
            let mut tokens = self.tokens();
            let request = timed(pb::GetCurrentTokenRequest {}, left);
            async move { tokens.get_current_token(request).await.map(tonic::Response::into_inner) }
        })
        .await
    }

    /// Deliveries as they change, opened again after the server restarts (see [`Watch`]).
    pub fn watch_deliveries(&self, request: pb::WatchDeliveriesRequest) -> Watch {
        Watch::new(self.clone(), request)
    }
}

/// Every message of a server stream, or its error.
async fn read_all<T>(mut stream: tonic::Streaming<T>) -> Result<Vec<T>, Status> {
    let mut all = Vec::new();
    while let Some(item) = stream.message().await? {
        all.push(item);
    }
    Ok(all)
}

/// `message` with `timeout` as its deadline.
fn timed<T>(message: T, timeout: Duration) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(timeout);
    request
}
