//! One test per action beyond the basic approval (delegate and resolve, add and remove signers,
//! circulate and read, urge, suspend and resume, open and save, terminate, claim and release,
//! standing delegation, secretary entry, batch approval), and a table that provokes every refusal
//! code at least once.

use super::test_support::*;
use super::*;
use std::collections::BTreeSet;

/// 拟办 (clerk) → 领导批示 (leader; everything allowed) → 承办 (handler) → end.
fn office() -> ProcessDefinition {
    let mut leader = Node::manual("lead", "领导批示", &["leader"]).route("送承办", "do");
    leader.allow = Allowances {
        recall: true,
        add_sign: true,
        transfer: true,
        delegate: true,
        circulate: true,
        urge: true,
        batch: true,
        terminate: true,
    };
    leader.time_limit_hours = Some(24);
    let mut clerk = Node::manual("draft", "拟办", &["clerk"]).route("送领导", "lead");
    clerk.allow.recall = true;
    definition(vec![
        clerk,
        leader,
        Node::manual("do", "承办", &["handler"]).route("办结", "end"),
        Node::end("end"),
    ])
}

/// The office flow, at the leader's task.
fn at_leader(def: &ProcessDefinition) -> Instance {
    let inst = start_instance("i", "d", "clerk", def).unwrap();
    run(def, &inst, "clerk", agree("i-t1"))
}

fn user(id: &str) -> Actor {
    Actor::user(id)
}

#[test]
fn delegate_waits_for_the_delegatee_and_resolve_gives_the_task_back() {
    let def = office();
    let inst = at_leader(&def);
    let lead = task_of(&inst, "leader");
    let inst = run(
        &def,
        &inst,
        "leader",
        Command::Delegate {
            task_id: lead.clone(),
            to: "aide".into(),
        },
    );
    assert_eq!(inst.task(&lead).unwrap().state, TaskState::Waiting);
    let aide_task = task_of(&inst, "aide");
    assert_eq!(
        refusal(&def, &inst, "aide", agree(&aide_task)),
        RejectionCode::ActionNotAllowed,
        "a delegatee resolves, it does not approve"
    );
    let inst = run(
        &def,
        &inst,
        "aide",
        Command::Resolve {
            task_id: aide_task.clone(),
            opinion: Opinion::agree("建议同意"),
        },
    );
    assert!(inst.task(&aide_task).unwrap().state.is_done());
    assert_eq!(
        inst.task(&lead).unwrap().state,
        TaskState::Pending {
            sub: PendingState::Read
        }
    );
    assert_eq!(
        inst.current_node(),
        Some("lead"),
        "the leader still decides"
    );
    let inst = run(&def, &inst, "leader", agree(&lead));
    assert_eq!(inst.current_node(), Some("do"));
}

#[test]
fn signers_added_before_go_first_then_the_adder_decides() {
    let def = office();
    let inst = at_leader(&def);
    let lead = task_of(&inst, "leader");
    let add = Command::AddSigner {
        task_id: lead.clone(),
        signers: vec!["s1".into(), "s2".into()],
        position: SignPosition::Before,
        mode: HandlerMode::Serial,
        route: None,
        opinion: None,
    };
    let inst = run(&def, &inst, "leader", add);
    assert_eq!(inst.task(&lead).unwrap().state, TaskState::Waiting);
    assert_eq!(pending_users(&inst), ["s1"], "serial: one signer at a time");
    let s1 = task_of(&inst, "s1");
    let nested = Command::AddSigner {
        task_id: s1.clone(),
        signers: vec!["x".into()],
        position: SignPosition::Before,
        mode: HandlerMode::Single,
        route: None,
        opinion: None,
    };
    assert_eq!(
        refusal(&def, &inst, "s1", nested),
        RejectionCode::NestedAddSign
    );
    let inst = run(&def, &inst, "s1", agree(&s1));
    assert_eq!(pending_users(&inst), ["s2"]);
    let inst = run(&def, &inst, "s2", agree(&task_of(&inst, "s2")));
    assert_eq!(
        inst.task(&lead).unwrap().state,
        TaskState::Pending {
            sub: PendingState::Read
        }
    );
    assert_eq!(
        inst.current_node(),
        Some("lead"),
        "the flow waited for the adder"
    );
}

#[test]
fn signers_added_after_hold_the_flow_until_they_finish() {
    let def = office();
    let inst = at_leader(&def);
    let lead = task_of(&inst, "leader");
    let add = Command::AddSigner {
        task_id: lead.clone(),
        signers: vec!["s1".into(), "s2".into()],
        position: SignPosition::After,
        mode: HandlerMode::Parallel,
        route: None,
        opinion: Some(Opinion::agree("同意，请两位副厅长会签")),
    };
    let inst = run(&def, &inst, "leader", add);
    assert_eq!(inst.task(&lead).unwrap().state, TaskState::Approving);
    assert_eq!(pending_users(&inst), ["s1", "s2"]);
    let inst = run(&def, &inst, "s1", agree(&task_of(&inst, "s1")));
    assert_eq!(inst.current_node(), Some("lead"));
    let inst = run(&def, &inst, "s2", agree(&task_of(&inst, "s2")));
    assert!(inst.task(&lead).unwrap().state.is_done());
    assert_eq!(
        inst.current_node(),
        Some("do"),
        "the flow advances when the signers finish"
    );
}

#[test]
fn removing_the_last_outstanding_signer_resumes_the_adder() {
    let def = office();
    let inst = at_leader(&def);
    let lead = task_of(&inst, "leader");
    let add = Command::AddSigner {
        task_id: lead.clone(),
        signers: vec!["s1".into()],
        position: SignPosition::Before,
        mode: HandlerMode::Single,
        route: None,
        opinion: None,
    };
    let inst = run(&def, &inst, "leader", add);
    let s1 = task_of(&inst, "s1");
    assert_eq!(
        refusal(
            &def,
            &inst,
            "s1",
            Command::RemoveSigner {
                task_id: s1.clone()
            }
        ),
        RejectionCode::NotAssignee,
        "only the adder removes"
    );
    let inst = run(
        &def,
        &inst,
        "leader",
        Command::RemoveSigner {
            task_id: s1.clone(),
        },
    );
    assert_eq!(
        inst.task(&s1).unwrap().state,
        TaskState::Cancelled {
            reason: CancelReason::Removed
        }
    );
    assert_eq!(
        inst.task(&lead).unwrap().state,
        TaskState::Pending {
            sub: PendingState::Read
        }
    );
    assert_eq!(
        refusal(&def, &inst, "leader", Command::RemoveSigner { task_id: s1 }),
        RejectionCode::TaskNotPending
    );
}

#[test]
fn circulation_creates_read_items_that_never_block_the_flow() {
    let def = office();
    let inst = at_leader(&def);
    let lead = task_of(&inst, "leader");
    let inst = run(
        &def,
        &inst,
        "leader",
        Command::Circulate {
            task_id: lead.clone(),
            recipients: vec!["r1".into(), "r2".into()],
        },
    );
    assert_eq!(inst.read_items.len(), 2);
    assert!(inst
        .read_items
        .iter()
        .all(|r| r.delivered_at == now() && r.read_at.is_none()));
    let again = Command::Circulate {
        task_id: lead.clone(),
        recipients: vec!["r1".into()],
    };
    assert_eq!(
        refusal(&def, &inst, "leader", again),
        RejectionCode::BadRecipients,
        "r1 still has an unread item"
    );
    let inst = run(&def, &inst, "leader", agree(&lead));
    let inst = run(&def, &inst, "handler", agree(&task_of(&inst, "handler")));
    assert_eq!(
        inst.state,
        InstanceState::Completed,
        "unread items did not hold the flow"
    );
    let item = inst.read_items[0].id.clone();
    assert_eq!(
        refusal(
            &def,
            &inst,
            "r2",
            Command::MarkRead {
                task_id: item.clone()
            }
        ),
        RejectionCode::NotAssignee
    );
    let inst = run(
        &def,
        &inst,
        "r1",
        Command::MarkRead {
            task_id: item.clone(),
        },
    );
    assert!(
        inst.read_item(&item).unwrap().read_at.is_some(),
        "read after the flow ended"
    );
    assert_eq!(
        refusal(&def, &inst, "r1", Command::MarkRead { task_id: item }),
        RejectionCode::TaskNotPending
    );
}

#[test]
fn urging_is_for_participants_who_are_not_handlers_and_is_rate_limited() {
    let def = office();
    let inst = at_leader(&def);
    let env = Env::new(&def);
    assert_eq!(
        run_in(env, &inst, user("leader"), None, Command::Urge, now()),
        Err(RejectionCode::CurrentHandler)
    );
    assert_eq!(
        run_in(env, &inst, user("stranger"), None, Command::Urge, now()),
        Err(RejectionCode::NotParticipant)
    );
    let urged = run_in(env, &inst, user("clerk"), None, Command::Urge, now()).unwrap();
    let lead = urged.task(&task_of(&urged, "leader")).unwrap().clone();
    assert_eq!((lead.urge_count, lead.last_urged_at), (1, Some(now())));
    assert_eq!(urged.state, InstanceState::Running);
    assert_eq!(
        run_in(env, &urged, user("clerk"), None, Command::Urge, later(60)),
        Err(RejectionCode::UrgeTooSoon)
    );
    let supervisor = Actor {
        user: "du".into(),
        roles: Roles {
            supervisor: true,
            ..Roles::default()
        },
    };
    let again = run_in(env, &urged, supervisor, None, Command::Urge, later(240)).unwrap();
    assert_eq!(
        again.task(&lead.id).unwrap().urge_count,
        2,
        "four hours later, a supervisor may urge"
    );
}

#[test]
fn a_paused_task_stops_its_deadline_and_a_suspended_instance_only_resumes() {
    let def = office();
    let inst = at_leader(&def);
    let env = Env::new(&def);
    let lead = task_of(&inst, "leader");
    let due = inst.task(&lead).unwrap().deadline.unwrap();
    let paused = run_in(
        env,
        &inst,
        user("leader"),
        None,
        Command::Suspend {
            task_id: Some(lead.clone()),
        },
        now(),
    )
    .unwrap();
    assert_eq!(
        run_in(env, &paused, user("leader"), None, agree(&lead), later(1)),
        Err(RejectionCode::TaskPaused)
    );
    let resumed = run_in(
        env,
        &paused,
        user("leader"),
        None,
        Command::Resume {
            task_id: Some(lead.clone()),
        },
        later(120),
    )
    .unwrap();
    assert_eq!(
        resumed.task(&lead).unwrap().deadline,
        Some(due + chrono::Duration::minutes(120)),
        "two paused hours move the deadline"
    );
    assert_eq!(
        run_in(
            env,
            &resumed,
            user("leader"),
            None,
            Command::Suspend { task_id: None },
            now()
        ),
        Err(RejectionCode::NotAuthorised)
    );
    let held = run_in(
        env,
        &resumed,
        user("clerk"),
        None,
        Command::Suspend { task_id: None },
        now(),
    )
    .unwrap();
    assert_eq!(held.state, InstanceState::Suspended);
    assert_eq!(
        run_in(env, &held, user("leader"), None, agree(&lead), now()),
        Err(RejectionCode::Suspended)
    );
    let admin = Actor {
        user: "admin".into(),
        roles: Roles {
            unit_admin: true,
            ..Roles::default()
        },
    };
    let back = run_in(
        env,
        &held,
        admin,
        None,
        Command::Resume { task_id: None },
        now(),
    )
    .unwrap();
    assert_eq!(back.state, InstanceState::Running);
    assert_eq!(
        run_in(
            env,
            &back,
            user("clerk"),
            None,
            Command::Resume { task_id: None },
            now()
        ),
        Err(RejectionCode::NoChange)
    );
}

#[test]
fn opening_and_saving_keep_the_task_pending() {
    let def = office();
    let inst = at_leader(&def);
    let lead = task_of(&inst, "leader");
    assert_eq!(inst.task(&lead).unwrap().state, TaskState::NEW);
    let inst = run(
        &def,
        &inst,
        "leader",
        Command::Open {
            task_id: lead.clone(),
        },
    );
    assert_eq!(
        inst.task(&lead).unwrap().state,
        TaskState::Pending {
            sub: PendingState::Read
        }
    );
    assert_eq!(
        refusal(
            &def,
            &inst,
            "leader",
            Command::Open {
                task_id: lead.clone()
            }
        ),
        RejectionCode::NoChange
    );
    let inst = run(
        &def,
        &inst,
        "leader",
        Command::Save {
            task_id: lead.clone(),
            opinion: Opinion::agree("拟同意，待"),
        },
    );
    let task = inst.task(&lead).unwrap();
    assert_eq!(
        task.state,
        TaskState::Pending {
            sub: PendingState::Saved
        }
    );
    assert_eq!(task.draft.as_ref().unwrap().text, "拟同意，待");
    assert_eq!(inst.current_node(), Some("lead"));
}

#[test]
fn termination_needs_an_authorised_handler_or_a_unit_admin_and_a_reason() {
    let def = office();
    let inst = at_leader(&def);
    let env = Env::new(&def);
    let stop = |text: &str| Command::Terminate {
        opinion: Opinion::disagree(text),
    };
    assert_eq!(
        run_in(env, &inst, user("clerk"), None, stop("停止"), now()),
        Err(RejectionCode::NotAuthorised)
    );
    assert_eq!(
        run_in(env, &inst, user("leader"), None, stop(" "), now()),
        Err(RejectionCode::OpinionRequired)
    );
    let ended = run_in(env, &inst, user("leader"), None, stop("事项已取消"), now()).unwrap();
    assert_eq!(ended.state, InstanceState::Terminated);
    assert!(ended.tasks.iter().all(|t| !t.state.is_open()));
    let admin = Actor {
        user: "admin".into(),
        roles: Roles {
            unit_admin: true,
            ..Roles::default()
        },
    };
    assert_eq!(
        run_in(env, &inst, admin, None, stop("重复发文"), now())
            .unwrap()
            .state,
        InstanceState::Terminated
    );
}

#[test]
fn a_pool_task_is_claimed_by_one_candidate_and_released_back() {
    let mut pool = Node::manual("sign", "签收", &["a", "b"]).route("签收", "end");
    pool.mode = HandlerMode::Pool;
    let def = definition(vec![pool, Node::end("end")]);
    let inst = start_instance("i", "d", "x", &def).unwrap();
    let task = inst.tasks[0].id.clone();
    assert_eq!(inst.tasks[0].candidates, ["a", "b"]);
    assert_eq!(
        refusal(&def, &inst, "a", agree(&task)),
        RejectionCode::NotClaimed
    );
    assert_eq!(
        refusal(
            &def,
            &inst,
            "c",
            Command::Claim {
                task_id: task.clone()
            }
        ),
        RejectionCode::NotCandidate
    );
    let claimed = run(
        &def,
        &inst,
        "a",
        Command::Claim {
            task_id: task.clone(),
        },
    );
    assert_eq!(
        refusal(
            &def,
            &claimed,
            "b",
            Command::Claim {
                task_id: task.clone()
            }
        ),
        RejectionCode::AlreadyClaimed
    );
    assert_eq!(
        refusal(&def, &claimed, "b", agree(&task)),
        RejectionCode::NotAssignee,
        "the others lost it"
    );
    let released = run(
        &def,
        &claimed,
        "a",
        Command::Release {
            task_id: task.clone(),
        },
    );
    let claimed_by_b = run(
        &def,
        &released,
        "b",
        Command::Claim {
            task_id: task.clone(),
        },
    );
    let done = run(&def, &claimed_by_b, "b", agree(&task));
    assert_eq!(done.state, InstanceState::Completed);
}

#[test]
fn a_standing_delegation_sends_new_tasks_to_the_deputy_in_its_window_only() {
    let def = office();
    let rules = [StandingDelegation {
        id: "trip".into(),
        from: "leader".into(),
        to: "deputy".into(),
        scope: DelegationScope::Process {
            definition_id: "def".into(),
        },
        start: now(),
        end: later(60 * 24 * 3),
    }];
    let env = Env {
        definition: &def,
        delegations: &rules,
    };
    let inst = start_instance("i", "d", "clerk", &def).unwrap();
    let inst = run_in(env, &inst, user("clerk"), None, agree("i-t1"), later(10)).unwrap();
    let task = inst.tasks.last().unwrap().clone();
    assert_eq!(
        (task.assignee.as_str(), task.on_behalf_of.as_deref()),
        ("deputy", Some("leader")),
        "shown as deputy 代 leader"
    );
    assert!(task.is_held_by("leader"), "the principal may still act");
    let back = run_in(
        env,
        &inst,
        user("leader"),
        None,
        Command::TakeBack {
            task_id: task.id.clone(),
        },
        later(20),
    )
    .unwrap();
    assert_eq!(back.task(&task.id).unwrap().assignee, "leader");
    assert_eq!(
        run_in(
            env,
            &inst,
            user("deputy"),
            None,
            Command::TakeBack {
                task_id: task.id.clone()
            },
            later(20)
        ),
        Err(RejectionCode::NotAssignee)
    );
    // After the window, new tasks go to the leader again.
    let inst = start_instance("j", "d", "clerk", &def).unwrap();
    let inst = run_in(
        env,
        &inst,
        user("clerk"),
        None,
        agree("j-t1"),
        later(60 * 24 * 4),
    )
    .unwrap();
    assert_eq!(inst.tasks.last().unwrap().assignee, "leader");
}

#[test]
fn a_secretary_enters_the_leaders_opinion_with_an_audit_trail() {
    let def = office();
    let inst = at_leader(&def);
    let env = Env::new(&def);
    let lead = task_of(&inst, "leader");
    let secretary = Actor {
        user: "mishu".into(),
        roles: Roles {
            secretary_for: vec!["leader".into()],
            ..Roles::default()
        },
    };
    assert_eq!(
        run_in(
            env,
            &inst,
            user("mishu"),
            Some("leader"),
            agree(&lead),
            now()
        ),
        Err(RejectionCode::NotAuthorised)
    );
    assert_eq!(
        run_in(
            env,
            &inst,
            secretary.clone(),
            Some("leader"),
            Command::Urge,
            now()
        ),
        Err(RejectionCode::ActionNotAllowed)
    );
    let done = run_in(env, &inst, secretary, Some("leader"), agree(&lead), now()).unwrap();
    let opinion = done.task(&lead).unwrap().opinion.clone().unwrap();
    assert_eq!(opinion.on_behalf_of.as_deref(), Some("mishu"));
    let record = done.trace.last().unwrap();
    assert_eq!(
        (record.actor.as_str(), record.entered_by.as_deref()),
        ("leader", Some("mishu"))
    );
}

#[test]
fn batch_approval_gives_one_result_per_item() {
    let def = office();
    let mut strict_def = office();
    strict_def.id = "strict".into();
    strict_def.nodes[1].requires_handwriting = true;
    strict_def.nodes[1].allow.batch = false;
    let a = at_leader(&def);
    let b = at_leader(&def);
    let c = Instance {
        definition_id: "strict".into(),
        ..at_leader(&def)
    };
    let item = |env, instance, id: &str| BatchItem {
        env,
        instance,
        submission: Submission {
            command_id: id.into(),
            actor: Actor::user("leader"),
            acting_for: None,
            base_version: 2,
            command: Command::BatchApprove {
                task_id: "i-t2".into(),
                route: None,
            },
            at: now(),
        },
    };
    let items = [
        item(Env::new(&def), &a, "b1"),
        item(Env::new(&strict_def), &c, "b2"),
        item(Env::new(&def), &b, "b3"),
    ];
    let results = batch(&items);
    assert_eq!(results.len(), 3);
    assert!(matches!(&results[0], Ok(Outcome::Applied { .. })));
    assert_eq!(
        results[1].as_ref().unwrap_err().code,
        RejectionCode::ActionNotAllowed
    );
    assert!(
        matches!(&results[2], Ok(Outcome::Applied { .. })),
        "a refused item does not stop the others"
    );
    drop(items);
    let mut handwritten = strict_def.clone();
    handwritten.nodes[1].allow.batch = true;
    assert_eq!(
        batch(&[item(Env::new(&handwritten), &c, "b4")])[0]
            .as_ref()
            .unwrap_err()
            .code,
        RejectionCode::OwnOpinionRequired
    );
}

#[test]
fn resending_a_command_id_returns_the_first_verdict_and_reusing_it_is_refused() {
    let def = office();
    let inst = at_leader(&def);
    let lead = task_of(&inst, "leader");
    let sub = submission(&inst, "leader", inst.version, &agree(&lead), now());
    let Outcome::Applied { instance: next, .. } = execute(Env::new(&def), &inst, &sub).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        execute(Env::new(&def), &next, &sub),
        Ok(Outcome::Duplicate {
            version: next.version
        })
    );
    let other = Submission {
        command: Command::Urge,
        ..sub
    };
    assert_eq!(
        execute(Env::new(&def), &next, &other).unwrap_err().code,
        RejectionCode::CommandIdReused
    );
}

/// Every refusal code is provoked by some input, and each carries the current version.
#[test]
fn every_refusal_code_is_reachable() {
    let def = office();
    let inst = at_leader(&def);
    let lead = task_of(&inst, "leader");
    let env = Env::new(&def);
    let mut seen = BTreeSet::new();
    let mut expect = |result: Result<Instance, RejectionCode>, code: RejectionCode| {
        assert_eq!(result.as_ref().err(), Some(&code));
        seen.insert(code.as_str());
    };
    let plain = |who: &str, command: Command| run_in(env, &inst, user(who), None, command, now());
    let stale = Submission {
        base_version: 1,
        ..submission(&inst, "leader", 1, &agree(&lead), now())
    };
    expect(
        execute(env, &inst, &stale)
            .map(|_| inst.clone())
            .map_err(|r| r.code),
        RejectionCode::Stale,
    );
    let ended = run(
        &def,
        &inst,
        "leader",
        Command::Terminate {
            opinion: Opinion::disagree("停"),
        },
    );
    expect(
        run_in(env, &ended, user("leader"), None, agree(&lead), now()),
        RejectionCode::NotRunning,
    );
    expect(plain("leader", agree("nope")), RejectionCode::NoSuchTask);
    expect(plain("clerk", agree(&lead)), RejectionCode::NotAssignee);
    expect(plain("clerk", agree("i-t1")), RejectionCode::TaskNotPending);
    expect(
        plain(
            "leader",
            Command::Approve {
                task_id: lead.clone(),
                route: None,
                opinion: Opinion::read(),
            },
        ),
        RejectionCode::InvalidAttitude,
    );
    let mut read_def = office();
    read_def.nodes[1].read_only = true;
    read_def.nodes[1].allow = Allowances::default();
    expect(
        run_in(
            Env::new(&read_def),
            &inst,
            user("leader"),
            None,
            agree(&lead),
            now(),
        ),
        RejectionCode::ReadOnlyNode,
    );
    let mut two = office();
    two.nodes[1] = two.nodes[1].clone().route("直接办结", "end");
    two.nodes[1].routes[1].requires_opinion = true;
    two.nodes[1].allow.batch = false;
    expect(
        run_in(
            Env::new(&two),
            &inst,
            user("leader"),
            None,
            agree(&lead),
            now(),
        ),
        RejectionCode::RouteRequired,
    );
    expect(
        plain(
            "leader",
            Command::Approve {
                task_id: lead.clone(),
                route: Some("r9".into()),
                opinion: Opinion::agree(""),
            },
        ),
        RejectionCode::NoSuchRoute,
    );
    expect(
        run_in(
            Env::new(&two),
            &inst,
            user("leader"),
            None,
            Command::Approve {
                task_id: lead.clone(),
                route: Some("r2".into()),
                opinion: Opinion::agree(" "),
            },
            now(),
        ),
        RejectionCode::OpinionRequired,
    );
    expect(
        plain(
            "leader",
            Command::Reject {
                task_id: lead.clone(),
                opinion: Opinion::disagree("不妥"),
            },
        ),
        RejectionCode::ActionNotAllowed,
    );
    expect(
        plain(
            "leader",
            Command::Return {
                task_id: lead.clone(),
                target: "do".into(),
                opinion: Opinion::disagree("退"),
            },
        ),
        RejectionCode::ActionNotAllowed,
    );
    let mut returning = office();
    returning.nodes[1].returns.allowed = true;
    expect(
        run_in(
            Env::new(&returning),
            &inst,
            user("leader"),
            None,
            Command::Return {
                task_id: lead.clone(),
                target: "do".into(),
                opinion: Opinion::disagree("退"),
            },
            now(),
        ),
        RejectionCode::BadReturnTarget,
    );
    expect(
        plain("leader", Command::Revoke),
        RejectionCode::NotInitiator,
    );
    expect(plain("clerk", Command::Revoke), RejectionCode::TooLate);
    expect(
        plain(
            "leader",
            Command::Transfer {
                task_id: lead.clone(),
                to: "leader".into(),
            },
        ),
        RejectionCode::BadTransferTarget,
    );
    let other = ProcessDefinition {
        id: "other".into(),
        ..def.clone()
    };
    expect(
        run_in(
            Env::new(&other),
            &inst,
            user("leader"),
            None,
            agree(&lead),
            now(),
        ),
        RejectionCode::DefinitionInvalid,
    );
    let first = submission(
        &inst,
        "leader",
        inst.version,
        &Command::Open {
            task_id: lead.clone(),
        },
        now(),
    );
    let Outcome::Applied {
        instance: opened, ..
    } = execute(env, &inst, &first).unwrap()
    else {
        panic!()
    };
    let reuse = Submission {
        command: Command::Urge,
        ..first
    };
    expect(
        execute(env, &opened, &reuse)
            .map(|_| inst.clone())
            .map_err(|r| r.code),
        RejectionCode::CommandIdReused,
    );
    let held = run(&def, &inst, "clerk", Command::Suspend { task_id: None });
    expect(
        run_in(env, &held, user("leader"), None, agree(&lead), now()),
        RejectionCode::Suspended,
    );
    expect(
        plain("leader", Command::Suspend { task_id: None }),
        RejectionCode::NotAuthorised,
    );
    let paused = run(
        &def,
        &inst,
        "leader",
        Command::Suspend {
            task_id: Some(lead.clone()),
        },
    );
    expect(
        run_in(env, &paused, user("leader"), None, agree(&lead), now()),
        RejectionCode::TaskPaused,
    );
    expect(
        plain(
            "leader",
            Command::Recall {
                task_id: lead.clone(),
            },
        ),
        RejectionCode::TaskNotDone,
    );
    let mut pooled = office();
    pooled.nodes[1].handlers.push(Handler {
        user: "vice".into(),
        weight: 1,
    });
    pooled.nodes[1].mode = HandlerMode::Pool;
    let pool_inst = run(
        &pooled,
        &start_instance("i", "d", "clerk", &pooled).unwrap(),
        "clerk",
        agree("i-t1"),
    );
    let pool_env = Env::new(&pooled);
    expect(
        run_in(
            pool_env,
            &pool_inst,
            user("leader"),
            None,
            agree(&lead),
            now(),
        ),
        RejectionCode::NotClaimed,
    );
    expect(
        run_in(
            pool_env,
            &pool_inst,
            user("x"),
            None,
            Command::Claim {
                task_id: lead.clone(),
            },
            now(),
        ),
        RejectionCode::NotCandidate,
    );
    let claimed = run(
        &pooled,
        &pool_inst,
        "vice",
        Command::Claim {
            task_id: lead.clone(),
        },
    );
    expect(
        run_in(
            pool_env,
            &claimed,
            user("leader"),
            None,
            Command::Claim {
                task_id: lead.clone(),
            },
            now(),
        ),
        RejectionCode::AlreadyClaimed,
    );
    let add = |signers: Vec<String>| Command::AddSigner {
        task_id: lead.clone(),
        signers,
        position: SignPosition::Before,
        mode: HandlerMode::Parallel,
        route: None,
        opinion: None,
    };
    expect(
        plain("leader", add(vec!["s".into(), "s".into()])),
        RejectionCode::BadSigners,
    );
    let adding = run(&def, &inst, "leader", add(vec!["s".into()]));
    let s_task = task_of(&adding, "s");
    expect(
        run_in(
            env,
            &adding,
            user("s"),
            None,
            Command::AddSigner {
                task_id: s_task,
                signers: vec!["t".into()],
                position: SignPosition::Before,
                mode: HandlerMode::Single,
                route: None,
                opinion: None,
            },
            now(),
        ),
        RejectionCode::NestedAddSign,
    );
    expect(
        plain(
            "leader",
            Command::Circulate {
                task_id: lead.clone(),
                recipients: vec![],
            },
        ),
        RejectionCode::BadRecipients,
    );
    expect(
        plain("stranger", Command::Urge),
        RejectionCode::NotParticipant,
    );
    expect(
        plain("leader", Command::Urge),
        RejectionCode::CurrentHandler,
    );
    let urged = run(&def, &inst, "clerk", Command::Urge);
    expect(
        run_in(env, &urged, user("clerk"), None, Command::Urge, later(1)),
        RejectionCode::UrgeTooSoon,
    );
    expect(
        plain(
            "leader",
            Command::Resume {
                task_id: Some(lead.clone()),
            },
        ),
        RejectionCode::NoChange,
    );
    let mut handwriting = office();
    handwriting.nodes[1].requires_handwriting = true;
    expect(
        run_in(
            Env::new(&handwriting),
            &inst,
            user("leader"),
            None,
            Command::BatchApprove {
                task_id: lead.clone(),
                route: None,
            },
            now(),
        ),
        RejectionCode::OwnOpinionRequired,
    );
    let all: BTreeSet<&str> = RejectionCode::ALL.iter().map(|c| c.as_str()).collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert!(missing.is_empty(), "codes never provoked: {missing:?}");
}
