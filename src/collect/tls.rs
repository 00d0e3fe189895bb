//! rustls client configuration from `--cacert --cert --key --insecure`.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::target::TlsSettings;

fn read_certs(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut data.as_slice()).collect();
    let certs = certs.map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate found", path.display()));
    }
    Ok(certs)
}

fn read_key(path: &std::path::Path) -> Result<PrivateKeyDer<'static>, String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    rustls_pemfile::private_key(&mut data.as_slice())
        .map_err(|e| format!("{}: {e}", path.display()))?
        .ok_or_else(|| format!("{}: no PEM private key found", path.display()))
}

/// Builds the client config; errors are plain sentences naming the file.
pub fn client_config(tls: &TlsSettings) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = if tls.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
    } else {
        let mut roots = RootCertStore::empty();
        match &tls.cacert {
            Some(path) => {
                for cert in read_certs(path)? {
                    roots
                        .add(cert)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        builder.with_root_certificates(roots)
    };
    match (&tls.cert, &tls.key) {
        (Some(cert), Some(key)) => builder
            .with_client_auth_cert(read_certs(cert)?, read_key(key)?)
            .map_err(|e| e.to_string()),
        _ => Ok(builder.with_no_client_auth()),
    }
}

/// A failed handshake as a sentence that says whose certificate is the problem: rustls calls
/// the server's "the peer certificate", and a client certificate the server refused arrives as
/// a bare alert.
pub fn handshake_error(e: &std::io::Error, tls: &TlsSettings) -> String {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(c)) => {
            let hint = match (c, &tls.cacert) {
                (rustls::CertificateError::UnknownIssuer, Some(_)) => {
                    " (not signed by the --cacert CA)"
                }
                (rustls::CertificateError::UnknownIssuer, None) => {
                    " (not signed by a public CA; give its CA with --cacert)"
                }
                _ => "",
            };
            format!("TLS: server certificate rejected: {c}{hint}")
        }
        Some(rustls::Error::AlertReceived(a)) if CERT_ALERTS.contains(a) => {
            format!("TLS: {}", client_cert_refused(&format!("{a:?}"), tls))
        }
        _ => format!("TLS: {e}"),
    }
}

/// Alerts a server sends over a client certificate (or its absence).
const CERT_ALERTS: [rustls::AlertDescription; 8] = [
    rustls::AlertDescription::BadCertificate,
    rustls::AlertDescription::UnsupportedCertificate,
    rustls::AlertDescription::CertificateRevoked,
    rustls::AlertDescription::CertificateExpired,
    rustls::AlertDescription::CertificateUnknown,
    rustls::AlertDescription::UnknownCA,
    rustls::AlertDescription::CertificateRequired,
    rustls::AlertDescription::AccessDenied,
];

/// The server's alert about our client certificate (or its absence).
fn client_cert_refused(alert: &str, tls: &TlsSettings) -> String {
    if tls.cert.is_some() {
        format!("the server refused the client certificate ({alert}); check --cert and --key")
    } else {
        format!("the server wants a client certificate ({alert}); give one with --cert and --key")
    }
}

/// The first command after a TLS handshake that looked fine failed with `m` (already
/// escaped). TLS 1.3 gives the server's verdict on the client certificate only then: as an
/// alert (`received fatal alert: CertificateRequired`), or as a hang-up when our write comes
/// first (`hung_up`). `None` when `m` is neither, or is a failed handshake (already worded by
/// [`handshake_error`]).
pub fn after_handshake(m: &str, hung_up: bool, tls: &TlsSettings) -> Option<String> {
    if m.starts_with("TLS: ") {
        return None;
    }
    if let Some((_, rest)) = m.split_once("received fatal alert: ") {
        let alert: String = rest
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        return CERT_ALERTS
            .iter()
            .any(|a| format!("{a:?}") == alert)
            .then(|| format!("TLS: {}", client_cert_refused(&alert, tls)));
    }
    if !hung_up {
        None
    } else if tls.cert.is_some() {
        Some(format!(
            "TLS: the server hung up after the handshake ({m}); it may have refused the client certificate (--cert, --key)"
        ))
    } else {
        Some(format!(
            "TLS: the server hung up after the handshake ({m}); if it requires a client certificate, give one with --cert and --key"
        ))
    }
}

/// `--insecure`: accept any certificate (still checks the handshake signatures).
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(cacert: bool, cert: bool) -> TlsSettings {
        TlsSettings {
            cacert: cacert.then(|| "ca.pem".into()),
            cert: cert.then(|| "client.pem".into()),
            key: cert.then(|| "client.key".into()),
            ..TlsSettings::default()
        }
    }

    /// What tokio-rustls returns for a rustls error.
    fn io(e: rustls::Error) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }

    #[test]
    fn handshake_errors_say_whose_certificate() {
        let unknown = || io(rustls::CertificateError::UnknownIssuer.into());
        assert_eq!(
            handshake_error(&unknown(), &settings(true, true)),
            "TLS: server certificate rejected: UnknownIssuer (not signed by the --cacert CA)"
        );
        assert!(handshake_error(&unknown(), &settings(false, false)).contains("--cacert"));
        let version = io(
            rustls::CertificateError::Other(rustls::OtherError(std::sync::Arc::new(
                std::io::Error::other("UnsupportedCertVersion"),
            )))
            .into(),
        );
        assert!(
            handshake_error(&version, &settings(true, false))
                .starts_with("TLS: server certificate rejected: ")
        );
        let alert = || {
            io(rustls::Error::AlertReceived(
                rustls::AlertDescription::BadCertificate,
            ))
        };
        assert_eq!(
            handshake_error(&alert(), &settings(true, true)),
            "TLS: the server refused the client certificate (BadCertificate); check --cert and --key"
        );
        assert!(
            handshake_error(&alert(), &settings(true, false))
                .contains("wants a client certificate")
        );
    }

    #[test]
    fn failures_after_the_handshake() {
        let after =
            |m: &str, hung_up: bool, cert: bool| after_handshake(m, hung_up, &settings(true, cert));
        assert!(
            after("broken pipe", true, false)
                .expect("hang-up")
                .contains("give one with --cert")
        );
        assert!(
            after("broken pipe", true, true)
                .expect("hang-up")
                .contains("refused the client certificate")
        );
        assert_eq!(
            after("received fatal alert: CertificateRequired", false, false).as_deref(),
            Some(
                "TLS: the server wants a client certificate (CertificateRequired); give one with --cert and --key"
            )
        );
        assert_eq!(
            after("received fatal alert: ProtocolVersion", false, true),
            None
        );
        assert_eq!(after("timed out", false, true), None);
        assert_eq!(after("TLS: unexpected eof", true, true), None);
        let other = io(rustls::Error::AlertReceived(
            rustls::AlertDescription::ProtocolVersion,
        ));
        assert_eq!(
            handshake_error(&other, &settings(true, true)),
            "TLS: received fatal alert: ProtocolVersion"
        );
    }
}
