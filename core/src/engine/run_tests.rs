//! The engine's course of a sync, without a network: push before 回执 before pull, one page at a
//! time; a failed push still pulls; long-poll only in the foreground with nothing queued; a
//! background budget stops at a page boundary; and random event sequences never put two
//! requests in flight nor sleep past the cap.

#![allow(clippy::unwrap_used)]

use super::test_support::*;
use super::*;
use proptest::prelude::*;

#[test]
fn push_comes_before_receipts_before_pull_one_page_at_a_time() {
    let mut engine = Engine::new(EngineConfig::default(), 0);
    let mut requests = sends(&engine.handle(0, start(Mode::Once, 40, 3, None)));
    let pushed = |sent, outbox| {
        Event::Response(Response::Pushed {
            sent,
            accepted: sent,
            refused: 0,
            outbox,
        })
    };
    requests.extend(sends(&engine.handle(1, pushed(32, 8))));
    requests.extend(sends(&engine.handle(2, pushed(8, 0))));
    let taken = Event::Response(Response::ReceiptsTaken {
        sent: 3,
        refused: 0,
        receipts: 0,
    });
    requests.extend(sends(&engine.handle(3, taken)));
    requests.extend(sends(&engine.handle(4, page(200, true))));
    let last = engine.handle(5, page(10, false));
    assert!(sends(&last).is_empty());
    let pull = Request::Pull {
        limit: 200,
        wait_secs: None,
    };
    assert_eq!(
        requests,
        [
            Request::Push { max: 32 },
            Request::Push { max: 8 },
            Request::PushReceipts,
            pull,
            pull
        ]
    );
    assert_eq!(
        finished(&last),
        Some(Outcome::Synced {
            push_interrupted: false
        })
    );
    assert!(!engine.is_running());
    assert_eq!(
        engine.status().last_success,
        Some(5),
        "a once-run records its success"
    );
}

#[test]
fn a_failed_push_still_pulls() {
    // Cut again and again: halved down to one, then given up on, and the pull follows.
    let mut engine = Engine::new(EngineConfig::default(), 0);
    let mut sizes = sends(&engine.handle(0, start(Mode::Once, 50, 0, None)));
    for _ in 0..8 {
        sizes.extend(sends(&engine.handle(1, fail(FailureKind::Cut))));
    }
    let expected: Vec<Request> = [32, 16, 8, 4, 2, 1, 1, 1]
        .into_iter()
        .map(|max| Request::Push { max })
        .chain([Request::Pull {
            limit: 200,
            wait_secs: None,
        }])
        .collect();
    assert_eq!(sizes, expected);
    let done = engine.handle(2, page(3, false));
    assert_eq!(
        finished(&done),
        Some(Outcome::Synced {
            push_interrupted: true
        })
    );

    // Refused by a failing gateway: the pull still runs.
    let mut engine = Engine::new(EngineConfig::default(), 0);
    engine.handle(0, start(Mode::Once, 5, 0, None));
    let refused = fail(FailureKind::Refused {
        status: 503,
        code: "unavailable".into(),
    });
    assert_eq!(
        sends(&engine.handle(1, refused)),
        [Request::Pull {
            limit: 200,
            wait_secs: None
        }]
    );

    // A device the gateway will not let sync is stopped at its push.
    let mut engine = Engine::new(EngineConfig::default(), 0);
    engine.handle(0, start(Mode::Once, 5, 1, None));
    let actions = engine.handle(
        1,
        fail(FailureKind::Refused {
            status: 401,
            code: "device_suspended".into(),
        }),
    );
    assert!(sends(&actions).is_empty());
    assert_eq!(
        engine.status().state,
        SyncState::Blocked(BlockedKind::DeviceRevoked)
    );

    // No connection at all: the pull would fare no better; the sync fails.
    let mut engine = Engine::new(EngineConfig::default(), 0);
    engine.handle(0, start(Mode::Once, 5, 0, None));
    let actions = engine.handle(1, fail(FailureKind::Unreachable));
    assert!(sends(&actions).is_empty());
    assert_eq!(
        finished(&actions),
        Some(Outcome::Failed(FailureKind::Unreachable))
    );
    assert_eq!(engine.status().state, SyncState::Offline);
}

#[test]
fn long_poll_only_in_the_foreground_with_nothing_queued() {
    let long_poll = Request::Pull {
        limit: 200,
        wait_secs: Some(25),
    };
    // In the background, a continuous run rests after its sync.
    let mut engine = Engine::new(EngineConfig::default(), 0);
    engine.handle(0, start(Mode::Continuous, 0, 0, None));
    let actions = engine.handle(1, page(0, false));
    assert!(sends(&actions).is_empty());
    // In the foreground it syncs, then long-polls; the long-poll's empty answer polls again.
    let actions = engine.handle(2, Event::Foreground);
    assert_eq!(sends(&actions).len(), 1);
    let actions = engine.handle(3, page(0, false));
    assert_eq!(sends(&actions), [long_poll]);
    assert!(matches!(
        actions.iter().find(|a| matches!(a, Action::Send { .. })),
        Some(Action::Send { deadlines, .. }) if deadlines.first_byte_ms > 25_000
    ));
    assert_eq!(sends(&engine.handle(28_000, page(0, false))), [long_poll]);
    assert_eq!(engine.status().state, SyncState::Idle);
    // An action queued: the long-poll is cancelled and the push goes at once.
    let actions = engine.handle(
        29_000,
        Event::OutboxGrew {
            outbox: 1,
            receipts: 0,
        },
    );
    let cancel = actions.iter().position(|a| *a == Action::Cancel);
    let push = actions
        .iter()
        .position(|a| matches!(a, Action::Send { .. }));
    assert!(cancel.is_some() && cancel < push, "{actions:?}");
    assert_eq!(sends(&actions), [Request::Push { max: 1 }]);
    // Something still queued after the sync (a command waiting for its file): no long-poll.
    engine.handle(
        29_001,
        Event::Response(Response::Pushed {
            sent: 1,
            accepted: 0,
            refused: 0,
            outbox: 1,
        }),
    );
    assert!(sends(&engine.handle(29_002, page_leaving(0, false, 1, 0))).is_empty());
    // Emptied, and the app in the background: a sync, then still no long-poll.
    engine.handle(29_003, Event::Background);
    let actions = engine.handle(
        29_004,
        Event::OutboxGrew {
            outbox: 0,
            receipts: 1,
        },
    );
    assert_eq!(sends(&actions), [Request::PushReceipts]);
    engine.handle(
        29_005,
        Event::Response(Response::ReceiptsTaken {
            sent: 1,
            refused: 0,
            receipts: 0,
        }),
    );
    assert!(sends(&engine.handle(29_006, page(0, false))).is_empty());
    assert!(engine.in_flight().is_none());
    // Going to the background cancels a long-poll.
    engine.handle(30_000, Event::Foreground);
    engine.handle(30_001, page(0, false));
    assert_eq!(engine.in_flight(), Some(long_poll));
    assert_eq!(
        engine.handle(30_002, Event::Background).first(),
        Some(&Action::Cancel)
    );
    assert!(engine.in_flight().is_none());
}

#[test]
fn a_background_budget_stops_at_a_page_boundary() {
    let mut engine = Engine::new(EngineConfig::default(), 0);
    let actions = engine.handle(0, start(Mode::Once, 0, 0, Some(30_000)));
    // The request may not outlive the budget.
    assert!(matches!(
        actions.iter().find(|a| matches!(a, Action::Send { .. })),
        Some(Action::Send { deadlines, .. }) if deadlines.total_ms <= 30_000
    ));
    let mut now = 0;
    let mut pages = 0;
    loop {
        now += 7_000;
        let actions = engine.handle(now, page(200, true));
        pages += 1;
        if let Some(outcome) = finished(&actions) {
            assert_eq!(outcome, Outcome::BudgetSpent);
            assert!(sends(&actions).is_empty());
            break;
        }
        // Each request sent before the budget ends must end by it.
        for action in &actions {
            if let Action::Send { deadlines, .. } = action {
                assert!(now + deadlines.total_ms <= 30_000);
            }
        }
    }
    // Every page answered was counted whole; none was cut off by the stop.
    assert_eq!(pages, 5);
    assert!(engine.in_flight().is_none());
    assert!(!engine.is_running());
    assert_eq!(engine.status().state, SyncState::Idle);
}

fn event() -> impl Strategy<Value = Event> {
    let failure = prop_oneof![
        Just(FailureKind::Unreachable),
        Just(FailureKind::Cut),
        Just(FailureKind::Timeout),
        Just(FailureKind::Clock),
        Just(FailureKind::Local),
        Just(FailureKind::Blocked(BlockedKind::CaptivePortal)),
        Just(FailureKind::Blocked(BlockedKind::DeviceRevoked)),
        (400u16..600).prop_map(|status| FailureKind::Refused {
            status,
            code: "x".into()
        }),
    ];
    prop_oneof![
        (
            any::<bool>(),
            0usize..50,
            0usize..5,
            proptest::option::of(0u64..100_000)
        )
            .prop_map(|(once, outbox, receipts, budget_ms)| start(
                if once { Mode::Once } else { Mode::Continuous },
                outbox,
                receipts,
                budget_ms
            )),
        Just(Event::Stop),
        (0usize..40, 0usize..50).prop_map(|(sent, outbox)| Event::Response(Response::Pushed {
            sent,
            accepted: sent,
            refused: 0,
            outbox
        })),
        (0usize..5, 0usize..5).prop_map(|(sent, receipts)| Event::Response(
            Response::ReceiptsTaken {
                sent,
                refused: 0,
                receipts
            }
        )),
        (0usize..300, any::<bool>()).prop_map(|(items, more)| page(items, more)),
        (failure, proptest::option::of(0u64..1_000_000)).prop_map(|(kind, retry_after_ms)| {
            Event::Failure(Failure {
                kind,
                retry_after_ms,
            })
        }),
        any::<bool>().prop_map(|online| Event::NetworkChanged { online }),
        Just(Event::Foreground),
        Just(Event::Background),
        (0usize..10, 0usize..3)
            .prop_map(|(outbox, receipts)| Event::OutboxGrew { outbox, receipts }),
        Just(Event::Timer),
    ]
}

proptest! {
    #[test]
    fn never_two_requests_at_once_and_never_a_sleep_past_the_cap(
        seed in any::<u64>(),
        steps in proptest::collection::vec((0u64..400_000, event()), 1..200),
    ) {
        let config = EngineConfig::default();
        let mut engine = Engine::new(config.clone(), seed);
        let mut now = 0u64;
        let mut in_flight = false;
        for (elapsed, event) in steps {
            now += elapsed;
            // A response or failure answers the request in flight (the engine ignores stray
            // ones when none is).
            if matches!(event, Event::Response(_) | Event::Failure(_)) {
                in_flight = false;
            }
            let actions = engine.handle(now, event);
            for action in &actions {
                match action {
                    Action::Send { deadlines, .. } => {
                        prop_assert!(!in_flight, "a second request while one is in flight");
                        prop_assert!(deadlines.total_ms <= config.long_poll_deadlines.total_ms);
                        in_flight = true;
                    }
                    Action::Cancel => {
                        prop_assert!(in_flight, "cancelled nothing");
                        in_flight = false;
                    }
                    Action::SleepUntil(at) => {
                        prop_assert!(*at >= now);
                        prop_assert!(*at - now <= config.backoff_cap_ms, "slept {} ms", *at - now);
                    }
                    Action::Status(_) | Action::Finished(_) => {}
                }
            }
            prop_assert_eq!(in_flight, engine.in_flight().is_some());
        }
    }
}
