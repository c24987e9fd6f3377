//! The load itself: the HTTP client, one signed GET as a phone sends it, the worker loop that
//! keeps `concurrency` requests in flight for one slice of time, and the slices of one endpoint
//! merged into a phase's figures.
//!
//! Every request is signed afresh (new nonce, current time), because that signing is part of what
//! a phone pays and what the gateway must verify; reusing signatures would measure replay refusals.

use crate::setup::Device;
use crate::BenchResult;
use chrono::Utc;
use qianpi_core::link::{sign_request, Credentials};
use qianpi_core::protocol;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one slice of load on one endpoint saw.
#[derive(Default)]
pub(crate) struct Slice {
    /// Microseconds of each request answered 200 inside the measured window.
    latencies: Vec<u32>,
    seconds: f64,
    total_requests: usize,
    errors: usize,
    error_sample: Option<String>,
}

impl Slice {
    /// Adds `other`'s requests to this one.
    pub(crate) fn merge(&mut self, mut other: Slice) {
        self.latencies.append(&mut other.latencies);
        self.seconds += other.seconds;
        self.total_requests += other.total_requests;
        self.errors += other.errors;
        if self.error_sample.is_none() {
            self.error_sample = other.error_sample;
        }
    }

    /// Every request sent, warm-ups included (for CPU per request).
    pub(crate) fn total_requests(&self) -> usize {
        self.total_requests
    }

    /// The figures of all the slices merged into this one.
    pub(crate) fn phase(mut self) -> Phase {
        let mut latencies = std::mem::take(&mut self.latencies);
        latencies.sort_unstable();
        let quantile = |q: f64| -> f64 {
            if latencies.is_empty() {
                return f64::NAN;
            }
            let rank = ((latencies.len() as f64) * q).ceil() as usize;
            f64::from(latencies[rank.clamp(1, latencies.len()) - 1]) / 1000.0
        };
        Phase {
            rps: latencies.len() as f64 / self.seconds.max(f64::MIN_POSITIVE),
            p50_ms: quantile(0.50),
            p99_ms: quantile(0.99),
            max_ms: quantile(1.0),
            requests: latencies.len(),
            errors: self.errors,
            error_sample: self.error_sample,
        }
    }
}

/// What one measured phase saw.
pub(crate) struct Phase {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
    pub(crate) requests: usize,
    pub(crate) errors: usize,
    pub(crate) error_sample: Option<String>,
}

pub(crate) fn http_client() -> BenchResult<reqwest::Client> {
    // Plain http on loopback; reqwest still wants a process-wide provider for its TLS half.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(4096)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Sends one signed GET; returns the status and the body.
pub(crate) async fn signed_get(
    http: &reqwest::Client,
    url: &str,
    credentials: &Credentials,
) -> BenchResult<(u16, bytes::Bytes)> {
    let headers = sign_request("GET", url, &[], credentials, Utc::now())
        .map_err(|e| format!("signing failed: {e}"))?;
    let mut request = http.get(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("GET {url} failed: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("reading the answer to GET {url} failed: {e}"))?;
    Ok((status, body))
}

#[derive(Clone, Copy)]
pub(crate) enum Endpoint {
    /// A delta sync from the head of the feed: nothing new.
    Sync,
    /// A delta sync from the tail cursor: the feed's last changes come back, bodies and all.
    SyncTail,
    Ping,
}

/// Runs one slice of load on one endpoint: `concurrency` workers, each taking the next device
/// round-robin, for `warmup` and then the measured window of `measure`. Only requests that start
/// and end inside the window count.
pub(crate) async fn load(
    http: &reqwest::Client,
    base: &str,
    devices: &Arc<Vec<Arc<Device>>>,
    endpoint: Endpoint,
    concurrency: usize,
    (warmup, measure): (Duration, Duration),
) -> BenchResult<Slice> {
    let urls: Arc<Vec<String>> = Arc::new(
        devices
            .iter()
            .map(|d| match endpoint {
                Endpoint::Sync => format!(
                    "{base}{}?cursor={}&limit=200",
                    protocol::SYNC_PATH.trim_start_matches('/'),
                    d.cursor
                ),
                Endpoint::SyncTail => format!(
                    "{base}{}?cursor={}&limit=200",
                    protocol::SYNC_PATH.trim_start_matches('/'),
                    d.tail_cursor
                ),
                Endpoint::Ping => format!("{base}{}", protocol::PING_PATH.trim_start_matches('/')),
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let begin = Instant::now();
    let window_start = begin + warmup;
    let window_end = window_start + measure;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (http, devices, urls, next) = (
            http.clone(),
            Arc::clone(devices),
            Arc::clone(&urls),
            Arc::clone(&next),
        );
        set.spawn(async move {
            let mut latencies: Vec<u32> = Vec::with_capacity(32 * 1024);
            let mut errors = 0usize;
            let mut sent_total = 0usize;
            let mut sample: Option<String> = None;
            loop {
                let sent = Instant::now();
                if sent >= window_end {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed) % devices.len();
                let outcome = signed_get(&http, &urls[i], &devices[i].credentials).await;
                sent_total += 1;
                let done = Instant::now();
                if sent < window_start || done > window_end {
                    continue;
                }
                match outcome {
                    Ok((200, _)) => {
                        latencies.push(u32::try_from((done - sent).as_micros()).unwrap_or(u32::MAX))
                    }
                    Ok((status, body)) => {
                        errors += 1;
                        sample.get_or_insert_with(|| {
                            format!("{status}: {}", String::from_utf8_lossy(&body))
                        });
                    }
                    Err(e) => {
                        errors += 1;
                        sample.get_or_insert(e);
                    }
                }
            }
            (latencies, errors, sample, sent_total)
        });
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut error_sample = None;
    let mut total_requests = 0;
    while let Some(joined) = set.join_next().await {
        let (mut l, e, s, sent) = joined.map_err(|e| format!("a load worker failed: {e}"))?;
        latencies.append(&mut l);
        errors += e;
        total_requests += sent;
        if error_sample.is_none() {
            error_sample = s;
        }
    }
    Ok(Slice {
        latencies,
        seconds: measure.as_secs_f64(),
        total_requests,
        errors,
        error_sample,
    })
}
