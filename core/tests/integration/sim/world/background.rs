//! An app the system suspends in the background (as iOS does): the shell stops its continuous
//! sync when it leaves the foreground, and the system wakes it now and then for a background
//! task of 30 s, a sync run once within that budget by a fresh engine (`Client::sync_within`).
//! Such a run must end by its budget, at a page boundary: a request still out when the budget
//! is spent breaks a property. Back in the foreground, the continuous sync
//! starts again.

use super::{Ev, World};
use qianpi_core::engine::{Event, Mode, Start};

/// A background task's time (iOS gives about 30 s).
const TASK_BUDGET_MS: u64 = 30_000;

impl World {
    /// The app comes to the foreground, or leaves it.
    pub(super) fn foreground(&mut self, phone: usize, on: bool) {
        let p = &mut self.phones[phone];
        p.foreground = on;
        self.note(|| format!("dev{phone} foreground={on}"));
        if on && self.phones[phone].suspended {
            // The shell starts its continuous sync again, on a fresh engine.
            self.phones[phone].suspended = false;
            self.phones[phone].engine = None;
            self.phone_boot(phone);
            return;
        }
        let event = if on {
            Event::Foreground
        } else {
            Event::Background
        };
        self.feed(phone, event);
        let p = &self.phones[phone];
        if !on && p.suspends && !p.suspended {
            self.suspend(phone);
        }
    }

    /// The shell stops the continuous sync; the system will wake the app for background tasks.
    pub(super) fn suspend(&mut self, phone: usize) {
        let p = &mut self.phones[phone];
        p.suspended = true;
        // One chain of background tasks per suspension.
        p.tasks += 1;
        let chain = p.tasks;
        self.note(|| format!("dev{phone} suspended"));
        self.feed(phone, Event::Stop);
        let at = self.now + self.rng.between(30_000, 240_000);
        self.at(at, Ev::BackgroundTask { phone, chain });
    }

    /// The system wakes the suspended app for a background task.
    pub(super) fn background_task(&mut self, phone: usize, chain: u32) {
        let p = &self.phones[phone];
        if self.quiet || !p.suspended || p.tasks != chain || p.engine.is_none() {
            return;
        }
        // As `Client::sync_within`: a fresh engine that knows nothing of the network (without
        // one, its first request fails at once).
        self.fresh_engine(phone, false);
        self.stats.background_tasks += 1;
        let (outbox, receipts) = self.queued(phone);
        self.note(|| format!("dev{phone} background task, {outbox} queued"));
        let start = Start {
            mode: Mode::Once,
            outbox,
            receipts,
            budget_ms: Some(TASK_BUDGET_MS),
        };
        self.feed(phone, Event::Start(start));
        let life = self.phones[phone].life;
        self.at(
            self.now + TASK_BUDGET_MS + 1,
            Ev::BudgetSpent { phone, life },
        );
        let next = self.now + self.rng.between(60_000, 300_000);
        self.at(next, Ev::BackgroundTask { phone, chain });
    }

    /// A background task's time is up: no request of its run may still be out (each one's
    /// deadlines end by the budget, and none is sent after it).
    pub(super) fn budget_spent(&mut self, phone: usize, life: u32) {
        let p = &self.phones[phone];
        if p.life == life && p.in_flight.is_some() {
            self.violation(format!(
                "dev{phone}: a background run has a request out past its budget"
            ));
        }
    }
}
