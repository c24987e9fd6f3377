//! The phone side, run as a child process of the benchmark (this program with `--phone`), so its
//! memory is its own: a real phone core (`Client`, software key vault, encrypted store in a data
//! folder) activated at the counting proxy, then, each step started by a line on stdin and
//! reported by one JSON line on stdout (the parent reads the proxy's counts in between, while the
//! phone is idle):
//!
//! 1. the first sync, `Client::sync` as the terminal's `qianpi sync` runs it, timed from the call
//!    to its return; the peak resident memory during it is the process's `VmHWM` after the peak
//!    was reset (`/proc/self/clear_refs`) just before the sync;
//! 2. a sync with nothing new right after it; 3. another one (steady state);
//! 4. the bare-insert reference: every table of the store as the sync left it (rows counted per
//!    table, the full-text index's tables included) copied out, then inserted with prepared
//!    statements in one transaction into a fresh database keyed and configured like the store
//!    (SQLCipher, the same memory security, WAL and `synchronous`), with the same tables and
//!    indexes and no triggers;
//! 5. the leader's feed pulled again from the start by hand (signed `GET /v1/sync` pages, as the
//!    phone signs them), each item written as one JSON line for the PouchDB peer.

use crate::BenchResult;
use qianpi_core::keys::{KeyFile, WRAPPED_KEY_FILE};
use qianpi_core::link::{Credentials, PAGE_LIMIT};
use qianpi_core::session::DATABASE_FILE;
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::Client;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use serde_json::json;
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

pub(crate) const PASSPHRASE: &str = "bench passphrase 签批";

/// What the parent passes: folders, where to reach the gateway, and the activation.
pub(crate) struct PhoneArgs {
    pub(crate) dir: String,
    pub(crate) proxy_url: String,
    pub(crate) gateway_url: String,
    pub(crate) login: String,
    pub(crate) code: String,
    pub(crate) docs_file: String,
}

impl PhoneArgs {
    pub(crate) fn to_args(&self) -> Vec<String> {
        vec![
            "--phone".into(),
            self.dir.clone(),
            self.proxy_url.clone(),
            self.gateway_url.clone(),
            self.login.clone(),
            self.code.clone(),
            self.docs_file.clone(),
        ]
    }

    pub(crate) fn parse(args: &[String]) -> BenchResult<PhoneArgs> {
        let [dir, proxy_url, gateway_url, login, code, docs_file] = args else {
            return Err("--phone takes six arguments".into());
        };
        Ok(PhoneArgs {
            dir: dir.clone(),
            proxy_url: proxy_url.clone(),
            gateway_url: gateway_url.clone(),
            login: login.clone(),
            code: code.clone(),
            docs_file: docs_file.clone(),
        })
    }
}

/// One step's report to the parent, then wait for its go.
fn report(line: serde_json::Value) -> BenchResult<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    let mut go = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut go)
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// A field of `/proc/self/status` in kB (`VmHWM`, `VmRSS`).
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Resets the process's peak resident memory to its current resident memory.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub(crate) fn run(args: PhoneArgs) -> BenchResult<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: PhoneArgs) -> BenchResult<()> {
    let dir = Path::new(&args.dir);
    let vault = Arc::new(
        SoftwareKeyVault::open(&dir.join("vault"), PASSPHRASE).map_err(|e| e.to_string())?,
    );
    let data = dir.join("data");
    let client = Client::open(&data, vault.clone(), vault.clone()).map_err(|e| e.to_string())?;
    client
        .activate(
            &args.proxy_url,
            &args.login,
            &args.code,
            "bench phone",
            "terminal",
        )
        .await
        .map_err(|e| format!("activation: {e}"))?;
    report(json!({"step": "activated"}))?;

    let rss_before_kb = status_kb("VmRSS");
    let peak_reset = reset_peak();
    let cpu_before = crate::cpu_seconds();
    let started = Instant::now();
    let first = client
        .sync()
        .await
        .map_err(|e| format!("first sync: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_kb = status_kb("VmHWM");
    let cpu = crate::cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| ((after - before) * 100.0).round() / 100.0);
    report(json!({
        "step": "first_sync",
        "seconds": seconds,
        "pulled": first.pulled,
        "receipts_sent": first.receipts_sent,
        "rss_before_kb": rss_before_kb,
        "peak_rss_kb": peak_kb,
        "peak_reset": peak_reset,
        "cpu_s": cpu,
    }))?;

    for step in ["nothing_new", "steady"] {
        let started = Instant::now();
        let again = client
            .sync()
            .await
            .map_err(|e| format!("{step} sync: {e}"))?;
        report(json!({
            "step": step,
            "seconds": started.elapsed().as_secs_f64(),
            "pulled": again.pulled,
            "receipts_sent": again.receipts_sent,
        }))?;
    }

    let account = client
        .account()
        .map_err(|e| e.to_string())?
        .ok_or("the phone is not activated")?;
    let credentials = Credentials {
        signer: vault.clone(),
        request_key_id: account.request_key_id,
        access_token: account.access_token,
        clock_offset_ms: 0,
    };
    drop(client);
    let key = KeyFile::read(&data, WRAPPED_KEY_FILE)
        .map_err(|e| e.to_string())?
        .ok_or("no wrapped data key")?
        .unwrap(vault.as_ref())
        .map_err(|e| e.to_string())?;
    let (reference, rows, per_table, db_bytes) =
        bare_insert(&data.join(DATABASE_FILE), &dir.join("reference.db"), &key)?;
    report(json!({
        "step": "reference",
        "seconds": reference,
        "rows": rows,
        "rows_per_table": per_table,
        "store_bytes": db_bytes,
    }))?;

    let (items, json_bytes) =
        pull_items(&args.gateway_url, &credentials, Path::new(&args.docs_file)).await?;
    report(json!({"step": "items", "items": items, "json_bytes": json_bytes}))?;
    Ok(())
}

/// A connection keyed and configured as the store's own (`store/cipher.rs`).
fn open_keyed(path: &Path, key: &qianpi_core::keys::DataKey) -> BenchResult<Connection> {
    let conn = Connection::open(path).map_err(|e| e.to_string())?;
    let literal = key.sqlcipher_key_literal();
    conn.execute_batch(&format!("PRAGMA key = \"{}\";", literal.as_str()))
        .map_err(|e| e.to_string())?;
    conn.execute_batch(
        "PRAGMA cipher_memory_security = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )
    .map_err(|e| e.to_string())?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if mode != "wal" {
        return Err(format!("journal mode {mode}"));
    }
    conn.execute_batch("PRAGMA synchronous = FULL;")
        .map_err(|e| e.to_string())?;
    Ok(conn)
}

type Table = (String, usize, Vec<Vec<Value>>);

/// Times the reference; also the rows, their count per table and the store's size in bytes.
fn bare_insert(
    store: &Path,
    target: &Path,
    key: &qianpi_core::keys::DataKey,
) -> BenchResult<(f64, u64, serde_json::Value, i64)> {
    let conn = open_keyed(store, key)?;
    let err = |e: rusqlite::Error| e.to_string();
    let db_bytes: i64 = conn
        .query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )
        .map_err(err)?;
    // Ordinary tables (the full-text index's shadow tables among them), and the indexes on them.
    let mut schema = conn
        .prepare(
            "SELECT type, name, tbl_name, sql FROM sqlite_master
             WHERE type IN ('table', 'index') AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
               AND NOT (type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%')
             ORDER BY type = 'index', rowid",
        )
        .map_err(err)?;
    let entries: Vec<(String, String, String, String)> = schema
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)?;
    drop(schema);
    let mut tables: Vec<Table> = Vec::new();
    let mut per_table = serde_json::Map::new();
    let mut rows = 0u64;
    for (kind, name, _, _) in &entries {
        if kind != "table" {
            continue;
        }
        let mut select = conn
            .prepare(&format!("SELECT * FROM \"{name}\""))
            .map_err(err)?;
        let columns = select.column_count();
        let data: Vec<Vec<Value>> = select
            .query_map([], |r| (0..columns).map(|c| r.get::<_, Value>(c)).collect())
            .map_err(err)?
            .collect::<Result<_, _>>()
            .map_err(err)?;
        if data.is_empty() {
            continue;
        }
        rows += data.len() as u64;
        per_table.insert(name.clone(), json!(data.len()));
        tables.push((name.clone(), columns, data));
    }
    drop(conn);

    let mut reference = open_keyed(target, key)?;
    for (_, _, _, sql) in &entries {
        reference.execute_batch(sql).map_err(err)?;
    }
    let started = Instant::now();
    let tx = reference.transaction().map_err(err)?;
    for (table, columns, data) in &tables {
        let marks = (1..=*columns)
            .map(|c| format!("?{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut insert = tx
            .prepare(&format!("INSERT INTO \"{table}\" VALUES ({marks})"))
            .map_err(err)?;
        for row in data {
            insert.execute(params_from_iter(row.iter())).map_err(err)?;
        }
    }
    tx.commit().map_err(err)?;
    let seconds = started.elapsed().as_secs_f64();
    let mut written = 0u64;
    for (table, ..) in &tables {
        let n: i64 = reference
            .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                r.get(0)
            })
            .map_err(err)?;
        written += u64::try_from(n).unwrap_or(0);
    }
    if written != rows {
        return Err(format!("the reference wrote {written} rows of {rows}"));
    }
    Ok((
        seconds,
        rows,
        serde_json::Value::Object(per_table),
        db_bytes,
    ))
}

/// Pulls the whole feed from the start as the phone does (pages of `PAGE_LIMIT`), writing each
/// item as a JSON line `{"_id": …, "item": <the change as sent>}`; the items and their JSON bytes.
async fn pull_items(
    gateway_url: &str,
    credentials: &Credentials,
    file: &Path,
) -> BenchResult<(usize, usize)> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(file).map_err(|e| e.to_string())?);
    let mut cursor = String::new();
    let (mut items, mut bytes) = (0usize, 0usize);
    loop {
        let url = format!("{gateway_url}v1/sync?cursor={cursor}&limit={PAGE_LIMIT}");
        let response = qianpi_tests::send_signed(
            &url,
            reqwest::Method::GET,
            Vec::new(),
            credentials,
            chrono::Utc::now(),
            |_| {},
        )
        .await;
        if response.status() != 200 {
            return Err(format!("a pull answered {}", response.status()));
        }
        let page: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
        let changes = page["changes"].as_array().ok_or("a page without changes")?;
        for change in changes {
            let text = change.to_string();
            bytes += text.len();
            writeln!(out, "{{\"_id\":\"item-{items:07}\",\"item\":{text}}}")
                .map_err(|e| e.to_string())?;
            items += 1;
        }
        if page["has_more"].as_bool() != Some(true) {
            break;
        }
        cursor = page["next_cursor"]
            .as_str()
            .ok_or("a page without a next cursor")?
            .to_owned();
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok((items, bytes))
}
