//! The listener's TLS: the certificate, key and optional client CA, loaded and reloaded
//! (SIGHUP) without a restart; and the answer to a peer that speaks plaintext on the TLS
//! port.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rustls::server::WebPkiClientVerifier;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpStream;

/// Where the listener's certificate, key and optional client CA are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key of the certificate, read once at start.
    pub key: PathBuf,
    /// PEM CA certificates that client certificates must chain to (mutual TLS).
    pub client_ca: Option<PathBuf>,
}

/// Why the TLS files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("reading {0}")]
    Read(PathBuf, #[source] io::Error),
    /// A file holds no usable PEM.
    #[error("{0}: {1}")]
    Pem(PathBuf, String),
    /// rustls refused the certificate, key or CA.
    #[error("tls configuration")]
    Rustls(#[from] rustls::Error),
    /// The client CA cannot verify clients.
    #[error("--tls-client-ca")]
    ClientCa(#[from] rustls::server::VerifierBuilderError),
}

/// The listener's TLS configuration, swapped whole on [`Tls::reload`]; connections
/// already open keep the configuration they were accepted with.
#[derive(Debug, Clone)]
pub struct Tls {
    files: TlsFiles,
    current: Arc<RwLock<Arc<ServerConfig>>>,
}

impl Tls {
    /// Loads the files once; an error names the file.
    pub fn load(files: TlsFiles) -> Result<Self, TlsError> {
        let config = server_config(&files)?;
        Ok(Self { files, current: Arc::new(RwLock::new(config)) })
    }

    /// Reads the files again; on error the previous configuration stays in use.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = server_config(&self.files)?;
        *self.current.write().expect("tls config lock") = config;
        Ok(())
    }

    pub(super) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.current.read().expect("tls config lock").clone())
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|e| TlsError::Read(path.clone(), e))
}

fn certificates(path: &PathBuf) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(&read(path)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem(path.clone(), e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::Pem(path.clone(), "no CERTIFICATE block".into()));
    }
    Ok(certs)
}

fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certificates(&files.cert)?;
    let key = PrivateKeyDer::from_pem_slice(&read(&files.key)?)
        .map_err(|e| TlsError::Pem(files.key.clone(), format!("no private key: {e}")))?;
    let builder = ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in certificates(path)? {
                roots.add(cert)?;
            }
            builder.with_client_cert_verifier(
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build()?,
            )
        }
    };
    let mut config = builder.with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// Whether the peer's first byte opens a TLS record (a ClientHello is a handshake record,
/// type 22). A peer that sends nothing before `deadline`, or closes, is treated as TLS: the
/// handshake then fails or times out as it would have.
pub(super) async fn starts_tls(tcp: &TcpStream, deadline: tokio::time::Instant) -> bool {
    let mut first = [0u8; 1];
    !matches!(tokio::time::timeout_at(deadline, tcp.peek(&mut first)).await, Ok(Ok(1)) if first[0] != 0x16)
}

/// Why a plaintext call on the TLS port fails, in the words every client shows.
const TLS_ONLY: &str = "this port accepts TLS only: address the server as https://host:port";

/// Answers a peer that speaks plaintext HTTP on the TLS port, until `deadline`: every gRPC
/// call fails with FAILED_PRECONDITION saying to use https:// (instead of a dropped
/// connection that clients report as a broken pipe and retry), anything else gets a 400
/// saying the same. The answer is fixed: nothing is read past the request's headers.
pub(super) async fn answer_plaintext(tcp: TcpStream, deadline: tokio::time::Instant) {
    let service = hyper::service::service_fn(|request: http::Request<hyper::body::Incoming>| async move {
        let grpc = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/grpc"));
        let response = if grpc {
            http::Response::builder()
                .header(http::header::CONTENT_TYPE, "application/grpc")
                .header("grpc-status", (tonic::Code::FailedPrecondition as i32).to_string())
                .header("grpc-message", TLS_ONLY)
        } else {
            http::Response::builder().status(http::StatusCode::BAD_REQUEST)
        };
        let body = if grpc { bytes::Bytes::new() } else { bytes::Bytes::from_static(TLS_ONLY.as_bytes()) };
        response.body(http_body_util::Full::new(body)).map_err(io::Error::other)
    });
    let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(tcp), service);
    let _ = tokio::time::timeout_at(deadline, conn).await;
}
