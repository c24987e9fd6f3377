//! Scenario and refusal tests for the actions beyond approval: return (step and jump), reject,
//! recall, revoke, transfer and mark read, in the flows a bureau actually runs.

use super::test_support::*;
use super::*;
use crate::model::{Attitude, Opinion};

/// 签报: 拟稿 (drafter) → 核稿 (reviewer) → 领导签批 (leader, may return to 拟稿) → end.
fn request_for_instructions(way: ReturnWay) -> ProcessDefinition {
    let mut leader = Node::manual("sign", "领导签批", &["leader"]).route("签批", "end");
    leader.returns = ReturnPolicy {
        allowed: true,
        targets: vec!["draft".into()],
        way,
    };
    definition(vec![
        Node::manual("draft", "拟稿", &["drafter"]).route("送核稿", "review"),
        Node::manual("review", "核稿", &["reviewer"]).route("送签批", "sign"),
        leader,
        Node::end("end"),
    ])
}

fn returned_to_drafter(way: ReturnWay) -> (ProcessDefinition, Instance) {
    let def = request_for_instructions(way);
    let inst = start_instance("i", "d", "drafter", &def).unwrap();
    let inst = run(&def, &inst, "drafter", agree("i-t1"));
    let inst = run(&def, &inst, "reviewer", agree("i-t2"));
    let back = Command::Return {
        task_id: "i-t3".into(),
        target: "draft".into(),
        opinion: Opinion::agree("请补充调研数据"),
    };
    let inst = run(&def, &inst, "leader", back);
    assert_eq!(inst.task("i-t3").unwrap().state, TaskState::Returned);
    assert_eq!(inst.current_node(), Some("draft"));
    (def, inst)
}

#[test]
fn a_return_by_the_jump_way_comes_straight_back_to_the_returner() {
    let (def, inst) = returned_to_drafter(ReturnWay::Jump);
    let inst = run(&def, &inst, "drafter", agree(&task_of(&inst, "drafter")));
    assert_eq!(inst.current_node(), Some("sign"), "the reviewer is skipped");
    assert_eq!(inst.jump_back, None);
    let inst = run(&def, &inst, "leader", agree(&task_of(&inst, "leader")));
    assert_eq!(inst.state, InstanceState::Completed);
}

#[test]
fn a_return_by_the_step_way_walks_every_node_again() {
    let (def, inst) = returned_to_drafter(ReturnWay::Step);
    let inst = run(&def, &inst, "drafter", agree(&task_of(&inst, "drafter")));
    assert_eq!(inst.current_node(), Some("review"));
}

#[test]
fn returns_go_only_to_allowed_nodes_the_flow_passed() {
    let def = request_for_instructions(ReturnWay::Step);
    let inst = start_instance("i", "d", "drafter", &def).unwrap();
    let inst = run(&def, &inst, "drafter", agree("i-t1"));
    let inst = run(&def, &inst, "reviewer", agree("i-t2"));
    let to = |target: &str| Command::Return {
        task_id: "i-t3".into(),
        target: target.into(),
        opinion: Opinion::agree("退回"),
    };
    assert_eq!(
        refusal(&def, &inst, "leader", to("review")),
        RejectionCode::BadReturnTarget,
        "not in the allowed set"
    );
    assert_eq!(
        refusal(&def, &inst, "leader", to("end")),
        RejectionCode::BadReturnTarget
    );
    let early = start_instance("i", "d", "drafter", &def).unwrap();
    let early = run(&def, &early, "drafter", agree("i-t1"));
    let from_review = Command::Return {
        task_id: "i-t2".into(),
        target: "draft".into(),
        opinion: Opinion::agree("退回"),
    };
    assert_eq!(
        refusal(&def, &early, "reviewer", from_review),
        RejectionCode::ActionNotAllowed
    );
}

/// 拟办 (a, may recall) → 承办 (b1, b2 in parallel) → 归档 (c) → end.
fn recallable() -> ProcessDefinition {
    let mut first = Node::manual("n1", "拟办", &["a"]).route("送承办", "n2");
    first.allow.recall = true;
    definition(vec![
        first,
        Node::manual("n2", "承办", &["b1", "b2"]).route("归档", "n3"),
        Node::manual("n3", "归档", &["c"]).route("办结", "end"),
        Node::end("end"),
    ])
}

#[test]
fn recall_before_the_next_handler_acts_is_accepted() {
    let def = recallable();
    let inst = start_instance("i", "d", "a", &def).unwrap();
    let inst = run(&def, &inst, "a", agree("i-t1"));
    let inst = run(
        &def,
        &inst,
        "a",
        Command::Recall {
            task_id: "i-t1".into(),
        },
    );
    assert_eq!(inst.current_node(), Some("n1"));
    assert_eq!(
        inst.task("i-t1").unwrap().state,
        TaskState::Pending {
            sub: PendingState::Read
        }
    );
    let draft = inst.task("i-t1").unwrap().draft.clone().unwrap();
    assert_eq!(draft.text, "同意", "the old opinion is kept as a draft");
    assert_eq!(
        inst.task("i-t2").unwrap().state,
        TaskState::Cancelled {
            reason: CancelReason::Recalled
        }
    );
    // And the flow runs on normally afterwards.
    let inst = run(&def, &inst, "a", agree("i-t1"));
    assert_eq!(inst.current_node(), Some("n2"));
}

#[test]
fn recall_after_the_next_handler_acted_is_refused() {
    let def = recallable();
    let inst = start_instance("i", "d", "a", &def).unwrap();
    let inst = run(&def, &inst, "a", agree("i-t1"));
    let recall_by_a = |inst: &Instance| {
        refusal(
            &def,
            inst,
            "a",
            Command::Recall {
                task_id: "i-t1".into(),
            },
        )
    };
    let inst = run(&def, &inst, "b1", agree(&task_of(&inst, "b1")));
    assert_eq!(recall_by_a(&inst), RejectionCode::TooLate);
    let inst = run(&def, &inst, "b2", agree(&task_of(&inst, "b2")));
    assert_eq!(recall_by_a(&inst), RejectionCode::TooLate);
    assert_eq!(
        refusal(
            &def,
            &inst,
            "b1",
            Command::Recall {
                task_id: "i-t2".into()
            }
        ),
        RejectionCode::ActionNotAllowed
    );
}

#[test]
fn a_rejection_that_terminates_ends_the_flow_and_cancels_every_pending_task() {
    let mut countersign = Node::manual("n1", "会签", &["a", "b"]).route("结束", "end");
    countersign.reject = RejectPolicy::Terminate;
    let def = definition(vec![countersign, Node::end("end")]);
    let inst = start_instance("i", "d", "x", &def).unwrap();
    let reject = |text: &str| Command::Reject {
        task_id: "i-t1".into(),
        opinion: Opinion::agree(text),
    };
    assert_eq!(
        refusal(&def, &inst, "a", reject(" ")),
        RejectionCode::OpinionRequired
    );
    let inst = run(&def, &inst, "a", reject("不符合政策，驳回"));
    assert_eq!(inst.state, InstanceState::Rejected);
    assert_eq!(
        inst.task("i-t1").unwrap().state,
        TaskState::Done {
            attitude: Attitude::Disagree
        }
    );
    assert_eq!(
        inst.task("i-t2").unwrap().state,
        TaskState::Cancelled {
            reason: CancelReason::Rejected
        }
    );
    assert_eq!(
        refusal(&def, &inst, "b", agree("i-t2")),
        RejectionCode::NotRunning
    );
}

#[test]
fn a_rejection_configured_as_return_sends_the_document_back() {
    let mut review = Node::manual("n2", "核稿", &["b"]).route("结束", "end");
    review.reject = RejectPolicy::ReturnTo { node: "n1".into() };
    let def = definition(vec![
        Node::manual("n1", "拟稿", &["a"]).route("送核稿", "n2"),
        review,
        Node::end("end"),
    ]);
    let inst = start_instance("i", "d", "a", &def).unwrap();
    let inst = run(&def, &inst, "a", agree("i-t1"));
    assert_eq!(
        refusal(
            &def,
            &inst,
            "a",
            Command::Reject {
                task_id: "i-t1".into(),
                opinion: Opinion::agree("x")
            }
        ),
        RejectionCode::TaskNotPending
    );
    let inst = run(
        &def,
        &inst,
        "b",
        Command::Reject {
            task_id: "i-t2".into(),
            opinion: Opinion::agree("请修改"),
        },
    );
    assert_eq!(inst.current_node(), Some("n1"));
    assert_eq!(task_of(&inst, "a"), "i-t3");
    let plain = definition(vec![
        Node::manual("n1", "拟稿", &["a"]).route("结束", "end"),
        Node::end("end"),
    ]);
    let plain_inst = start_instance("i", "d", "a", &plain).unwrap();
    let reject = Command::Reject {
        task_id: "i-t1".into(),
        opinion: Opinion::agree("驳回"),
    };
    assert_eq!(
        refusal(&plain, &plain_inst, "a", reject),
        RejectionCode::ActionNotAllowed
    );
}

#[test]
fn the_initiator_may_revoke_only_before_anyone_approved() {
    let def = recallable();
    let inst = start_instance("i", "d", "a", &def).unwrap();
    assert_eq!(
        refusal(&def, &inst, "b1", Command::Revoke),
        RejectionCode::NotInitiator
    );
    let revoked = run(&def, &inst, "a", Command::Revoke);
    assert_eq!(revoked.state, InstanceState::Revoked);
    assert!(revoked.tasks.iter().all(|t| t.state
        == TaskState::Cancelled {
            reason: CancelReason::Revoked
        }));
    let approved = run(&def, &inst, "a", agree("i-t1"));
    assert_eq!(
        refusal(&def, &approved, "a", Command::Revoke),
        RejectionCode::TooLate
    );
}

#[test]
fn an_approval_decided_offline_while_the_initiator_revoked_is_refused_as_stale() {
    let def = recallable();
    // The phone saw version 1; meanwhile the initiator revoked at the gateway.
    let seen_by_phone = start_instance("i", "d", "a", &def).unwrap();
    let at_gateway = run(&def, &seen_by_phone, "a", Command::Revoke);
    let offline = dec(
        &def,
        &at_gateway,
        "a",
        seen_by_phone.version,
        &agree("i-t1"),
        now(),
    )
    .unwrap_err();
    assert_eq!(
        offline,
        Rejection {
            code: RejectionCode::Stale,
            current_version: 2
        }
    );
}

#[test]
fn a_transfer_hands_the_task_to_someone_else_at_the_same_node() {
    let mut node = Node::manual("n1", "承办", &["a"]).route("结束", "end");
    node.allow.transfer = true;
    let def = definition(vec![node, Node::end("end")]);
    let inst = start_instance("i", "d", "x", &def).unwrap();
    let to = |user: &str| Command::Transfer {
        task_id: "i-t1".into(),
        to: user.into(),
    };
    assert_eq!(
        refusal(&def, &inst, "a", to("a")),
        RejectionCode::BadTransferTarget
    );
    assert_eq!(
        refusal(&def, &inst, "a", to(" ")),
        RejectionCode::BadTransferTarget
    );
    let inst = run(&def, &inst, "a", to("b"));
    assert_eq!(inst.task("i-t1").unwrap().state, TaskState::Transferred);
    assert_eq!(inst.task("i-t2").unwrap().node_id, "n1");
    let inst = run(&def, &inst, "b", agree("i-t2"));
    assert_eq!(inst.state, InstanceState::Completed);
    let fixed = definition(vec![
        Node::manual("n1", "承办", &["a"]).route("结束", "end"),
        Node::end("end"),
    ]);
    let fixed_inst = start_instance("i", "d", "x", &fixed).unwrap();
    assert_eq!(
        refusal(&fixed, &fixed_inst, "a", to("b")),
        RejectionCode::ActionNotAllowed
    );
}

#[test]
fn mark_read_finishes_a_read_only_node_and_nothing_else() {
    let mut read = Node::manual("n1", "传阅", &["a", "b"]).route("结束", "end");
    read.read_only = true;
    let def = definition(vec![read, Node::end("end")]);
    let inst = start_instance("i", "d", "x", &def).unwrap();
    let inst = run(
        &def,
        &inst,
        "a",
        Command::MarkRead {
            task_id: "i-t1".into(),
        },
    );
    assert_eq!(
        inst.task("i-t1").unwrap().state,
        TaskState::Done {
            attitude: Attitude::Read
        }
    );
    let inst = run(
        &def,
        &inst,
        "b",
        Command::MarkRead {
            task_id: "i-t2".into(),
        },
    );
    assert_eq!(inst.state, InstanceState::Completed);
    let plain = definition(vec![
        Node::manual("n1", "批示", &["a"]).route("结束", "end"),
        Node::end("end"),
    ]);
    let plain_inst = start_instance("i", "d", "x", &plain).unwrap();
    assert_eq!(
        refusal(
            &plain,
            &plain_inst,
            "a",
            Command::MarkRead {
                task_id: "i-t1".into()
            }
        ),
        RejectionCode::ActionNotAllowed
    );
}

#[test]
fn every_command_round_trips_through_json() {
    let commands = [
        agree("t"),
        Command::MarkRead {
            task_id: "t".into(),
        },
        Command::Reject {
            task_id: "t".into(),
            opinion: Opinion::agree("驳回"),
        },
        Command::Return {
            task_id: "t".into(),
            target: "n1".into(),
            opinion: Opinion::agree("退回"),
        },
        Command::Recall {
            task_id: "t".into(),
        },
        Command::Revoke,
        Command::Transfer {
            task_id: "t".into(),
            to: "u".into(),
        },
    ];
    for command in commands {
        let json = serde_json::to_string(&command).unwrap();
        assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), command);
    }
}
