//! The fault proxy does what the hostile tests rely on it for: a reset reaches the phone's side
//! as an RST (not an orderly close), a stall leaves the connection open and silent, latency and a
//! bandwidth limit make an answer take at least as long as they say, jittered bytes still arrive
//! in order, and in front of two gateways each new connection goes to the other in turn. The
//! gateway here is a bare TCP server answering every request with a known run of bytes.

// A failure must stop the test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_tests::proxy::{Faults, Proxy};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The `n`th byte of every answer.
fn byte(n: usize) -> u8 {
    (n % 251) as u8
}

/// A server that answers each connection's first bytes with `len` bytes written in pieces of
/// `piece`, then keeps the connection open.
async fn server(len: usize, piece: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 64];
                if socket.read(&mut request).await.unwrap_or(0) == 0 {
                    return;
                }
                let answer: Vec<u8> = (0..len).map(byte).collect();
                for part in answer.chunks(piece) {
                    if socket.write_all(part).await.is_err() {
                        return;
                    }
                }
                // Held open until the proxy lets go.
                let _ = socket.read(&mut request).await;
            });
        }
    });
    addr
}

/// Connects through `proxy` and sends a request line.
async fn ask(proxy: &Proxy) -> TcpStream {
    let addr = proxy.url();
    let addr = addr.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    stream
}

/// Reads until the end, an error or `quiet` without a byte: what came and how it ended.
async fn read_all(stream: &mut TcpStream, quiet: Duration) -> (Vec<u8>, &'static str) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(quiet, stream.read(&mut buf)).await {
            Ok(Ok(0)) => return (got, "closed"),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => return (got, "reset"),
            Ok(Err(e)) => panic!("read failed: {e}"),
            Err(_) => return (got, "silent"),
        }
    }
}

fn in_order(got: &[u8]) -> bool {
    got.iter().enumerate().all(|(n, b)| *b == byte(n))
}

#[tokio::test]
async fn a_reset_is_an_rst_and_a_cut_an_orderly_close() {
    let proxy = Proxy::start(server(10_000, 1000).await).await.unwrap();
    proxy.set(Faults {
        reset_after: Some(2500),
        ..Faults::default()
    });
    let (got, end) = read_all(&mut ask(&proxy).await, Duration::from_secs(5)).await;
    assert_eq!(end, "reset");
    assert!(got.len() <= 2500 && in_order(&got), "{} bytes", got.len());

    proxy.set(Faults {
        cut_after: Some(2500),
        ..Faults::default()
    });
    let (got, end) = read_all(&mut ask(&proxy).await, Duration::from_secs(5)).await;
    assert_eq!((got.len(), end), (2500, "closed"));
}

#[tokio::test]
async fn a_stall_keeps_the_connection_open_and_silent() {
    let proxy = Proxy::start(server(10_000, 1000).await).await.unwrap();
    proxy.set(Faults {
        hold_after: Some(3000),
        ..Faults::default()
    });
    let (got, end) = read_all(&mut ask(&proxy).await, Duration::from_millis(500)).await;
    assert_eq!((got.len(), end), (3000, "silent"));
    assert!(in_order(&got));
}

#[tokio::test]
async fn latency_and_bandwidth_slow_an_answer_by_what_they_say() {
    let proxy = Proxy::start(server(16 * 1024, 16 * 1024).await)
        .await
        .unwrap();
    proxy.set(Faults {
        latency: Duration::from_millis(100),
        bandwidth: Some(32 * 1024),
        segment: Some(100),
        ..Faults::default()
    });
    let started = Instant::now();
    let mut stream = ask(&proxy).await;
    let mut got = vec![0u8; 16 * 1024];
    stream.read_exact(&mut got).await.unwrap();
    let took = started.elapsed();
    assert!(in_order(&got));
    // A round trip for the handshake, one for the request and answer, and half a second on the
    // wire at 32 KB/s (less the first piece, which goes at once).
    assert!(took >= Duration::from_millis(800), "took {took:?}");
}

#[tokio::test]
async fn jittered_bytes_never_overtake_each_other() {
    let proxy = Proxy::start_many(vec![server(20_000, 50).await], 7)
        .await
        .unwrap();
    proxy.set(Faults {
        latency: Duration::from_millis(5),
        jitter: Duration::from_millis(5),
        ..Faults::default()
    });
    let (got, _) = read_all(&mut ask(&proxy).await, Duration::from_secs(1)).await;
    assert_eq!(got.len(), 20_000);
    assert!(in_order(&got), "bytes arrived out of order");
}

#[tokio::test]
async fn two_gateways_take_new_connections_in_turn_and_a_missing_one_is_skipped() {
    let (first, second) = (server(10, 10).await, server(10, 10).await);
    let proxy = Proxy::start_many(vec![first, second], 1).await.unwrap();
    for _ in 0..4 {
        let (got, _) = read_all(&mut ask(&proxy).await, Duration::from_millis(200)).await;
        assert_eq!(got.len(), 10);
    }
    assert_eq!(proxy.served(), vec![2, 2]);

    // A gateway that is down: its turn goes to the other.
    let gone = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone_addr = gone.local_addr().unwrap();
    drop(gone);
    let proxy = Proxy::start_many(vec![gone_addr, first], 1).await.unwrap();
    for _ in 0..2 {
        let (got, _) = read_all(&mut ask(&proxy).await, Duration::from_millis(200)).await;
        assert_eq!(got.len(), 10);
    }
    assert_eq!(proxy.served(), vec![0, 2]);
}
