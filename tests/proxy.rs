//! A fault-injecting TCP proxy on loopback, between a phone and a real gateway (sync.md, how it is
//! tested): it forwards bytes both ways and, when told, cuts every connection after a number of
//! bytes in either direction, or goes silent after a number of bytes from the gateway (a black
//! hole), or lets only so many bytes through in all and then closes every new connection
//! unanswered (the link is gone), or answers one kind of request itself (a reverse proxy or a
//! gateway refusing one endpoint). It also notes the `Range` of every request it forwards, so a
//! test can tell where a download resumed.
//!
//! The faults live in user space: this machine's kernel has no `netem`.

use parking_lot::Mutex;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the proxy does to the traffic; change it at any time, new bytes obey it at once.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Each connection carries at most this many bytes from the gateway, then both sides are cut.
    pub cut_after: Option<usize>,
    /// Each connection carries at most this many bytes from the phone, then both sides are cut.
    pub cut_requests_after: Option<usize>,
    /// Each connection carries at most this many bytes from the gateway, then nothing more
    /// either way, though it stays open.
    pub hold_after: Option<usize>,
    /// Bytes from the gateway still allowed in all; at zero every connection is cut and every new
    /// one closed unanswered.
    pub budget: Option<usize>,
    /// Requests whose request line starts with this (`POST /v1/receipts`) are not forwarded: the
    /// proxy sends this answer and closes the connection.
    pub answer: Option<(String, Canned)>,
}

/// An answer the proxy gives in the gateway's stead.
#[derive(Debug, Clone)]
pub struct Canned {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}

impl Canned {
    /// The HTTP/1.1 answer, closing the connection.
    fn to_bytes(&self) -> Vec<u8> {
        format!(
            "HTTP/1.1 {} Canned\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{}",
            self.status,
            self.body.len(),
            self.body
        )
        .into_bytes()
    }
}

#[derive(Default)]
struct State {
    faults: Faults,
    /// The first byte of every `Range: bytes=<first>-…` forwarded, in order.
    range_starts: Vec<u64>,
}

/// A running proxy; stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on a free loopback port in front of `upstream`.
    pub async fn start(upstream: SocketAddr) -> Result<Proxy, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream, Arc::clone(&shared)));
            }
        });
        Ok(Proxy { addr, state, task })
    }

    /// The base URL phones use to reach the gateway through the proxy.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Replaces the faults.
    pub fn set(&self, faults: Faults) {
        self.state.lock().faults = faults;
    }

    /// Where each forwarded `Range` request started, in order.
    pub fn range_starts(&self) -> Vec<u64> {
        self.state.lock().range_starts.clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, state: Arc<Mutex<State>>) {
    if state.lock().faults.budget == Some(0) {
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let requests = {
        let state = Arc::clone(&state);
        async move {
            let mut buf = vec![0u8; 16 * 1024];
            let mut seen = String::new();
            let mut carried = 0usize;
            loop {
                let n = match client_read.read(&mut buf).await {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => n,
                };
                // A phone sends one request at a time on a connection, so a read that begins
                // with a request line begins a request.
                let canned = state
                    .lock()
                    .faults
                    .answer
                    .as_ref()
                    .and_then(|(line, canned)| {
                        buf[..n]
                            .starts_with(line.as_bytes())
                            .then(|| canned.to_bytes())
                    });
                if canned.is_some() {
                    return canned;
                }
                let allowed = state
                    .lock()
                    .faults
                    .cut_requests_after
                    .map_or(n, |cut| n.min(cut.saturating_sub(carried)));
                carried += allowed;
                note_ranges(&mut seen, &buf[..allowed], &state);
                if server_write.write_all(&buf[..allowed]).await.is_err() || allowed < n {
                    // Cut: the gateway gets part of the request, the phone no answer.
                    return None;
                }
            }
        }
    };
    let to_client = &mut client_write;
    let answers = async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut carried = 0usize;
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let (allowed, hold) = {
                let mut state = state.lock();
                let mut allowed = n;
                if let Some(cut) = state.faults.cut_after {
                    allowed = allowed.min(cut.saturating_sub(carried));
                }
                let hold = state
                    .faults
                    .hold_after
                    .is_some_and(|hold| carried + n > hold);
                if let Some(hold) = state.faults.hold_after {
                    allowed = allowed.min(hold.saturating_sub(carried));
                }
                if let Some(budget) = state.faults.budget.as_mut() {
                    allowed = allowed.min(*budget);
                    *budget -= allowed;
                }
                (allowed, hold)
            };
            carried += allowed;
            if hold {
                // Silent from here on: the phone waits for bytes that never come.
                let _ = to_client.write_all(&buf[..allowed]).await;
                std::future::pending::<()>().await;
            }
            if to_client.write_all(&buf[..allowed]).await.is_err() || allowed < n {
                // Cut: both halves drop, the phone sees its answer end early.
                return;
            }
        }
    };
    // Whichever direction ends first ends the connection.
    let canned = tokio::select! {
        canned = requests => canned,
        () = answers => None,
    };
    if let Some(answer) = canned {
        let _ = client_write.write_all(&answer).await;
        let _ = client_write.shutdown().await;
    }
}

/// Records the start of every `Range` header in the request bytes seen so far on a connection.
fn note_ranges(seen: &mut String, bytes: &[u8], state: &Mutex<State>) {
    seen.push_str(&String::from_utf8_lossy(bytes).to_ascii_lowercase());
    while let Some(at) = seen.find("\r\nrange: bytes=") {
        let rest = &seen[at + "\r\nrange: bytes=".len()..];
        let Some(end) = rest.find('-') else {
            // The header is split across reads: wait for the rest.
            return;
        };
        if let Ok(start) = rest[..end].trim().parse() {
            state.lock().range_starts.push(start);
        }
        let consumed = at + "\r\nrange: bytes=".len() + end;
        seen.drain(..consumed);
    }
    // Keep only a tail long enough to hold a header split across reads.
    if seen.len() > 64 {
        let keep = seen.len() - 64;
        let cut = (keep..seen.len())
            .find(|i| seen.is_char_boundary(*i))
            .unwrap_or(seen.len());
        seen.drain(..cut);
    }
}
