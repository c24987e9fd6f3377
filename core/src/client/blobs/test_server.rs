//! A small blob server on loopback for the download tests, answering `Range` requests the way
//! the gateway's blob endpoint does (206 with `Content-Range` and a strong `ETag`); it can cut its
//! answers short, run out of bytes altogether, go silent, change the file midway or tag it
//! wrongly. Also the helpers those tests share: a bound client, reading a file back, its kept
//! pieces.

// What the download tests use, named once here for all of them.
pub(super) use super::super::test_support::*;
pub(super) use super::BlobError;
pub(super) use crate::client::{Client, ClientError};
pub(super) use crate::files::FileError;
pub(super) use crate::link::LinkError;
pub(super) use crate::store::DownloadPart;
pub(super) use parking_lot::Mutex;
pub(super) use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the test server serves and how it misbehaves.
#[derive(Default)]
pub(super) struct Served {
    pub(super) content: Vec<u8>,
    /// The tag sent; the content's own hash unless set.
    pub(super) etag: Option<String>,
    /// Each answer carries at most this many body bytes, then the connection is cut.
    pub(super) cut_after: Option<usize>,
    /// Body bytes left in all; at zero every connection is closed unanswered.
    pub(super) budget: Option<usize>,
    /// Each answer carries at most this many body bytes, then the connection stays open and
    /// silent (a black hole).
    pub(super) hold_after: Option<usize>,
    /// The content served from the second request on.
    pub(super) later: Option<Vec<u8>>,
    /// Every range asked for, in order.
    pub(super) ranges: Vec<(u64, u64)>,
}

pub(super) type Shared = Arc<Mutex<Served>>;

pub(super) fn hex(bytes: &[u8]) -> String {
    crate::crypto::sha256_hex(bytes)
}

/// Deterministic bytes that compress badly.
pub(super) fn content(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// Starts the server; returns its base URL.
pub(super) async fn server(shared: Shared) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket, Arc::clone(&shared)));
        }
    });
    url
}

async fn answer(mut socket: TcpStream, shared: Shared) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let range = head
        .lines()
        .find_map(|l| l.strip_prefix("range: bytes="))
        .and_then(|r| r.trim().split_once('-'))
        .map(|(a, b)| (a.parse::<u64>().unwrap(), b.parse::<u64>().unwrap()))
        .unwrap();
    let (response, body, allowed) = {
        let mut served = shared.lock();
        if served.budget == Some(0) {
            return;
        }
        served.ranges.push(range);
        if served.ranges.len() > 1 {
            if let Some(later) = served.later.take() {
                served.content = later;
            }
        }
        let total = served.content.len() as u64;
        let etag = served
            .etag
            .clone()
            .unwrap_or_else(|| format!("\"{}\"", hex(&served.content)));
        if range.0 >= total {
            let head = format!(
                "HTTP/1.1 416 Range Not Satisfiable\r\ncontent-range: bytes */{total}\r\n\
                 content-length: 0\r\nconnection: close\r\n\r\n"
            );
            (head, Vec::new(), 0)
        } else {
            let end = range.1.min(total - 1);
            let body = served.content[range.0 as usize..=end as usize].to_vec();
            let mut allowed = body.len();
            if let Some(cut) = served.cut_after {
                allowed = allowed.min(cut);
            }
            if let Some(budget) = served.budget.as_mut() {
                allowed = allowed.min(*budget);
                *budget -= allowed;
            }
            if let Some(hold) = served.hold_after {
                allowed = allowed.min(hold);
            }
            let head = format!(
                "HTTP/1.1 206 Partial Content\r\ncontent-range: bytes {}-{end}/{total}\r\n\
                 etag: {etag}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                range.0,
                body.len()
            );
            (head, body, allowed)
        }
    };
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.write_all(&body[..allowed]).await;
    let _ = socket.flush().await;
    if allowed < body.len() && shared.lock().hold_after.is_some() {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// A bound client whose gateway is the test server serving `served`.
pub(super) async fn setup(root: &std::path::Path, served: Served) -> (Client, Shared) {
    let shared = Arc::new(Mutex::new(served));
    let url = server(Arc::clone(&shared)).await;
    let client = client(root);
    bind(&client, &url, Some(&gateway_key()), 0);
    (client, shared)
}

pub(super) fn read_back(client: &Client, sha: &str) -> Result<Vec<u8>, ClientError> {
    let mut out = Vec::new();
    client.read_file(sha, &mut out)?;
    Ok(out)
}

pub(super) fn parts(client: &Client, sha: &str) -> Vec<DownloadPart> {
    client.store().unwrap().download_parts(sha).unwrap()
}
