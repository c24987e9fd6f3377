//! The driver of each phone's engine: events handed to the engine on the phone's own
//! monotonic clock (time since it booted), and what the engine answers done in order: a
//! request sent (`exchange.rs`), a cancel, a timer set, an outcome kept for the trace. Every
//! action is counted against a bound per simulated second, so a busy engine is caught.

use super::{Ev, World, ACTIONS_PER_SECOND};
use qianpi_core::engine::{Action, Event, Outcome};

impl World {
    /// Hands `event` to the phone's engine and does what it answers.
    pub(super) fn feed(&mut self, phone: usize, event: Event) {
        let p = &mut self.phones[phone];
        let Some(engine) = p.engine.as_mut() else {
            return;
        };
        let clock = self.now - p.boot_at;
        let trace = self.config.trace.then(|| format!("{event:?}"));
        let actions = engine.handle(clock, event);
        if let Some(event) = trace {
            self.note(|| format!("dev{phone} <- {event}"));
        }
        for action in actions {
            self.act(phone, action);
        }
    }

    fn act(&mut self, phone: usize, action: Action) {
        let second = self.now / 1000;
        let p = &mut self.phones[phone];
        if p.second.0 == second {
            p.second.1 += 1;
        } else {
            p.second = (second, 1);
        }
        if p.second.1 == ACTIONS_PER_SECOND + 1 {
            self.violation(format!(
                "dev{phone}: more than {ACTIONS_PER_SECOND} engine actions in one second"
            ));
        }
        if self.config.trace && !matches!(action, Action::Status(_)) {
            self.note(|| format!("dev{phone} -> {action:?}"));
        }
        match action {
            Action::Send { request, deadlines } => self.send(phone, request, deadlines),
            Action::Cancel => {
                self.phones[phone].in_flight = None;
            }
            Action::SleepUntil(at) => {
                let p = &mut self.phones[phone];
                let at = p.boot_at + at;
                p.timer_at = Some(at.max(self.now));
                let life = p.life;
                self.at(at.max(self.now), Ev::Timer { phone, life });
            }
            Action::Finished(outcome) => {
                if outcome == Outcome::BudgetSpent {
                    self.stats.budgets_spent += 1;
                }
            }
            Action::Status(_) => {}
        }
    }
}
