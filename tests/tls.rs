//! TLS (rustls) against a real redis-server with `tls-port`, certificates made by the test
//! with the openssl command: CA, client certificates, SNI and a wrong CA.

mod common;

use std::path::Path;
use std::process::Command;

use common::Redis;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (scripts/test installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for DNS:localhost only (no IP), a client certificate, and a
/// second CA that signed nothing.
fn make_certs(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=redtriage test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other.pem",
            "-days",
            "2",
            "-subj",
            "/CN=other CA",
        ],
    );
    std::fs::write(dir.join("server.ext"), "subjectAltName=DNS:localhost\n").expect("ext");
    // rustls (webpki) accepts only v3 certificates: the client one gets an extension too.
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").expect("ext");
    for (name, cn) in [("server", "localhost"), ("client", "redtriage")] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/CN={cn}"),
            ],
        );
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            &*format!("{name}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &*format!("{name}.pem"),
            "-days",
            "2",
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
        args.extend(["-extfile".to_string(), format!("{name}.ext")]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        openssl(dir, &refs);
    }
}

fn snapshot(args: &[&str]) -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("redtriage")
        .expect("binary")
        .arg("snapshot")
        .args(args)
        .args(["--json", "--interval", "200ms"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
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
    // By IP the name does not match the certificate; --sni localhost fixes that.
    let by_ip = format!("rediss://127.0.0.1:{port}");
    let v = snapshot(&[&[by_ip.as_str()][..], &client[..]].concat());
    assert!(
        label(&v).starts_with("DOWN") && label(&v).contains("TLS"),
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
    let v = snapshot(&[&[url.as_str()][..], &wrong[..]].concat());
    assert!(label(&v).contains("TLS"), "{}", label(&v));
    // No client certificate while the server requires one: not UP either.
    let v = snapshot(&[url.as_str(), "--cacert", &*p("ca.pem")]);
    assert_ne!(label(&v), "UP");
    // --insecure skips the server check (the client certificate is still sent).
    let v = snapshot(&[&[url.as_str(), "--insecure"][..], &wrong[..]].concat());
    assert_eq!(label(&v), "UP");
}
