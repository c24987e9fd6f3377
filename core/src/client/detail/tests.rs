//! The detail screen on a seeded phone: a 收文 that passed 拟办, a 代签 批示, a 退回 and a second
//! 批示, now at the viewer's 会签 (overdue), with two body versions of which one is on the phone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::super::test_support::{apply, offline_client, ME};
use super::super::ClientError;
use crate::crypto;
use crate::model::{
    Attachment, Attitude, BodyFormat, BodyStage, BodyVersion, Document, DocumentGenre,
    DocumentKind, SecrecyPeriod, Urgency,
};
use crate::protocol::{Change, InboxEntry};
use crate::screens::{FlowAction, OpinionEntry};
use crate::store::LocalTaskState;
use crate::workflow::{
    execute, Actor, Command, Env, Instance, InstanceState, Node, Opinion, Outcome,
    ProcessDefinition, Submission,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use qianpi_domain::fixtures;

const BODY_HELD: &[u8] = b"%PDF-1.7 sealed body";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// 拟办 (zhao) → 领导批示 (liu; his secretary mi may enter for him) → 会签 (the viewer, 24 h,
/// may return) → end.
fn definition() -> ProcessDefinition {
    let mut countersign = Node::manual("n3", "会签", &[ME]).route("办结", "end");
    countersign.returns.allowed = true;
    countersign.time_limit_hours = Some(24);
    ProcessDefinition::new(
        "def-detail",
        "收文办理",
        "n1",
        vec![
            Node::manual("n1", "拟办", &["zhao"]).route("送批示", "n2"),
            Node::manual("n2", "领导批示", &["liu"]).route("送会签", "n3"),
            countersign,
            Node::end("end"),
        ],
    )
}

fn document() -> Document {
    let mut document = fixtures::incoming("doc-1", "unit", "关于做好2026年春耕备耕工作的通知");
    document.urgency = Urgency::Urgent;
    document.head.issuing_organs = vec!["山西省农业农村厅".into()];
    document.head.signers = vec!["刘建国".into()];
    document.head.secrecy_period = Some(SecrecyPeriod::Long);
    document.handling.genre = Some(DocumentGenre::Notice);
    document.handling.deadline = Some(t0() + Duration::days(10));
    document.receiving.from_number = Some("农办农〔2026〕3号".into());
    document.body.main_recipients = vec!["各市农业农村局".into()];
    document.body.date = NaiveDate::from_ymd_opt(2026, 2, 27);
    document.body.note = Some("此件公开发布".into());
    document.footer.copy_to = vec!["省政府办公厅".into()];
    document.footer.printed_by = Some("山西省农业农村厅办公室".into());
    document.footer.printed_on = NaiveDate::from_ymd_opt(2026, 2, 28);
    document.body.versions = vec![
        BodyVersion {
            id: "v1".into(),
            stage: BodyStage::Draft,
            format: BodyFormat::Docx,
            sha256: crypto::sha256_hex(b"draft body, never downloaded"),
            size: 28,
            pages: None,
            created_at: Some(t0() - Duration::days(3)),
            rendition: None,
        },
        BodyVersion {
            id: "v2".into(),
            stage: BodyStage::Sealed,
            format: BodyFormat::Pdf,
            sha256: crypto::sha256_hex(BODY_HELD),
            size: BODY_HELD.len() as u64,
            pages: Some(3),
            created_at: Some(t0() - Duration::days(2)),
            rendition: None,
        },
    ];
    document.body.attachments = vec![Attachment {
        id: "a1".into(),
        name: "春耕备耕任务分解表".into(),
        media_type: "application/pdf".into(),
        size: 4096,
        sha256: crypto::sha256_hex(b"attachment"),
    }];
    document
}

fn step(
    def: &ProcessDefinition,
    inst: Instance,
    actor: Actor,
    acting_for: Option<&str>,
    command: Command,
    at: DateTime<Utc>,
) -> Instance {
    let submission = Submission {
        command_id: format!("c{}", inst.version),
        actor,
        acting_for: acting_for.map(str::to_owned),
        base_version: inst.version,
        command,
        at,
    };
    match execute(Env::new(def), &inst, &submission).unwrap() {
        Outcome::Applied { instance, .. } => *instance,
        Outcome::Duplicate { .. } => panic!("duplicate"),
    }
}

pub(super) fn open_task(inst: &Instance, user: &str) -> String {
    inst.open_tasks_of(user).next().unwrap().id.clone()
}

fn approve(task_id: String, text: &str) -> Command {
    Command::Approve {
        task_id,
        route: None,
        opinion: Opinion::agree(text),
    }
}

/// The flow as the gateway sends it: 拟办, 代签 批示, 退回 from 会签, 批示 again; the viewer's
/// 会签 task pending (opened 2026-03-02 12:00, due a day later).
pub(super) fn seeded() -> (Instance, ProcessDefinition) {
    let def = definition();
    let h = |n: i64| t0() + Duration::hours(n);
    let mut inst = Instance::start(Env::new(&def), "ins-1", "doc-1", "zhao", t0()).unwrap();
    let t = open_task(&inst, "zhao");
    inst = step(
        &def,
        inst,
        Actor::user("zhao"),
        None,
        approve(t, "拟请刘局长阅示。"),
        h(1),
    );
    let mut secretary = Actor::user("mi");
    secretary.roles.secretary_for = vec!["liu".into()];
    let t = open_task(&inst, "liu");
    inst = step(
        &def,
        inst,
        secretary,
        Some("liu"),
        approve(t, "同意，请张科长会签。"),
        h(2),
    );
    let t = open_task(&inst, ME);
    let back = Command::Return {
        task_id: t,
        target: "n2".into(),
        opinion: Opinion::disagree("请补充经费测算。"),
    };
    inst = step(&def, inst, Actor::user(ME), None, back, h(3));
    let t = open_task(&inst, "liu");
    inst = step(
        &def,
        inst,
        Actor::user("liu"),
        None,
        approve(t, "已补充，同意。"),
        h(4),
    );
    (inst, def)
}

pub(super) fn deliver(client: &super::Client, inst: &Instance, def: &ProcessDefinition) {
    let entry = InboxEntry {
        task_id: open_task(inst, ME),
        document: document(),
        instance: inst.clone(),
        definition: def.clone(),
    };
    apply(
        client,
        vec![Change::Inbox {
            entry: Box::new(entry),
        }],
    );
}

fn texts(opinions: &[OpinionEntry]) -> Vec<&str> {
    opinions.iter().map(|o| o.text.as_str()).collect()
}

#[test]
fn a_task_opens_the_whole_document_with_opinions_by_column_and_the_flow_in_order() {
    let (_dir, client, _) = offline_client();
    let (inst, def) = seeded();
    deliver(&client, &inst, &def);
    client
        .store_file(&crypto::sha256_hex(BODY_HELD), BODY_HELD)
        .unwrap();
    let task = open_task(&inst, ME);
    let detail = client.document_detail(&task).unwrap();

    assert_eq!(detail.head.number, "晋农办〔2026〕12号");
    assert_eq!(detail.head.kind, DocumentKind::Incoming);
    assert_eq!(detail.head.urgency, Urgency::Urgent);
    assert_eq!(detail.head.genre, Some(DocumentGenre::Notice));
    assert_eq!(detail.head.secrecy_period.as_deref(), Some("长期"));
    assert_eq!(detail.head.signers, vec!["刘建国"]);
    assert_eq!(
        detail.head.from_number.as_deref(),
        Some("农办农〔2026〕3号")
    );
    assert_eq!(
        detail.head.received_at,
        Some(
            DateTime::parse_from_rfc3339("2026-03-01T08:00:00Z")
                .unwrap()
                .with_timezone(&Utc)
        )
    );
    assert_eq!(detail.head.copy_to, vec!["省政府办公厅"]);
    assert_eq!(detail.head.printed_on, NaiveDate::from_ymd_opt(2026, 2, 28));

    // Two body versions: the sealed one is current and on the phone, the draft is not.
    let bodies: Vec<(&str, bool, bool)> = detail
        .bodies
        .iter()
        .map(|b| (b.id.as_str(), b.held, b.current))
        .collect();
    assert_eq!(bodies, vec![("v1", false, false), ("v2", true, true)]);
    assert_eq!(detail.bodies[1].pages, Some(3));
    assert_eq!(detail.bodies[1].media_type, "application/pdf");
    assert!(!detail.attachments[0].held);
    assert_eq!(detail.attachments[0].size, 4096);

    // Opinions by column, columns in the order the flow wrote in them.
    let columns: Vec<&str> = detail
        .opinion_columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(columns, vec!["拟办", "领导批示", "会签"]);
    let leader = &detail.opinion_columns[1].opinions;
    assert_eq!(
        texts(leader),
        vec!["同意，请张科长会签。", "已补充，同意。"]
    );
    // The first 批示 was entered by the secretary for 刘局长; the second he wrote himself.
    assert_eq!(leader[0].author.user_id, "liu");
    assert_eq!(
        leader[0].entered_by.as_ref().map(|p| p.user_id.as_str()),
        Some("mi")
    );
    assert_eq!(leader[1].entered_by, None);
    assert_eq!(leader[0].at, Some(t0() + Duration::hours(2)));
    let mine = &detail.opinion_columns[2].opinions[0];
    assert_eq!(mine.attitude, Attitude::Disagree);
    assert_eq!(mine.author.name.as_deref(), Some("张科长"));
    assert!(!mine.pending);

    // The flow record, in order, with the return and its target.
    let steps: Vec<(FlowAction, &str)> = detail
        .flow_record
        .iter()
        .map(|s| (s.action, s.actor.user_id.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (FlowAction::Approve, "zhao"),
            (FlowAction::Approve, "liu"),
            (FlowAction::Return, ME),
            (FlowAction::Approve, "liu"),
        ]
    );
    assert_eq!(
        detail.flow_record[1]
            .entered_by
            .as_ref()
            .map(|p| p.user_id.as_str()),
        Some("mi")
    );
    assert_eq!(
        detail.flow_record[2].returned_to.as_deref(),
        Some("领导批示")
    );
    assert_eq!(detail.flow_record[2].node_name.as_deref(), Some("会签"));

    // Both the document's 办理时限 and the viewer's task are overdue now.
    assert!(detail.deadline.unwrap().overdue);
    assert_eq!(detail.instance_state, Some(InstanceState::Running));
    assert_eq!(detail.current_nodes, vec!["会签"]);
    let my = detail.my_task.unwrap();
    assert_eq!(my.item.task_id, task);
    assert_eq!(my.item.state, LocalTaskState::Pending);
    assert!(my.item.can_approve);
    assert!(my.deadline.unwrap().overdue);
    // The same flags and routes as the inbox offers for the task.
    let inbox = client.inbox().unwrap();
    assert_eq!(inbox.iter().find(|i| i.task_id == task), Some(&my.item));
    assert!(my.item.controls.return_targets.contains(&"n2".to_owned()));
}

#[test]
fn an_offline_approval_shows_as_the_viewers_own_opinion_pending() {
    let (_dir, client, _) = offline_client();
    let (inst, def) = seeded();
    deliver(&client, &inst, &def);
    let task = open_task(&inst, ME);
    client
        .approve(&task, Attitude::Agree, "同意，按批示办理。")
        .unwrap();
    // Opened from the document id this time.
    let detail = client.document_detail("doc-1").unwrap();
    let countersign = &detail.opinion_columns[2];
    assert_eq!(countersign.name, "会签");
    assert_eq!(
        texts(&countersign.opinions),
        vec!["请补充经费测算。", "同意，按批示办理。"]
    );
    let queued = &countersign.opinions[1];
    assert!(queued.pending);
    assert_eq!(queued.author.user_id, ME);
    let last = detail.flow_record.last().unwrap();
    assert!(last.pending);
    assert_eq!(last.action, FlowAction::Approve);
    assert!(detail.flow_record[..4].iter().all(|s| !s.pending));
    // The queued task is no longer overdue nor approvable: it waits for the gateway.
    let my = detail.my_task.unwrap();
    assert_eq!(my.item.state, LocalTaskState::Queued);
    assert!(!my.item.can_approve);
    assert!(!my.deadline.unwrap().overdue);
    assert_eq!(detail.instance_state, Some(InstanceState::Completed));
}

#[test]
fn an_instance_or_someone_elses_task_opens_the_same_document_and_unknown_ids_are_refused() {
    let (_dir, client, _) = offline_client();
    let (inst, def) = seeded();
    deliver(&client, &inst, &def);
    let by_instance = client.document_detail("ins-1").unwrap();
    let zhao_task = inst.tasks[0].id.clone();
    let by_other_task = client.document_detail(&zhao_task).unwrap();
    assert_eq!(by_instance, by_other_task);
    // The viewer's own task is still found when the flow is opened another way.
    assert_eq!(
        by_instance.my_task.unwrap().item.task_id,
        open_task(&inst, ME)
    );
    match client.document_detail("nothing-here") {
        Err(ClientError::NoSuchDocument(id)) => assert_eq!(id, "nothing-here"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_circulated_read_item_opens_its_document_with_the_circulation_in_the_record() {
    let (_dir, client, _) = offline_client();
    let mut def = definition();
    def.nodes[0].allow.circulate = true;
    let inst = Instance::start(Env::new(&def), "ins-2", "doc-1", "zhao", t0()).unwrap();
    let circulate = Command::Circulate {
        task_id: open_task(&inst, "zhao"),
        recipients: vec![ME.into()],
    };
    let inst = step(&def, inst, Actor::user("zhao"), None, circulate, t0());
    let item = inst.read_items[0].id.clone();
    let entry = InboxEntry {
        task_id: inst.tasks[0].id.clone(),
        document: document(),
        instance: inst,
        definition: def,
    };
    apply(
        &client,
        vec![Change::Inbox {
            entry: Box::new(entry),
        }],
    );
    let detail = client.document_detail(&item).unwrap();
    assert_eq!(detail.instance_id.as_deref(), Some("ins-2"));
    assert_eq!(detail.head.title, "关于做好2026年春耕备耕工作的通知");
    let step = &detail.flow_record[0];
    assert_eq!(step.action, FlowAction::Circulate);
    assert_eq!(step.node_name.as_deref(), Some("拟办"));
    let to: Vec<&str> = step.to.iter().map(|p| p.user_id.as_str()).collect();
    assert_eq!(to, vec![ME]);
    assert_eq!(step.to[0].name.as_deref(), Some("张科长"));
    // Nothing of this flow is the viewer's task: a read item is not one.
    assert!(detail.my_task.is_none());
    assert!(detail.opinion_columns.is_empty());
}
