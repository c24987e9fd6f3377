//! A counting TCP proxy on loopback between the phone and the gateway: it forwards bytes both ways
//! untouched and counts them (what went on the wire, HTTP heads and bodies as sent, compressed
//! where the answer was) and the HTTP requests the phone made (each request head, its body
//! skipped by its `Content-Length`). A request body sent chunked cannot be skipped this way and
//! is reported as an error rather than miscounted.

use crate::BenchResult;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Requests and bytes each way, at one moment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Counts {
    pub(crate) requests: u64,
    pub(crate) up: u64,
    pub(crate) down: u64,
    /// Requests by method and path (the query left out): `GET /v1/sync`.
    pub(crate) paths: BTreeMap<String, u64>,
}

impl Counts {
    /// What was carried between `earlier` and `self`.
    pub(crate) fn since(&self, earlier: &Counts) -> Counts {
        let paths = self
            .paths
            .iter()
            .map(|(path, n)| {
                (
                    path.clone(),
                    n - earlier.paths.get(path).copied().unwrap_or(0),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        Counts {
            requests: self.requests - earlier.requests,
            up: self.up - earlier.up,
            down: self.down - earlier.down,
            paths,
        }
    }
}

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    up: AtomicU64,
    down: AtomicU64,
    paths: Mutex<BTreeMap<String, u64>>,
    /// A request the proxy could not frame (chunked), the first one.
    unframed: Mutex<Option<String>>,
}

/// A running proxy; stops when dropped.
pub(crate) struct CountingProxy {
    addr: SocketAddr,
    tally: Arc<Tally>,
    task: JoinHandle<()>,
}

impl CountingProxy {
    /// Starts a proxy on a free loopback port in front of `upstream`.
    pub(crate) async fn start(upstream: SocketAddr) -> BenchResult<CountingProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let tally = Arc::new(Tally::default());
        let shared = Arc::clone(&tally);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream, Arc::clone(&shared)));
            }
        });
        Ok(CountingProxy { addr, tally, task })
    }

    /// The base URL the phone uses.
    pub(crate) fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The counts so far; an error if a request could not be framed.
    pub(crate) fn counts(&self) -> BenchResult<Counts> {
        if let Some(what) = self.tally.unframed.lock().clone() {
            return Err(what);
        }
        Ok(Counts {
            requests: self.tally.requests.load(Ordering::SeqCst),
            up: self.tally.up.load(Ordering::SeqCst),
            down: self.tally.down.load(Ordering::SeqCst),
            paths: self.tally.paths.lock().clone(),
        })
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, tally: Arc<Tally>) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::join!(
        pump(client_read, server_write, &tally, true),
        pump(server_read, client_write, &tally, false),
    );
}

/// Moves one direction's bytes until its sender closes, counting them.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, tally: &Tally, requests: bool) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut framer = Framer::default();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if requests {
            tally.up.fetch_add(n as u64, Ordering::SeqCst);
            match framer.feed(&buf[..n]) {
                Ok(heads) => {
                    let mut paths = tally.paths.lock();
                    for head in heads {
                        *paths.entry(head).or_default() += 1;
                        tally.requests.fetch_add(1, Ordering::SeqCst);
                    }
                }
                Err(what) => {
                    tally.unframed.lock().get_or_insert(what);
                }
            }
        } else {
            tally.down.fetch_add(n as u64, Ordering::SeqCst);
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Finds request heads in a request stream: a head, then `Content-Length` bytes of body.
#[derive(Default)]
struct Framer {
    head: Vec<u8>,
    body_left: usize,
}

impl Framer {
    /// The requests whose heads `bytes` completed, by method and path.
    fn feed(&mut self, bytes: &[u8]) -> Result<Vec<String>, String> {
        let mut heads = Vec::new();
        let mut rest = bytes.to_vec();
        loop {
            let skipped = self.body_left.min(rest.len());
            self.body_left -= skipped;
            rest.drain(..skipped);
            if rest.is_empty() {
                return Ok(heads);
            }
            self.head.append(&mut rest);
            let Some(end) = self.head.windows(4).position(|w| w == b"\r\n\r\n") else {
                return Ok(heads);
            };
            let head: Vec<u8> = self.head.drain(..end + 4).collect();
            rest = std::mem::take(&mut self.head);
            let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
            let mut request_line = text.split_whitespace();
            let method = request_line.next().unwrap_or_default().to_ascii_uppercase();
            let target = request_line.next().unwrap_or_default();
            let path = target.split('?').next().unwrap_or_default();
            heads.push(format!("{method} {path}"));
            let mut length = 0;
            for line in text.split("\r\n").skip(1) {
                let Some((name, value)) = line.split_once(':') else {
                    continue;
                };
                match name.trim() {
                    "content-length" => {
                        length = value
                            .trim()
                            .parse()
                            .map_err(|_| format!("a request's content-length is {value}"))?;
                    }
                    "transfer-encoding" if value.contains("chunked") => {
                        return Err(
                            "a request body was sent chunked; requests cannot be counted"
                                .to_owned(),
                        );
                    }
                    _ => {}
                }
            }
            self.body_left = length;
        }
    }
}
