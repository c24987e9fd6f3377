//! The gateway serving HTTPS itself (security.md, TLS): a client trusting the deployment's CA
//! gets answers over TLS 1.3 or 1.2 with ALPN http/1.1; TLS 1.1 and plain HTTP on the TLS port
//! get no HTTP answer; a certificate renewed on disk is served to new connections without a
//! restart while open connections keep working, and a broken renewal keeps the old certificate.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_gateway::tls::init::{self, SERVER_CERT, SERVER_KEY};
use qianpi_gateway::tls::spki_pin;
use qianpi_tests::{Harness, TLS_NAMES};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// A new client for each connection below: a client reusing its configuration would resume
/// its earlier TLS session, which keeps the certificate it was made with.
fn fresh(ca_pem: &str) -> Arc<ClientConfig> {
    client_config(ca_pem, &tls12_and_13())
}

/// Longer than the harness's reload check (200 ms), so the next handshake looks at the files.
const AFTER_CHECK: Duration = Duration::from_millis(600);

/// A rustls client (ring) trusting `ca_pem` only, offering `versions` and ALPN http/1.1.
pub fn client_config(
    ca_pem: &str,
    versions: &[&'static SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// A TLS connection to `addr` for the name `localhost`.
pub async fn connect(
    addr: SocketAddr,
    config: Arc<ClientConfig>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    tokio_rustls::TlsConnector::from(config)
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// The pin of the certificate the server presented on `stream`.
pub fn served_pin(stream: &TlsStream<TcpStream>) -> String {
    let (_, session) = stream.get_ref();
    spki_pin(session.peer_certificates().unwrap()[0].as_ref()).unwrap()
}

/// `GET /v1/health` on a kept-alive connection; the status.
pub async fn health(stream: &mut TlsStream<TcpStream>) -> u16 {
    stream
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut read = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the connection closed before an answer");
        read.extend_from_slice(&chunk[..n]);
        if let Some(at) = read.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&read[..head_end]).to_lowercase();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .expect("an answer with a content length")
        .trim()
        .parse()
        .unwrap();
    let mut body = read.len() - head_end;
    while body < length {
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the connection closed inside the body");
        body += n;
    }
    status
}

fn tls12_and_13() -> Vec<&'static SupportedProtocolVersion> {
    vec![&rustls::version::TLS13, &rustls::version::TLS12]
}

#[tokio::test]
async fn the_gateway_serves_https_to_a_client_trusting_its_ca_and_no_other() {
    let harness = Harness::start_tls().await.unwrap();
    let tls = harness.tls().unwrap().clone();
    assert!(harness.url().starts_with("https://localhost:"));

    let answer = harness
        .https_client()
        .get(format!("{}v1/health", harness.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);

    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let mut stream = connect(harness.addr(), client_config(&tls.ca_pem, &[version]))
            .await
            .unwrap();
        let (_, session) = stream.get_ref();
        assert_eq!(session.protocol_version(), Some(version.version));
        assert_eq!(session.alpn_protocol(), Some(&b"http/1.1"[..]));
        assert_eq!(served_pin(&stream), tls.server_pin);
        assert_eq!(health(&mut stream).await, 200);
        assert_eq!(
            health(&mut stream).await,
            200,
            "the connection is kept alive"
        );
    }

    // A client trusting another CA does not get through.
    let other = tempfile::tempdir().unwrap();
    let names = TLS_NAMES.map(str::to_owned);
    let stranger = init::generate(other.path(), &names, 30, false).unwrap();
    let refused = connect(
        harness.addr(),
        client_config(&stranger.ca_pem, &tls12_and_13()),
    )
    .await;
    let error = refused.expect_err("a certificate from an unknown CA is refused");
    assert!(error.to_string().contains("UnknownIssuer"), "{error}");
}

/// A ClientHello offering TLS 1.1 at most (no supported_versions extension), as an old client
/// sends it.
fn tls11_client_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x02];
    body.extend_from_slice(&[0x42; 32]);
    body.push(0);
    // ECDHE-ECDSA/RSA with AES-128-CBC-SHA, RSA AES-128-CBC-SHA.
    body.extend_from_slice(&[0x00, 0x06, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x2f]);
    body.extend_from_slice(&[0x01, 0x00]);
    // supported_groups (P-256) and ec_point_formats (uncompressed).
    let extensions = [
        0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
    ];
    body.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
    body.extend_from_slice(&extensions);
    let mut handshake = vec![0x01, 0x00];
    handshake.extend_from_slice(&(body.len() as u16).to_be_bytes());
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

/// Sends `bytes` on a new TCP connection to `addr`; whatever comes back before it closes.
async fn exchange(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut answer)).await;
    answer
}

#[tokio::test]
async fn tls_1_1_and_plain_http_on_the_tls_port_get_no_http_answer() {
    let harness = Harness::start_tls().await.unwrap();

    let answer = exchange(harness.addr(), &tls11_client_hello()).await;
    // An alert record (0x15), never a ServerHello (a handshake record, 0x16).
    assert_eq!(
        answer.first(),
        Some(&0x15),
        "TLS 1.1 answered {answer:02x?}"
    );
    assert_eq!(answer.get(5), Some(&2), "a fatal alert: {answer:02x?}");
    assert!(
        matches!(answer.get(6), Some(40 | 70)),
        "handshake_failure or protocol_version: {answer:02x?}"
    );

    let answer = exchange(
        harness.addr(),
        b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(
        !answer.starts_with(b"HTTP/"),
        "plain HTTP got an HTTP answer: {:?}",
        String::from_utf8_lossy(&answer)
    );
    let plain = qianpi_tests::http()
        .get(format!("http://{}/v1/health", harness.addr()))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP got {plain:?}");

    // The port still serves TLS after the bad clients.
    let tls = harness.tls().unwrap();
    let mut stream = connect(harness.addr(), client_config(&tls.ca_pem, &tls12_and_13()))
        .await
        .unwrap();
    assert_eq!(health(&mut stream).await, 200);
}

#[tokio::test]
async fn a_renewed_certificate_is_served_to_new_connections_while_open_ones_keep_working() {
    let harness = Harness::start_tls().await.unwrap();
    let first = harness.tls().unwrap().clone();
    let mut old = connect(harness.addr(), fresh(&first.ca_pem)).await.unwrap();
    assert_eq!(served_pin(&old), first.server_pin);
    assert_eq!(health(&mut old).await, 200);

    let names = TLS_NAMES.map(str::to_owned);
    let renewed = init::renew(&first.dir, &names, 30).unwrap();
    assert_ne!(renewed.server_pin, first.server_pin);
    assert_eq!(renewed.ca_pin, first.ca_pin, "the backup pin survives");
    tokio::time::sleep(AFTER_CHECK).await;

    let mut new = connect(harness.addr(), fresh(&first.ca_pem)).await.unwrap();
    assert_eq!(served_pin(&new), renewed.server_pin, "no restart needed");
    assert_eq!(health(&mut new).await, 200);
    assert_eq!(
        health(&mut old).await,
        200,
        "the open connection still works"
    );
    let answer = harness
        .https_client()
        .get(format!("{}v1/health", harness.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn a_broken_renewal_keeps_the_old_certificate_until_a_good_one_arrives() {
    let harness = Harness::start_tls().await.unwrap();
    let first = harness.tls().unwrap().clone();
    let chain = first.dir.join(SERVER_CERT);
    let key = first.dir.join(SERVER_KEY);
    let good_chain = std::fs::read(&chain).unwrap();

    // A chain that is not PEM.
    std::fs::write(&chain, b"-----BEGIN CERTIFICATE-----\nnot base64\n").unwrap();
    tokio::time::sleep(AFTER_CHECK).await;
    let mut stream = connect(harness.addr(), fresh(&first.ca_pem)).await.unwrap();
    assert_eq!(served_pin(&stream), first.server_pin);
    assert_eq!(health(&mut stream).await, 200);

    // A good chain with a key that belongs to another certificate.
    std::fs::write(&chain, &good_chain).unwrap();
    let other = tempfile::tempdir().unwrap();
    let names = TLS_NAMES.map(str::to_owned);
    init::generate(other.path(), &names, 30, false).unwrap();
    std::fs::copy(other.path().join(SERVER_KEY), &key).unwrap();
    tokio::time::sleep(AFTER_CHECK).await;
    let stream = connect(harness.addr(), fresh(&first.ca_pem)).await.unwrap();
    assert_eq!(served_pin(&stream), first.server_pin);

    // A key file that is gone.
    std::fs::remove_file(&key).unwrap();
    tokio::time::sleep(AFTER_CHECK).await;
    let stream = connect(harness.addr(), fresh(&first.ca_pem)).await.unwrap();
    assert_eq!(served_pin(&stream), first.server_pin);

    // Then a good renewal is picked up.
    let renewed = init::renew(&first.dir, &names, 30).unwrap();
    tokio::time::sleep(AFTER_CHECK).await;
    let mut stream = connect(harness.addr(), fresh(&first.ca_pem)).await.unwrap();
    assert_eq!(served_pin(&stream), renewed.server_pin);
    assert_eq!(health(&mut stream).await, 200);
}

#[tokio::test]
async fn a_connection_that_does_not_finish_its_handshake_is_closed_after_the_header_timeout() {
    let harness = Harness::start_tls_with(|config| {
        config.header_read_timeout = Duration::from_secs(1);
    })
    .await
    .unwrap();
    // Silent, and a ClientHello cut after its first bytes.
    let hello = tls11_client_hello();
    for sent in [&[][..], &hello[..20]] {
        let started = std::time::Instant::now();
        let mut tcp = TcpStream::connect(harness.addr()).await.unwrap();
        tcp.write_all(sent).await.unwrap();
        let mut answer = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer)).await;
        assert!(closed.is_ok(), "the stalled handshake was not closed");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
            "closed after {waited:?}"
        );
    }
}

#[tokio::test]
async fn the_per_address_cap_holds_over_tls() {
    let harness = Harness::start_tls_with(|config| {
        config.connections_per_address = 1;
    })
    .await
    .unwrap();
    let ca = harness.tls().unwrap().ca_pem.clone();
    let mut held = connect(harness.addr(), fresh(&ca)).await.unwrap();
    assert_eq!(health(&mut held).await, 200);
    assert!(
        connect(harness.addr(), fresh(&ca)).await.is_err(),
        "a second connection from the same address is refused"
    );
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut next = connect(harness.addr(), fresh(&ca)).await.unwrap();
    assert_eq!(health(&mut next).await, 200, "the slot came back");
}
