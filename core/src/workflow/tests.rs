//! Behaviour of the approval state machine for the slices built so far.

use super::*;
use proptest::prelude::*;

fn definition() -> ProcessDefinition {
    ProcessDefinition {
        id: "def-收文".into(),
        name: "收文办理".into(),
        nodes: vec![
            NodeDefinition {
                id: "n1".into(),
                name: "领导批示".into(),
                handlers: vec!["leader".into()],
            },
            NodeDefinition {
                id: "n2".into(),
                name: "承办".into(),
                handlers: vec!["clerk".into(), "deputy".into()],
            },
        ],
    }
}

fn agree(task_id: &str) -> Command {
    Command::Approve {
        task_id: task_id.into(),
        opinion: Opinion {
            attitude: Attitude::Agree,
            text: "同意，请办公室抓紧落实。".into(),
        },
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn approving_the_leaders_task_opens_the_next_node_for_every_handler() {
    let def = definition();
    let inst = Instance::start("i1", "d1", "drafter", &def).unwrap();
    let (next, events) = execute(&def, &inst, "leader", 1, &agree("i1-t1"), now()).unwrap();
    assert_eq!(next.version, 2);
    assert_eq!(next.current_node.as_deref(), Some("n2"));
    assert_eq!(
        next.task("i1-t1").unwrap().state,
        TaskState::Done {
            attitude: Attitude::Agree
        }
    );
    let pending: Vec<_> = next
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Pending)
        .map(|t| t.assignee.as_str())
        .collect();
    assert_eq!(pending, ["clerk", "deputy"]);
    assert_eq!(events.len(), 2);
}

#[test]
fn the_flow_completes_only_when_every_handler_of_the_last_node_has_finished() {
    let def = definition();
    let inst = Instance::start("i1", "d1", "drafter", &def).unwrap();
    let (inst, _) = execute(&def, &inst, "leader", 1, &agree("i1-t1"), now()).unwrap();
    let (inst, _) = execute(&def, &inst, "clerk", 2, &agree("i1-t2"), now()).unwrap();
    assert_eq!(inst.state, InstanceState::Running);
    let (inst, events) = execute(&def, &inst, "deputy", 3, &agree("i1-t3"), now()).unwrap();
    assert_eq!(inst.state, InstanceState::Completed);
    assert!(events.contains(&Event::InstanceCompleted { at: now() }));
}

#[test]
fn a_command_decided_on_an_older_version_is_refused_as_stale() {
    let def = definition();
    let inst = Instance::start("i1", "d1", "drafter", &def).unwrap();
    let err = decide(&def, &inst, "leader", 0, &agree("i1-t1"), now()).unwrap_err();
    assert_eq!(
        err,
        Rejection {
            code: RejectionCode::Stale,
            current_version: 1
        }
    );
}

#[test]
fn someone_elses_task_is_refused() {
    let def = definition();
    let inst = Instance::start("i1", "d1", "drafter", &def).unwrap();
    let err = decide(&def, &inst, "clerk", 1, &agree("i1-t1"), now()).unwrap_err();
    assert_eq!(err.code, RejectionCode::NotAssignee);
}

#[test]
fn a_finished_task_cannot_be_approved_twice() {
    let def = definition();
    let inst = Instance::start("i1", "d1", "drafter", &def).unwrap();
    let (inst, _) = execute(&def, &inst, "leader", 1, &agree("i1-t1"), now()).unwrap();
    let err = decide(&def, &inst, "leader", 2, &agree("i1-t1"), now()).unwrap_err();
    assert_eq!(err.code, RejectionCode::TaskNotPending);
}

#[test]
fn a_read_attitude_is_not_an_approval() {
    let def = definition();
    let inst = Instance::start("i1", "d1", "drafter", &def).unwrap();
    let command = Command::Approve {
        task_id: "i1-t1".into(),
        opinion: Opinion {
            attitude: Attitude::Read,
            text: String::new(),
        },
    };
    assert_eq!(
        decide(&def, &inst, "leader", 1, &command, now())
            .unwrap_err()
            .code,
        RejectionCode::InvalidAttitude
    );
}

#[test]
fn a_definition_without_nodes_cannot_start() {
    let def = ProcessDefinition {
        id: "x".into(),
        name: "空".into(),
        nodes: vec![],
    };
    assert_eq!(
        Instance::start("i1", "d1", "a", &def).unwrap_err(),
        RejectionCode::DefinitionInvalid
    );
}

#[test]
fn controls_show_approve_only_to_the_assignee_of_a_pending_task() {
    let def = definition();
    let inst = Instance::start("i1", "d1", "drafter", &def).unwrap();
    assert!(controls(&def, &inst, "leader", "i1-t1").can_approve);
    assert!(!controls(&def, &inst, "clerk", "i1-t1").can_approve);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random actors approving random tasks on random versions: a refusal changes nothing, an
    /// accepted command bumps the version by one, a final instance has no pending task, and the
    /// control flags never allow what `decide` refuses.
    #[test]
    fn invariants_hold_under_random_commands(
        steps in proptest::collection::vec((0usize..4, 0usize..5, 0u64..3, any::<bool>()), 1..30)
    ) {
        let def = definition();
        let actors = ["leader", "clerk", "deputy", "drafter"];
        let mut inst = Instance::start("i1", "d1", "drafter", &def).unwrap();
        for (actor, task, version_lag, disagree) in steps {
            let actor = actors[actor];
            let task_id = format!("i1-t{}", task + 1);
            let attitude = if disagree { Attitude::Disagree } else { Attitude::Agree };
            let command = Command::Approve { task_id: task_id.clone(), opinion: Opinion { attitude, text: "意见".into() } };
            let base = inst.version.saturating_sub(version_lag);
            let allowed = controls(&def, &inst, actor, &task_id).can_approve;
            match execute(&def, &inst, actor, base, &command, now()) {
                Ok((next, events)) => {
                    prop_assert_eq!(next.version, inst.version + 1);
                    prop_assert!(!events.is_empty());
                    // An accepted command was always one the control flags offered.
                    prop_assert!(allowed);
                    inst = next;
                }
                Err(rejection) => {
                    prop_assert_eq!(rejection.current_version, inst.version);
                    if base == inst.version { prop_assert!(!allowed); }
                }
            }
            if inst.state != InstanceState::Running {
                prop_assert!(inst.tasks.iter().all(|t| t.state != TaskState::Pending));
            }
        }
    }
}
