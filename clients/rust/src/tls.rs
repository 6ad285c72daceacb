//! What a failed connection says about the client's TLS set-up. tonic reports every such
//! failure as "transport error" with rustls's error a few sources down; these are settled by
//! configuration, not by waiting, so calls are not retried on them and the error says what
//! to change.

use std::error::Error;

use rustls::{AlertDescription, CertificateError};

/// The TLS problem behind `error` (or one of its sources), in words that say what to
/// change; `None` when the failure is not one of the client's TLS set-up.
pub fn tls_problem(error: &(dyn Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(e) = next {
        // io::Error hides the error it wraps from source(): look inside it.
        let wrapped = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).map(|inner| inner as &dyn Error);
        let rustls = e.downcast_ref::<rustls::Error>().or_else(|| wrapped.and_then(|w| w.downcast_ref()));
        if let Some(problem) = rustls.and_then(describe) {
            return Some(problem);
        }
        // An alert that arrives after the handshake (TLS 1.3 checks the client's certificate
        // then) reaches here through h2, which keeps only the io::Error's text.
        if let Some(alert) = wrapped.or(Some(e)).and_then(|w| w.to_string().strip_prefix(ALERT).map(String::from)) {
            let alert = ALERTS.iter().find(|a| format!("{a:?}") == alert);
            if let Some(problem) = alert.and_then(|a| describe(&rustls::Error::AlertReceived(*a))) {
                return Some(problem);
            }
        }
        next = e.source();
    }
    None
}

/// How rustls words a received alert, and the alerts that concern the client's certificate.
const ALERT: &str = "received fatal alert: ";
const ALERTS: [AlertDescription; 5] = [
    AlertDescription::CertificateRequired,
    AlertDescription::BadCertificate,
    AlertDescription::UnknownCA,
    AlertDescription::CertificateUnknown,
    AlertDescription::CertificateExpired,
];

fn describe(error: &rustls::Error) -> Option<String> {
    use rustls::Error::*;
    let text = match error {
        InvalidCertificate(CertificateError::UnknownIssuer) => "the server's certificate is not issued by a CA this \
             client trusts (unknown issuer): pass its CA as ca_certificate"
            .to_string(),
        InvalidCertificate(
            e @ (CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }),
        ) => {
            format!("the server's certificate does not name the host of the address ({e})")
        }
        InvalidCertificate(e @ (CertificateError::Expired | CertificateError::ExpiredContext { .. })) => {
            format!("the server's certificate has expired ({e})")
        }
        InvalidCertificate(e) => format!("the server's certificate was refused ({e})"),
        InvalidMessage(_) => "the server did not answer in TLS: if it listens in plaintext, address it as \
             http://host:port"
            .to_string(),
        AlertReceived(AlertDescription::CertificateRequired) => {
            "the server requires a client certificate: pass one as identity".to_string()
        }
        AlertReceived(
            a @ (AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired),
        ) => format!("the server refused the client certificate ({a:?})"),
        _ => return None,
    };
    Some(format!("TLS: {text}"))
}
