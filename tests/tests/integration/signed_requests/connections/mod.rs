//! The gateway's connections, as raw TCP sees them: connections that never finish their request
//! head are closed by the header-read timeout, one address holds at most so many connections
//! (the next gets a JSON 503), and a signed phone is served once the slow ones are gone; every
//! refusal of the HTTP layer (a huge head, a long target, a malformed head, an unknown route or
//! method) is the gateway's JSON error with a stable code; behind a trusted reverse proxy the
//! activation limit counts each client, not the proxy.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used)]

use qianpi_gateway::admin::demo;
use qianpi_gateway::forwarded::TrustedProxies;
use qianpi_tests::{get_sync, http, Harness};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// What came back on a raw connection before it closed, and when it closed.
struct Answer {
    bytes: Vec<u8>,
    /// Closed by the gateway (end of stream or reset) rather than still open at the deadline.
    closed: bool,
    after: Duration,
}

impl Answer {
    fn status(&self) -> u16 {
        let text = String::from_utf8_lossy(&self.bytes);
        text.split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    fn json(&self) -> serde_json::Value {
        let text = String::from_utf8_lossy(&self.bytes);
        let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        serde_json::from_str(body).unwrap_or_default()
    }

    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// Reads everything the gateway sends on `stream` until it closes, for at most `deadline`.
async fn read_until_closed(mut stream: TcpStream, opened: Instant, deadline: Duration) -> Answer {
    let mut bytes = Vec::new();
    let closed = tokio::time::timeout(deadline, async {
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .is_ok();
    Answer {
        bytes,
        closed,
        after: opened.elapsed(),
    }
}

/// Sends `request` on a new connection and reads the answer until the gateway closes.
async fn raw(addr: SocketAddr, request: Vec<u8>) -> Answer {
    let opened = Instant::now();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The gateway may refuse before it has read everything; the answer still comes.
    let _ = stream.write_all(&request).await;
    read_until_closed(stream, opened, Duration::from_secs(10)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_connections_are_closed_and_a_signed_phone_is_still_served() {
    const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
    const CAP: usize = 20;
    let harness = Harness::start_with(|config| {
        config.header_read_timeout = HEADER_TIMEOUT;
        config.connections_per_address = CAP;
    })
    .await
    .unwrap();
    let phone = harness.activated_phone("p", demo::LEADER).await.unwrap();

    // Fifty connections from this address each start a request head and never finish it.
    let mut readers = Vec::new();
    for _ in 0..50 {
        let opened = Instant::now();
        let mut stream = TcpStream::connect(harness.addr()).await.unwrap();
        let _ = stream
            .write_all(b"GET /v1/ping HTTP/1.1\r\nhost: gateway\r\nx-slow: ")
            .await;
        readers.push(tokio::spawn(read_until_closed(
            stream,
            opened,
            Duration::from_secs(10),
        )));
    }
    let mut held = 0;
    let mut refused = 0;
    for reader in readers {
        let answer = reader.await.unwrap();
        assert!(
            answer.closed,
            "a connection that never finished its head is still open after {:?}",
            answer.after
        );
        if answer.bytes.is_empty() {
            // Held until the header-read timeout closed it.
            held += 1;
            assert!(
                answer.after >= HEADER_TIMEOUT - Duration::from_millis(100),
                "closed after {:?}, before its time ran out",
                answer.after
            );
            assert!(answer.after < HEADER_TIMEOUT * 5, "{:?}", answer.after);
        } else {
            // Over the cap: refused at once, with the gateway's JSON error.
            refused += 1;
            assert_eq!(
                (answer.status(), answer.code().as_str()),
                (503, "too_many_connections")
            );
        }
    }
    // The phone's own kept-alive connection may hold one of the address's slots.
    assert!(
        (CAP - 1..=CAP).contains(&held),
        "{held} held, {refused} refused"
    );
    assert_eq!(held + refused, 50);

    // The slow connections are gone: the phone is served, through its sync and a signed pull.
    phone.client.sync().await.unwrap();
    assert_eq!(
        get_sync(&harness, &phone, "cursor=&limit=5").await.status(),
        200
    );
}

#[tokio::test]
async fn refusals_from_the_http_layer_are_json_with_a_stable_code() {
    let harness = Harness::start().await.unwrap();
    let addr = harness.addr();
    let huge_header = [
        b"GET /v1/ping HTTP/1.1\r\nhost: gateway\r\nx-filler: ".to_vec(),
        vec![b'a'; 100_000],
        b"\r\n\r\n".to_vec(),
    ]
    .concat();
    let many_headers = format!(
        "GET /v1/ping HTTP/1.1\r\nhost: gateway\r\n{}\r\n",
        (0..200)
            .map(|i| format!("x-h{i}: 1\r\n"))
            .collect::<String>()
    );
    let long_path = format!(
        "GET /v1/{} HTTP/1.1\r\nhost: gateway\r\n\r\n",
        "a".repeat(20_000)
    );
    let huge_path = format!(
        "GET /v1/{} HTTP/1.1\r\nhost: gateway\r\n\r\n",
        "a".repeat(100_000)
    );
    let cases: [(&str, Vec<u8>, u16, &str); 7] = [
        ("a huge header", huge_header, 431, "headers_too_large"),
        (
            "200 headers",
            many_headers.into_bytes(),
            431,
            "headers_too_large",
        ),
        ("a long path", long_path.into_bytes(), 414, "uri_too_long"),
        (
            "a huge path",
            huge_path.into_bytes(),
            431,
            "headers_too_large",
        ),
        (
            "a head that is not HTTP",
            b"HELLO GATEWAY\r\n\r\n".to_vec(),
            400,
            "malformed_request",
        ),
        (
            "an unknown route",
            b"GET /nowhere HTTP/1.1\r\nhost: gateway\r\nconnection: close\r\n\r\n".to_vec(),
            404,
            "not_found",
        ),
        (
            "a method the route does not serve",
            b"DELETE /v1/sync HTTP/1.1\r\nhost: gateway\r\nconnection: close\r\n\r\n".to_vec(),
            405,
            "method_not_allowed",
        ),
    ];
    for (what, request, status, code) in cases {
        let answer = raw(addr, request).await;
        assert_eq!(
            (answer.status(), answer.code().as_str()),
            (status, code),
            "{what}: {}",
            String::from_utf8_lossy(&answer.bytes[..answer.bytes.len().min(300)])
        );
        let head = String::from_utf8_lossy(&answer.bytes).to_ascii_lowercase();
        assert!(head.contains("content-type: application/json"), "{what}");
        assert!(answer.json()["server_time"].is_string(), "{what}");
    }
}

/// An activation request with new P-256 keys and a wrong code.
fn wrong_activation() -> serde_json::Value {
    use base64::Engine as _;
    use ring::signature::KeyPair as _;
    let spki = || {
        let rng = ring::rand::SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
        let spki = qianpi_core::crypto::p256_spki_from_point(pair.public_key().as_ref()).unwrap();
        base64::engine::general_purpose::STANDARD.encode(spki)
    };
    serde_json::json!({
        "login": demo::LEADER,
        "code": "AAAAAAAA",
        "request_key_spki": spki(),
        "approval_key_spki": spki(),
        "device_name": "t",
        "platform": "terminal",
    })
}

/// An activation attempt that names `client` in `X-Forwarded-For`; the status.
async fn activate_as(harness: &Harness, client: &str) -> u16 {
    http()
        .post(format!("{}v1/devices/activate", harness.url()))
        .header("x-forwarded-for", client)
        .json(&wrong_activation())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_activation_limit_counts_each_client() {
    // The tests reach the gateway from loopback: here loopback is the reverse proxy.
    let harness = Harness::start_with(|config| {
        config.activations_per_minute = 2;
        config.trusted_proxies = TrustedProxies::new(vec!["127.0.0.1".parse().unwrap()]);
    })
    .await
    .unwrap();
    assert_eq!(activate_as(&harness, "198.51.100.1").await, 401);
    assert_eq!(activate_as(&harness, "198.51.100.1").await, 401);
    assert_eq!(activate_as(&harness, "198.51.100.1").await, 429);
    // Another phone behind the same proxy still has its own attempts.
    assert_eq!(activate_as(&harness, "198.51.100.2").await, 401);
    // A client cannot escape by writing its own entry: the proxy appends the real one.
    assert_eq!(
        activate_as(&harness, "203.0.113.9, 198.51.100.1").await,
        429
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forwarded_address_is_ignored() {
    let harness = Harness::start_with(|config| {
        config.activations_per_minute = 2;
        config.trusted_proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
    })
    .await
    .unwrap();
    assert_eq!(activate_as(&harness, "198.51.100.1").await, 401);
    assert_eq!(activate_as(&harness, "198.51.100.2").await, 401);
    // Both counted against the connection's own address.
    assert_eq!(activate_as(&harness, "198.51.100.3").await, 429);
}
