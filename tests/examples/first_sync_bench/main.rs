//! P-4 and P-5 of performance.md: the first sync of a leader's freshly activated phone from a
//! gateway on loopback holding N documents (3N tasks, the leader pending on 3/8 of the flows, the
//! other tasks his 已办 or history, N/5 notices to him), at N = 1k, 10k and 100k to show the
//! growth; then a sync with nothing new right after it, and another in steady state.
//!
//! For each N and each gateway database (SQLite; PostgreSQL too when `QIANPI_TEST_POSTGRES`
//! names a server): the gateway runs in this process and is seeded through its own code paths
//! (`seed`); a real phone core runs in a child process (`phone`: this program with `--phone`) and
//! talks to the gateway through a counting TCP proxy (`counting`: bytes each way on the wire and
//! HTTP requests). Figures in the same run:
//!
//! - value: the first sync's time (`Client::sync`, the terminal phone's path, pages pulled,
//!   checked and applied into the encrypted store, 回执 sent);
//! - reference: a bare insert of the same store rows — every row the sync left in the phone's
//!   store, copied out and inserted with prepared statements in one transaction into a fresh
//!   SQLCipher database keyed and configured like the store, same tables and indexes, no
//!   triggers (as P-1's reference, in the phone's process);
//! - the PouchDB peer (`pouch`, once per N): a PouchDB server and client in memory on loopback,
//!   gzip on, replicating the very items the gateway sent the leader, one document each; its best
//!   batch size's time, wire bytes and requests;
//! - requests and wire bytes both ways, the phone process's peak resident memory during the first
//!   sync (`VmHWM` after resetting it just before the sync; the process's baseline included), and
//!   the first sync's time per document (linear growth keeps it flat).
//!
//! P-5: right after the first sync, one more sync with nothing new, and a second one (steady
//! state): requests and bytes each way, target exactly one request and ≤ 2 KB each way; the
//! PouchDB peer's own nothing-new replication beside it.
//!
//! One JSON line per figure on stdout; progress on stderr. Run through
//! `scripts/bench-first-sync.sh` (installs the peer's node packages), or directly:
//!
//! ```text
//! cargo run --release -p qianpi-tests --example first_sync_bench [-- 1000,10000,100000]
//! ```
//!
//! The sizes are 1k and 10k documents unless told (about two minutes); with 100k (the argument
//! above) the run takes about a quarter of an hour on a shared 2-core machine: seeding the gateway
//! two minutes, the first sync five, the reference one, the PouchDB peer four.
//!
//! Knobs (environment): `QIANPI_BENCH_DOCUMENTS` (the sizes, `1000,10000`; the first argument
//! overrides it), `QIANPI_POUCHDB_BATCHES` (`500,1000`), `QIANPI_POUCHDB_PEER` (the
//! peer's folder), `QIANPI_TEST_POSTGRES` (a PostgreSQL server: the PostgreSQL gateway too).

mod counting;
mod phone;
mod pouch;
mod seed;

use counting::{CountingProxy, Counts};
use phone::PhoneArgs;
use qianpi_core::protocol::statement::GatewayKey;
use qianpi_gateway::{admin, open_database, start, GatewayConfig, Location};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Errors are plain messages: the bench reports the first one and stops.
type BenchResult<T> = Result<T, String>;

/// The P-4 targets: against the bare insert, against PouchDB's time and bytes.
const TARGET_VS_BARE: f64 = 1.5;
const TARGET_VS_POUCHDB: f64 = 0.5;
/// The P-5 target: one request, at most this many bytes each way.
const TARGET_NOTHING_NEW_BYTES: u64 = 2048;

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| round(a / b, 3))
}

/// What the phone and the proxy saw in one run.
struct PhoneRun {
    steps: Vec<Value>,
    /// Requests and bytes of the first sync, the nothing-new sync, the steady one.
    wire: [Counts; 3],
    /// CPU time this process (the gateway and the proxy) spent during the first sync.
    gateway_cpu_s: Option<f64>,
}

/// The CPU time (user and system) of this process so far, from `/proc/self/stat` (in the
/// kernel's fixed 100 ticks a second); `None` elsewhere. On a machine shared with other work, a
/// wall time above the CPU time is time spent waiting for a core or the disk.
pub(crate) fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (_, after_name) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// The machine's load average over the last minute, where Linux tells it.
fn load() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn step<'a>(run: &'a PhoneRun, name: &str) -> BenchResult<&'a Value> {
    run.steps
        .iter()
        .find(|s| s["step"] == name)
        .ok_or_else(|| format!("the phone did not report {name}"))
}

/// The phone's whole run in its child process, the proxy's counts taken between its steps.
async fn phone_run(args: PhoneArgs, proxy: &CountingProxy) -> BenchResult<PhoneRun> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = tokio::process::Command::new(exe)
        .args(args.to_args())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the phone: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    let mut steps = Vec::new();
    let mut marks = Vec::new();
    let mut cpu = Vec::new();
    while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
        let report: Value =
            serde_json::from_str(&line).map_err(|e| format!("the phone said {line:?}: {e}"))?;
        marks.push(proxy.counts()?);
        cpu.push(cpu_seconds());
        eprintln!("[p4]   phone: {}", report["step"]);
        steps.push(report);
        stdin.write_all(b"go\n").await.map_err(|e| e.to_string())?;
    }
    let status = child.wait().await.map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("the phone failed ({status})"));
    }
    // Marks: activated, first_sync, nothing_new, steady, reference, items.
    if marks.len() < 4 {
        return Err(format!("the phone stopped after {} steps", marks.len()));
    }
    Ok(PhoneRun {
        steps,
        wire: [
            marks[1].since(&marks[0]),
            marks[2].since(&marks[1]),
            marks[3].since(&marks[2]),
        ],
        gateway_cpu_s: cpu[1]
            .zip(cpu[0])
            .map(|(after, before)| round(after - before, 2)),
    })
}

/// The database of one backend: a SQLite folder in `dir`, or a new PostgreSQL database.
async fn database(backend: &str, dir: &Path) -> BenchResult<(Location, Option<String>)> {
    if backend == "sqlite" {
        return Ok((Location::Folder(dir.join("gateway")), None));
    }
    let server = std::env::var("QIANPI_TEST_POSTGRES").map_err(|_| "no PostgreSQL server")?;
    let (location, name) = tokio::task::spawn_blocking(move || {
        qianpi_gateway::db::create_postgres_database(&server, "qianpi_bench")
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot create the bench database: {e}"))?;
    Ok((location, Some(name)))
}

async fn drop_database(name: String) {
    let Ok(server) = std::env::var("QIANPI_TEST_POSTGRES") else {
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
        eprintln!("[p4] could not drop the bench database: {e}");
    }
}

/// One gateway seeded with `documents` flows, and the leader's phone's run against it.
async fn one_gateway(
    backend: &str,
    documents: usize,
    tmp: &Path,
    docs_file: &Path,
) -> BenchResult<(PhoneRun, Value)> {
    let dir = tmp.join(format!("{backend}-{documents}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let (location, pg_name) = database(backend, &dir).await?;
    let mut config = GatewayConfig::new(location, SocketAddr::from(([127, 0, 0, 1], 0)), true);
    config.statement_key = Some(dir.join("statement-key.p8"));
    let gateway = start(config.clone())
        .await
        .map_err(|e| format!("the gateway did not start: {e}"))?;
    let outcome = async {
        let db = open_database(&config)
            .await
            .map_err(|e| format!("cannot open the gateway database: {e}"))?;
        let key_file = config.statement_key_path().map_err(|e| e.to_string())?;
        let key = GatewayKey::from_pkcs8(&std::fs::read(key_file).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        let seeding = Instant::now();
        let people = seed::unit(&db, "p4-unit").await?;
        seed::flows(&db, &people, documents).await?;
        let flows_s = seeding.elapsed().as_secs_f64();
        let notices = documents / 5;
        seed::notices(&db, key, &people, notices).await?;
        let seed_s = seeding.elapsed().as_secs_f64();
        eprintln!(
            "[p4] {backend} {documents}: seeded {documents} flows in {flows_s:.1} s, {notices} notices in {:.1} s",
            seed_s - flows_s
        );
        let proxy = CountingProxy::start(gateway.addr()).await?;
        let code = admin::issue_activation_code(&db, &people.me_login, chrono::Utc::now().timestamp())
            .await
            .map_err(|e| e.message)?;
        let args = PhoneArgs {
            dir: dir.join("phone").display().to_string(),
            proxy_url: proxy.url(),
            gateway_url: gateway.url(),
            login: people.me_login.clone(),
            code,
            docs_file: docs_file.display().to_string(),
        };
        let run = phone_run(args, &proxy).await?;
        let gateway_bytes = gateway_size(&dir);
        Ok::<_, String>((
            run,
            json!({"seed_s": round(seed_s, 1), "gateway_folder_bytes": gateway_bytes}),
        ))
    }
    .await;
    if let Err(e) = gateway.stop().await {
        eprintln!("[p4] stopping the gateway: {e}");
    }
    if let Some(name) = pg_name {
        drop_database(name).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

/// The SQLite gateway's folder size (`None` on PostgreSQL, whose files are the server's).
fn gateway_size(dir: &Path) -> Option<u64> {
    let folder = dir.join("gateway");
    let entries = std::fs::read_dir(folder).ok()?;
    Some(
        entries
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len())
            .sum(),
    )
}

fn build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// The P-4 line of one run.
fn p4_line(
    backend: &str,
    documents: usize,
    run: &PhoneRun,
    seeded: &Value,
    peer: Option<&Value>,
) -> BenchResult<Value> {
    let first = step(run, "first_sync")?;
    let reference = step(run, "reference")?;
    let items = step(run, "items")?;
    let value = first["seconds"].as_f64().unwrap_or(0.0);
    let bare = reference["seconds"].as_f64().unwrap_or(0.0);
    let wire = &run.wire[0];
    let best = peer.map(|p| &p["best"]);
    let pouch_s = best.and_then(|b| b["seconds"].as_f64());
    let pouch_bytes = best.and_then(|b| Some(b["up"].as_u64()? + b["down"].as_u64()?));
    let our_bytes = wire.up + wire.down;
    let vs_pouch = pouch_s.and_then(|p| ratio(value, p));
    let bytes_vs_pouch = pouch_bytes.and_then(|p| ratio(our_bytes as f64, p as f64));
    let vs_bare = ratio(value, bare);
    let peak_kb = first["peak_rss_kb"].as_u64();
    Ok(json!({
        "bench": "p4_first_sync",
        "backend": backend,
        "build": build(),
        "documents": documents,
        "tasks": 3 * documents,
        "notices": documents / 5,
        "value": round(value, 3),
        "unit": "s",
        "reference": round(bare, 3),
        "reference_is": "a bare insert of the same store rows into a keyed SQLCipher database, one transaction",
        "ratio": vs_bare,
        "pouchdb_s": pouch_s.map(|s| round(s, 3)),
        "ratio_to_pouchdb": vs_pouch,
        "pouchdb_batch_size": best.and_then(|b| b["batch_size"].as_u64()),
        "wire_bytes": {"up": wire.up, "down": wire.down, "total": our_bytes},
        "pouchdb_wire_bytes": best.map(|b| json!({"up": b["up"], "down": b["down"], "total": pouch_bytes})),
        "wire_ratio_to_pouchdb": bytes_vs_pouch,
        "requests": wire.requests,
        "request_paths": wire.paths,
        "pouchdb_requests": best.and_then(|b| b["requests"].as_u64()),
        "peak_rss_mb": peak_kb.map(|kb| round(kb as f64 / 1024.0, 1)),
        "rss_before_sync_mb": first["rss_before_kb"].as_u64().map(|kb| round(kb as f64 / 1024.0, 1)),
        "peak_is": "the phone process's VmHWM, reset just before the first sync",
        "peak_reset": first["peak_reset"],
        "phone_cpu_s": first["cpu_s"],
        "gateway_cpu_s": run.gateway_cpu_s,
        "load_1m": load(),
        "per_document_ms": round(value * 1000.0 / documents as f64, 4),
        "changes_pulled": first["pulled"],
        "feed_items": items["items"],
        "feed_json_bytes": items["json_bytes"],
        "store_rows": reference["rows"],
        "store_rows_per_table": reference["rows_per_table"],
        "store_bytes": reference["store_bytes"],
        "receipts_sent": first["receipts_sent"],
        "gateway": seeded,
        "target": {"vs_reference": TARGET_VS_BARE, "vs_pouchdb": TARGET_VS_POUCHDB, "wire_vs_pouchdb": TARGET_VS_POUCHDB},
        "meets_target": vs_bare.is_some_and(|r| r <= TARGET_VS_BARE)
            && vs_pouch.is_some_and(|r| r <= TARGET_VS_POUCHDB)
            && bytes_vs_pouch.is_some_and(|r| r <= TARGET_VS_POUCHDB),
    }))
}

/// The P-5 line of one of the two nothing-new syncs.
fn p5_line(
    backend: &str,
    documents: usize,
    name: &str,
    run: &PhoneRun,
    which: usize,
    peer: Option<&Value>,
) -> BenchResult<Value> {
    let kind = if which == 1 { "nothing_new" } else { "steady" };
    let phone = step(run, kind)?;
    let wire = &run.wire[which];
    let pouch = peer.map(|p| &p["best"][kind]);
    Ok(json!({
        "bench": name,
        "backend": backend,
        "build": build(),
        "documents": documents,
        "value": wire.requests,
        "unit": "requests",
        "reference": pouch.and_then(|p| p["requests"].as_u64()),
        "reference_is": "PouchDB's replication with nothing new after the same first sync",
        "ratio": pouch.and_then(|p| ratio(wire.requests as f64, p["requests"].as_f64()?)),
        "bytes_up": wire.up,
        "bytes_down": wire.down,
        "request_paths": wire.paths,
        "pouchdb_bytes_up": pouch.map(|p| p["up"].clone()),
        "pouchdb_bytes_down": pouch.map(|p| p["down"].clone()),
        "seconds": phone["seconds"].as_f64().map(|s| round(s, 4)),
        "changes_pulled": phone["pulled"],
        "receipts_sent": phone["receipts_sent"],
        "target": {"requests": 1, "bytes_each_way": TARGET_NOTHING_NEW_BYTES},
        "meets_target": wire.requests == 1 && wire.up <= TARGET_NOTHING_NEW_BYTES
            && wire.down <= TARGET_NOTHING_NEW_BYTES,
    }))
}

fn sizes() -> BenchResult<Vec<usize>> {
    let text = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("QIANPI_BENCH_DOCUMENTS").ok())
        .unwrap_or_else(|| "1000,10000".to_owned());
    text.split(',')
        .map(|n| {
            n.trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n >= 8)
                .ok_or_else(|| format!("{n} is not a number of documents (8 or more)"))
        })
        .collect()
}

async fn run() -> BenchResult<()> {
    let sizes = sizes()?;
    let mut backends = vec!["sqlite"];
    if std::env::var_os("QIANPI_TEST_POSTGRES").is_some() {
        backends.push("postgres");
    }
    let peer_missing = pouch::missing();
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut growth: Vec<Value> = Vec::new();
    for &documents in &sizes {
        let docs_file = tmp.path().join(format!("items-{documents}.jsonl"));
        let mut peer: Option<Value> = None;
        for backend in &backends {
            eprintln!("[p4] {backend}: {documents} documents…");
            let (run, seeded) = one_gateway(backend, documents, tmp.path(), &docs_file).await?;
            if peer.is_none() {
                match &peer_missing {
                    Some(reason) => println!(
                        "{}",
                        json!({"bench": "p4_pouchdb_peer", "documents": documents, "measured": false, "reason": reason})
                    ),
                    None => {
                        eprintln!(
                            "[p4] the PouchDB peer on the same {documents} documents' items…"
                        );
                        peer = Some(pouch::run(&docs_file).await?);
                    }
                }
            }
            let p4 = p4_line(backend, documents, &run, &seeded, peer.as_ref())?;
            println!("{p4}");
            if *backend == "sqlite" {
                growth.push(json!({"documents": documents, "per_document_ms": p4["per_document_ms"], "seconds": p4["value"]}));
            }
            let after_first = "p5_nothing_new_after_first_sync";
            println!(
                "{}",
                p5_line(backend, documents, after_first, &run, 1, peer.as_ref())?
            );
            println!(
                "{}",
                p5_line(
                    backend,
                    documents,
                    "p5_nothing_new_steady",
                    &run,
                    2,
                    peer.as_ref()
                )?
            );
        }
        if let Some(peer) = &peer {
            println!(
                "{}",
                json!({"bench": "p4_pouchdb_peer", "documents": documents, "report": peer})
            );
        }
        let _ = std::fs::remove_file(&docs_file);
    }
    if let (Some(first), Some(last)) = (growth.first(), growth.last()) {
        let per = |v: &Value| v["per_document_ms"].as_f64().unwrap_or(0.0);
        let docs = |v: &Value| v["documents"].as_f64().unwrap_or(1.0);
        let secs = |v: &Value| v["seconds"].as_f64().unwrap_or(0.0);
        // Time ∝ documents^exponent between the smallest and the largest size: 1 is linear.
        let exponent = (docs(last) > docs(first) && secs(first) > 0.0).then(|| {
            round(
                (secs(last) / secs(first)).ln() / (docs(last) / docs(first)).ln(),
                3,
            )
        });
        println!(
            "{}",
            json!({
                "bench": "p4_first_sync_growth",
                "backend": "sqlite",
                "build": build(),
                "value": ratio(per(last), per(first)),
                "unit": "per-document time at the largest size / at the smallest",
                "reference": 1.0,
                "reference_is": "linear growth: the same time per document at every size",
                "ratio": ratio(per(last), per(first)),
                "exponent": exponent,
                "sizes": growth,
            })
        );
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--phone") {
        if let Err(e) = PhoneArgs::parse(&args[2..]).and_then(phone::run) {
            eprintln!("first_sync_bench phone: {e}");
            std::process::exit(1);
        }
        return;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("first_sync_bench: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run()) {
        eprintln!("first_sync_bench: {e}");
        std::process::exit(1);
    }
}
