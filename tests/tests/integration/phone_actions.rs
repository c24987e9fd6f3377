//! Task-level workflow actions from the phone, end to end: decided on the phone core, signed,
//! pushed to a real gateway, decided again there, and seen by the people concerned after a pull
//! — routes with their opinion rules, 转交, 委派 and its return, 加签 / 减签, 传阅 reaching the
//! recipient's 待阅, 撤回 offered on 已办 rows until the next handler acts, 暂停 / 恢复. The
//! office every test of the `phone_actions*` files starts from is set up here.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::units::files::begin;
use super::units::{document, operator, phone, post, unit, Unit};
use qianpi_core::client::ClientError;
use qianpi_core::model::{Attitude, Opinion, SecrecyLevel};
use qianpi_core::store::{ListKind, LocalTaskState};
use qianpi_core::workflow::{
    Command, HandlerMode, InstanceState, Node, ProcessDefinition, RejectPolicy, RejectionCode,
    SignPosition,
};
use qianpi_gateway::admin::describe_instance;
use qianpi_tests::{Harness, Phone};

/// A unit whose 收文 flow lets the leader do nearly everything, its leader's and drafter's
/// phones, and one running flow waiting for the leader.
pub struct Office {
    pub unit: Unit,
    pub leader: Phone,
    /// The drafter (the flow's initiator), who also handles the document after the leader.
    pub staff: Phone,
    pub flow: String,
    /// The leader's task in `flow`.
    pub task: String,
}

/// The definition: 领导批示 (送承办 r1 or 退文 r2; 驳回 ends the flow; recall, transfer,
/// delegate, add-sign, circulate, urge, batch and terminate allowed) → 承办 (the drafter; 办结
/// needs an opinion; may return to 领导批示) → end.
pub fn definition(unit: &Unit) -> ProcessDefinition {
    let mut leader = Node::manual("leader", "领导批示", &[&unit.leader])
        .route("送承办", "handling")
        .route("退文", "end");
    leader.reject = RejectPolicy::Terminate;
    let allow = &mut leader.allow;
    (allow.recall, allow.transfer, allow.delegate, allow.add_sign) = (true, true, true, true);
    (allow.circulate, allow.urge, allow.batch, allow.terminate) = (true, true, true, true);
    let mut handling = Node::manual("handling", "承办", &[&unit.staff]).route("办结", "end");
    handling.allow.urge = true;
    handling.routes[0].requires_opinion = true;
    handling.returns.allowed = true;
    handling.returns.targets = vec!["leader".into()];
    ProcessDefinition::new(
        &format!("def-{}", unit.id),
        "收文办理",
        "leader",
        vec![leader, handling, Node::end("end")],
    )
}

/// Starts another flow of the office's definition on a new document; its instance id.
pub async fn start_flow(harness: &Harness, unit: &Unit, doc: &str) -> String {
    let def = format!("def-{}", unit.id);
    let (status, started) = begin(
        harness,
        unit,
        &def,
        &document(doc, &unit.id, SecrecyLevel::None),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    started["instance_id"].as_str().unwrap().to_owned()
}

/// The office of unit `id`, its phones synced.
pub async fn office(harness: &Harness, id: &str) -> Office {
    let op = operator(harness).await;
    let unit = unit(harness, &op, id).await;
    let (status, body) = post(
        harness,
        &unit.token,
        &format!("/units/{id}/definitions"),
        serde_json::to_value(definition(&unit)).unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let flow = start_flow(harness, &unit, &format!("doc-{id}-1")).await;
    let leader = phone(harness, &unit, &unit.leader, "zhangsan").await;
    let staff = phone(harness, &unit, &unit.staff, &format!("staff-{id}")).await;
    leader.client.sync().await.unwrap();
    staff.client.sync().await.unwrap();
    let task = pending(&leader)[0].clone();
    Office {
        unit,
        leader,
        staff,
        flow,
        task,
    }
}

/// The phone's 待办 task ids.
pub fn pending(phone: &Phone) -> Vec<String> {
    phone
        .client
        .list(ListKind::Todo, 50, 0)
        .unwrap()
        .into_iter()
        .map(|item| item.id)
        .collect()
}

/// Syncs and expects every pushed command accepted.
pub async fn delivered(phone: &Phone, accepted: usize) {
    let report = phone.client.sync().await.unwrap();
    assert_eq!(
        (report.accepted, report.refused),
        (accepted, 0),
        "{report:?}"
    );
}

/// The workflow's refusal code of a phone-side refusal.
pub fn refused_code(result: Result<impl std::fmt::Debug, ClientError>) -> RejectionCode {
    match result {
        Err(ClientError::Rejected(rejection)) => rejection.code,
        other => panic!("expected a refusal by the rules, got {other:?}"),
    }
}

/// The state of `instance` at the gateway.
pub async fn flow_state(harness: &Harness, instance: &str) -> (InstanceState, Option<String>) {
    let summary = describe_instance(&harness.db, instance)
        .await
        .unwrap()
        .unwrap();
    (summary.state, summary.current_node)
}

#[tokio::test]
async fn routes_are_offered_with_their_opinion_rules_and_the_gateway_moves_the_flow() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pa-routes").await;
    let row = o.leader.client.inbox().unwrap().remove(0);
    let routes: Vec<(&str, bool)> = row
        .routes
        .iter()
        .map(|r| (r.id.as_str(), r.requires_opinion))
        .collect();
    assert_eq!(routes, [("r1", false), ("r2", false)]);
    o.leader
        .client
        .act(Command::Approve {
            task_id: o.task.clone(),
            route: Some("r1".into()),
            opinion: Opinion::agree("请承办。"),
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    assert_eq!(
        flow_state(&harness, &o.flow).await,
        (InstanceState::Running, Some("承办".into()))
    );
    // 办结 needs the handler's own opinion: the row says so and the phone holds to it.
    o.staff.client.sync().await.unwrap();
    let row = o.staff.client.inbox().unwrap().remove(0);
    let routes: Vec<(&str, bool)> = row
        .routes
        .iter()
        .map(|r| (r.id.as_str(), r.requires_opinion))
        .collect();
    assert_eq!(routes, [("r1", true)]);
    let bare = Command::Approve {
        task_id: row.task_id.clone(),
        route: None,
        opinion: Opinion::new(Attitude::Agree, ""),
    };
    assert_eq!(
        refused_code(o.staff.client.act(bare)),
        RejectionCode::OpinionRequired
    );
    o.staff
        .client
        .act(Command::Approve {
            task_id: row.task_id,
            route: None,
            opinion: Opinion::agree("已按要求办理。"),
        })
        .unwrap();
    delivered(&o.staff, 1).await;
    assert_eq!(
        flow_state(&harness, &o.flow).await.0,
        InstanceState::Completed
    );
}

#[tokio::test]
async fn a_transfer_and_a_delegation_reach_the_new_handler_and_a_delegation_comes_back() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pa-hand").await;
    let admin_login = "admin-pa-hand";
    let admin = phone(&harness, &o.unit, &o.unit.admin, admin_login).await;
    // 委派: the administrator works on it and gives it back.
    o.leader
        .client
        .act(Command::Delegate {
            task_id: o.task.clone(),
            to: o.unit.admin.clone(),
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    assert_eq!(
        o.leader.client.inbox().unwrap()[0].state,
        LocalTaskState::Waiting
    );
    admin.client.sync().await.unwrap();
    let delegated = pending(&admin).remove(0);
    admin
        .client
        .act(Command::Resolve {
            task_id: delegated,
            opinion: Opinion::agree("拟同意。"),
        })
        .unwrap();
    delivered(&admin, 1).await;
    o.leader.client.sync().await.unwrap();
    assert_eq!(pending(&o.leader), std::slice::from_ref(&o.task));

    // 转交: the administrator gets it for good.
    o.leader
        .client
        .act(Command::Transfer {
            task_id: o.task.clone(),
            to: o.unit.admin.clone(),
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    admin.client.sync().await.unwrap();
    assert_eq!(pending(&admin).len(), 1);
    assert!(pending(&o.leader).is_empty());
    // A person outside the unit is refused by the gateway, not given a task nobody can see.
    let other = start_flow(&harness, &o.unit, "doc-pa-hand-2").await;
    o.leader.client.sync().await.unwrap();
    let next = pending(&o.leader).remove(0);
    o.leader
        .client
        .act(Command::Transfer {
            task_id: next,
            to: "user-nobody".into(),
        })
        .unwrap();
    let report = o.leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (0, 1));
    let verdict = &o.leader.client.verdicts().unwrap()[0].verdict;
    assert_eq!(qianpi_tests::verdict_code(verdict), "no_such_person");
    assert_eq!(flow_state(&harness, &other).await.0, InstanceState::Running);
}

#[tokio::test]
async fn an_added_signer_goes_first_and_can_be_removed_before_signing() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pa-sign").await;
    o.leader
        .client
        .act(Command::AddSigner {
            task_id: o.task.clone(),
            signers: vec![o.unit.admin.clone()],
            position: SignPosition::Before,
            mode: HandlerMode::Single,
            route: None,
            opinion: None,
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    let admin = phone(&harness, &o.unit, &o.unit.admin, "admin-pa-sign").await;
    admin.client.sync().await.unwrap();
    let added = pending(&admin).remove(0);
    let row = o.leader.client.controls_for(&o.task).unwrap();
    assert_eq!(row.removable_signers, std::slice::from_ref(&added));
    o.leader
        .client
        .act(Command::RemoveSigner {
            task_id: added.clone(),
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    assert_eq!(pending(&o.leader), std::slice::from_ref(&o.task));
    admin.client.sync().await.unwrap();
    assert!(pending(&admin).is_empty(), "the removed signer's task left");
}

#[tokio::test]
async fn a_circulated_document_reaches_the_recipients_to_read_list_and_is_read_there() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pa-read").await;
    o.leader
        .client
        .act(Command::Circulate {
            task_id: o.task.clone(),
            recipients: vec![o.unit.admin.clone()],
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    // The recipient holds no task in the flow: the read item alone must bring it to the phone.
    let admin = phone(&harness, &o.unit, &o.unit.admin, "admin-pa-read").await;
    admin.client.sync().await.unwrap();
    let to_read = admin.client.list(ListKind::ToRead, 50, 0).unwrap();
    assert_eq!(
        to_read.len(),
        1,
        "待阅 is filled from the circulated read item"
    );
    let item = to_read[0].id.clone();
    assert!(admin.client.controls_for(&item).unwrap().can_mark_read);
    admin
        .client
        .act(Command::MarkRead {
            task_id: item.clone(),
        })
        .unwrap();
    delivered(&admin, 1).await;
    assert!(admin
        .client
        .list(ListKind::ToRead, 50, 0)
        .unwrap()
        .is_empty());
    assert_eq!(
        admin.client.list(ListKind::Read, 50, 0).unwrap()[0].id,
        item
    );
    // The flow did not wait for the reader.
    assert_eq!(
        flow_state(&harness, &o.flow).await,
        (InstanceState::Running, Some("领导批示".into()))
    );
}

#[tokio::test]
async fn recall_is_offered_on_the_done_row_until_the_next_handler_acts() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pa-recall").await;
    o.leader
        .client
        .act(Command::Approve {
            task_id: o.task.clone(),
            route: Some("r1".into()),
            opinion: Opinion::agree("请承办。"),
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    let done = o.leader.client.inbox().unwrap().remove(0);
    assert_eq!(done.state, LocalTaskState::Done);
    assert!(done.controls.can_recall, "撤回 on the 已办 row");
    assert!(!done.controls.can_approve);

    o.staff.client.sync().await.unwrap();
    let handling = pending(&o.staff).remove(0);
    o.staff
        .client
        .act(Command::Approve {
            task_id: handling,
            route: None,
            opinion: Opinion::agree("已办理。"),
        })
        .unwrap();
    delivered(&o.staff, 1).await;
    o.leader.client.sync().await.unwrap();
    let done = o.leader.client.inbox().unwrap().remove(0);
    assert!(!done.controls.can_recall, "too late once the office acted");
    let recall = o.leader.client.act(Command::Recall {
        task_id: o.task.clone(),
    });
    assert_eq!(refused_code(recall), RejectionCode::NotRunning);
}

#[tokio::test]
async fn a_paused_task_is_resumed_and_can_then_be_approved() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pa-pause").await;
    let pause = Command::Suspend {
        task_id: Some(o.task.clone()),
    };
    o.leader.client.act(pause).unwrap();
    delivered(&o.leader, 1).await;
    let row = o.leader.client.controls_for(&o.task).unwrap();
    assert!(row.can_resume_task && !row.can_approve);
    o.leader
        .client
        .act(Command::Resume {
            task_id: Some(o.task.clone()),
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    assert!(o.leader.client.controls_for(&o.task).unwrap().can_approve);
}
