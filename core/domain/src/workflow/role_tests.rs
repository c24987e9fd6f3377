//! One test per action that depends on who acts or on many items: terminate, claim and release,
//! standing delegation, secretary entry, batch approval, and re-sent command ids.

use super::office_fixture::*;
use super::test_support::*;
use super::*;

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
