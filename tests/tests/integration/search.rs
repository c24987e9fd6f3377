//! 全文检索 on a phone of the real core against a real gateway: a document sent into a flow and a
//! notice published by the unit reach the staff member's phone through sync and are found by
//! Chinese words of one, two and more characters and by the 文号's digits, offline too; the
//! opinion he writes reaches the leader's phone with the leader's next sync and is found there as
//! an opinion on its document. A query with nothing to look for is refused with its reason.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use chrono::Utc;
use qianpi_core::client::SearchError;
use qianpi_core::model::{Attitude, SecrecyLevel};
use qianpi_core::store::{LocalTaskState, SearchHit, SearchKind};
use qianpi_core::workflow::{Node, ProcessDefinition};
use qianpi_core::ClientError;
use qianpi_tests::{Harness, Phone};
use serde_json::json;
use units::{document, operator, phone, post, unit, Unit};

/// 拟办 (staff) → 领导批示 (the leader) → end.
fn definition(unit: &Unit) -> ProcessDefinition {
    ProcessDefinition::new(
        "def-search",
        "收文办理",
        "n1",
        vec![
            Node::manual("n1", "拟办", &[&unit.staff]).route("送批示", "n2"),
            Node::manual("n2", "领导批示", &[&unit.leader]).route("办结", "end"),
            Node::end("end"),
        ],
    )
}

fn search(phone: &Phone, query: &str) -> Vec<SearchHit> {
    phone.client.search(query, 20).unwrap()
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

#[tokio::test]
async fn documents_notices_and_other_peoples_opinions_are_found_after_sync() {
    let mut harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let unit = unit(&harness, &op, "search").await;
    let (status, body) = post(
        &harness,
        &unit.token,
        &format!("/units/{}/definitions", unit.id),
        serde_json::to_value(definition(&unit)).unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let mut doc = document("doc-straw", &unit.id, SecrecyLevel::None);
    doc.title = "关于开展秸秆综合利用专项督查的通知".into();
    doc.number.sequence = 37;
    doc.body.main_recipients = vec!["各县农业农村局".into()];
    let (status, body) = post(
        &harness,
        &unit.token,
        &format!("/units/{}/flows", unit.id),
        json!({ "definition_id": "def-search", "drafter": unit.staff, "document": doc }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(
        &harness,
        &unit.token,
        &format!("/units/{}/notices", unit.id),
        json!({
            "title": "关于冬季防火安全检查的通知",
            "body": "请各科室于本周四前完成办公区域消防器材自查。",
            "attachments": [],
            "publisher": unit.admin,
            "scope": { "units": [unit.id] },
            "receipt_required": false,
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let staff = phone(&harness, &unit, &unit.staff, "staff-search").await;
    let leader = phone(&harness, &unit, &unit.leader, "zhangsan").await;
    assert!(search(&staff, "秸秆").is_empty(), "nothing before a sync");
    staff.client.sync().await.unwrap();
    let task = pending_task(&staff);

    // The gateway is gone: the search answers from the phone's own store.
    harness.stop_gateway().await.unwrap();
    for query in [
        "秸秆",
        "秸秆综合利用",
        "督",
        "37号",
        "农业农村局",
        "晋农办 37",
    ] {
        let hits = search(&staff, query);
        assert_eq!(hits.len(), 1, "{query}: {hits:?}");
        assert_eq!(
            (hits[0].kind, hits[0].id.as_str()),
            (SearchKind::Task, task.as_str()),
            "{query}"
        );
        assert_eq!(hits[0].title, "关于开展秸秆综合利用专项督查的通知");
    }
    assert!(search(&staff, "38号").is_empty());
    let hits = search(&staff, "消防器材");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].kind, SearchKind::Notice);
    assert_eq!(hits[0].title, "关于冬季防火安全检查的通知");
    assert!(
        hits[0]
            .snippet
            .marked("[", "]")
            .contains("办公区域[消防器材]自查"),
        "{:?}",
        hits[0].snippet
    );
    // 通知 is in both titles: the newer comes first (the notice was published after the
    // document's 收文时间).
    let both = search(&staff, "通知");
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(both[0].at >= both[1].at);
    assert!(matches!(
        staff.client.search(" ，。", 20),
        Err(ClientError::Search(SearchError::Empty))
    ));
    harness.restart_gateway().await.unwrap();

    // The staff member's 拟办 opinion reaches the leader with his next sync.
    staff
        .client
        .approve(
            &task,
            Attitude::Agree,
            "拟请张局长阅示，建议由农机推广站牵头落实。",
        )
        .unwrap();
    let report = staff.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (1, 0));
    assert!(search(&leader, "农机推广站").is_empty());
    leader.client.sync().await.unwrap();
    let hits = search(&leader, "农机推广站");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].kind, SearchKind::Opinion);
    assert_eq!(hits[0].title, "关于开展秸秆综合利用专项督查的通知");
    assert_eq!(
        hits[0].id, task,
        "the staff member's task, which opens the document"
    );
    assert!(hits[0].at <= Utc::now());
    assert!(
        hits[0]
            .snippet
            .marked("[", "]")
            .contains("由[农机推广站]牵头"),
        "{:?}",
        hits[0].snippet
    );
    // The leader's own task opens the document for him.
    let leader_task = pending_task(&leader);
    let hits = search(&leader, "秸秆");
    assert!(
        hits.iter()
            .any(|h| h.kind == SearchKind::Task && h.id == leader_task),
        "{hits:?}"
    );
    let detail = leader.client.document_detail(&hits[0].id).unwrap();
    assert_eq!(detail.head.title, "关于开展秸秆综合利用专项督查的通知");
}
