//! The phone's encrypted local store: SQLCipher opened with the raw data key, verified before any
//! other statement runs, with one repository per kind of thing the phone keeps.
//!
//! | module | role |
//! | --- | --- |
//! | `cipher` | security pragmas, the key check, rekey |
//! | `schema` | forward-only migrations, each in one transaction |
//! | `account` | the device binding, its signing chain, cursors, policy, the store's own secrets |
//! | `binding` | waiting for approval, the registered name and platform, when it was bound |
//! | `changes` | which parts of the data a committed write touched, for the screens' observers |
//! | `checkpoint` | the last signed checkpoint from the gateway and the policy it carried |
//! | `feed` | files pulled documents, instances, tasks, opinions, trace, read items, verdicts |
//! | `settle` | marks tasks acted on here and settles them with their verdicts |
//! | `pages` | applies a pulled page with its checkpoint and cursor in one transaction |
//! | `outbox` | signed commands waiting for the gateway, verdicts, drafts |
//! | `counts` | the size of each list, for the badges |
//! | `lists` | the phone's lists (待办, 已办, 待阅, 已阅, 已发, 草稿) and the detail of one task |
//! | `detail` | one document with its flow, from any id a list shows, for the detail screen |
//! | `notices` | 通知公告 with their signed form, and this user's 回执 (refused ones with the reason) |
//! | `people` | 通讯录: the unit's address book as last fetched, with its version |
//! | `phrases` | 常用意见 held, and the handwriting and voice attached to opinions here |
//! | `downloads` | the pieces of blob downloads received so far, for resuming |
//! | `retention` | the purge that keeps pending items plus the last N days |
//! | `search` | 全文检索: the encrypted full-text index over documents, opinions and notices |
//!
//! Every user action and every pulled page is written in one transaction, so a crash never
//! leaves half of it behind.

mod account;
mod binding;
mod bodies;
mod changes;
mod checkpoint;
mod cipher;
mod counts;
mod detail;
mod downloads;
mod feed;
mod lists;
mod notices;
mod outbox;
mod pages;
mod people;
mod phrases;
mod retention;
mod schema;
mod search;
mod settle;

pub use account::{Account, DeviceState, Policy};
pub use binding::Binding;
pub use changes::{ChangeSink, Topics};
pub use checkpoint::StoredCheckpoint;
pub use counts::{ListCounts, BADGE_CAP};
pub use detail::{DetailRows, FlowRows};
pub use downloads::DownloadPart;
pub use lists::{InboxRow, ListItem, ListKind, LocalTaskState};
pub(crate) use notices::merge_status;
pub use notices::{NoticeRow, ReceiptRefusal};
pub use outbox::{OutboxRow, VerdictRow};
pub use phrases::PhraseCopy;
pub use retention::PurgeReport;
pub use schema::SCHEMA_VERSION;
pub use search::{index_tokens_of, SearchHit, SearchKind, SearchQuery, Snippet, SnippetPart};

use crate::keys::DataKey;
use rusqlite::{Connection, ErrorCode};
use std::path::Path;

/// Errors of the store. Each message says what happened and what the user or shell can do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key does not open this database (or its first page is damaged). Nothing was read.
    #[error("the local store cannot be opened with this key: wrong key, or the file is damaged")]
    WrongKey,
    /// The store is locked (after inactivity or on request); unlock it to go on.
    #[error("the local store is locked; unlock the app to continue")]
    Locked,
    /// The database was written by a newer version of Qianpi.
    #[error("the local store has schema version {found}, newer than this app understands ({supported}); update the app")]
    TooNew {
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// Upgrading the schema failed; the file stays at the previous version, nothing was lost.
    #[error("upgrading the local store to version {to} failed ({reason}); the data is unchanged, report this and keep the app open to retry")]
    Migration {
        /// The version being reached.
        to: i64,
        /// What failed.
        reason: String,
    },
    /// Stored bytes failed their integrity check or could not be decoded: the store is damaged.
    #[error("the local store is damaged ({0}); sign in again to rebuild it from the gateway")]
    Corrupted(String),
    /// Another action was queued at the same time; the caller retries with fresh state.
    #[error("another action was queued at the same moment; try again")]
    Contended,
    /// Another connection holds the database (e.g. a checkpoint could not finish).
    #[error("the local store is busy; try again in a moment")]
    Busy,
    /// The file system failed (full disk, permissions).
    #[error("the local store's files could not be accessed: {0}")]
    Io(#[from] std::io::Error),
    /// SQLite reported another error.
    #[error("the local store failed: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        // SQLCipher reports a page whose authentication code fails as "not a database" or
        // "corrupt": both mean damaged bytes, never a programming error.
        match &error {
            rusqlite::Error::SqliteFailure(e, _)
                if matches!(e.code, ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) =>
            {
                StoreError::Corrupted("a page of the database failed its integrity check".into())
            }
            rusqlite::Error::SqliteFailure(e, _)
                if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
            {
                StoreError::Busy
            }
            _ => StoreError::Sqlite(error),
        }
    }
}

/// The encrypted store.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (or creates) the store at `path` with `key`. A wrong key fails with
    /// [`StoreError::WrongKey`] before any other statement touches the file; an older schema is
    /// migrated, a newer one refused.
    pub fn open(path: &Path, key: &DataKey) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
        cipher::unlock(&conn, key)?;
        // Applying a page uses about 25 distinct statements; re-preparing one is costly under
        // SQLCipher's memory security, so keep them all.
        conn.set_prepared_statement_cache_capacity(64);
        schema::migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// Re-encrypts the whole database under `new_key` (the data-key rotation). The caller keeps
    /// the new key safe (wrapped) before calling, so a crash at any point leaves one of the two
    /// keys able to open the file.
    pub fn rekey(&mut self, new_key: &DataKey) -> Result<(), StoreError> {
        cipher::rekey(&self.conn, new_key)
    }

    /// Writes every committed page into the main file and empties the write-ahead log.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        cipher::checkpoint(&self.conn)
    }

    /// Checks the authentication code of every page in the file, then the structure of every
    /// table and index (slow on a big store: for diagnostics and after a suspected crash).
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let mut problems = Vec::new();
        // SQLCipher's check reads each page of the file, free ones included, and reports each
        // one whose HMAC fails; it returns no rows when all are intact.
        let mut stmt = self.conn.prepare("PRAGMA cipher_integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            problems.push(row?);
        }
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let row = row?;
            if row != "ok" {
                problems.push(row);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Corrupted(format!(
                "{} integrity problems",
                problems.len()
            )))
        }
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
impl Store {
    /// The connection itself, for tests that alter stored rows behind the repositories' back
    /// (a tampered copy, a damaged value).
    pub(crate) fn raw_connection(&self) -> &Connection {
        &self.conn
    }
}

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupted(e.to_string()))
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupted(e.to_string()))
}

/// The serde name of a unit-like enum value (e.g. `incoming`), for columns that lists filter on.
pub(crate) fn label<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Ok(other
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()),
        Err(e) => Err(StoreError::Corrupted(e.to_string())),
    }
}

#[cfg(test)]
mod download_tests;
#[cfg(test)]
mod lists_tests;
#[cfg(test)]
mod migration_tests;
#[cfg(test)]
mod repository_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
