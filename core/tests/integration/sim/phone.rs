//! The phone's side of the simulation below the engine: a model of what the phone's store keeps
//! across a crash (outbox of commands queued with ids and counters, feed cursor, verdicts
//! applied, refused commands with their reason, the instances it was sent), with the store's
//! rules: an outbox entry leaves only when its verdict is stored, a pulled page is applied with
//! its cursor in one step. Also the person using the phone, who queues commands on what the
//! phone shows.

use super::gateway::{first_cursor, opinion, FeedItem, Page, PushAnswer, SimCommand, SimVerdict};
use super::rng::Rng;
use qianpi_domain::workflow::{Command, Instance, TaskState};
use std::collections::BTreeMap;

/// Deliberate faults of the phone, to show the properties trip (never on in the normal run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PhoneMutations {
    /// A crash loses the newest outbox entry (as if queuing were not durable).
    pub(crate) drop_newest_on_crash: bool,
    /// A push whose answer was lost is taken as accepted.
    pub(crate) cut_push_counts_as_accepted: bool,
    /// A page's items are applied but its cursor is not kept.
    pub(crate) cursor_not_saved: bool,
}

/// What survives a crash of the phone.
#[derive(Debug, Clone, Default)]
pub(crate) struct PhoneStore {
    pub(crate) device: String,
    pub(crate) user: String,
    pub(crate) outbox: Vec<SimCommand>,
    /// 回执 (a notice read or replied to) waiting to be sent, in order.
    pub(crate) receipts: Vec<String>,
    pub(crate) cursor: String,
    pub(crate) verdicts: BTreeMap<String, SimVerdict>,
    /// Refused commands and their reason, for the shell's list.
    pub(crate) refused: BTreeMap<String, String>,
    pub(crate) instances: BTreeMap<String, Instance>,
    pub(crate) last_counter: u64,
    pub(crate) pages_applied: u64,
    /// Other items applied (notices, history).
    pub(crate) others: u64,
}

impl PhoneStore {
    pub(crate) fn new(device: &str, user: &str) -> PhoneStore {
        PhoneStore {
            device: device.to_owned(),
            user: user.to_owned(),
            cursor: first_cursor(),
            ..PhoneStore::default()
        }
    }

    /// Stores `verdict` (from a push answer or the feed) in one transaction; an outbox entry
    /// leaves with it. A second, different verdict for the same command is returned as the
    /// conflict it is.
    pub(crate) fn record_verdict(&mut self, verdict: &SimVerdict) -> Option<String> {
        if let Some(known) = self.verdicts.get(&verdict.command_id) {
            return (known != verdict).then(|| {
                format!(
                    "{}: command {} had verdict {known:?} and then got {verdict:?}",
                    self.device, verdict.command_id
                )
            });
        }
        let Some(at) = self.outbox.iter().position(|c| c.id == verdict.command_id) else {
            // Another device of the same user, or a command this phone does not know.
            return None;
        };
        self.outbox.remove(at);
        if let Some(code) = &verdict.refused {
            self.refused
                .insert(verdict.command_id.clone(), code.clone());
        }
        self.verdicts
            .insert(verdict.command_id.clone(), verdict.clone());
        None
    }

    /// Files a push's answer; returns the conflicts found.
    pub(crate) fn apply_push(&mut self, answer: &PushAnswer) -> Vec<String> {
        answer
            .verdicts
            .iter()
            .filter_map(|v| self.record_verdict(v))
            .collect()
    }

    /// Applies a page and its cursor together; returns the conflicts found.
    pub(crate) fn apply_page(&mut self, page: &Page, mutations: PhoneMutations) -> Vec<String> {
        let mut conflicts = Vec::new();
        for item in &page.items {
            match item {
                FeedItem::Verdict(verdict) => conflicts.extend(self.record_verdict(verdict)),
                FeedItem::Other(_) => self.others += 1,
                FeedItem::Instance(instance) => {
                    let newer = self
                        .instances
                        .get(&instance.id)
                        .is_none_or(|known| known.version <= instance.version);
                    if newer {
                        self.instances
                            .insert(instance.id.clone(), (**instance).clone());
                    }
                }
            }
        }
        if !mutations.cursor_not_saved {
            self.cursor = page.next_cursor.clone();
        }
        self.pages_applied += 1;
        conflicts
    }

    /// The person reads a notice: a 回执 to send.
    pub(crate) fn read_notice(&mut self, serial: u64) -> String {
        let receipt = format!("{}-receipt-{serial}", self.device);
        self.receipts.push(receipt.clone());
        receipt
    }

    /// The gateway took these 回执: they leave the queue.
    pub(crate) fn receipts_taken(&mut self, taken: &[String]) {
        self.receipts.retain(|r| !taken.contains(r));
    }

    /// The person acts on what the phone shows: a command queued with the next counter, in the
    /// same transaction as its outbox entry. `None` when the phone shows nothing yet.
    pub(crate) fn queue(&mut self, rng: &mut Rng, serial: u64) -> Option<SimCommand> {
        let views: Vec<&Instance> = self.instances.values().collect();
        let view = *views.get(rng.below(views.len() as u64) as usize)?;
        let mine: Vec<&str> = view
            .tasks
            .iter()
            .filter(|t| t.assignee == self.user && matches!(t.state, TaskState::Pending { .. }))
            .map(|t| t.id.as_str())
            .collect();
        let any_task = view.tasks.get(rng.below(view.tasks.len() as u64) as usize);
        let task = match mine.get(rng.below(mine.len() as u64) as usize) {
            Some(task) if rng.chance(850) => (*task).to_owned(),
            // A stale or foreign task: the gateway refuses it, which the phone must keep.
            _ => any_task.map(|t| t.id.clone())?,
        };
        let command = match rng.below(10) {
            0..=4 => Command::Approve {
                task_id: task,
                route: None,
                opinion: opinion("同意"),
            },
            5..=6 => Command::Open { task_id: task },
            _ => Command::Save {
                task_id: task,
                opinion: opinion("拟同意，请再核"),
            },
        };
        self.last_counter += 1;
        let queued = SimCommand {
            id: format!("{}-cmd-{serial}", self.device),
            device: self.device.clone(),
            counter: self.last_counter,
            instance: view.id.clone(),
            base_version: view.version,
            command,
        };
        self.outbox.push(queued.clone());
        Some(queued)
    }
}
