//! The engine itself: a run holds at most one sync (a cycle: push, 回执, pull to the end) and at
//! most one request in flight; each event moves it on and returns what the driver must do next.
//! The sync's own course (its requests, answers, failures and end) is `machine/cycle.rs`.

use super::backoff::{Backoff, SeededRng};
use super::breaker::Breaker;
use super::shrink::Shrinking;
use super::types::{
    Action, EngineConfig, EngineStatus, Event, Millis, Mode, Outcome, Progress, Request, Start,
    SyncState,
};

mod cycle;

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
    /// The longest `Retry-After` of a push or 回执 batch that gave way to the pull: the retry of
    /// what it left queued waits at least this long.
    retry_after_ms: Option<u64>,
    progress: Progress,
    /// The in-flight pull is a long-poll: quiet until it brings something.
    long_poll: bool,
}

impl Cycle {
    /// A sync that pushes what is queued, then pulls to the end.
    fn sync(config: &EngineConfig, push_left: usize, receipts_left: usize) -> Cycle {
        Cycle::starting(config, Step::Push, push_left, receipts_left, false)
    }

    /// A long-poll: a pull with nothing to send, quiet until it brings something.
    fn long_poll(config: &EngineConfig) -> Cycle {
        Cycle::starting(config, Step::Pull, 0, 0, true)
    }

    fn starting(
        config: &EngineConfig,
        step: Step,
        push_left: usize,
        receipts_left: usize,
        long_poll: bool,
    ) -> Cycle {
        Cycle {
            step,
            push_left,
            receipts_left,
            push_size: Shrinking::new(config.push_batch, config.cuts_at_one),
            page_size: Shrinking::new(config.page_limit, config.cuts_at_one),
            clock_retries: 0,
            push_interrupted: false,
            retry_after_ms: None,
            progress: Progress::default(),
            long_poll,
        }
    }
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
    /// The timer is a backoff after a failure or an interrupted push: a new queued action waits
    /// for it too (a gateway that is down or busy is not hammered). A retry of what a clean sync
    /// left queued does not hold a new action back.
    timer_holds: bool,
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
            timer_holds: false,
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
                if self.running.is_some() {
                    match &self.cycle {
                        None => self.begin(now, &mut out),
                        // The sync going may have pushed and pulled long before the app came
                        // back: another follows it.
                        Some(cycle) if !cycle.long_poll => self.again = true,
                        Some(_) => {}
                    }
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
            None if self.timer.is_some() && self.timer_holds => {}
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
