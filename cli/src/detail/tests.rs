//! Tests of `qianpi show`'s page: a document's head, files, opinions and flow record as printed.

use super::*;
use qianpi_core::model::BodyStage;
use qianpi_core::model::{Attitude, DocumentKind, SecrecyLevel, Urgency};
use qianpi_core::protocol::UnopenedBodyRule;
use qianpi_core::screens::BodyReading;
use qianpi_core::screens::{BodyFile, DetailHead, FlowAction};
use qianpi_core::workflow::InstanceState;

fn person(id: &str, name: Option<&str>) -> Person {
    Person {
        user_id: id.into(),
        name: name.map(Into::into),
        post: name.map(|_| "局长".into()),
    }
}

fn detail() -> DocumentDetail {
    let at = DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    let opinion = |text: &str, pending: bool, entered_by: Option<Person>| OpinionEntry {
        task_id: "t".into(),
        node_name: "领导批示".into(),
        author: person("zhang", Some("张三")),
        on_behalf_of: None,
        entered_by,
        at: Some(at),
        attitude: Attitude::Agree,
        text: text.into(),
        has_handwriting: false,
        has_audio: false,
        handwriting: None,
        audio: None,
        pending,
    };
    DocumentDetail {
        document_id: "doc-1".into(),
        head: DetailHead {
            title: "关于做好春耕备耕工作的通知".into(),
            number: "晋农办〔2026〕12号".into(),
            kind: DocumentKind::Incoming,
            genre: None,
            urgency: Urgency::Urgent,
            secrecy: SecrecyLevel::None,
            secrecy_period: None,
            copy_number: None,
            issuing_organs: vec![],
            signers: vec!["刘建国".into()],
            from_organ: Some("农业农村部".into()),
            from_number: None,
            received_at: Some(at),
            registration_number: None,
            main_recipients: vec!["各市农业农村局".into(), "厅机关各处室".into()],
            signature_organs: vec![],
            date: NaiveDate::from_ymd_opt(2026, 2, 27),
            copy_to: vec![],
            printed_by: None,
            printed_on: None,
            note: None,
        },
        bodies: vec![BodyFile {
            id: "v1".into(),
            stage: BodyStage::Sealed,
            format: BodyFormat::Ofd,
            media_type: "application/ofd".into(),
            size: 2 << 20,
            sha256: "ab".repeat(32),
            pages: Some(3),
            created_at: None,
            held: false,
            current: true,
            rendition: None,
            view_sha256: "ab".repeat(32),
            view_media_type: "application/ofd".into(),
        }],
        reading: BodyReading {
            version_id: Some("v1".into()),
            sha256: Some("ab".repeat(32)),
            held: false,
            opened: false,
            rule: UnopenedBodyRule::Refuse,
        },
        attachments: vec![],
        deadline: Some(Deadline {
            due: at,
            overdue: true,
        }),
        finished_at: None,
        instance_id: Some("ins-1".into()),
        flow_name: Some("收文办理".into()),
        instance_state: Some(InstanceState::Running),
        initiator: None,
        current_nodes: vec!["领导批示".into()],
        opinion_columns: vec![OpinionColumn {
            name: "领导批示".into(),
            opinions: vec![
                opinion("请补充测算。", false, Some(person("mi", None))),
                opinion("同意。", true, None),
            ],
        }],
        flow_record: vec![FlowStep {
            version: 3,
            action: FlowAction::Return,
            actor: person("zhang", Some("张三")),
            entered_by: None,
            on_behalf_of: None,
            at,
            node_name: Some("领导批示".into()),
            task_id: Some("t".into()),
            to: vec![],
            returned_to: Some("核稿".into()),
            pending: false,
        }],
        my_task: None,
    }
}

#[test]
fn the_detail_reads_as_a_chinese_document_page() {
    let text = detail_text(&detail());
    for expected in [
        "晋农办〔2026〕12号 · 收文 · 加急",
        "主送机关：各市农业农村局、厅机关各处室",
        "成文日期：2026年2月27日",
        "已超期",
        "流程：收文办理（流转中，当前环节：领导批示）",
        "盖章版 OFD · 2.0 MB · 3页 · 未下载 · 当前版本",
        "审批将以版本 v1 为准 · 未在本机打开",
        "【领导批示】",
        "张三（局长）（mi代签）",
        "同意 · 待上传",
        "退回 · 领导批示 → 退回至核稿",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(
        !text.contains("密级"),
        "an unclassified document prints no 密级"
    );
}
