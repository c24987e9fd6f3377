//! 常用意见 and opinion files as this phone keeps them.
//!
//! Phrases: one row with the person's own list as the phone shows it (with an edit made here and
//! not yet accepted by the gateway), the gateway version that list was made on, the unit's
//! defaults, the book's version (the gateway's `ETag`), and whether the last edit made here was
//! refused because another device of the person's edited first.
//!
//! Opinion files: the handwriting images and voice clips this person attached to opinions on this
//! phone, each kept encrypted in the vault under its hash (the `files` table records it), with
//! whether the gateway has it yet and which command names it. They stay while the store keeps
//! them here, so the retention purge never removes a file an outbox entry still needs.

use super::{decode, encode, Store, StoreError};
use crate::model::OpinionFile;
use crate::protocol::phrases::PhraseBook;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// The phrases held on this phone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhraseCopy {
    /// The person's own phrases as shown (an edit made here included).
    pub own: Vec<String>,
    /// The gateway version `own` was made on (0 before any).
    pub own_version: u64,
    /// The unit's defaults.
    pub unit: Vec<String>,
    /// The book's version as last fetched (empty before the first fetch).
    pub version: String,
    /// An edit made here waits for the gateway.
    pub edited: bool,
    /// The last edit made here was refused: another device of the person's edited first, and
    /// `own` is now that device's list.
    pub edit_refused: bool,
}

impl Store {
    /// The phrases held, if any were fetched or edited here.
    pub fn phrase_copy(&self) -> Result<Option<PhraseCopy>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT own, own_version, unit, version, edited, edit_refused FROM phrases
                 WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, bool>(4)?,
                        r.get::<_, bool>(5)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(own, own_version, unit, version, edited, edit_refused)| {
            Ok(PhraseCopy {
                own: decode(&own)?,
                own_version: u64::try_from(own_version).unwrap_or(0),
                unit: decode(&unit)?,
                version,
                edited,
                edit_refused,
            })
        })
        .transpose()
    }

    /// Stores the book as the gateway sent it: the person's own list replaces the one held
    /// (any edit made here was accepted, or `refused` says it lost to another device's).
    pub fn save_phrase_book(
        &mut self,
        book: &PhraseBook,
        refused: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO phrases (id, own, own_version, unit, version, edited, edit_refused, updated_at)
             VALUES (1, ?1, ?2, ?3, ?4, 0, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET own = excluded.own, own_version = excluded.own_version,
               unit = excluded.unit, version = excluded.version, edited = 0,
               edit_refused = excluded.edit_refused, updated_at = excluded.updated_at",
            params![
                encode(&book.own)?,
                i64::try_from(book.own_version).unwrap_or(i64::MAX),
                encode(&book.unit)?,
                book.version,
                refused,
                at
            ],
        )?;
        Ok(())
    }

    /// Keeps an edit of the person's own list made here, for the gateway to take at the next
    /// sync; it is made on the version held.
    pub fn edit_own_phrases(
        &mut self,
        own: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO phrases (id, own, own_version, unit, version, edited, edit_refused, updated_at)
             VALUES (1, ?1, 0, '[]', '', 1, 0, ?2)
             ON CONFLICT (id) DO UPDATE SET own = excluded.own, edited = 1, edit_refused = 0,
               updated_at = excluded.updated_at",
            params![encode(&own)?, at],
        )?;
        Ok(())
    }

    /// Records a file attached to an opinion here (its bytes are in the vault), not yet uploaded.
    pub fn add_opinion_file(
        &mut self,
        file: &OpinionFile,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let size = i64::try_from(file.size).unwrap_or(i64::MAX);
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO files (sha256, size, stored_at) VALUES (?1, ?2, ?3)",
            params![file.sha256, size, at],
        )?;
        tx.execute(
            "INSERT INTO opinion_files (sha256, media_type, size, uploaded, created_at)
             VALUES (?1, ?2, ?3, 0, ?4)
             ON CONFLICT (sha256) DO UPDATE SET media_type = excluded.media_type",
            params![file.sha256, file.media_type, size, at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Notes which queued command names these files.
    pub fn bind_opinion_files(
        &mut self,
        hashes: &[&str],
        command_id: &str,
    ) -> Result<(), StoreError> {
        for sha in hashes {
            self.conn.execute(
                "UPDATE opinion_files SET command_id = ?1 WHERE sha256 = ?2",
                params![command_id, sha],
            )?;
        }
        Ok(())
    }

    /// The files the gateway does not have yet, as `(sha256, media type)`, oldest first.
    pub fn opinion_files_to_upload(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT sha256, media_type FROM opinion_files WHERE uploaded = 0 ORDER BY created_at",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The gateway has the file now.
    pub fn opinion_file_uploaded(&mut self, sha256: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE opinion_files SET uploaded = 1 WHERE sha256 = ?1",
            [sha256],
        )?;
        Ok(())
    }

    /// The gateway refused command `command_id` for a file it lacks: its files go up again,
    /// and so do files no command was noted for (an action completed behind a prompt).
    pub fn opinion_files_missing(&mut self, command_id: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE opinion_files SET uploaded = 0 WHERE command_id = ?1 OR command_id IS NULL",
            [command_id],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::keys::DataKey;
    use crate::store::test_support::{account, days, store_in};

    fn file(n: u8) -> OpinionFile {
        OpinionFile {
            sha256: format!("{n:02x}").repeat(32),
            media_type: "image/png".into(),
            size: 10,
            duration_ms: None,
        }
    }

    #[test]
    fn an_edit_made_here_is_kept_on_the_version_held_until_the_gateway_answers() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
        assert_eq!(store.phrase_copy().unwrap(), None);
        let book = PhraseBook {
            version: "v1".into(),
            own: vec!["同意。".into()],
            own_version: 3,
            unit: vec!["已阅。".into()],
        };
        store.save_phrase_book(&book, false, days(0)).unwrap();
        store
            .edit_own_phrases(&["同意。".into(), "拟同意。".into()], days(1))
            .unwrap();
        let copy = store.phrase_copy().unwrap().unwrap();
        assert_eq!(copy.own, ["同意。", "拟同意。"]);
        assert_eq!((copy.own_version, copy.edited), (3, true));
        assert_eq!(copy.unit, ["已阅。"]);
        // The gateway's list replaces it; a refusal is remembered until the next edit.
        store.save_phrase_book(&book, true, days(2)).unwrap();
        let copy = store.phrase_copy().unwrap().unwrap();
        assert_eq!(
            (copy.own.len(), copy.edited, copy.edit_refused),
            (1, false, true)
        );
        store.edit_own_phrases(&[], days(3)).unwrap();
        assert!(!store.phrase_copy().unwrap().unwrap().edit_refused);
    }

    #[test]
    fn opinion_files_wait_for_upload_and_outlive_retention_only_while_needed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
        store.save_account(&account(), 0).unwrap();
        let (sent, waiting) = (file(1), file(2));
        store.add_opinion_file(&sent, days(0)).unwrap();
        store.add_opinion_file(&waiting, days(0)).unwrap();
        store.bind_opinion_files(&[&sent.sha256], "c-1").unwrap();
        store.opinion_file_uploaded(&sent.sha256).unwrap();
        assert_eq!(
            store.opinion_files_to_upload().unwrap(),
            [(waiting.sha256.clone(), "image/png".to_owned())]
        );
        // The gateway lost it: it goes up again.
        store.opinion_files_missing("c-1").unwrap();
        assert_eq!(store.opinion_files_to_upload().unwrap().len(), 2);
        store.opinion_file_uploaded(&sent.sha256).unwrap();
        // Within retention nothing goes; after it, the uploaded file whose command left the
        // outbox is an orphan, the one never uploaded stays.
        assert!(store.purge(days(10), 30).unwrap().orphan_files.is_empty());
        let report = store.purge(days(45), 30).unwrap();
        assert_eq!(report.orphan_files, [sent.sha256]);
        assert_eq!(store.opinion_files_to_upload().unwrap().len(), 1);
    }
}
