//! TLS (rustls) against a real redis-server with `tls-port`, certificates made by the test
//! with rcgen: CA, client certificates, SNI and a wrong CA.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::common::{self, Redis, bin};

/// A CA: its certificate (PEM) and the issuer that signs with its key.
fn ca(cn: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().expect("key");
    let cert = params.self_signed(&key).expect("self-signed CA");
    (cert.pem(), Issuer::new(params, key))
}

/// A leaf certificate signed by `issuer` (rcgen writes X.509 v3, the only version rustls
/// accepts): (certificate PEM, key PEM).
fn leaf(
    issuer: &Issuer<'_, KeyPair>,
    cn: &str,
    sans: &[&str],
    usage: ExtendedKeyUsagePurpose,
) -> (String, String) {
    let sans: Vec<String> = sans.iter().map(|s| (*s).to_string()).collect();
    let mut params = CertificateParams::new(sans).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, issuer).expect("signed");
    (cert.pem(), key.serialize_pem())
}

/// A CA, a server certificate for localhost and 127.0.0.1, a client certificate, and a second
/// CA that signed only a client certificate the server must refuse.
fn make_certs(dir: &Path) {
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("write");
    let (ca_pem, issuer) = ca("redtriage test CA");
    write("ca.pem", &ca_pem);
    let (other_pem, other_issuer) = ca("other CA");
    write("other.pem", &other_pem);
    let (cert, key) = leaf(
        &issuer,
        "localhost",
        &["localhost", "127.0.0.1"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    write("server.pem", &cert);
    write("server.key", &key);
    let (cert, key) = leaf(
        &issuer,
        "redtriage",
        &[],
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    write("client.pem", &cert);
    write("client.key", &key);
    let (cert, key) = leaf(
        &other_issuer,
        "stranger",
        &[],
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    write("other-client.pem", &cert);
    write("other-client.key", &key);
}

fn snapshot(args: &[&str]) -> serde_json::Value {
    bin::snapshot_json(bin::redtriage().arg("snapshot").args(args).args([
        "--json",
        "--interval",
        "200ms",
    ]))
}

#[test]
fn tls_with_ca_client_certificates_sni_and_a_wrong_ca() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    make_certs(d);
    let p = |f: &str| d.join(f).display().to_string();
    let port = common::free_port();
    let port_s = port.to_string();
    let (cert, key, ca) = (p("server.pem"), p("server.key"), p("ca.pem"));
    let _redis = Redis::start_on(
        port,
        &[
            "--port",
            "0",
            "--tls-port",
            &port_s,
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca,
            "--tls-auth-clients",
            "yes",
        ],
    );
    let client = [
        "--cacert",
        &*p("ca.pem"),
        "--cert",
        &*p("client.pem"),
        "--key",
        &*p("client.key"),
    ];
    let url = format!("rediss://localhost:{port}");
    let label = |v: &serde_json::Value| {
        v["header"]["connection_label"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    // The right CA and a client certificate: UP, with the figures.
    let v = snapshot(&[&[url.as_str()][..], &client[..]].concat());
    assert_eq!(label(&v), "UP", "{v}");
    assert!(v["memory"]["used_bytes"].is_number());
    // By IP: the certificate names 127.0.0.1 too.
    let by_ip = format!("rediss://127.0.0.1:{port}");
    let v = snapshot(&[&[by_ip.as_str()][..], &client[..]].concat());
    assert_eq!(label(&v), "UP", "{v}");
    // --sni is the name sent and verified: one the certificate does not carry fails the
    // check (DOWN with the TLS reason), the right one passes.
    let v = snapshot(
        &[
            &[by_ip.as_str(), "--sni", "elsewhere.example"][..],
            &client[..],
        ]
        .concat(),
    );
    assert!(
        label(&v).starts_with("DOWN")
            && label(&v).contains("TLS: server certificate rejected")
            && label(&v).contains("elsewhere.example"),
        "{}",
        label(&v)
    );
    let v = snapshot(&[&[by_ip.as_str(), "--sni", "localhost"][..], &client[..]].concat());
    assert_eq!(label(&v), "UP");
    // A CA that did not sign the server: DOWN with the TLS reason, never UP.
    let wrong = [
        "--cacert",
        &*p("other.pem"),
        "--cert",
        &*p("client.pem"),
        "--key",
        &*p("client.key"),
    ];
    // The error says it is the server's certificate and which flag to look at.
    let v = snapshot(&[&[url.as_str()][..], &wrong[..]].concat());
    assert!(
        label(&v).starts_with("DOWN")
            && label(&v).contains("TLS: server certificate rejected: UnknownIssuer")
            && label(&v).contains("--cacert"),
        "{}",
        label(&v)
    );
    // No client certificate while the server requires one: DOWN, and the error points at
    // --cert (TLS 1.3: the verdict comes after the handshake, as an alert or a hang-up).
    let v = snapshot(&[url.as_str(), "--cacert", &*p("ca.pem")]);
    assert!(
        label(&v).starts_with("DOWN") && label(&v).contains("client certificate"),
        "{}",
        label(&v)
    );
    // A client certificate from another CA: the server refuses it.
    let (other_cert, other_key) = (p("other-client.pem"), p("other-client.key"));
    let v = snapshot(&[
        url.as_str(),
        "--cacert",
        &*p("ca.pem"),
        "--cert",
        &other_cert,
        "--key",
        &other_key,
    ]);
    assert!(
        label(&v).starts_with("DOWN") && label(&v).contains("client certificate"),
        "{}",
        label(&v)
    );
    // --insecure skips the server check (the client certificate is still sent).
    let v = snapshot(&[&[url.as_str(), "--insecure"][..], &wrong[..]].concat());
    assert_eq!(label(&v), "UP");
}
