//! Screens that follow the data: a shell hands an observer (a foreign trait) to `observe_*` and
//! gets a [`TaskHandle`]; the observer is called at once with the current state, then again each
//! time the part of the data it shows changes (a pulled page, an action taken here, a lock or an
//! unlock, the inactivity lock when it falls). Cancelling or dropping the handle stops the
//! updates. The Kotlin shell wraps these in a `Flow`, the Swift shell in an `AsyncStream`.
//!
//! The observer runs on the core's IO runtime, never while a Rust lock is held; the store is read
//! on a blocking thread, and reading is not a use of the data (the inactivity lock still falls).

mod screens;
mod sync;

use crate::convert::Verdict;
use crate::detail::FlowAction;
use crate::lists::{ListEntry, ListKind};
use crate::{runtime, QianpiClient, QianpiError};
use qianpi_core::client::{Generations, ListsOverview as CoreLists, OutboxOverview as CoreOutbox};
use qianpi_core::store::{ListCounts as CoreCounts, ListKind as CoreKind};
use qianpi_core::{Client, ClientError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;
use tokio::task::JoinHandle;

/// A running observation; cancel it, or drop it, to stop the updates.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    task: Mutex<Option<JoinHandle<()>>>,
}

#[uniffi::export]
impl TaskHandle {
    /// Stops the updates; the observer is not called again once this returns.
    pub fn cancel(&self) {
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            task.abort();
        }
    }

    /// Whether the observation has stopped.
    pub fn is_finished(&self) -> bool {
        self.task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_none_or(JoinHandle::is_finished)
    }
}

impl TaskHandle {
    /// A handle on `task`.
    pub(crate) fn new(task: JoinHandle<()>) -> TaskHandle {
        TaskHandle {
            task: Mutex::new(Some(task)),
        }
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Follows the lists screen.
#[uniffi::export(with_foreign)]
pub trait ListsObserver: Send + Sync {
    /// The badges and first rows, now.
    fn on_update(&self, overview: ListsOverview);
    /// They cannot be read now (most often: the data is locked).
    fn on_error(&self, error: QianpiError);
}

/// Follows the outbox screen.
#[uniffi::export(with_foreign)]
pub trait OutboxObserver: Send + Sync {
    /// What waits and what was refused, now.
    fn on_update(&self, overview: OutboxOverview);
    /// It cannot be read now (most often: the data is locked).
    fn on_error(&self, error: QianpiError);
}

/// Follows the lock.
#[uniffi::export(with_foreign)]
pub trait LockObserver: Send + Sync {
    /// Whether the data is locked, now.
    fn on_update(&self, locked: bool);
}

/// The size of each list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ListCounts {
    /// 待办.
    pub todo: u32,
    /// Of 待办, those past their 办理时限.
    pub overdue: u32,
    /// 已办, with the actions still waiting for the gateway.
    pub done: u32,
    /// 待阅.
    pub to_read: u32,
    /// 已阅.
    pub read: u32,
    /// 已发.
    pub sent: u32,
    /// 草稿.
    pub drafts: u32,
}

impl From<CoreCounts> for ListCounts {
    fn from(c: CoreCounts) -> Self {
        ListCounts {
            todo: c.todo,
            overdue: c.overdue,
            done: c.done,
            to_read: c.to_read,
            read: c.read,
            sent: c.sent,
            drafts: c.drafts,
        }
    }
}

/// The lists screen: every badge, and the first rows of the list shown.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ListsOverview {
    /// Every list's size.
    pub counts: ListCounts,
    /// The list shown.
    pub kind: ListKind,
    /// Its first rows.
    pub rows: Vec<ListEntry>,
}

impl From<CoreLists> for ListsOverview {
    fn from(o: CoreLists) -> Self {
        ListsOverview {
            counts: o.counts.into(),
            kind: list_kind(o.kind),
            rows: o.rows.into_iter().map(Into::into).collect(),
        }
    }
}

/// The bindings' name of a core list.
fn list_kind(kind: CoreKind) -> ListKind {
    match kind {
        CoreKind::Todo => ListKind::Todo,
        CoreKind::Done => ListKind::Done,
        CoreKind::ToRead => ListKind::ToRead,
        CoreKind::Read => ListKind::Read,
        CoreKind::Sent => ListKind::Sent,
        CoreKind::Drafts => ListKind::Drafts,
    }
}

/// A command waiting for the gateway.
#[derive(Debug, Clone, uniffi::Record)]
pub struct QueuedAction {
    /// Its id (the gateway's verdict names it).
    pub command_id: String,
    /// The task it acts on.
    pub task_id: String,
    /// What it does (同意, 驳回 …); none only for a record whose action this build does not
    /// know (a record this phone signed always names one it knows).
    pub action: Option<FlowAction>,
    /// When the person decided.
    pub created_at: SystemTime,
    /// Decided while the gateway could not be reached.
    pub decided_offline: bool,
}

/// The outbox screen.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OutboxOverview {
    /// Commands waiting, oldest first.
    pub queued: Vec<QueuedAction>,
    /// Commands the gateway refused, newest first, with the reason.
    pub refused: Vec<Verdict>,
}

impl From<CoreOutbox> for OutboxOverview {
    fn from(o: CoreOutbox) -> Self {
        let queued = o
            .queued
            .into_iter()
            .map(|row| QueuedAction {
                // The phone's own record, signed here: decoded for its action name only.
                action: row
                    .command
                    .record_unverified()
                    .ok()
                    .and_then(|record| FlowAction::named(&record.action)),
                command_id: row.command.command_id,
                task_id: row.task_id,
                created_at: row.created_at.into(),
                decided_offline: row.decided_offline,
            })
            .collect();
        OutboxOverview {
            queued,
            refused: o.refused.into_iter().map(Into::into).collect(),
        }
    }
}

/// Which parts of the data a screen shows: it is read again when one of them moved.
type Shows = fn(&Generations, &Generations) -> bool;

/// Reads with `read` now and after every change `shows` cares about, handing each result to
/// `deliver`, until the returned handle is cancelled or dropped.
fn observe<T: Send + 'static>(
    client: &Arc<Client>,
    shows: Shows,
    read: impl Fn(&Client) -> Result<T, ClientError> + Send + Sync + 'static,
    deliver: impl Fn(Result<T, QianpiError>) + Send + Sync + 'static,
) -> Result<Arc<TaskHandle>, QianpiError> {
    let client = Arc::clone(client);
    let read = Arc::new(read);
    let mut changes = client.changes();
    let task = runtime()?.spawn(async move {
        let mut seen = *changes.borrow_and_update();
        loop {
            let (reader, read_now) = (Arc::clone(&client), Arc::clone(&read));
            let result = match tokio::task::spawn_blocking(move || read_now(&reader)).await {
                Ok(result) => result.map_err(QianpiError::from),
                Err(e) => Err(QianpiError::Internal {
                    reason: e.to_string(),
                }),
            };
            deliver(result);
            // Wait for a change this screen shows. The inactivity lock falls silently when
            // nobody asks; asking at its deadline makes it tell.
            loop {
                let deadline = client.lock_deadline();
                let woke = match deadline {
                    Some(at) => tokio::select! {
                        changed = changes.changed() => changed.is_ok(),
                        () = tokio::time::sleep_until(at.into()) => {
                            client.is_locked();
                            true
                        }
                    },
                    None => changes.changed().await.is_ok(),
                };
                if !woke {
                    return;
                }
                let now = *changes.borrow_and_update();
                if shows(&seen, &now) {
                    seen = now;
                    break;
                }
            }
        }
    });
    Ok(Arc::new(TaskHandle {
        task: Mutex::new(Some(task)),
    }))
}

#[uniffi::export]
impl QianpiClient {
    /// Follows the lists screen showing `kind`: `observer` gets every badge and the first
    /// `limit` rows now and after each change to them.
    pub fn observe_lists(
        &self,
        kind: ListKind,
        limit: u32,
        observer: Arc<dyn ListsObserver>,
    ) -> Result<Arc<TaskHandle>, QianpiError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let kind = kind.into();
        observe(
            &self.inner,
            |a, b| a.lists != b.lists || a.lock != b.lock,
            move |c: &Client| c.lists_overview(kind, limit),
            move |result| match result {
                Ok(overview) => observer.on_update(ListsOverview::from(overview)),
                Err(error) => observer.on_error(error),
            },
        )
    }

    /// Follows the outbox screen: what waits for the gateway and what it refused.
    pub fn observe_outbox(
        &self,
        observer: Arc<dyn OutboxObserver>,
    ) -> Result<Arc<TaskHandle>, QianpiError> {
        observe(
            &self.inner,
            |a, b| a.outbox != b.outbox || a.lock != b.lock,
            Client::outbox_overview,
            move |result| match result {
                Ok(overview) => observer.on_update(OutboxOverview::from(overview)),
                Err(error) => observer.on_error(error),
            },
        )
    }

    /// Follows the lock: `observer` is told now whether the data is locked, and again at every
    /// lock (asked, or after inactivity) and unlock.
    pub fn observe_lock(
        &self,
        observer: Arc<dyn LockObserver>,
    ) -> Result<Arc<TaskHandle>, QianpiError> {
        observe(
            &self.inner,
            |a, b| a.lock != b.lock,
            |c: &Client| Ok(c.is_locked()),
            move |result: Result<bool, QianpiError>| {
                if let Ok(locked) = result {
                    observer.on_update(locked);
                }
            },
        )
    }
}
