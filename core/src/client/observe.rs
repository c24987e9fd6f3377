//! What the screens watch: a counter per part of the phone's data ([`Generations`]), raised after
//! every committed write that touched it (the store's commit hook, `store::changes`) and on every
//! lock and unlock, published on a tokio watch channel; and the snapshots a screen re-reads when
//! its part moved: the lists with their badges, the outbox with the refused commands, the lock.
//!
//! A watch channel keeps only the latest value, so a burst of writes (a sync applying 500 changes)
//! wakes a screen once, and a slow screen never makes the core wait. Reading a snapshot is not a
//! use of the data: a screen refreshing in the background does not hold off the inactivity lock.

use super::lifecycle::Access;
use super::{Client, ClientError};
use crate::screens::detail::DocumentDetail;
use crate::screens::people::DepartmentGroup;
use crate::store::{ListCounts, ListItem, ListKind, OutboxRow, Topics, VerdictRow};
use std::time::Instant;
use tokio::sync::watch;

/// How often each part of the phone's data has changed since the client was opened. Compare two
/// of them to learn what moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generations {
    /// The lists and their rows.
    pub lists: u64,
    /// Documents' details (bodies, attachments, files held).
    pub documents: u64,
    /// The outbox and the verdicts.
    pub outbox: u64,
    /// 通知公告 and 回执.
    pub notices: u64,
    /// The device binding and its policy.
    pub account: u64,
    /// 通讯录: the unit's address book (contacts screen and pickers).
    pub people: u64,
    /// Locked or unlocked (also by inactivity, noticed when someone asks).
    pub lock: u64,
}

impl Generations {
    fn bump(&mut self, topics: Topics) {
        let parts = [
            (Topics::LISTS, &mut self.lists),
            (Topics::DOCUMENTS, &mut self.documents),
            (Topics::OUTBOX, &mut self.outbox),
            (Topics::NOTICES, &mut self.notices),
            (Topics::ACCOUNT, &mut self.account),
            (Topics::PEOPLE, &mut self.people),
        ];
        for (topic, counter) in parts {
            if topics.intersects(topic) {
                *counter = counter.wrapping_add(1);
            }
        }
    }
}

/// The sending side, shared by the client and the store's commit hook.
pub(super) type ChangeSender = watch::Sender<Generations>;

/// Tells the watchers that `topics` changed.
pub(super) fn publish(changes: &ChangeSender, topics: Topics) {
    changes.send_modify(|g| g.bump(topics));
}

/// Tells the watchers that the data was locked or unlocked.
pub(super) fn publish_lock(changes: &ChangeSender) {
    changes.send_modify(|g| g.lock = g.lock.wrapping_add(1));
}

/// The lists screen: every list's size, and the first rows of the one shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListsOverview {
    /// Every list's size.
    pub counts: ListCounts,
    /// The list shown.
    pub kind: ListKind,
    /// Its first rows.
    pub rows: Vec<ListItem>,
}

/// What waits for the gateway, and what it refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxOverview {
    /// Commands waiting, oldest first.
    pub queued: Vec<OutboxRow>,
    /// Verdicts that refused a command of this phone, newest first (kept with their reason).
    pub refused: Vec<VerdictRow>,
}

impl Client {
    /// A receiver of [`Generations`]: `changed().await` wakes after the next change.
    pub fn changes(&self) -> watch::Receiver<Generations> {
        self.changes.subscribe()
    }

    /// When the data locks itself if nobody uses it; none while locked or when the limit lies
    /// beyond what the clock can name.
    pub fn lock_deadline(&self) -> Option<Instant> {
        self.session.lock().deadline()
    }

    /// The lists screen: the badges of every list and the first `limit` rows of `kind`.
    pub fn lists_overview(
        &self,
        kind: ListKind,
        limit: usize,
    ) -> Result<ListsOverview, ClientError> {
        let now = self.device_now();
        let store = self.store_peek()?;
        Ok(ListsOverview {
            counts: store.list_counts(now)?,
            kind,
            rows: store.list(kind, limit, 0)?,
        })
    }

    /// The outbox screen: what waits, and what was refused.
    pub fn outbox_overview(&self) -> Result<OutboxOverview, ClientError> {
        let store = self.store_peek()?;
        Ok(OutboxOverview {
            queued: store.outbox()?,
            refused: store
                .verdicts()?
                .into_iter()
                .filter(|row| !row.verdict.outcome.is_accepted())
                .collect(),
        })
    }

    /// The detail screen of `id` as a screen refreshing on its own reads it (not a use of the
    /// data). It moves with the document, the lists (a task done, an action queued or decided)
    /// and the outbox; see [`Generations::shows_detail`].
    pub fn document_overview(&self, id: &str) -> Result<DocumentDetail, ClientError> {
        self.document_detail_as(id, Access::Peek)
    }

    /// The people picker as a screen refreshing on its own reads it (not a use of the data).
    pub fn people_overview(&self, exclude_self: bool) -> Result<Vec<DepartmentGroup>, ClientError> {
        self.people_picker_as(exclude_self, Access::Peek)
    }
}

impl Generations {
    /// Whether a document's detail may show something else between `self` and `now`: its
    /// document or flow changed, its task moved between lists, an action on it was queued or
    /// decided, the unit's policy changed (whether an unopened body may be approved), or the data
    /// was locked or unlocked.
    pub fn shows_detail(&self, now: &Generations) -> bool {
        self.documents != now.documents
            || self.lists != now.lists
            || self.outbox != now.outbox
            || self.account != now.account
            || self.lock != now.lock
    }

    /// Whether the address book may show something else between `self` and `now`.
    pub fn shows_people(&self, now: &Generations) -> bool {
        self.people != now.people || self.lock != now.lock
    }
}

/// For benchmarks and cross-part tests only (the `test-support` feature): pulled pages filed
/// straight into the store, without the gateway's signatures, as a sync would file them.
#[cfg(feature = "test-support")]
impl Client {
    /// Files `page` at `now` as a sync would, skipping its signature checks.
    pub fn apply_page_unchecked(
        &self,
        page: &crate::protocol::SyncPage,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), ClientError> {
        Ok(self.store()?.apply_page_at(page, now)?)
    }
}

#[cfg(test)]
mod tests;
