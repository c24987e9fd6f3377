//! A continuous engine resumes on its own what a sync left queued, without a network: a push
//! or a 回执 batch the gateway refused or the link kept cutting is tried again after a backoff
//! that honours `Retry-After`; a page that brings the verdicts of a cut push tells the engine
//! the outbox emptied, so it long-polls; the foreground during a sync brings another.

#![allow(clippy::unwrap_used)]

use super::test_support::*;
use super::*;

const LONG_POLL: Request = Request::Pull {
    limit: 200,
    wait_secs: Some(25),
};
const PULL: Request = Request::Pull {
    limit: 200,
    wait_secs: None,
};

fn unavailable(retry_after_ms: Option<u64>) -> Event {
    Event::Failure(Failure {
        kind: FailureKind::Refused {
            status: 503,
            code: "unavailable".into(),
        },
        retry_after_ms,
    })
}

fn pushed(sent: usize, accepted: usize, outbox: usize) -> Event {
    Event::Response(Response::Pushed {
        sent,
        accepted,
        refused: 0,
        outbox,
    })
}

/// A continuous engine in the foreground, online, started with `outbox` and `receipts` queued.
fn foreground_engine(outbox: usize, receipts: usize) -> (Engine, Vec<Request>) {
    let mut engine = Engine::new(EngineConfig::default(), 9);
    engine.handle(0, Event::Foreground);
    let first = sends(&engine.handle(0, start(Mode::Continuous, outbox, receipts, None)));
    (engine, first)
}

#[test]
fn a_push_refused_by_a_busy_gateway_is_pushed_again_after_its_retry_after() {
    let (mut engine, first) = foreground_engine(3, 0);
    assert_eq!(first, [Request::Push { max: 3 }]);
    assert_eq!(sends(&engine.handle(10, unavailable(Some(20_000)))), [PULL]);
    let done = engine.handle(20, page_leaving(0, false, 3, 0));
    assert_eq!(
        finished(&done),
        Some(Outcome::Synced {
            push_interrupted: true
        })
    );
    assert!(sends(&done).is_empty(), "no long-poll with commands queued");
    let at = sleep(&done).expect("the engine must come back for the queued commands");
    assert!((20 + 20_000..=20 + CAP).contains(&at), "woke at {at}");
    assert_eq!(engine.status().next_attempt, Some(at));
    assert_eq!(
        sends(&engine.handle(at, Event::Timer)),
        [Request::Push { max: 3 }]
    );
}

#[test]
fn a_push_the_link_kept_cutting_is_pushed_again_soon() {
    let (mut engine, _) = foreground_engine(1, 0);
    let mut cuts = 0;
    while sends(&engine.handle(5, fail(FailureKind::Cut))) != [PULL] {
        cuts += 1;
        assert!(cuts < 10, "the pull never came");
    }
    let done = engine.handle(6, page_leaving(4, false, 1, 0));
    assert_eq!(
        finished(&done),
        Some(Outcome::Synced {
            push_interrupted: true
        })
    );
    // The first retry after a success waits no longer than the backoff's base.
    let at = sleep(&done).expect("the engine must come back for the cut push");
    assert!(at <= 6 + 1_000, "waited {} ms", at - 6);
    assert_eq!(
        sends(&engine.handle(at, Event::Timer)),
        [Request::Push { max: 1 }]
    );
}

#[test]
fn receipts_refused_by_a_busy_gateway_count_as_interrupted_and_go_again() {
    let (mut engine, first) = foreground_engine(0, 2);
    assert_eq!(first, [Request::PushReceipts]);
    assert_eq!(sends(&engine.handle(10, unavailable(Some(5_000)))), [PULL]);
    let done = engine.handle(20, page_leaving(0, false, 0, 2));
    assert_eq!(
        finished(&done),
        Some(Outcome::Synced {
            push_interrupted: true
        })
    );
    let at = sleep(&done).expect("the engine must come back for the 回执");
    assert!(at >= 20 + 5_000, "woke at {at}");
    assert_eq!(
        sends(&engine.handle(at, Event::Timer)),
        [Request::PushReceipts]
    );
}

#[test]
fn a_page_that_brings_the_verdicts_of_a_cut_push_lets_the_engine_long_poll() {
    let (mut engine, _) = foreground_engine(2, 0);
    // The push reached the gateway, its answer did not; the pull brings the verdicts.
    assert_eq!(sends(&engine.handle(10, unavailable(None))), [PULL]);
    let done = engine.handle(20, page_leaving(2, false, 0, 0));
    assert_eq!(
        finished(&done),
        Some(Outcome::Synced {
            push_interrupted: true
        })
    );
    assert_eq!(sends(&done), [LONG_POLL]);
    assert_eq!(sleep(&done), None);
    assert_eq!(engine.status().state, SyncState::Idle);
}

#[test]
fn the_foreground_during_a_sync_brings_another_sync_after_it() {
    let mut engine = Engine::new(EngineConfig::default(), 9);
    engine.handle(0, start(Mode::Continuous, 1, 0, None));
    assert!(sends(&engine.handle(1, Event::Foreground)).is_empty());
    assert_eq!(sends(&engine.handle(2, pushed(1, 1, 0))), [PULL]);
    let done = engine.handle(3, page(0, false));
    assert!(finished(&done).is_some());
    assert_eq!(sends(&done), [PULL], "a fresh sync, not yet the long-poll");
    assert_eq!(sends(&engine.handle(4, page(0, false))), [LONG_POLL]);
}

#[test]
fn a_command_the_gateway_keeps_queued_is_retried_ever_more_slowly_and_a_new_one_goes_at_once() {
    let mut engine = Engine::new(EngineConfig::default(), 9);
    engine.handle(0, start(Mode::Continuous, 1, 0, None));
    let mut now = 0;
    let mut waited = 0;
    for _ in 0..10 {
        assert_eq!(sends(&engine.handle(now, pushed(1, 0, 1))), [PULL]);
        let done = engine.handle(now, page_leaving(0, false, 1, 0));
        assert_eq!(
            finished(&done),
            Some(Outcome::Synced {
                push_interrupted: false
            })
        );
        let at = sleep(&done).expect("the engine must come back for the queued command");
        assert!(at - now <= CAP);
        waited += at - now;
        now = at;
        assert_eq!(
            sends(&engine.handle(now, Event::Timer)),
            [Request::Push { max: 1 }]
        );
    }
    // Ten retries in a row back off: far more than ten times the base in all.
    assert!(waited > 60_000, "ten retries within {waited} ms");
    assert_eq!(engine.status().failures, 0, "retries are not failures");
    // While it waits, the person acts: the new command is pushed at once.
    engine.handle(now, pushed(1, 0, 1));
    let done = engine.handle(now, page_leaving(0, false, 1, 0));
    assert!(sleep(&done).is_some());
    let grew = engine.handle(
        now + 1,
        Event::OutboxGrew {
            outbox: 2,
            receipts: 0,
        },
    );
    assert_eq!(sends(&grew), [Request::Push { max: 2 }]);
}
