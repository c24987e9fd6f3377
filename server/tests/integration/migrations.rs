//! Upgrading a gateway: a database written by an older gateway, at an earlier schema version
//! and with data in it, opens in this one migrated and with nothing lost. Runs on SQLite, or on a
//! fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a server.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;

use qianpi_gateway::blobs;
use qianpi_gateway::db::{Db, DATABASE_FILE};
use qianpi_gateway::schema;
use qianpi_gateway::sql::Dialect;
use qianpi_gateway::Location;

/// A new database brought to `version` the way the gateway of that version left it, with
/// `seed` (neutral SQL) run on top.
fn at_version(location: &Location, version: usize, seed: &str) {
    let dialect = match location {
        Location::Folder(_) => Dialect::Sqlite,
        Location::Postgres(_) => Dialect::Postgres,
    };
    let mut script = String::from(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL);\n",
    );
    for (index, neutral) in schema::MIGRATIONS[..version].iter().enumerate() {
        script.push_str(&dialect.ddl(neutral));
        script.push_str(&format!(
            ";\nINSERT INTO schema_migrations VALUES ({}, '2026-11-01T00:00:00+00:00');\n",
            index + 1
        ));
    }
    script.push_str(seed);
    match location {
        Location::Folder(dir) => {
            std::fs::create_dir_all(dir).unwrap();
            let conn = rusqlite::Connection::open(dir.join(DATABASE_FILE)).unwrap();
            conn.execute_batch(&script).unwrap();
        }
        Location::Postgres(url) => {
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            client.batch_execute(&script).unwrap();
        }
    }
}

/// Bytes as a literal of the dialect.
fn bytes_literal(location: &Location, bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    match location {
        Location::Folder(_) => format!("X'{hex}'"),
        Location::Postgres(_) => format!("'\\x{hex}'::bytea"),
    }
}

#[test]
fn a_version_2_database_keeps_its_files_and_each_unit_keeps_their_media_type() {
    let dir = tempfile::tempdir().unwrap();
    let location = support::Database::new(dir.path()).location;
    let bytes = "会议纪要".repeat(10).into_bytes();
    let sha = qianpi_protocol::crypto::sha256_hex(&bytes);
    let data = bytes_literal(&location, &bytes);
    let now = "2026-11-01T00:00:00+00:00";
    // Two units own one file; the version 2 gateway kept one media type for it.
    let seed = format!(
        "INSERT INTO units VALUES ('unit-a', 'A 办公室', '某办', '{now}'), ('unit-b', 'B 办公室', '某办', '{now}');
         INSERT INTO users VALUES
            ('u-a', 'unit-a', 'zhangsan', '张三', '局长', 'leader', '[]', '{now}'),
            ('u-b', 'unit-b', 'lisi', '李四', '科员', 'staff', '[]', '{now}');
         INSERT INTO blobs (sha256, size, media_type, chunk_size, created_at)
            VALUES ('{sha}', {size}, 'application/ofd', 262144, '{now}');
         INSERT INTO blob_chunks VALUES ('{sha}', 0, {data});
         INSERT INTO blob_owners VALUES ('{sha}', 'unit-a'), ('{sha}', 'unit-b');
         INSERT INTO blob_readers VALUES ('{sha}', 'u-a'), ('{sha}', 'u-b');",
        size = bytes.len(),
    );
    at_version(&location, 2, &seed);

    let (db, new) = Db::open(&location).unwrap();
    assert!(!new, "a database with a schema is not new");
    let read = |user: &'static str| {
        let sha = sha.clone();
        db.tx_blocking(move |sql| {
            let version = schema::version(sql)?;
            let meta = blobs::readable(sql, user, &sha)?.expect("the grant survives");
            let chunk = blobs::chunk(sql, &sha, 0)?;
            Ok((version, meta.media_type, meta.size, chunk))
        })
        .unwrap()
    };
    for user in ["u-a", "u-b"] {
        let (version, media_type, size, chunk) = read(user);
        assert_eq!(version, schema::current_version());
        assert_eq!(media_type, "application/ofd", "{user}");
        assert_eq!(size, bytes.len() as u64);
        assert_eq!(chunk, bytes);
    }
    drop(db);
    // Opening again migrates nothing.
    let (db, _) = Db::open(&location).unwrap();
    let versions = db
        .tx_blocking(|sql| {
            Ok(sql
                .query_one("SELECT count(*) FROM schema_migrations", &[])?
                .int(0)?)
        })
        .unwrap();
    assert_eq!(versions, schema::current_version());
}
