//! Tests of [`Document::validate`]: one per refusal, each starting from a well-formed document
//! with every group filled and breaking one thing.

use super::document_tests::{at, date, full_document, hash, minimal_document};
use super::*;

/// Validates `full_document()` after `change`.
fn refusal(change: impl FnOnce(&mut Document)) -> DocumentError {
    let mut doc = full_document();
    change(&mut doc);
    doc.validate().unwrap_err()
}

#[test]
fn a_well_formed_document_passes_even_when_incomplete() {
    full_document().validate().unwrap();
    minimal_document().validate().unwrap();
    let mut draft = minimal_document();
    draft.kind = DocumentKind::Outgoing;
    draft.received_at = None;
    draft.from_organ = None;
    draft.validate().unwrap();
}

#[test]
fn a_classified_document_with_its_period_and_a_failed_seal_is_well_formed() {
    let mut doc = full_document();
    doc.secrecy = SecrecyLevel::Secret;
    doc.head.secrecy_period = Some(SecrecyPeriod::Years(1));
    doc.body.seals[0].verification = SealVerification::Invalid {
        reason: "文档已被篡改".into(),
    };
    doc.validate().unwrap();
}

#[test]
fn refuses_an_empty_id() {
    assert_eq!(refusal(|d| d.id = " ".into()), DocumentError::EmptyId);
}

#[test]
fn refuses_a_document_of_no_unit() {
    assert_eq!(refusal(|d| d.unit_id.clear()), DocumentError::EmptyUnit);
}

#[test]
fn refuses_an_empty_title() {
    assert_eq!(refusal(|d| d.title.clear()), DocumentError::EmptyTitle);
    assert_eq!(
        refusal(|d| d.title = " \u{3000} ".into()),
        DocumentError::EmptyTitle
    );
}

#[test]
fn refuses_a_number_without_organ_code() {
    assert_eq!(
        refusal(|d| d.number.organ.clear()),
        DocumentError::NumberWithoutOrgan
    );
}

#[test]
fn refuses_a_number_whose_year_is_not_four_digits() {
    assert_eq!(
        refusal(|d| d.number.year = 26),
        DocumentError::NumberYear(26)
    );
    assert_eq!(refusal(|d| d.number.year = 0), DocumentError::NumberYear(0));
}

#[test]
fn refuses_a_number_with_sequence_zero() {
    assert_eq!(
        refusal(|d| d.number.sequence = 0),
        DocumentError::NumberSequenceZero
    );
}

#[test]
fn refuses_a_copy_number_that_is_not_one_to_six_digits() {
    for bad in ["", "0000001", "12a", "１２"] {
        assert_eq!(
            refusal(|d| d.head.copy_number = Some(bad.into())),
            DocumentError::BadCopyNumber(bad.into())
        );
    }
}

#[test]
fn refuses_a_secrecy_period_on_an_unclassified_document() {
    assert_eq!(
        refusal(|d| d.head.secrecy_period = Some(SecrecyPeriod::Long)),
        DocumentError::SecrecyPeriodWithoutSecrecy
    );
}

#[test]
fn refuses_a_zero_secrecy_period() {
    for period in [SecrecyPeriod::Years(0), SecrecyPeriod::Months(0)] {
        assert_eq!(
            refusal(|d| {
                d.secrecy = SecrecyLevel::Confidential;
                d.head.secrecy_period = Some(period);
            }),
            DocumentError::SecrecyPeriodZero
        );
    }
}

#[test]
fn refuses_a_blank_name_in_any_list() {
    type Change = fn(&mut Document);
    let cases: [(Change, &str); 8] = [
        (|d| d.head.issuing_organs.push(" ".into()), "发文机关"),
        (|d| d.head.signers.push(String::new()), "签发人"),
        (|d| d.body.main_recipients.push(String::new()), "主送机关"),
        (
            |d| d.body.signature_organs.push(String::new()),
            "发文机关署名",
        ),
        (|d| d.footer.copy_to.push(String::new()), "抄送机关"),
        (
            |d| d.handling.instruction_task_ids.push(String::new()),
            "领导批示",
        ),
        (
            |d| {
                if let Some(s) = d.handling.supervision.as_mut() {
                    s.supervisor.clear();
                }
            },
            "督办单位",
        ),
        (
            |d| {
                d.secrecy = SecrecyLevel::Secret;
                d.head.secrecy_period = Some(SecrecyPeriod::Condition(" ".into()));
            },
            "保密期限",
        ),
    ];
    for (change, field) in cases {
        assert_eq!(refusal(change), DocumentError::BlankEntry(field));
    }
}

#[test]
fn refuses_a_body_version_without_id() {
    assert_eq!(
        refusal(|d| d.body.versions[1].id.clear()),
        DocumentError::EmptyVersionId
    );
}

#[test]
fn refuses_two_body_versions_with_one_id() {
    assert_eq!(
        refusal(|d| d.body.versions[1].id = "v1".into()),
        DocumentError::DuplicateVersionId("v1".into())
    );
}

#[test]
fn refuses_a_body_hash_that_is_not_64_lowercase_hex_digits() {
    for bad in [
        hash('a')[..63].to_owned(),
        hash('A'),
        hash('g'),
        String::new(),
    ] {
        assert_eq!(
            refusal(|d| d.body.versions[1].sha256 = bad),
            DocumentError::BadBodyHash("v2".into())
        );
    }
}

#[test]
fn refuses_an_empty_body_file() {
    assert_eq!(
        refusal(|d| d.body.versions[0].size = 0),
        DocumentError::EmptyBodyFile("v1".into())
    );
}

#[test]
fn an_ofd_version_may_carry_a_pdf_rendition_and_nothing_else() {
    let pdf = |sha: String, size| Rendition {
        format: BodyFormat::Pdf,
        sha256: sha,
        size,
    };
    let mut doc = full_document();
    doc.body.versions[1].format = BodyFormat::Ofd;
    doc.body.versions[1].rendition = Some(pdf(hash('e'), 10));
    doc.validate().unwrap();
    let v2 = || DocumentError::BadRendition("v2".into());
    for broken in [
        Rendition {
            format: BodyFormat::Docx,
            ..pdf(hash('e'), 10)
        },
        pdf(hash('e'), 0),
        pdf("e".repeat(63), 10),
    ] {
        let mut doc = doc.clone();
        doc.body.versions[1].rendition = Some(broken);
        assert_eq!(doc.validate().unwrap_err(), v2());
    }
    // A PDF needs no PDF beside it.
    let mut doc = doc.clone();
    doc.body.versions[1].format = BodyFormat::Pdf;
    assert_eq!(doc.validate().unwrap_err(), v2());
}

#[test]
fn a_version_without_a_rendition_reads_and_writes_as_before() {
    let version = full_document().body.versions[0].clone();
    let json = serde_json::to_value(&version).unwrap();
    assert!(json.get("rendition").is_none(), "{json}");
    let back: BodyVersion = serde_json::from_value(json).unwrap();
    assert_eq!(back, version);
    let (_, file, _) = version.viewer_file();
    assert_eq!(file, version.sha256);
}

#[test]
fn refuses_a_body_of_zero_pages() {
    assert_eq!(
        refusal(|d| d.body.versions[1].pages = Some(0)),
        DocumentError::ZeroPages("v2".into())
    );
}

#[test]
fn refuses_an_attachment_without_id() {
    assert_eq!(
        refusal(|d| d.body.attachments[0].id.clear()),
        DocumentError::Attachment(AttachmentError::EmptyId)
    );
}

#[test]
fn refuses_two_attachments_with_one_id() {
    assert_eq!(
        refusal(|d| d.body.attachments.push(d.body.attachments[0].clone())),
        DocumentError::Attachment(AttachmentError::DuplicateId("a1".into()))
    );
}

#[test]
fn refuses_an_attachment_without_name() {
    assert_eq!(
        refusal(|d| d.body.attachments[0].name = " ".into()),
        DocumentError::Attachment(AttachmentError::EmptyName("a1".into()))
    );
}

#[test]
fn refuses_an_attachment_media_type_that_is_not_type_slash_subtype() {
    for bad in ["pdf", "application/", "/pdf", ""] {
        assert_eq!(
            refusal(|d| d.body.attachments[0].media_type = bad.into()),
            DocumentError::Attachment(AttachmentError::BadMediaType {
                id: "a1".into(),
                media_type: bad.into()
            })
        );
    }
}

#[test]
fn refuses_an_empty_attachment_file() {
    assert_eq!(
        refusal(|d| d.body.attachments[0].size = 0),
        DocumentError::Attachment(AttachmentError::EmptyFile("a1".into()))
    );
}

#[test]
fn refuses_an_attachment_hash_that_is_not_64_lowercase_hex_digits() {
    assert_eq!(
        refusal(|d| d.body.attachments[0].sha256 = "abc".into()),
        DocumentError::Attachment(AttachmentError::BadHash("a1".into()))
    );
}

#[test]
fn refuses_a_seal_without_name_organ_or_certificate() {
    let cases: [fn(&mut Seal); 3] = [
        |s| s.name.clear(),
        |s| s.organ.clear(),
        |s| s.certificate_serial = " ".into(),
    ];
    for change in cases {
        assert_eq!(
            refusal(|d| change(&mut d.body.seals[0])),
            DocumentError::IncompleteSeal
        );
    }
}

#[test]
fn refuses_a_failed_seal_without_reason() {
    assert_eq!(
        refusal(|d| {
            d.body.seals[0].verification = SealVerification::Invalid {
                reason: String::new(),
            }
        }),
        DocumentError::InvalidSealWithoutReason("山西省农业农村厅".into())
    );
}

#[test]
fn refuses_printing_before_the_document_was_made() {
    assert_eq!(
        refusal(|d| d.footer.printed_on = Some(date(2026, 2, 27))),
        DocumentError::PrintedBeforeMade
    );
}

#[test]
fn refuses_a_received_time_that_is_not_rfc_3339() {
    assert_eq!(
        refusal(|d| d.received_at = Some("2026-03-02 09:00".into())),
        DocumentError::BadReceivedAt("2026-03-02 09:00".into())
    );
}

#[test]
fn refuses_registration_before_receipt() {
    assert_eq!(
        refusal(|d| d.receiving.registered_at = Some(at("2026-03-02T08:59:59+08:00"))),
        DocumentError::RegisteredBeforeReceived
    );
}

#[test]
fn refuses_a_supervision_reporting_before_it_started() {
    assert_eq!(
        refusal(|d| {
            if let Some(s) = d.handling.supervision.as_mut() {
                s.report_by = Some(at("2026-03-01T00:00:00+08:00"));
            }
        }),
        DocumentError::SupervisionReportBeforeStart
    );
}

#[test]
fn refusals_name_the_chinese_term() {
    let err = refusal(|d| d.body.versions[1].sha256 = "x".into());
    assert!(err.to_string().contains("正文"), "{err}");
    let err = refusal(|d| d.title.clear());
    assert!(err.to_string().contains("标题"), "{err}");
}
