//! The OpenAPI document's schemas, taken from a live gateway, against values that never cross a
//! socket: hand-built values the validator must refuse (so a check that passes means something),
//! and the protocol's wire types themselves, in variants the live answers do not all reach.
//! `openapi.rs` checks the document against the routes and real answers.
//!
//! The gateway runs on SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES`
//! names a server (as `scripts/test-all.sh` does on its second pass).

// A failed assumption in a test is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::openapi_support;

use openapi_support::schema::{refuses, validate};
use openapi_support::{gateway, served_document};
use qianpi_protocol::{page_checksum, Change, SyncPage};
use serde_json::{json, Value};

#[tokio::test]
async fn the_validator_refuses_what_the_document_does_not_allow() {
    let dir = tempfile::tempdir().unwrap();
    let (gateway, _) = gateway(&dir).await;
    let document = served_document(gateway.addr()).await;
    gateway.stop().await.unwrap();
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let time = "2026-12-03T17:11:41Z";
    let page = |changes: Value| {
        json!({"changes": changes, "next_cursor": "1", "has_more": false,
               "checksum": "sha-256=:AA==:", "server_time": time})
    };
    let status = json!({"delivered_at": null, "read_at": time, "replied_at": null, "reply": null});
    let receipt = json!({"kind": "receipt",
                         "status": {"notice_id": "n", "user_id": "u", "status": status}});

    // What the document allows passes.
    assert!(!refuses(
        &document,
        &schema("SyncPage"),
        page(json!([receipt]))
    ));
    // A page without its checksum, a change of an unknown kind or missing its payload, a field
    // the document does not name, a wrong type inside a nullable reference.
    let mut no_checksum = page(json!([]));
    no_checksum.as_object_mut().unwrap().remove("checksum");
    assert!(refuses(&document, &schema("SyncPage"), no_checksum));
    assert!(refuses(
        &document,
        &schema("SyncPage"),
        page(json!([{"kind": "policy"}]))
    ));
    assert!(refuses(
        &document,
        &schema("SyncPage"),
        page(json!([{"kind": "receipt"}]))
    ));
    let mut extra = receipt.clone();
    extra["status"]["secret"] = json!(1);
    assert!(refuses(
        &document,
        &schema("SyncPage"),
        page(json!([extra]))
    ));
    let mut wrong = receipt;
    wrong["status"]["status"]["reply"] = json!("yes");
    assert!(refuses(
        &document,
        &schema("SyncPage"),
        page(json!([wrong]))
    ));
    // Below a minimum.
    let policy = json!({"version": 0, "max_offline_block_secs": 1, "max_offline_wipe_secs": 1,
                        "retention_days": 1, "inactivity_lock_minutes": 1});
    assert!(refuses(&document, &schema("OfflinePolicy"), policy));
}

/// Answers whose every variant the live tests do not reach (notices, each receipt outcome), and
/// what the gateway sends only to a revoked device (the wipe order), built from the protocol's wire types
/// and checked against the document: the document follows the types, whichever route sends them.
#[tokio::test]
async fn the_wire_types_match_the_document() {
    use qianpi_domain::model::{
        Attachment, Identity, Notice, NoticeScope, ReceiptForm, RecipientStatus, Reply,
    };
    use qianpi_protocol::statement::GatewayKey;
    use qianpi_protocol::{
        CommandVerdict, ErrorBody, NoticeStatus, ReceiptOutcome, ReceiptResponse, ReceiptResult,
        VerdictOutcome, WipeCommand,
    };

    let dir = tempfile::tempdir().unwrap();
    let (gateway, _) = gateway(&dir).await;
    let document = served_document(gateway.addr()).await;
    gateway.stop().await.unwrap();
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let key = GatewayKey::from_pkcs8(&GatewayKey::generate_pkcs8().unwrap()).unwrap();
    let now = chrono::Utc::now();
    let publisher = Identity {
        user_id: "user-li".into(),
        name: "李晓梅".into(),
        post: "秘书科科员".into(),
        unit_id: "unit-sxnyt".into(),
    };
    let full = Notice {
        id: "notice-1".into(),
        title: "关于召开春耕备耕工作会议的通知".into(),
        body: "请各处室负责同志参加。".into(),
        attachments: vec![Attachment {
            id: "att-1".into(),
            name: "会议议程".into(),
            media_type: "application/pdf".into(),
            size: 1024,
            sha256: "0".repeat(64),
        }],
        publisher: publisher.clone(),
        published_at: now,
        scope: NoticeScope {
            units: vec!["unit-sxnyt".into()],
            ..NoticeScope::default()
        },
        receipt_required: true,
        receipt_form: Some(ReceiptForm::attendance()),
        receipt_deadline: Some(now + chrono::Duration::days(2)),
    };
    let plain = Notice {
        id: "notice-2".into(),
        attachments: vec![],
        receipt_required: false,
        receipt_form: None,
        receipt_deadline: None,
        ..full.clone()
    };
    let replied = RecipientStatus {
        delivered_at: Some(now),
        read_at: Some(now),
        replied_at: Some(now),
        reply: Some(Reply {
            choice: Some("attend".into()),
            note: None,
        }),
    };
    let verdict = CommandVerdict {
        command_id: "c-1".into(),
        task_id: "task-1".into(),
        outcome: VerdictOutcome::Accepted {
            instance_version: 3,
            instance_state: qianpi_domain::workflow::InstanceState::Running,
            current_node_name: None,
        },
        decided_at: now,
        receipt: None,
    };
    let mut changes = Vec::new();
    for notice in [full, plain] {
        let signed = key.sign(&notice).unwrap();
        changes.push(Change::Notice {
            notice: Box::new(notice),
            signed,
        });
    }
    for status in [RecipientStatus::default(), replied] {
        changes.push(Change::Receipt {
            status: NoticeStatus {
                notice_id: "notice-1".into(),
                user_id: "user-wang".into(),
                status,
            },
        });
    }
    changes.push(Change::Verdict { verdict });
    let page = SyncPage {
        checksum: page_checksum(&changes).unwrap(),
        changes,
        next_cursor: "7".into(),
        has_more: false,
        checkpoint: None,
        server_time: now,
        phrases: None,
    };
    validate(
        &document,
        &schema("SyncPage"),
        &serde_json::to_value(&page).unwrap(),
        "page",
    );

    let wipe = key
        .sign(&WipeCommand {
            device_id: "dev-1".into(),
            issued_at: now,
            reason: "revoked".into(),
        })
        .unwrap();
    let refusal = ErrorBody {
        code: "device_revoked".into(),
        message: "this device's access was revoked".into(),
        wipe: Some(wipe),
        server_time: now,
    };
    validate(
        &document,
        &schema("ErrorBody"),
        &serde_json::to_value(&refusal).unwrap(),
        "refusal",
    );
    validate(
        &document,
        &schema("GatewayPublicKey"),
        &serde_json::to_value(key.public()).unwrap(),
        "gateway key",
    );

    // Every outcome a receipt push can answer: accepted, refused with the state held, refused
    // without one.
    let read = RecipientStatus {
        delivered_at: Some(now),
        read_at: Some(now),
        ..RecipientStatus::default()
    };
    let answer = ReceiptResponse {
        results: vec![
            ReceiptResult {
                notice_id: "notice-1".into(),
                outcome: ReceiptOutcome::Accepted {
                    status: read.clone(),
                },
            },
            ReceiptResult {
                notice_id: "notice-1".into(),
                outcome: ReceiptOutcome::Refused {
                    code: "after_deadline".into(),
                    message_zh: "已过回执截止时间".into(),
                    message_en: "the receipt deadline has passed".into(),
                    status: Some(read),
                },
            },
            ReceiptResult {
                notice_id: "notice-9".into(),
                outcome: ReceiptOutcome::Refused {
                    code: "no_such_notice".into(),
                    message_zh: "没有这条通知".into(),
                    message_en: "no such notice".into(),
                    status: None,
                },
            },
        ],
        server_time: now,
    };
    validate(
        &document,
        &schema("ReceiptResponse"),
        &serde_json::to_value(&answer).unwrap(),
        "receipts answer",
    );
}
