//! Benchmark: the phone's encrypted store (performance.md P-1, P-2, P-3; one JSON line per figure,
//! each with its reference measured in the same run).
//!
//! - P-1: 10,000 pulled inbox entries (three process definitions, instances one to four steps in,
//!   each document with a body version and an attachment) applied with `apply_page_at` in pages
//!   of 200 into a fresh encrypted store; rows written per second, counted in the tables
//!   afterwards. Reference: the very same rows, copied out of that store, bulk-inserted with
//!   prepared statements in one transaction into a fresh encrypted database with the same schema
//!   and connection settings (`cipher_memory_security` included: security.md requires it, and
//!   SQLCipher applies it to the whole process once any connection turns it on).
//! - P-2: 待办 first page (`list(Todo, 50, 0)`) from a store of 100,000 documents and 300,000 tasks
//!   (25,000 of them in this user's 待办), built through `apply_page_at` as a real first sync
//!   would; p99 and p50 over 1,000 warm queries; and the first query after each of 200 unlocks
//!   (`Store::open` with the key: a new connection, nothing prepared, an empty page cache), with
//!   the open's own time beside it.
//!   Reference: the same SQL (`lists.rs`, with the user lookup `list` makes first) on a plain
//!   (unencrypted) SQLite copy made by `sqlcipher_export`, in a fresh process so that SQLCipher's
//!   process-wide memory security does not tax it; the plain copy is also timed in this process
//!   (`plain_with_memory_security_*`) to tell decryption from memory security.
//! - P-3: cold start on the P-2 store: unwrap the data key through the software key vault
//!   (already opened; the phone's keystore), open the store and its file vault with it, read the
//!   first 待办 page, each part timed; each run is a fresh child process (this program re-run
//!   with `--cold-start`), timing itself from inside, alternated with runs that call
//!   `session::unlock` as the app does.
//! - P-4: the lists screen after an observed change: on the P-2 store, one new 待办 filed at a
//!   time, the watch channel reporting it, every badge and the first 50 rows read again
//!   (`lists_overview`); reference: the same read with nothing changed.
//!
//! Progress goes to stderr, the JSON lines to stdout. About two minutes on a 2-core machine.
//!
//! Run: `cargo run --release -p qianpi-core --example store_bench` (`-- --p1` for P-1 alone,
//! `-- --p2` for P-2 and P-3 alone). `QIANPI_BENCH_STORE_DIR=<folder>` builds the P-2 store there
//! and reuses it on the next run instead of building it again (P-4 adds its documents to it).

// A benchmark program: a broken invariant must stop it loudly rather than print a figure.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "../common/account.rs"]
mod account;
use account::{account, ME};
use chrono::{DateTime, Duration, Utc};
use qianpi_core::keys::{self, DataKey};
use qianpi_core::model::{
    Attachment, BodyFormat, BodyStage, BodyVersion, Document, DocumentKind, DocumentNumber,
    SecrecyLevel, Urgency,
};
use qianpi_core::protocol::{Change, InboxEntry, SyncPage};
use qianpi_core::session;
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::store::{ListKind, Store};
use qianpi_core::workflow::{
    execute, Actor, Command, Env, Instance, Node, Opinion, Outcome, ProcessDefinition, Submission,
};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use std::path::Path;
use std::process::Command as Process;
use std::time::Instant;

mod data;
mod p1;
mod p2;
mod p3;
mod p4;

use data::*;
use p1::*;
use p2::*;
use p3::*;
use p4::*;

/// The signed-in user: 王局长.
/// The phone's pull page size.
const PAGE: usize = 200;
/// P-1's number of pulled entries.
const P1_ENTRIES: usize = 10_000;
/// P-2's number of documents (one instance of three tasks each).
const P2_DOCUMENTS: usize = 100_000;
/// Timed repetitions of the first 待办 page.
const P2_QUERIES: usize = 1_000;
/// Unlocks (a new connection each) whose first 待办 page is timed.
const P2_UNLOCKS: usize = 200;
/// Cold-start runs, each in a fresh process.
const P3_RUNS: usize = 20;
const PASSPHRASE: &str = "bench passphrase 签批";
/// Every table `apply_page_at` writes, parents before children (the foreign keys' order).
const FEED_TABLES: &[&str] = &[
    "documents",
    "body_versions",
    "attachments",
    "definitions",
    "instances",
    "tasks",
    "opinions",
    "trace",
    "read_items",
    "sync_cursors",
];

/// A raw connection keyed and configured exactly as the store's own (`store/cipher.rs`), so that a
/// reference differs from the store only in what the store's code does.
pub(crate) fn open_raw(path: &Path, key: &DataKey) -> Connection {
    let conn = Connection::open(path).expect("open");
    let literal = key.sqlcipher_key_literal();
    conn.execute_batch(&format!("PRAGMA key = \"{}\";", literal.as_str()))
        .expect("key");
    conn.execute_batch(
        "PRAGMA cipher_memory_security = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )
    .expect("pragmas");
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .expect("wal");
    assert_eq!(mode, "wal");
    conn.execute_batch("PRAGMA synchronous = FULL;")
        .expect("synchronous");
    conn
}

pub(crate) fn count(conn: &Connection, table: &str) -> u64 {
    let n: i64 = conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count");
    u64::try_from(n).expect("a count is positive")
}

pub(crate) fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The value at quantile `q` of sorted `values`.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// One figure: the five keys, then extra fields (already JSON-encoded values).
pub(crate) fn line(
    bench: &str,
    value: f64,
    unit: &str,
    reference: Option<f64>,
    extra: &[(&str, String)],
) {
    let num = |v: f64| {
        if v >= 1000.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.3}")
        }
    };
    let (reference, ratio) = match reference {
        Some(r) => (num(r), format!("{:.3}", value / r)),
        None => ("null".to_owned(), "null".to_owned()),
    };
    let mut out = format!(
        "{{\"bench\": \"{bench}\", \"value\": {}, \"unit\": \"{unit}\", \"reference\": {reference}, \"ratio\": {ratio}",
        num(value)
    );
    for (key, value) in extra {
        out.push_str(&format!(", \"{key}\": {value}"));
    }
    out.push('}');
    println!("{out}");
}

pub(crate) fn json_str(text: &str) -> String {
    serde_json::to_string(text).expect("a string encodes")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--cold-start") => {
            return cold_start_child(Path::new(&args[2]), Path::new(&args[3]), &args[4])
        }
        Some("--plain-reference") => return plain_reference_child(Path::new(&args[2])),
        _ => {}
    }
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let defs = definitions();
    let only = args.get(1).map(String::as_str);
    if only != Some("--p2") {
        apply_rate(&defs, tmp.path());
    }
    // `--p1`: the apply rate alone (seconds instead of minutes).
    if only == Some("--p1") {
        return;
    }
    let folder = std::env::var_os("QIANPI_BENCH_STORE_DIR").map(std::path::PathBuf::from);
    let (data_dir, vault_dir, built) = big_store(&defs, folder.as_deref().unwrap_or(tmp.path()));
    todo_first_page(&data_dir, &vault_dir, tmp.path(), built);
    cold_start(&data_dir, &vault_dir);
    if only != Some("--p2") {
        observed_change(&defs, &data_dir, &vault_dir);
    }
}
