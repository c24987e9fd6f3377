//! Benchmark: 全文检索 (issue 15, item 6; performance.md P-10) — `Client::search` (the newest 20
//! matches with their snippets) over an encrypted store of 100,000 documents, 200,000 opinions and
//! 2,000 notices of realistic Chinese text (`data.rs`); p50 and p99 over 1,000 warm calls cycling
//! through the queries of each set, target p99 ≤ 20 ms.
//!
//! Reference, measured in the same run (in a child process, so SQLCipher's memory security,
//! which the store turns on for its whole process, does not slow it): plain SQLite with an FTS5
//! table using the `trigram` tokenizer over the same texts in the same newest-first order, asked
//! the same queries for the newest 20 rows with FTS5's own snippet. Queries of three or more characters
//! go through its index; one- and two-character queries, which a trigram index cannot answer,
//! fall back to `LIKE` (the reference line says so).
//!
//! The store's rows are written in SQL on a connection keyed like the store's own (seconds, not
//! the minutes a sync of 100,000 documents takes); the store's triggers note each one for the
//! index, and the first search builds it: that build is timed and reported too, against the
//! reference's.
//!
//! Run: `cargo run --release -p qianpi-core --example search_bench` (each line says which build
//! it was; `SEARCH_BENCH_DOCUMENTS` makes a smaller store for a quick look).

// A benchmark program: a broken invariant must stop it loudly rather than print a figure.
#![allow(clippy::expect_used, clippy::panic)]

mod data;
mod reference;

#[path = "../common/account.rs"]
mod account;
use account::{account, ME};
use chrono::{DateTime, Duration, Utc};
use data::Seeded;
use qianpi_core::keys::{self, DataKey};
use qianpi_core::model::{Identity, Notice, NoticeScope};
use qianpi_core::session;
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::Client;
use rusqlite::{params, Connection};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

const DOCUMENTS: usize = 100_000;
const NOTICES: usize = 2_000;
/// Timed calls per query set.
const CALLS: usize = 1_000;
const LIMIT: usize = 20;
const PASSPHRASE: &str = "bench passphrase 签批";

/// Three characters or more: both indexes answer them.
const LONG: [&str; 8] = [
    "秸秆综合利用",
    "高标准农田建设",
    "种植业管理处",
    "补充资金测算",
    "关于开展森林防火",
    "安全生产 专项检查",
    "农业农村部办公厅",
    "量子计算",
];
/// One and two characters: names, surnames, short words, a 文种.
const SHORT: [&str; 7] = ["函", "督", "娜", "春耕", "李娜", "防汛", "王伟"];

/// A connection keyed and configured like the store's own (`store/cipher.rs`).
fn open_raw(path: &Path, key: &DataKey) -> Connection {
    let conn = Connection::open(path).expect("open");
    let literal = key.sqlcipher_key_literal();
    conn.execute_batch(&format!("PRAGMA key = \"{}\";", literal.as_str()))
        .expect("key");
    conn.execute_batch(
        "PRAGMA cipher_memory_security = ON; PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;",
    )
    .expect("pragmas");
    conn
}

/// One searchable item for the reference: its time and its text.
pub(crate) struct Item {
    pub(crate) at: DateTime<Utc>,
    pub(crate) text: String,
}

/// Writes the documents (each with the user's task and two other people's opinions) and the
/// notices; returns the same texts for the reference.
fn seed(conn: &mut Connection, documents: usize) -> Vec<Item> {
    let mut rng = Seeded::new(0x5eed_2026);
    let mut items = Vec::with_capacity(documents * 3 + NOTICES);
    let tx = conn.transaction().expect("transaction");
    {
        let mut document_row = tx
            .prepare(
                "INSERT INTO documents (id, title, number, kind, urgency, received_at, body, updated_at)
                 VALUES (?1, ?2, ?3, 'incoming', 0, ?4, ?5, ?6)",
            )
            .expect("prepare");
        let mut instance_row = tx
            .prepare(
                "INSERT INTO instances (id, document_id, definition_id, initiator, state, version,
                   started_at, body, updated_at)
                 VALUES (?1, ?2, 'def', 'zhao', 'running', 3, ?3, '{}', ?3)",
            )
            .expect("prepare");
        let mut task_row = tx
            .prepare(
                "INSERT INTO tasks (id, instance_id, node_id, assignee, state, list, urgency, received_at)
                 VALUES (?1, ?2, 'n', ?3, ?4, ?5, 0, ?6)",
            )
            .expect("prepare");
        let mut opinion_row = tx
            .prepare(
                "INSERT INTO opinions (task_id, instance_id, author, attitude, text, written_at)
                 VALUES (?1, ?2, ?3, 'agree', ?4, ?5)",
            )
            .expect("prepare");
        for i in 0..documents {
            let (document, at) = data::document(i, documents, &mut rng);
            let instance = format!("ins-{i:06}");
            document_row
                .execute(params![
                    document.id,
                    document.title,
                    document.number.to_string(),
                    document.received_at,
                    serde_json::to_string(&document).expect("json"),
                    at,
                ])
                .expect("document");
            instance_row
                .execute(params![instance, document.id, at])
                .expect("instance");
            for (n, author) in ["zhao", "qian"].into_iter().enumerate() {
                let task = format!("t-{i:06}-{n}");
                let written = at + Duration::hours(2 + n as i64);
                let text = data::opinion(&mut rng);
                task_row
                    .execute(params![task, instance, author, "done", None::<String>, at])
                    .expect("task");
                opinion_row
                    .execute(params![task, instance, author, text, written])
                    .expect("opinion");
                items.push(Item { at: written, text });
            }
            let list = if i % 4 == 0 { "todo" } else { "done" };
            task_row
                .execute(params![
                    format!("t-{i:06}-me"),
                    instance,
                    ME,
                    "pending",
                    list,
                    at
                ])
                .expect("task");
            let fields = [
                document.title.clone(),
                document.number.to_string(),
                document.from_organ.clone().unwrap_or_default(),
                document.head.signers.join("、"),
                document.body.main_recipients.join("、"),
                document.body.note.clone().unwrap_or_default(),
            ];
            items.push(Item {
                at,
                text: fields.join("\n"),
            });
        }
        let mut notice_row = tx
            .prepare(
                "INSERT INTO notices (id, title, published_at, unread, body, updated_at)
                 VALUES (?1, ?2, ?3, 0, ?4, ?3)",
            )
            .expect("prepare");
        for i in 0..NOTICES {
            let (title, body) = data::notice(&mut rng);
            let at = data::t0() - Duration::hours((NOTICES - i) as i64 * 4);
            let notice = Notice {
                id: format!("notice-{i:05}"),
                title: title.clone(),
                body: body.clone(),
                attachments: Vec::new(),
                publisher: Identity {
                    user_id: "office".into(),
                    name: "厅办公室".into(),
                    post: "主任".into(),
                    unit_id: "sx-nyt".into(),
                },
                published_at: at,
                scope: NoticeScope::default(),
                receipt_required: false,
                receipt_form: None,
                receipt_deadline: None,
            };
            notice_row
                .execute(params![
                    notice.id,
                    title,
                    at,
                    serde_json::to_string(&notice).expect("json")
                ])
                .expect("notice");
            items.push(Item {
                at,
                text: format!("{title}\n{body}\n厅办公室"),
            });
        }
    }
    tx.commit().expect("commit");
    items
}

pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// p50 and p99 in milliseconds of `CALLS` calls cycling through `queries`, after a warm-up.
pub(crate) fn timed(queries: &[&str], mut call: impl FnMut(&str)) -> (f64, f64) {
    for query in queries {
        call(query);
    }
    let mut samples: Vec<f64> = (0..CALLS)
        .map(|n| {
            let query = queries[n % queries.len()];
            let start = Instant::now();
            call(query);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    (quantile(&samples, 0.5), quantile(&samples, 0.99))
}

/// Bytes of the pages of the tables whose names start with `prefix` (SQLite's dbstat).
pub(crate) fn pages_of(conn: &Connection, prefix: &str) -> i64 {
    conn.query_row(
        "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE ?1",
        [format!("{prefix}%")],
        |r| r.get(0),
    )
    .expect("dbstat")
}

fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(-1.0)
}

fn main() {
    if let Some(dir) = std::env::var_os(reference::REFERENCE_CHILD) {
        reference::reference_child(Path::new(&dir));
        return;
    }
    let documents = std::env::var("SEARCH_BENCH_DOCUMENTS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(DOCUMENTS)
        .max(10);
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let data_dir = tmp.path().join("data");
    let vault =
        Arc::new(SoftwareKeyVault::open(&tmp.path().join("vault"), PASSPHRASE).expect("vault"));
    {
        let mut unlocked = session::unlock(&data_dir, vault.as_ref()).expect("unlock");
        unlocked.store.save_account(&account(), 0).expect("account");
    }
    eprintln!(
        "search bench: writing {documents} documents, their opinions and {NOTICES} notices …"
    );
    let key = keys::load_or_create_data_key(vault.as_ref(), &data_dir).expect("key");
    let database = data_dir.join(session::DATABASE_FILE);
    let items = {
        let mut conn = open_raw(&database, &key);
        let items = seed(&mut conn, documents);
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .expect("checkpoint");
        items
    };
    let indexed = items.len();

    // The first search indexes everything the triggers noted.
    let client = Client::open(&data_dir, vault.clone(), vault.clone()).expect("client");
    let start = Instant::now();
    let first = client.search("秸秆综合利用", LIMIT).expect("search");
    let index_build = start.elapsed().as_secs_f64();
    assert_eq!(first.len(), LIMIT, "the index was built");
    assert!(first.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
    for query in LONG.iter().chain(&SHORT) {
        let found = client.search(query, LIMIT).expect("search");
        let (p50, p99) = timed(&[query], |q| {
            client.search(q, LIMIT).expect("search");
        });
        eprintln!(
            "  {query}: {} results, p50 {p50:.2} ms, p99 {p99:.2} ms",
            found.len()
        );
        if *query != "量子计算" {
            assert!(!found.is_empty(), "{query} finds nothing");
        }
    }

    let (long_p50, long_p99) = timed(&LONG, |query| {
        client.search(query, LIMIT).expect("search");
    });
    let (short_p50, short_p99) = timed(&SHORT, |query| {
        client.search(query, LIMIT).expect("search");
    });
    let raw = open_raw(&database, &key);
    let index_bytes = pages_of(&raw, "search_");
    drop(raw);

    eprintln!("search bench: the plain-SQLite trigram reference, in a process of its own …");
    let theirs = reference::reference_in_child(tmp.path(), &items);
    let figure = |name: &str| theirs[name].as_f64().expect("a figure");
    let (ref_long_p50, ref_long_p99) = (figure("long_p50"), figure("long_p99"));
    let (ref_short_p50, ref_short_p99) = (figure("short_p50"), figure("short_p99"));
    let reference_build = figure("build_s");
    let reference_bytes = figure("bytes");
    eprintln!(
        "  reference results for the long queries: {}",
        theirs["found"]
    );
    let load = load_average();
    println!(
        "{{\"bench\":\"search\",\"value\":{long_p99:.3},\"unit\":\"ms\",\"p50_ms\":{long_p50:.3},\
         \"target_p99_ms\":20,\"meets_target\":{},\"reference\":{ref_long_p99:.3},\
         \"reference_p50_ms\":{ref_long_p50:.3},\"ratio\":{:.2},\
         \"reference_what\":\"plain SQLite FTS5 trigram, same queries, newest {LIMIT} with snippet\",\
         \"queries\":\"3+ characters\",\"documents\":{documents},\"items\":{indexed},\"calls\":{CALLS},\
         \"build\":\"{build}\",\"load_avg_1m\":{load:.2}}}",
        long_p99 <= 20.0,
        long_p99 / ref_long_p99
    );
    println!(
        "{{\"bench\":\"search_short\",\"value\":{short_p99:.3},\"unit\":\"ms\",\"p50_ms\":{short_p50:.3},\
         \"target_p99_ms\":20,\"meets_target\":{},\"reference\":{ref_short_p99:.3},\
         \"reference_p50_ms\":{ref_short_p50:.3},\"ratio\":{:.2},\
         \"reference_what\":\"plain SQLite trigram table, LIKE scan (a trigram index cannot answer 1-2 characters)\",\
         \"queries\":\"1-2 characters\",\"documents\":{documents},\"items\":{indexed},\"calls\":{CALLS},\
         \"build\":\"{build}\",\"load_avg_1m\":{load:.2}}}",
        short_p99 <= 20.0,
        short_p99 / ref_short_p99
    );
    println!(
        "{{\"bench\":\"search_index_build\",\"value\":{index_build:.2},\"unit\":\"s\",\
         \"reference\":{reference_build:.2},\"ratio\":{:.2},\"items_per_s\":{:.0},\
         \"index_bytes\":{index_bytes},\"reference_index_bytes\":{reference_bytes:.0},\
         \"reference_what\":\"plain SQLite FTS5 trigram build over the same texts\",\
         \"items\":{indexed},\"build\":\"{build}\",\"load_avg_1m\":{load:.2}}}",
        index_build / reference_build,
        indexed as f64 / index_build
    );
}
