//! One test per action that brings people in or works around a task: delegate and resolve, add
//! and remove signers, circulate and read, urge, suspend and resume, open and save.

use super::office_fixture::*;
use super::test_support::*;
use super::*;

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
