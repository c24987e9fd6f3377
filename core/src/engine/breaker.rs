//! The circuit breaker, one per client (sync.md): after a number of failed syncs in a row it
//! opens, and nothing is sent until its cool-down has passed; then one probe goes out
//! (half-open): its success closes the breaker, its failure opens it for another cool-down.
//! A new network or the foreground closes it at once.

use super::types::Millis;

/// Where the breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BreakerState {
    /// Requests flow.
    Closed,
    /// Nothing is sent before this time.
    Open { until: Millis },
    /// One probe is allowed.
    HalfOpen,
}

/// Counts failed syncs and opens after `threshold` in a row.
#[derive(Debug, Clone)]
pub(super) struct Breaker {
    threshold: u32,
    cooldown_ms: u64,
    failures: u32,
    state: BreakerState,
}

impl Breaker {
    pub(super) fn new(threshold: u32, cooldown_ms: u64) -> Breaker {
        Breaker {
            threshold: threshold.max(1),
            cooldown_ms,
            failures: 0,
            state: BreakerState::Closed,
        }
    }

    /// Failed syncs in a row.
    pub(super) fn failures(&self) -> u32 {
        self.failures
    }

    /// Where it stands at `now` (an open breaker past its cool-down is half-open).
    pub(super) fn state(&mut self, now: Millis) -> BreakerState {
        if let BreakerState::Open { until } = self.state {
            if now >= until {
                self.state = BreakerState::HalfOpen;
            }
        }
        self.state
    }

    /// Whether it is open (not even a probe may go) at `now`.
    pub(super) fn is_open(&mut self, now: Millis) -> bool {
        matches!(self.state(now), BreakerState::Open { .. })
    }

    /// A sync failed at `now`; returns until when the breaker is open, if it is.
    pub(super) fn failure(&mut self, now: Millis) -> Option<Millis> {
        self.failures = self.failures.saturating_add(1);
        let opens = self.failures >= self.threshold || matches!(self.state, BreakerState::HalfOpen);
        if opens {
            let until = now.saturating_add(self.cooldown_ms);
            self.state = BreakerState::Open { until };
            Some(until)
        } else {
            None
        }
    }

    /// A sync succeeded, or a new network or the foreground: closed, the count at zero.
    pub(super) fn reset(&mut self) {
        self.failures = 0;
        self.state = BreakerState::Closed;
    }
}
