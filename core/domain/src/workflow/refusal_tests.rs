//! Every refusal code of the workflow, provoked by some input: the list of codes and the
//! rules cannot drift apart unnoticed.

use super::office_fixture::*;
use super::test_support::*;
use super::*;
use std::collections::BTreeSet;

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
    expect(
        plain(
            "leader",
            Command::Approve {
                task_id: lead.clone(),
                route: None,
                opinion: Opinion::agree(&"同".repeat(MAX_OPINION_CHARS + 1)),
            },
        ),
        RejectionCode::OpinionTooLong,
    );
    let all: BTreeSet<&str> = RejectionCode::ALL.iter().map(|c| c.as_str()).collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert!(missing.is_empty(), "codes never provoked: {missing:?}");
}
