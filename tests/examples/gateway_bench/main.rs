//! P-7 of performance.md: signed delta syncs from 1,000 simulated devices against the real gateway
//! on loopback, for SQLite and for PostgreSQL, with the signature-only `GET /v1/ping` measured in
//! the same run as the reference (the cost floor of a signed request).
//!
//! The gateway runs in this process on its own runtime; the load generator on another. The feed
//! holds 100k documents: each bench user gets its share (100 each for 1,000 devices), each a
//! distinct document with its instance and task, written through the gateway's `feed::append_change`.
//! Each device has its own P-256 keys, is activated through `POST /v1/devices/activate` and pulls
//! its whole feed page by page, keeping two cursors: one at the head, one 3 changes before it.
//! The load is then many concurrent workers, each taking the next device round-robin and sending
//! a signed request exactly as a phone signs it: `GET /v1/ping` (the reference), `GET
//! /v1/sync?cursor=<head>` (a delta sync with nothing new, the P-7 figure) and `GET
//! /v1/sync?cursor=<tail>` (a delta sync that brings the feed's last 3 changes). Every non-200
//! answer is counted as an error and reported.
//!
//! Prints one JSON line per figure on stdout; progress goes to stderr.
//!
//! ```text
//! QIANPI_BENCH_POSTGRES=postgres://qianpi@127.0.0.1:54329 \
//!     cargo run --release -p qianpi-tests --example gateway_bench
//! ```
//!
//! Knobs (environment): `QIANPI_BENCH_DEVICES` (1000), `QIANPI_BENCH_DOCUMENTS` (100000, shared
//! out over the devices), `QIANPI_BENCH_CONCURRENCY` (64),
//! `QIANPI_BENCH_SECONDS` (10, for each load), `QIANPI_BENCH_WARMUP_SECONDS` (2),
//! `QIANPI_BENCH_ROUNDS` (5: the three loads take turns this many times, each measured for its
//! share of the seconds after its share of the warm-up, at least 0.3 s), `QIANPI_BENCH_BACKENDS`
//! (`sqlite,postgres`).
//!
//! The example is split by phase: `seed` writes the users and their feeds, `setup` activates the
//! devices and does their first syncs, `signer`
//! holds their in-memory keys, `load` drives the signed requests and measures latency, `cpu`
//! attributes CPU time to the gateway and the load generator, and `steps` times each step of a
//! request one at a time. This file reads the knobs, runs each backend and prints the figures.

mod cpu;
mod load;
mod seed;
mod setup;
mod signer;
mod steps;

use cpu::CpuSnapshot;
use load::{http_client, load, Endpoint};
use load::{Phase, Slice};
use qianpi_gateway::{open_database, start, GatewayConfig};
use seed::{create_users, feed_size};
use serde_json::json;
use setup::{database, drop_database, prepare_devices, Device, TAIL};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use steps::component_costs;

/// Errors are plain messages: the bench only reports the first one and stops.
type BenchResult<T> = Result<T, String>;

/// The P-7 targets: at least this share of the signature-only floor's rate, and this p99.
const TARGET_RATIO: f64 = 0.9;
const TARGET_P99_MS: f64 = 50.0;

struct Settings {
    devices: usize,
    /// Documents in the feed, shared out over the bench users.
    documents: usize,
    concurrency: usize,
    measure: Duration,
    warmup: Duration,
    /// The loads take turns this many times, each with its share of `measure`.
    rounds: u32,
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
        documents: usize::try_from(env_number("QIANPI_BENCH_DOCUMENTS", 100_000)?)
            .map_err(|e| e.to_string())?,
        concurrency,
        measure: Duration::from_secs(env_number("QIANPI_BENCH_SECONDS", 10)?.max(1)),
        warmup: Duration::from_secs(env_number("QIANPI_BENCH_WARMUP_SECONDS", 2)?),
        rounds: u32::try_from(env_number("QIANPI_BENCH_ROUNDS", 5)?.max(1))
            .map_err(|e| e.to_string())?,
        backends: std::env::var("QIANPI_BENCH_BACKENDS")
            .unwrap_or_else(|_| "sqlite,postgres".into())
            .split(',')
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty())
            .collect(),
    })
}

/// Rounds a figure for the JSON lines, so they carry no false precision.
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
    // One source address activates all devices, and holds every worker's connection.
    config.activations_per_minute = i64::MAX / 2;
    config.connections_per_address = usize::MAX;
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
        let per_user = settings.documents.div_ceil(settings.devices).max(1);
        let logins = server_rt.block_on(create_users(&db, settings.devices, per_user))?;
        let seed_s = started.elapsed().as_secs_f64();
        let (changes_in_feed, bench_changes) = server_rt.block_on(feed_size(&db))?;
        eprintln!(
            "[bench]   {} users with {per_user} documents each ({bench_changes} of the feed's \
             {changes_in_feed} changes) in {seed_s:.1} s",
            logins.len(),
        );
        let http = http_client()?;
        let devices =
            Arc::new(client_rt.block_on(prepare_devices(&db, &http, &base, logins, per_user))?);
        let feed = Feed {
            changes: changes_in_feed,
            documents: bench_changes,
            per_user,
            seed_s,
        };

        eprintln!(
            "[bench]   load: ping (reference), sync (nothing new) and sync (the feed's last {TAIL} \
             changes), interleaved in {} rounds",
            settings.rounds
        );
        let [(ping, ping_cpu), (sync, sync_cpu), (tail, tail_cpu)] =
            interleaved(&http, &base, &devices, settings, client_rt)?;
        for (name, phase) in [("ping", &ping), ("sync", &sync), ("tail", &tail)] {
            eprintln!(
                "[bench]   {name}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
                phase.rps, phase.p50_ms, phase.p99_ms, phase.errors
            );
        }
        let device = devices
            .first()
            .ok_or_else(|| "no devices to time one by one".to_owned())?;
        let costs = component_costs(&db, &base, device)?;
        drop(db);
        let run = Run {
            backend,
            settings,
            devices: devices.len(),
            feed: &feed,
            ping: &ping,
        };
        let nothing_new = run.figure(
            "gateway_delta_sync",
            &sync,
            json!({"sync": sync_cpu, "ping": ping_cpu.clone()}),
            "nothing new: the cursor stands at the head of the device's feed",
        );
        let tail = run.figure(
            "gateway_delta_sync_tail",
            &tail,
            json!({"sync": tail_cpu, "ping": ping_cpu}),
            &format!(
                "the feed's last {TAIL} changes (inbox entries with document, instance and \
                 definition) come back in each answer: the cursor stands {TAIL} changes before the head"
            ),
        );
        Ok(vec![nothing_new, tail, costs.into_figure(backend)])
    })();
    if let Err(e) = server_rt.block_on(gateway.stop()) {
        eprintln!("[bench] stopping the gateway: {e}");
    }
    if let Some(name) = pg_name {
        server_rt.block_on(drop_database(name));
    }
    outcome
}

/// The three loads, interleaved: `rounds` times the ping, then syncs with nothing new, then syncs
/// that bring the feed's last changes, each for its share of the measured time after a short
/// warm-up, so that whatever else the shared machine starts or stops meanwhile weighs on all three
/// alike. Returns each load's figures with its CPU time per request.
fn interleaved(
    http: &reqwest::Client,
    base: &str,
    devices: &Arc<Vec<Arc<Device>>>,
    settings: &Settings,
    rt: &tokio::runtime::Runtime,
) -> BenchResult<[(Phase, serde_json::Value); 3]> {
    const LOADS: [Endpoint; 3] = [Endpoint::Ping, Endpoint::Sync, Endpoint::SyncTail];
    let slice = settings.measure / settings.rounds;
    let warmup = (settings.warmup / settings.rounds).max(Duration::from_millis(300));
    let mut slices: [Slice; 3] = Default::default();
    let mut cpu = [
        CpuSnapshot::zero(),
        CpuSnapshot::zero(),
        CpuSnapshot::zero(),
    ];
    for round in 0..settings.rounds {
        for (i, endpoint) in LOADS.into_iter().enumerate() {
            let before = CpuSnapshot::take();
            let concurrency = settings.concurrency;
            let measured = rt.block_on(load(
                http,
                base,
                devices,
                endpoint,
                concurrency,
                (warmup, slice),
            ))?;
            cpu[i].add_span(&before, &CpuSnapshot::take());
            slices[i].merge(measured);
        }
        eprintln!("[bench]     round {} of {}", round + 1, settings.rounds);
    }
    let [ping, sync, tail] = slices;
    let [ping_cpu, sync_cpu, tail_cpu] = cpu;
    let figures = |slice: Slice, cpu: CpuSnapshot| {
        let per_request = cpu.per_request(slice.total_requests());
        (slice.phase(), per_request)
    };
    Ok([
        figures(ping, ping_cpu),
        figures(sync, sync_cpu),
        figures(tail, tail_cpu),
    ])
}

/// The feed the load runs against.
struct Feed {
    /// Changes in every user's feed.
    changes: i64,
    /// Changes in the bench users' feeds: one document each.
    documents: i64,
    per_user: usize,
    seed_s: f64,
}

/// What every figure of one backend shares: its reference (the ping) and the setting.
struct Run<'a> {
    backend: &'a str,
    settings: &'a Settings,
    devices: usize,
    feed: &'a Feed,
    ping: &'a Phase,
}

impl Run<'_> {
    /// One load phase against the ping measured in the same run.
    fn figure(
        &self,
        bench: &str,
        phase: &Phase,
        cpu: serde_json::Value,
        what: &str,
    ) -> serde_json::Value {
        let (settings, ping) = (self.settings, self.ping);
        let cores = std::thread::available_parallelism().map_or(0, usize::from);
        json!({
            "bench": bench,
            "backend": self.backend,
            "value": round(phase.rps, 1),
            "unit": "requests/s",
            "reference": round(ping.rps, 1),
            "ratio": round(phase.rps / ping.rps, 3),
            "p50_ms": round(phase.p50_ms, 2),
            "p99_ms": round(phase.p99_ms, 2),
            "max_ms": round(phase.max_ms, 2),
            "reference_p50_ms": round(ping.p50_ms, 2),
            "reference_p99_ms": round(ping.p99_ms, 2),
            "requests": phase.requests,
            "reference_requests": ping.requests,
            "errors": phase.errors,
            "reference_errors": ping.errors,
            "error_sample": phase.error_sample.clone().or(ping.error_sample.clone()),
            "devices": self.devices,
            "documents_in_feed": self.feed.documents,
            "changes_in_feed": self.feed.changes,
            "documents_per_device": self.feed.per_user,
            "seed_s": round(self.feed.seed_s, 1),
            "concurrency": settings.concurrency,
            "seconds": settings.measure.as_secs(),
            "warmup_seconds": settings.warmup.as_secs(),
            "rounds": settings.rounds,
            "cores": cores,
            "target": {"ratio": TARGET_RATIO, "p99_ms": TARGET_P99_MS},
            "meets_target": phase.rps >= TARGET_RATIO * ping.rps
                && phase.p99_ms <= TARGET_P99_MS
                && phase.errors == 0,
            "what": what,
            "note": format!(
                "load generator (signing every request with the device's P-256 key) and gateway run \
                 in one process and share the machine's {cores} cores; plain HTTP/1.1 keep-alive on loopback"
            ),
            "cpu_us_per_request": cpu,
        })
    }
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
