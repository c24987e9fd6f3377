//! The sync status a status bar shows: idle, syncing with its progress, offline or blocked
//! (with why), when the phone last synced, how many actions wait and how many the gateway
//! refused. `observe_sync_status` calls its observer now and at every change of the engine's
//! word or of the outbox; `start_sync` keeps the phone in sync while the app runs and takes the
//! shell's word on foreground, background and the network; `sync_within` is a background task's
//! sync, ending at a page boundary when its time is up.

use super::TaskHandle;
use crate::convert::SyncSummary;
use crate::{runtime, QianpiClient, QianpiError};
use qianpi_core::client::{SyncHandle, SyncStatus as CoreStatus};
use qianpi_core::engine::{BlockedKind, SyncState as CoreState};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// Why the phone cannot sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BlockedReason {
    /// The gateway has not answered for many tries in a row.
    Unreachable,
    /// A captive network (hotel, airport Wi-Fi) answers instead of the gateway: sign in to it.
    CaptivePortal,
    /// Something on the way is reading secure connections.
    TlsIntercepted,
    /// The gateway's certificate is not trusted here (CA, pin, expiry, name).
    TlsUntrusted,
    /// The proxy refused the connection.
    Proxy,
    /// The phone's clock is too far off.
    Clock,
    /// The office no longer accepts this device.
    DeviceRevoked,
    /// The device waits for the administrator's approval (compare the fingerprint words).
    DevicePending,
    /// The gateway answers with errors.
    ServerError,
}

impl From<BlockedKind> for BlockedReason {
    fn from(kind: BlockedKind) -> Self {
        match kind {
            BlockedKind::Unreachable => BlockedReason::Unreachable,
            BlockedKind::CaptivePortal => BlockedReason::CaptivePortal,
            BlockedKind::TlsIntercepted => BlockedReason::TlsIntercepted,
            BlockedKind::TlsUntrusted => BlockedReason::TlsUntrusted,
            BlockedKind::Proxy => BlockedReason::Proxy,
            BlockedKind::Clock => BlockedReason::Clock,
            BlockedKind::DeviceRevoked => BlockedReason::DeviceRevoked,
            BlockedKind::DevicePending => BlockedReason::DevicePending,
            BlockedKind::ServerError => BlockedReason::ServerError,
        }
    }
}

/// What the sync is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncState {
    /// Nothing to do (or waiting for the gateway to have something).
    Idle,
    /// Syncing, with how far it got.
    Syncing {
        /// Pages pulled and applied.
        pages: u32,
        /// Changes pulled, plus actions and 回执 sent.
        items: u64,
        /// Bytes pulled.
        bytes: u64,
    },
    /// No network, or the gateway did not answer; it tries again by itself.
    Offline,
    /// It cannot sync, and says why.
    Blocked {
        /// Why.
        reason: BlockedReason,
    },
}

impl From<CoreState> for SyncState {
    fn from(state: CoreState) -> Self {
        match state {
            CoreState::Idle => SyncState::Idle,
            CoreState::Syncing(p) => SyncState::Syncing {
                pages: p.pages,
                items: p.items,
                bytes: p.bytes,
            },
            CoreState::Offline => SyncState::Offline,
            CoreState::Blocked(kind) => SyncState::Blocked {
                reason: kind.into(),
            },
        }
    }
}

/// The sync status.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStatus {
    /// What the sync is doing.
    pub state: SyncState,
    /// When the phone last synced to the end.
    pub last_success: Option<SystemTime>,
    /// When the next automatic try is due, if one waits.
    pub next_attempt: Option<SystemTime>,
    /// Actions waiting for the gateway.
    pub outbox: u32,
    /// Actions the gateway refused (kept with their reason).
    pub refused: u32,
}

impl From<CoreStatus> for SyncStatus {
    fn from(s: CoreStatus) -> Self {
        SyncStatus {
            state: s.state.into(),
            last_success: s.last_success.map(Into::into),
            next_attempt: s.next_attempt.map(Into::into),
            outbox: u32::try_from(s.outbox).unwrap_or(u32::MAX),
            refused: u32::try_from(s.refused).unwrap_or(u32::MAX),
        }
    }
}

/// Follows the sync status.
#[uniffi::export(with_foreign)]
pub trait SyncStatusObserver: Send + Sync {
    /// The status, now.
    fn on_update(&self, status: SyncStatus);
    /// It cannot be read now (most often: the data is locked).
    fn on_error(&self, error: QianpiError);
}

/// The phone kept in sync while the app runs (`start_sync`); dropping it stops the sync.
#[derive(uniffi::Object)]
pub struct SyncRunner {
    handle: Mutex<Option<SyncHandle>>,
}

impl SyncRunner {
    fn with(&self, act: impl FnOnce(&SyncHandle)) {
        if let Some(handle) = self
            .handle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            act(handle);
        }
    }
}

#[uniffi::export]
impl SyncRunner {
    /// Sync now (pull to refresh).
    pub fn sync_now(&self) {
        self.with(SyncHandle::sync_now);
    }

    /// The app came to the foreground: retry at once, then wait for news from the gateway.
    pub fn foreground(&self) {
        self.with(SyncHandle::foreground);
    }

    /// The app went to the background.
    pub fn background(&self) {
        self.with(SyncHandle::background);
    }

    /// The network changed; `online` says whether there is one now.
    pub fn network_changed(&self, online: bool) {
        self.with(|h| h.network_changed(online));
    }

    /// Stops the sync.
    pub fn stop(&self) {
        let handle = self
            .handle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            handle.stop();
        }
    }
}

#[uniffi::export]
impl QianpiClient {
    /// Follows the sync status: `observer` gets it now and at each change (a sync starting,
    /// each page, its end, a failure, an action queued or decided).
    pub fn observe_sync_status(
        &self,
        observer: Arc<dyn SyncStatusObserver>,
    ) -> Result<Arc<TaskHandle>, QianpiError> {
        let client = Arc::clone(&self.inner);
        let mut activity = client.sync_activity();
        let mut changes = client.changes();
        let task = runtime()?.spawn(async move {
            let mut seen = *changes.borrow_and_update();
            let mut last: Option<SyncStatus> = None;
            loop {
                // The state that woke this task, not a later one: a short sync's "syncing" is
                // shown even when it is over by the time the counts are read.
                let woke = *activity.borrow_and_update();
                let reader = Arc::clone(&client);
                let read = tokio::task::spawn_blocking(move || reader.sync_status_at(woke));
                match read.await {
                    Ok(Ok(status)) => {
                        let status = SyncStatus::from(status);
                        if last.as_ref() != Some(&status) {
                            last = Some(status.clone());
                            observer.on_update(status);
                        }
                    }
                    Ok(Err(error)) => observer.on_error(error.into()),
                    Err(e) => observer.on_error(QianpiError::Internal {
                        reason: e.to_string(),
                    }),
                }
                // Wait for the engine's word, or a change of the outbox (an action queued or
                // decided) or of the lock.
                loop {
                    tokio::select! {
                        changed = activity.changed() => {
                            if changed.is_err() {
                                return;
                            }
                            break;
                        }
                        changed = changes.changed() => {
                            if changed.is_err() {
                                return;
                            }
                            let now = *changes.borrow_and_update();
                            if now.outbox != seen.outbox || now.lock != seen.lock {
                                seen = now;
                                break;
                            }
                        }
                    }
                }
            }
        });
        Ok(Arc::new(TaskHandle::new(task)))
    }

    /// A sync within `budget` (a background task's time, about 30 s on iOS): when it is spent
    /// the sync stops at the next page boundary, everything applied so far kept, and the
    /// summary says so (`budget_spent`).
    pub async fn sync_within(&self, budget: Duration) -> Result<SyncSummary, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let report = runtime()?
            .spawn(async move { inner.sync_within(budget).await })
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })??;
        Ok(report.into())
    }

    /// Keeps the phone in sync until the returned runner is stopped or dropped: retries with
    /// backoff when the gateway cannot be reached, waits for news from the gateway while
    /// `foreground` with nothing queued, and pushes an action as soon as it is queued.
    /// Async: starting reads the account from the store, which is disk work the caller's thread
    /// (a shell's main thread) must not do.
    pub async fn start_sync(&self, foreground: bool) -> Result<Arc<SyncRunner>, QianpiError> {
        let runtime = runtime()?;
        let inner = Arc::clone(&self.inner);
        let on = runtime.handle().clone();
        let handle = runtime
            .spawn_blocking(move || inner.run_sync(&on, foreground))
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })??;
        Ok(Arc::new(SyncRunner {
            handle: Mutex::new(Some(handle)),
        }))
    }
}
