//! The phone's encrypted local store: SQLCipher opened with the raw data key, verified before any
//! other statement runs; the account, the inbox (待办), the outbox of signed commands and the
//! verdicts. Every user action and every pulled page is written in one transaction, so a crash
//! never leaves half of it behind.

mod schema;

pub use schema::{migrate_forward, MigrationError};

use crate::keys::DataKey;
use crate::model::SecrecyLevel;
use crate::protocol::{Change, CommandVerdict, InboxEntry, SignedCommand, SyncPage};
use crate::workflow::Instance;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key does not open this database (or its first page is damaged). Nothing was read.
    #[error("the local store cannot be opened with this key: wrong key, or the file is damaged")]
    WrongKey,
    /// The database was written by a newer version of Qianpi.
    #[error("the local store has schema version {found}, newer than this app understands ({supported}); update the app")]
    TooNew {
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A stored row could not be decoded: the store is damaged.
    #[error("the local store holds damaged data: {0}")]
    Corrupted(String),
    /// Another action was queued at the same time; the caller retries with fresh state.
    #[error("another action was queued at the same moment; try again")]
    Contended,
    /// SQLite reported an error.
    #[error("the local store failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The device's binding to a user at a gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The gateway's base URL.
    pub server_url: String,
    /// The device id the gateway assigned.
    pub device_id: String,
    /// The user.
    pub identity: crate::model::Identity,
    /// The unit's name.
    pub unit_name: String,
    /// Key id of the request key.
    pub request_key_id: String,
    /// Key id of the approval key.
    pub approval_key_id: String,
    /// The access token (bound to the request key).
    pub access_token: String,
}

/// The device's signing state and connectivity, kept beside the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceState {
    /// The counter the next command record gets.
    pub next_counter: u64,
    /// Base64 hash of the last record; empty before the first.
    pub last_record_hash: String,
    /// Server time minus device time, in milliseconds, learned from the last response.
    pub clock_offset_ms: i64,
    /// Whether the last attempt to reach the gateway succeeded.
    pub online: bool,
    /// The pull cursor.
    pub cursor: String,
}

/// Where an inbox item stands on this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTaskState {
    /// 待办 — waiting for the user.
    Pending,
    /// Decided here, waiting in the outbox for the gateway.
    Queued,
    /// 已办 — finished according to the gateway.
    Done,
}

impl LocalTaskState {
    fn as_str(self) -> &'static str {
        match self {
            LocalTaskState::Pending => "pending",
            LocalTaskState::Queued => "queued",
            LocalTaskState::Done => "done",
        }
    }

    fn parse(s: &str) -> Result<LocalTaskState, StoreError> {
        match s {
            "pending" => Ok(LocalTaskState::Pending),
            "queued" => Ok(LocalTaskState::Queued),
            "done" => Ok(LocalTaskState::Done),
            other => Err(StoreError::Corrupted(format!(
                "unknown task state {other:?}"
            ))),
        }
    }
}

/// One inbox item: the gateway's version of it, and the optimistic local instance, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRow {
    /// What the gateway last said.
    pub entry: InboxEntry,
    /// The instance as this phone's queued action left it (shown until the verdict arrives).
    pub local_instance: Option<Instance>,
    /// Where the item stands here.
    pub state: LocalTaskState,
}

/// One command waiting to be pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// The signed command.
    pub command: SignedCommand,
    /// The task it acts on.
    pub task_id: String,
    /// When the person decided.
    pub created_at: DateTime<Utc>,
    /// Whether the gateway was unreachable when the person decided.
    pub decided_offline: bool,
}

/// A verdict this phone received for one of its commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictRow {
    /// The verdict.
    pub verdict: CommandVerdict,
    /// Whether the command had been decided while the gateway was unreachable.
    pub decided_offline: bool,
    /// When the person decided.
    pub decided_locally_at: Option<DateTime<Utc>>,
}

/// The encrypted store.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (or creates) the store at `path` with `key`. A wrong key fails with
    /// [`StoreError::WrongKey`] before any other statement touches the file.
    pub fn open(path: &Path, key: &DataKey) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        schema::unlock(&conn, key)?;
        schema::migrate(&conn)?;
        Ok(Store { conn })
    }

    /// The account, once the device is activated.
    pub fn account(&self) -> Result<Option<(Account, DeviceState)>, StoreError> {
        self.conn
            .query_row("SELECT server_url, device_id, identity, unit_name, request_key_id, approval_key_id, access_token, next_counter, last_record_hash, clock_offset_ms, online, cursor FROM account WHERE id = 1", [], |row| {
                Ok((
                    (row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get::<_, String>(3)?, row.get::<_, String>(4)?, row.get::<_, String>(5)?, row.get::<_, String>(6)?),
                    DeviceState { next_counter: row.get::<_, i64>(7)?.try_into().unwrap_or(0), last_record_hash: row.get(8)?, clock_offset_ms: row.get(9)?, online: row.get(10)?, cursor: row.get(11)? },
                ))
            })
            .optional()?
            .map(|((server_url, device_id, identity, unit_name, request_key_id, approval_key_id, access_token), state)| {
                let identity = decode(&identity)?;
                Ok((Account { server_url, device_id, identity, unit_name, request_key_id, approval_key_id, access_token }, state))
            })
            .transpose()
    }

    /// Stores the account of a freshly activated device, replacing any earlier binding and its data.
    pub fn save_account(
        &mut self,
        account: &Account,
        clock_offset_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for table in ["inbox", "outbox", "verdicts", "account"] {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        tx.execute(
            "INSERT INTO account (id, server_url, device_id, identity, unit_name, request_key_id, approval_key_id, access_token, next_counter, last_record_hash, clock_offset_ms, online, cursor) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, '', ?8, 1, '')",
            params![account.server_url, account.device_id, encode(&account.identity)?, account.unit_name, account.request_key_id, account.approval_key_id, account.access_token, clock_offset_ms],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records whether the gateway answered, and the clock offset it implied.
    pub fn set_network(
        &mut self,
        online: bool,
        clock_offset_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE account SET online = ?1, clock_offset_ms = COALESCE(?2, clock_offset_ms) WHERE id = 1",
            params![online, clock_offset_ms],
        )?;
        Ok(())
    }

    /// Applies a pulled page in one transaction, cursor included: a crash between pages resumes at
    /// the last applied page and never applies one twice.
    pub fn apply_page(&mut self, page: &SyncPage) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let user_id: String = tx.query_row(
            "SELECT json_extract(identity, '$.user_id') FROM account WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        for change in &page.changes {
            match change {
                // The secrecy gate: a document above 无 never lands on a phone, even if a
                // misconfigured gateway sends one.
                Change::Inbox { entry } if entry.document.secrecy != SecrecyLevel::None => {
                    tracing::warn!(task = %entry.task_id, "refused to store a classified document");
                }
                Change::Inbox { entry } => {
                    let server_state = match entry.instance.task(&entry.task_id) {
                        Some(task)
                            if task.state.is_pending()
                                && (task.is_held_by(&user_id)
                                    || (task.assignee.is_empty()
                                        && task.candidates.contains(&user_id))) =>
                        {
                            LocalTaskState::Pending
                        }
                        _ => LocalTaskState::Done,
                    };
                    let queued: bool = tx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM outbox WHERE task_id = ?1)",
                        [&entry.task_id],
                        |r| r.get(0),
                    )?;
                    // An action still in the outbox wins over the gateway's older view of the task.
                    let state = if queued && server_state == LocalTaskState::Pending {
                        LocalTaskState::Queued
                    } else {
                        server_state
                    };
                    tx.execute(
                        "INSERT INTO inbox (task_id, instance_id, entry, state, urgency, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (task_id) DO UPDATE SET entry = excluded.entry, state = excluded.state,
                           local_instance = CASE WHEN excluded.state = 'queued' THEN local_instance END",
                        params![entry.task_id, entry.instance.id, encode(entry)?, state.as_str(), urgency_rank(entry), entry.document.received_at],
                    )?;
                }
                Change::Verdict { verdict } => store_verdict(&tx, verdict)?,
            }
        }
        tx.execute(
            "UPDATE account SET cursor = ?1 WHERE id = 1",
            [&page.next_cursor],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The inbox: pending items first (most urgent first), then queued, then done.
    pub fn inbox(&self) -> Result<Vec<InboxRow>, StoreError> {
        self.query_inbox(
            "SELECT entry, local_instance, state FROM inbox
             ORDER BY CASE state WHEN 'pending' THEN 0 WHEN 'queued' THEN 1 ELSE 2 END, urgency DESC, received_at DESC, task_id",
            [],
        )
    }

    /// One inbox item, read by its key.
    pub fn inbox_row(&self, task_id: &str) -> Result<Option<InboxRow>, StoreError> {
        let rows = self.query_inbox(
            "SELECT entry, local_instance, state FROM inbox WHERE task_id = ?1",
            [task_id],
        )?;
        Ok(rows.into_iter().next())
    }

    /// Runs an inbox query selecting `entry, local_instance, state` and decodes its rows.
    fn query_inbox(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<InboxRow>, StoreError> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(params, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (entry, local, state) = row?;
            Ok(InboxRow {
                entry: decode(&entry)?,
                local_instance: local.as_deref().map(decode).transpose()?,
                state: LocalTaskState::parse(&state)?,
            })
        })
        .collect()
    }

    /// Queues a signed command in one transaction: the outbox entry, the optimistic instance, and
    /// the device chain advanced to `counter + 1` and the record's hash. Fails with
    /// [`StoreError::Contended`] if another command took `counter` meanwhile.
    pub fn enqueue(
        &mut self,
        row: &OutboxRow,
        counter: u64,
        record_hash: &str,
        local_instance: &Instance,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let moved = tx.execute(
            "UPDATE account SET next_counter = next_counter + 1, last_record_hash = ?1 WHERE id = 1 AND next_counter = ?2",
            params![record_hash, i64::try_from(counter).map_err(|_| StoreError::Contended)?],
        )?;
        if moved != 1 {
            return Err(StoreError::Contended);
        }
        tx.execute(
            "INSERT INTO outbox (command_id, task_id, signed, created_at, decided_offline) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![row.command.command_id, row.task_id, encode(&row.command)?, row.created_at, row.decided_offline],
        )?;
        tx.execute(
            "UPDATE inbox SET state = 'queued', local_instance = ?1 WHERE task_id = ?2",
            params![encode(local_instance)?, row.task_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Commands waiting to be pushed, in device counter order.
    pub fn outbox(&self) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT signed, task_id, created_at, decided_offline FROM outbox ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.map(|row| {
            let (signed, task_id, created_at, decided_offline) = row?;
            Ok(OutboxRow {
                command: decode(&signed)?,
                task_id,
                created_at,
                decided_offline,
            })
        })
        .collect()
    }

    /// Stores verdicts from a push in one transaction; each command leaves the outbox only now.
    pub fn record_verdicts(&mut self, verdicts: &[CommandVerdict]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for verdict in verdicts {
            store_verdict(&tx, verdict)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every verdict received, newest first.
    pub fn verdicts(&self) -> Result<Vec<VerdictRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT verdict, decided_offline, decided_locally_at FROM verdicts ORDER BY rowid DESC",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
        rows.map(|row| {
            let (verdict, decided_offline, decided_locally_at) = row?;
            Ok(VerdictRow {
                verdict: decode(&verdict)?,
                decided_offline,
                decided_locally_at,
            })
        })
        .collect()
    }
}

/// Stores one verdict and settles its command: out of the outbox; on refusal the task falls back to
/// the gateway's view (the refusal itself stays visible in the verdict list).
fn store_verdict(
    tx: &rusqlite::Transaction<'_>,
    verdict: &CommandVerdict,
) -> Result<(), StoreError> {
    let queued: Option<(bool, DateTime<Utc>)> = tx
        .query_row(
            "SELECT decided_offline, created_at FROM outbox WHERE command_id = ?1",
            [&verdict.command_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (offline, decided_at) = match queued {
        Some((offline, at)) => (offline, Some(at)),
        None => (false, None),
    };
    tx.execute(
        "INSERT INTO verdicts (command_id, task_id, verdict, decided_offline, decided_locally_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (command_id) DO NOTHING",
        params![verdict.command_id, verdict.task_id, encode(verdict)?, offline, decided_at],
    )?;
    tx.execute(
        "DELETE FROM outbox WHERE command_id = ?1",
        [&verdict.command_id],
    )?;
    let settled = if verdict.outcome.is_accepted() {
        "done"
    } else {
        "pending"
    };
    tx.execute(
        "UPDATE inbox SET state = ?1, local_instance = NULL WHERE task_id = ?2 AND state = 'queued'",
        params![settled, verdict.task_id],
    )?;
    Ok(())
}

/// Sort key: 特急 first.
fn urgency_rank(entry: &InboxEntry) -> i64 {
    match entry.document.urgency {
        crate::model::Urgency::ExtraUrgent => 2,
        crate::model::Urgency::Urgent => 1,
        crate::model::Urgency::Normal => 0,
    }
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupted(e.to_string()))
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupted(e.to_string()))
}

#[cfg(test)]
mod tests;
