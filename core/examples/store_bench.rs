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
//!   would; p99 and p50 over 1,000 warm queries, plus the first query on a fresh connection.
//!   Reference: the same SQL (`lists.rs`, with the user lookup `list` makes first) on a plain
//!   (unencrypted) SQLite copy made by `sqlcipher_export`, in a fresh process so that SQLCipher's
//!   process-wide memory security does not tax it; the plain copy is also timed in this process
//!   (`plain_with_memory_security_*`) to tell decryption from memory security.
//! - P-3: cold start on the P-2 store: unwrap the data key through the software key vault
//!   (already opened), `session::unlock`, read the first 待办 page; each run is a fresh child
//!   process (this program re-run with `--cold-start`), timing itself from inside.
//!
//! Progress goes to stderr, the JSON lines to stdout. About two minutes on a 2-core machine.
//!
//! Run: `cargo run --release -p qianpi-core --example store_bench`

// A benchmark program: a broken invariant must stop it loudly rather than print a figure.
#![allow(clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use qianpi_core::keys::{self, DataKey};
use qianpi_core::model::{
    Attachment, BodyFormat, BodyStage, BodyVersion, Document, DocumentKind, DocumentNumber,
    Identity, SecrecyLevel, Urgency,
};
use qianpi_core::protocol::{Change, InboxEntry, SyncPage};
use qianpi_core::session;
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::store::{Account, ListKind, Store};
use qianpi_core::workflow::{
    execute, Actor, Command, Env, Instance, Node, Opinion, Outcome, ProcessDefinition, Submission,
};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use std::path::Path;
use std::process::Command as Process;
use std::time::Instant;

/// The signed-in user: 王局长.
const ME: &str = "wang";
/// The phone's pull page size.
const PAGE: usize = 200;
/// P-1's number of pulled entries.
const P1_ENTRIES: usize = 10_000;
/// P-2's number of documents (one instance of three tasks each).
const P2_DOCUMENTS: usize = 100_000;
/// Timed repetitions of the first 待办 page.
const P2_QUERIES: usize = 1_000;
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

/// The three flows a leader's phone sees most.
struct Definitions {
    /// 收文: 拟办 (office director) → 批示 (me) → 承办 (a division).
    incoming: ProcessDefinition,
    /// 发文: 核稿 → 会签 by me and another deputy, in parallel.
    outgoing: ProcessDefinition,
    /// 签报 I started: 审核 (circulated to me for reading) → 会签 by two divisions.
    request: ProcessDefinition,
}

fn definitions() -> Definitions {
    let mut approve = Node::manual("n2", "领导批示", &[ME]).route("送承办", "n3");
    approve.time_limit_hours = Some(72);
    let incoming = ProcessDefinition::new(
        "def-收文",
        "收文办理",
        "n1",
        vec![
            Node::manual("n1", "拟办", &["zhao"]).route("送批示", "n2"),
            approve,
            Node::manual("n3", "承办", &["li"]).route("办结", "end"),
            Node::end("end"),
        ],
    );
    let mut countersign = Node::manual("n2", "会签", &[ME, "liu"]).route("会签完毕", "end");
    countersign.time_limit_hours = Some(48);
    let outgoing = ProcessDefinition::new(
        "def-发文",
        "发文会签",
        "n1",
        vec![
            Node::manual("n1", "核稿", &["zhao"]).route("送会签", "n2"),
            countersign,
            Node::end("end"),
        ],
    );
    let mut review = Node::manual("n1", "审核", &["chen"]).route("送会签", "n2");
    review.allow.circulate = true;
    let request = ProcessDefinition::new(
        "def-签报",
        "签报",
        "n1",
        vec![
            review,
            Node::manual("n2", "会签", &["li", "zhang"]).route("办结", "end"),
            Node::end("end"),
        ],
    );
    Definitions {
        incoming,
        outgoing,
        request,
    }
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-05T08:30:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("a valid time")
}

/// One accepted command by `actor`: the new state.
fn step(
    def: &ProcessDefinition,
    inst: &Instance,
    actor: &str,
    command: Command,
    at: DateTime<Utc>,
) -> Instance {
    let submission = Submission {
        command_id: format!("{}-c{}", inst.id, inst.version),
        actor: Actor::user(actor),
        acting_for: None,
        base_version: inst.version,
        command,
        at,
    };
    match execute(Env::new(def), inst, &submission).expect("each benchmark command is accepted") {
        Outcome::Applied { instance, .. } => *instance,
        Outcome::Duplicate { .. } => panic!("a fresh command id was taken for a duplicate"),
    }
}

/// `user` approves their pending task with `text`.
fn approve(
    def: &ProcessDefinition,
    inst: &Instance,
    user: &str,
    text: &str,
    at: DateTime<Utc>,
) -> Instance {
    let task_id = inst
        .open_tasks_of(user)
        .next()
        .unwrap_or_else(|| panic!("{user} has a pending task on {}", inst.id))
        .id
        .clone();
    let command = Command::Approve {
        task_id,
        route: None,
        opinion: Opinion::agree(text),
    };
    step(def, inst, user, command, at)
}

const ACTIONS: &[&str] = &["做好", "加强", "开展", "推进", "落实", "规范"];
const SUBJECTS: &[&str] = &[
    "2026年春耕备耕",
    "农村人居环境整治",
    "高标准农田建设",
    "重大动物疫病防控",
    "防汛抗旱",
    "粮食安全责任制考核",
    "农产品质量安全监管",
    "乡村振兴重点帮扶县",
    "秸秆综合利用",
    "政策性农业保险",
    "农机购置补贴",
];
const GENRES: &[&str] = &["通知", "请示", "报告", "函", "实施意见", "工作方案"];

/// A hex digest-looking string, distinct per `seed`.
fn digest(seed: u64) -> String {
    let a = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d;
    let b = a.rotate_left(17).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    format!("{a:016x}{b:016x}{:016x}{:016x}", a ^ b, b.rotate_left(29))
}

fn document(i: usize, kind: DocumentKind, at: DateTime<Utc>) -> Document {
    let id = format!("doc-{i:07}");
    let urgency = match i % 10 {
        0 => Urgency::ExtraUrgent,
        1 | 2 => Urgency::Urgent,
        _ => Urgency::Normal,
    };
    let (organ, from) = match kind {
        DocumentKind::Incoming => ("农办发", Some("农业农村部办公厅".to_owned())),
        DocumentKind::Outgoing => ("晋农发", None),
        _ => ("晋农签", None),
    };
    let mut document = Document {
        id: id.clone(),
        unit_id: "sx-nyt".into(),
        kind,
        title: format!(
            "关于{}{}工作的{}",
            ACTIONS[i % ACTIONS.len()],
            SUBJECTS[(i / 7) % SUBJECTS.len()],
            GENRES[(i / 3) % GENRES.len()]
        ),
        number: DocumentNumber {
            organ: organ.into(),
            year: 2026,
            sequence: u32::try_from(i % 900 + 1).expect("small"),
        },
        urgency,
        secrecy: SecrecyLevel::None,
        from_organ: from,
        received_at: Some(at.to_rfc3339()),
        head: Default::default(),
        body: Default::default(),
        footer: Default::default(),
        receiving: Default::default(),
        handling: Default::default(),
    };
    document.body.main_recipients = vec!["各市农业农村局".into(), "厅机关各处室".into()];
    document.body.signature_organs = vec!["山西省农业农村厅".into()];
    document.body.versions.push(BodyVersion {
        id: format!("{id}-v1"),
        stage: BodyStage::Final,
        format: BodyFormat::Ofd,
        sha256: digest(i as u64 * 2),
        size: 180_000 + (i as u64 % 50_000),
        pages: Some(3 + u32::try_from(i % 9).expect("small")),
        created_at: Some(at),
    });
    document.body.attachments.push(Attachment {
        id: format!("{id}-a1"),
        name: format!("{}任务分解表.xlsx", SUBJECTS[(i / 7) % SUBJECTS.len()]),
        media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
        size: 24_000 + (i as u64 % 9_000),
        sha256: digest(i as u64 * 2 + 1),
    });
    document
}

/// Entry `i`: every instance ends with exactly three tasks; a quarter of them leave one in my
/// 待办, the others are done by me, other people's, or circulated to me for reading.
fn entry(defs: &Definitions, i: usize) -> InboxEntry {
    let at = t0() + Duration::minutes(3 * i as i64);
    let h = |n: i64| at + Duration::hours(n);
    let id = format!("ins-{i:07}");
    let doc_id = format!("doc-{i:07}");
    let (def, kind, initiator) = match i % 8 {
        0 | 2 | 4 | 6 => (&defs.outgoing, DocumentKind::Outgoing, "sun"),
        1 | 5 => (&defs.incoming, DocumentKind::Incoming, "zhao"),
        _ => (&defs.request, DocumentKind::InternalRequest, ME),
    };
    let mut inst = Instance::start(Env::new(def), &id, &doc_id, initiator, at)
        .expect("the benchmark definitions are valid");
    match i % 8 {
        // 发文 at 会签: mine pending (待办); in 4 the other deputy already signed.
        0 => inst = approve(def, &inst, "zhao", "文字已核，请会签。", h(1)),
        4 => {
            inst = approve(def, &inst, "zhao", "文字已核，请会签。", h(1));
            inst = approve(def, &inst, "liu", "同意。", h(3));
        }
        // 发文: I signed (已办), then it finished in 6.
        2 | 6 => {
            inst = approve(def, &inst, "zhao", "文字已核，请会签。", h(1));
            inst = approve(def, &inst, ME, "同意，请按程序印发。", h(5));
            if i % 8 == 6 {
                inst = approve(def, &inst, "liu", "同意。", h(6));
            }
        }
        // 收文: I gave my 批示 (已办); li handles it, and finished in 5.
        1 | 5 => {
            inst = approve(
                def,
                &inst,
                "zhao",
                "拟请王局长阅示，由计财处牵头办理。",
                h(1),
            );
            inst = approve(def, &inst, ME, "同意，请计财处抓紧落实。", h(4));
            if i % 8 == 5 {
                inst = approve(def, &inst, "li", "已按批示办理完毕。", h(30));
            }
        }
        // 签报 I started: circulated to me (待阅), at 会签; in 7 finished and read (已阅).
        _ => {
            let task_id = inst.tasks[0].id.clone();
            let command = Command::Circulate {
                task_id,
                recipients: vec![ME.to_owned()],
            };
            inst = step(def, &inst, "chen", command, h(1));
            inst = approve(
                def,
                &inst,
                "chen",
                "经审核，所需经费符合预算管理规定。",
                h(2),
            );
            if i % 8 == 7 {
                let item = inst.read_items[0].id.clone();
                inst = step(def, &inst, ME, Command::MarkRead { task_id: item }, h(3));
                inst = approve(def, &inst, "li", "同意。", h(8));
                inst = approve(def, &inst, "zhang", "同意。", h(9));
            }
        }
    }
    assert_eq!(
        inst.tasks.len(),
        3,
        "every benchmark instance has three tasks"
    );
    let task_id = inst
        .tasks
        .iter()
        .find(|t| t.assignee == ME)
        .unwrap_or(&inst.tasks[0])
        .id
        .clone();
    InboxEntry {
        task_id,
        document: document(i, kind, at),
        instance: inst,
        definition: def.clone(),
    }
}

fn page(defs: &Definitions, range: std::ops::Range<usize>) -> SyncPage {
    let end = range.end;
    SyncPage {
        changes: range
            .map(|i| Change::Inbox {
                entry: Box::new(entry(defs, i)),
            })
            .collect(),
        next_cursor: format!("c{end}"),
        has_more: true,
        server_time: t0(),
    }
}

fn account() -> Account {
    Account {
        server_url: "https://oa.example.gov.cn/".into(),
        device_id: "dev-bench".into(),
        identity: Identity {
            user_id: ME.into(),
            name: "王局长".into(),
            post: "副厅长".into(),
            unit_id: "sx-nyt".into(),
        },
        unit_name: "山西省农业农村厅".into(),
        request_key_id: "dk_bench".into(),
        approval_key_id: "ak_bench".into(),
        access_token: "token".into(),
    }
}

/// A raw connection keyed and configured exactly as the store's own (`store/cipher.rs`), so that a
/// reference differs from the store only in what the store's code does.
fn open_raw(path: &Path, key: &DataKey) -> Connection {
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

fn count(conn: &Connection, table: &str) -> u64 {
    let n: i64 = conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count");
    u64::try_from(n).expect("a count is positive")
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The value at quantile `q` of sorted `values`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// One figure: the five keys, then extra fields (already JSON-encoded values).
fn line(bench: &str, value: f64, unit: &str, reference: Option<f64>, extra: &[(&str, String)]) {
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

fn json_str(text: &str) -> String {
    serde_json::to_string(text).expect("a string encodes")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--cold-start") => return cold_start_child(Path::new(&args[2]), Path::new(&args[3])),
        Some("--plain-reference") => return plain_reference_child(Path::new(&args[2])),
        _ => {}
    }
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let defs = definitions();
    apply_rate(&defs, tmp.path());
    let (data_dir, vault_dir, built) = big_store(&defs, tmp.path());
    todo_first_page(&data_dir, &vault_dir, tmp.path(), built);
    cold_start(&data_dir, &vault_dir);
}

/// P-1.
fn apply_rate(defs: &Definitions, tmp: &Path) {
    eprintln!("P-1: generating {P1_ENTRIES} entries …");
    let pages: Vec<SyncPage> = (0..P1_ENTRIES)
        .step_by(PAGE)
        .map(|start| page(defs, start..(start + PAGE).min(P1_ENTRIES)))
        .collect();
    let key = DataKey::generate().expect("random key");
    let path = tmp.join("p1.db");
    let mut store = Store::open(&path, &key).expect("a fresh store");
    store.save_account(&account(), 0).expect("account");
    let now = t0() + Duration::days(400);
    eprintln!("P-1: applying {} pages of {PAGE} …", pages.len());
    let start = Instant::now();
    for page in &pages {
        store.apply_page_at(page, now).expect("apply");
    }
    let applied = start.elapsed();
    drop(store);

    // What was written, and a copy of it for the reference.
    let conn = open_raw(&path, &key);
    let db_bytes: i64 = conn
        .query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )
        .expect("database size");
    let mut rows = 0u64;
    let mut per_table = Vec::new();
    let mut copy: Vec<(&str, usize, Vec<Vec<Value>>)> = Vec::new();
    for table in FEED_TABLES {
        let n = count(&conn, table);
        rows += n;
        per_table.push(format!("\"{table}\": {n}"));
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table}"))
            .expect("select");
        let columns = stmt.column_count();
        let data: Vec<Vec<Value>> = stmt
            .query_map([], |r| (0..columns).map(|c| r.get::<_, Value>(c)).collect())
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        copy.push((table, columns, data));
    }
    drop(conn);
    let rate = rows as f64 / applied.as_secs_f64();
    eprintln!(
        "P-1: {rows} rows in {:.0} ms: {rate:.0} rows/s",
        ms(applied)
    );

    // Reference: the same rows, one transaction, prepared statements, same schema and settings.
    let ref_path = tmp.join("p1-reference.db");
    drop(Store::open(&ref_path, &key).expect("the schema"));
    let mut conn = open_raw(&ref_path, &key);
    let start = Instant::now();
    let tx = conn.transaction().expect("transaction");
    for (table, columns, data) in &copy {
        let marks = (1..=*columns)
            .map(|c| format!("?{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = tx
            .prepare(&format!("INSERT INTO {table} VALUES ({marks})"))
            .expect("insert");
        for row in data {
            stmt.execute(params_from_iter(row.iter())).expect("insert");
        }
    }
    tx.commit().expect("commit");
    let reference_time = start.elapsed();
    let reference = rows as f64 / reference_time.as_secs_f64();
    let written: u64 = FEED_TABLES.iter().map(|t| count(&conn, t)).sum();
    assert_eq!(written, rows, "the reference wrote the same rows");
    eprintln!(
        "P-1 reference: {rows} rows in {:.0} ms: {reference:.0} rows/s",
        ms(reference_time)
    );
    line(
        "store_apply_pulled_changes",
        rate,
        "rows/s",
        Some(reference),
        &[
            ("entries", P1_ENTRIES.to_string()),
            ("page_size", PAGE.to_string()),
            ("rows", rows.to_string()),
            ("apply_ms", format!("{:.0}", ms(applied))),
            ("reference_ms", format!("{:.0}", ms(reference_time))),
            ("rows_per_table", format!("{{{}}}", per_table.join(", "))),
            ("db_mb", format!("{:.0}", db_bytes as f64 / 1e6)),
        ],
    );
}

/// The P-2 / P-3 store: a data folder unlocked through a software key vault, filled by a first
/// sync of [`P2_DOCUMENTS`] entries. Returns the data and vault folders.
fn big_store(defs: &Definitions, tmp: &Path) -> (std::path::PathBuf, std::path::PathBuf, f64) {
    let data_dir = tmp.join("data");
    let vault_dir = tmp.join("vault");
    let vault = SoftwareKeyVault::open(&vault_dir, PASSPHRASE).expect("vault");
    let mut unlocked = session::unlock(&data_dir, &vault).expect("unlock");
    unlocked.store.save_account(&account(), 0).expect("account");
    eprintln!("P-2: building a store of {P2_DOCUMENTS} documents through apply_page_at …");
    let now = t0() + Duration::days(400);
    let start = Instant::now();
    for first in (0..P2_DOCUMENTS).step_by(PAGE) {
        let page = page(defs, first..(first + PAGE).min(P2_DOCUMENTS));
        unlocked.store.apply_page_at(&page, now).expect("apply");
        if (first / PAGE) % 100 == 99 {
            eprintln!(
                "  {} documents, {:.0} s",
                first + PAGE,
                start.elapsed().as_secs_f64()
            );
        }
    }
    unlocked.store.checkpoint().expect("checkpoint");
    let built = start.elapsed().as_secs_f64();
    eprintln!("P-2: built in {built:.0} s (generation included)");
    (data_dir, vault_dir, built)
}

/// The 待办 query exactly as `Store::list` runs it (`store/lists.rs`), with the user lookup it
/// makes first.
const USER_SQL: &str = "SELECT json_extract(identity, '$.user_id') FROM account WHERE id = 1";
const TODO_SQL: &str =
    "SELECT t.id, d.id, d.title, d.number, d.urgency, t.received_at, t.deadline, 0 FROM tasks t
                 JOIN instances i ON i.id = t.instance_id JOIN documents d ON d.id = i.document_id
                 WHERE t.list = 'todo' AND ?1 = ?1
                 ORDER BY t.urgency DESC, t.received_at DESC, t.id LIMIT ?2 OFFSET ?3";

/// The first 待办 page on a raw connection, decoded into the same types `ListItem` holds.
type RawItem = (
    String,
    String,
    String,
    String,
    i64,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    bool,
);

fn raw_first_page(conn: &Connection) -> Vec<RawItem> {
    let user: String = conn
        .prepare_cached(USER_SQL)
        .expect("user")
        .query_row([], |r| r.get(0))
        .expect("user");
    let mut stmt = conn.prepare_cached(TODO_SQL).expect("todo");
    let rows = stmt
        .query_map(rusqlite::params![user, 50i64, 0i64], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .expect("todo");
    rows.collect::<Result<_, _>>().expect("todo")
}

/// Times `query` `P2_QUERIES` times after a warm-up; returns sorted milliseconds.
fn timed(mut query: impl FnMut() -> usize) -> Vec<f64> {
    for _ in 0..50 {
        assert_eq!(query(), 50);
    }
    let mut times: Vec<f64> = (0..P2_QUERIES)
        .map(|_| {
            let start = Instant::now();
            let n = query();
            let t = ms(start.elapsed());
            assert_eq!(n, 50, "a full first page");
            t
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

/// P-2.
fn todo_first_page(data_dir: &Path, vault_dir: &Path, tmp: &Path, built: f64) {
    let vault = SoftwareKeyVault::open(vault_dir, PASSPHRASE).expect("vault");
    let key = keys::load_or_create_data_key(&vault, data_dir).expect("key");
    let path = data_dir.join(session::DATABASE_FILE);
    let raw = open_raw(&path, &key);
    let (documents, tasks, todo) = (
        count(&raw, "documents"),
        count(&raw, "tasks"),
        raw.query_row("SELECT count(*) FROM tasks WHERE list = 'todo'", [], |r| {
            r.get::<_, i64>(0)
        })
        .expect("todo count"),
    );
    let plan: Vec<String> = raw
        .prepare(&format!("EXPLAIN QUERY PLAN {TODO_SQL}"))
        .expect("plan")
        .query_map(rusqlite::params!["wang", 50i64, 0i64], |r| r.get(3))
        .expect("plan")
        .collect::<Result<_, _>>()
        .expect("plan");
    let size_mb = std::fs::metadata(&path).expect("size").len() as f64 / 1e6;
    eprintln!(
        "P-2: {documents} documents, {tasks} tasks, {todo} in 待办, {size_mb:.0} MB; plan: {}",
        plan.join(" | ")
    );

    // The encrypted store through its own API: first query on a fresh connection, then warm.
    let store = Store::open(&path, &key).expect("open");
    let start = Instant::now();
    let first = store.list(ListKind::Todo, 50, 0).expect("list");
    let cold = ms(start.elapsed());
    assert_eq!(first.len(), 50);
    let times = timed(|| store.list(ListKind::Todo, 50, 0).expect("list").len());
    drop(store);

    // Reference: a plain SQLite copy, the same statements.
    let plain_path = tmp.join("plain.db");
    let plain_literal = plain_path
        .to_str()
        .expect("a UTF-8 path")
        .replace('\'', "''");
    let start = Instant::now();
    raw.execute_batch(&format!(
        "ATTACH DATABASE '{plain_literal}' AS plain KEY '';"
    ))
    .expect("attach");
    raw.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .expect("export");
    raw.execute_batch("DETACH DATABASE plain;").expect("detach");
    eprintln!(
        "P-2: plain copy exported in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    drop(raw);
    let header: Vec<u8> = std::fs::read(&plain_path).expect("plain file")[..16].to_vec();
    assert_eq!(&header, b"SQLite format 3\0", "the copy is plain SQLite");
    // In a fresh process: SQLCipher's memory security, once on, holds for the whole process and
    // would tax the plain reference's allocations too.
    let out = Process::new(std::env::current_exe().expect("this program"))
        .arg("--plain-reference")
        .arg(&plain_path)
        .output()
        .expect("the reference child runs");
    assert!(out.status.success(), "the reference child failed");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let mut lines = text.lines();
    let timings: Vec<f64> = lines
        .next()
        .expect("timings")
        .split_whitespace()
        .map(|f| f.parse().expect("a number"))
        .collect();
    let [plain_cold, ref_p50, ref_p99] = timings[..] else {
        panic!("three timings from the reference child");
    };
    let plain_ids: Vec<&str> = lines.next().expect("ids").split_whitespace().collect();
    assert_eq!(
        plain_ids,
        first.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        "the reference returns the same page"
    );
    // The plain copy once more, in this process (memory security on): splits the gap between
    // what decryption costs and what the wiped, locked allocations cost.
    let plain = Connection::open(&plain_path).expect("plain");
    let same_process = timed(|| raw_first_page(&plain).len());

    let (p50, p99) = (quantile(&times, 0.5), quantile(&times, 0.99));
    line(
        "store_todo_first_page_p99",
        p99,
        "ms",
        Some(ref_p99),
        &[
            ("p50", format!("{p50:.3}")),
            ("reference_p50", format!("{ref_p50:.3}")),
            ("max", format!("{:.3}", times[times.len() - 1])),
            ("cold_first_query_ms", format!("{cold:.3}")),
            ("reference_cold_first_query_ms", format!("{plain_cold:.3}")),
            (
                "plain_with_memory_security_p99",
                format!("{:.3}", quantile(&same_process, 0.99)),
            ),
            (
                "plain_with_memory_security_p50",
                format!("{:.3}", quantile(&same_process, 0.5)),
            ),
            ("queries", P2_QUERIES.to_string()),
            ("documents", documents.to_string()),
            ("tasks", tasks.to_string()),
            ("todo", todo.to_string()),
            ("db_mb", format!("{size_mb:.0}")),
            ("build_s", format!("{built:.0}")),
        ],
    );
}

/// P-2's reference, in a fresh process: prints `cold p50 p99` in ms, then the first page's ids.
fn plain_reference_child(path: &Path) {
    let plain = Connection::open(path).expect("plain");
    let start = Instant::now();
    let first = raw_first_page(&plain);
    let cold = ms(start.elapsed());
    let times = timed(|| raw_first_page(&plain).len());
    println!(
        "{cold} {} {}",
        quantile(&times, 0.5),
        quantile(&times, 0.99)
    );
    let ids: Vec<&str> = first.iter().map(|r| r.0.as_str()).collect();
    println!("{}", ids.join(" "));
}

/// P-3: runs the child `P3_RUNS` times and reports the medians.
fn cold_start(data_dir: &Path, vault_dir: &Path) {
    eprintln!("P-3: {P3_RUNS} cold starts, each in a fresh process …");
    let exe = std::env::current_exe().expect("this program");
    let mut runs: Vec<[f64; 5]> = Vec::new();
    for _ in 0..P3_RUNS {
        let out = Process::new(&exe)
            .arg("--cold-start")
            .arg(data_dir)
            .arg(vault_dir)
            .output()
            .expect("the child runs");
        assert!(out.status.success(), "the cold-start child failed");
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let fields: Vec<f64> = text
            .split_whitespace()
            .map(|f| f.parse().expect("a number"))
            .collect();
        runs.push(fields.try_into().expect("five timings"));
    }
    let median = |i: usize| {
        let mut v: Vec<f64> = runs.iter().map(|r| r[i]).collect();
        v.sort_by(f64::total_cmp);
        quantile(&v, 0.5)
    };
    let max = runs.iter().map(|r| r[0]).fold(0.0, f64::max);
    line(
        "store_cold_start_unlock_open_first_page",
        median(0),
        "ms",
        None,
        &[
            ("max", format!("{max:.3}")),
            ("unwrap_key_ms", format!("{:.3}", median(1))),
            ("unlock_ms", format!("{:.3}", median(2))),
            ("first_page_ms", format!("{:.3}", median(3))),
            ("vault_open_ms", format!("{:.1}", median(4))),
            ("runs", P3_RUNS.to_string()),
            (
                "note",
                json_str(
                    "median of fresh processes on the P-2 store; the OS page cache is warm \
                     (the file was just written); value = session::unlock (key unwrap, store \
                     open, file vault) + first 待办 page; unwrap_key_ms is measured alone after \
                     it in the same process; vault_open_ms is the software vault's Argon2id passphrase derivation \
                     (a hardware keystore on phones), not in the value",
                ),
            ),
        ],
    );
}

/// One cold start in this fresh process; prints `total unwrap unlock first_page vault_open` in ms.
fn cold_start_child(data_dir: &Path, vault_dir: &Path) {
    let start = Instant::now();
    let vault = SoftwareKeyVault::open(vault_dir, PASSPHRASE).expect("vault");
    let vault_open = ms(start.elapsed());

    // The app's cold start, first in this process: unlock (key unwrap, store open, file vault),
    // then the first page.
    let start = Instant::now();
    let unlocked = session::unlock(data_dir, &vault).expect("unlock");
    let unlock = ms(start.elapsed());
    let page = unlocked.store.list(ListKind::Todo, 50, 0).expect("list");
    let total = ms(start.elapsed());
    assert_eq!(page.len(), 50);
    drop(unlocked);

    // The unwrap alone, afterwards (so the figure above stays cold): what the platform keystore
    // does; the key is dropped, zeroized.
    let start = Instant::now();
    let file = keys::KeyFile::read(data_dir, keys::WRAPPED_KEY_FILE)
        .expect("key file")
        .expect("a key file");
    drop(file.unwrap(&vault).expect("unwrap"));
    let unwrap = ms(start.elapsed());
    println!("{total} {unwrap} {unlock} {} {vault_open}", total - unlock);
}
