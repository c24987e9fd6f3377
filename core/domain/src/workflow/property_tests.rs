//! Property test: the invariants of domain.md over random valid process definitions (chains with
//! every handler mode and completion rule, optional parallel branches, every allowance) and random
//! sequences of commands of every kind by random actors with random roles, under a standing
//! delegation.

use super::test_support::{definition, later, now};
use super::*;
use proptest::prelude::*;

const USERS: [&str; 5] = ["u0", "u1", "u2", "u3", "u4"];

type NodeSpec = (
    Vec<&'static str>,
    (u8, u8),
    (bool, usize),
    (bool, bool, bool, bool, bool),
    (bool, bool, bool, bool, bool, bool, bool),
);

fn node_spec() -> impl Strategy<Value = NodeSpec> {
    (
        proptest::sample::subsequence(USERS.to_vec(), 1..=3),
        (0u8..7, 1u8..=100),
        (any::<bool>(), 0usize..3),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
    )
}

fn build_node(id: &str, spec: NodeSpec, routes: &[String]) -> Node {
    let (handlers, (rule, percent), _, (recall, transfer, returns, jump, reject), allow) = spec;
    let mut node = Node::manual(id, &format!("节点{id}"), &handlers);
    for (k, to) in routes.iter().enumerate() {
        node = node.route(&format!("去{k}"), to);
    }
    match (handlers.len() > 1, rule) {
        (true, 0) => node.mode = HandlerMode::Serial,
        (true, 1) => node.completion = Completion::FirstWins,
        (true, 2) => node.completion = Completion::Ratio { percent },
        (true, 3) => {
            node.completion = Completion::WeightedVote {
                threshold: 1 + u32::from(percent) % handlers.len() as u32,
            }
        }
        (_, 4) => node.mode = HandlerMode::Pool,
        _ => {}
    }
    let (add_sign, delegate, circulate, urge, batch, terminate, read_only) = allow;
    node.allow = Allowances {
        recall,
        add_sign,
        transfer,
        delegate,
        circulate,
        urge,
        batch,
        terminate,
    };
    node.returns.allowed = returns;
    node.returns.way = if jump {
        ReturnWay::Jump
    } else {
        ReturnWay::Step
    };
    if reject {
        node.reject = RejectPolicy::Terminate;
    }
    if read_only && rule == 5 {
        node.read_only = true;
        node.reject = RejectPolicy::NotAllowed;
        node.returns = ReturnPolicy::default();
        node.allow.add_sign = false;
        node.allow.delegate = false;
    }
    node
}

/// A random valid definition: a chain of manual nodes routing forward (to a later node or past
/// the chain), optionally followed by a parallel split into two branches and their join.
fn arbitrary_definition() -> impl Strategy<Value = ProcessDefinition> {
    (
        proptest::collection::vec(node_spec(), 1..5),
        proptest::option::of((node_spec(), node_spec())),
    )
        .prop_map(|(chain, branches)| {
            let count = chain.len();
            let after_chain = if branches.is_some() { "split" } else { "end" };
            let mut nodes = Vec::new();
            for (i, spec) in chain.into_iter().enumerate() {
                let next = |k: usize| {
                    if i + k < count {
                        format!("n{}", i + k)
                    } else {
                        after_chain.to_owned()
                    }
                };
                let mut routes = vec![next(1)];
                if spec.2 .0 {
                    routes.push(next(1 + spec.2 .1));
                }
                nodes.push(build_node(&format!("n{i}"), spec, &routes));
            }
            if let Some((left, right)) = branches {
                nodes.push(Node::split("split").route("甲", "b0").route("乙", "b1"));
                nodes.push(build_node("b0", left, &["join".to_owned()]));
                nodes.push(build_node("b1", right, &["join".to_owned()]));
                nodes.push(Node::join("join").route("结束", "end"));
            }
            nodes.push(Node::end("end"));
            definition(nodes)
        })
}

/// A random command of any kind on `task_id` (or, for reads, a read item).
fn command(
    kind: usize,
    task_id: &str,
    item: Option<&str>,
    pick: (usize, usize, usize, bool),
) -> Command {
    let (route, target, to, flag) = pick;
    let opinion = if flag {
        Opinion::disagree("意见")
    } else {
        Opinion::agree("意见")
    };
    let id = task_id.to_owned();
    let someone = USERS[to].to_owned();
    let route = Some(format!("r{}", route + 1));
    // Approvals dominate, as in real use, so that flows get deep; every other kind comes up too.
    let kind = match kind {
        0..=19 => 0,
        20..=22 => 10,
        k => 4 + (k - 23) % 21,
    };
    match kind {
        0..=3 => Command::Approve {
            task_id: id,
            route,
            opinion,
        },
        4 => Command::Return {
            task_id: id,
            target: format!("n{target}"),
            opinion,
        },
        5 => Command::Recall { task_id: id },
        6 => Command::Transfer {
            task_id: id,
            to: someone,
        },
        7 => Command::Reject {
            task_id: id,
            opinion,
        },
        8 => Command::MarkRead {
            task_id: item.filter(|_| flag).map_or(id, str::to_owned),
        },
        9 => Command::Revoke,
        10 => Command::BatchApprove { task_id: id, route },
        11 => Command::Delegate {
            task_id: id,
            to: someone,
        },
        12 => Command::Resolve {
            task_id: id,
            opinion,
        },
        13 => Command::AddSigner {
            task_id: id,
            signers: vec![someone, USERS[(to + 1) % USERS.len()].to_owned()],
            position: if flag {
                SignPosition::After
            } else {
                SignPosition::Before
            },
            mode: [HandlerMode::Serial, HandlerMode::Parallel][target % 2],
            route,
            opinion: Some(opinion),
        },
        14 => Command::RemoveSigner { task_id: id },
        15 => Command::Circulate {
            task_id: id,
            recipients: vec![someone],
        },
        16 => Command::Terminate { opinion },
        17 => Command::Urge,
        18 => Command::Suspend {
            task_id: flag.then_some(id),
        },
        19 => Command::Resume {
            task_id: flag.then_some(id),
        },
        20 => Command::Open { task_id: id },
        21 => Command::Save {
            task_id: id,
            opinion,
        },
        22 => Command::Claim { task_id: id },
        23 => Command::Release { task_id: id },
        _ => Command::TakeBack { task_id: id },
    }
}

/// The control flag that stands for exactly this command, when the flag's probe is this command.
fn flag_for(controls: &Controls, command: &Command) -> Option<bool> {
    Some(match command {
        Command::Recall { .. } => controls.can_recall,
        Command::Revoke => controls.can_revoke,
        Command::Urge => controls.can_urge,
        Command::Open { .. } => controls.can_open,
        Command::Claim { .. } => controls.can_claim,
        Command::Release { .. } => controls.can_release,
        Command::TakeBack { .. } => controls.can_take_back,
        Command::Suspend { task_id: None } => controls.can_suspend,
        Command::Resume { task_id: None } => controls.can_resume,
        Command::Suspend { task_id: Some(_) } => controls.can_pause,
        Command::Resume { task_id: Some(_) } => controls.can_resume_task,
        _ => return None,
    })
}

fn open_tasks_sit_at_active_nodes(inst: &Instance) -> bool {
    inst.tasks.iter().filter(|t| t.state.is_open()).all(|t| {
        inst.active
            .iter()
            .any(|a| a.node_id == t.node_id && a.visit == t.visit)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// domain.md's invariants: a final instance has nothing open; a done task becomes pending
    /// again only through recall by its owner; the version rises by exactly one per accepted
    /// command, which leaves exactly one trace record; a refusal carries the current version; a
    /// command decided on an older version is refused as stale; a re-sent command id returns the
    /// same verdict and changes nothing; control flags never allow what `decide` refuses (and
    /// offer what it accepts). Also: a running flow always has someone to act, and every open
    /// task sits at an active node.
    #[test]
    fn invariants_hold_for_random_definitions_and_commands(
        def in arbitrary_definition(),
        deputy_rule in any::<bool>(),
        steps in proptest::collection::vec(
            (
                (0u8..4, 0usize..5, 0usize..32, 0u64..8),
                (0usize..48, (0usize..2, 0usize..5, 0usize..5, any::<bool>())),
                (0u8..16, 0i64..600),
            ),
            1..40,
        ),
    ) {
        prop_assert!(def.validate().is_ok(), "{:?}", def.validate());
        let rules = [StandingDelegation {
            id: "rule".into(),
            from: "u1".into(),
            to: "u4".into(),
            scope: DelegationScope::All,
            start: now(),
            end: later(300),
        }];
        let env = Env { definition: &def, delegations: if deputy_rule { &rules } else { &[] } };
        let mut inst = Instance::start(env, "i", "d", "u0", now()).unwrap();
        let mut clock = 0i64;
        for (n, ((own, who, pick, lag), (kind, extra), (roles, minutes))) in steps.into_iter().enumerate() {
            let own = own != 0; // three commands in four come from a task's holder
            clock += minutes;
            // A holder's own command usually names one of their open tasks.
            let open: Vec<&Task> = inst.tasks.iter().filter(|t| t.state.is_open()).collect();
            let task = match open.as_slice() {
                [] => &inst.tasks[pick % inst.tasks.len()],
                some if own => some[pick % some.len()],
                _ => &inst.tasks[pick % inst.tasks.len()],
            };
            let task_id = task.id.clone();
            // Mostly plausible commands (often by the task's holder, mostly on the current
            // version), so that many are accepted; the rest probe the refusals.
            let user = match (own, task.assignee.is_empty(), task.candidates.first()) {
                (true, false, _) => task.assignee.clone(),
                (true, true, Some(candidate)) => candidate.clone(),
                _ => USERS[who].to_owned(),
            };
            let item = inst.read_items.get(pick % inst.read_items.len().max(1)).map(|r| r.id.clone());
            let command = command(kind, &task_id, item.as_deref(), extra);
            let actor = Actor {
                user: user.clone(),
                // Roles are rare, as in a real unit (roles 8..16: a plain person).
                roles: Roles {
                    unit_admin: roles == 1,
                    supervisor: roles & 2 != 0 && roles < 8,
                    secretary_for: if roles & 4 != 0 && roles < 8 { vec!["u1".into()] } else { vec![] },
                },
            };
            let acting_for = (roles == 7 && command.writes_opinion()).then(|| "u1".to_owned());
            // One command in eight was decided on an older version (a phone that was offline).
            let base = if lag == 7 { inst.version.saturating_sub(1 + u64::from(who as u8 % 2)) } else { inst.version };
            let at = later(clock);
            let submission = Submission {
                command_id: format!("c{n}"),
                actor: actor.clone(),
                acting_for: acting_for.clone(),
                base_version: base,
                command: command.clone(),
                at,
            };
            let flags = controls(env, &inst, &actor, &task_id, at);
            let done_before: Vec<String> = inst.tasks.iter().filter(|t| t.state.is_done()).map(|t| t.id.clone()).collect();
            match execute(env, &inst, &submission) {
                Ok(Outcome::Applied { instance: next, record }) => {
                    let next = *next;
                    prop_assert_eq!(next.version, inst.version + 1);
                    prop_assert_eq!(next.trace.len(), inst.trace.len() + 1);
                    prop_assert_eq!(next.trace.last(), Some(record.as_ref()));
                    prop_assert!(!record.events.is_empty());
                    prop_assert_eq!(apply(&inst, &record), next.clone(), "apply reproduces decide");
                    if acting_for.is_none() && base == inst.version {
                        if let Command::Approve { route: Some(route), opinion, .. } = &command {
                            if opinion.attitude == Attitude::Agree && inst.task(&task_id).is_some_and(|t| t.kind == TaskKind::Handler) {
                                prop_assert!(flags.routes.contains(route), "an accepted route was not offered");
                            }
                        }
                        if let Some(flag) = flag_for(&flags, &command) {
                            prop_assert!(flag, "{:?} was accepted but not offered", command);
                        }
                    }
                    let recalled = matches!(&command, Command::Recall { .. }).then_some(task_id.as_str());
                    for id in done_before.iter().filter(|id| Some(id.as_str()) != recalled) {
                        prop_assert!(next.task(id).is_some_and(|t| t.state.is_done()), "finished task {} became unfinished", id);
                    }
                    if let Some(id) = recalled {
                        prop_assert!(inst.task(id).is_some_and(|t| t.is_held_by(&record.actor)), "recalled by someone else");
                    }
                    // Re-sending the same command id: the same verdict, nothing changes.
                    let resent = execute(env, &next, &submission);
                    prop_assert_eq!(resent, Ok(Outcome::Duplicate { version: next.version }));
                    inst = next;
                }
                Ok(Outcome::Duplicate { .. }) => prop_assert!(false, "a fresh command id was reported as a duplicate"),
                Err(rejection) => {
                    prop_assert_eq!(rejection.current_version, inst.version);
                    if base != inst.version {
                        prop_assert_eq!(rejection.code, RejectionCode::Stale);
                    } else if acting_for.is_none() {
                        if let Command::Approve { route: Some(route), .. } = &command {
                            if inst.task(&task_id).is_some_and(|t| t.kind == TaskKind::Handler) && command.name() == "approve" {
                                prop_assert!(!flags.routes.contains(route), "the control flags offered a refused route");
                            }
                        }
                        if let Some(flag) = flag_for(&flags, &command) {
                            prop_assert!(!flag, "{:?} was offered but refused: {}", command, rejection);
                        }
                    }
                }
            }
            if inst.state.is_final() {
                prop_assert!(inst.tasks.iter().all(|t| !t.state.is_open()), "a final instance has open tasks");
                prop_assert!(inst.active.is_empty());
            } else {
                prop_assert!(inst.tasks.iter().any(|t| t.state.is_open()), "a live flow has nobody to act");
                prop_assert!(open_tasks_sit_at_active_nodes(&inst), "an open task outside the active nodes");
            }
        }
        // Every accepted command moved the version by one from its start at 1 and left one record.
        prop_assert_eq!(inst.version, 1 + inst.trace.len() as u64);
    }
}
