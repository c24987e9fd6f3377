//! The engine itself: a run holds at most one sync (a cycle: push, 回执, pull to the end) and at
//! most one request in flight; each event moves it on and returns what the driver must do next.

use super::backoff::{Backoff, SeededRng};
use super::breaker::Breaker;
use super::shrink::Shrinking;
use super::types::{
    Action, BlockedKind, Deadlines, EngineConfig, EngineStatus, Event, Failure, FailureKind,
    Millis, Mode, Outcome, Progress, Request, Response, Start, SyncState,
};

/// Where a sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Push,
    Receipts,
    Pull,
}

/// One sync in progress.
#[derive(Debug, Clone)]
struct Cycle {
    step: Step,
    /// Commands still to push in this sync (a command refused for a missing file stays queued;
    /// it must not be pushed again and again in one sync).
    push_left: usize,
    receipts_left: usize,
    push_size: Shrinking,
    page_size: Shrinking,
    clock_retries: u32,
    push_interrupted: bool,
    progress: Progress,
    /// The in-flight pull is a long-poll: quiet until it brings something.
    long_poll: bool,
}

/// The sync engine: feed it events with the time, do what it answers.
#[derive(Debug, Clone)]
pub struct Engine {
    config: EngineConfig,
    rng: SeededRng,
    backoff: Backoff,
    breaker: Breaker,
    running: Option<Mode>,
    budget_until: Option<Millis>,
    online: bool,
    foreground: bool,
    outbox: usize,
    receipts: usize,
    cycle: Option<Cycle>,
    in_flight: Option<Request>,
    /// Something arrived during a sync that the sync will not carry: another one follows.
    again: bool,
    timer: Option<Millis>,
    state: SyncState,
    last_success: Option<Millis>,
    published: Option<EngineStatus>,
}

impl Engine {
    /// An engine tuned by `config`, drawing its jitter from `seed`.
    pub fn new(config: EngineConfig, seed: u64) -> Engine {
        Engine {
            backoff: Backoff::new(config.backoff_base_ms, config.backoff_cap_ms),
            breaker: Breaker::new(
                config.breaker_threshold,
                config.breaker_cooldown_ms.min(config.backoff_cap_ms),
            ),
            config,
            rng: SeededRng::new(seed),
            running: None,
            budget_until: None,
            online: true,
            foreground: false,
            outbox: 0,
            receipts: 0,
            cycle: None,
            in_flight: None,
            again: false,
            timer: None,
            state: SyncState::Idle,
            last_success: None,
            published: None,
        }
    }

    /// The request in flight, if any.
    pub fn in_flight(&self) -> Option<Request> {
        self.in_flight
    }

    /// Whether a run is going (started and not stopped or finished).
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// The status now.
    pub fn status(&self) -> EngineStatus {
        EngineStatus {
            state: self.state,
            last_success: self.last_success,
            failures: self.breaker.failures(),
            next_attempt: self.timer,
        }
    }

    /// Takes `event`, which happened at `now`, and answers what to do, in order.
    pub fn handle(&mut self, now: Millis, event: Event) -> Vec<Action> {
        let mut out = Vec::new();
        match event {
            Event::Start(start) => self.start(now, start, &mut out),
            Event::Stop => self.stop(&mut out),
            Event::Response(response) => self.response(now, response, &mut out),
            Event::Failure(failure) => self.failure(now, failure, &mut out),
            Event::NetworkChanged { online } => self.network(now, online, &mut out),
            Event::Foreground => {
                self.foreground = true;
                self.reset();
                if self.running.is_some() && self.cycle.is_none() {
                    self.begin(now, &mut out);
                }
            }
            Event::Background => {
                self.foreground = false;
                if self.cycle.as_ref().is_some_and(|c| c.long_poll) {
                    self.cancel(&mut out);
                    self.cycle = None;
                }
            }
            Event::OutboxGrew { outbox, receipts } => {
                self.outbox = outbox;
                self.receipts = receipts;
                self.outbox_grew(now, &mut out);
            }
            Event::Timer => self.timer_fired(now, &mut out),
        }
        self.publish(&mut out);
        out
    }

    fn start(&mut self, now: Millis, start: Start, out: &mut Vec<Action>) {
        self.running = Some(start.mode);
        self.outbox = start.outbox;
        self.receipts = start.receipts;
        self.budget_until = start.budget_ms.map(|b| now.saturating_add(b));
        self.timer = None;
        match &self.cycle {
            Some(cycle) if !cycle.long_poll => self.again = true,
            _ => {
                self.cancel(out);
                self.cycle = None;
                // Asked for explicitly: this sync goes even past an open breaker, as its probe.
                self.begin_now(now, out);
            }
        }
    }

    fn stop(&mut self, out: &mut Vec<Action>) {
        self.cancel(out);
        let was_syncing = self.cycle.take().is_some_and(|c| !c.long_poll);
        self.running = None;
        self.timer = None;
        self.again = false;
        if matches!(self.state, SyncState::Syncing(_)) {
            self.state = SyncState::Idle;
        }
        if was_syncing {
            out.push(Action::Finished(Outcome::Stopped));
        }
    }

    fn network(&mut self, now: Millis, online: bool, out: &mut Vec<Action>) {
        self.online = online;
        self.reset();
        self.cancel(out);
        let was_syncing = self.cycle.take().is_some_and(|c| !c.long_poll);
        self.timer = None;
        if !online {
            self.state = SyncState::Offline;
            if was_syncing {
                out.push(Action::Finished(Outcome::Stopped));
            }
            if self.running == Some(Mode::Once) {
                self.running = None;
            }
            return;
        }
        if self.running.is_some() {
            self.begin(now, out);
        }
    }

    fn outbox_grew(&mut self, now: Millis, out: &mut Vec<Action>) {
        if self.running.is_none() {
            return;
        }
        match &self.cycle {
            Some(cycle) if cycle.long_poll => {
                self.cancel(out);
                self.cycle = None;
                self.begin(now, out);
            }
            Some(_) => self.again = true,
            // A wait for backoff or the breaker is kept: a queued action must not hammer a
            // gateway that is down.
            None if self.timer.is_some() => {}
            None => self.begin(now, out),
        }
    }

    fn timer_fired(&mut self, now: Millis, out: &mut Vec<Action>) {
        match self.timer {
            Some(at) if now < at => out.push(Action::SleepUntil(at)),
            Some(_) => {
                self.timer = None;
                if self.running.is_some() && self.cycle.is_none() {
                    self.begin(now, out);
                }
            }
            None => {}
        }
    }

    /// Backoff and breaker start afresh (a new network, the foreground).
    fn reset(&mut self) {
        self.backoff.reset();
        self.breaker.reset();
        if self.cycle.is_none() && self.timer.is_some() {
            self.timer = None;
        }
    }

    fn cancel(&mut self, out: &mut Vec<Action>) {
        if self.in_flight.take().is_some() {
            out.push(Action::Cancel);
        }
    }

    /// Starts a sync now, unless the breaker is open.
    fn begin(&mut self, now: Millis, out: &mut Vec<Action>) {
        if !self.breaker.is_open(now) {
            self.begin_now(now, out);
        }
    }

    /// Starts a sync now, if there is a network and a run.
    fn begin_now(&mut self, now: Millis, out: &mut Vec<Action>) {
        if !self.online || self.running.is_none() || self.in_flight.is_some() {
            return;
        }
        self.again = false;
        self.cycle = Some(Cycle {
            step: Step::Push,
            push_left: self.outbox,
            receipts_left: self.receipts,
            push_size: Shrinking::new(self.config.push_batch, self.config.cuts_at_one),
            page_size: Shrinking::new(self.config.page_limit, self.config.cuts_at_one),
            clock_retries: 0,
            push_interrupted: false,
            progress: Progress::default(),
            long_poll: false,
        });
        self.state = SyncState::Syncing(Progress::default());
        self.next(now, out);
    }

    /// Sends the sync's next request, or ends it.
    fn next(&mut self, now: Millis, out: &mut Vec<Action>) {
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
    fn within_budget(&self, now: Millis, deadlines: Deadlines) -> Deadlines {
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

    fn response(&mut self, now: Millis, response: Response, out: &mut Vec<Action>) {
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
            } => {
                cycle.page_size.passed();
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

    fn failure(&mut self, now: Millis, failure: Failure, out: &mut Vec<Action>) {
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
                cycle.step = Step::Receipts;
                true
            }
            (Request::PushReceipts, _) if cut || refused => {
                cycle.push_interrupted |= cut;
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
        out.push(Action::SleepUntil(at));
    }

    /// Ends the sync in progress with `outcome`.
    fn end(&mut self, now: Millis, outcome: Outcome, out: &mut Vec<Action>) {
        self.cycle = None;
        self.in_flight = None;
        match outcome {
            Outcome::Synced { .. } => {
                self.backoff.reset();
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
        let synced = matches!(outcome, Outcome::Synced { .. });
        out.push(Action::Finished(outcome));
        match self.running {
            Some(Mode::Once) => self.running = None,
            Some(Mode::Continuous) if synced => self.after_sync(now, out),
            _ => {}
        }
    }

    /// In a continuous run, after a sync: another if something came meanwhile, else a
    /// long-poll in the foreground with nothing queued, else rest until told.
    fn after_sync(&mut self, now: Millis, out: &mut Vec<Action>) {
        if self.again || self.outbox > 0 || self.receipts > 0 {
            if self.again {
                self.begin(now, out);
            }
            return;
        }
        if self.foreground && self.online {
            self.cycle = Some(Cycle {
                step: Step::Pull,
                push_left: 0,
                receipts_left: 0,
                push_size: Shrinking::new(self.config.push_batch, self.config.cuts_at_one),
                page_size: Shrinking::new(self.config.page_limit, self.config.cuts_at_one),
                clock_retries: 0,
                push_interrupted: false,
                progress: Progress::default(),
                long_poll: true,
            });
            self.next(now, out);
        }
    }

    /// Puts a status action first when what a shell would show changed: a shell learns that a
    /// sync started before its first request goes out, not after.
    fn publish(&mut self, out: &mut Vec<Action>) {
        let status = self.status();
        if self.published != Some(status) {
            self.published = Some(status);
            out.insert(0, Action::Status(status));
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
