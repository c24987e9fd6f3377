//! P-8 of performance.md: a leader's day over the hostile profile — 800 ms round trip, 64 kbit/s
//! each way and a cut every 32 KB either way, through the tests' fault proxy — against the same
//! day on a clean link through the same proxy, measured in the same run as the reference.
//!
//! The day: the morning sync brings 50 pending items and 3 notices; the leader opens one 48 KB
//! body on demand (downloaded then, resumed across the cuts, read back from the encrypted vault),
//! reads the notices, approves 20 items offline with 200-character opinions, and the evening sync
//! sends it all. The phone is activated beforehand on a clean link (not timed). A run of the sync
//! the link ends is started again after a pause of 200 ms, as a shell would; the count is printed.
//! Afterwards the gateway's own records are read: a command without an accepted verdict is lost,
//! a second verdict, audit entry or trace record of one is a duplicate; both must be 0.
//!
//! The gateway runs in this process on loopback (SQLite in a temporary folder, or PostgreSQL when
//! `QIANPI_TEST_POSTGRES` names a server). Prints one JSON line per day and one for P-8 on
//! stdout; progress on stderr.
//!
//! ```text
//! cargo run --release -p qianpi-tests --example hostile_day
//! ```

use qianpi_core::client::ClientError;
use qianpi_core::model::Attitude;
use qianpi_core::store::LocalTaskState;
use qianpi_gateway::sql::args;
use qianpi_tests::ledger;
use qianpi_tests::office::{opinion, Office};
use qianpi_tests::proxy::{Faults, Proxy};
use qianpi_tests::{Harness, Phone};
use serde_json::json;
use std::time::{Duration, Instant};

/// Errors are plain messages: the bench reports the first one and stops.
type BenchResult<T> = Result<T, String>;

const PENDING: usize = 50;
const APPROVALS: usize = 20;
const NOTICES: usize = 3;
const BODY_BYTES: usize = 48 * 1024;
const OPINION_CHARS: usize = 200;
const ROUND_TRIP: Duration = Duration::from_millis(800);
const BITS_PER_SECOND: u64 = 64_000;
const CUT_EVERY: usize = 32 * 1024;
/// The P-8 target.
const TARGET: Duration = Duration::from_secs(30);
/// The pause after a sync run the link ended.
const RETRY_PAUSE: Duration = Duration::from_millis(200);
/// A day that has not ended by then is reported as failed.
const GIVE_UP: Duration = Duration::from_secs(600);

/// What one day took and what the gateway kept of it.
struct Day {
    wall: Duration,
    phases: Vec<(&'static str, Duration)>,
    sync_runs: usize,
    failed_runs: usize,
    download_tries: usize,
    connections: usize,
    bytes_up: u64,
    bytes_down: u64,
    queued: usize,
    lost: usize,
    duplicated: usize,
    notices_read_at_gateway: i64,
}

/// Syncs until a run ends with nothing left to send; the runs and the failed ones.
async fn sync_until_done(phone: &Phone, started: Instant) -> BenchResult<(usize, usize)> {
    let (mut runs, mut failed) = (0, 0);
    loop {
        if started.elapsed() > GIVE_UP {
            return Err(format!("gave up after {runs} sync runs"));
        }
        runs += 1;
        match phone.client.sync().await {
            Ok(report) if report.outbox_remaining == 0 && !report.push_interrupted => {
                return Ok((runs, failed))
            }
            Ok(_) => {}
            Err(ClientError::Link(_)) => {
                // As a shell does before it tries again.
                failed += 1;
                tokio::time::sleep(RETRY_PAUSE).await;
            }
            Err(other) => return Err(format!("sync: {other}")),
        }
    }
}

/// `len` bytes that do not compress, as a scanned body's do not.
fn body(len: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

async fn day(harness: &Harness, unit: &str, faults: Faults) -> BenchResult<Day> {
    let office = Office::create(harness, unit, 1).await?;
    office
        .own_flows(harness, 0, &format!("{unit}-doc"), PENDING - 1)
        .await?;
    let body = body(BODY_BYTES);
    let (_, sha256) = office
        .flow_with_body(harness, 0, &format!("{unit}-body"), &body)
        .await?;
    for n in 1..=NOTICES {
        office
            .notice(harness, &format!("关于召开第{n}次工作会议的通知"))
            .await?;
    }
    let proxy = Proxy::start(harness.addr()).await?;
    let phone = office
        .phone(harness, 0, &format!("{unit}-phone"), &proxy.url())
        .await?;
    proxy.set(faults);
    let before = proxy.served()[0];
    let carried_before = proxy.carried();

    let started = Instant::now();
    let mut phases = Vec::new();
    let mut mark = Instant::now();
    let mut phase = |name, phases: &mut Vec<_>| {
        phases.push((name, mark.elapsed()));
        mark = Instant::now();
    };
    let (mut sync_runs, mut failed_runs) = sync_until_done(&phone, started).await?;
    let inbox = phone.client.inbox().map_err(|e| e.to_string())?;
    if inbox.len() != PENDING {
        return Err(format!("{} items arrived of {PENDING}", inbox.len()));
    }
    phase("morning_sync", &mut phases);

    let mut download_tries = 0;
    loop {
        download_tries += 1;
        match phone.client.download(&sha256).await {
            Ok(_) => break,
            Err(ClientError::Link(_)) if started.elapsed() < GIVE_UP => {}
            Err(other) => return Err(format!("download: {other}")),
        }
    }
    let mut opened = Vec::new();
    phone
        .client
        .read_file(&sha256, &mut opened)
        .map_err(|e| e.to_string())?;
    if opened != body {
        return Err("the body read back differs from the one uploaded".into());
    }
    phase("body_opened", &mut phases);

    let notices = phone.client.notices(20, 0).map_err(|e| e.to_string())?;
    if notices.len() != NOTICES {
        return Err(format!("{} notices arrived of {NOTICES}", notices.len()));
    }
    for notice in &notices {
        phone.client.notice(&notice.id).map_err(|e| e.to_string())?;
    }
    let mut queued = Vec::new();
    let pending = inbox
        .iter()
        .filter(|t| t.state == LocalTaskState::Pending && t.can_approve);
    for (n, task) in pending.take(APPROVALS).enumerate() {
        let text = opinion(n, OPINION_CHARS);
        let command = phone
            .client
            .approve(&task.task_id, Attitude::Agree, &text)
            .map_err(|e| e.to_string())?;
        queued.push(command.command_id);
    }
    if queued.len() != APPROVALS {
        return Err(format!("only {} items could be approved", queued.len()));
    }
    phase("offline_work", &mut phases);

    let (runs, failed) = sync_until_done(&phone, started).await?;
    sync_runs += runs;
    failed_runs += failed;
    phase("evening_sync", &mut phases);
    let wall = started.elapsed();
    let carried = proxy.carried();

    let kept = kept_at_gateway(harness, &office, &queued).await?;
    Ok(Day {
        wall,
        phases,
        sync_runs,
        failed_runs,
        download_tries,
        connections: proxy.served()[0] - before,
        bytes_up: carried.0 - carried_before.0,
        bytes_down: carried.1 - carried_before.1,
        queued: queued.len(),
        lost: kept.0,
        duplicated: kept.1,
        notices_read_at_gateway: kept.2,
    })
}

/// Of the commands `queued`: how many the gateway has no accepted verdict for (lost), how many
/// verdicts, audit entries or trace records it holds beyond one each (duplicated), and how many
/// of the leader's notices it knows he read.
async fn kept_at_gateway(
    harness: &Harness,
    office: &Office,
    queued: &[String],
) -> BenchResult<(usize, usize, i64)> {
    let queued = queued.to_vec();
    let leader = office.leaders[0].id.clone();
    harness
        .db
        .tx(move |sql| {
            let (lost, duplicated) = ledger::lost_and_duplicated(sql, &queued)?;
            let read = sql.query_one(
                "SELECT count(*) FROM notice_recipients WHERE user_id = ?1 AND read_at IS NOT NULL",
                args![&leader],
            )?;
            Ok((lost, duplicated, read.int(0)?))
        })
        .await
        .map_err(|e| e.message)
}

fn seconds(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

fn line(name: &str, faults: &str, day: &Day) -> serde_json::Value {
    let phases: serde_json::Map<_, _> = day
        .phases
        .iter()
        .map(|(name, d)| ((*name).to_owned(), json!(seconds(*d))))
        .collect();
    json!({
        "bench": name,
        "link": faults,
        "wall_s": seconds(day.wall),
        "phases_s": phases,
        "commands": day.queued,
        "lost": day.lost,
        "duplicated": day.duplicated,
        "notices_read_at_gateway": day.notices_read_at_gateway,
        "sync_runs": day.sync_runs,
        "failed_sync_runs": day.failed_runs,
        "download_tries": day.download_tries,
        "connections": day.connections,
        "bytes_up": day.bytes_up,
        "bytes_down": day.bytes_down,
    })
}

async fn run() -> BenchResult<()> {
    let harness = Harness::start().await?;
    let backend = if harness.shares_its_database() {
        "postgres"
    } else {
        "sqlite"
    };
    eprintln!("the reference day on a clean link…");
    let reference = day(&harness, "p8-clean", Faults::default()).await?;
    println!("{}", line("p8_day_clean_link", "none", &reference));
    eprintln!("the day over the hostile profile…");
    let hostile_faults = Faults::hostile(ROUND_TRIP, BITS_PER_SECOND, CUT_EVERY);
    let hostile = day(&harness, "p8-hostile", hostile_faults).await?;
    let profile = "800 ms round trip, 64 kbit/s each way, a cut every 32 KB either way";
    println!("{}", line("p8_day_hostile_link", profile, &hostile));
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "{}",
        json!({
            "bench": "p8_leader_day",
            "backend": backend,
            "build": build,
            "value": seconds(hostile.wall),
            "unit": "s",
            "reference": seconds(reference.wall),
            "ratio": (hostile.wall.as_secs_f64() / reference.wall.as_secs_f64().max(1e-9) * 10.0).round() / 10.0,
            "lost": hostile.lost + reference.lost,
            "duplicated": hostile.duplicated + reference.duplicated,
            "target": { "wall_s": TARGET.as_secs(), "lost": 0, "duplicated": 0 },
            "meets_target": hostile.wall <= TARGET
                && hostile.lost + reference.lost == 0
                && hostile.duplicated + reference.duplicated == 0,
        })
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("hostile_day: {e}");
        std::process::exit(1);
    }
}
