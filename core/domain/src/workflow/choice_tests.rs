//! Handlers chosen when a flow starts: the starter's choice opens the step for the people chosen
//! (in order, on a serial step), survives a return to that step, and every way a choice can be
//! wrong is refused by name before anything starts.

use super::test_support::*;
use super::*;
use crate::model::Opinion;

/// 收文: 拟办 (the office director) → 批示 (whichever leaders the registrar chooses; the
/// definition suggests the director general) → 承办 (chosen, serial, no suggestion) → end.
fn incoming() -> ProcessDefinition {
    let mut leaders = Node::manual("lead", "领导批示", &["director-general"]).route("送承办", "do");
    leaders.chosen_at_start = true;
    leaders.mode = HandlerMode::Parallel;
    leaders.returns = ReturnPolicy {
        allowed: true,
        targets: Vec::new(),
        way: ReturnWay::default(),
    };
    let mut handling = Node::manual("do", "承办", &[]).route("办结", "end");
    handling.chosen_at_start = true;
    handling.mode = HandlerMode::Serial;
    definition(vec![
        Node::manual("plan", "拟办", &["director"]).route("送领导", "lead"),
        leaders,
        handling,
        Node::end("end"),
    ])
}

fn choose(pairs: &[(&str, &[&str])]) -> ChosenHandlers {
    pairs
        .iter()
        .map(|(node, users)| {
            let users = users.iter().map(|u| (*u).to_owned()).collect();
            ((*node).to_owned(), users)
        })
        .collect()
}

fn start(def: &ProcessDefinition, chosen: &ChosenHandlers) -> Result<Instance, StartError> {
    Instance::start_choosing(Env::new(def), "i", "d", "registrar", chosen, now())
}

fn open_assignees(inst: &Instance) -> Vec<&str> {
    inst.tasks
        .iter()
        .filter(|t| t.state.is_open())
        .map(|t| t.assignee.as_str())
        .collect()
}

fn open_task<'a>(inst: &'a Instance, user: &str) -> &'a Task {
    inst.tasks
        .iter()
        .find(|t| t.state.is_open() && t.assignee == user)
        .unwrap_or_else(|| panic!("{user} has no open task"))
}

fn agree_as(def: &ProcessDefinition, inst: &Instance, user: &str) -> Instance {
    let task = open_task(inst, user).id.clone();
    run(def, inst, user, agree(&task))
}

#[test]
fn the_steps_go_to_the_people_the_registrar_chose() {
    let def = incoming();
    def.validate().unwrap();
    let chosen = choose(&[
        ("lead", &["deputy-a", "deputy-b"]),
        ("do", &["clerk-2", "clerk-1"]),
    ]);
    let inst = start(&def, &chosen).unwrap();
    assert_eq!(inst.chosen_handlers, chosen);
    let inst = agree_as(&def, &inst, "director");
    // The choice replaces the suggestion: both chosen leaders, not the director general.
    assert_eq!(open_assignees(&inst), ["deputy-a", "deputy-b"]);
    let inst = agree_as(&def, &inst, "deputy-a");
    let inst = agree_as(&def, &inst, "deputy-b");
    // A serial step follows the order chosen.
    assert_eq!(open_assignees(&inst), ["clerk-2"]);
    let inst = agree_as(&def, &inst, "clerk-2");
    assert_eq!(open_assignees(&inst), ["clerk-1"]);
    let inst = agree_as(&def, &inst, "clerk-1");
    assert_eq!(inst.state, InstanceState::Completed);
}

#[test]
fn a_step_left_unchosen_keeps_the_suggested_handlers() {
    let def = incoming();
    let inst = start(&def, &choose(&[("do", &["clerk-1"])])).unwrap();
    let inst = agree_as(&def, &inst, "director");
    assert_eq!(open_assignees(&inst), ["director-general"]);
}

#[test]
fn a_return_to_a_chosen_step_goes_to_the_same_people() {
    let def = incoming();
    let chosen = choose(&[("lead", &["deputy-a"]), ("do", &["clerk-1"])]);
    let inst = start(&def, &chosen).unwrap();
    let inst = agree_as(&def, &inst, "director");
    let inst = agree_as(&def, &inst, "deputy-a");
    let clerk_task = open_task(&inst, "clerk-1").id.clone();
    let inst = run(&def, &inst, "clerk-1", agree(&clerk_task));
    assert_eq!(inst.state, InstanceState::Completed);

    // The same flow, returned from 批示 to 拟办 and sent on again: the chosen leader again.
    let inst = start(&def, &chosen).unwrap();
    let inst = agree_as(&def, &inst, "director");
    let back = Command::Return {
        task_id: open_task(&inst, "deputy-a").id.clone(),
        target: "plan".into(),
        opinion: Opinion::agree("请补充拟办意见"),
    };
    let inst = run(&def, &inst, "deputy-a", back);
    assert_eq!(open_assignees(&inst), ["director"]);
    let inst = agree_as(&def, &inst, "director");
    assert_eq!(open_assignees(&inst), ["deputy-a"]);
}

#[test]
fn every_wrong_choice_is_refused_by_name_before_the_flow_starts() {
    let def = incoming();
    let refused = |chosen: ChosenHandlers| match start(&def, &chosen) {
        Err(StartError::Choice(e)) => e,
        other => panic!("{chosen:?} was not refused: {other:?}"),
    };
    // 承办 lists no one: it must be chosen.
    assert_eq!(
        refused(choose(&[("lead", &["deputy-a"])])),
        ChoiceError::Missing("do".into())
    );
    assert_eq!(
        refused(choose(&[("do", &[])])),
        ChoiceError::Missing("do".into())
    );
    assert_eq!(
        refused(choose(&[("plan", &["someone"]), ("do", &["clerk-1"])])),
        ChoiceError::NotChoosable("plan".into())
    );
    assert_eq!(
        refused(choose(&[("end", &["someone"]), ("do", &["clerk-1"])])),
        ChoiceError::NotChoosable("end".into())
    );
    assert_eq!(
        refused(choose(&[("nowhere", &["someone"]), ("do", &["clerk-1"])])),
        ChoiceError::UnknownNode("nowhere".into())
    );
    let twice = refused(choose(&[("do", &["clerk-1", "clerk-1"])]));
    assert_eq!(
        twice,
        ChoiceError::Twice {
            node: "do".into(),
            user: "clerk-1".into()
        }
    );
    assert!(twice.message_zh().contains("clerk-1"));

    let mut single = incoming();
    single.nodes[1].mode = HandlerMode::Single;
    let chosen = choose(&[("lead", &["deputy-a", "deputy-b"]), ("do", &["clerk-1"])]);
    assert_eq!(
        Instance::start_choosing(Env::new(&single), "i", "d", "registrar", &chosen, now()),
        Err(StartError::Choice(ChoiceError::OnlyOne("lead".into())))
    );

    let mut vote = incoming();
    vote.nodes[1].handlers[0].weight = 3;
    vote.nodes[1].completion = Completion::WeightedVote { threshold: 3 };
    // The suggested director general carries weight 3: chosen, he alone reaches the threshold;
    // two others of weight 1 cannot.
    let chosen = choose(&[("lead", &["director-general"]), ("do", &["clerk-1"])]);
    assert!(Instance::start_choosing(Env::new(&vote), "i", "d", "r", &chosen, now()).is_ok());
    let chosen = choose(&[("lead", &["deputy-a", "deputy-b"]), ("do", &["clerk-1"])]);
    assert_eq!(
        Instance::start_choosing(Env::new(&vote), "i", "d", "r", &chosen, now()),
        Err(StartError::Choice(ChoiceError::ThresholdUnreachable(
            "lead".into()
        )))
    );
    // Without a choice the plain start names the step that needs one.
    assert_eq!(
        start_instance("i", "d", "registrar", &def),
        Err(DefinitionError::BadHandlers("do".into()))
    );
}

#[test]
fn only_manual_steps_take_a_choice_and_the_flag_stays_out_of_old_documents() {
    let mut split = incoming();
    split.nodes[3].chosen_at_start = true;
    assert_eq!(
        split.validate(),
        Err(DefinitionError::BadHandlers("end".into()))
    );
    // A definition and an instance without choices serialise as they did before the choice
    // existed, so stored flows keep their bytes (and their hashes).
    let plain = definition(vec![
        Node::manual("n1", "拟办", &["a"]).route("结束", "end"),
        Node::end("end"),
    ]);
    let json = serde_json::to_string(&plain).unwrap();
    assert!(!json.contains("chosen_at_start"));
    let inst = start_instance("i", "d", "a", &plain).unwrap();
    assert!(!serde_json::to_string(&inst)
        .unwrap()
        .contains("chosen_handlers"));
    let read: ProcessDefinition = serde_json::from_str(&json).unwrap();
    assert_eq!(read, plain);
}
