//! P-12 of performance.md: the gateway's storage against the raw data it holds, on the P-4 data
//! set (N documents, three tasks each to their readers, the leader pending on 3/8 of the flows,
//! N/5 notices to him), seeded through the gateway's own code as the first-sync benchmark seeds
//! it (`first_sync_bench/seed.rs`), at N = 1k and 10k (and more when asked).
//!
//! Figures in the same run, for each N and each database (SQLite; PostgreSQL too when
//! `QIANPI_TEST_POSTGRES` names a server):
//!
//! - reference: the raw data — the JSON of each document, definition and instance (its current
//!   version) once, and of each notice, as the gateway's own tables hold them (an instance's
//!   and a document's deflated);
//! - value: the whole database once seeded, the feed storing each document, instance version and
//!   definition once (objects no row names collected, as housekeeping does): the SQLite file with
//!   its WAL checkpointed, or `pg_database_size`, each after a VACUUM (FULL), so free pages left
//!   by the rewrites below are not counted;
//! - `old_form_bytes`: the same database with the feed as gateways stored it before, every
//!   reader's row a whole copy of its change (each row rewritten so), measured the same way;
//! - `feed_stored_bytes`: the feed's rows' and objects' stored bodies (objects deflated), against
//!   the same in the old form; `largest_tables`: the biggest tables with their indexes;
//! - `conversion_s`: the in-place conversion a gateway runs at start (`feed::convert_stored`)
//!   from that old form back to the current one, whose result is measured as `value`.
//!
//! One JSON line per figure on stdout; progress on stderr.
//!
//! ```text
//! cargo run --release -p qianpi-tests --example gateway_storage_bench [-- 1000,10000]
//! ```

#[allow(dead_code)]
#[path = "first_sync_bench/seed.rs"]
mod seed;

use qianpi_core::protocol::statement::GatewayKey;
use qianpi_gateway::db::{encode, Db, DATABASE_FILE};
use qianpi_gateway::error::ApiError;
use qianpi_gateway::feed;
use qianpi_gateway::sql::{args, Sql};
use qianpi_gateway::Location;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

type BenchResult<T> = Result<T, String>;

/// The issue's target: the gateway's storage at most twice the raw data.
const TARGET_RATIO: f64 = 2.0;

fn sum(sql: &mut dyn Sql, query: &str) -> Result<i64, ApiError> {
    Ok(sql.query_one(query, args![])?.opt_int(0)?.unwrap_or(0))
}

/// The JSON of every instance, stored deflated (or, in a row not converted yet, in `body`).
fn instances_json(sql: &mut dyn Sql) -> Result<i64, ApiError> {
    let mut bytes = 0;
    for unit in sql.query("SELECT id FROM units", args![])? {
        for instance in qianpi_gateway::instances::unit_instances(sql, &unit.text(0)?)? {
            bytes += encode(&instance)?.len() as i64;
        }
    }
    Ok(bytes)
}

/// The JSON of every document, stored deflated (or, in a row not converted yet, in `body`).
fn documents_json(sql: &mut dyn Sql) -> Result<i64, ApiError> {
    let mut bytes = 0;
    for row in sql.query("SELECT id FROM documents", args![])? {
        if let Some(document) = qianpi_gateway::instances::load_document(sql, &row.text(0)?)? {
            bytes += encode(&document)?.len() as i64;
        }
    }
    Ok(bytes)
}

/// The database's size on disk, compacted first.
fn database_bytes(location: &Location) -> BenchResult<u64> {
    match location {
        Location::Folder(dir) => {
            let file = dir.join(DATABASE_FILE);
            let conn = rusqlite::Connection::open(&file).map_err(|e| e.to_string())?;
            conn.execute_batch(
                "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
            )
            .map_err(|e| e.to_string())?;
            drop(conn);
            let len = |path: &Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            let mut wal = file.clone().into_os_string();
            wal.push("-wal");
            Ok(len(&file) + len(Path::new(&wal)))
        }
        Location::Postgres(url) => {
            let mut client =
                postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
            client
                .batch_execute("VACUUM FULL")
                .map_err(|e| e.to_string())?;
            let row = client
                .query_one("SELECT pg_database_size(current_database())", &[])
                .map_err(|e| e.to_string())?;
            Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
        }
    }
}

/// The largest tables with their indexes, in bytes, biggest first (SQLite's `dbstat`, or
/// PostgreSQL's `pg_total_relation_size`): where the bytes go.
fn tables(location: &Location) -> BenchResult<serde_json::Value> {
    let mut sizes: Vec<(String, i64)> = match location {
        Location::Folder(dir) => {
            let conn =
                rusqlite::Connection::open(dir.join(DATABASE_FILE)).map_err(|e| e.to_string())?;
            let mut statement = conn
                .prepare(
                    "SELECT m.tbl_name, SUM(s.pgsize) FROM dbstat s
                     JOIN sqlite_master m ON m.name = s.name GROUP BY m.tbl_name",
                )
                .map_err(|e| e.to_string())?;
            let rows = statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(|e| e.to_string())?;
            rows.collect::<Result<_, _>>().map_err(|e| e.to_string())?
        }
        Location::Postgres(url) => {
            let mut client =
                postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
            client
                .query(
                    "SELECT relname::text, pg_total_relation_size(oid) FROM pg_class
                     WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
                    &[],
                )
                .map_err(|e| e.to_string())?
                .iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect()
        }
    };
    sizes.sort_by_key(|(_, bytes)| -bytes);
    Ok(sizes
        .into_iter()
        .take(8)
        .map(|(name, bytes)| (name, json!(bytes)))
        .collect::<serde_json::Map<_, _>>()
        .into())
}

/// Rewrites every feed row as gateways stored it before feed objects: the whole change.
fn to_old_form(db: &Db) -> Result<(), ApiError> {
    let users: Vec<String> = db.tx_blocking(|sql| {
        sql.query("SELECT DISTINCT user_id FROM changes", args![])?
            .iter()
            .map(|row| Ok(row.text(0)?))
            .collect()
    })?;
    for user in users {
        db.tx_blocking(|sql| {
            for (seq, change) in feed::stored_changes(sql, &user)? {
                sql.execute(
                    "UPDATE changes SET body = ?3, size = NULL, document_ref = NULL,
                        instance_ref = NULL, definition_ref = NULL
                     WHERE user_id = ?1 AND seq = ?2",
                    args![user.as_str(), seq, encode(&change)?],
                )?;
            }
            Ok(())
        })?;
    }
    db.tx_blocking(|sql| {
        sql.execute("DELETE FROM feed_objects", args![])?;
        sql.execute("DELETE FROM feed_orphans", args![])?;
        Ok(())
    })
}

async fn one(backend: &str, documents: usize, dir: &Path) -> BenchResult<()> {
    let location = match backend {
        "sqlite" => Location::Folder(dir.join(format!("gateway-{documents}"))),
        _ => {
            let server =
                std::env::var("QIANPI_TEST_POSTGRES").map_err(|_| "no PostgreSQL server")?;
            tokio::task::spawn_blocking(move || {
                qianpi_gateway::db::create_postgres_database(&server, "qianpi_bench")
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
            .0
        }
    };
    let opened = location.clone();
    let (db, _) = tokio::task::spawn_blocking(move || Db::open(&opened))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let key = GatewayKey::from_pkcs8(&GatewayKey::generate_pkcs8().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let people = seed::unit(&db, "p12-unit").await?;
    seed::flows(&db, &people, documents).await?;
    let notices = documents / 5;
    seed::notices(&db, key, &people, notices).await?;
    db.tx(feed::collect).await.map_err(|e| e.message)?;
    eprintln!(
        "[p12] {backend} {documents}: seeded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (raw, rows, objects, feed_after) = db
        .tx(|sql| {
            Ok((
                documents_json(sql)?
                    + sum(sql, "SELECT SUM(octet_length(body)) FROM definitions")?
                    + instances_json(sql)?
                    + sum(sql, "SELECT SUM(octet_length(body)) FROM notices")?,
                sum(sql, "SELECT COUNT(*) FROM changes")?,
                sum(sql, "SELECT COUNT(*) FROM feed_objects")?,
                sum(sql, "SELECT SUM(octet_length(body)) FROM changes")?
                    + sum(sql, "SELECT SUM(octet_length(body)) FROM feed_objects")?,
            ))
        })
        .await
        .map_err(|e| e.message)?;

    let old = db.clone();
    tokio::task::spawn_blocking(move || to_old_form(&old))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.message)?;
    let feed_before = db
        .tx(|sql| sum(sql, "SELECT SUM(octet_length(body)) FROM changes"))
        .await
        .map_err(|e| e.message)?;
    let measured = location.clone();
    let before = tokio::task::spawn_blocking(move || database_bytes(&measured))
        .await
        .map_err(|e| e.to_string())??;

    let converting = db.clone();
    let started = Instant::now();
    let converted = tokio::task::spawn_blocking(move || feed::convert_stored(&converting))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.message)?;
    let conversion_s = started.elapsed().as_secs_f64();
    let measured = location.clone();
    let after = tokio::task::spawn_blocking(move || database_bytes(&measured))
        .await
        .map_err(|e| e.to_string())??;

    let measured = location.clone();
    let where_bytes_go = tokio::task::spawn_blocking(move || tables(&measured))
        .await
        .map_err(|e| e.to_string())??;
    let ratio = |bytes: u64| (bytes as f64 / raw.max(1) as f64 * 100.0).round() / 100.0;
    println!(
        "{}",
        json!({
            "bench": "p12_gateway_storage",
            "backend": backend,
            "documents": documents,
            "tasks": documents * 3,
            "notices": notices,
            "value": after,
            "unit": "bytes",
            "reference": raw,
            "reference_is": "the JSON of each document, definition, instance and notice once",
            "ratio": ratio(after),
            "target_ratio": TARGET_RATIO,
            "old_form_bytes": before,
            "old_form_ratio": ratio(before),
            "feed_rows": rows,
            "feed_objects": objects,
            "feed_stored_bytes": feed_after,
            "old_form_feed_stored_bytes": feed_before,
            "largest_tables": where_bytes_go,
            "conversion_rows": converted,
            "conversion_s": (conversion_s * 100.0).round() / 100.0,
        })
    );
    drop(db);
    if let Location::Postgres(url) = &location {
        let url = url.clone();
        let _ = tokio::task::spawn_blocking(move || drop_postgres(&url)).await;
    }
    Ok(())
}

/// Drops a bench database on PostgreSQL.
fn drop_postgres(url: &str) {
    let Some((server, name)) = url.rsplit_once('/') else {
        return;
    };
    match postgres::Client::connect(&format!("{server}/postgres"), postgres::NoTls) {
        Ok(mut client) => {
            if let Err(e) =
                client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            {
                eprintln!("[p12] could not drop the bench database: {e}");
            }
        }
        Err(e) => eprintln!("[p12] could not drop the bench database: {e}"),
    }
}

fn sizes() -> BenchResult<Vec<usize>> {
    let text = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("QIANPI_BENCH_DOCUMENTS").ok())
        .unwrap_or_else(|| "1000,10000".into());
    text.split(',')
        .map(|n| n.trim().parse().map_err(|e| format!("bad size {n}: {e}")))
        .collect()
}

async fn run() -> BenchResult<()> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut backends = vec!["sqlite"];
    if std::env::var("QIANPI_TEST_POSTGRES").is_ok() {
        backends.push("postgres");
    }
    for documents in sizes()? {
        for backend in &backends {
            one(backend, documents, dir.path()).await?;
        }
    }
    Ok(())
}

fn main() {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("[p12] no runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run()) {
        eprintln!("[p12] failed: {e}");
        std::process::exit(1);
    }
}
