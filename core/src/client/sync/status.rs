//! The sync status a shell shows (sync.md, "The engine in core"): idle, syncing with its
//! progress, offline, or blocked with its kind; when the last sync succeeded; how many commands
//! wait and how many the gateway refused. The engine's word is published on a tokio watch
//! channel (a burst of pages wakes a screen once); the counts are read from the store when the
//! status is read, so they are right even when no sync runs.

use crate::client::{Client, ClientError};
use crate::engine::{EngineStatus, SyncState};
use chrono::{DateTime, Utc};
use tokio::sync::watch;

/// What the sync engine last said, in the phone's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncActivity {
    /// Idle, syncing (with progress), offline or blocked.
    pub state: SyncState,
    /// When a sync last went through to the end (the phone's clock), if one did since the
    /// client was opened.
    pub last_success: Option<DateTime<Utc>>,
    /// When the next try is due, if the engine waits (backoff or breaker).
    pub next_attempt: Option<DateTime<Utc>>,
}

impl Default for SyncActivity {
    fn default() -> Self {
        SyncActivity {
            state: SyncState::Idle,
            last_success: None,
            next_attempt: None,
        }
    }
}

/// The sync status as a shell shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    /// Idle, syncing (with progress), offline or blocked (with its kind).
    pub state: SyncState,
    /// When the phone last synced to the end: this client's last success, else the time of
    /// the last checkpoint the gateway issued to it.
    pub last_success: Option<DateTime<Utc>>,
    /// When the next automatic try is due, if one waits.
    pub next_attempt: Option<DateTime<Utc>>,
    /// Commands waiting for the gateway.
    pub outbox: usize,
    /// Commands the gateway refused (kept with their reason).
    pub refused: usize,
}

/// The sync's state shared by every run on one client.
pub(in crate::client) struct SyncShared {
    activity: watch::Sender<SyncActivity>,
    /// One exchange with the gateway at a time, whichever run asks.
    pub(super) exchange: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// When a sync last checked the 常用意见 book with the gateway (`driver.rs`).
    pub(super) phrases_checked_at: parking_lot::Mutex<Option<std::time::Instant>>,
}

impl SyncShared {
    pub(in crate::client) fn new() -> SyncShared {
        SyncShared {
            activity: watch::channel(SyncActivity::default()).0,
            exchange: std::sync::Arc::new(tokio::sync::Mutex::new(())),
            phrases_checked_at: parking_lot::Mutex::new(None),
        }
    }
}

impl Client {
    /// A receiver of the engine's word: `changed().await` wakes at the next change of state,
    /// progress or last success.
    pub fn sync_activity(&self) -> watch::Receiver<SyncActivity> {
        self.sync.activity.subscribe()
    }

    /// The sync status now, with the outbox and refused counts read from the store (not a use
    /// of the data: a status bar refreshing does not hold off the inactivity lock).
    pub fn sync_status(&self) -> Result<SyncStatus, ClientError> {
        self.sync_status_at(*self.sync.activity.borrow())
    }

    /// The sync status with `activity` (as a [`Client::sync_activity`] receiver saw it when it
    /// woke) and the counts read now.
    pub fn sync_status_at(&self, activity: SyncActivity) -> Result<SyncStatus, ClientError> {
        let store = self.store_peek()?;
        let last_success = match activity.last_success {
            Some(at) => Some(at),
            None => store.last_checkpoint()?.map(|c| c.issued_at()),
        };
        let refused = store
            .verdicts()?
            .iter()
            .filter(|row| !row.verdict.outcome.is_accepted())
            .count();
        Ok(SyncStatus {
            state: activity.state,
            last_success,
            next_attempt: activity.next_attempt,
            outbox: store.outbox_len()?,
            refused,
        })
    }

    /// Publishes what the engine said; `at_ms` is the engine's clock now, for converting its
    /// times to the device's. `succeeded`: this status is the first since a sync went through
    /// (its state and its time are published together, so no screen sees one without the other).
    pub(super) fn publish_engine_status(&self, status: &EngineStatus, at_ms: u64, succeeded: bool) {
        let now = self.device_now();
        let wall = |ms: u64| {
            let ahead = i64::try_from(ms.saturating_sub(at_ms)).unwrap_or(i64::MAX);
            now.checked_add_signed(chrono::Duration::milliseconds(ahead))
        };
        self.sync.activity.send_if_modified(|activity| {
            let next = SyncActivity {
                state: status.state,
                last_success: if succeeded {
                    Some(now)
                } else {
                    activity.last_success
                },
                next_attempt: status.next_attempt.and_then(wall),
            };
            let changed = *activity != next;
            *activity = next;
            changed
        });
    }
}
