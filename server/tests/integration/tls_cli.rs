//! HTTPS from the command line (SQLite, or PostgreSQL when `QIANPI_TEST_POSTGRES` names a
//! server): `tls init` writes a private CA, a server certificate and the pins; `serve
//! --tls-cert/--tls-key` serves them on any address; plain HTTP is refused off loopback unless
//! `--behind-proxy` names the terminating proxy, which is then trusted like `--trusted-proxy`.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::Database;

use qianpi_gateway::tls::{read_certificates, spki_pin};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output};
use std::sync::Arc;
use std::time::Duration;

/// `qianpi-gateway tls <args>`.
fn tls(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qianpi-gateway"))
        .arg("tls")
        .args(args)
        .output()
        .unwrap()
}

/// A gateway serving until dropped; the port it listens on and its announced URL.
struct Served {
    child: Child,
    port: u16,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &Database, args: &[&str]) -> Served {
    let (child, url) = db.serve_at(args);
    let port = url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    Served { child, port, url }
}

/// A plain `GET /v1/health` to 127.0.0.1:`port`; the status line.
fn plain_health(port: u16) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn plain_http_off_loopback_is_refused_at_start_unless_behind_a_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::new(dir.path());
    let refused = db
        .command("serve", &["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("--behind-proxy") && message.contains("明文 HTTP"),
        "{message}"
    );

    // Behind a proxy at 127.0.0.1 (the test is that proxy), with one connection per address:
    // the proxy's connections are not capped, as a trusted proxy's are not.
    let served = serve(
        &db,
        &[
            "--listen",
            "0.0.0.0:0",
            "--behind-proxy",
            "127.0.0.1",
            "--connections-per-address",
            "1",
        ],
    );
    assert!(served.url.starts_with("http://"), "{}", served.url);
    let held = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    assert_eq!(plain_health(served.port), "HTTP/1.1 200 OK");
    drop(held);
    drop(served);

    // The same cap without --behind-proxy (on loopback) refuses the second connection.
    let served = serve(
        &db,
        &["--listen", "127.0.0.1:0", "--connections-per-address", "1"],
    );
    let held = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        plain_health(served.port),
        "HTTP/1.1 503 Service Unavailable"
    );
    drop(held);
}

fn pins_file(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("pins.txt"))
        .unwrap()
        .lines()
        .map(|line| line.split_whitespace().next().unwrap().to_owned())
        .collect()
}

#[test]
fn tls_init_writes_a_ca_a_certificate_and_pins_a_client_with_the_ca_can_use() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let folder = tls_dir.to_str().unwrap();
    let made = tls(&[
        "init",
        "--dir",
        folder,
        "--name",
        "localhost",
        "--name",
        "127.0.0.1",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let printed = String::from_utf8_lossy(&made.stdout).into_owned();

    let pins = pins_file(&tls_dir);
    let chain = read_certificates(&tls_dir.join("server.pem")).unwrap();
    let ca = read_certificates(&tls_dir.join("ca.pem")).unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1], ca[0], "the chain ends with the CA");
    assert_eq!(
        pins,
        vec![spki_pin(&chain[0]).unwrap(), spki_pin(&ca[0]).unwrap()]
    );
    for pin in &pins {
        assert!(pin.starts_with("sha256/") && printed.contains(pin.as_str()));
    }

    let again = tls(&["init", "--dir", folder, "--name", "localhost"]);
    assert!(!again.status.success(), "init does not overwrite");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(pins_file(&tls_dir), pins, "nothing was replaced");

    // With TLS any address may be served.
    let db = Database::new(dir.path());
    let cert = tls_dir.join("server.pem");
    let key = tls_dir.join("server-key.pem");
    let served = serve(
        &db,
        &[
            "--listen",
            "0.0.0.0:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(served.url.starts_with("https://"), "{}", served.url);

    let mut roots = rustls::RootCertStore::empty();
    let ca_pem = std::fs::read(tls_dir.join("ca.pem")).unwrap();
    for cert in CertificateDer::pem_slice_iter(&ca_pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(qianpi_gateway::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut session =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let mut tcp = TcpStream::connect(("127.0.0.1", served.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut stream = rustls::Stream::new(&mut session, &mut tcp);
    stream
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    let served_pin = spki_pin(session.peer_certificates().unwrap()[0].as_ref()).unwrap();
    assert_eq!(served_pin, pins[0]);
}
