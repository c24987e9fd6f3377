//! The control flags as a screen reads them: the steps 退回 may go back to, by name.

use super::test_support::*;
use super::*;

/// 拟稿 (drafter) → 核稿 (reviewer) → 领导签批 (leader, may return to 拟稿 or 核稿) → end.
fn returnable() -> ProcessDefinition {
    let mut leader = Node::manual("sign", "领导签批", &["leader"]).route("签批", "end");
    leader.returns = ReturnPolicy {
        allowed: true,
        targets: vec!["draft".into(), "review".into()],
        way: ReturnWay::Jump,
    };
    definition(vec![
        Node::manual("draft", "拟稿", &["drafter"]).route("送核稿", "review"),
        Node::manual("review", "核稿", &["reviewer"]).route("送签批", "sign"),
        leader,
        Node::end("end"),
    ])
}

#[test]
fn the_return_targets_carry_the_names_the_definition_gives_them() {
    let def = returnable();
    let inst = start_instance("i", "d", "drafter", &def).unwrap();
    let inst = run(&def, &inst, "drafter", agree("i-t1"));
    let inst = run(&def, &inst, "reviewer", agree("i-t2"));
    let flags = ctl(&def, &inst, "leader", "i-t3");
    assert_eq!(flags.return_targets, ["draft", "review"]);
    let named: Vec<(&str, &str)> = flags
        .return_steps
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    assert_eq!(named, [("draft", "拟稿"), ("review", "核稿")]);
    assert!(ctl(&def, &inst, "drafter", "i-t3").return_steps.is_empty());
}
