//! Tests of the 公文 as data: the printed number, JSON round-trips of every group and type, old
//! stored JSON still parsing, labels, the secrecy gate, overdue and the current body version.

use super::*;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;

pub(super) fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn hash(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).unwrap();
    assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), value, "{json}");
}

/// A document of the first slice: head, title and receiving side only.
pub(super) fn minimal_document() -> Document {
    Document {
        urgency: Urgency::Urgent,
        from_organ: Some("山西省人民政府办公厅".into()),
        received_at: Some("2026-03-02T09:00:00+08:00".into()),
        ..crate::fixtures::incoming("d1", "u1", "关于做好2026年春耕备耕工作的通知")
    }
}

/// A well-formed document with every group filled.
pub(super) fn full_document() -> Document {
    Document {
        head: DocumentHead {
            copy_number: Some("000123".into()),
            secrecy_period: None,
            issuing_organs: vec!["山西省农业农村厅".into(), "山西省财政厅".into()],
            signers: vec!["王建国".into()],
        },
        body: DocumentBody {
            main_recipients: vec!["各市农业农村局".into()],
            versions: vec![
                BodyVersion {
                    id: "v1".into(),
                    stage: BodyStage::Draft,
                    format: BodyFormat::Docx,
                    sha256: hash('a'),
                    size: 48_213,
                    pages: None,
                    created_at: Some(at("2026-02-26T10:00:00+08:00")),
                    rendition: None,
                },
                BodyVersion {
                    id: "v2".into(),
                    stage: BodyStage::Sealed,
                    format: BodyFormat::Ofd,
                    sha256: hash('b'),
                    size: 310_442,
                    pages: Some(4),
                    created_at: Some(at("2026-02-28T16:30:00+08:00")),
                    rendition: None,
                },
            ],
            attachments: vec![Attachment {
                id: "a1".into(),
                name: "2026年春耕备耕任务分解表".into(),
                media_type: "application/pdf".into(),
                size: 90_112,
                sha256: hash('c'),
            }],
            signature_organs: vec!["山西省农业农村厅".into(), "山西省财政厅".into()],
            date: Some(date(2026, 2, 28)),
            seals: vec![Seal {
                name: "山西省农业农村厅".into(),
                organ: "山西省农业农村厅".into(),
                certificate_serial: "4F2A9C01".into(),
                signed_at: at("2026-02-28T16:30:00+08:00"),
                verification: SealVerification::Valid,
            }],
            note: Some("此件公开发布".into()),
        },
        footer: DocumentFooter {
            copy_to: vec!["省政府办公厅".into()],
            printed_by: Some("山西省农业农村厅办公室".into()),
            printed_on: Some(date(2026, 3, 1)),
        },
        receiving: Receiving {
            from_number: Some("晋政办发〔2026〕5号".into()),
            registered_at: Some(at("2026-03-02T09:20:00+08:00")),
            registration_number: Some("收〔2026〕58号".into()),
        },
        handling: Handling {
            genre: Some(DocumentGenre::Notice),
            deadline: Some(at("2026-03-10T18:00:00+08:00")),
            finished_at: None,
            supervision: Some(Supervision {
                supervisor: "厅督查室".into(),
                requirement: "3月10日前报送落实情况".into(),
                started_at: at("2026-03-02T10:00:00+08:00"),
                report_by: Some(at("2026-03-09T18:00:00+08:00")),
            }),
            instruction_task_ids: vec!["task-leader-1".into()],
        },
        ..minimal_document()
    }
}

#[test]
fn document_number_is_shown_in_the_official_form() {
    assert_eq!(minimal_document().number.to_string(), "晋农办〔2026〕12号");
}

#[test]
fn a_document_with_every_group_filled_round_trips_through_json() {
    let doc = full_document();
    doc.validate().unwrap();
    round_trip(&doc);
}

#[test]
fn a_minimal_document_round_trips_through_json() {
    round_trip(&minimal_document());
}

#[test]
fn a_document_stored_before_the_groups_existed_still_parses() {
    let old = r#"{"id":"d1","unit_id":"u1","kind":"incoming","title":"关于做好2026年春耕备耕工作的通知",
        "number":{"organ":"晋农办","year":2026,"sequence":12},"urgency":"urgent","secrecy":"none",
        "from_organ":"山西省人民政府办公厅","received_at":"2026-03-02T09:00:00+08:00"}"#;
    let doc: Document = serde_json::from_str(old).unwrap();
    assert_eq!(doc, minimal_document());
    assert_eq!(doc.current_body(), None);
    doc.validate().unwrap();
}

#[test]
fn a_group_stored_with_only_some_fields_still_parses() {
    let mut value = serde_json::to_value(minimal_document()).unwrap();
    value["handling"] = serde_json::json!({ "genre": "request" });
    let doc: Document = serde_json::from_value(value).unwrap();
    assert_eq!(doc.handling.genre, Some(DocumentGenre::Request));
    assert_eq!(doc.handling.deadline, None);
}

#[test]
fn every_enum_and_small_type_round_trips_through_json() {
    for genre in DocumentGenre::ALL {
        round_trip(&genre);
    }
    for stage in [
        BodyStage::Draft,
        BodyStage::Reviewed,
        BodyStage::Final,
        BodyStage::Sealed,
    ] {
        round_trip(&stage);
    }
    for format in [BodyFormat::Ofd, BodyFormat::Pdf, BodyFormat::Docx] {
        round_trip(&format);
    }
    for seal in [
        SealVerification::NotChecked,
        SealVerification::Valid,
        SealVerification::Invalid {
            reason: "证书已吊销".into(),
        },
    ] {
        round_trip(&seal);
    }
    for period in [
        SecrecyPeriod::Years(10),
        SecrecyPeriod::Months(6),
        SecrecyPeriod::Until(date(2030, 1, 1)),
        SecrecyPeriod::Condition("项目验收后解密".into()),
        SecrecyPeriod::Long,
    ] {
        round_trip(&period);
    }
    round_trip(&Identity {
        user_id: "user-wang".into(),
        name: "王建国".into(),
        post: "厅长".into(),
        unit_id: "unit-sxnyt".into(),
    });
}

#[test]
fn wire_names_are_stable() {
    let json = |v: serde_json::Value| v.to_string();
    assert_eq!(
        json(serde_json::to_value(DocumentGenre::PublicNotice).unwrap()),
        r#""public_notice""#
    );
    assert_eq!(
        json(
            serde_json::to_value(SealVerification::Invalid {
                reason: "篡改".into()
            })
            .unwrap()
        ),
        r#"{"reason":"篡改","result":"invalid"}"#
    );
    assert_eq!(
        json(serde_json::to_value(SecrecyPeriod::Years(10)).unwrap()),
        r#"{"years":10}"#
    );
    let seal: Seal = serde_json::from_str(
        r#"{"name":"印","organ":"厅","certificate_serial":"01","signed_at":"2026-03-01T00:00:00Z"}"#,
    )
    .unwrap();
    assert_eq!(seal.verification, SealVerification::NotChecked);
}

#[test]
fn labels_are_the_official_chinese_names() {
    let labels: Vec<&str> = DocumentGenre::ALL.iter().map(|g| g.label_zh()).collect();
    assert_eq!(
        labels.concat(),
        "决议决定命令公报公告通告意见通知通报报告请示批复议案函纪要"
    );
    for genre in DocumentGenre::ALL {
        assert_eq!(DocumentGenre::from_label_zh(genre.label_zh()), Some(genre));
    }
    assert_eq!(
        DocumentGenre::from_label_zh("令"),
        Some(DocumentGenre::Order)
    );
    assert_eq!(DocumentGenre::from_label_zh("便条"), None);
    assert_eq!(SecrecyLevel::Confidential.label_zh(), "机密");
    assert_eq!(SecrecyPeriod::Years(10).label_zh(), "10年");
    assert_eq!(
        SecrecyPeriod::Until(date(2030, 1, 5)).label_zh(),
        "至2030年1月5日"
    );
    assert_eq!(BodyStage::Sealed.label_zh(), "盖章版");
}

#[test]
fn only_unclassified_documents_may_go_to_a_phone() {
    assert!(SecrecyLevel::None.allowed_on_phone());
    for level in [
        SecrecyLevel::Secret,
        SecrecyLevel::Confidential,
        SecrecyLevel::TopSecret,
    ] {
        assert!(!level.allowed_on_phone(), "{level:?}");
    }
}

#[test]
fn a_document_is_overdue_only_after_its_deadline_and_while_unfinished() {
    let mut doc = full_document();
    assert!(
        !doc.is_overdue(at("2026-03-10T18:00:00+08:00")),
        "at the deadline"
    );
    assert!(
        doc.is_overdue(at("2026-03-10T18:00:01+08:00")),
        "just after"
    );
    doc.handling.finished_at = Some(at("2026-03-12T09:00:00+08:00"));
    assert!(!doc.is_overdue(at("2026-03-20T00:00:00+08:00")), "finished");
    assert!(
        !minimal_document().is_overdue(at("2099-01-01T00:00:00Z")),
        "no deadline"
    );
}

#[test]
fn the_current_body_is_the_latest_version() {
    let doc = full_document();
    let current = doc.current_body().unwrap();
    assert_eq!(current.id, "v2");
    assert_eq!(current.stage, BodyStage::Sealed);
    assert_eq!(current.format.media_type(), "application/ofd");
}
