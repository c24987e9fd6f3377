//! A fault-injecting TCP proxy on loopback, between phones and real gateways (sync.md, how it is
//! tested; Toxiproxy's set of faults is the model). It forwards bytes both ways and, when told:
//! delays them (latency with seeded jitter, and one round trip more for each new connection, as a
//! TCP handshake costs), limits each direction's bandwidth, writes them in tiny segments, cuts
//! every connection after a number of bytes in either direction, stalls after a number of bytes
//! from the gateway (a black hole: nothing more either way, the connection stays open), resets
//! the phone's connection (RST) after a number of bytes either way, lets only so many bytes
//! through in all and then closes every new connection unanswered (the link is gone), or answers
//! one kind of request itself (a reverse proxy or a gateway refusing one endpoint).
//!
//! In front of several gateways it is also the load balancer of a replicated deployment: each new
//! connection goes to the next gateway in turn (one that does not take it is skipped).
//!
//! It notes the `Range` of every request it forwards, so a test can tell where a download resumed.
//! The faults live in user space: this machine's kernel has no `netem`. `pump` moves the bytes of
//! one direction; `ranges` reads the `Range` headers.

mod pump;
mod ranges;

use parking_lot::Mutex;
use pump::{Pump, Then};
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does to the traffic; change it at any time, new bytes obey it at once.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Each connection carries at most this many bytes from the gateway, then both sides are cut.
    pub cut_after: Option<usize>,
    /// Each connection carries at most this many bytes from the phone, then both sides are cut.
    pub cut_requests_after: Option<usize>,
    /// The stall: each connection carries at most this many bytes from the gateway, then nothing
    /// more either way, though it stays open (a black hole mid-response).
    pub hold_after: Option<usize>,
    /// Each connection carries at most this many bytes from the gateway, then the phone's side is
    /// reset (closed with `SO_LINGER` 0: an RST, not a FIN).
    pub reset_after: Option<usize>,
    /// As `reset_after`, counting the bytes from the phone.
    pub reset_requests_after: Option<usize>,
    /// Bytes from the gateway still allowed in all; at zero every connection is cut and every new
    /// one closed unanswered.
    pub budget: Option<usize>,
    /// Requests whose request line starts with this (`POST /v1/receipts`) are not forwarded: the
    /// proxy sends this answer and closes the connection.
    pub answer: Option<(String, Canned)>,
    /// Added to each direction, so a round trip takes twice this more; a new connection waits
    /// one round trip more before its first byte goes on.
    pub latency: Duration,
    /// Each piece of data is delayed by up to this much more or less than `latency`, drawn from
    /// the proxy's seeded generator; bytes never overtake each other.
    pub jitter: Duration,
    /// Bytes per second, in each direction of each connection.
    pub bandwidth: Option<u64>,
    /// Bytes are written in pieces of at most this many (tiny TCP segments).
    pub segment: Option<usize>,
    /// Connections opened while this is set wait, their bytes unread and no gateway connected,
    /// until `Proxy::release`: a network that delivers requests as late as a test wants.
    pub hold_new: bool,
}

impl Faults {
    /// The hostile profile of performance.md P-8: `round_trip` (800 ms there), `bits_per_second`
    /// both ways (64 kbit/s), and a cut after `cut_every` bytes (32 KB) either way.
    pub fn hostile(round_trip: Duration, bits_per_second: u64, cut_every: usize) -> Faults {
        Faults {
            latency: round_trip / 2,
            bandwidth: Some(bits_per_second / 8),
            cut_after: Some(cut_every),
            cut_requests_after: Some(cut_every),
            ..Faults::default()
        }
    }
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

struct State {
    faults: Faults,
    /// The first byte of every `Range: bytes=<first>-…` forwarded, in order.
    range_starts: Vec<u64>,
    /// The jitter generator (splitmix64).
    rng: u64,
    /// The gateway the next connection tries first.
    next: usize,
    /// Connections each gateway took.
    served: Vec<usize>,
    /// Bytes delivered from the phones and from the gateways.
    carried: (u64, u64),
    /// Every request forwarded, as `METHOD /path` (lowercase path, no query), in order.
    requests: Vec<String>,
    /// How many times held connections were released; a held connection waits for the next.
    released: watch::Sender<u64>,
}

impl State {
    /// A delay of `latency` ± `jitter`, never below zero.
    fn delay(&mut self) -> Duration {
        let Faults {
            latency, jitter, ..
        } = self.faults;
        if jitter.is_zero() {
            return latency;
        }
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // A point in [0, 2·jitter], then shifted down by jitter.
        let span = jitter.as_nanos().saturating_mul(2).max(1);
        let drawn = Duration::from_nanos(u64::try_from(u128::from(z) % span).unwrap_or(0));
        (latency + drawn).saturating_sub(jitter)
    }
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
        Proxy::start_many(vec![upstream], 0).await
    }

    /// Starts a proxy in front of `upstreams`, sending each new connection to the next of them
    /// in turn, with its jitter drawn from `seed`.
    pub async fn start_many(upstreams: Vec<SocketAddr>, seed: u64) -> Result<Proxy, String> {
        if upstreams.is_empty() {
            return Err("a proxy needs a gateway behind it".into());
        }
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let state = Arc::new(Mutex::new(State {
            faults: Faults::default(),
            range_starts: Vec::new(),
            rng: seed,
            next: 0,
            served: vec![0; upstreams.len()],
            carried: (0, 0),
            requests: Vec::new(),
            released: watch::Sender::new(0),
        }));
        let shared = Arc::clone(&state);
        let upstreams = Arc::new(upstreams);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, Arc::clone(&upstreams), Arc::clone(&shared)));
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

    /// Lets the connections held by `Faults::hold_new` go on to the gateways.
    pub fn release(&self) {
        self.state.lock().released.send_modify(|n| *n += 1);
    }

    /// The faults now in force.
    pub fn faults(&self) -> Faults {
        self.state.lock().faults.clone()
    }

    /// Where each forwarded `Range` request started, in order.
    pub fn range_starts(&self) -> Vec<u64> {
        self.state.lock().range_starts.clone()
    }

    /// Bytes delivered so far: from the phones to the gateways, and back.
    pub fn carried(&self) -> (u64, u64) {
        self.state.lock().carried
    }

    /// Every request forwarded so far, as `METHOD /path` (the path lowercase, without its
    /// query), in order.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().requests.clone()
    }

    /// How many connections each gateway took, in the order they were given.
    pub fn served(&self) -> Vec<usize> {
        self.state.lock().served.clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Connects to the next gateway in turn, skipping those that do not answer.
async fn connect(upstreams: &[SocketAddr], state: &Mutex<State>) -> Option<TcpStream> {
    let first = {
        let mut state = state.lock();
        let first = state.next % upstreams.len();
        state.next = first + 1;
        first
    };
    for i in 0..upstreams.len() {
        let at = (first + i) % upstreams.len();
        if let Ok(server) = TcpStream::connect(upstreams[at]).await {
            state.lock().served[at] += 1;
            return Some(server);
        }
    }
    None
}

async fn relay(client: TcpStream, upstreams: Arc<Vec<SocketAddr>>, state: Arc<Mutex<State>>) {
    let held = {
        let state = state.lock();
        if state.faults.budget == Some(0) {
            return;
        }
        let released = state.released.subscribe();
        let seen = *released.borrow();
        state.faults.hold_new.then_some((released, seen))
    };
    if let Some((mut released, seen)) = held {
        if released.wait_for(|n| *n > seen).await.is_err() {
            return;
        }
    }
    let Some(server) = connect(&upstreams, &state).await else {
        return;
    };
    // Tiny segments must leave as written, and delays must not be Nagle's.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let handshake = state.lock().faults.latency * 2;
    if !handshake.is_zero() {
        tokio::time::sleep(handshake).await;
    }
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let stalled = AtomicBool::new(false);
    let requests = Pump {
        state: &state,
        stalled: &stalled,
        requests: true,
    }
    .run(&mut client_read, &mut server_write);
    let answers = Pump {
        state: &state,
        stalled: &stalled,
        requests: false,
    }
    .run(&mut server_read, &mut client_write);
    // Whichever direction ends first ends the connection.
    let ended = tokio::select! {
        ended = requests => ended,
        ended = answers => ended,
    };
    match ended {
        Then::Answer(answer) => {
            let _ = client_write.write_all(&answer).await;
            let _ = client_write.shutdown().await;
        }
        Then::Reset => {
            // Closing with a zero linger sends an RST, and only that: the write half must not
            // send its FIN first when dropped.
            let _ = client_write.as_ref().set_zero_linger();
            client_write.forget();
        }
        Then::Go | Then::Cut | Then::Hold => {}
    }
}
