//! The feed stores each document, instance version and definition once: a database written by
//! the gateway before that (every reader's row a whole copy) is converted in place when a newer
//! gateway opens it and serves byte for byte the pages it served before, in a fraction of the
//! space; a conversion stopped half-way serves the same pages and is finished by the next start;
//! objects no row names any more are collected. Runs on SQLite, or on a fresh PostgreSQL
//! database when `QIANPI_TEST_POSTGRES` names a server.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;

use qianpi_domain::model::RecipientStatus;
use qianpi_gateway::db::{encode, Db};
use qianpi_gateway::error::ApiError;
use qianpi_gateway::feed::{self, Cursor, MAX_PAGE_BYTES};
use qianpi_gateway::instances::{load_instance, LoadedFlow};
use qianpi_gateway::schema;
use qianpi_gateway::sql::{args, Dialect, Sql};
use qianpi_gateway::{admin, Location};
use qianpi_protocol::{page_checksum, Change, InboxEntry, NoticeStatus};

/// The demo's flow, from a database seeded as `qianpi-gateway demo` does.
fn demo_flow(dir: &std::path::Path) -> LoadedFlow {
    let location = support::Database::new(dir).location;
    let (db, _) = Db::open(&location).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(admin::demo::seed(&db))
        .unwrap();
    db.tx_blocking(|sql| load_instance(sql, admin::demo::INSTANCE, false))
        .unwrap()
        .unwrap()
}

const READERS: [&str; 5] = ["user-a", "user-b", "user-c", "user-d", "user-e"];

/// One stored change: user, number, lane, item key and the change.
#[derive(Clone)]
struct Row {
    user: String,
    seq: i64,
    lane: i64,
    key: String,
    change: Change,
}

/// An inbox change of document `d` at instance version `version` for task `task`.
fn inbox(flow: &LoadedFlow, d: usize, version: u64, task: &str) -> Change {
    let mut document = flow.document.clone();
    document.id = format!("doc-{d}");
    document.title = format!("关于第{d}号事项的请示");
    let mut instance = flow.instance.clone();
    instance.id = format!("inst-{d}");
    instance.document_id = document.id.clone();
    instance.version = version;
    let mut definition = flow.definition.clone();
    // Two definitions in use, each shared by half the documents.
    definition.id = format!("def-{}", d % 2);
    Change::Inbox {
        entry: Box::new(InboxEntry {
            task_id: task.to_owned(),
            document,
            instance,
            definition,
        }),
    }
}

/// A feed as the gateway kept it: `documents` documents, each with three readers, who saw the
/// instance at different versions (one is a version behind), and two 回执 each.
fn feeds(flow: &LoadedFlow, documents: usize) -> Vec<Row> {
    let mut heads = [0i64; READERS.len()];
    let mut rows = Vec::new();
    let mut push = |r: usize, lane: i64, key: String, change: Change| {
        heads[r] += 1 + (rows.len() % 3) as i64;
        rows.push(Row {
            user: READERS[r].to_owned(),
            seq: heads[r],
            lane,
            key,
            change,
        });
    };
    for d in 0..documents {
        for k in 0..3 {
            let r = (d + k) % READERS.len();
            let version = 3 + (d % 2) as u64 - u64::from(k == 2);
            let task = format!("task-{d}-{k}");
            let lane = if k == 0 { 1 } else { 3 };
            push(
                r,
                lane,
                format!("task:{task}"),
                inbox(flow, d, version, &task),
            );
        }
    }
    for (r, user) in READERS.iter().enumerate() {
        for n in 0..2 {
            let status = NoticeStatus {
                notice_id: format!("notice-{n}"),
                user_id: (*user).to_owned(),
                status: RecipientStatus::default(),
            };
            push(
                r,
                2,
                format!("receipt:notice-{n}"),
                Change::Receipt { status },
            );
        }
    }
    rows
}

/// `text` as a SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A new database at schema version 6 (before feed objects) holding `rows` as that gateway
/// stored them: each change whole in its row.
fn version_6_database(location: &Location, rows: &[Row]) {
    let dialect = match location {
        Location::Folder(_) => Dialect::Sqlite,
        Location::Postgres(_) => Dialect::Postgres,
    };
    let mut script = String::from(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL);\n",
    );
    for (index, neutral) in schema::MIGRATIONS[..6].iter().enumerate() {
        script.push_str(&dialect.ddl(neutral));
        script.push_str(&format!(
            ";\nINSERT INTO schema_migrations VALUES ({}, '2026-11-01T00:00:00+00:00');\n",
            index + 1
        ));
    }
    script.push_str("INSERT INTO units VALUES ('unit-f', 'F', 'F', '');\n");
    for user in READERS {
        script.push_str(&format!(
            "INSERT INTO users (id, unit_id, login, name, post, role, roles, created_at)
             VALUES ('{user}', 'unit-f', '{user}', '{user}', '', 'member', '[]', '');
             INSERT INTO feed_heads VALUES ('{user}', {});\n",
            rows.iter()
                .filter(|row| row.user == user)
                .map(|row| row.seq)
                .max()
                .unwrap_or(0)
                + 1
        ));
    }
    for row in rows {
        script.push_str(&format!(
            "INSERT INTO changes (user_id, seq, body, lane, item_key) VALUES ('{}', {}, {}, {}, {});\n",
            row.user,
            row.seq,
            literal(&encode(&row.change).unwrap()),
            row.lane,
            literal(&row.key)
        ));
    }
    match location {
        Location::Folder(dir) => {
            std::fs::create_dir_all(dir).unwrap();
            let conn =
                rusqlite::Connection::open(dir.join(qianpi_gateway::db::DATABASE_FILE)).unwrap();
            conn.execute_batch(&script).unwrap();
        }
        Location::Postgres(url) => {
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            client.batch_execute(&script).unwrap();
        }
    }
}

/// A page as it goes on the wire: the changes' JSON, their checksum, the cursor, `has_more`.
type WirePage = (Vec<u8>, String, String, bool);

fn wire(changes: &[Change], next: String, has_more: bool) -> WirePage {
    (
        serde_json::to_vec(changes).unwrap(),
        page_checksum(changes).unwrap(),
        next,
        has_more,
    )
}

/// Every page of `user`'s feed from the start with `limit`, as the gateway before feed objects
/// served them from `rows`: the whole change of each row, lane by lane, cut by count and size.
fn pages_before(rows: &[Row], user: &str, limit: usize) -> Vec<WirePage> {
    let head = rows
        .iter()
        .filter(|row| row.user == user)
        .map(|row| row.seq)
        .max()
        .unwrap_or(0)
        + 1;
    let mut mine: Vec<&Row> = rows.iter().filter(|row| row.user == user).collect();
    mine.sort_by_key(|row| (row.lane, row.seq));
    let mut cursor = [0i64; 4];
    let mut pages = Vec::new();
    loop {
        let mut next = cursor;
        let (mut changes, mut bytes, mut cut_at) = (Vec::new(), 0usize, None);
        for row in mine
            .iter()
            .filter(|row| row.seq > cursor[row.lane as usize])
        {
            let size = encode(&row.change).unwrap().len();
            if changes.len() == limit || (!changes.is_empty() && bytes + size > MAX_PAGE_BYTES) {
                cut_at = Some(row.lane as usize);
                break;
            }
            bytes += size;
            next[row.lane as usize] = row.seq;
            changes.push(row.change.clone());
        }
        for position in next.iter_mut().take(cut_at.unwrap_or(4)) {
            *position = (*position).max(head);
        }
        let [a, b, c, d] = next;
        pages.push(wire(
            &changes,
            format!("v2.{a}.{b}.{c}.{d}"),
            cut_at.is_some(),
        ));
        if cut_at.is_none() {
            return pages;
        }
        cursor = next;
    }
}

/// Every page of `user`'s feed from the start with `limit`, as this gateway serves them.
fn pages_now(db: &Db, user: &str, limit: usize) -> Vec<WirePage> {
    let mut cursor = Cursor::default();
    let mut pages = Vec::new();
    loop {
        let page = db
            .tx_blocking(|sql| feed::page(sql, user, cursor, limit))
            .unwrap();
        pages.push(wire(&page.changes, page.next.to_string(), page.has_more));
        if !page.has_more {
            return pages;
        }
        cursor = page.next;
    }
}

fn assert_same_pages(db: &Db, rows: &[Row]) {
    for user in READERS {
        for limit in [1, 4, 200] {
            assert!(
                pages_now(db, user, limit) == pages_before(rows, user, limit),
                "{user}, pages of {limit}: the pages differ from those served before"
            );
        }
    }
}

fn count(sql: &mut dyn Sql, query: &str) -> Result<i64, ApiError> {
    Ok(sql.query_one(query, args![])?.opt_int(0)?.unwrap_or(0))
}

/// The bytes of JSON the feed holds: its rows' bodies and its objects.
fn stored_bytes(db: &Db) -> (i64, i64) {
    db.tx_blocking(|sql| {
        Ok((
            count(sql, "SELECT SUM(octet_length(body)) FROM changes")?,
            count(sql, "SELECT SUM(octet_length(body)) FROM feed_objects")?,
        ))
    })
    .unwrap()
}

#[test]
fn an_old_feed_is_converted_in_place_serves_the_same_pages_and_shrinks() {
    let dir = tempfile::tempdir().unwrap();
    let flow = demo_flow(&dir.path().join("demo"));
    let documents = 40;
    let rows = feeds(&flow, documents);
    let before: usize = rows.iter().map(|r| encode(&r.change).unwrap().len()).sum();
    let location = support::Database::new(&dir.path().join("old")).location;
    version_6_database(&location, &rows);

    let (db, new) = Db::open(&location).unwrap();
    assert!(!new);
    assert_eq!(
        db.tx_blocking(|sql| Ok(schema::version(sql)?)).unwrap(),
        schema::current_version()
    );
    let unconverted = db
        .tx_blocking(|sql| count(sql, "SELECT COUNT(*) FROM changes WHERE size IS NULL"))
        .unwrap();
    assert_eq!(unconverted, 0, "every row is converted at start");
    assert_same_pages(&db, &rows);

    // One copy of each document, each instance version a reader holds, each definition.
    let objects = db
        .tx_blocking(|sql| count(sql, "SELECT COUNT(*) FROM feed_objects"))
        .unwrap();
    assert_eq!(objects, documents as i64 * 3 + 2);
    let (row_bytes, object_bytes) = stored_bytes(&db);
    let after = (row_bytes + object_bytes) as usize;
    eprintln!("feed before {before} bytes of JSON, after {after} stored ({row_bytes} in rows)");
    assert!(
        after * 2 < before,
        "three readers per document share one copy: {after} bytes against {before}"
    );
}

#[test]
fn a_conversion_stopped_half_way_serves_the_same_pages_and_the_next_start_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let flow = demo_flow(&dir.path().join("demo"));
    let rows = feeds(&flow, 20);
    let database = support::Database::new(&dir.path().join("old"));
    version_6_database(&database.location, &rows);
    let db = {
        // The schema migrated, no row converted yet: what a gateway killed right after the
        // migrations leaves. Written here as the old gateway wrote its rows.
        let (db, _) = Db::open(&database.location).unwrap();
        db.tx_blocking(|sql| {
            sql.execute(
                "UPDATE changes SET size = NULL, document_ref = NULL, instance_ref = NULL,
                    definition_ref = NULL",
                args![],
            )?;
            sql.execute("DELETE FROM feed_objects", args![])?;
            for row in &rows {
                sql.execute(
                    "UPDATE changes SET body = ?3 WHERE user_id = ?1 AND seq = ?2",
                    args![row.user.as_str(), row.seq, encode(&row.change)?],
                )?;
            }
            Ok(())
        })
        .unwrap();
        db
    };
    assert_same_pages(&db, &rows);

    // A batch whose transaction fails converts nothing.
    let failed = db.tx_blocking(|sql| -> Result<(), ApiError> {
        assert_eq!(feed::convert_batch(sql, 25)?, 25);
        Err(ApiError::internal("the gateway stopped mid-batch"))
    });
    assert!(failed.is_err());
    let unconverted = |db: &Db| {
        db.tx_blocking(|sql| count(sql, "SELECT COUNT(*) FROM changes WHERE size IS NULL"))
            .unwrap()
    };
    assert_eq!(unconverted(&db), rows.len() as i64);

    // One batch done, then the gateway stops: both forms side by side serve the same pages.
    assert_eq!(
        db.tx_blocking(|sql| feed::convert_batch(sql, 25)).unwrap(),
        25
    );
    assert_eq!(unconverted(&db), rows.len() as i64 - 25);
    assert_same_pages(&db, &rows);
    drop(db);

    // The next start converts the rest.
    let (db, _) = Db::open(&database.location).unwrap();
    assert_eq!(unconverted(&db), 0);
    assert_same_pages(&db, &rows);
    let converted = db
        .tx_blocking(|sql| {
            count(
                sql,
                "SELECT COUNT(*) FROM changes WHERE document_ref IS NOT NULL",
            )
        })
        .unwrap();
    assert_eq!(converted, 20 * 3, "every task's row names its objects");
}

#[test]
fn objects_are_collected_once_no_row_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let flow = demo_flow(&dir.path().join("demo"));
    let database = support::Database::new(&dir.path().join("feed"));
    version_6_database(&database.location, &[]);
    let (db, _) = Db::open(&database.location).unwrap();
    let objects = |db: &Db| {
        db.tx_blocking(|sql| count(sql, "SELECT COUNT(*) FROM feed_objects"))
            .unwrap()
    };
    let append = |db: &Db, user: &'static str, change: Change| {
        db.tx_blocking(move |sql| feed::append_change(sql, user, &change))
            .unwrap();
    };
    let collect = |db: &Db| db.tx_blocking(feed::collect).unwrap();

    // A task id that needs escaping: the row's size is still the JSON's as sent.
    let task = "任务-\"1\"\\";
    append(&db, "user-a", inbox(&flow, 1, 1, task));
    append(&db, "user-b", inbox(&flow, 1, 1, task));
    assert_eq!(
        objects(&db),
        3,
        "two readers share one document, instance and definition"
    );
    let size = db
        .tx_blocking(|sql| count(sql, "SELECT MAX(size) FROM changes"))
        .unwrap();
    assert_eq!(
        size as usize,
        encode(&inbox(&flow, 1, 1, task)).unwrap().len()
    );

    // The flow moves on: user-a's row now names version 2, user-b's still version 1.
    append(&db, "user-a", inbox(&flow, 1, 2, task));
    assert_eq!(objects(&db), 4);
    assert_eq!(collect(&db), 0, "version 1 is still user-b's");
    assert_eq!(objects(&db), 4);

    append(&db, "user-b", inbox(&flow, 1, 2, task));
    assert_eq!(collect(&db), 1, "no row names version 1 any more");
    assert_eq!(objects(&db), 3);
    assert_eq!(collect(&db), 0);

    // What remains serves both readers the flow at version 2.
    for user in ["user-a", "user-b"] {
        let changes = db
            .tx_blocking(|sql| feed::stored_changes(sql, user))
            .unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(
            encode(&changes[0].1).unwrap(),
            encode(&inbox(&flow, 1, 2, task)).unwrap()
        );
        assert_eq!(pages_now(&db, user, 10)[0].0.len(), {
            let change = inbox(&flow, 1, 2, task);
            serde_json::to_vec(&[change]).unwrap().len()
        });
    }
}

#[test]
fn a_collection_beside_writers_never_takes_an_object_a_row_names() {
    let dir = tempfile::tempdir().unwrap();
    let flow = std::sync::Arc::new(demo_flow(&dir.path().join("demo")));
    let database = support::Database::new(&dir.path().join("feed"));
    version_6_database(&database.location, &[]);
    let (db, _) = Db::open(&database.location).unwrap();
    // Each writer moves its reader's task back and forth between two versions: every change
    // leaves the other version unnamed (a candidate for collection) and the next one names it
    // again, finding it stored — the moment a collection must not slip into.
    let writers: Vec<_> = READERS[..3]
        .iter()
        .enumerate()
        .map(|(w, user)| {
            let (db, flow) = (db.clone(), flow.clone());
            std::thread::spawn(move || {
                for i in 0..150u64 {
                    let change = inbox(&flow, w, 1 + i % 2, "task-shared");
                    db.tx_blocking(|sql| feed::append_change(sql, user, &change))
                        .unwrap();
                }
            })
        })
        .collect();
    let collector = {
        let db = db.clone();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = done.clone();
        (
            std::thread::spawn(move || {
                let mut collected = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    collected += db.tx_blocking(feed::collect).unwrap();
                }
                collected
            }),
            done,
        )
    };
    for writer in writers {
        writer.join().unwrap();
    }
    collector
        .1
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let collected = collector.0.join().unwrap();
    assert!(collected > 0, "the collection ran beside the writers");
    for (w, user) in READERS[..3].iter().enumerate() {
        let changes = db
            .tx_blocking(|sql| feed::stored_changes(sql, user))
            .unwrap();
        assert_eq!(
            encode(&changes[0].1).unwrap(),
            encode(&inbox(&flow, w, 2, "task-shared")).unwrap(),
            "{user}'s row reads whole"
        );
    }
}
