//! P-6 of performance.md: a leader's 1,000 offline approvals pushed to a gateway on loopback,
//! target ≤ 3 s with each applied exactly once, against the reference measured in the same run:
//! the same pushes decided one transaction per command (the gateway's `group_commit` off), as
//! every push was before group commit.
//!
//! For each of the two gateways (reference first): a unit whose leader has 1,000 flows waiting,
//! his phone synced and the 1,000 approvals queued offline (not timed). Timed: the phone's outbox
//! pushed as the phone pushes it — signed, gzip-compressed `POST /v1/commands` requests of its
//! batch size (32), one after the other, each answered with its verdicts. Then the phone's own sync settles its outbox (resending
//! everything: each command must get its stored verdict) and the gateway's records are read: a
//! command without an accepted verdict, trace record or audit entry is lost, a second one of any
//! is a duplicate; both must be 0, and the audit chain intact.
//!
//! The phone's store turns SQLCipher's memory security on, and it holds for the whole process
//! (once on, SQLCipher keeps it on): the SQLite gateway here then locks, wipes and unlocks every
//! allocation, which a gateway in a process of its own does not, so its figures are on the
//! pessimistic side. The PostgreSQL gateway does not use SQLite.
//!
//! The gateway runs in this process (SQLite in a temporary folder, or PostgreSQL when
//! `QIANPI_TEST_POSTGRES` names a server). One JSON line per gateway and one for P-6 on stdout;
//! progress on stderr.
//!
//! ```text
//! cargo run --release -p qianpi-tests --example push_bench
//! ```

use qianpi_core::model::Attitude;
use qianpi_core::protocol::{CommandBatch, PushResponse, SignedCommand};
use qianpi_core::store::LocalTaskState;
use qianpi_gateway::audit;
use qianpi_tests::ledger;
use qianpi_tests::office::Office;
use qianpi_tests::{send_signed, Harness, Phone};
use serde_json::json;
use std::time::{Duration, Instant};

/// Errors are plain messages: the bench reports the first one and stops.
type BenchResult<T> = Result<T, String>;

const APPROVALS: usize = 1000;
/// The phone's push batch (`PUSH_BATCH` in the core's push).
const BATCH: usize = 32;
/// The P-6 target.
const TARGET: Duration = Duration::from_secs(3);

/// What one gateway took and kept.
struct Run {
    push: Duration,
    /// CPU time this process (gateway and phone) spent during the push, where Linux tells it.
    push_cpu: Option<Duration>,
    requests: usize,
    accepted: usize,
    settle: Duration,
    lost: usize,
    duplicated: usize,
    audit_intact: bool,
}

/// A leader's phone with `APPROVALS` approvals queued offline.
async fn queued_phone(harness: &Harness, unit: &str) -> BenchResult<Phone> {
    let office = Office::create(harness, unit, 1).await?;
    office
        .own_flows(harness, 0, &format!("{unit}-doc"), APPROVALS)
        .await?;
    let phone = office
        .phone(harness, 0, &format!("{unit}-phone"), &harness.url())
        .await?;
    phone.client.sync().await.map_err(|e| e.to_string())?;
    // The inbox lists at most 500 items, pending first: approve page after page.
    let mut approved = std::collections::HashSet::new();
    while approved.len() < APPROVALS {
        let inbox = phone.client.inbox().map_err(|e| e.to_string())?;
        let pending: Vec<String> = inbox
            .into_iter()
            .filter(|t| t.state == LocalTaskState::Pending && t.can_approve)
            .map(|t| t.task_id)
            .filter(|id| !approved.contains(id))
            .collect();
        if pending.is_empty() {
            return Err(format!(
                "{} items could be approved of {APPROVALS}",
                approved.len()
            ));
        }
        for task in pending {
            phone
                .client
                .approve(&task, Attitude::Agree, "同意")
                .map_err(|e| e.to_string())?;
            approved.insert(task);
        }
    }
    Ok(phone)
}

async fn push(
    harness: &Harness,
    phone: &Phone,
    commands: &[SignedCommand],
) -> BenchResult<PushResponse> {
    let json = serde_json::to_vec(&CommandBatch {
        commands: commands.to_vec(),
    })
    .map_err(|e| e.to_string())?;
    // Compressed as the phone compresses its pushes; the signature covers the bytes as sent.
    let body = qianpi_core::link::gzip(&json).map_err(|e| e.to_string())?;
    let response = send_signed(
        &format!("{}v1/commands", harness.url()),
        reqwest::Method::POST,
        body,
        &phone.credentials(),
        chrono::Utc::now(),
        |headers| headers.push(("content-encoding", "gzip".to_owned())),
    )
    .await;
    if response.status() != 200 {
        return Err(format!("a push answered {}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

async fn run_one(group_commit: bool, unit: &str) -> BenchResult<Run> {
    let harness = Harness::start_with(|config| config.group_commit = group_commit).await?;
    eprintln!("{unit}: 1,000 flows and the phone's offline approvals…");
    let phone = queued_phone(&harness, unit).await?;
    let commands: Vec<SignedCommand> = phone
        .client
        .outbox()
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|row| row.command)
        .collect();
    if commands.len() != APPROVALS {
        return Err(format!(
            "{} approvals queued of {APPROVALS}",
            commands.len()
        ));
    }
    eprintln!("{unit}: pushing…");
    let started = Instant::now();
    let cpu_before = cpu_time();
    let mut accepted = 0;
    let mut requests = 0;
    for batch in commands.chunks(BATCH) {
        let answer = push(&harness, &phone, batch).await?;
        requests += 1;
        if answer.verdicts.len() != batch.len() {
            return Err(format!(
                "{} verdicts for {} commands",
                answer.verdicts.len(),
                batch.len()
            ));
        }
        accepted += answer
            .verdicts
            .iter()
            .filter(|v| v.outcome.is_accepted())
            .count();
    }
    let push_took = started.elapsed();
    let push_cpu = cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));

    let settling = Instant::now();
    phone.client.sync().await.map_err(|e| e.to_string())?;
    let settle = settling.elapsed();
    let left = phone.client.outbox().map_err(|e| e.to_string())?.len();
    if left != 0 {
        return Err(format!("{left} commands left in the outbox after the sync"));
    }
    let ids: Vec<String> = commands.iter().map(|c| c.command_id.clone()).collect();
    let (lost, duplicated, audit_intact) = kept_at_gateway(&harness, ids).await?;
    Ok(Run {
        push: push_took,
        push_cpu,
        requests,
        accepted,
        settle,
        lost,
        duplicated,
        audit_intact,
    })
}

/// Of the commands `queued`: how many lack an accepted verdict, a trace record or an audit entry
/// at the gateway (lost), how many such rows it holds beyond one each (duplicated), and whether
/// the audit chain is intact.
async fn kept_at_gateway(
    harness: &Harness,
    queued: Vec<String>,
) -> BenchResult<(usize, usize, bool)> {
    harness
        .db
        .tx(move |sql| {
            let (lost, duplicated) = ledger::lost_and_duplicated(sql, &queued)?;
            let intact = matches!(audit::verify(sql)?, audit::Verdict::Intact { .. });
            Ok((lost, duplicated, intact))
        })
        .await
        .map_err(|e| e.message)
}

/// The CPU time (user and system) of this process so far, from `/proc/self/stat` (in the kernel's
/// fixed 100 ticks a second); `None` elsewhere. On a machine shared with other work, the push's
/// wall time above its CPU time is time spent waiting for a core or the disk.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (_, after_name) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
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

fn seconds(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

fn line(name: &str, transactions: &str, run: &Run) -> serde_json::Value {
    json!({
        "bench": name,
        "transactions": transactions,
        "approvals": APPROVALS,
        "push_s": seconds(run.push),
        "push_cpu_s": run.push_cpu.map(seconds),
        "requests": run.requests,
        "accepted": run.accepted,
        "settle_sync_s": seconds(run.settle),
        "lost": run.lost,
        "duplicated": run.duplicated,
        "audit_intact": run.audit_intact,
    })
}

async fn run() -> BenchResult<()> {
    let backend = if std::env::var_os("QIANPI_TEST_POSTGRES").is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let reference = run_one(false, "p6-reference").await?;
    println!(
        "{}",
        line("p6_push_per_command", "one per command", &reference)
    );
    let grouped = run_one(true, "p6-grouped").await?;
    println!("{}", line("p6_push_group_commit", "one per push", &grouped));
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let exact = |run: &Run| run.lost == 0 && run.duplicated == 0 && run.audit_intact;
    println!(
        "{}",
        json!({
            "bench": "p6_offline_approvals_pushed",
            "backend": backend,
            "build": build,
            "load_1m": load(),
            "value": seconds(grouped.push),
            "unit": "s",
            "reference": seconds(reference.push),
            "reference_is": "the same pushes decided one transaction per command",
            "ratio": (grouped.push.as_secs_f64() / reference.push.as_secs_f64().max(1e-9) * 100.0).round() / 100.0,
            "lost": grouped.lost + reference.lost,
            "duplicated": grouped.duplicated + reference.duplicated,
            "target": { "push_s": TARGET.as_secs(), "lost": 0, "duplicated": 0 },
            "meets_target": grouped.push <= TARGET && exact(&grouped) && exact(&reference),
        })
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("push_bench: {e}");
        std::process::exit(1);
    }
}
