//! 会签 through the gateway: a parallel step with three signers on their own phones, decided
//! offline and synced, under each completion rule — 全部 (every signer must finish), 比例 (two
//! of three must agree; a disagreement does not count) and 抢办 (the first decides, the others'
//! tasks are cancelled and a decision made on a stale copy is refused). The flow moves on to 承办
//! only when the rule is met: the gateway's instance, the 承办 handler's 待办 and the signers'
//! lists all say so. On SQLite, or PostgreSQL through `QIANPI_TEST_POSTGRES`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::units::files::begin;
use super::units::{document, operator, phone, post, unit, Unit};
use qianpi_core::model::{Attitude, Opinion, SecrecyLevel};
use qianpi_core::store::ListKind;
use qianpi_core::workflow::{
    Command, Completion, HandlerMode, InstanceState, Node, ProcessDefinition,
};
use qianpi_gateway::admin::describe_instance;
use qianpi_tests::{verdict_code, Harness, Phone};

/// A unit whose 会签 step has the leader, the administrator and the secretary as signers under
/// `rule`, followed by 承办 (the staff member); one flow started; the signers' phones and the
/// staff member's, synced.
struct Countersign {
    harness: Harness,
    flow: String,
    signers: Vec<Phone>,
    staff: Phone,
}

async fn countersign(id: &str, rule: Completion) -> Countersign {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let unit: Unit = unit(&harness, &op, id).await;
    let signers = [&unit.leader, &unit.admin, &unit.secretary];
    let names: Vec<&str> = signers.iter().map(|s| s.as_str()).collect();
    let mut sign = Node::manual("countersign", "会签", &names).route("送承办", "handling");
    sign.mode = HandlerMode::Parallel;
    sign.completion = rule;
    sign.opinion_column = Some("会签意见".into());
    let handling = Node::manual("handling", "承办", &[&unit.staff]).route("办结", "end");
    let def = ProcessDefinition::new(
        &format!("def-{id}"),
        "联合发文会签",
        "countersign",
        vec![sign, handling, Node::end("end")],
    );
    let path = format!("/units/{id}/definitions");
    let (status, body) = post(
        &harness,
        &unit.token,
        &path,
        serde_json::to_value(&def).unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let doc = document(&format!("doc-{id}"), id, SecrecyLevel::None);
    let (status, started) = begin(&harness, &unit, &def.id, &doc).await;
    assert_eq!(status, 201, "{started}");
    let flow = started["instance_id"].as_str().unwrap().to_owned();
    let logins = [
        "zhangsan".to_owned(),
        format!("admin-{id}"),
        format!("secretary-{id}"),
    ];
    let mut phones = Vec::new();
    for (user, login) in signers.iter().zip(&logins) {
        phones.push(phone(&harness, &unit, user, login).await);
    }
    let staff = phone(&harness, &unit, &unit.staff, &format!("staff-{id}")).await;
    for p in phones.iter().chain([&staff]) {
        p.client.sync().await.unwrap();
    }
    Countersign {
        harness,
        flow,
        signers: phones,
        staff,
    }
}

impl Countersign {
    /// Signer `n` syncs (as the app does when opened), decides offline on his only 待办 and
    /// syncs again; the gateway's verdict code.
    async fn sign(&self, n: usize, attitude: Attitude) -> String {
        let phone = &self.signers[n];
        phone.client.sync().await.unwrap();
        self.decide(n, attitude);
        phone.client.sync().await.unwrap();
        let verdicts = phone.client.verdicts().unwrap();
        verdict_code(&verdicts[0].verdict).to_owned()
    }

    /// Signer `n` decides on his only 待办 on the copy his phone holds, without syncing.
    fn decide(&self, n: usize, attitude: Attitude) {
        let phone = &self.signers[n];
        let task = todo(phone).pop().expect("the signer has his task");
        phone
            .client
            .act(Command::Approve {
                task_id: task,
                route: None,
                opinion: Opinion::new(attitude, &format!("第{n}位会签人的意见。")),
            })
            .unwrap();
    }

    /// Where the flow is at the gateway, and whether 承办 has the document in its 待办.
    async fn at(&self) -> (InstanceState, Option<String>, usize) {
        let summary = describe_instance(&self.harness.db, &self.flow)
            .await
            .unwrap()
            .unwrap();
        self.staff.client.sync().await.unwrap();
        (summary.state, summary.current_node, todo(&self.staff).len())
    }
}

fn todo(phone: &Phone) -> Vec<String> {
    phone
        .client
        .list(ListKind::Todo, 50, 0)
        .unwrap()
        .into_iter()
        .map(|item| item.id)
        .collect()
}

fn waiting() -> (InstanceState, Option<String>, usize) {
    (InstanceState::Running, Some("会签".into()), 0)
}

fn moved_on() -> (InstanceState, Option<String>, usize) {
    (InstanceState::Running, Some("承办".into()), 1)
}

#[tokio::test]
async fn the_all_rule_waits_for_every_signer_whatever_they_say() {
    let c = countersign("cs-all", Completion::All).await;
    // Signer 1 decides on a copy from before signer 0's signature: the gateway refuses it as
    // stale (domain.md: never applied to the newer state) and he signs again after a sync.
    c.decide(1, Attitude::Disagree);
    assert_eq!(c.sign(0, Attitude::Agree).await, "accepted");
    let report = c.signers[1].client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (0, 1));
    assert_eq!(c.at().await, waiting());
    assert_eq!(c.sign(1, Attitude::Disagree).await, "accepted");
    assert_eq!(c.at().await, waiting(), "two of three have signed");
    assert_eq!(c.sign(2, Attitude::Agree).await, "accepted");
    assert_eq!(c.at().await, moved_on());
    // Every signer's opinion is in the 会签 column the next handler reads.
    let handling = todo(&c.staff).remove(0);
    let detail = c.staff.client.document_detail(&handling).unwrap();
    let column = detail
        .opinion_columns
        .iter()
        .find(|col| col.name == "会签意见")
        .unwrap();
    assert_eq!(column.opinions.len(), 3);
}

#[tokio::test]
async fn the_ratio_rule_moves_on_when_two_of_three_agree_and_cancels_the_third() {
    let c = countersign("cs-ratio", Completion::Ratio { percent: 66 }).await;
    assert_eq!(c.sign(0, Attitude::Agree).await, "accepted");
    assert_eq!(c.at().await, waiting(), "one of three agreed");
    assert_eq!(c.sign(1, Attitude::Disagree).await, "accepted");
    assert_eq!(c.at().await, waiting(), "a disagreement does not count");
    assert_eq!(c.sign(2, Attitude::Agree).await, "accepted");
    assert_eq!(c.at().await, moved_on());

    // Two agreeing first: the third signer's task is withdrawn from his phone.
    let c = countersign("cs-ratio2", Completion::Ratio { percent: 66 }).await;
    assert_eq!(c.sign(0, Attitude::Agree).await, "accepted");
    assert_eq!(c.sign(2, Attitude::Agree).await, "accepted");
    assert_eq!(c.at().await, moved_on());
    c.signers[1].client.sync().await.unwrap();
    assert!(todo(&c.signers[1]).is_empty(), "the node was decided");
}

#[tokio::test]
async fn the_first_wins_rule_takes_the_first_decision_and_refuses_a_stale_one() {
    let c = countersign("cs-first", Completion::FirstWins).await;
    // The administrator decides offline before he hears of the leader's decision.
    let late = &c.signers[1];
    let task = todo(late).remove(0);
    late.client
        .act(Command::Approve {
            task_id: task,
            route: None,
            opinion: Opinion::agree("同意。"),
        })
        .unwrap();
    assert_eq!(c.sign(0, Attitude::Agree).await, "accepted");
    assert_eq!(c.at().await, moved_on());
    let report = late.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (0, 1));
    assert!(todo(late).is_empty());
    c.signers[2].client.sync().await.unwrap();
    assert!(
        todo(&c.signers[2]).is_empty(),
        "the others' tasks were cancelled"
    );
}
