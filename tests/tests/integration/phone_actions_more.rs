//! The remaining task actions from the phone, end to end: 驳回 ending the flow, 退回 to the
//! leader, 打开 and 暂存 at the gateway keeping the task pending, 签收 / 签退 of a pool task
//! between two candidates, and 收回委托 of a task a standing delegation sent to the deputy.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::phone_actions::{delivered, flow_state, office, pending, refused_code, start_flow};
use super::units::files::begin;
use super::units::{document, phone, post};
use chrono::{Duration, Utc};
use qianpi_core::model::{Attitude, Opinion, SecrecyLevel};
use qianpi_core::protocol::delegations::NewDelegation;
use qianpi_core::workflow::{
    Command, DelegationScope, HandlerMode, InstanceState, Node, ProcessDefinition, RejectionCode,
};
use qianpi_gateway::admin::describe_instance;
use qianpi_tests::Harness;

#[tokio::test]
async fn a_rejection_ends_the_flow_and_a_return_sends_it_back_to_the_leader() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pm-back").await;
    assert!(o.leader.client.controls_for(&o.task).unwrap().can_reject);
    o.leader
        .client
        .act(Command::Reject {
            task_id: o.task.clone(),
            opinion: Opinion::new(Attitude::Disagree, "不属本单位职责，退回来文单位。"),
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    assert_eq!(
        flow_state(&harness, &o.flow).await.0,
        InstanceState::Rejected
    );

    let second = start_flow(&harness, &o.unit, "doc-pm-back-2").await;
    o.leader.client.sync().await.unwrap();
    let task = pending(&o.leader).remove(0);
    let approve = Command::Approve {
        task_id: task.clone(),
        route: Some("r1".into()),
        opinion: Opinion::agree("请承办。"),
    };
    o.leader.client.act(approve).unwrap();
    delivered(&o.leader, 1).await;
    o.staff.client.sync().await.unwrap();
    let handling = pending(&o.staff).remove(0);
    let flags = o.staff.client.controls_for(&handling).unwrap();
    assert_eq!(flags.return_targets, ["leader"]);
    o.staff
        .client
        .act(Command::Return {
            task_id: handling,
            target: "leader".into(),
            opinion: Opinion::new(Attitude::Disagree, "请领导明确承办要求。"),
        })
        .unwrap();
    delivered(&o.staff, 1).await;
    assert_eq!(
        flow_state(&harness, &second).await,
        (InstanceState::Running, Some("领导批示".into()))
    );
    o.leader.client.sync().await.unwrap();
    assert_eq!(
        pending(&o.leader).len(),
        1,
        "the returned document is his again"
    );
}

#[tokio::test]
async fn opening_and_saving_at_the_gateway_keep_the_task_pending() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pm-open").await;
    assert!(o.leader.client.controls_for(&o.task).unwrap().can_open);
    let open = || Command::Open {
        task_id: o.task.clone(),
    };
    o.leader.client.act(open()).unwrap();
    delivered(&o.leader, 1).await;
    assert_eq!(
        refused_code(o.leader.client.act(open())),
        RejectionCode::NoChange
    );
    o.leader
        .client
        .act(Command::Save {
            task_id: o.task.clone(),
            opinion: Opinion::agree("拟同意，待核实数据。"),
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    assert_eq!(pending(&o.leader), std::slice::from_ref(&o.task));
    let summary = describe_instance(&harness.db, &o.flow)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.pending_with, ["张三"]);
    assert_eq!(
        summary.version, 3,
        "opened and saved: two accepted commands"
    );
}

#[tokio::test]
async fn a_pool_task_is_claimed_by_one_candidate_and_released_back_to_both() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pm-pool").await;
    let mut register = Node::manual("register", "登记", &[&o.unit.admin, &o.unit.secretary])
        .route("登记完毕", "end");
    register.mode = HandlerMode::Pool;
    let pool = ProcessDefinition::new(
        "def-pm-pool-2",
        "收文登记",
        "register",
        vec![register, Node::end("end")],
    );
    let (status, body) = post(
        &harness,
        &o.unit.token,
        "/units/pm-pool/definitions",
        serde_json::to_value(&pool).unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let doc = document("doc-pm-pool-2", "pm-pool", SecrecyLevel::None);
    let (status, started) = begin(&harness, &o.unit, "def-pm-pool-2", &doc).await;
    assert_eq!(status, 201, "{started}");
    let admin = phone(&harness, &o.unit, &o.unit.admin, "admin-pm-pool").await;
    let clerk = phone(&harness, &o.unit, &o.unit.secretary, "secretary-pm-pool").await;
    admin.client.sync().await.unwrap();
    clerk.client.sync().await.unwrap();
    let task = pending(&admin).remove(0);
    assert_eq!(pending(&clerk), std::slice::from_ref(&task));
    assert!(admin.client.controls_for(&task).unwrap().can_claim);

    admin
        .client
        .act(Command::Claim {
            task_id: task.clone(),
        })
        .unwrap();
    delivered(&admin, 1).await;
    clerk.client.sync().await.unwrap();
    assert!(pending(&clerk).is_empty(), "the other candidate lost it");
    assert!(admin.client.controls_for(&task).unwrap().can_release);
    admin
        .client
        .act(Command::Release {
            task_id: task.clone(),
        })
        .unwrap();
    delivered(&admin, 1).await;
    clerk.client.sync().await.unwrap();
    assert_eq!(pending(&clerk), std::slice::from_ref(&task));
}

#[tokio::test]
async fn the_leader_takes_back_a_task_his_standing_delegation_sent_to_the_deputy() {
    let harness = Harness::start().await.unwrap();
    let o = office(&harness, "pm-back2").await;
    let deputy = phone(&harness, &o.unit, &o.unit.admin, "admin-pm-back2").await;
    let now = Utc::now();
    o.leader
        .client
        .set_delegation(&NewDelegation {
            to: o.unit.admin.clone(),
            scope: DelegationScope::All,
            start: now - Duration::minutes(1),
            end: now + Duration::days(3),
        })
        .await
        .unwrap();
    let during = start_flow(&harness, &o.unit, "doc-pm-back2-2").await;
    deputy.client.sync().await.unwrap();
    o.leader.client.sync().await.unwrap();
    let sent = pending(&deputy).remove(0);
    // The principal sees it too, and may take it back.
    assert!(o.leader.client.controls_for(&sent).unwrap().can_take_back);
    o.leader
        .client
        .act(Command::TakeBack {
            task_id: sent.clone(),
        })
        .unwrap();
    delivered(&o.leader, 1).await;
    deputy.client.sync().await.unwrap();
    assert!(pending(&deputy).is_empty());
    let summary = describe_instance(&harness.db, &during)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.pending_with, ["张三"]);
}
