//! Real HTTP and HTTPS receivers on loopback that report every request they get.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Mutex};

/// A request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Captured {
    /// Request target as sent (origin or absolute form).
    pub uri: String,
    /// Method.
    pub method: String,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Exact body bytes.
    pub body: Bytes,
    /// When it arrived.
    pub at: Instant,
}

impl Captured {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What to answer a request with.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Status and headers.
    Status(u16, Vec<(&'static str, String)>),
    /// Never answer (the connection stays open).
    Hang,
    /// Answer with this status after a delay.
    After(Duration, u16),
    /// Answer with this status once the gate is open (the semaphore closed).
    Gate(Arc<tokio::sync::Semaphore>, u16),
}

type Responder = Arc<dyn Fn(usize, &Captured) -> Reply + Send + Sync>;

/// A running receiver.
pub struct Receiver {
    /// Where it listens.
    pub addr: SocketAddr,
    rx: Mutex<mpsc::UnboundedReceiver<Captured>>,
    count: Arc<AtomicUsize>,
}

/// A test certificate authority and a server certificate it signed for localhost and 127.0.0.1.
pub struct TestPki {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The server's certificate chain and key for rustls.
    pub server: Arc<rustls::ServerConfig>,
    /// The server's certificate and key.
    leaf: (Vec<rustls_pki_types::CertificateDer<'static>>, rustls_pki_types::PrivateKeyDer<'static>),
}

/// A fresh certificate authority named `name`: its certificate, and the issuer that signs
/// with it.
pub fn new_ca(name: &str) -> (rcgen::Certificate, rcgen::Issuer<'static, rcgen::KeyPair>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    let cert = params.self_signed(&key).unwrap();
    (cert, rcgen::Issuer::new(params, key))
}

/// A client certificate issued by a fresh CA: (the CA's PEM, the certificate's PEM, its
/// key's PEM), for mutual TLS.
pub fn client_certificate() -> (String, String, String) {
    let (ca_cert, issuer) = new_ca("webhookd test client CA");
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, "webhookd test client");
    let cert = params.signed_by(&key, &issuer).unwrap();
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

impl TestPki {
    /// A fresh CA and server certificate.
    pub fn new() -> Self {
        let (ca_cert, issuer) = new_ca(&format!("webhookd test CA {}", uuid::Uuid::new_v4()));
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf_params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
        let chain = vec![leaf.der().clone()];
        let key = rustls_pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain.clone(), key.clone_key())
            .unwrap();
        TestPki { ca_pem: ca_cert.pem(), server: Arc::new(server), leaf: (chain, key) }
    }

    /// A CA and server certificate as `new`, the server requiring a client certificate issued
    /// by the CA `client_ca_pem` (mutual TLS).
    pub fn requiring_client_certificates(client_ca_pem: &str) -> Self {
        let pki = Self::new();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(client_ca_pem.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .unwrap();
        let (chain, key) = (pki.leaf.0.clone(), pki.leaf.1.clone_key());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .unwrap();
        TestPki { server: Arc::new(server), ..pki }
    }

    /// A server presenting one self-signed certificate that is its own CA (as
    /// `openssl req -x509` makes them); `ca_pem` is that certificate.
    pub fn self_signed() -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        TestPki {
            ca_pem: cert.pem(),
            server: Arc::new(server),
            leaf: (vec![cert.der().clone()], rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into())),
        }
    }
}

impl Receiver {
    /// An http receiver answering 200 to everything.
    pub async fn ok() -> Self {
        Self::start(None, |_, _| Reply::Status(200, vec![])).await
    }

    /// An http receiver answering `status` while `down` is set, else 200.
    pub async fn switchable(down: Arc<std::sync::atomic::AtomicBool>, status: u16) -> Self {
        Self::start(None, move |_, _| Reply::Status(if down.load(Ordering::SeqCst) { status } else { 200 }, vec![]))
            .await
    }

    /// A receiver answering with `responder(index, request)`; https when `tls` is given.
    pub async fn start(
        tls: Option<Arc<rustls::ServerConfig>>,
        responder: impl Fn(usize, &Captured) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        let count = Arc::new(AtomicUsize::new(0));
        let responder: Responder = Arc::new(responder);
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        let counter = count.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let tx = tx.clone();
                let responder = responder.clone();
                let counter = counter.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let tx = tx.clone();
                        let responder = responder.clone();
                        let counter = counter.clone();
                        async move {
                            let uri = req.uri().to_string();
                            let method = req.method().to_string();
                            let headers = req.headers().clone();
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let captured = Captured { uri, method, headers, body, at: Instant::now() };
                            let index = counter.fetch_add(1, Ordering::SeqCst);
                            let reply = responder(index, &captured);
                            let _ = tx.send(captured);
                            let (code, headers) = match reply {
                                Reply::Hang => std::future::pending().await,
                                Reply::After(delay, code) => {
                                    tokio::time::sleep(delay).await;
                                    (code, vec![])
                                }
                                Reply::Gate(gate, code) => {
                                    let _ = gate.acquire().await;
                                    (code, vec![])
                                }
                                Reply::Status(code, headers) => (code, headers),
                            };
                            let mut resp = hyper::Response::new(Full::new(Bytes::from_static(b"received")));
                            *resp.status_mut() = http::StatusCode::from_u16(code).unwrap();
                            for (n, v) in headers {
                                resp.headers_mut().insert(n, v.parse().unwrap());
                            }
                            Ok::<_, Infallible>(resp)
                        }
                    });
                    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    match acceptor {
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                            }
                        }
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                        }
                    }
                });
            }
        });
        Receiver { addr, rx: Mutex::new(rx), count }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The next request, waiting up to `timeout`.
    pub async fn next(&self, timeout: Duration) -> Option<Captured> {
        tokio::time::timeout(timeout, self.rx.lock().await.recv()).await.ok().flatten()
    }

    /// The next request, failing the test after 20 s.
    pub async fn expect(&self) -> Captured {
        self.next(Duration::from_secs(20)).await.expect("the receiver got no request within 20 s")
    }

    /// Requests received so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}
