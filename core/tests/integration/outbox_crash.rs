//! S-6 — a phone killed in the middle of queuing approvals (the OS reclaiming the app, a flat
//! battery seen from the app's side) never loses an approval it reported as queued, never keeps
//! half of one, and never breaks the device's chain of signed records.
//!
//! How: the test re-runs its own binary as a child process told (through `QIANPI_CRASH_CHILD`) to
//! unlock a data folder and queue signed commands in a loop, printing `@committed <counter>` after
//! each `Store::enqueue` returns. The parent kills it with SIGKILL 200 times at pseudo-random
//! moments (a seeded xorshift: a failure replays with `QIANPI_CRASH_SEED`), mostly while it
//! writes, sometimes while it is still starting (unlocking, migrating, filing its first page).
//! After each kill the parent unlocks the folder itself and checks:
//!
//! - the outbox holds counters 1..n, in order, no gap, no duplicate;
//! - every entry decodes whole: the store reads back its signed command, task id, counter, hash
//!   and creation time; an entry new since the last round has its signature verified (so every
//!   byte of the record is there) and its record agrees with the entry (counter, command id,
//!   task, command, time); an older entry is byte for byte what was verified before;
//! - the chain is unbroken: each record names the previous entry's hash and each entry's stored
//!   hash is its record's; the device state continues it (next counter n + 1, last hash that of
//!   entry n);
//! - nothing committed is lost: every counter the child reported is stored, and at most one
//!   more (a commit whose log write landed before the kill, reported or not);
//! - SQLCipher's page check and SQLite's integrity check pass.
//!
//! The records are built and signed (by the software vault's approval key) as the client does,
//! each naming the previous record's hash, so the chain is checked from the entries alone.

// Test code: a failed expectation panics with its reason (clippy allows this inside `#[test]`
// functions only; the helpers here are test code too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_core::keys::{DeviceSigner as _, APPROVAL_KEY_ALIAS};
use qianpi_core::protocol::{CommandRecord, InboxEntry};
use qianpi_core::session::{self, Unlocked};
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::store::{OutboxRow, Store};
use qianpi_core::workflow::Instance;
use std::io::{BufRead, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::support;
use support::{
    account, approve_command, approved, command_id, fresh_entry, page, seconds, signed_approval,
    t0, PASSPHRASE,
};

/// Tells the child test which data folder to hammer; without it the child test does nothing.
const CHILD_ENV: &str = "QIANPI_CRASH_CHILD";
/// Overrides the kill schedule's seed, to replay a failing run.
const SEED_ENV: &str = "QIANPI_CRASH_SEED";
/// The child test's name, as libtest's `--exact` wants it (its path in the test binary).
const CHILD_TEST: &str = "outbox_crash::child_queues_signed_commands_until_killed";
const ROUNDS: usize = 200;
/// Pulled entries the child acts on, round robin.
const ENTRIES: usize = 50;
/// The cursor of the child's one pulled page: stored with the page, so it says the page is in.
const SETUP_CURSOR: &str = "setup-page-1";
const OPINION: &str = "同意，请办公室按程序办理。";
/// What the child prints once it is about to write, and after each commit (with the counter).
const READY: &str = "@child-ready";
const COMMITTED: &str = "@committed ";
/// A child left running by accident stops by itself after this.
const CHILD_LIFETIME: Duration = Duration::from_secs(60);

/// The data folder's key vault lives beside it, as a phone's keystore lives outside the app data.
fn vault_dir(data: &Path) -> PathBuf {
    data.with_file_name("vault")
}

/// The entries the child files once and acts on; the same every run.
fn entries() -> Vec<InboxEntry> {
    (0..ENTRIES)
        .map(|i| {
            fresh_entry(
                &format!("doc-{i:03}"),
                &format!("关于春耕备耕工作的通知（{i}）"),
                t0(),
            )
        })
        .collect()
}

/// The entry the command with device counter `counter` acts on.
fn entry_of(entries: &[InboxEntry], counter: u64) -> &InboxEntry {
    &entries[usize::try_from((counter - 1) % ENTRIES as u64).unwrap()]
}

fn created_at(counter: u64) -> chrono::DateTime<chrono::Utc> {
    seconds(i64::try_from(counter).unwrap())
}

/// The child: unlocks the folder, sets it up the first time, then queues commands until killed.
#[test]
fn child_queues_signed_commands_until_killed() {
    let Some(data) = std::env::var_os(CHILD_ENV) else {
        // A normal run: this test is only the parent's worker.
        return;
    };
    let data = PathBuf::from(data);
    let started = Instant::now();
    let vault = SoftwareKeyVault::open(&vault_dir(&data), PASSPHRASE).unwrap();
    let Unlocked { mut store, .. } = session::unlock(&data, &vault).unwrap();
    if store.account().unwrap().is_none() {
        store.save_account(&account(), 0).unwrap();
    }
    let entries = entries();
    let (_, state) = store.account().unwrap().unwrap();
    if state.cursor != SETUP_CURSOR {
        store
            .apply_page_at(&page(&entries, SETUP_CURSOR), t0())
            .unwrap();
    }
    let locals: Vec<Instance> = entries.iter().map(|e| approved(e, OPINION, t0())).collect();
    println!("{READY}");
    while started.elapsed() < CHILD_LIFETIME {
        // As the client does: the chain state read, the record signed, then queued in one
        // transaction that also advances the chain.
        let (_, state) = store.account().unwrap().unwrap();
        let counter = state.next_counter;
        let i = usize::try_from((counter - 1) % ENTRIES as u64).unwrap();
        let row = signed_approval(
            &vault,
            &entries[i],
            OPINION,
            counter,
            &state.last_record_hash,
            created_at(counter),
        );
        store.enqueue(&row, &locals[i]).unwrap();
        println!("{COMMITTED}{counter}");
    }
    panic!("the crash test's child was never killed");
}

/// A tiny deterministic generator (xorshift64) for the kill schedule.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform enough in `low..high` for a schedule.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }
}

/// Kills the child if the parent fails before it meant to, so no worker outlives the test.
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What one round's child said before it died.
struct Said {
    ready: bool,
    /// How long it took from spawn to ready (Argon2, unlock, WAL recovery), when measured.
    ready_after: Option<Duration>,
    /// The counters it reported committed, in order.
    committed: Vec<u64>,
}

/// Spawns the child, kills it after the planned delay, and returns what it printed.
fn run_round(data: &Path, wait_until_ready: bool, delay: Duration) -> Said {
    let spawned = Instant::now();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut worker = Worker(child);
    let stdout = worker.0.stdout.take().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    let reader = thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = worker.0.stderr.take().unwrap();
    let complaints = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut said = Said {
        ready: false,
        ready_after: None,
        committed: Vec::new(),
    };
    if wait_until_ready {
        // Starting includes Argon2 and, the first time, filing a page: its length depends on
        // the machine's load, so the clock starts once the child is ready to write.
        let deadline = spawned + Duration::from_secs(60);
        while !said.ready {
            let left = deadline.saturating_duration_since(Instant::now());
            // On a timeout or an early death, the kill below and the stderr report follow.
            let Ok(line) = lines.recv_timeout(left) else {
                break;
            };
            hear(line, &mut said);
        }
        said.ready_after = said.ready.then(|| spawned.elapsed());
        if said.ready {
            thread::sleep(delay);
        }
    } else {
        thread::sleep(delay);
    }
    // On unix this is SIGKILL: no destructor, no flush, no rollback runs in the child.
    worker.0.kill().unwrap();
    let status = worker.0.wait().unwrap();
    reader.join().unwrap();
    let complaints = complaints.join().unwrap();
    assert!(
        killed_by_signal(status),
        "the child ended by itself ({status}) before the kill:\n{complaints}"
    );
    assert!(
        said.ready || !wait_until_ready,
        "the child never became ready:\n{complaints}"
    );
    for line in lines.try_iter() {
        hear(line, &mut said);
    }
    said
}

/// Takes in one line the child printed.
fn hear(line: String, said: &mut Said) {
    // libtest prints `test <name> ... ` before the test's own output, on the same line.
    if line.ends_with(READY) {
        said.ready = true;
    } else if let Some((_, counter)) = line.split_once(COMMITTED) {
        said.committed.push(counter.parse().unwrap());
    }
}

#[cfg(unix)]
fn killed_by_signal(status: std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt as _;
    status.signal().is_some()
}

#[cfg(not(unix))]
fn killed_by_signal(status: std::process::ExitStatus) -> bool {
    !status.success()
}

/// What the previous rounds established: the outbox as it was, every entry of it verified.
#[derive(Default)]
struct Progress {
    rows: Vec<OutboxRow>,
}

impl Progress {
    fn last_hash(&self) -> &str {
        self.rows.last().map_or("", |row| row.record_hash.as_str())
    }
}

/// Unlocks the folder as the app would after the crash and checks every promise of the outbox.
/// Entries new since the last round are verified whole (signature, record, chain link); older
/// ones must be byte for byte what was verified then. Returns the new progress.
fn check_after_crash(
    data: &Path,
    vault: &SoftwareKeyVault,
    approval_key: &[u8],
    entries: &[InboxEntry],
    before: Progress,
    said: &Said,
    round: usize,
) -> Progress {
    let Unlocked { store, .. } = session::unlock(data, vault)
        .unwrap_or_else(|e| panic!("round {round}: the folder does not unlock after a kill: {e}"));
    let Some((_, state)) = store.account().unwrap() else {
        // Killed before the account was ever saved: nothing can be queued either.
        assert_eq!(store.outbox_len().unwrap(), 0, "round {round}");
        assert!(
            before.rows.is_empty(),
            "round {round}: the account vanished"
        );
        return before;
    };
    // Every entry decodes: its signed command, task id, counter, hash and creation time.
    let outbox = store.outbox().unwrap_or_else(|e| {
        panic!("round {round}: an outbox entry does not decode after a kill: {e}")
    });
    let n = outbox.len() as u64;
    assert!(
        outbox.len() >= before.rows.len(),
        "round {round}: {} committed entries became {n}",
        before.rows.len()
    );
    let mut prev_hash = String::new();
    for (i, row) in outbox.iter().enumerate() {
        let counter = i as u64 + 1;
        assert_eq!(
            row.counter, counter,
            "round {round}: gap, duplicate or disorder"
        );
        if let Some(kept) = before.rows.get(i) {
            assert_eq!(
                row, kept,
                "round {round}: committed entry {counter} changed"
            );
        } else {
            check_new_entry(row, counter, &prev_hash, approval_key, entries, round);
        }
        prev_hash.clone_from(&row.record_hash);
    }
    assert_eq!(
        state.next_counter,
        n + 1,
        "round {round}: the device counter does not continue the outbox"
    );
    assert_eq!(
        state.last_record_hash, prev_hash,
        "round {round}: the device's last hash is not the last entry's"
    );
    // Every commit the child reported survived; at most one more (killed before saying so).
    let reported = said
        .committed
        .last()
        .copied()
        .unwrap_or(before.rows.len() as u64);
    if let Some(first) = said.committed.first() {
        assert_eq!(
            *first,
            before.rows.len() as u64 + 1,
            "round {round}: the child did not continue the chain"
        );
    }
    assert!(
        n == reported || n == reported + 1,
        "round {round}: the child reported {reported} committed, the store holds {n}"
    );
    store
        .check_integrity()
        .unwrap_or_else(|e| panic!("round {round}: integrity check failed: {e}"));
    drop::<Store>(store);
    Progress { rows: outbox }
}

/// An entry first seen this round: its signature verifies (so every byte of the record is
/// there), its record agrees with the entry and names the previous entry's hash, and its stored
/// hash is its record's.
fn check_new_entry(
    row: &OutboxRow,
    counter: u64,
    prev_hash: &str,
    approval_key: &[u8],
    entries: &[InboxEntry],
    round: usize,
) {
    let record: CommandRecord = row.command.verify(approval_key).unwrap_or_else(|e| {
        panic!("round {round}: entry {counter}'s signed record is damaged: {e}")
    });
    assert_eq!(
        record.prev_record_hash, prev_hash,
        "round {round}: the chain breaks at entry {counter}"
    );
    assert_eq!(
        row.record_hash,
        row.command.record_hash().unwrap(),
        "round {round}: entry {counter}'s stored hash is not its record's"
    );
    assert_eq!(record.device.counter, counter, "round {round}");
    assert_eq!(record.command_id, command_id(counter), "round {round}");
    let entry = entry_of(entries, counter);
    assert_eq!(row.task_id, entry.task_id, "round {round}");
    assert_eq!(record.task_id, entry.task_id, "round {round}");
    assert_eq!(
        record.command,
        approve_command(entry, OPINION),
        "round {round}"
    );
    assert_eq!(row.created_at, created_at(counter), "round {round}");
    assert_eq!(record.time.created_at, created_at(counter), "round {round}");
    assert_eq!(row.decided_offline, counter % 2 == 0, "round {round}");
}

#[test]
fn a_store_killed_200_times_mid_write_keeps_every_committed_outbox_entry_whole_and_chained() {
    if std::env::var_os(CHILD_ENV).is_some() {
        // This binary is the child of another run of this test.
        return;
    }
    let seed = std::env::var(SEED_ENV)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_cafe_f00d_u64);
    eprintln!("kill schedule seed {seed} (set {SEED_ENV} to replay)");
    let mut rng = XorShift(seed.max(1));
    let root = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let data = root.path().join("data");
    // The parent keeps its vault open across rounds (one Argon2 run), and creates the vault's
    // salt and the approval key before any child could be killed while creating them.
    let vault = SoftwareKeyVault::open(&vault_dir(&data), PASSPHRASE).unwrap();
    let approval_key = vault.create_key(APPROVAL_KEY_ALIAS.to_owned()).unwrap();
    let entries = entries();

    let started = Instant::now();
    let mut progress = Progress::default();
    let mut writing_kills = 0;
    let mut startup_kills = 0;
    let mut unreported_commits = 0;
    let mut startup = Vec::new();
    for round in 0..ROUNDS {
        // One round in five kills at any moment from the start (unlock, migrations, the first
        // page, WAL recovery after the previous kill); the others once the child writes.
        let (wait_until_ready, delay) = if rng.next() % 5 == 0 {
            (false, rng.between(0, 250))
        } else {
            (true, rng.between(3, 130))
        };
        let said = run_round(&data, wait_until_ready, Duration::from_millis(delay));
        if said.committed.is_empty() {
            startup_kills += 1;
        } else {
            writing_kills += 1;
        }
        startup.extend(said.ready_after);
        let reported = said.committed.last().copied();
        progress = check_after_crash(
            &data,
            &vault,
            &approval_key,
            &entries,
            progress,
            &said,
            round,
        );
        if reported.is_some_and(|r| r < progress.rows.len() as u64) {
            unreported_commits += 1;
        }
    }
    startup.sort();
    eprintln!(
        "a child is ready to write {:.0?} after its spawn (median; slowest {:.0?})",
        startup[startup.len() / 2],
        startup[startup.len() - 1]
    );
    eprintln!(
        "{ROUNDS} kills in {:.1?}: {writing_kills} while writing, {startup_kills} before the \
         first commit of their round, {unreported_commits} with their last transaction \
         already in the log (killed inside the commit's sync, or before its report); {} outbox entries whole and chained (last hash {})",
        started.elapsed(),
        progress.rows.len(),
        progress.last_hash()
    );
    assert!(
        writing_kills >= 150,
        "only {writing_kills} of {ROUNDS} kills landed while the child was writing"
    );
}
