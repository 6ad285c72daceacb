//! The HTTP side of deliveries: one hyper client per distinct (CA, proxy) pair, with the
//! SSRF guard applied to every address actually connected to.
//!
//! Connector layering: `HttpsConnector<ProxyConnector<GuardedConnector>>`. TLS is outermost,
//! so an https target behind a proxy is encrypted end to end inside the CONNECT tunnel and
//! verified against the webhook's own CA.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, PROXY_AUTHORIZATION, RETRY_AFTER};
use http::{Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_proxy2::{Intercept, Proxy, ProxyConnector};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use tokio::net::TcpStream;
use tower_service::Service;

use super::pinning::PinnedOrChained;
use super::ssrf::AllowList;
use crate::model::ClientIdentity;

/// Bytes of the response body kept for the history.
pub const RESPONSE_PREFIX: usize = 1024;
/// Bytes of a response body read at most (the rest is dropped with the connection).
const RESPONSE_READ_LIMIT: usize = 64 * 1024;
/// Clients unused this long are dropped.
const CLIENT_IDLE: Duration = Duration::from_secs(600);

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Connector = HttpsConnector<ProxyConnector<GuardedConnector>>;
type HttpClient = Client<Connector, Full<Bytes>>;

/// A connection refused by the SSRF guard.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Why an attempt got no HTTP response.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The SSRF guard refused the target: final.
    #[error("{0}")]
    Refused(String),
    /// The webhook's CA or proxy cannot be used: final.
    #[error("{0}")]
    Config(String),
    /// The attempt took longer than the request timeout: retried.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// Connection, TLS or protocol failure: retried.
    #[error("{0}")]
    Transport(String),
    /// The webhook's secret or proxy URL is sealed with a key this server lacks: not sent,
    /// retried.
    #[error("not sent: the webhook's secret cannot be opened here ({0})")]
    Sealed(String),
}

impl SendError {
    /// Whether a later attempt can succeed (a refused or invalid target cannot).
    pub fn retryable(&self) -> bool {
        matches!(self, Self::Timeout(_) | Self::Transport(_) | Self::Sealed(_))
    }
}

/// The receiver's answer to one attempt.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// HTTP status code of the answer.
    pub status: u16,
    /// The `Retry-After` header (seconds or HTTP date) as a wait from now.
    pub retry_after: Option<Duration>,
    /// First 1 KiB of the body.
    pub body_prefix: Vec<u8>,
    /// The answer's headers when it is not a success (2xx), bounded (`RESPONSE_HEADERS_*`):
    /// kept with the attempt to tell why; a success keeps none, so it costs the least.
    pub headers: Vec<(String, String)>,
}

/// Headers kept of an answer that is not a success, and bytes of each value.
const RESPONSE_HEADERS_KEPT: usize = 32;
const RESPONSE_HEADER_VALUE_BYTES: usize = 256;

/// Settings of the HTTP side.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// TCP (and proxy) connect timeout.
    pub connect_timeout: Duration,
    /// Limit on one whole attempt: connect, send, and read the answer.
    pub request_timeout: Duration,
    /// The SSRF guard: addresses a target may resolve to.
    pub allow: Arc<AllowList>,
}

/// What a client is built from. Holds a client certificate's key in memory only (no
/// `Debug`).
#[derive(Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    ca: Option<String>,
    proxy: Option<String>,
    /// Client certificate PEM and its key PEM.
    identity: Option<(String, Vec<u8>)>,
}

struct Built {
    client: HttpClient,
    /// Headers for plain-http requests sent through the proxy (its credentials).
    proxy_headers: Option<http::HeaderMap>,
}

/// HTTP clients by CA certificate, proxy and client certificate, so connections are pooled
/// across attempts.
pub struct Clients {
    settings: HttpSettings,
    cache: Mutex<HashMap<ClientKey, (Arc<Built>, Instant)>>,
}

impl Clients {
    /// An empty cache.
    pub fn new(settings: HttpSettings) -> Self {
        Self { settings, cache: Mutex::default() }
    }

    fn client_for(
        &self,
        ca: Option<&str>,
        proxy: Option<&str>,
        identity: Option<&ClientIdentity>,
    ) -> Result<Arc<Built>, SendError> {
        let key = ClientKey {
            ca: ca.map(str::to_owned),
            proxy: proxy.map(str::to_owned),
            identity: identity.map(|i| (i.certificate.clone(), i.key.expose().to_vec())),
        };
        let mut cache = self.cache.lock().expect("client cache");
        let now = Instant::now();
        if let Some((built, used)) = cache.get_mut(&key) {
            *used = now;
            return Ok(built.clone());
        }
        // A webhook whose CA, proxy or certificate changed leaves its old client unused: drop
        // such clients.
        cache.retain(|_, (_, used)| now.duration_since(*used) < CLIENT_IDLE);
        let built = Arc::new(self.build(ca, proxy, identity)?);
        cache.insert(key, (built.clone(), now));
        Ok(built)
    }

    fn build(
        &self,
        ca: Option<&str>,
        proxy: Option<&str>,
        identity: Option<&ClientIdentity>,
    ) -> Result<Built, SendError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        let mut pins = Vec::new();
        match ca {
            Some(pem) => {
                for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                    let cert = cert.map_err(|e| SendError::Config(format!("ca_certificate: {e}")))?;
                    roots.add(cert.clone()).map_err(|e| SendError::Config(format!("ca_certificate: {e}")))?;
                    pins.push(cert);
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let chained = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| SendError::Config(format!("ca_certificate: {e}")))?;
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| SendError::Config(format!("tls: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedOrChained::new(pins, chained)));
        let tls = match identity {
            None => tls.with_no_client_auth(),
            Some(i) => {
                let (chain, key) = client_identity(i).map_err(|e| SendError::Config(format!("{}: {e}", e.field())))?;
                tls.with_client_auth_cert(chain, key)
                    .map_err(|e| SendError::Config(format!("client_certificate: {e}")))?
            }
        };

        let mut http = HttpConnector::new_with_resolver(GuardedResolver { allow: self.settings.allow.clone() });
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.settings.connect_timeout));
        http.set_nodelay(true);
        let guarded = GuardedConnector { inner: http, allow: self.settings.allow.clone() };

        let (proxied, proxy_headers) = match proxy {
            None => (ProxyConnector::unsecured(guarded), None),
            Some(raw) => {
                let p = proxy_from_url(raw)?;
                let headers = p.headers().clone();
                (ProxyConnector::from_proxy_unsecured(guarded, p), Some(headers))
            }
        };
        let https =
            HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http().enable_http1().wrap_connector(proxied);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(90)).build(https);
        Ok(Built { client, proxy_headers })
    }

    /// POSTs `body` with `headers` to `url`, through the webhook's CA and proxy, presenting
    /// its client certificate if it has one.
    pub async fn post(
        &self,
        url: &str,
        ca: Option<&str>,
        proxy: Option<&str>,
        identity: Option<&ClientIdentity>,
        headers: &[(HeaderName, HeaderValue)],
        body: Bytes,
    ) -> Result<HttpResponse, SendError> {
        let built = self.client_for(ca, proxy, identity)?;
        let uri: Uri = url.parse().map_err(|e| SendError::Config(format!("target_url: {e}")))?;
        if proxy.is_some() {
            // Only the proxy's address is connected to; a literal target address is still
            // judged here (names behind a proxy are resolved by the proxy, out of our sight).
            let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = host.parse::<IpAddr>() {
                self.settings.allow.check(ip).map_err(SendError::Refused)?;
            }
        }
        let mut req =
            Request::post(uri.clone()).body(Full::new(body)).map_err(|e| SendError::Config(format!("request: {e}")))?;
        for (n, v) in headers {
            req.headers_mut().insert(n.clone(), v.clone());
        }
        if uri.scheme_str() == Some("http") {
            if let Some(h) = &built.proxy_headers {
                req.headers_mut().extend(h.clone());
            }
        }
        let timeout = self.settings.request_timeout;
        let attempt = async {
            let resp = built.client.request(req).await.map_err(classify)?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| super::policy::parse_retry_after(v, SystemTime::now()));
            let headers = if (200..300).contains(&status) {
                Vec::new()
            } else {
                resp.headers()
                    .iter()
                    .take(RESPONSE_HEADERS_KEPT)
                    .map(|(n, v)| {
                        let v = String::from_utf8_lossy(v.as_bytes());
                        let mut end = v.len().min(RESPONSE_HEADER_VALUE_BYTES);
                        while !v.is_char_boundary(end) {
                            end -= 1;
                        }
                        (n.as_str().to_string(), v[..end].to_string())
                    })
                    .collect()
            };
            let mut body = resp.into_body();
            let mut prefix = Vec::new();
            let mut read = 0usize;
            while read < RESPONSE_READ_LIMIT {
                match body.frame().await {
                    Some(Ok(frame)) => {
                        if let Some(data) = frame.data_ref() {
                            read += data.len();
                            let room = RESPONSE_PREFIX.saturating_sub(prefix.len());
                            prefix.extend_from_slice(&data[..data.len().min(room)]);
                        }
                    }
                    // A broken body after the status line does not change the verdict.
                    Some(Err(_)) | None => break,
                }
            }
            Ok(HttpResponse { status, retry_after, body_prefix: prefix, headers })
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(r) => r,
            Err(_) => Err(SendError::Timeout(timeout)),
        }
    }
}

/// A hyper-proxy2 `Proxy` for `raw`; credentials go only into `Proxy-Authorization`.
fn proxy_from_url(raw: &str) -> Result<Proxy, SendError> {
    let url = url::Url::parse(raw).map_err(|e| SendError::Config(format!("proxy_url: {e}")))?;
    if url.scheme() != "http" {
        return Err(SendError::Config(
            "proxy_url: only http:// proxies are supported (TLS to the proxy itself is not)".into(),
        ));
    }
    let host = url.host_str().ok_or_else(|| SendError::Config("proxy_url: no host".into()))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_string() };
    let uri: Uri = format!("http://{host}:{port}").parse().map_err(|e| SendError::Config(format!("proxy_url: {e}")))?;
    let mut proxy = Proxy::new(Intercept::All, uri);
    if !url.username().is_empty() {
        let user = percent_decode(url.username());
        let pass = percent_decode(url.password().unwrap_or(""));
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        let value = HeaderValue::from_str(&format!("Basic {basic}"))
            .map_err(|_| SendError::Config("proxy_url: credentials are not valid in a header".into()))?;
        proxy.set_header(PROXY_AUTHORIZATION, value);
    }
    Ok(proxy)
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Turns a client error into a `SendError`, finding an SSRF refusal or a certificate
/// failure anywhere in its chain.
fn classify(e: hyper_util::client::legacy::Error) -> SendError {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = cur {
        let inner = unwrap_io(err);
        if let Some(r) = inner.downcast_ref::<Refused>() {
            return SendError::Refused(r.0.clone());
        }
        if let Some(rustls::Error::InvalidCertificate(_)) = inner.downcast_ref::<rustls::Error>() {
            return SendError::Transport(format!(
                "{}; the target's certificate is not trusted: set ca_certificate to the CA that issued it, \
                 or to the target's own (self-signed) certificate to pin it",
                crate::report::chain(&e)
            ));
        }
        cur = err.source();
    }
    SendError::Transport(crate::report::chain(&e))
}

/// The error an `io::Error` carries (through any number of wrappings; their `source` skips
/// it), or `err` itself.
fn unwrap_io<'a>(mut err: &'a (dyn std::error::Error + 'static)) -> &'a (dyn std::error::Error + 'static) {
    while let Some(inner) = err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
        err = inner;
    }
    err
}

/// Resolves names and keeps only the addresses the SSRF guard allows.
#[derive(Clone)]
struct GuardedResolver {
    allow: Arc<AllowList>,
}

impl Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow = self.allow.clone();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let mut refused = None;
            let ok: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match allow.check(a.ip()) {
                    Ok(()) => true,
                    Err(why) => {
                        refused.get_or_insert(why);
                        false
                    }
                })
                .collect();
            match (ok.is_empty(), refused) {
                (true, Some(why)) => {
                    Err(Box::new(Refused(format!("{} resolves to a refused address: {why}", name.as_str())))
                        as BoxError)
                }
                _ => Ok(ok.into_iter()),
            }
        })
    }
}

/// Plain TCP connector that refuses literal non-global addresses before connecting and
/// checks the peer of every connection made (names are filtered by the resolver).
#[derive(Clone)]
struct GuardedConnector {
    inner: HttpConnector<GuardedResolver>,
    allow: Arc<AllowList>,
}

impl Service<Uri> for GuardedConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let allow = self.allow.clone();
        let literal =
            uri.host().map(|h| h.trim_start_matches('[').trim_end_matches(']')).and_then(|h| h.parse::<IpAddr>().ok());
        if let Some(ip) = literal {
            if let Err(why) = allow.check(ip) {
                return Box::pin(async move { Err(Box::new(Refused(why)) as BoxError) });
            }
        }
        let connecting = self.inner.call(uri);
        Box::pin(async move {
            let stream = connecting.await?;
            let peer = stream.inner().peer_addr()?;
            allow.check(peer.ip()).map_err(|why| Box::new(Refused(why)) as BoxError)?;
            Ok(stream)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_credentials_become_proxy_authorization() {
        let p = proxy_from_url("http://us%40er:p%3Ass@proxy.internal:3128").unwrap();
        assert_eq!(p.uri().to_string(), "http://proxy.internal:3128/");
        let auth = p.headers().get(PROXY_AUTHORIZATION).unwrap().to_str().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD.decode(auth.strip_prefix("Basic ").unwrap()).unwrap();
        assert_eq!(decoded, b"us@er:p:ss");
        assert!(p.headers().get(http::header::AUTHORIZATION).is_none());
        let p = proxy_from_url("http://proxy.internal").unwrap();
        assert!(p.headers().is_empty());
        assert_eq!(p.uri().port_u16(), Some(80));
        assert!(matches!(proxy_from_url("https://proxy.internal"), Err(SendError::Config(_))));
    }
}

/// Why a client certificate or its key does not parse.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The certificate chain is not PEM CERTIFICATE blocks.
    #[error("{0}")]
    Certificate(String),
    /// The key is not a PEM private key (its text is never repeated).
    #[error("not a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC)")]
    Key,
}

impl IdentityError {
    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Certificate(_) => "client_certificate",
            Self::Key => "client_key",
        }
    }
}

/// A client certificate chain and its private key, parsed from PEM.
pub fn client_identity(
    identity: &ClientIdentity,
) -> Result<(Vec<CertificateDer<'static>>, rustls_pki_types::PrivateKeyDer<'static>), IdentityError> {
    let chain = CertificateDer::pem_slice_iter(identity.certificate.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| IdentityError::Certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(IdentityError::Certificate("no PEM CERTIFICATE block".into()));
    }
    let key = rustls_pki_types::PrivateKeyDer::from_pem_slice(identity.key.expose()).map_err(|_| IdentityError::Key)?;
    Ok((chain, key))
}
