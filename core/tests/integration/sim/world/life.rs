//! The lives of one simulated day: the faults and the people's actions drawn up front, crashes
//! and restarts of the gateway (committed state kept) and of the phones (the engine rebuilt from
//! the store alone), the person queuing commands, and the quiet tail once the faults stop.

use super::{Ev, World};
use qianpi_core::engine::{Engine, EngineConfig, Event, Mode, Start};

impl World {
    /// The day's faults and the people's actions, drawn up front.
    pub(super) fn plan(&mut self) {
        let end = self.config.fault_ms;
        for phone in 0..self.phones.len() {
            let boot = self.rng.below(2_000);
            self.at(boot, Ev::PhoneBoot { phone });
            let first_act = self.rng.between(1_000, 30_000);
            self.at(first_act, Ev::UserActs { phone });
            for _ in 0..self.rng.below(4) {
                let at = self.rng.below(end);
                self.at(at, Ev::PhoneCrash { phone });
            }
            for _ in 0..self.rng.below(4) {
                let at = self.rng.below(end);
                let online = self.rng.chance(400);
                self.at(at, Ev::Network { phone, online });
            }
            for _ in 0..self.rng.below(5) {
                let at = self.rng.below(end);
                let on = self.rng.chance(500);
                self.at(at, Ev::Foreground { phone, on });
            }
            for _ in 0..self.rng.below(3) {
                let at = self.rng.below(end);
                let hours = self.rng.between(1, 48) as i64;
                let delta_ms = if self.rng.chance(500) { 1 } else { -1 } * hours * 3_600_000;
                self.at(at, Ev::ClockJump { phone, delta_ms });
            }
        }
        for phone in 0..self.phones.len() {
            // Pull to refresh.
            for _ in 0..self.rng.below(3) {
                let at = self.rng.below(end);
                self.at(at, Ev::SyncNow { phone });
            }
        }
        for _ in 0..self.rng.below(4) {
            let at = self.rng.below(end);
            self.at(at, Ev::GatewayCrash);
        }
        self.at(end, Ev::Quiet);
    }

    /// The faults stop. Only what a person would see change is told to the engines: a phone
    /// already online in the foreground gets no nudge, so an engine that stalls is caught.
    pub(super) fn quiet_start(&mut self) {
        self.note(|| "faults stop".into());
        self.quiet = true;
        self.net.faults = None;
        if !self.gateway_up {
            self.gateway_boot();
        }
        for phone in 0..self.phones.len() {
            if self.phones[phone].engine.is_none() {
                self.phone_boot(phone);
            }
            if !self.phones[phone].online {
                self.phones[phone].online = true;
                self.feed(phone, Event::NetworkChanged { online: true });
            }
            if !self.phones[phone].foreground {
                self.foreground(phone, true);
            }
        }
    }

    pub(super) fn gateway_boot(&mut self) {
        if self.gateway_up {
            return;
        }
        self.gateway.restart();
        self.gateway_up = true;
        self.note(|| "gateway up".into());
    }

    pub(super) fn phone_crash(&mut self, phone: usize) {
        if self.quiet || self.phones[phone].engine.is_none() {
            return;
        }
        self.stats.phone_crashes += 1;
        let mutations = self.config.phone_mutations;
        let p = &mut self.phones[phone];
        p.engine = None;
        p.in_flight = None;
        p.timer_at = None;
        p.life += 1;
        if mutations.drop_newest_on_crash {
            p.store.outbox.pop();
        }
        self.note(|| format!("dev{phone} crashed"));
        let back = self.now + self.rng.between(500, 60_000);
        self.at(back, Ev::PhoneBoot { phone });
    }

    /// The person pulls to refresh: the shell starts the run again, which syncs now.
    pub(super) fn sync_now(&mut self, phone: usize) {
        let p = &self.phones[phone];
        if self.quiet || !p.foreground {
            return;
        }
        self.note(|| format!("dev{phone} pull to refresh"));
        self.start_continuous(phone);
    }

    /// A new engine for the phone, on a clock of its own; whatever the old one had asked for
    /// (timers, a request) goes with it.
    pub(super) fn fresh_engine(&mut self, phone: usize, told_offline: bool) {
        let seed = self.rng.next_u64();
        let p = &mut self.phones[phone];
        p.engine = Some(Engine::new(EngineConfig::default(), seed));
        p.life += 1;
        p.boot_at = self.now;
        p.first_flight = self.next_flight + 1;
        p.in_flight = None;
        p.timer_at = None;
        if told_offline && !p.online {
            self.feed(phone, Event::NetworkChanged { online: false });
        }
    }

    /// What the store holds for the engine to send.
    pub(super) fn queued(&self, phone: usize) -> (usize, usize) {
        let store = &self.phones[phone].store;
        (store.outbox.len(), store.receipts.len())
    }

    /// Starts the phone's engine keeping in sync, told what the store holds to send.
    fn start_continuous(&mut self, phone: usize) {
        let (outbox, receipts) = self.queued(phone);
        let start = Start {
            mode: Mode::Continuous,
            outbox,
            receipts,
            budget_ms: None,
        };
        self.feed(phone, Event::Start(start));
    }

    /// The engine is rebuilt from what the store kept, and started; an app the system suspends
    /// in the background stops it again at once.
    pub(super) fn phone_boot(&mut self, phone: usize) {
        if self.phones[phone].engine.is_some() {
            return;
        }
        self.fresh_engine(phone, true);
        let (outbox, _) = self.queued(phone);
        self.note(|| format!("dev{phone} boots with {outbox} queued"));
        self.start_continuous(phone);
        let p = &self.phones[phone];
        if p.foreground {
            self.feed(phone, Event::Foreground);
        } else if p.suspends {
            self.suspend(phone);
        }
    }

    pub(super) fn user_acts(&mut self, phone: usize) {
        if self.quiet {
            return;
        }
        let next = self.now + self.phones[phone].user_rng.between(2_000, 90_000);
        self.at(next, Ev::UserActs { phone });
        let p = &mut self.phones[phone];
        if p.engine.is_none() {
            return;
        }
        if p.user_rng.chance(300) {
            // A notice read: a 回执 to send.
            let receipt = p.store.read_notice(p.receipt_ledger.len() as u64);
            p.receipt_ledger.push(receipt);
        } else {
            let serial = p.ledger.len() as u64;
            let Some(command) = p.store.queue(&mut p.user_rng, serial) else {
                return;
            };
            p.ledger.push(command.id.clone());
            self.stats.commands += 1;
            let what = command.command.name();
            self.note(|| format!("dev{phone} queues {} ({what})", command.id));
        }
        let p = &self.phones[phone];
        let (outbox, receipts) = (p.store.outbox.len(), p.store.receipts.len());
        self.feed(phone, Event::OutboxGrew { outbox, receipts });
    }
}
