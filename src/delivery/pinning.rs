//! Server certificate verification for deliveries: a certificate chain to the webhook's CA
//! (or the public web roots), or an exact match with a certificate the webhook pins.
//!
//! Internal endpoints often present a self-signed certificate. Given as `ca_certificate`,
//! such a certificate is a pin: a server presenting exactly that certificate is trusted
//! (its handshake signature is still checked, so only the holder of its key passes).
//! webpki alone refuses it (`CaUsedAsEndEntity`, or no issuer), so every delivery would fail.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// Chain verification with exact-match pins in front of it.
#[derive(Debug)]
pub struct PinnedOrChained {
    pins: Vec<CertificateDer<'static>>,
    chained: Arc<WebPkiServerVerifier>,
}

impl PinnedOrChained {
    /// Trusts `pins` exactly and anything `chained` accepts.
    pub fn new(pins: Vec<CertificateDer<'static>>, chained: Arc<WebPkiServerVerifier>) -> Self {
        Self { pins, chained }
    }
}

impl ServerCertVerifier for PinnedOrChained {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.pins.iter().any(|pin| pin.as_ref() == end_entity.as_ref()) {
            return Ok(ServerCertVerified::assertion());
        }
        self.chained.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chained.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chained.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.chained.supported_verify_schemes()
    }
}
