//! P-7 of performance.md: signed delta syncs from 1,000 simulated devices against the real gateway
//! on loopback, for SQLite and for PostgreSQL, with the signature-only `GET /v1/ping` measured in
//! the same run as the reference (the cost floor of a signed request).
//!
//! The gateway runs in this process on its own runtime; the load generator on another. Each device
//! has its own P-256 keys and is activated through `POST /v1/devices/activate`, gets a few changes
//! in its feed and pulls them once (its cursor); the load is then many concurrent workers, each
//! taking the next device round-robin and sending a signed `GET /v1/sync?cursor=<its cursor>`,
//! exactly as a phone signs it. Every non-200 answer is counted as an error and reported.
//!
//! Prints one JSON line per figure on stdout; progress goes to stderr.
//!
//! ```text
//! QIANPI_BENCH_POSTGRES=postgres://qianpi@127.0.0.1:54329 \
//!     cargo run --release -p qianpi-gateway --example gateway_bench
//! ```
//!
//! Knobs (environment): `QIANPI_BENCH_DEVICES` (1000), `QIANPI_BENCH_CONCURRENCY` (64),
//! `QIANPI_BENCH_SECONDS` (10), `QIANPI_BENCH_WARMUP_SECONDS` (2), `QIANPI_BENCH_BACKENDS`
//! (`sqlite,postgres`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::Utc;
use qianpi_core::keys::{DeviceSigner, PlatformKeyError};
use qianpi_core::protocol::{self, ActivateRequest, ActivateResponse, Change, SyncPage};
use qianpi_core::sync::{sign_request, Credentials};
use qianpi_gateway::auth::AuthedDevice;
use qianpi_gateway::db::{decode, Db};
use qianpi_gateway::{
    admin, args, checkpoints, feed, open_database, start, GatewayConfig, Location,
};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

type BenchResult<T> = Result<T, String>;

/// Changes put into each bench user's feed, so the first pull returns data.
const CHANGES_PER_USER: usize = 3;
/// Activations in flight at once during setup.
const SETUP_CONCURRENCY: usize = 32;
/// The P-7 targets.
const TARGET_RPS: f64 = 2000.0;
const TARGET_P99_MS: f64 = 50.0;

struct Settings {
    devices: usize,
    concurrency: usize,
    measure: Duration,
    warmup: Duration,
    backends: Vec<String>,
}

fn env_number(name: &str, default: u64) -> BenchResult<u64> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("{name}={text} is not a whole number")),
        Err(_) => Ok(default),
    }
}

fn settings() -> BenchResult<Settings> {
    let devices =
        usize::try_from(env_number("QIANPI_BENCH_DEVICES", 1000)?).map_err(|e| e.to_string())?;
    let concurrency =
        usize::try_from(env_number("QIANPI_BENCH_CONCURRENCY", 64)?).map_err(|e| e.to_string())?;
    if devices == 0 || concurrency == 0 {
        return Err("QIANPI_BENCH_DEVICES and QIANPI_BENCH_CONCURRENCY must be positive".into());
    }
    Ok(Settings {
        devices,
        concurrency,
        measure: Duration::from_secs(env_number("QIANPI_BENCH_SECONDS", 10)?.max(1)),
        warmup: Duration::from_secs(env_number("QIANPI_BENCH_WARMUP_SECONDS", 2)?),
        backends: std::env::var("QIANPI_BENCH_BACKENDS")
            .unwrap_or_else(|_| "sqlite,postgres".into())
            .split(',')
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty())
            .collect(),
    })
}

/// A device's keys in memory (the software signer of a simulated phone).
struct MemorySigner {
    request: EcdsaKeyPair,
    approval: EcdsaKeyPair,
    rng: SystemRandom,
}

impl MemorySigner {
    fn generate(rng: &SystemRandom) -> BenchResult<MemorySigner> {
        let key = || -> BenchResult<EcdsaKeyPair> {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, rng)
                .map_err(|_| "generating a P-256 key failed".to_owned())?;
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), rng)
                .map_err(|_| "loading a generated P-256 key failed".to_owned())
        };
        Ok(MemorySigner {
            request: key()?,
            approval: key()?,
            rng: rng.clone(),
        })
    }

    fn pair(&self, alias: &str) -> Result<&EcdsaKeyPair, PlatformKeyError> {
        match alias {
            qianpi_core::keys::REQUEST_KEY_ALIAS => Ok(&self.request),
            qianpi_core::keys::APPROVAL_KEY_ALIAS => Ok(&self.approval),
            other => Err(PlatformKeyError::new(format!("no key named {other}"))),
        }
    }

    fn spki(&self, alias: &str) -> Result<Vec<u8>, PlatformKeyError> {
        qianpi_core::crypto::p256_spki_from_point(self.pair(alias)?.public_key().as_ref())
            .map_err(|e| PlatformKeyError::new(e.to_string()))
    }
}

impl DeviceSigner for MemorySigner {
    fn create_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError> {
        self.spki(&alias)
    }

    fn public_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError> {
        self.spki(&alias)
    }

    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        self.pair(&alias)?
            .sign(&self.rng, &message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| PlatformKeyError::new("signing failed"))
    }
}

/// An activated simulated phone.
struct Device {
    login: String,
    credentials: Credentials,
    cursor: String,
}

/// What one measured phase saw.
struct Phase {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    requests: usize,
    /// Every request sent, warm-up and tail included (for CPU per request).
    total_requests: usize,
    errors: usize,
    error_sample: Option<String>,
}

fn http_client() -> BenchResult<reqwest::Client> {
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
async fn signed_get(
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

/// The database the gateway uses: a SQLite folder, or a fresh PostgreSQL database on `server`.
async fn database(
    backend: &str,
    dir: &tempfile::TempDir,
) -> BenchResult<(Location, Option<String>)> {
    if backend == "sqlite" {
        return Ok((Location::Folder(dir.path().join("gateway")), None));
    }
    let server = std::env::var("QIANPI_BENCH_POSTGRES")
        .map_err(|_| "QIANPI_BENCH_POSTGRES is not set".to_owned())?;
    let (location, name) = tokio::task::spawn_blocking(move || {
        qianpi_gateway::db::create_postgres_database(&server, "qianpi_bench")
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot create the bench database: {e}"))?;
    Ok((location, Some(name)))
}

async fn drop_database(name: String) {
    let Ok(server) = std::env::var("QIANPI_BENCH_POSTGRES") else {
        return;
    };
    let admin_url = format!("{}/postgres", server.trim_end_matches('/'));
    let outcome = tokio::task::spawn_blocking(move || -> BenchResult<()> {
        let mut client =
            postgres::Client::connect(&admin_url, postgres::NoTls).map_err(|e| e.to_string())?;
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .map_err(|e| e.to_string())
    })
    .await;
    if let Ok(Err(e)) | Err(e) = outcome.map_err(|e| e.to_string()) {
        eprintln!("[bench] could not drop the bench database: {e}");
    }
}

/// Adds `count` staff users to the demo unit, each with a few changes in the feed (copies of the
/// demo flow's inbox change), and returns their logins.
async fn create_users(db: &Db, count: usize) -> BenchResult<Vec<String>> {
    let logins: Vec<String> = (0..count).map(|i| format!("bench{i:05}")).collect();
    let rows = logins.clone();
    db.tx(move |sql| {
        let template: Change = decode(
            &sql.query_one(
                "SELECT body FROM changes WHERE user_id = 'user-wang' ORDER BY seq LIMIT 1",
                args![],
            )?
            .text(0)?,
        )?;
        let now = Utc::now().to_rfc3339();
        for login in &rows {
            let user_id = format!("user-{login}");
            sql.execute(
                "INSERT INTO users (id, unit_id, login, name, post, role, roles, created_at)
                 VALUES (?1, 'unit-sxnyt', ?2, ?3, '科员', 'staff', '{}', ?4)",
                args![&user_id, login, format!("测试用户{login}"), &now],
            )?;
            // One change per task: the feed keeps only the newest change of an item.
            for i in 0..CHANGES_PER_USER {
                let mut change = template.clone();
                if let Change::Inbox { entry } = &mut change {
                    entry.task_id = format!("{}-{i}", entry.task_id);
                }
                feed::append_change(sql, &user_id, &change)?;
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| format!("cannot create the bench users: {}", e.message))?;
    Ok(logins)
}

/// Activates one device for `login` through the gateway, as a phone does.
async fn activate(
    http: reqwest::Client,
    base: String,
    login: String,
    code: String,
    rng: SystemRandom,
) -> BenchResult<Device> {
    let signer = MemorySigner::generate(&rng)?;
    let request = ActivateRequest {
        login: login.clone(),
        code,
        request_key_spki: STANDARD.encode(
            signer
                .create_key(qianpi_core::keys::REQUEST_KEY_ALIAS.into())
                .map_err(|e| e.to_string())?,
        ),
        approval_key_spki: STANDARD.encode(
            signer
                .create_key(qianpi_core::keys::APPROVAL_KEY_ALIAS.into())
                .map_err(|e| e.to_string())?,
        ),
        device_name: format!("bench phone {login}"),
        platform: "terminal".into(),
        attestation: None,
    };
    let url = format!("{base}{}", protocol::ACTIVATE_PATH.trim_start_matches('/'));
    let response = http
        .post(&url)
        .json(&request)
        .send()
        .await
        .map_err(|e| format!("activating {login} failed: {e}"))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!(
            "activating {login} was refused ({status}): {}",
            String::from_utf8_lossy(&body)
        ));
    }
    let bound: ActivateResponse = serde_json::from_slice(&body)
        .map_err(|e| format!("the activation answer for {login} is not understood: {e}"))?;
    if bound.pending_approval {
        return Err(format!("the device of {login} waits for approval"));
    }
    Ok(Device {
        login,
        credentials: Credentials {
            signer: Arc::new(signer),
            request_key_id: bound.request_key_id,
            access_token: bound.access_token,
            clock_offset_ms: 0,
        },
        cursor: String::new(),
    })
}

/// Issues codes, activates every device, and does each device's first full sync and first ping
/// (each must answer 200, or the benchmark would measure refusals).
async fn prepare_devices(
    db: &Db,
    http: &reqwest::Client,
    base: &str,
    logins: Vec<String>,
) -> BenchResult<Vec<Arc<Device>>> {
    let started = Instant::now();
    let now = Utc::now().timestamp();
    let mut codes = Vec::with_capacity(logins.len());
    for login in logins {
        let code = admin::issue_activation_code(db, &login, now)
            .await
            .map_err(|e| format!("cannot issue a code for {login}: {}", e.message))?;
        codes.push((login, code));
    }
    eprintln!(
        "[bench]   issued {} activation codes in {:.1} s",
        codes.len(),
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let rng = SystemRandom::new();
    let mut devices = Vec::with_capacity(codes.len());
    for chunk in codes.chunks(SETUP_CONCURRENCY) {
        let mut set = tokio::task::JoinSet::new();
        for (i, (login, code)) in chunk.iter().enumerate() {
            let job = activate(
                http.clone(),
                base.to_owned(),
                login.clone(),
                code.clone(),
                rng.clone(),
            );
            set.spawn(async move { (i, job.await) });
        }
        let mut done: Vec<(usize, Device)> = Vec::with_capacity(chunk.len());
        while let Some(joined) = set.join_next().await {
            let (i, device) = joined.map_err(|e| format!("an activation task failed: {e}"))?;
            done.push((i, device?));
        }
        done.sort_by_key(|(i, _)| *i);
        devices.extend(done.into_iter().map(|(_, d)| d));
    }
    eprintln!(
        "[bench]   activated {} devices in {:.1} s",
        devices.len(),
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let mut pulled = 0usize;
    for device in &mut devices {
        let url = format!(
            "{base}{}?cursor=&limit=200",
            protocol::SYNC_PATH.trim_start_matches('/')
        );
        let (status, body) = signed_get(http, &url, &device.credentials).await?;
        if status != 200 {
            return Err(format!(
                "the first sync of {} was refused ({status}): {}; aborting rather than measuring refusals",
                device.login,
                String::from_utf8_lossy(&body)
            ));
        }
        let page: SyncPage = serde_json::from_slice(&body)
            .map_err(|e| format!("the first sync of {} is not understood: {e}", device.login))?;
        if page.changes.len() != CHANGES_PER_USER || page.has_more {
            return Err(format!(
                "the first sync of {} returned {} changes, expected {CHANGES_PER_USER}",
                device.login,
                page.changes.len()
            ));
        }
        pulled += page.changes.len();
        device.cursor = page.next_cursor;

        let url = format!("{base}{}", protocol::PING_PATH.trim_start_matches('/'));
        let (status, body) = signed_get(http, &url, &device.credentials).await?;
        if status != 200 {
            return Err(format!(
                "the first ping of {} was refused ({status}): {}; aborting rather than measuring refusals",
                device.login,
                String::from_utf8_lossy(&body)
            ));
        }
    }
    eprintln!(
        "[bench]   first full sync and ping of every device ({pulled} changes) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(devices.into_iter().map(Arc::new).collect())
}

#[derive(Clone, Copy)]
enum Endpoint {
    Sync,
    Ping,
}

/// Runs the load on one endpoint: `concurrency` workers, each taking the next device round-robin,
/// for a warm-up and then the measured window. Only requests that start and end inside the window
/// count.
async fn load(
    http: &reqwest::Client,
    base: &str,
    devices: &Arc<Vec<Arc<Device>>>,
    endpoint: Endpoint,
    settings: &Settings,
) -> BenchResult<Phase> {
    let urls: Arc<Vec<String>> = Arc::new(
        devices
            .iter()
            .map(|d| match endpoint {
                Endpoint::Sync => format!(
                    "{base}{}?cursor={}&limit=200",
                    protocol::SYNC_PATH.trim_start_matches('/'),
                    d.cursor
                ),
                Endpoint::Ping => format!("{base}{}", protocol::PING_PATH.trim_start_matches('/')),
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let begin = Instant::now();
    let window_start = begin + settings.warmup;
    let window_end = window_start + settings.measure;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..settings.concurrency {
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
    latencies.sort_unstable();
    let quantile = |q: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((latencies.len() as f64) * q).ceil() as usize;
        f64::from(latencies[rank.clamp(1, latencies.len()) - 1]) / 1000.0
    };
    Ok(Phase {
        rps: latencies.len() as f64 / settings.measure.as_secs_f64(),
        p50_ms: quantile(0.50),
        p99_ms: quantile(0.99),
        max_ms: quantile(1.0),
        requests: latencies.len(),
        total_requests,
        errors,
        error_sample,
    })
}

/// CPU time so far: this process, its load-generator threads, and the whole machine (Linux /proc;
/// clock ticks assumed to be 100 per second, the Linux default).
struct CpuSnapshot {
    process: f64,
    phones: f64,
    machine_busy: f64,
}

const TICKS_PER_SECOND: f64 = 100.0;

/// utime + stime of a `/proc/.../stat` line, in seconds, and the thread's name.
fn stat_cpu(text: &str) -> Option<(String, f64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 2..)?.split_whitespace().collect();
    // After the name: state is field 3 of stat(5), utime 14 and stime 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((name, (utime + stime) / TICKS_PER_SECOND))
}

impl CpuSnapshot {
    fn take() -> CpuSnapshot {
        let read = |path: &std::path::Path| std::fs::read_to_string(path).unwrap_or_default();
        let process = stat_cpu(&read("/proc/self/stat".as_ref())).map_or(0.0, |(_, s)| s);
        let mut phones = 0.0;
        if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
            for task in tasks.flatten() {
                if let Some((name, seconds)) = stat_cpu(&read(&task.path().join("stat"))) {
                    if name.starts_with("phones") {
                        phones += seconds;
                    }
                }
            }
        }
        let machine = read("/proc/stat".as_ref());
        let jiffies: Vec<f64> = machine
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
        let total: f64 = jiffies.iter().take(8).sum();
        let idle = jiffies.get(3).copied().unwrap_or(0.0) + jiffies.get(4).copied().unwrap_or(0.0);
        CpuSnapshot {
            process,
            phones,
            machine_busy: (total - idle) / TICKS_PER_SECOND,
        }
    }

    /// CPU microseconds per request since `before`: the gateway (this process minus the load
    /// generator), the load generator, and everything else on the machine (PostgreSQL, and
    /// whatever else the shared machine runs).
    fn since(&self, before: &CpuSnapshot, requests: usize) -> serde_json::Value {
        let per = |seconds: f64| round(seconds * 1e6 / requests.max(1) as f64, 1);
        let process = self.process - before.process;
        let phones = self.phones - before.phones;
        let machine = self.machine_busy - before.machine_busy;
        json!({
            "gateway": per(process - phones),
            "load_generator": per(phones),
            "rest_of_machine": per((machine - process).max(0.0)),
        })
    }
}

/// Each step of a signed request timed one at a time, in microseconds.
struct Costs {
    sign: f64,
    verify: f64,
    empty_tx: f64,
    device_lookup: f64,
    nonce_insert: f64,
    delta_glance: f64,
}

impl Costs {
    fn into_figure(self, backend: &str) -> serde_json::Value {
        let ping = self.device_lookup + self.verify + self.nonce_insert;
        let sync = ping + self.delta_glance;
        json!({
            "bench": "gateway_request_steps",
            "backend": backend,
            "value": round(sync, 1),
            "unit": "µs per delta sync, its database and signature steps one at a time",
            "reference": round(ping, 1),
            "ratio": round(sync / ping, 3),
            "sign_request_us": round(self.sign, 1),
            "verify_p256_us": round(self.verify, 1),
            "empty_tx_us": round(self.empty_tx, 1),
            "device_lookup_us": round(self.device_lookup, 1),
            "nonce_insert_us": round(self.nonce_insert, 1),
            "delta_glance_us": round(self.delta_glance, 1),
            "note": "one thread, no HTTP; sign_request is the client's cost, the rest the gateway's \
                     (verify + lookup + nonce = the ping; + the glance at feed head, policy and \
                     checkpoint = a delta sync with nothing new)",
        })
    }
}

/// Times the steps of a signed delta sync one at a time, with the same statements the gateway
/// runs (auth.rs and feed.rs), on the database as the load left it.
fn component_costs(db: &Db, base: &str, device: &Device) -> BenchResult<Costs> {
    const ROUNDS: u32 = 1000;
    let time = |step: &mut dyn FnMut(u32) -> BenchResult<()>| -> BenchResult<f64> {
        let started = Instant::now();
        for i in 0..ROUNDS {
            step(i)?;
        }
        Ok(started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS))
    };
    let api = |e: qianpi_gateway::ApiError| e.message;
    let url = format!("{base}v1/sync?cursor={}&limit=200", device.cursor);
    let signer = &device.credentials.signer;
    let spki = signer
        .public_key(qianpi_core::keys::REQUEST_KEY_ALIAS.into())
        .map_err(|e| e.to_string())?;
    let message = format!("\"@method\": GET\n\"@target-uri\": {url}\n").repeat(4);
    let der = signer
        .sign(
            qianpi_core::keys::REQUEST_KEY_ALIAS.into(),
            message.clone().into_bytes(),
        )
        .map_err(|e| e.to_string())?;
    let raw = qianpi_core::crypto::der_to_raw_signature(&der).map_err(|e| e.to_string())?;
    let key_id = device.credentials.request_key_id.clone();
    let user_id = format!("user-{}", device.login);
    let after = feed::Cursor::parse(&device.cursor).map_err(api)?;
    let authed = db
        .once_blocking(|sql| {
            let row = sql.query_one(
                "SELECT id FROM devices WHERE request_key_id = ?1",
                args![&key_id],
            )?;
            Ok(AuthedDevice {
                device_id: row.text(0)?,
                user_id: user_id.clone(),
                unit_id: "unit-sxnyt".into(),
            })
        })
        .map_err(api)?;
    let now = Utc::now().timestamp();
    Ok(Costs {
        sign: time(&mut |_| {
            sign_request("GET", &url, &[], &device.credentials, Utc::now())
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?,
        verify: time(&mut |_| {
            qianpi_core::crypto::verify_p256(&spki, message.as_bytes(), &raw)
                .map_err(|e| format!("verification failed: {e}"))
        })?,
        empty_tx: time(&mut |_| {
            db.tx_blocking(|sql| Ok(sql.query_one("SELECT 1", args![])?.int(0)?))
                .map(|_| ())
                .map_err(api)
        })?,
        device_lookup: time(&mut |_| {
            db.once_blocking(|sql| {
                Ok(sql.query_opt(
                    "SELECT d.id, d.user_id, u.unit_id, d.request_key_spki, d.token_hash, d.state
                     FROM devices d JOIN users u ON u.id = d.user_id WHERE d.request_key_id = ?1",
                    args![&key_id],
                )?)
            })
            .map(|_| ())
            .map_err(api)
        })?,
        nonce_insert: time(&mut |i| {
            let nonce = format!("bench-{}-{i}", uuid::Uuid::now_v7().simple());
            db.once_blocking(|sql| {
                Ok(sql.execute(
                    "INSERT INTO nonces (key_id, nonce, expires_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                    args![&key_id, &nonce, now + 120],
                )?)
            })
            .map(|_| ())
            .map_err(api)
        })?,
        // What a delta sync with nothing new reads: the glance (feed head, policy, checkpoint).
        delta_glance: time(&mut |_| {
            db.once_blocking(|sql| checkpoints::glance(sql, &authed, Utc::now()))
                .map(|glance| debug_assert!(after.has_seen(glance.head)))
                .map_err(api)
        })?,
    })
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// One backend end to end: gateway, users, devices, first syncs, then ping and sync under load.
fn run_backend(
    backend: &str,
    settings: &Settings,
    server_rt: &tokio::runtime::Runtime,
    client_rt: &tokio::runtime::Runtime,
) -> BenchResult<Vec<serde_json::Value>> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temp folder: {e}"))?;
    let (location, pg_name) = server_rt.block_on(database(backend, &dir))?;
    let mut config = GatewayConfig::new(location, SocketAddr::from(([127, 0, 0, 1], 0)), true);
    config.statement_key = Some(dir.path().join("statement-key.p8"));
    // One source address activates all devices.
    config.activations_per_minute = i64::MAX / 2;
    eprintln!("[bench] {backend}: starting the gateway");
    let gateway = server_rt
        .block_on(start(config.clone()))
        .map_err(|e| format!("the gateway did not start: {e}"))?;
    let base = gateway.url();
    let outcome = (|| -> BenchResult<Vec<serde_json::Value>> {
        let db = server_rt
            .block_on(open_database(&config))
            .map_err(|e| format!("cannot open the gateway database: {e}"))?;
        let started = Instant::now();
        let logins = server_rt.block_on(create_users(&db, settings.devices))?;
        eprintln!(
            "[bench]   {} users with {CHANGES_PER_USER} changes each in {:.1} s",
            logins.len(),
            started.elapsed().as_secs_f64()
        );
        let http = http_client()?;
        let devices = Arc::new(client_rt.block_on(prepare_devices(&db, &http, &base, logins))?);

        eprintln!("[bench]   load on /v1/ping (reference)");
        let before = CpuSnapshot::take();
        let ping = client_rt.block_on(load(&http, &base, &devices, Endpoint::Ping, settings))?;
        let ping_cpu = CpuSnapshot::take().since(&before, ping.total_requests);
        eprintln!(
            "[bench]   ping: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
            ping.rps, ping.p50_ms, ping.p99_ms, ping.errors
        );
        eprintln!("[bench]   load on /v1/sync (delta)");
        let before = CpuSnapshot::take();
        let sync = client_rt.block_on(load(&http, &base, &devices, Endpoint::Sync, settings))?;
        let sync_cpu = CpuSnapshot::take().since(&before, sync.total_requests);
        eprintln!(
            "[bench]   sync: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
            sync.rps, sync.p50_ms, sync.p99_ms, sync.errors
        );
        let cores = std::thread::available_parallelism().map_or(0, usize::from);
        let device = devices
            .first()
            .ok_or_else(|| "no devices to time one by one".to_owned())?;
        let costs = component_costs(&db, &base, device)?;
        drop(db);
        let figure = json!({
            "bench": "gateway_delta_sync",
            "backend": backend,
            "value": round(sync.rps, 1),
            "unit": "requests/s",
            "reference": round(ping.rps, 1),
            "ratio": round(sync.rps / ping.rps, 3),
            "p50_ms": round(sync.p50_ms, 2),
            "p99_ms": round(sync.p99_ms, 2),
            "max_ms": round(sync.max_ms, 2),
            "reference_p50_ms": round(ping.p50_ms, 2),
            "reference_p99_ms": round(ping.p99_ms, 2),
            "requests": sync.requests,
            "reference_requests": ping.requests,
            "errors": sync.errors,
            "reference_errors": ping.errors,
            "error_sample": sync.error_sample.or(ping.error_sample),
            "devices": devices.len(),
            "concurrency": settings.concurrency,
            "seconds": settings.measure.as_secs(),
            "warmup_seconds": settings.warmup.as_secs(),
            "cores": cores,
            "target": {"requests_per_s": TARGET_RPS, "p99_ms": TARGET_P99_MS},
            "meets_target": sync.rps >= TARGET_RPS && sync.p99_ms <= TARGET_P99_MS && sync.errors == 0,
            "note": format!(
                "load generator (signing every request with the device's P-256 key) and gateway run \
                 in one process and share the machine's {cores} cores; plain HTTP/1.1 keep-alive on loopback"
            ),
            "cpu_us_per_request": {"sync": sync_cpu, "ping": ping_cpu},
        });
        Ok(vec![figure, costs.into_figure(backend)])
    })();
    if let Err(e) = server_rt.block_on(gateway.stop()) {
        eprintln!("[bench] stopping the gateway: {e}");
    }
    if let Some(name) = pg_name {
        server_rt.block_on(drop_database(name));
    }
    outcome
}

fn runtime(name: &str, workers: usize) -> BenchResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name(name)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the {name} runtime: {e}"))
}

fn main() -> BenchResult<()> {
    let settings = settings()?;
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    // Two runtimes, as two processes would have: the gateway's and the phones'.
    let server_rt = runtime("gateway", cores)?;
    let client_rt = runtime("phones", cores)?;
    for backend in &settings.backends {
        match backend.as_str() {
            "sqlite" => {}
            "postgres" if std::env::var("QIANPI_BENCH_POSTGRES").is_err() => {
                println!(
                    "{}",
                    json!({
                        "bench": "gateway_delta_sync",
                        "backend": "postgres",
                        "measured": false,
                        "reason": "QIANPI_BENCH_POSTGRES is not set (scripts/bench-gateway.sh starts a server and sets it)",
                    })
                );
                continue;
            }
            "postgres" => {}
            other => return Err(format!("unknown backend {other} (sqlite or postgres)")),
        }
        let lines = run_backend(backend, &settings, &server_rt, &client_rt)
            .map_err(|e| format!("{backend}: {e}"))?;
        for line in lines {
            println!("{line}");
        }
    }
    Ok(())
}
