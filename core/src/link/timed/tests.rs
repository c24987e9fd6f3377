//! The deadlines on real sockets: a gateway that never answers, one that stalls after its head,
//! one that trickles past the total, and a refusal whose `Retry-After` comes along, for a bare
//! exchange and for a signed 回执 push; and the header's two forms.

// A failed expectation panics with its reason.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use crate::keys::{DeviceSigner, REQUEST_KEY_ALIAS};
use crate::link::ConnectionSettings;
use crate::software::SoftwareKeyVault;
use std::sync::Arc;
use std::time::Instant as StdInstant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the loopback server does once it has read a request.
#[derive(Clone, Copy)]
enum Serve {
    Nothing,
    HeadThenStall,
    Trickle,
    Whole,
    Unavailable,
}

const JSON_BODY: &str = "{\"ok\":true,\"padding\":\"0123456789\"}";

async fn server(serve: Serve) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = |status: &str, extra: &str, len: usize| {
            format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra}content-length: {len}\r\n\r\n")
        };
        match serve {
            Serve::Nothing => tokio::time::sleep(Duration::from_secs(10)).await,
            Serve::HeadThenStall => {
                let answer = head("200 OK", "", 100) + "{\"ok\":";
                socket.write_all(answer.as_bytes()).await.unwrap();
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
            Serve::Trickle => {
                socket
                    .write_all(head("200 OK", "", 100).as_bytes())
                    .await
                    .unwrap();
                for _ in 0..100 {
                    if socket.write_all(b" ").await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            Serve::Whole => {
                let answer = head("200 OK", "", JSON_BODY.len()) + JSON_BODY;
                socket.write_all(answer.as_bytes()).await.unwrap();
            }
            Serve::Unavailable => {
                let body = r#"{"code":"unavailable","message":"busy","server_time":"2026-12-06T14:00:00Z"}"#;
                let answer =
                    head("503 Service Unavailable", "retry-after: 7\r\n", body.len()) + body;
                socket.write_all(answer.as_bytes()).await.unwrap();
            }
        }
        let _ = socket.shutdown().await;
    });
    url
}

fn deadlines(first_byte_ms: u64, idle_ms: u64, total_ms: u64) -> Deadlines {
    Deadlines {
        connect_ms: 1_000,
        first_byte_ms,
        idle_ms,
        total_ms,
    }
}

async fn get(
    serve: Serve,
    deadlines: Deadlines,
) -> (Result<Measured<serde_json::Value>, Failed>, Duration) {
    let url = server(serve).await;
    let client = GatewayClient::new(&url, &ConnectionSettings::default()).unwrap();
    let started = StdInstant::now();
    let result = client
        .exchange(client.http.get(url.as_str()), &deadlines)
        .await;
    (result, started.elapsed())
}

fn timed_out_in_time(result: Result<Measured<serde_json::Value>, Failed>, took: Duration) {
    match result {
        Err(Failed {
            error: LinkError::Unreachable(reason),
            ..
        }) => assert_eq!(reason, "timed out"),
        other => panic!("not a timeout: {other:?}"),
    }
    assert!(
        took < Duration::from_secs(3),
        "torn down only after {took:?}"
    );
}

#[tokio::test]
async fn a_gateway_that_never_answers_is_left_at_the_first_byte_deadline() {
    let (result, took) = get(Serve::Nothing, deadlines(300, 5_000, 8_000)).await;
    timed_out_in_time(result, took);
}

#[tokio::test]
async fn an_answer_that_stalls_after_its_head_is_left_at_the_idle_deadline() {
    let (result, took) = get(Serve::HeadThenStall, deadlines(5_000, 300, 8_000)).await;
    timed_out_in_time(result, took);
}

#[tokio::test]
async fn an_answer_that_trickles_is_left_at_the_total_deadline() {
    // Never silent for long enough to trip the idle deadline.
    let (result, took) = get(Serve::Trickle, deadlines(5_000, 1_000, 800)).await;
    timed_out_in_time(result, took);
}

#[tokio::test]
async fn a_whole_answer_is_read_and_measured_and_a_refusal_keeps_its_retry_after() {
    let (result, _) = get(Serve::Whole, deadlines(2_000, 2_000, 5_000)).await;
    let measured = result.unwrap();
    assert_eq!(measured.value["ok"], true);
    assert_eq!(measured.bytes, JSON_BODY.len() as u64);

    let (result, _) = get(Serve::Unavailable, deadlines(2_000, 2_000, 5_000)).await;
    match result {
        Err(Failed {
            error: LinkError::Refused {
                status: 503, code, ..
            },
            retry_after_ms: Some(7_000),
        }) => assert_eq!(code, "unavailable"),
        other => panic!("not the refusal with its Retry-After: {other:?}"),
    }
}

/// A signed 回执 push to a loopback server that does `serve`.
async fn push_receipts(
    serve: Serve,
    deadlines: Deadlines,
) -> (Result<Measured<ReceiptResponse>, Failed>, Duration) {
    let url = server(serve).await;
    let client = GatewayClient::new(&url, &ConnectionSettings::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let vault = SoftwareKeyVault::open(dir.path(), "receipts under deadlines").unwrap();
    vault.create_key(REQUEST_KEY_ALIAS.to_owned()).unwrap();
    let credentials = Credentials {
        signer: Arc::new(vault),
        request_key_id: "dsk-test".into(),
        access_token: "token".into(),
        clock_offset_ms: 0,
    };
    let batch = ReceiptBatch { receipts: vec![] };
    let started = StdInstant::now();
    let result = client
        .push_receipts_within(&credentials, &batch, &deadlines)
        .await;
    (result, started.elapsed())
}

#[tokio::test]
async fn a_receipts_push_is_held_to_the_engines_deadlines_and_keeps_a_retry_after() {
    let (result, took) = push_receipts(Serve::Nothing, deadlines(300, 5_000, 8_000)).await;
    assert!(
        took < Duration::from_secs(3),
        "torn down only after {took:?}"
    );
    match result {
        Err(Failed {
            error: LinkError::Unreachable(reason),
            ..
        }) => assert_eq!(reason, "timed out"),
        other => panic!("not a timeout: {other:?}"),
    }
    let (result, _) = push_receipts(Serve::Unavailable, deadlines(2_000, 2_000, 5_000)).await;
    match result {
        Err(Failed {
            error: LinkError::Refused { status: 503, .. },
            retry_after_ms: Some(7_000),
        }) => {}
        other => panic!("not the refusal with its Retry-After: {other:?}"),
    }
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    let now = DateTime::parse_from_rfc3339("2026-12-06T14:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    assert_eq!(retry_after("2", now), Some(2_000));
    assert_eq!(retry_after(" 120 ", now), Some(120_000));
    assert_eq!(
        retry_after("Sun, 06 Dec 2026 14:01:30 GMT", now),
        Some(90_000)
    );
    assert_eq!(retry_after("Sun, 06 Dec 2026 13:00:00 GMT", now), Some(0));
    assert_eq!(retry_after("soon", now), None);
}
