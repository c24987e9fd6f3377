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

#[test]
fn a_secretary_asking_for_her_leader_gets_his_opinion_flags_only() {
    let def = super::office_fixture::office();
    let inst = super::office_fixture::at_leader(&def);
    let lead = task_of(&inst, "leader");
    let env = Env::new(&def);
    let secretary = Actor {
        user: "mishu".into(),
        roles: Roles {
            secretary_for: vec!["leader".into()],
            ..Roles::default()
        },
    };
    let his = ctl(&def, &inst, "leader", &lead);
    assert!(his.can_approve && his.can_transfer && !his.add_sign_modes.is_empty());

    let own = controls_acting_for(env, &inst, &secretary, None, &lead, now());
    assert!(!own.can_approve, "not her task");
    let for_him = controls_acting_for(env, &inst, &secretary, Some("leader"), &lead, now());
    assert!(for_him.can_approve);
    assert_eq!(for_him.routes, his.routes);
    assert!(!for_him.can_transfer && !for_him.can_delegate && !for_him.can_circulate);
    assert!(for_him.add_sign_modes.is_empty());

    let stranger = controls_acting_for(env, &inst, &Actor::user("x"), Some("leader"), &lead, now());
    assert!(!stranger.can_approve, "no secretary of his");
}
