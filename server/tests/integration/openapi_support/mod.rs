//! What the OpenAPI tests share: a gateway on SQLite or on a fresh PostgreSQL database (when
//! `QIANPI_TEST_POSTGRES` names a server), plain HTTP/1.1 requests to it over a socket (which keeps
//! the tests free of a client's TLS setup), and the document it serves; [`schema`] checks JSON
//! values against that document's schemas.

// Each test file uses its own part of these helpers; a failed assumption in them is the test
// failing.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod schema;

use qianpi_gateway::{start, GatewayConfig, Location, RunningGateway};
use serde_json::Value;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one request with extra `headers`; returns the status and the body parsed as JSON.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    (status, serde_json::from_str(body).unwrap())
}

/// Sends one unsigned request.
pub async fn call(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, Value) {
    send(addr, method, path, &[], body.as_bytes()).await
}

/// A gateway on SQLite in `dir`, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES`
/// is set; its configuration for opening the same database.
pub async fn gateway(dir: &tempfile::TempDir) -> (RunningGateway, GatewayConfig) {
    let location = match std::env::var("QIANPI_TEST_POSTGRES") {
        Ok(server) => {
            tokio::task::spawn_blocking(move || {
                qianpi_gateway::db::create_postgres_database(&server, "qianpi_openapi")
            })
            .await
            .unwrap()
            .unwrap()
            .0
        }
        Err(_) => Location::Folder(dir.path().join("gateway")),
    };
    let mut config = GatewayConfig::new(location, "127.0.0.1:0".parse().unwrap(), true);
    config.statement_key = Some(dir.path().join("statement-key.p8"));
    let gateway = start(config.clone()).await.unwrap();
    (gateway, config)
}

/// The served document.
pub async fn served_document(addr: SocketAddr) -> Value {
    let (status, document) = call(addr, "GET", "/openapi.json", "").await;
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.1.0");
    document
}
