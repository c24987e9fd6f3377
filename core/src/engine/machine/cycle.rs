//! A sync's course inside the engine: starting one, sending its next request (push, then 回执,
//! then pages), taking the answer or the failure (shrink, retry, give way to the pull, or end it),
//! and what follows its end (backoff and breaker after a failure; another sync, a long-poll or
//! rest after a success).

use super::{Cycle, Engine, Step};
use crate::engine::types::{
    Action, BlockedKind, Deadlines, Failure, FailureKind, Millis, Mode, Outcome, Progress, Request,
    Response, SyncState,
};

impl Engine {
    /// Starts a sync now, unless the breaker is open.
    pub(super) fn begin(&mut self, now: Millis, out: &mut Vec<Action>) {
        if !self.breaker.is_open(now) {
            self.begin_now(now, out);
        }
    }

    /// Starts a sync now, if there is a network and a run.
    pub(super) fn begin_now(&mut self, now: Millis, out: &mut Vec<Action>) {
        if !self.online || self.running.is_none() || self.in_flight.is_some() {
            return;
        }
        // Whatever the engine waited for, this sync does.
        self.timer = None;
        self.again = false;
        self.cycle = Some(Cycle::sync(&self.config, self.outbox, self.receipts));
        self.state = SyncState::Syncing(Progress::default());
        self.next(now, out);
    }

    /// Sends the sync's next request, or ends it.
    pub(super) fn next(&mut self, now: Millis, out: &mut Vec<Action>) {
        if self.in_flight.is_some() {
            return;
        }
        let Some(cycle) = self.cycle.as_mut() else {
            return;
        };
        if !cycle.long_poll && self.budget_until.is_some_and(|until| now >= until) {
            self.end(now, Outcome::BudgetSpent, out);
            return;
        }
        if cycle.step == Step::Push && (cycle.push_left == 0 || self.outbox == 0) {
            cycle.step = Step::Receipts;
        }
        if cycle.step == Step::Receipts && (cycle.receipts_left == 0 || self.receipts == 0) {
            cycle.step = Step::Pull;
        }
        let request = match cycle.step {
            Step::Push => Request::Push {
                max: cycle.push_size.size().min(cycle.push_left),
            },
            Step::Receipts => Request::PushReceipts,
            Step::Pull => Request::Pull {
                limit: cycle.page_size.size(),
                wait_secs: cycle.long_poll.then_some(self.config.long_poll_wait_secs),
            },
        };
        let deadlines = if cycle.long_poll {
            self.config.long_poll_deadlines
        } else {
            self.within_budget(now, self.config.deadlines)
        };
        self.in_flight = Some(request);
        out.push(Action::Send { request, deadlines });
    }

    /// `deadlines`, shortened so a request ends by the end of the budget.
    pub(super) fn within_budget(&self, now: Millis, deadlines: Deadlines) -> Deadlines {
        let Some(until) = self.budget_until else {
            return deadlines;
        };
        let left = until.saturating_sub(now).max(1);
        Deadlines {
            connect_ms: deadlines.connect_ms.min(left),
            first_byte_ms: deadlines.first_byte_ms.min(left),
            idle_ms: deadlines.idle_ms.min(left),
            total_ms: deadlines.total_ms.min(left),
        }
    }

    pub(super) fn response(&mut self, now: Millis, response: Response, out: &mut Vec<Action>) {
        if self.in_flight.take().is_none() {
            return;
        }
        let Some(cycle) = self.cycle.as_mut() else {
            return;
        };
        match response {
            Response::Pushed { sent, outbox, .. } => {
                cycle.push_size.passed();
                cycle.push_left = cycle.push_left.saturating_sub(sent.max(1));
                cycle.progress.items += sent as u64;
                self.outbox = outbox;
            }
            Response::ReceiptsTaken { sent, receipts, .. } => {
                cycle.receipts_left = cycle.receipts_left.saturating_sub(sent.max(1));
                cycle.progress.items += sent as u64;
                self.receipts = receipts;
            }
            Response::Page {
                items,
                bytes,
                has_more,
                outbox,
                receipts,
            } => {
                cycle.page_size.passed();
                // The page may have brought the verdicts of a push whose answer was lost.
                self.outbox = outbox;
                self.receipts = receipts;
                if cycle.long_poll {
                    if items == 0 && !has_more {
                        // The wait ended with nothing new: wait again.
                        self.next(now, out);
                        return;
                    }
                    cycle.long_poll = false;
                }
                cycle.progress.pages += 1;
                cycle.progress.items += items as u64;
                cycle.progress.bytes += bytes;
                if !has_more {
                    let outcome = Outcome::Synced {
                        push_interrupted: cycle.push_interrupted,
                    };
                    self.end(now, outcome, out);
                    return;
                }
            }
        }
        self.state = SyncState::Syncing(cycle.progress);
        self.next(now, out);
    }

    pub(super) fn failure(&mut self, now: Millis, failure: Failure, out: &mut Vec<Action>) {
        let Some(request) = self.in_flight.take() else {
            return;
        };
        let Some(cycle) = self.cycle.as_mut() else {
            return;
        };
        let cut = matches!(failure.kind, FailureKind::Cut | FailureKind::Timeout);
        // Refused for what it carried, not for who sent it: a device the gateway will not let
        // sync (401) is stopped, anything else gives way to the pull.
        let refused = matches!(failure.kind, FailureKind::Refused { status, .. } if status != 401);
        let retry = match (request, &failure.kind) {
            (_, FailureKind::Clock) if cycle.clock_retries < self.config.clock_retries => {
                cycle.clock_retries += 1;
                true
            }
            // A push the link cuts shrinks; one it keeps cutting, or one the gateway refuses,
            // gives way to the pull, which brings the verdicts of whatever was decided.
            (Request::Push { .. }, _) if cut && cycle.push_size.cut() => true,
            (Request::Push { .. }, _) if cut || refused => {
                cycle.push_interrupted = true;
                cycle.retry_after_ms = cycle.retry_after_ms.max(failure.retry_after_ms);
                cycle.step = Step::Receipts;
                true
            }
            (Request::PushReceipts, _) if cut || refused => {
                cycle.push_interrupted = true;
                cycle.retry_after_ms = cycle.retry_after_ms.max(failure.retry_after_ms);
                cycle.step = Step::Pull;
                true
            }
            (Request::Pull { .. }, _) if cut && cycle.page_size.cut() => true,
            _ => false,
        };
        if retry {
            self.next(now, out);
            return;
        }
        let kind = match failure.kind {
            FailureKind::Clock => FailureKind::Blocked(BlockedKind::Clock),
            other => other,
        };
        self.state = state_after(&kind);
        let open_until = self.breaker.failure(now);
        let revoked = kind == FailureKind::Blocked(BlockedKind::DeviceRevoked);
        self.end(now, Outcome::Failed(kind), out);
        if self.running != Some(Mode::Continuous) || revoked {
            return;
        }
        let delay = self
            .backoff
            .next_delay(&mut self.rng, failure.retry_after_ms);
        let mut at = now.saturating_add(delay);
        if let Some(until) = open_until {
            self.state = match self.state {
                SyncState::Offline => SyncState::Blocked(BlockedKind::Unreachable),
                other => other,
            };
            at = at.max(until);
        }
        self.timer = Some(at);
        self.timer_holds = true;
        out.push(Action::SleepUntil(at));
    }

    /// Ends the sync in progress with `outcome`.
    pub(super) fn end(&mut self, now: Millis, outcome: Outcome, out: &mut Vec<Action>) {
        let retry_after_ms = self.cycle.take().and_then(|c| c.retry_after_ms);
        self.in_flight = None;
        match outcome {
            Outcome::Synced { .. } => {
                // What is still queued is retried with backoff: the waits grow until it goes.
                if self.outbox == 0 && self.receipts == 0 {
                    self.backoff.reset();
                }
                self.breaker.reset();
                self.last_success = Some(now);
                self.state = SyncState::Idle;
            }
            Outcome::BudgetSpent | Outcome::Stopped => {
                self.state = SyncState::Idle;
                self.running = None;
            }
            Outcome::Failed(_) => {}
        }
        let interrupted = match outcome {
            Outcome::Synced { push_interrupted } => Some(push_interrupted),
            _ => None,
        };
        out.push(Action::Finished(outcome));
        match (self.running, interrupted) {
            (Some(Mode::Once), _) => self.running = None,
            (Some(Mode::Continuous), Some(interrupted)) => {
                self.after_sync(now, interrupted, retry_after_ms, out)
            }
            _ => {}
        }
    }

    /// In a continuous run, after a sync: another if something came meanwhile; else, with
    /// something still queued (a push or 回执 the gateway refused or the link kept cutting, a
    /// command the gateway keeps waiting), a retry after backoff and at least `retry_after_ms`;
    /// else a long-poll in the foreground; else rest until told.
    pub(super) fn after_sync(
        &mut self,
        now: Millis,
        interrupted: bool,
        retry_after_ms: Option<u64>,
        out: &mut Vec<Action>,
    ) {
        if self.again {
            self.begin(now, out);
            return;
        }
        if self.outbox > 0 || self.receipts > 0 {
            let delay = self.backoff.next_delay(&mut self.rng, retry_after_ms);
            let at = now.saturating_add(delay);
            self.timer = Some(at);
            self.timer_holds = interrupted;
            out.push(Action::SleepUntil(at));
            return;
        }
        if self.foreground && self.online {
            self.cycle = Some(Cycle::long_poll(&self.config));
            self.next(now, out);
        }
    }
}

/// What a shell shows after a failed sync of `kind`.
fn state_after(kind: &FailureKind) -> SyncState {
    match kind {
        FailureKind::Unreachable | FailureKind::Cut | FailureKind::Timeout => SyncState::Offline,
        FailureKind::Refused { status: 401, .. } => SyncState::Blocked(BlockedKind::DeviceRevoked),
        FailureKind::Refused { .. } | FailureKind::Local => {
            SyncState::Blocked(BlockedKind::ServerError)
        }
        FailureKind::Clock => SyncState::Blocked(BlockedKind::Clock),
        FailureKind::Blocked(kind) => SyncState::Blocked(*kind),
    }
}
