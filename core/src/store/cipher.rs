//! SQLCipher at the connection level: the security pragmas, the raw key proved with one read before
//! anything else runs, and the rekey that moves every page to a new data key.
//!
//! The key is passed as SQLCipher's raw-key literal (`x'<key||salt>'`), so no passphrase KDF runs
//! at open: the data key is already random, and cold start stays fast.

use super::StoreError;
use crate::keys::DataKey;
use rusqlite::{Connection, ErrorCode};
use zeroize::Zeroizing;

/// Applies the key and security pragmas, then proves the key with one read.
pub(super) fn unlock(conn: &Connection, key: &DataKey) -> Result<(), StoreError> {
    // SQLCipher logs decryption failures by default (into logcat / os_log on phones): silence it
    // before the key is even tried.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    conn.execute_batch(&key_statement("key", key))?;
    // The first read decrypts page 1: a wrong key (or a damaged first page) fails here, before
    // any statement that could write.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) =>
        {
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
    // FULL: a committed approval survives a power cut too, not only a killed app. It costs one
    // fsync per transaction; a pulled page's transaction alone runs with NORMAL (`pages.rs`).
    conn.execute_batch("PRAGMA synchronous = FULL;")?;
    Ok(())
}

/// Re-encrypts every page under `new_key`, in one transaction: afterwards only `new_key` opens
/// the file. The write-ahead log is checkpointed first and after, so no page under the old key
/// stays behind in it.
pub(super) fn rekey(conn: &Connection, new_key: &DataKey) -> Result<(), StoreError> {
    checkpoint(conn)?;
    conn.execute_batch(&key_statement("rekey", new_key))?;
    checkpoint(conn)?;
    // Prove the new key took: a fresh read through the pager.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(())
}

/// Moves everything in the write-ahead log into the main file and empties the log.
pub(super) fn checkpoint(conn: &Connection) -> Result<(), StoreError> {
    let (busy, _, _): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if busy != 0 {
        return Err(StoreError::Busy);
    }
    Ok(())
}

/// `PRAGMA <name> = "x'…'"`, built in a buffer that is wiped when dropped.
fn key_statement(pragma: &str, key: &DataKey) -> Zeroizing<String> {
    let mut statement = Zeroizing::new(String::with_capacity(128));
    statement.push_str("PRAGMA ");
    statement.push_str(pragma);
    statement.push_str(" = \"");
    statement.push_str(&key.sqlcipher_key_literal());
    statement.push_str("\";");
    statement
}
