//! Capped exponential backoff with full jitter (sync.md, the hostile-network profile): the n-th
//! retry in a row waits a uniformly drawn time in `[0, min(cap, base·2ⁿ)]`, so phones that lost
//! the gateway together do not come back together; a gateway's `Retry-After` is a floor, the cap
//! a ceiling. The randomness comes from a seeded generator handed in, so a simulation replays
//! the same waits from the same seed.

use super::types::Millis;

/// A small deterministic generator (SplitMix64): the engine's only source of randomness,
/// seeded by whoever builds the engine.
#[derive(Debug, Clone)]
pub struct SeededRng {
    state: u64,
}

impl SeededRng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SeededRng {
        SeededRng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[0, max]`, uniform enough for jitter.
    pub fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(span) => self.next_u64() % span,
            None => self.next_u64(),
        }
    }
}

/// The retry schedule.
#[derive(Debug, Clone)]
pub(super) struct Backoff {
    base_ms: u64,
    cap_ms: u64,
    attempt: u32,
}

impl Backoff {
    pub(super) fn new(base_ms: u64, cap_ms: u64) -> Backoff {
        Backoff {
            base_ms: base_ms.max(1),
            cap_ms,
            attempt: 0,
        }
    }

    /// The ceiling of the next wait: `base·2ⁿ`, capped.
    pub(super) fn ceiling(&self) -> Millis {
        let factor = 1u64.checked_shl(self.attempt.min(63)).unwrap_or(u64::MAX);
        self.base_ms.saturating_mul(factor).min(self.cap_ms)
    }

    /// The wait before the next retry, counting one more failure: full jitter under the
    /// ceiling, at least `retry_after_ms`, never more than the cap.
    pub(super) fn next_delay(&mut self, rng: &mut SeededRng, retry_after_ms: Option<u64>) -> u64 {
        let jittered = rng.up_to(self.ceiling());
        self.attempt = self.attempt.saturating_add(1);
        jittered.max(retry_after_ms.unwrap_or(0)).min(self.cap_ms)
    }

    /// A success, a new network or the foreground: the next retry starts small again.
    pub(super) fn reset(&mut self) {
        self.attempt = 0;
    }
}
