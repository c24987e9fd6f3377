//! The engine's retries, without a network: backoff grows, is capped and jittered, replays from
//! its seed and honours Retry-After; the breaker opens and probes; a new network or the
//! foreground resets both; a clock refusal is retried once.

#![allow(clippy::unwrap_used)]

use super::backoff::{Backoff, SeededRng};
use super::test_support::*;
use super::*;

#[test]
fn backoff_grows_is_capped_and_jittered_within_its_ceiling() {
    let mut backoff = Backoff::new(1_000, CAP);
    let mut rng = SeededRng::new(7);
    let mut ceilings = Vec::new();
    for _ in 0..14 {
        let ceiling = backoff.ceiling();
        let delay = backoff.next_delay(&mut rng, None);
        assert!(delay <= ceiling && ceiling <= CAP, "{delay} > {ceiling}");
        ceilings.push(ceiling);
    }
    assert_eq!(&ceilings[..5], [1_000, 2_000, 4_000, 8_000, 16_000]);
    assert_eq!(*ceilings.last().unwrap(), CAP);
    // Full jitter: at the cap, waits spread over the whole range, not bunched at the top.
    let delays: Vec<u64> = (0..200)
        .map(|_| backoff.next_delay(&mut rng, None))
        .collect();
    assert!(delays.iter().any(|d| *d < CAP / 4));
    assert!(delays.iter().any(|d| *d > CAP * 3 / 4));
    backoff.reset();
    assert_eq!(backoff.ceiling(), 1_000);
}

#[test]
fn the_same_seed_gives_the_same_waits() {
    let run = |seed| {
        let mut engine = Engine::new(EngineConfig::default(), seed);
        engine.handle(0, start(Mode::Continuous, 0, 0, None));
        let mut waits = Vec::new();
        let mut now = 0;
        for _ in 0..6 {
            let at = sleep(&engine.handle(now, fail(FailureKind::Unreachable))).unwrap();
            waits.push(at - now);
            now = at;
            engine.handle(now, Event::Timer);
        }
        waits
    };
    assert_eq!(run(42), run(42));
    assert_ne!(run(42), run(43));
}

#[test]
fn retry_after_is_a_floor_and_the_cap_a_ceiling() {
    let mut engine = Engine::new(EngineConfig::default(), 1);
    engine.handle(0, start(Mode::Continuous, 0, 0, None));
    let refused = |after| {
        Event::Failure(Failure {
            kind: FailureKind::Refused {
                status: 503,
                code: "unavailable".into(),
            },
            retry_after_ms: Some(after),
        })
    };
    let at = sleep(&engine.handle(10, refused(120_000))).unwrap();
    assert!((10 + 120_000..=10 + CAP).contains(&at));
    let actions = engine.handle(at, Event::Timer);
    assert_eq!(sends(&actions).len(), 1);
    let later = sleep(&engine.handle(at, refused(10 * CAP))).unwrap();
    assert_eq!(later, at + CAP);
}

#[test]
fn the_breaker_opens_after_failures_in_a_row_then_probes_once() {
    let config = EngineConfig::default();
    let mut engine = Engine::new(config.clone(), 3);
    let mut now = 0;
    engine.handle(now, start(Mode::Continuous, 0, 0, None));
    for failed in 1..=config.breaker_threshold {
        let actions = engine.handle(now, fail(FailureKind::Unreachable));
        let at = sleep(&actions).unwrap();
        if failed < config.breaker_threshold {
            assert_eq!(engine.status().state, SyncState::Offline);
            now = at;
            assert_eq!(sends(&engine.handle(now, Event::Timer)).len(), 1);
        } else {
            assert_eq!(
                engine.status().state,
                SyncState::Blocked(BlockedKind::Unreachable)
            );
            assert_eq!(at, now + config.breaker_cooldown_ms);
            // Asked too early, it waits on; the user's new action does not break through.
            assert_eq!(
                engine.handle(at - 1, Event::Timer),
                [Action::SleepUntil(at)]
            );
            let grew = engine.handle(
                at - 1,
                Event::OutboxGrew {
                    outbox: 1,
                    receipts: 0,
                },
            );
            assert!(sends(&grew).is_empty());
            now = at;
        }
    }
    // Half-open: one probe; it fails, and the breaker opens at once for another cool-down.
    let probe = engine.handle(now, Event::Timer);
    assert_eq!(sends(&probe), [Request::Push { max: 1 }]);
    let at = sleep(&engine.handle(now, fail(FailureKind::Unreachable))).unwrap();
    assert_eq!(at, now + config.breaker_cooldown_ms);
    // The next probe passes: closed, and the next failure waits a short time again.
    engine.handle(at, Event::Timer);
    engine.handle(
        at,
        Event::Response(Response::Pushed {
            sent: 1,
            accepted: 1,
            refused: 0,
            outbox: 0,
        }),
    );
    let done = engine.handle(at, page(0, false));
    assert_eq!(
        finished(&done),
        Some(Outcome::Synced {
            push_interrupted: false
        })
    );
    assert_eq!(engine.status().failures, 0);
    assert_eq!(engine.status().last_success, Some(at));
}

#[test]
fn a_new_network_or_the_foreground_resets_backoff_and_breaker_and_syncs_now() {
    for reset in [Event::NetworkChanged { online: true }, Event::Foreground] {
        let mut engine = Engine::new(EngineConfig::default(), 5);
        engine.handle(0, start(Mode::Continuous, 0, 0, None));
        let mut now = 0;
        for _ in 0..8 {
            let at = sleep(&engine.handle(now, fail(FailureKind::Unreachable))).unwrap();
            now = at;
            engine.handle(now, Event::Timer);
        }
        assert!(engine.status().failures >= 5);
        let actions = engine.handle(now, fail(FailureKind::Unreachable));
        assert!(sleep(&actions).is_some());
        // Mid-wait, the shell says: new network (or the app came back).
        let actions = engine.handle(now + 1, reset.clone());
        assert_eq!(
            sends(&actions),
            [Request::Pull {
                limit: 200,
                wait_secs: None
            }]
        );
        assert_eq!(engine.status().failures, 0);
        // The next failure waits at most the base again.
        let at = sleep(&engine.handle(now + 1, fail(FailureKind::Unreachable))).unwrap();
        assert!(at <= now + 1 + 1_000, "{reset:?}: waited {}", at - now - 1);
    }
}

#[test]
fn a_clock_refusal_is_retried_once_then_blocks() {
    let mut engine = Engine::new(EngineConfig::default(), 0);
    let first = sends(&engine.handle(0, start(Mode::Once, 0, 0, None)));
    let again = sends(&engine.handle(1, fail(FailureKind::Clock)));
    assert_eq!(first, again);
    let actions = engine.handle(2, fail(FailureKind::Clock));
    assert_eq!(
        finished(&actions),
        Some(Outcome::Failed(FailureKind::Blocked(BlockedKind::Clock)))
    );
    assert_eq!(
        engine.status().state,
        SyncState::Blocked(BlockedKind::Clock)
    );
}
