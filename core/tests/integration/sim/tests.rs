//! The simulation's tests: at least 2,000 seeded days in every `cargo test` run, each checked
//! against the properties; and the proof that the properties can fail, a deliberately broken
//! gateway or phone caught within a few seeds.

// Test code: a failed expectation panics with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::checks::broken;
use super::gateway::GatewayMutations;
use super::phone::PhoneMutations;
use super::world::{Config, Stats, World};

/// Seeds in a normal run; `QIANPI_SIM_SEEDS` asks for more.
const DEFAULT_SEEDS: u64 = 2_000;
/// Faults for the first ten simulated minutes, then fifteen quiet ones (three times the
/// backoff's and the breaker's five-minute cap, so a phone that waits the longest comes back).
const FAULT_MS: u64 = 10 * 60_000;
const QUIET_MS: u64 = 15 * 60_000;

const TEST_NAME: &str = "sim::tests::every_command_reaches_one_verdict_and_phones_converge";

fn config(seed: u64, trace: bool) -> Config {
    Config {
        seed,
        fault_ms: FAULT_MS,
        quiet_ms: QUIET_MS,
        trace,
        gateway_mutations: GatewayMutations::default(),
        phone_mutations: PhoneMutations::default(),
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Runs one day; the properties it broke and what it saw.
fn day(config: Config) -> (Vec<String>, World) {
    let mut world = World::new(config);
    world.run();
    (broken(&world), world)
}

#[test]
fn every_command_reaches_one_verdict_and_phones_converge() {
    if let Some(seed) = env_u64("QIANPI_SIM_SEED") {
        let (broken, world) = day(config(seed, true));
        for line in &world.trace {
            eprintln!("{line}");
        }
        eprintln!("seed {seed}: {:?}", world.stats);
        assert!(broken.is_empty(), "seed {seed} broke: {broken:#?}");
        return;
    }
    let seeds = env_u64("QIANPI_SIM_SEEDS").unwrap_or(DEFAULT_SEEDS);
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    let mut failed = Vec::new();
    let mut total = Stats::default();
    for seed in 0..seeds {
        let (broken, world) = day(config(seed, false));
        let s = &world.stats;
        total.events += s.events;
        total.requests += s.requests;
        total.commands += s.commands;
        total.accepted += s.accepted;
        total.gateway_crashes += s.gateway_crashes;
        total.phone_crashes += s.phone_crashes;
        total.stale_answers += s.stale_answers;
        total.background_tasks += s.background_tasks;
        total.budgets_spent += s.budgets_spent;
        if !broken.is_empty() {
            failed.push(seed);
            if failures.len() >= 10 {
                continue;
            }
            failures.push(format!(
                "seed {seed} broke {} properties, first: {}\n  replay with a trace: \
                 QIANPI_SIM_SEED={seed} cargo test -p qianpi-core --test integration {TEST_NAME} \
                 -- --nocapture",
                broken.len(),
                broken[0]
            ));
        }
    }
    eprintln!(
        "simulated {seeds} days in {:.1} s: {total:?}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {seeds} seeds broke a property ({failed:?}); the first:\n{}",
        failed.len(),
        failures.join("\n")
    );
    // The days were hostile and busy, or the properties prove little.
    assert!(total.commands > seeds * 10, "too few commands: {total:?}");
    assert!(total.accepted > seeds, "too few accepted: {total:?}");
    assert!(total.gateway_crashes > seeds / 2, "{total:?}");
    assert!(total.phone_crashes > seeds, "{total:?}");
    assert!(total.stale_answers > seeds / 10, "{total:?}");
    assert!(total.background_tasks > seeds / 10, "{total:?}");
}

#[test]
fn a_seed_replays_the_same_day_event_for_event() {
    for seed in [3, 74, 1_000_003] {
        let (first, a) = day(config(seed, true));
        let (second, b) = day(config(seed, true));
        assert_eq!(first, second);
        assert!(
            a.trace.len() > 100,
            "seed {seed}: a day with {} events",
            a.trace.len()
        );
        assert_eq!(a.trace, b.trace, "seed {seed} did not replay");
    }
}

/// The first seed (of `limit`) whose day keeps every property as built but breaks one with
/// these faults built in: a mutation is caught by the properties, not by a day that fails
/// anyway.
fn first_caught(gateway: GatewayMutations, phone: PhoneMutations, limit: u64) -> Option<u64> {
    let caught = (0..limit).find(|&seed| {
        let mutated = Config {
            gateway_mutations: gateway,
            phone_mutations: phone,
            ..config(seed, false)
        };
        !day(mutated).0.is_empty() && day(config(seed, false)).0.is_empty()
    });
    eprintln!("{gateway:?} {phone:?}: caught by seed {caught:?}");
    caught
}

#[test]
fn a_gateway_that_forgets_its_verdicts_on_restart_is_caught() {
    let gateway = GatewayMutations {
        forget_verdicts_on_restart: true,
    };
    assert!(first_caught(gateway, PhoneMutations::default(), 50).is_some());
}

#[test]
fn a_phone_that_loses_a_queued_command_in_a_crash_is_caught() {
    let phone = PhoneMutations {
        drop_newest_on_crash: true,
        ..PhoneMutations::default()
    };
    assert!(first_caught(GatewayMutations::default(), phone, 50).is_some());
}

#[test]
fn a_phone_that_takes_a_cut_push_for_accepted_is_caught() {
    let phone = PhoneMutations {
        cut_push_counts_as_accepted: true,
        ..PhoneMutations::default()
    };
    assert!(first_caught(GatewayMutations::default(), phone, 50).is_some());
}

#[test]
fn a_phone_that_does_not_keep_its_cursor_with_the_page_is_caught() {
    let phone = PhoneMutations {
        cursor_not_saved: true,
        ..PhoneMutations::default()
    };
    assert!(first_caught(GatewayMutations::default(), phone, 50).is_some());
}
