//! Behaviour of process definitions and the approval state machine built so far: validation that
//! names the node at fault, routes, every handler mode and completion rule, refusals, and
//! invariants over random valid definitions and random command sequences.

use super::test_support::*;
use super::*;
use crate::model::{Attitude, Opinion};

/// 收文: 领导批示 (one leader) → 承办 (two handlers, all must finish) → end.
fn incoming() -> ProcessDefinition {
    definition(vec![
        Node::manual("n1", "领导批示", &["leader"]).route("送承办", "n2"),
        Node::manual("n2", "承办", &["clerk", "deputy"]).route("办结", "end"),
        Node::end("end"),
    ])
}

fn approve(task_id: &str, attitude: Attitude) -> Command {
    Command::Approve {
        task_id: task_id.into(),
        route: None,
        opinion: Opinion::new(attitude, "同意，请抓紧落实。"),
    }
}

fn agree(task_id: &str) -> Command {
    approve(task_id, Attitude::Agree)
}

// ---- validation ----

#[test]
fn a_valid_definition_passes() {
    incoming().validate().unwrap();
}

#[test]
fn validation_names_the_node_at_fault() {
    let unreachable = definition(vec![
        Node::manual("n1", "拟办", &["a"]).route("结束", "end"),
        Node::manual("orphan", "核稿", &["b"]).route("结束", "end"),
        Node::end("end"),
    ]);
    assert_eq!(
        unreachable.validate(),
        Err(DefinitionError::Unreachable("orphan".into()))
    );
    assert!(unreachable
        .validate()
        .unwrap_err()
        .to_string()
        .contains("orphan"));

    let no_end = definition(vec![Node::manual("n1", "拟办", &["a"]).route("回", "n1")]);
    assert_eq!(no_end.validate(), Err(DefinitionError::NoEnd));

    let dead_end = definition(vec![
        Node::manual("n1", "拟办", &["a"])
            .route("去", "loop")
            .route("结束", "end"),
        Node::manual("loop", "循环", &["b"]).route("回", "loop"),
        Node::end("end"),
    ]);
    assert_eq!(
        dead_end.validate(),
        Err(DefinitionError::DeadEnd("loop".into()))
    );

    let unknown = definition(vec![
        Node::manual("n1", "拟办", &["a"]).route("去", "nowhere"),
        Node::end("end"),
    ]);
    assert!(
        matches!(unknown.validate(), Err(DefinitionError::UnknownRouteTarget { node, .. }) if node == "n1")
    );

    let duplicate = definition(vec![
        Node::manual("n1", "拟办", &["a"]).route("结束", "end"),
        Node::end("end"),
        Node::end("end"),
    ]);
    assert_eq!(
        duplicate.validate(),
        Err(DefinitionError::DuplicateNode("end".into()))
    );

    let no_handlers = definition(vec![
        Node::manual("n1", "拟办", &[]).route("结束", "end"),
        Node::end("end"),
    ]);
    assert_eq!(
        no_handlers.validate(),
        Err(DefinitionError::BadHandlers("n1".into()))
    );

    let no_way_out = definition(vec![Node::manual("n1", "拟办", &["a"]), Node::end("end")]);
    assert_eq!(
        no_way_out.validate(),
        Err(DefinitionError::BadRoutes("n1".into()))
    );
}

#[test]
fn contradictory_settings_are_refused_with_the_node_named() {
    let contradiction = |mutate: fn(&mut Node)| {
        let mut node = Node::manual("n1", "会签", &["a", "b"]).route("结束", "end");
        mutate(&mut node);
        match definition(vec![
            node,
            Node::manual("n0", "拟稿", &["c"]).route("结束", "end"),
            Node::end("end"),
        ])
        .validate()
        {
            Err(DefinitionError::Contradiction { node, .. }) => node,
            other => panic!("expected a contradiction, got {other:?}"),
        }
    };
    assert_eq!(contradiction(|n| n.mode = HandlerMode::Single), "n1");
    assert_eq!(
        contradiction(|n| n.completion = Completion::Ratio { percent: 0 }),
        "n1"
    );
    assert_eq!(
        contradiction(|n| n.completion = Completion::WeightedVote { threshold: 3 }),
        "n1"
    );
    assert_eq!(
        contradiction(|n| {
            n.mode = HandlerMode::Serial;
            n.completion = Completion::FirstWins
        }),
        "n1"
    );
    assert_eq!(
        contradiction(|n| n.reject = RejectPolicy::ReturnTo { node: "end".into() }),
        "n1"
    );
    assert_eq!(
        contradiction(|n| n.returns.targets = vec!["n0".into()]),
        "n1"
    );
    assert_eq!(
        contradiction(|n| {
            n.allow.batch = true;
            n.routes[0].requires_opinion = true
        }),
        "n1"
    );
    assert_eq!(
        contradiction(|n| {
            n.read_only = true;
            n.returns.allowed = true
        }),
        "n1"
    );
}

#[test]
fn definitions_round_trip_through_json_with_defaults_filled() {
    let json = r#"{"id":"d","name":"签报","start":"a","nodes":[
        {"id":"a","name":"拟稿","handlers":[{"user":"u1"}],"routes":[{"id":"r","label":"送","to":"e"}]},
        {"id":"e","name":"结束","kind":"end"}]}"#;
    let parsed: ProcessDefinition = serde_json::from_str(json).unwrap();
    parsed.validate().unwrap();
    assert_eq!(parsed.nodes[0].handlers[0].weight, 1);
    let again: ProcessDefinition =
        serde_json::from_str(&serde_json::to_string(&parsed).unwrap()).unwrap();
    assert_eq!(again, parsed);
}

// ---- approvals ----

#[test]
fn approving_the_leaders_task_opens_the_next_node_for_every_handler() {
    let def = incoming();
    let inst = start_instance("i1", "d1", "drafter", &def).unwrap();
    let (next, events) = exec(&def, &inst, "leader", 1, &agree("i1-t1"), now()).unwrap();
    assert_eq!(next.version, 2);
    assert_eq!(next.current_node(), Some("n2"));
    assert_eq!(
        next.task("i1-t1").unwrap().state,
        TaskState::Done {
            attitude: Attitude::Agree
        }
    );
    assert_eq!(next.task("i1-t1").unwrap().route.as_deref(), Some("r1"));
    assert_eq!(pending_users(&next), ["clerk", "deputy"]);
    let opened = events
        .iter()
        .filter(|e| matches!(e, Event::TaskOpened { .. }))
        .count();
    assert_eq!(opened, 2);
    assert!(events.contains(&Event::NodeLeft {
        node_id: "n1".into()
    }));
    let column = next.task("i1-t1").unwrap().opinion.clone().unwrap().column;
    assert_eq!(
        column.as_deref(),
        Some("领导批示"),
        "the opinion lands in the node's column"
    );
}

#[test]
fn the_flow_completes_only_when_every_handler_of_an_all_node_has_finished() {
    let def = incoming();
    let inst = start_instance("i1", "d1", "drafter", &def).unwrap();
    let (inst, _) = exec(&def, &inst, "leader", 1, &agree("i1-t1"), now()).unwrap();
    let (inst, _) = exec(
        &def,
        &inst,
        "clerk",
        2,
        &approve("i1-t2", Attitude::Disagree),
        now(),
    )
    .unwrap();
    assert_eq!(inst.state, InstanceState::Running);
    let (inst, events) = exec(&def, &inst, "deputy", 3, &agree("i1-t3"), now()).unwrap();
    assert_eq!(inst.state, InstanceState::Completed);
    assert!(events.contains(&Event::InstanceCompleted { at: now() }));
}

#[test]
fn a_serial_node_hands_the_task_on_in_order() {
    let mut review = Node::manual("n1", "核稿", &["a", "b", "c"]).route("结束", "end");
    review.mode = HandlerMode::Serial;
    let def = definition(vec![review, Node::end("end")]);
    let inst = start_instance("i", "d", "x", &def).unwrap();
    assert_eq!(pending_users(&inst), ["a"]);
    let (inst, _) = exec(&def, &inst, "a", 1, &agree("i-t1"), now()).unwrap();
    assert_eq!(pending_users(&inst), ["b"]);
    let (inst, _) = exec(&def, &inst, "b", 2, &agree("i-t2"), now()).unwrap();
    let (inst, _) = exec(&def, &inst, "c", 3, &agree("i-t3"), now()).unwrap();
    assert_eq!(inst.state, InstanceState::Completed);
}

#[test]
fn first_wins_cancels_the_other_handlers() {
    let mut claim = Node::manual("n1", "抢办", &["a", "b"]).route("结束", "end");
    claim.completion = Completion::FirstWins;
    let def = definition(vec![claim, Node::end("end")]);
    let inst = start_instance("i", "d", "x", &def).unwrap();
    let (inst, _) = exec(&def, &inst, "b", 1, &agree("i-t2"), now()).unwrap();
    assert_eq!(
        inst.task("i-t1").unwrap().state,
        TaskState::Cancelled {
            reason: CancelReason::CompetitionLost
        }
    );
    assert_eq!(inst.state, InstanceState::Completed);
}

#[test]
fn a_ratio_node_finishes_once_enough_handlers_agree() {
    let mut countersign = Node::manual("n1", "会签", &["a", "b", "c", "d"]).route("签发", "n2");
    countersign.completion = Completion::Ratio { percent: 50 };
    let def = definition(vec![
        countersign,
        Node::manual("n2", "签发", &["boss"]).route("结束", "end"),
        Node::end("end"),
    ]);
    let inst = start_instance("i", "d", "x", &def).unwrap();
    let (inst, _) = exec(&def, &inst, "a", 1, &agree("i-t1"), now()).unwrap();
    let (inst, _) = exec(
        &def,
        &inst,
        "b",
        2,
        &approve("i-t2", Attitude::Disagree),
        now(),
    )
    .unwrap();
    assert_eq!(
        inst.current_node(),
        Some("n1"),
        "one agreement of four is not half"
    );
    let (inst, _) = exec(&def, &inst, "c", 3, &agree("i-t3"), now()).unwrap();
    assert_eq!(inst.current_node(), Some("n2"));
    assert_eq!(
        inst.task("i-t4").unwrap().state,
        TaskState::Cancelled {
            reason: CancelReason::NodeDecided
        }
    );
}

#[test]
fn a_weighted_vote_finishes_when_the_agreeing_weight_reaches_the_threshold() {
    let mut vote = Node::manual("n1", "表决", &["chair", "m1", "m2"]).route("结束", "end");
    vote.handlers[0].weight = 3;
    vote.completion = Completion::WeightedVote { threshold: 4 };
    let def = definition(vec![vote, Node::end("end")]);
    let inst = start_instance("i", "d", "x", &def).unwrap();
    let (inst, _) = exec(&def, &inst, "chair", 1, &agree("i-t1"), now()).unwrap();
    assert_eq!(inst.state, InstanceState::Running, "3 of 4 needed");
    let (inst, _) = exec(&def, &inst, "m1", 2, &agree("i-t2"), now()).unwrap();
    assert_eq!(inst.state, InstanceState::Completed);
}

#[test]
fn routes_must_be_chosen_when_there_are_several_and_may_require_an_opinion() {
    let mut leader = Node::manual("n1", "领导批示", &["leader"])
        .route("送办公室", "n2")
        .route("直接办结", "end");
    leader.routes[1].requires_opinion = true;
    let def = definition(vec![
        leader,
        Node::manual("n2", "承办", &["clerk"]).route("办结", "end"),
        Node::end("end"),
    ]);
    let inst = start_instance("i", "d", "x", &def).unwrap();
    let code = |command: &Command| {
        dec(&def, &inst, "leader", 1, command, now())
            .unwrap_err()
            .code
    };
    assert_eq!(code(&agree("i-t1")), RejectionCode::RouteRequired);
    let with_route = |route: &str, text: &str| Command::Approve {
        task_id: "i-t1".into(),
        route: Some(route.into()),
        opinion: Opinion::new(Attitude::Agree, text),
    };
    assert_eq!(code(&with_route("r9", "同意")), RejectionCode::NoSuchRoute);
    assert_eq!(
        code(&with_route("r2", "  ")),
        RejectionCode::OpinionRequired
    );
    let (done, _) = exec(
        &def,
        &inst,
        "leader",
        1,
        &with_route("r2", "同意，直接办结"),
        now(),
    )
    .unwrap();
    assert_eq!(done.state, InstanceState::Completed);
    assert_eq!(ctl(&def, &inst, "leader", "i-t1").routes, ["r1", "r2"]);
}

#[test]
fn refusals_carry_their_code_and_the_current_version() {
    let def = incoming();
    let inst = start_instance("i1", "d1", "drafter", &def).unwrap();
    let refuse = |actor: &str, base: u64, command: &Command| {
        dec(&def, &inst, actor, base, command, now()).unwrap_err()
    };
    assert_eq!(
        refuse("leader", 0, &agree("i1-t1")),
        Rejection {
            code: RejectionCode::Stale,
            current_version: 1
        }
    );
    assert_eq!(
        refuse("clerk", 1, &agree("i1-t1")).code,
        RejectionCode::NotAssignee
    );
    assert_eq!(
        refuse("leader", 1, &agree("i1-t9")).code,
        RejectionCode::NoSuchTask
    );
    assert_eq!(
        refuse("leader", 1, &approve("i1-t1", Attitude::Read)).code,
        RejectionCode::InvalidAttitude
    );
    let (inst, _) = exec(&def, &inst, "leader", 1, &agree("i1-t1"), now()).unwrap();
    assert_eq!(
        dec(&def, &inst, "leader", 2, &agree("i1-t1"), now())
            .unwrap_err()
            .code,
        RejectionCode::TaskNotPending
    );
    let other = ProcessDefinition {
        id: "other".into(),
        ..def.clone()
    };
    assert_eq!(
        dec(&other, &inst, "clerk", 2, &agree("i1-t2"), now())
            .unwrap_err()
            .code,
        RejectionCode::DefinitionInvalid
    );
    let mut wire: Vec<&str> = RejectionCode::ALL.iter().map(|c| c.as_str()).collect();
    for code in RejectionCode::ALL {
        assert!(!code.message_zh().is_empty() && !code.message_en().is_empty());
        let json = serde_json::to_string(code).unwrap();
        assert_eq!(
            json,
            format!("\"{}\"", code.as_str()),
            "wire code and serde agree"
        );
    }
    wire.sort_unstable();
    wire.dedup();
    assert_eq!(wire.len(), RejectionCode::ALL.len(), "codes are distinct");
}

#[test]
fn a_read_only_node_refuses_approval() {
    let mut read = Node::manual("n1", "传阅", &["a"]).route("结束", "end");
    read.read_only = true;
    let def = definition(vec![read, Node::end("end")]);
    let inst = start_instance("i", "d", "x", &def).unwrap();
    assert_eq!(
        dec(&def, &inst, "a", 1, &agree("i-t1"), now())
            .unwrap_err()
            .code,
        RejectionCode::ReadOnlyNode
    );
}
