//! The document detail screen against a real gateway: a 收文 passes 拟办, 核稿, a 退回 from the
//! leader and 核稿 again; the leader's phone syncs, and with the gateway stopped it shows the
//! document with each opinion in its 意见栏 and the 流转记录 in order. After he approves offline,
//! his queued 批示 shows as his, pending, until the gateway has it.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use qianpi_core::model::{Attitude, SecrecyLevel};
use qianpi_core::screens::{DocumentDetail, FlowAction};
use qianpi_core::store::LocalTaskState;
use qianpi_core::workflow::{Command, InstanceState, Node, Opinion, ProcessDefinition};
use qianpi_core::ClientError;
use qianpi_tests::{Harness, Phone};
use serde_json::json;
use units::{document, operator, phone, post, unit, Unit};

/// 拟办 (staff) → 核稿 (the secretary) → 领导批示 (the leader, who may return it) → end.
fn definition(unit: &Unit) -> ProcessDefinition {
    let mut instruct = Node::manual("n3", "领导批示", &[&unit.leader]).route("办结", "end");
    instruct.returns.allowed = true;
    ProcessDefinition::new(
        "def-detail",
        "收文办理",
        "n1",
        vec![
            Node::manual("n1", "拟办", &[&unit.staff]).route("送核稿", "n2"),
            Node::manual("n2", "核稿", &[&unit.secretary]).route("送批示", "n3"),
            instruct,
            Node::end("end"),
        ],
    )
}

/// Syncs `phone` and approves its one pending task with `text`.
async fn approve_pending(phone: &Phone, text: &str) {
    phone.client.sync().await.unwrap();
    let task = pending_task(phone);
    phone.client.approve(&task, Attitude::Agree, text).unwrap();
    let report = phone.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (1, 0));
}

fn pending_task(phone: &Phone) -> String {
    phone
        .client
        .inbox()
        .unwrap()
        .into_iter()
        .find(|i| i.state == LocalTaskState::Pending)
        .expect("a pending task")
        .task_id
}

fn column<'a>(detail: &'a DocumentDetail, name: &str) -> Vec<(&'a str, &'a str, bool)> {
    detail
        .opinion_columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .opinions
        .iter()
        .map(|o| (o.author.user_id.as_str(), o.text.as_str(), o.pending))
        .collect()
}

#[tokio::test]
async fn the_leader_reads_a_document_that_passed_several_hands_offline() {
    let mut harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let unit = unit(&harness, &op, "detail").await;
    let (status, body) = post(
        &harness,
        &unit.token,
        &format!("/units/{}/definitions", unit.id),
        serde_json::to_value(definition(&unit)).unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let doc = document("doc-detail", &unit.id, SecrecyLevel::None);
    let (status, body) = post(
        &harness,
        &unit.token,
        &format!("/units/{}/flows", unit.id),
        json!({ "definition_id": "def-detail", "drafter": unit.staff, "document": doc }),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let staff = phone(&harness, &unit, &unit.staff, "staff-detail").await;
    let secretary = phone(&harness, &unit, &unit.secretary, "secretary-detail").await;
    let leader = phone(&harness, &unit, &unit.leader, "zhangsan").await;
    approve_pending(&staff, "拟请张局长阅示。").await;
    approve_pending(&secretary, "文字已核。").await;
    leader.client.sync().await.unwrap();
    let returned = Command::Return {
        task_id: pending_task(&leader),
        target: "n2".into(),
        opinion: Opinion::disagree("请补充资金测算后再报。"),
    };
    leader.client.act(returned).unwrap();
    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (1, 0));
    approve_pending(&secretary, "已补充资金测算，请审示。").await;
    leader.client.sync().await.unwrap();
    let task = pending_task(&leader);

    // From here the gateway is gone: everything comes from the leader's phone.
    harness.stop_gateway().await.unwrap();
    let detail = leader.client.document_detail(&task).unwrap();
    assert_eq!(detail.head.number, "晋农办〔2026〕12号");
    assert_eq!(detail.head.title, "关于开展安全生产检查的通知");
    let names: Vec<&str> = detail
        .opinion_columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["拟办", "核稿", "领导批示"]);
    assert_eq!(
        column(&detail, "拟办"),
        [(unit.staff.as_str(), "拟请张局长阅示。", false)]
    );
    assert_eq!(
        column(&detail, "核稿"),
        [
            (unit.secretary.as_str(), "文字已核。", false),
            (unit.secretary.as_str(), "已补充资金测算，请审示。", false),
        ]
    );
    assert_eq!(
        column(&detail, "领导批示"),
        [(unit.leader.as_str(), "请补充资金测算后再报。", false)]
    );
    // The leader's own name is known on his phone.
    let own = &detail.opinion_columns[2].opinions[0];
    assert_eq!(own.author.name.as_deref(), Some("张三"));
    assert_eq!(own.attitude, Attitude::Disagree);

    let steps: Vec<(FlowAction, &str, Option<&str>)> = detail
        .flow_record
        .iter()
        .map(|s| (s.action, s.actor.user_id.as_str(), s.node_name.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            (FlowAction::Approve, unit.staff.as_str(), Some("拟办")),
            (FlowAction::Approve, unit.secretary.as_str(), Some("核稿")),
            (FlowAction::Return, unit.leader.as_str(), Some("领导批示")),
            (FlowAction::Approve, unit.secretary.as_str(), Some("核稿")),
        ]
    );
    assert_eq!(detail.flow_record[2].returned_to.as_deref(), Some("核稿"));
    assert!(detail.flow_record.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(detail.instance_state, Some(InstanceState::Running));
    assert_eq!(detail.current_nodes, ["领导批示"]);
    let my = detail.my_task.as_ref().unwrap();
    assert_eq!(my.item.state, LocalTaskState::Pending);
    assert!(my.item.can_approve);

    // He approves offline: his 批示 is in its column at once, as his, pending.
    leader
        .client
        .approve(&task, Attitude::Agree, "同意，请抓紧办理。")
        .unwrap();
    let detail = leader.client.document_detail(&doc.id).unwrap();
    assert_eq!(
        column(&detail, "领导批示"),
        [
            (unit.leader.as_str(), "请补充资金测算后再报。", false),
            (unit.leader.as_str(), "同意，请抓紧办理。", true),
        ]
    );
    let last = detail.flow_record.last().unwrap();
    assert_eq!((last.action, last.pending), (FlowAction::Approve, true));
    assert_eq!(
        detail.my_task.as_ref().unwrap().item.state,
        LocalTaskState::Queued
    );

    // Back online, the gateway confirms it: no longer pending.
    harness.restart_gateway().await.unwrap();
    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (1, 0));
    let detail = leader.client.document_detail(&task).unwrap();
    assert_eq!(
        column(&detail, "领导批示")[1],
        (unit.leader.as_str(), "同意，请抓紧办理。", false)
    );
    assert_eq!(detail.instance_state, Some(InstanceState::Completed));

    match leader.client.document_detail("no-such-thing") {
        Err(ClientError::NoSuchDocument(id)) => assert_eq!(id, "no-such-thing"),
        other => panic!("{other:?}"),
    }
}
