//! 通讯录 as this phone keeps it: the unit's address book as last fetched, one row holding the
//! whole snapshot with its version (the gateway's `ETag`), replaced whole on each change, so a
//! person removed at the gateway leaves the phone with the next fetch. The store file is
//! encrypted, so the names and numbers are too.

use super::{decode, encode, Store, StoreError};
use crate::protocol::people::PeopleDirectory;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

impl Store {
    /// Replaces the stored address book with `directory`, fetched at `now`.
    pub fn save_directory(
        &mut self,
        directory: &PeopleDirectory,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO directory (id, version, body, fetched_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body,
                fetched_at = excluded.fetched_at",
            params![directory.version, encode(directory)?, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// The stored address book, if one was ever fetched.
    pub fn directory(&self) -> Result<Option<PeopleDirectory>, StoreError> {
        self.conn
            .query_row("SELECT body FROM directory WHERE id = 1", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .map(|body| decode(&body))
            .transpose()
    }

    /// The version of the stored address book, to ask the gateway whether it changed.
    pub fn directory_version(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT version FROM directory WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?)
    }
}
