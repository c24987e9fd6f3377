//! The office flow most action tests run on: 拟办 (clerk) → 领导批示 (leader, every action
//! allowed, 24 h limit) → 承办 (handler) → end.

use super::test_support::*;
use super::*;

/// 拟办 (clerk) → 领导批示 (leader; everything allowed) → 承办 (handler) → end.
pub(super) fn office() -> ProcessDefinition {
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
pub(super) fn at_leader(def: &ProcessDefinition) -> Instance {
    let inst = start_instance("i", "d", "clerk", def).unwrap();
    run(def, &inst, "clerk", agree("i-t1"))
}

pub(super) fn user(id: &str) -> Actor {
    Actor::user(id)
}
