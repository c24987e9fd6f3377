//! The simulated network between the phones and the gateway: what becomes of each request and
//! its answer, drawn from the seed. A request may be lost on the way (its deadline tells the
//! phone), cut while its body is sent (not applied), reach a gateway that is down, or reach it
//! and be decided; the answer may then be cut mid-body (applied, the phone not told), stall
//! until a deadline, arrive late (after the phone gave up, so after later answers: reordered),
//! or arrive twice. Once the faults stop, every exchange goes through in a few hundred ms.

use super::rng::Rng;

/// What becomes of a request on its way to the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outbound {
    /// Lost: the phone hears nothing until its deadline.
    Lost,
    /// The connection broke while the body was sent: not applied, the phone sees a cut after
    /// this delay.
    CutAfter(u64),
    /// Reaches the gateway after this delay.
    Arrives(u64),
}

/// What becomes of the gateway's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inbound {
    /// Decided, but the answer was cut mid-body: the phone sees a cut after this delay.
    CutAfter(u64),
    /// Decided, and the answer never comes (a black hole): the phone's deadline tells it.
    Stalls,
    /// Arrives after this delay; a second copy after the second delay if there is one.
    Arrives(u64, Option<u64>),
}

/// The fault rates (per mille) while faults are on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Faults {
    pub(crate) lost: u64,
    pub(crate) cut_request: u64,
    pub(crate) cut_answer: u64,
    pub(crate) stall: u64,
    pub(crate) duplicate: u64,
    pub(crate) slow: u64,
    pub(crate) very_slow: u64,
    /// The gateway answers 503 with `Retry-After` without deciding anything.
    pub(crate) overloaded: u64,
}

impl Faults {
    /// A bad day: roughly one exchange in four goes wrong somehow.
    pub(crate) fn hostile(rng: &mut Rng) -> Faults {
        // Each seed draws its own severity, so some days are mild and some terrible.
        let scale = rng.between(1, 4);
        Faults {
            lost: 10 * scale,
            cut_request: 15 * scale,
            cut_answer: 20 * scale,
            stall: 8 * scale,
            duplicate: 15 * scale,
            slow: 60,
            very_slow: 8 * scale,
            overloaded: 8 * scale,
        }
    }
}

/// The network, with faults on until they are turned off.
pub(crate) struct Network {
    rng: Rng,
    pub(crate) faults: Option<Faults>,
}

impl Network {
    pub(crate) fn new(rng: Rng, faults: Faults) -> Network {
        Network {
            rng,
            faults: Some(faults),
        }
    }

    fn delay(&mut self) -> u64 {
        let Some(faults) = self.faults else {
            return self.rng.between(10, 200);
        };
        if self.rng.chance(faults.very_slow) {
            // Longer than the engine's deadlines: the answer comes after the phone gave up.
            self.rng.between(20_000, 90_000)
        } else if self.rng.chance(faults.slow) {
            self.rng.between(1_000, 8_000)
        } else {
            self.rng.between(10, 400)
        }
    }

    pub(crate) fn outbound(&mut self) -> Outbound {
        let delay = self.delay();
        let Some(faults) = self.faults else {
            return Outbound::Arrives(delay);
        };
        if self.rng.chance(faults.lost) {
            Outbound::Lost
        } else if self.rng.chance(faults.cut_request) {
            Outbound::CutAfter(delay)
        } else {
            Outbound::Arrives(delay)
        }
    }

    pub(crate) fn inbound(&mut self) -> Inbound {
        let delay = self.delay();
        let Some(faults) = self.faults else {
            return Inbound::Arrives(delay, None);
        };
        if self.rng.chance(faults.cut_answer) {
            Inbound::CutAfter(delay)
        } else if self.rng.chance(faults.stall) {
            Inbound::Stalls
        } else if self.rng.chance(faults.duplicate) {
            let again = delay + self.delay();
            Inbound::Arrives(delay, Some(again))
        } else {
            Inbound::Arrives(delay, None)
        }
    }

    /// Whether the gateway answers this request with 503 and `Retry-After`.
    pub(crate) fn overloaded(&mut self) -> Option<u64> {
        let faults = self.faults?;
        self.rng
            .chance(faults.overloaded)
            .then(|| self.rng.between(1_000, 60_000))
    }

    /// A short delay (a refused connection, a reset).
    pub(crate) fn blip(&mut self) -> u64 {
        self.rng.between(1, 300)
    }
}
