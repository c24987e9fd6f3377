//! The feed at scale (issue 17, item 1): the cost of one page of a user's feed at 1k, 10k and
//! 100k changes, read as the gateway reads it (one select per lane through the
//! `(user_id, lane, seq)` index, bodies only of the rows returned), against the single select
//! over all lanes it replaced (`… ((lane = 0 AND seq > ?) OR …) ORDER BY lane, seq`, kept here as
//! its SQL text), run on the same database in the same run.
//!
//! The feed is the demo leader's, grown with copies of the demo flow's inbox change spread over
//! the lanes as a leader's year spreads them (1 % verdicts, 30 % pending, 9 % notices and
//! receipts, 60 % history), written straight into the gateway's tables. Two pages are timed at
//! each size: the first page of a first sync (empty cursor) and a page from the middle of the
//! history lane (the pages a first sync spends most of its time on). Each line gives the median
//! over the repetitions, the reference's median and their ratio, and the first line of each
//! select's plan.
//!
//! ```text
//! cargo run --release -p qianpi-tests --example feed_page_bench
//! QIANPI_BENCH_POSTGRES=postgres://qianpi@127.0.0.1:54329 \
//!     cargo run --release -p qianpi-tests --example feed_page_bench
//! ```
//!
//! Knobs (environment): `QIANPI_BENCH_FEED_SIZES` (`1000,10000,100000`), `QIANPI_BENCH_REPEAT`
//! (15), `QIANPI_BENCH_PAGE` (200, the phone's page size), `QIANPI_BENCH_BACKENDS` (`sqlite`, and
//! `postgres` too when `QIANPI_BENCH_POSTGRES` is set).

use qianpi_core::protocol::Change;
use qianpi_gateway::db::{create_postgres_database, decode, encode, Db};
use qianpi_gateway::error::ApiError;
use qianpi_gateway::feed::{self, lane_sizes_sql, Cursor, MAX_PAGE_BYTES};
use qianpi_gateway::sql::{args, Dialect, Sql, Value};
use qianpi_gateway::{admin, Location};
use serde_json::json;
use std::time::{Duration, Instant};

type BenchResult<T> = Result<T, String>;

const USER: &str = "user-wang";

/// The select the lane-by-lane page replaced, as it stood.
const SINGLE_SELECT: &str = "SELECT seq, lane, body FROM changes WHERE user_id = ?1 AND seq <= ?2
       AND ((lane = 0 AND seq > ?3) OR (lane = 1 AND seq > ?4)
         OR (lane = 2 AND seq > ?5) OR (lane = 3 AND seq > ?6))
     ORDER BY lane, seq LIMIT ?7";

fn env_text(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn env_number(name: &str, default: usize) -> BenchResult<usize> {
    let text = env_text(name, &default.to_string());
    text.trim()
        .parse()
        .map_err(|_| format!("{name}={text} is not a whole number"))
}

/// The page as the single select served it: the reference.
fn single_select_page(
    sql: &mut dyn Sql,
    lanes: [i64; 4],
    limit: usize,
) -> Result<(usize, [i64; 4]), ApiError> {
    let head = feed::head(sql, USER)?;
    let mut params: Vec<Value> = vec![Value::from(USER), Value::Int(head)];
    params.extend(lanes.map(Value::Int));
    params.push(Value::Int(i64::try_from(limit + 1).unwrap_or(i64::MAX)));
    let rows = sql.query(SINGLE_SELECT, &params)?;
    let mut next = lanes;
    let mut changes = Vec::new();
    let mut bytes = 0usize;
    let mut cut_at = None;
    for row in &rows {
        let lane = usize::try_from(row.int(1)?).unwrap_or(0);
        let body = row.text(2)?;
        if changes.len() == limit || (!changes.is_empty() && bytes + body.len() > MAX_PAGE_BYTES) {
            cut_at = Some(lane);
            break;
        }
        bytes += body.len();
        next[lane] = row.int(0)?;
        changes.push(decode::<Change>(&body)?);
    }
    for position in next.iter_mut().take(cut_at.unwrap_or(4)) {
        *position = (*position).max(head);
    }
    Ok((changes.len(), next))
}

/// Grows the leader's feed to `target` changes (the demo's own count in); returns the head.
fn grow(db: &Db, template: &Change, target: usize, seed: &mut u64) -> BenchResult<i64> {
    let Change::Inbox { entry } = template else {
        return Err("the demo leader's first change is not an inbox entry".into());
    };
    let entry = entry.clone();
    let mut state = *seed;
    let head = db
        .tx_blocking(|sql| {
            let have = usize::try_from(
                sql.query_one(
                    "SELECT COUNT(*) FROM changes WHERE user_id = ?1",
                    args![USER],
                )?
                .int(0)?,
            )
            .unwrap_or(0);
            let mut head = feed::head(sql, USER)?;
            state = *seed;
            for _ in have..target {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let lane = match state % 100 {
                    0 => 0,
                    1..=30 => 1,
                    31..=39 => 2,
                    _ => 3,
                };
                head += 1;
                let mut copy = entry.clone();
                copy.task_id = format!("bench-task-{head}");
                let body = encode(&Change::Inbox { entry: copy })?;
                sql.execute(
                    "INSERT INTO changes (user_id, seq, lane, item_key, body)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    args![USER, head, lane as i64, format!("task:bench-{head}"), body],
                )?;
            }
            sql.execute(
                "UPDATE feed_heads SET last_seq = ?2 WHERE user_id = ?1",
                args![USER, head],
            )?;
            Ok(head)
        })
        .map_err(|e| e.to_string())?;
    *seed = state;
    if db.dialect() == Dialect::Postgres {
        // What autovacuum would have done by the time a feed is this long.
        db.tx_blocking(|sql| Ok(sql.batch("ANALYZE changes")?))
            .map_err(|e| e.to_string())?;
    }
    Ok(head)
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times
        .get(times.len() / 2)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The first line of `statement`'s plan with these arguments.
fn plan(db: &Db, statement: &str, arguments: Vec<Value>) -> BenchResult<String> {
    let (explain, column) = match db.dialect() {
        Dialect::Sqlite => (format!("EXPLAIN QUERY PLAN {statement}"), 3),
        Dialect::Postgres => (format!("EXPLAIN {statement}"), 0),
    };
    db.tx_blocking(|sql| {
        let rows = sql.query(&explain, &arguments)?;
        Ok(rows
            .iter()
            .map(|row| row.text(column))
            .collect::<Result<Vec<_>, _>>()?
            .join(" | "))
    })
    .map_err(|e| e.to_string())
}

struct Settings {
    sizes: Vec<usize>,
    repeat: usize,
    limit: usize,
}

fn run_backend(backend: &str, settings: &Settings, build: &str) -> BenchResult<()> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (location, pg_name) = match backend {
        "sqlite" => (Location::Folder(dir.path().join("gateway")), None),
        "postgres" => {
            let server = std::env::var("QIANPI_BENCH_POSTGRES")
                .map_err(|_| "QIANPI_BENCH_POSTGRES is not set".to_owned())?;
            let (location, name) = create_postgres_database(&server, "qianpi_feed_bench")
                .map_err(|e| e.to_string())?;
            (location, Some((server, name)))
        }
        other => return Err(format!("unknown backend {other}")),
    };
    let outcome = measure(backend, &location, settings, build);
    if let Some((server, name)) = pg_name {
        let admin_url = format!("{}/postgres", server.trim_end_matches('/'));
        let dropped = postgres::Client::connect(&admin_url, postgres::NoTls).and_then(|mut c| {
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        });
        if let Err(e) = dropped {
            eprintln!("[bench] could not drop the bench database: {e}");
        }
    }
    outcome
}

fn measure(
    backend: &str,
    location: &Location,
    settings: &Settings,
    build: &str,
) -> BenchResult<()> {
    let (db, _) = Db::open(location).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(admin::demo::seed(&db))
        .map_err(|e| e.to_string())?;
    let template: Change = db
        .tx_blocking(|sql| {
            feed::stored_changes(sql, USER)?
                .into_iter()
                .next()
                .map(|(_, change)| change)
                .ok_or_else(|| ApiError::internal("the leader's feed is empty"))
        })
        .map_err(|e| e.to_string())?;
    let body_bytes = encode(&template).map_err(|e| e.to_string())?.len();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for &size in &settings.sizes {
        let started = Instant::now();
        let head = grow(&db, &template, size, &mut seed)?;
        eprintln!(
            "[bench] {backend}: {size} changes in the feed ({:.1} s to write)",
            started.elapsed().as_secs_f64()
        );
        let pages = [
            ("first_page", [0i64; 4]),
            ("history_middle", [head, head, head, head / 2]),
        ];
        for (name, lanes) in pages {
            let cursor = Cursor::parse(&format!(
                "v2.{}.{}.{}.{}",
                lanes[0], lanes[1], lanes[2], lanes[3]
            ))
            .map_err(|e| e.to_string())?;
            let (mut ours, mut reference) = (Vec::new(), Vec::new());
            let mut returned = (0, 0);
            // One untimed round warms both forms' statements and pages.
            for round in 0..=settings.repeat {
                let started = Instant::now();
                let page = db
                    .tx_blocking(|sql| feed::page(sql, USER, cursor, settings.limit))
                    .map_err(|e| e.to_string())?;
                let lane_by_lane = started.elapsed();
                let started = Instant::now();
                let (count, _) = db
                    .tx_blocking(|sql| single_select_page(sql, lanes, settings.limit))
                    .map_err(|e| e.to_string())?;
                let single = started.elapsed();
                returned = (page.changes.len(), count);
                if round > 0 {
                    ours.push(lane_by_lane);
                    reference.push(single);
                }
            }
            if returned.0 != returned.1 {
                return Err(format!(
                    "the two forms returned {} and {} changes",
                    returned.0, returned.1
                ));
            }
            // The lane this page reads first: verdicts from the start, or history from its middle.
            let (lane, from) = if name == "first_page" {
                (0i64, 0)
            } else {
                (3, lanes[3])
            };
            let lane_plan = plan(
                &db,
                lane_sizes_sql(db.dialect()),
                args![USER, lane, from, head, settings.limit as i64 + 1].to_vec(),
            )?;
            let mut single_args: Vec<Value> = vec![Value::from(USER), Value::Int(head)];
            single_args.extend(lanes.map(Value::Int));
            single_args.push(Value::Int(settings.limit as i64 + 1));
            let single_plan = plan(&db, SINGLE_SELECT, single_args)?;
            let (value, reference) = (median(ours), median(reference));
            println!(
                "{}",
                json!({
                    "bench": "feed_page",
                    "backend": backend,
                    "build": build,
                    "changes": size,
                    "page": name,
                    "limit": settings.limit,
                    "returned": returned.0,
                    "body_bytes": body_bytes,
                    "value": round3(value),
                    "unit": "ms",
                    "reference": round3(reference),
                    "reference_is": "the single select over all lanes",
                    "ratio": round3(value / reference.max(1e-9)),
                    "repeat": settings.repeat,
                    "lane_select_plan": lane_plan,
                    "single_select_plan": single_plan,
                })
            );
        }
    }
    Ok(())
}

fn main() {
    let settings = || -> BenchResult<Settings> {
        let sizes = env_text("QIANPI_BENCH_FEED_SIZES", "1000,10000,100000")
            .split(',')
            .map(|part| {
                part.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("QIANPI_BENCH_FEED_SIZES: {part} is not a whole number"))
            })
            .collect::<BenchResult<Vec<_>>>()?;
        Ok(Settings {
            sizes,
            repeat: env_number("QIANPI_BENCH_REPEAT", 15)?.max(1),
            limit: env_number("QIANPI_BENCH_PAGE", 200)?.max(1),
        })
    };
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let default_backends = if std::env::var("QIANPI_BENCH_POSTGRES").is_ok() {
        "sqlite,postgres"
    } else {
        "sqlite"
    };
    let outcome = settings().and_then(|settings| {
        for backend in env_text("QIANPI_BENCH_BACKENDS", default_backends).split(',') {
            run_backend(backend.trim(), &settings, build)?;
        }
        Ok(())
    });
    if let Err(e) = outcome {
        eprintln!("[bench] {e}");
        std::process::exit(1);
    }
}
