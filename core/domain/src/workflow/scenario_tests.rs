//! Scenario tests of real flows, end to end through the state machine: 收文, 发文 with a parallel
//! 会签 under a ratio rule, a 签报 returned by the jump way, a leader away with a standing
//! delegation. (Recall before and after the next handler acts, and a stale approval from an
//! offline phone after the drafter revoked, are in `action_tests`.)

use super::test_support::*;
use super::*;

fn column(inst: &Instance, task_id: &str) -> Option<String> {
    inst.task(task_id)?.opinion.as_ref()?.column.clone()
}

/// 收文: 签收 (pool of two registrars) → 拟办 → 领导批示 → 承办 → 传阅 (read-only) → 办结.
#[test]
fn incoming_document_from_registration_to_completion() {
    let mut register = Node::manual("register", "签收", &["reg1", "reg2"]).route("登记", "propose");
    register.mode = HandlerMode::Pool;
    let mut instruct = Node::manual("instruct", "领导批示", &["leader"]).route("交办", "handle");
    instruct.allow.circulate = true;
    let mut circulate = Node::manual("read", "传阅", &["vice1", "vice2"]).route("办结", "end");
    circulate.read_only = true;
    let def = definition(vec![
        register,
        Node::manual("propose", "拟办", &["office"]).route("呈领导", "instruct"),
        instruct,
        Node::manual("handle", "承办", &["handler"]).route("送传阅", "read"),
        circulate,
        Node::end("end"),
    ]);
    def.validate().unwrap();
    let inst = start_instance("i", "doc", "reg1", &def).unwrap();
    let pool = inst.tasks[0].id.clone();
    let inst = run(
        &def,
        &inst,
        "reg2",
        Command::Claim {
            task_id: pool.clone(),
        },
    );
    let inst = run(&def, &inst, "reg2", agree(&pool));
    let propose = task_of(&inst, "office");
    let inst = run(
        &def,
        &inst,
        "office",
        Command::Approve {
            task_id: propose.clone(),
            route: None,
            opinion: Opinion::agree("拟请王厅长阅示"),
        },
    );
    assert_eq!(column(&inst, &propose).as_deref(), Some("拟办"));
    let lead = task_of(&inst, "leader");
    let inst = run(
        &def,
        &inst,
        "leader",
        Command::Circulate {
            task_id: lead.clone(),
            recipients: vec!["chief".into()],
        },
    );
    let inst = run(
        &def,
        &inst,
        "leader",
        Command::Approve {
            task_id: lead.clone(),
            route: None,
            opinion: Opinion::agree("请农业处抓紧落实，按时报送进展。"),
        },
    );
    assert_eq!(column(&inst, &lead).as_deref(), Some("领导批示"));
    let inst = run(&def, &inst, "handler", agree(&task_of(&inst, "handler")));
    assert_eq!(inst.current_node(), Some("read"));
    assert_eq!(
        refusal(&def, &inst, "vice1", agree(&task_of(&inst, "vice1"))),
        RejectionCode::ReadOnlyNode
    );
    let inst = run(
        &def,
        &inst,
        "vice1",
        Command::MarkRead {
            task_id: task_of(&inst, "vice1"),
        },
    );
    let inst = run(
        &def,
        &inst,
        "vice2",
        Command::MarkRead {
            task_id: task_of(&inst, "vice2"),
        },
    );
    assert_eq!(inst.state, InstanceState::Completed);
    assert_eq!(inst.read_items[0].recipient, "chief");
    assert_eq!(
        inst.trace.len() as u64,
        inst.version - 1,
        "one trace record per accepted command"
    );
    let actions: Vec<&str> = inst.trace.iter().map(|r| r.command.name()).collect();
    assert_eq!(
        actions,
        [
            "claim",
            "approve",
            "approve",
            "circulate",
            "approve",
            "approve",
            "mark_read",
            "mark_read"
        ]
    );
    // The whole instance, with its tasks, read items and trace of commands and events, survives
    // the trip through JSON that the gateway's database and the phone's store both make.
    let json = serde_json::to_string(&inst).unwrap();
    assert_eq!(serde_json::from_str::<Instance>(&json).unwrap(), inst);
}

/// 发文: 拟稿 → 核稿 → 会签 (four departments in parallel, 75 % must agree) → 签发.
#[test]
fn outgoing_document_with_a_parallel_countersign_decided_by_ratio() {
    let mut countersign =
        Node::manual("cosign", "会签", &["fin", "law", "agri", "hr"]).route("送签发", "issue");
    countersign.completion = Completion::Ratio { percent: 75 };
    countersign.opinion_column = Some("会签".into());
    let def = definition(vec![
        Node::manual("draft", "拟稿", &["drafter"]).route("送核稿", "review"),
        Node::manual("review", "核稿", &["reviewer"]).route("送会签", "cosign"),
        countersign,
        Node::manual("issue", "签发", &["leader"]).route("签发", "end"),
        Node::end("end"),
    ]);
    let inst = start_instance("i", "doc", "drafter", &def).unwrap();
    let inst = run(&def, &inst, "drafter", agree(&task_of(&inst, "drafter")));
    let inst = run(&def, &inst, "reviewer", agree(&task_of(&inst, "reviewer")));
    assert_eq!(pending_users(&inst), ["fin", "law", "agri", "hr"]);
    let inst = run(&def, &inst, "fin", agree(&task_of(&inst, "fin")));
    let law = task_of(&inst, "law");
    let inst = run(
        &def,
        &inst,
        "law",
        Command::Approve {
            task_id: law.clone(),
            route: None,
            opinion: Opinion::disagree("第三条表述需修改"),
        },
    );
    assert_eq!(column(&inst, &law).as_deref(), Some("会签"));
    let inst = run(&def, &inst, "agri", agree(&task_of(&inst, "agri")));
    assert_eq!(
        inst.current_node(),
        Some("cosign"),
        "two of four agree: 50 % < 75 %"
    );
    let hr = task_of(&inst, "hr");
    let inst = run(&def, &inst, "hr", agree(&hr));
    assert_eq!(
        inst.current_node(),
        Some("issue"),
        "three of four agree: 75 %"
    );
    let inst = run(&def, &inst, "leader", agree(&task_of(&inst, "leader")));
    assert_eq!(inst.state, InstanceState::Completed);

    // With the first three agreeing, the fourth is no longer needed and is cancelled.
    let inst = start_instance("j", "doc", "drafter", &def).unwrap();
    let inst = run(&def, &inst, "drafter", agree(&task_of(&inst, "drafter")));
    let inst = run(&def, &inst, "reviewer", agree(&task_of(&inst, "reviewer")));
    let hr = task_of(&inst, "hr");
    let mut inst = inst;
    for who in ["fin", "law", "agri"] {
        inst = run(&def, &inst, who, agree(&task_of(&inst, who)));
    }
    assert_eq!(inst.current_node(), Some("issue"));
    assert_eq!(
        inst.task(&hr).unwrap().state,
        TaskState::Cancelled {
            reason: CancelReason::NodeDecided
        }
    );
}

/// 签报: the leader returns it to the drafter by the jump way; on resubmission it comes straight
/// back to the leader, skipping 核稿.
#[test]
fn internal_request_returned_by_the_jump_way_comes_straight_back() {
    let mut sign = Node::manual("sign", "领导签批", &["leader"]).route("签批", "end");
    sign.returns = ReturnPolicy {
        allowed: true,
        targets: vec!["draft".into()],
        way: ReturnWay::Jump,
    };
    let def = definition(vec![
        Node::manual("draft", "拟稿", &["drafter"]).route("送核稿", "review"),
        Node::manual("review", "核稿", &["reviewer"]).route("呈领导", "sign"),
        sign,
        Node::end("end"),
    ]);
    let inst = start_instance("i", "doc", "drafter", &def).unwrap();
    let inst = run(&def, &inst, "drafter", agree(&task_of(&inst, "drafter")));
    let inst = run(&def, &inst, "reviewer", agree(&task_of(&inst, "reviewer")));
    let lead = task_of(&inst, "leader");
    let inst = run(
        &def,
        &inst,
        "leader",
        Command::Return {
            task_id: lead.clone(),
            target: "draft".into(),
            opinion: Opinion::disagree("请补充经费测算"),
        },
    );
    assert_eq!(inst.task(&lead).unwrap().state, TaskState::Returned);
    assert_eq!(inst.current_node(), Some("draft"));
    let inst = run(&def, &inst, "drafter", agree(&task_of(&inst, "drafter")));
    assert_eq!(
        inst.current_node(),
        Some("sign"),
        "straight back to the returner"
    );
    assert_eq!(pending_users(&inst), ["leader"]);
    let inst = run(&def, &inst, "leader", agree(&task_of(&inst, "leader")));
    assert_eq!(inst.state, InstanceState::Completed);
}

/// A leader away on a trip: a standing delegation sends new tasks to the deputy ("副厅长 代
/// 厅长"); the deputy approves on the leader's behalf; after the trip the leader gets them again.
#[test]
fn a_leader_away_with_a_standing_delegation_to_a_deputy() {
    let def = definition(vec![
        Node::manual("propose", "拟办", &["office"]).route("呈领导", "instruct"),
        Node::manual("instruct", "领导批示", &["leader"]).route("交办", "handle"),
        Node::manual("handle", "承办", &["handler"]).route("办结", "end"),
        Node::end("end"),
    ]);
    let trip = [StandingDelegation {
        id: "trip".into(),
        from: "leader".into(),
        to: "deputy".into(),
        scope: DelegationScope::All,
        start: now(),
        end: later(60 * 24 * 5),
    }];
    let env = Env {
        definition: &def,
        delegations: &trip,
    };
    let inst = start_instance("i", "doc", "office", &def).unwrap();
    let inst = run_in(
        env,
        &inst,
        Actor::user("office"),
        None,
        agree(&task_of(&inst, "office")),
        later(60),
    )
    .unwrap();
    let task = inst.tasks.last().unwrap().clone();
    assert_eq!(
        (task.assignee.as_str(), task.on_behalf_of.as_deref()),
        ("deputy", Some("leader"))
    );
    let inst = run_in(
        env,
        &inst,
        Actor::user("deputy"),
        None,
        Command::Approve {
            task_id: task.id.clone(),
            route: None,
            opinion: Opinion::agree("同意。（代）"),
        },
        later(90),
    )
    .unwrap();
    assert_eq!(inst.trace.last().unwrap().actor, "deputy");
    assert_eq!(inst.current_node(), Some("handle"));

    let inst = start_instance("j", "doc", "office", &def).unwrap();
    let inst = run_in(
        env,
        &inst,
        Actor::user("office"),
        None,
        agree(&task_of(&inst, "office")),
        later(60 * 24 * 6),
    )
    .unwrap();
    let task = inst.tasks.last().unwrap();
    assert_eq!(
        (task.assignee.as_str(), task.on_behalf_of.as_deref()),
        ("leader", None),
        "the trip is over"
    );
}

#[test]
fn a_parallel_split_opens_every_branch_and_the_join_waits_for_the_last() {
    let def = definition(vec![
        Node::manual("n1", "拟稿", &["a"]).route("分发", "split"),
        Node::split("split").route("财务", "b1").route("法规", "b2"),
        Node::manual("b1", "财务处会签", &["fin"]).route("汇总", "join"),
        Node::manual("b2", "法规处会签", &["law"]).route("汇总", "join"),
        Node::join("join").route("签发", "sign"),
        Node::manual("sign", "签发", &["leader"]).route("结束", "end"),
        Node::end("end"),
    ]);
    def.validate().unwrap();
    let inst = start_instance("i", "d", "x", &def).unwrap();
    let inst = run(&def, &inst, "a", agree("i-t1"));
    let active: Vec<&str> = inst.active.iter().map(|a| a.node_id.as_str()).collect();
    assert_eq!(active, ["b1", "b2"]);
    assert_eq!(pending_users(&inst), ["fin", "law"]);
    let inst = run(&def, &inst, "law", agree(&task_of(&inst, "law")));
    assert_eq!(
        pending_users(&inst),
        ["fin"],
        "the join waits for the other branch"
    );
    let inst = run(&def, &inst, "fin", agree(&task_of(&inst, "fin")));
    assert_eq!(inst.current_node(), Some("sign"));
    let inst = run(&def, &inst, "leader", agree(&task_of(&inst, "leader")));
    assert_eq!(inst.state, InstanceState::Completed);
}

#[test]
fn nested_or_ending_branches_are_refused_with_the_split_named() {
    let def = definition(vec![
        Node::manual("n1", "拟稿", &["a"]).route("分发", "split"),
        Node::split("split").route("一", "b1").route("结束", "end"),
        Node::manual("b1", "会签", &["b"]).route("汇总", "join"),
        Node::join("join").route("结束", "end"),
        Node::end("end"),
    ]);
    let err = def.validate().unwrap_err();
    assert!(err.to_string().contains("split"), "{err}");
}
