//! Client for webhookd, generated from the same `proto/` as the server, plus the receiver
//! side: verification of `X-Mia-Signature` and Standard Webhooks signatures.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use webhookd_client::{pb, Client};
//! let client = Client::connect("http://127.0.0.1:50051", "whk_…").await?;
//! let hook = client
//!     .admin()
//!     .create_webhook(pb::CreateWebhookRequest {
//!         target_url: "https://example.com/hook".into(),
//!         secret: "change-me-please".into(),
//!         events: vec!["project_created".into()],
//!         ..Default::default()
//!     })
//!     .await?
//!     .into_inner();
//! let mut history = client
//!     .admin()
//!     .list_event_history(pb::ListEventHistoryRequest { webhook_id: hook.id, ..Default::default() })
//!     .await?
//!     .into_inner();
//! while let Some(delivery) = history.message().await? {
//!     println!("{} {}", delivery.event_type, delivery.status_code);
//! }
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod verify;

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

pub use verify::{verify_mia_signature, verify_standard_webhook, VerifyError};

/// The fields an INVALID_ARGUMENT (or RESOURCE_EXHAUSTED) status names, as `(field, reason)`
/// pairs decoded from its `google.rpc.BadRequest` details; empty when it carries none.
pub fn field_violations(status: &tonic::Status) -> Vec<(String, String)> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| (v.field, v.description)).collect())
        .unwrap_or_default()
}

/// Generated messages and clients of `webhookd.v1`.
#[allow(missing_docs, clippy::all)]
pub mod pb {
    tonic::include_proto!("webhookd.v1");

    fn redact(secret: &str) -> &'static str {
        if secret.is_empty() {
            "\"\""
        } else {
            "<redacted>"
        }
    }

    impl std::fmt::Debug for CreateWebhookRequest {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("CreateWebhookRequest")
                .field("scope", &self.scope)
                .field("target_url", &self.target_url)
                .field("secret", &format_args!("{}", redact(&self.secret)))
                .field("events", &self.events)
                .field("ca_certificate", &self.ca_certificate)
                .field("proxy_url", &self.proxy_url)
                .finish()
        }
    }

    impl std::fmt::Debug for UpdateWebhookRequest {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("UpdateWebhookRequest")
                .field("id", &self.id)
                .field("target_url", &self.target_url)
                .field("secret", &format_args!("{}", redact(&self.secret)))
                .field("events", &self.events)
                .field("ca_certificate", &self.ca_certificate)
                .field("proxy_url", &self.proxy_url)
                .field("update_mask", &self.update_mask)
                .finish()
        }
    }
}

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Bearer {
    /// Sends `token`; `None` sends no header.
    pub fn new(token: Option<&str>) -> Result<Self, tonic::metadata::errors::InvalidMetadataValue> {
        Ok(Self(token.map(|t| format!("Bearer {t}").parse()).transpose()?))
    }
}

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            req.metadata_mut().insert("authorization", v.clone());
        }
        Ok(req)
    }
}

/// `WebhookAdmin` client with the token attached.
pub type AdminClient = pb::webhook_admin_client::WebhookAdminClient<InterceptedService<Channel, Bearer>>;
/// `EventIngest` client with the token attached.
pub type IngestClient = pb::event_ingest_client::EventIngestClient<InterceptedService<Channel, Bearer>>;

/// Why a client could not be made.
#[derive(Debug)]
pub enum ConnectError {
    /// The address or the connection failed.
    Transport(tonic::transport::Error),
    /// The token cannot be sent as a header.
    Token(tonic::metadata::errors::InvalidMetadataValue),
    /// TLS options were given for a plaintext (`http://` or `host:port`) address.
    TlsOptionsWithoutTls,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "connecting to webhookd: {e}"),
            Self::Token(_) => f.write_str("the token is not a valid header value"),
            Self::TlsOptionsWithoutTls => f.write_str("a CA certificate or client identity needs an https:// address"),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::Token(e) => Some(e),
            Self::TlsOptionsWithoutTls => None,
        }
    }
}

/// How to reach webhookd beyond its address.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// PEM CA certificate(s) to trust instead of the system's and the webpki roots.
    pub ca_certificate: Option<String>,
    /// PEM certificate chain and private key to present to the server (mutual TLS).
    pub identity: Option<(String, String)>,
}

/// The endpoint for `address`: `host:port` and `http://host:port` in plaintext,
/// `https://host:port` over TLS (never silently in plaintext).
pub fn endpoint(address: &str, options: &ConnectOptions) -> Result<Endpoint, ConnectError> {
    let address = if address.contains("://") { address.to_string() } else { format!("http://{address}") };
    let tls = address.starts_with("https://");
    let mut endpoint = Endpoint::from_shared(address).map_err(ConnectError::Transport)?.tcp_nodelay(true);
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
#[derive(Clone)]
pub struct Client {
    channel: Channel,
    bearer: Bearer,
}

impl Client {
    /// Connects to `address` with `token`: `127.0.0.1:50051` or `http://…` in plaintext,
    /// `https://…` over TLS trusting the system's and the webpki roots.
    pub async fn connect(address: impl Into<String>, token: &str) -> Result<Self, ConnectError> {
        Self::connect_with(address, token, &ConnectOptions::default()).await
    }

    /// Connects like [`Client::connect`], with a CA to trust or a client certificate.
    pub async fn connect_with(
        address: impl Into<String>,
        token: &str,
        options: &ConnectOptions,
    ) -> Result<Self, ConnectError> {
        let channel = endpoint(&address.into(), options)?.connect().await.map_err(ConnectError::Transport)?;
        Self::with_channel(channel, Some(token))
    }

    /// A client over an existing channel; `token` `None` sends no credentials.
    pub fn with_channel(channel: Channel, token: Option<&str>) -> Result<Self, ConnectError> {
        Ok(Self { channel, bearer: Bearer::new(token).map_err(ConnectError::Token)? })
    }

    /// The `WebhookAdmin` client.
    pub fn admin(&self) -> AdminClient {
        pb::webhook_admin_client::WebhookAdminClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }

    /// The `EventIngest` client.
    pub fn ingest(&self) -> IngestClient {
        pb::event_ingest_client::EventIngestClient::with_interceptor(self.channel.clone(), self.bearer.clone())
    }
}
