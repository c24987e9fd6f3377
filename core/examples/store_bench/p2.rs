//! P-2: the first 待办 page of a 100k-document store, against plain SQLite.

use super::*;

/// The P-2 / P-3 store: a data folder unlocked through a software key vault, filled by a first
/// sync of [`P2_DOCUMENTS`] entries. Returns the data and vault folders and the seconds the build
/// took; a store already built in `folder` (`QIANPI_BENCH_STORE_DIR`) is taken as it is (`None`).
pub(crate) fn big_store(
    defs: &Definitions,
    folder: &Path,
) -> (std::path::PathBuf, std::path::PathBuf, Option<f64>) {
    let data_dir = folder.join("data");
    let vault_dir = folder.join("vault");
    if data_dir.join(session::DATABASE_FILE).exists() && vault_dir.exists() {
        eprintln!("P-2: reusing the store in {}", folder.display());
        // Opened once through the app's path, so that it is at this build's schema version.
        let vault = SoftwareKeyVault::open(&vault_dir, PASSPHRASE).expect("vault");
        drop(session::unlock(&data_dir, &vault).expect("unlock"));
        return (data_dir, vault_dir, None);
    }
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
    (data_dir, vault_dir, Some(built))
}

/// The 待办 query exactly as `Store::list` runs it (`store/lists.rs`), with the user lookup it
/// makes first.
pub(crate) const USER_SQL: &str =
    "SELECT json_extract(identity, '$.user_id') FROM account WHERE id = 1";
pub(crate) const TODO_SQL: &str =
    "SELECT t.id, d.id, d.title, d.number, d.urgency, t.received_at, t.deadline, 0 FROM tasks t
             JOIN instances i INDEXED BY instances_summary ON i.id = t.instance_id
             JOIN documents d INDEXED BY documents_summary ON d.id = i.document_id
             WHERE t.list = 'todo' AND ?1 = ?1
             ORDER BY t.urgency DESC, t.received_at DESC, t.id LIMIT ?2 OFFSET ?3";

/// The first 待办 page on a raw connection, decoded into the same types `ListItem` holds.
pub(crate) type RawItem = (
    String,
    String,
    String,
    String,
    i64,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    bool,
);

pub(crate) fn raw_first_page(conn: &Connection) -> Vec<RawItem> {
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
pub(crate) fn timed(mut query: impl FnMut() -> usize) -> Vec<f64> {
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
pub(crate) fn todo_first_page(data_dir: &Path, vault_dir: &Path, tmp: &Path, built: Option<f64>) {
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

    // The encrypted store through its own API: the first query after each of many unlocks, then
    // warm queries on one connection.
    let after_unlock = first_after_unlock(|| {
        let start = Instant::now();
        let store = Store::open(&path, &key).expect("open");
        let open = ms(start.elapsed());
        let start = Instant::now();
        let page = store.list(ListKind::Todo, 50, 0).expect("list");
        let first = ms(start.elapsed());
        (open, first, page.into_iter().map(|r| r.id).collect())
    });
    let store = Store::open(&path, &key).expect("open");
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
    let [ref_p50, ref_p99, ref_first_p50, ref_first_p99, ref_open_p50] = timings[..] else {
        panic!("five timings from the reference child");
    };
    let plain_ids: Vec<String> = lines
        .next()
        .expect("ids")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        plain_ids, after_unlock.ids,
        "the reference returns the same page"
    );
    // The plain copy once more, in this process (memory security on): splits the gap between
    // what decryption costs and what the wiped, locked allocations cost.
    let plain = Connection::open(&plain_path).expect("plain");
    let same_process = timed(|| raw_first_page(&plain).len());

    let (p50, p99) = (quantile(&times, 0.5), quantile(&times, 0.99));
    let built = built.map_or_else(|| "null".to_owned(), |b| format!("{b:.0}"));
    line(
        "store_todo_first_page_p99",
        p99,
        "ms",
        Some(ref_p99),
        &[
            ("p50", format!("{p50:.3}")),
            ("reference_p50", format!("{ref_p50:.3}")),
            ("max", format!("{:.3}", times[times.len() - 1])),
            (
                "plain_with_memory_security_p99",
                format!("{:.3}", quantile(&same_process, 0.99)),
            ),
            (
                "plain_with_memory_security_p50",
                format!("{:.3}", quantile(&same_process, 0.5)),
            ),
            ("queries", P2_QUERIES.to_string()),
            ("target_ms", "5".to_owned()),
            ("documents", documents.to_string()),
            ("tasks", tasks.to_string()),
            ("todo", todo.to_string()),
            ("db_mb", format!("{size_mb:.0}")),
            ("build_s", built.clone()),
        ],
    );
    let first = &after_unlock.first;
    line(
        "store_todo_first_page_after_unlock_p99",
        quantile(first, 0.99),
        "ms",
        Some(ref_first_p99),
        &[
            ("p50", format!("{:.3}", quantile(first, 0.5))),
            ("reference_p50", format!("{ref_first_p50:.3}")),
            ("max", format!("{:.3}", first[first.len() - 1])),
            (
                "open_p50_ms",
                format!("{:.3}", quantile(&after_unlock.open, 0.5)),
            ),
            (
                "open_p99_ms",
                format!("{:.3}", quantile(&after_unlock.open, 0.99)),
            ),
            ("reference_open_p50_ms", format!("{ref_open_p50:.3}")),
            ("unlocks", P2_UNLOCKS.to_string()),
            ("target_ms", "5".to_owned()),
            (
                "note",
                json_str(
                    "each unlock opens the store anew with its key (Store::open: a new \
                     connection, nothing prepared, an empty page cache) and times the first \
                     待办 page on it; the OS file cache is warm, as on a phone unlocked again; \
                     reference: the same on a plain SQLite copy, a new connection each time, in \
                     a fresh process",
                ),
            ),
        ],
    );
}

/// The first page right after each of [`P2_UNLOCKS`] opens, sorted, with the open times.
pub(crate) struct AfterUnlock {
    pub(crate) first: Vec<f64>,
    pub(crate) open: Vec<f64>,
    /// The page's ids (the same every time).
    pub(crate) ids: Vec<String>,
}

/// Runs `unlock_and_read` (open, first page: ms, ms, ids) [`P2_UNLOCKS`] times.
pub(crate) fn first_after_unlock(
    mut unlock_and_read: impl FnMut() -> (f64, f64, Vec<String>),
) -> AfterUnlock {
    let (mut first, mut open, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..P2_UNLOCKS {
        let (o, f, page) = unlock_and_read();
        assert_eq!(page.len(), 50, "a full first page");
        assert!(
            ids.is_empty() || ids == page,
            "the same page after every unlock"
        );
        ids = page;
        open.push(o);
        first.push(f);
    }
    first.sort_by(f64::total_cmp);
    open.sort_by(f64::total_cmp);
    AfterUnlock { first, open, ids }
}

/// P-2's reference, in a fresh process: prints `p50 p99 first_p50 first_p99 open_p50` in ms
/// (warm queries, then the first query on a new connection), then the first page's ids.
pub(crate) fn plain_reference_child(path: &Path) {
    let after_open = first_after_unlock(|| {
        let start = Instant::now();
        let plain = Connection::open(path).expect("plain");
        // As `Store::open` does: the schema is read at open.
        plain
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .expect("schema");
        let open = ms(start.elapsed());
        let start = Instant::now();
        let page = raw_first_page(&plain);
        let first = ms(start.elapsed());
        (open, first, page.into_iter().map(|r| r.0).collect())
    });
    let plain = Connection::open(path).expect("plain");
    let times = timed(|| raw_first_page(&plain).len());
    println!(
        "{} {} {} {} {}",
        quantile(&times, 0.5),
        quantile(&times, 0.99),
        quantile(&after_open.first, 0.5),
        quantile(&after_open.first, 0.99),
        quantile(&after_open.open, 0.5),
    );
    println!("{}", after_open.ids.join(" "));
}
