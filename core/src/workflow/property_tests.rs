//! Property test: invariants of domain.md over random valid definitions and random sequences of
//! commands of every kind by random actors.

use super::test_support::{definition, now};
use super::*;
use crate::model::{Attitude, Opinion};
use proptest::prelude::*;

const USERS: [&str; 4] = ["u0", "u1", "u2", "u3"];

/// A random valid definition: a chain of manual nodes, each routing forward (to a later node or
/// the end), with random handlers, modes, completion rules and optional actions.
fn arbitrary_definition() -> impl Strategy<Value = ProcessDefinition> {
    let node = (
        proptest::sample::subsequence(USERS.to_vec(), 1..=3),
        (0u8..5, 1u8..=100),
        (any::<bool>(), 0usize..3),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
    );
    proptest::collection::vec(node, 1..5).prop_map(|specs| {
        let count = specs.len();
        let mut nodes: Vec<Node> = specs
            .into_iter()
            .enumerate()
            .map(
                |(
                    i,
                    (
                        handlers,
                        (rule, percent),
                        (second_route, skip),
                        (recall, transfer, returns, jump, reject),
                    ),
                )| {
                    let next = |k: usize| {
                        if i + k < count {
                            format!("n{}", i + k)
                        } else {
                            "end".to_owned()
                        }
                    };
                    let mut node = Node::manual(&format!("n{i}"), &format!("节点{i}"), &handlers)
                        .route("下一步", &next(1));
                    if second_route {
                        node = node.route("跳过", &next(1 + skip));
                    }
                    if handlers.len() > 1 {
                        match rule {
                            0 => node.mode = HandlerMode::Serial,
                            1 => node.completion = Completion::FirstWins,
                            2 => node.completion = Completion::Ratio { percent },
                            3 => {
                                node.completion = Completion::WeightedVote {
                                    threshold: 1 + u32::from(percent) % handlers.len() as u32,
                                }
                            }
                            _ => {}
                        }
                    }
                    node.allow.recall = recall;
                    node.allow.transfer = transfer;
                    node.returns.allowed = returns;
                    node.returns.way = if jump {
                        ReturnWay::Jump
                    } else {
                        ReturnWay::Step
                    };
                    if reject {
                        node.reject = RejectPolicy::Terminate;
                    }
                    node
                },
            )
            .collect();
        nodes.push(Node::end("end"));
        definition(nodes)
    })
}

/// A random command of any kind on `task_id`.
fn command(
    kind: usize,
    task_id: &str,
    route: &str,
    target: usize,
    to: usize,
    disagree: bool,
) -> Command {
    let attitude = if disagree {
        Attitude::Disagree
    } else {
        Attitude::Agree
    };
    let opinion = Opinion::new(attitude, "意见");
    let task_id = task_id.to_owned();
    match kind {
        0..=3 => Command::Approve {
            task_id,
            route: Some(route.into()),
            opinion,
        },
        4 => Command::Return {
            task_id,
            target: format!("n{target}"),
            opinion,
        },
        5 => Command::Recall { task_id },
        6 => Command::Transfer {
            task_id,
            to: USERS[to].into(),
        },
        7 => Command::Reject { task_id, opinion },
        8 => Command::MarkRead { task_id },
        _ => Command::Revoke,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// Random commands of every kind by random actors on random tasks and versions: a refusal
    /// changes nothing, an accepted command bumps the version by exactly one, a finished task
    /// becomes pending again only through recall by its owner, a final instance has nothing
    /// pending, and the control flags never offer an approval route that `decide` refuses.
    #[test]
    fn invariants_hold_for_random_definitions_and_commands(
        def in arbitrary_definition(),
        steps in proptest::collection::vec(
            ((any::<bool>(), 0usize..4, 0usize..16, 0u64..6), (0usize..10, 0usize..3, 0usize..5, 0usize..4, any::<bool>())),
            1..25,
        ),
    ) {
        prop_assert!(def.validate().is_ok());
        let mut inst = Instance::start("i", "d", "u0", &def).unwrap();
        let mut accepted = 0usize;
        for ((own, actor, pick, lag), (kind, route, target, to, disagree)) in steps {
            // Mostly plausible commands (an existing task, often by its own assignee, mostly on the
            // current version), so that many are accepted; the rest probe the refusals.
            let task = &inst.tasks[pick % inst.tasks.len()];
            let task_id = task.id.clone();
            let actor = if own { task.assignee.clone() } else { USERS[actor].to_owned() };
            let actor = actor.as_str();
            let base = inst.version.saturating_sub(lag.saturating_sub(3));
            let route = ["r1", "r2", "r3"][route];
            let command = command(kind, &task_id, route, target, to, disagree);
            let is_approval = matches!(command, Command::Approve { .. });
            let offered = controls(&def, &inst, actor, &task_id).routes.contains(&route.to_owned());
            let done_before: Vec<String> = inst.tasks.iter().filter(|t| matches!(t.state, TaskState::Done { .. })).map(|t| t.id.clone()).collect();
            match execute(&def, &inst, actor, base, &command, now()) {
                Ok((next, events)) => {
                    prop_assert_eq!(next.version, inst.version + 1);
                    prop_assert!(!events.is_empty());
                    prop_assert!(!is_approval || offered, "an accepted route was not offered by the control flags");
                    let recalled = matches!(&command, Command::Recall { .. }).then_some(task_id.as_str());
                    for id in done_before.iter().filter(|id| Some(id.as_str()) != recalled) {
                        let still_done = matches!(next.task(id).map(|t| t.state), Some(TaskState::Done { .. }));
                        prop_assert!(still_done, "finished task {} became unfinished", id);
                    }
                    inst = next;
                    accepted += 1;
                }
                Err(rejection) => {
                    prop_assert_eq!(rejection.current_version, inst.version);
                    if base != inst.version {
                        prop_assert_eq!(rejection.code, RejectionCode::Stale);
                    } else if is_approval {
                        prop_assert!(!offered, "the control flags offered a refused route");
                    }
                }
            }
            if inst.state.is_final() {
                prop_assert!(inst.tasks.iter().all(|t| t.state != TaskState::Pending));
                prop_assert!(inst.current_node.is_none());
            }
            if inst.state == InstanceState::Running {
                prop_assert!(inst.tasks.iter().any(|t| t.state == TaskState::Pending), "a running flow has nobody to act");
            }
        }
        // Every accepted command moved the version by exactly one from its start at 1.
        prop_assert_eq!(inst.version, 1 + accepted as u64);
    }
}
