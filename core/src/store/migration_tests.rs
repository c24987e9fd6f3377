//! Every migration, tested by opening a database created at each earlier version with data in it;
//! a migration that fails leaves the file at its previous version with its data.

use super::schema::{self, MIGRATIONS};
use super::test_support::*;
use super::*;
use crate::keys::DataKey;
use crate::model::Urgency;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rusqlite::params;

/// A database at `version`, written the way that version wrote it.
fn database_at(path: &Path, key: &DataKey, version: usize) -> Connection {
    let mut conn = Connection::open(path).unwrap();
    cipher::unlock(&conn, key).unwrap();
    for (index, migration) in MIGRATIONS.iter().enumerate().take(version) {
        // Only the SQL: data steps move data that earlier versions had.
        let bare = schema::Migration {
            sql: migration.sql,
            data: None,
        };
        schema::run_one(&mut conn, index, &bare).unwrap();
    }
    conn
}

/// Version 1's data: an account with a cursor and a signing chain, a pending and a queued inbox
/// item, two outbox entries and a verdict.
fn seed_v1(conn: &Connection) -> (String, String) {
    let pending = fresh_entry("p", "关于春耕的通知", Urgency::Urgent, t0());
    let queued = fresh_entry("q", "关于防汛的通知", Urgency::Normal, t0());
    let local = approved(&queued, "同意", t0()).instance;
    conn.execute(
        "INSERT INTO account VALUES (1, 'http://127.0.0.1:1/', 'dev', ?1, '办公室', 'dk', 'ak', 'tok', 3, 'h2', 5, 1, 'cursor-7')",
        [serde_json::to_string(&account().identity).unwrap()],
    )
    .unwrap();
    for (entry, local, state) in [
        (&pending, None, "pending"),
        (&queued, Some(&local), "queued"),
    ] {
        conn.execute(
            "INSERT INTO inbox VALUES (?1, ?2, ?3, ?4, ?5, 0, NULL)",
            params![
                entry.task_id,
                entry.instance.id,
                serde_json::to_string(entry).unwrap(),
                local.map(|l| serde_json::to_string(l).unwrap()),
                state
            ],
        )
        .unwrap();
    }
    for (n, payload) in [(1, "first record"), (2, "second record")] {
        let signed = serde_json::json!({
            "command_id": format!("c{n}"),
            "payload": STANDARD.encode(payload),
            "signature": STANDARD.encode([n as u8; 64]),
        });
        conn.execute(
            "INSERT INTO outbox (command_id, task_id, signed, created_at, decided_offline) VALUES (?1, ?2, ?3, ?4, 1)",
            params![format!("c{n}"), queued.task_id, signed.to_string(), t0()],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO verdicts VALUES ('c0', 'old-task', '{}', 0, NULL)",
        [],
    )
    .unwrap();
    (pending.task_id, queued.task_id)
}

#[test]
fn every_earlier_version_opens_at_the_newest_one() {
    for version in 0..MIGRATIONS.len() {
        let dir = tempfile::tempdir().unwrap();
        let key = DataKey::generate().unwrap();
        let path = dir.path().join("t.db");
        // Version 1's data, carried up to `version` by the migrations between, as a phone
        // that was upgraded step by step holds it.
        let mut conn = database_at(&path, &key, version.min(1));
        if version >= 1 {
            seed_v1(&conn);
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().take(version).skip(1) {
            schema::run_one(&mut conn, index, migration).unwrap();
        }
        drop(conn);
        let store = Store::open(&path, &key).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            SCHEMA_VERSION,
            "from {version}"
        );
        store.check_integrity().unwrap();
    }
}

#[test]
fn version_1_data_is_refiled_into_the_repositories() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    let path = dir.path().join("t.db");
    let conn = database_at(&path, &key, 1);
    let (pending, queued) = seed_v1(&conn);
    drop(conn);
    let store = Store::open(&path, &key).unwrap();
    let (account, device) = store.account().unwrap().unwrap();
    assert_eq!(account.identity.user_id, ME);
    assert_eq!(
        (device.cursor.as_str(), device.next_counter),
        ("cursor-7", 3)
    );
    let todo = store.list(ListKind::Todo, 10, 0).unwrap();
    assert_eq!(
        todo.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        [pending.as_str()]
    );
    assert_eq!(todo[0].urgency, Urgency::Urgent);
    let row = store.inbox_row(&queued).unwrap().unwrap();
    assert_eq!(row.state, LocalTaskState::Queued);
    assert!(
        row.local_instance.is_some(),
        "the optimistic copy survives the upgrade"
    );
    // Counters were consecutive and end just before the account's next one.
    let chain: Vec<(i64, String)> = store
        .conn
        .prepare("SELECT counter, record_hash FROM outbox ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let hash = |p: &str| STANDARD.encode(crate::crypto::sha256(p.as_bytes()));
    assert_eq!(
        chain,
        [(1, hash("first record")), (2, hash("second record"))]
    );
    let verdicts: i64 = store
        .conn
        .query_row("SELECT count(*) FROM verdicts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(verdicts, 1);
}

#[test]
fn a_failing_migration_leaves_the_previous_version_and_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    let path = dir.path().join("t.db");
    let conn = database_at(&path, &key, 1);
    seed_v1(&conn);
    conn.execute(
        "UPDATE inbox SET entry = '{not json' WHERE state = 'pending'",
        [],
    )
    .unwrap();
    drop(conn);
    let result = Store::open(&path, &key);
    assert!(
        matches!(result, Err(StoreError::Migration { to: 2, .. })),
        "got {:?}",
        result.err()
    );
    let conn = database_at(&path, &key, 0);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM inbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!((version, rows), (1, 2));
}

#[test]
fn a_store_from_a_newer_build_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    let path = dir.path().join("t.db");
    drop(Store::open(&path, &key).unwrap());
    let conn = database_at(&path, &key, 0);
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path, &key),
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

#[test]
fn version_12_keeps_every_trace_record_and_the_key_apart_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    let path = dir.path().join("t.db");
    // Version 1's data refiled at version 2, at 11.
    let mut conn = database_at(&path, &key, 1);
    seed_v1(&conn);
    for (index, migration) in MIGRATIONS.iter().enumerate().take(11).skip(1) {
        schema::run_one(&mut conn, index, migration).unwrap();
    }
    let records = |conn: &Connection| -> Vec<(String, i64, String)> {
        conn.prepare("SELECT instance_id, version, record FROM trace ORDER BY instance_id, version")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    // Records of about a kilobyte and a half, as signed ones are: larger than a key cell holds.
    let long = "签".repeat(500);
    conn.execute(
        "INSERT INTO trace (instance_id, version, record)
         SELECT id, 100, ?1 FROM instances UNION ALL SELECT id, 101, ?1 || 'x' FROM instances",
        [&long],
    )
    .unwrap();
    let before = records(&conn);
    assert!(before.len() >= 2, "the refiled instances have a trace");
    drop(conn);
    let store = Store::open(&path, &key).unwrap();
    assert_eq!(records(&store.conn), before);
    let table: String = store
        .conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'trace'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!table.contains("WITHOUT ROWID"), "{table}");
    // The key still refuses a second record of the same version.
    let (instance, version, record) = before[0].clone();
    assert!(store
        .conn
        .execute(
            "INSERT INTO trace (instance_id, version, record) VALUES (?1, ?2, ?3)",
            params![instance, version, record],
        )
        .is_err());
    store.check_integrity().unwrap();
}

#[test]
fn version_14_lists_each_stored_document_with_its_kind_and_secrecy() {
    use crate::model::{DocumentKind, SecrecyLevel};
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    let path = dir.path().join("t.db");
    let mut conn = database_at(&path, &key, 1);
    let (pending, queued) = seed_v1(&conn);
    for (index, migration) in MIGRATIONS.iter().enumerate().take(13).skip(1) {
        schema::run_one(&mut conn, index, migration).unwrap();
    }
    // The pending one's document says 秘密 (a phone never holds one, but the row must say what
    // the stored document says, not assume it).
    conn.execute(
        "UPDATE documents SET body = json_set(body, '$.secrecy', 'secret') WHERE id = 'p'",
        [],
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path, &key).unwrap();
    let todo = store.list(ListKind::Todo, 10, 0).unwrap();
    let done = store.list(ListKind::Done, 10, 0).unwrap();
    let shown: Vec<(&str, DocumentKind, SecrecyLevel)> = todo
        .iter()
        .chain(&done)
        .map(|r| (r.id.as_str(), r.kind, r.secrecy))
        .collect();
    assert_eq!(
        shown,
        vec![
            (
                pending.as_str(),
                DocumentKind::Incoming,
                SecrecyLevel::Secret
            ),
            (queued.as_str(), DocumentKind::Incoming, SecrecyLevel::None),
        ]
    );
}
