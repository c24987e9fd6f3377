//! Applying a pulled page: every change of it filed by the feed [`Writer`] (inbox items and
//! verdicts) or the notices repository, the checkpoint it carried kept, and the cursor moved, all
//! in one transaction — a crash between pages resumes at the last applied page and never applies
//! one twice. A page carrying notices also extends the range of deliveries to report (`notices`).

use super::feed::Writer;
use super::StoreError;
use crate::protocol::{Change, SyncPage};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

impl super::Store {
    /// Applies a pulled page in one transaction, cursor included, WITHOUT the client's checks of
    /// what the gateway signed: for tests and benchmarks only (`test-support` feature), never
    /// reachable from a shell. The client applies pages through [`Store::apply_verified_page`].
    #[cfg(any(test, feature = "test-support"))]
    pub fn apply_page(&mut self, page: &SyncPage) -> Result<(), StoreError> {
        self.apply_page_at(page, Utc::now())
    }

    /// [`Store::apply_page`] with the phone's clock given (retention counts from `now`); tests and
    /// benchmarks only, like it.
    #[cfg(any(test, feature = "test-support"))]
    pub fn apply_page_at(&mut self, page: &SyncPage, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.apply_verified_page(page, None, now)
    }

    /// Applies a page whose statements the client verified, with the checkpoint it carried, in
    /// one transaction.
    pub fn apply_verified_page(
        &mut self,
        page: &SyncPage,
        checkpoint: Option<&super::StoredCheckpoint>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // A page's transaction commits without waiting for the disk (WAL, synchronous NORMAL):
        // a power cut can lose the last pages applied, never part of one, and since each carries
        // its cursor they are simply pulled again. Everything the person does still commits with
        // FULL, and that commit's sync makes every page written before it durable too, so an
        // approval never outlives the pages it was made on. A first sync of 10,000 documents is
        // some 70 pages, each of which waited for the disk before.
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let applied = self.apply_page_transaction(page, checkpoint, now);
        let restored = self.conn.pragma_update(None, "synchronous", "FULL");
        applied?;
        Ok(restored?)
    }

    fn apply_page_transaction(
        &mut self,
        page: &SyncPage,
        checkpoint: Option<&super::StoredCheckpoint>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        if let Some(checkpoint) = checkpoint {
            super::checkpoint::keep(&tx, checkpoint, now)?;
        }
        // Without an account there is nobody to file the page for.
        let user_id =
            super::account::signed_in_user(&tx)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        let before: String = tx
            .prepare_cached("SELECT cursor FROM sync_cursors WHERE feed = ?1")?
            .query_row([super::account::CHANGES_FEED], |r| r.get(0))
            .optional()?
            .unwrap_or_default();
        let mut notices = false;
        let mut writer = Writer::new(&tx, &user_id)?;
        for change in &page.changes {
            match change {
                Change::Inbox { entry } => {
                    writer.entry(entry, now)?;
                }
                Change::Verdict { verdict } => writer.verdict(verdict)?,
                // Delivered when the gateway handed it over, by the gateway's clock.
                Change::Notice { notice, signed } => {
                    notices = true;
                    super::notices::file_notice(&tx, notice, Some(signed), now, page.server_time)?
                }
                Change::Receipt { status } => super::notices::file_status(&tx, &user_id, status)?,
            }
        }
        writer.finish()?;
        if notices {
            super::notices::notices_stored(&tx, &before, &page.next_cursor)?;
        }
        tx.execute(
            "INSERT INTO sync_cursors (feed, cursor) VALUES (?1, ?2)
             ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor",
            params![super::account::CHANGES_FEED, page.next_cursor],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "page_tests.rs"]
mod tests;
