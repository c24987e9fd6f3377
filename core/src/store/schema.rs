//! Opening the SQLCipher database and its forward-only schema migrations.
//!
//! `unlock` sets the security pragmas, applies the raw key and proves the key right with one read
//! before anything else runs; `migrate` brings an older schema up to date, one version at a time,
//! each in its own transaction.

use super::StoreError;
use crate::keys::DataKey;
use rusqlite::{Connection, ErrorCode};
use zeroize::Zeroizing;

/// Each entry upgrades the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: account, inbox, outbox, verdicts.
    "CREATE TABLE account (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        server_url TEXT NOT NULL,
        device_id TEXT NOT NULL,
        identity TEXT NOT NULL,
        unit_name TEXT NOT NULL,
        request_key_id TEXT NOT NULL,
        approval_key_id TEXT NOT NULL,
        access_token TEXT NOT NULL,
        next_counter INTEGER NOT NULL,
        last_record_hash TEXT NOT NULL,
        clock_offset_ms INTEGER NOT NULL,
        online INTEGER NOT NULL,
        cursor TEXT NOT NULL
     );
     CREATE TABLE inbox (
        task_id TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        entry TEXT NOT NULL,
        local_instance TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'queued', 'done')),
        urgency INTEGER NOT NULL,
        received_at TEXT
     );
     CREATE INDEX inbox_by_list ON inbox (state, urgency DESC, received_at DESC);
     CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        command_id TEXT NOT NULL UNIQUE,
        task_id TEXT NOT NULL,
        signed TEXT NOT NULL,
        created_at TEXT NOT NULL,
        decided_offline INTEGER NOT NULL
     );
     CREATE INDEX outbox_by_task ON outbox (task_id);
     CREATE TABLE verdicts (
        command_id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        verdict TEXT NOT NULL,
        decided_offline INTEGER NOT NULL,
        decided_locally_at TEXT
     );",
];

/// Applies the key and security pragmas, then proves the key with one read.
pub(super) fn unlock(conn: &Connection, key: &DataKey) -> Result<(), StoreError> {
    // SQLCipher logs decryption failures by default (into logcat / os_log on phones): silence it
    // before the key is even tried.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    let mut statement = Zeroizing::new(String::with_capacity(128));
    statement.push_str("PRAGMA key = \"");
    statement.push_str(&key.sqlcipher_key_literal());
    statement.push_str("\";");
    conn.execute_batch(&statement)?;
    // The first read decrypts page 1: a wrong key (or a damaged header) fails here and nowhere later.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            return Err(StoreError::WrongKey)
        }
        Err(e) => return Err(e.into()),
    }
    conn.execute_batch(
        "PRAGMA cipher_memory_security = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupted(format!("journal mode stayed {mode}")));
    }
    Ok(())
}

/// Brings the schema up to the newest version; refuses a database from a newer build.
pub(super) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    match migrate_forward(conn, MIGRATIONS) {
        Ok(_) => Ok(()),
        Err(MigrationError::TooNew { found, supported }) => {
            Err(StoreError::TooNew { found, supported })
        }
        Err(MigrationError::Sqlite(e)) => Err(StoreError::Sqlite(e)),
    }
}

/// Errors of forward-only migrations.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The database was written by a newer build.
    #[error(
        "the database has schema version {found}, newer than this build understands ({supported})"
    )]
    TooNew {
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Brings a database (its `user_version`) up to `migrations.len()`: entry `i` upgrades version `i`
/// to `i + 1`, each in its own transaction. Returns the version found before migrating. Shared by
/// the phone's store and the gateway's database.
pub fn migrate_forward(conn: &Connection, migrations: &[&str]) -> Result<i64, MigrationError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let supported = i64::try_from(migrations.len()).unwrap_or(i64::MAX);
    if found > supported {
        return Err(MigrationError::TooNew { found, supported });
    }
    for (index, sql) in migrations
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        tx.commit()?;
    }
    Ok(found)
}
