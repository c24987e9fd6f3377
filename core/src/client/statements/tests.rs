//! The checks of what the gateway states: a genuine receipt, page and checkpoint pass; anything
//! altered, missing, for another device or signed by another key is refused.

// A failed assumption in a test is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::model::{Identity, Notice, NoticeScope};
use crate::protocol::statement::GatewayKey;
use crate::protocol::{Checkpoint, OfflinePolicy, VerdictOutcome};
use crate::workflow::InstanceState;
use chrono::TimeZone as _;

fn key() -> GatewayKey {
    GatewayKey::from_pkcs8(&GatewayKey::generate_pkcs8().unwrap()).unwrap()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap()
}

/// An accepted verdict with a genuine receipt, pushed by `dev-1`.
fn verdict(key: &GatewayKey) -> CommandVerdict {
    let mut verdict = CommandVerdict {
        command_id: "cmd-1".into(),
        task_id: "t1".into(),
        outcome: VerdictOutcome::Accepted {
            instance_version: 2,
            instance_state: InstanceState::Running,
            current_node_name: Some("承办".into()),
        },
        decided_at: at(),
        receipt: None,
    };
    verdict.receipt = Some(
        key.sign(&CommandReceipt {
            command_id: "cmd-1".into(),
            device_id: "dev-1".into(),
            record_hash: "h".into(),
            accepted: true,
            code: None,
            instance_id: "inst-1".into(),
            instance_version: Some(2),
            decided_at: at(),
        })
        .unwrap(),
    );
    verdict
}

fn notice() -> Notice {
    Notice {
        id: "notice-1".into(),
        title: "关于召开全厅工作会议的通知".into(),
        body: "定于周五上午九时召开。".into(),
        attachments: vec![],
        publisher: Identity {
            user_id: "user-zhao".into(),
            name: "赵文".into(),
            post: "办公室主任".into(),
            unit_id: "unit".into(),
        },
        published_at: at(),
        scope: NoticeScope {
            people: vec!["user-wang".into()],
            ..NoticeScope::default()
        },
        receipt_required: false,
        receipt_form: None,
        receipt_deadline: None,
    }
}

fn page(key: &GatewayKey, changes: Vec<Change>) -> SyncPage {
    let checkpoint = key
        .sign(&Checkpoint {
            device_id: "dev-1".into(),
            user_id: "user-wang".into(),
            issued_at: at(),
            policy: OfflinePolicy::default(),
        })
        .unwrap();
    SyncPage {
        checksum: page_checksum(&changes).unwrap(),
        changes,
        next_cursor: "v2.1.1.1.1".into(),
        has_more: false,
        checkpoint: Some(checkpoint),
        server_time: at(),
        phrases: None,
    }
}

fn refused(result: Result<impl std::fmt::Debug, ClientError>) {
    assert!(
        matches!(result, Err(ClientError::BadStatement(_))),
        "{result:?}"
    );
}

#[test]
fn a_genuine_receipt_passes_for_the_device_that_pushed() {
    let key = key();
    check_verdict(&verdict(&key), key.public(), Some("dev-1")).unwrap();
    // The feed also carries verdicts of the user's other phones.
    check_verdict(&verdict(&key), key.public(), None).unwrap();
}

#[test]
fn a_receipt_for_another_device_or_outcome_or_version_is_refused() {
    let key = key();
    refused(check_verdict(&verdict(&key), key.public(), Some("dev-2")));
    let mut turned = verdict(&key);
    turned.outcome = VerdictOutcome::refused_by_rule(crate::workflow::RejectionCode::Stale, 2);
    refused(check_verdict(&turned, key.public(), Some("dev-1")));
    let mut moved = verdict(&key);
    if let VerdictOutcome::Accepted {
        instance_version, ..
    } = &mut moved.outcome
    {
        *instance_version = 3;
    }
    refused(check_verdict(&moved, key.public(), Some("dev-1")));
    let mut renamed = verdict(&key);
    renamed.command_id = "cmd-2".into();
    refused(check_verdict(&renamed, key.public(), Some("dev-1")));
}

#[test]
fn a_verdict_without_a_receipt_or_signed_by_another_key_is_refused() {
    let key = key();
    let mut bare = verdict(&key);
    bare.receipt = None;
    refused(check_verdict(&bare, key.public(), None));
    let other = self::key();
    refused(check_verdict(&verdict(&other), key.public(), None));
}

#[test]
fn a_genuine_page_gives_its_checkpoint_to_keep() {
    let key = key();
    let signed = key.sign(&notice()).unwrap();
    let page = page(
        &key,
        vec![
            Change::Verdict {
                verdict: verdict(&key),
            },
            Change::Notice {
                notice: Box::new(notice()),
                signed,
            },
        ],
    );
    let kept = check_page(&page, key.public(), "dev-1").unwrap();
    assert_eq!(kept.issued_at(), at());
    assert_eq!(kept.hash, page.checkpoint.as_ref().unwrap().hash().unwrap());
}

#[test]
fn a_page_that_does_not_match_its_checksum_is_refused() {
    let key = key();
    let mut page = page(
        &key,
        vec![Change::Verdict {
            verdict: verdict(&key),
        }],
    );
    page.changes.clear();
    refused(check_page(&page, key.public(), "dev-1"));
}

#[test]
fn a_page_without_a_checkpoint_or_with_another_devices_is_refused() {
    let key = key();
    let mut bare = page(&key, vec![]);
    bare.checkpoint = None;
    refused(check_page(&bare, key.public(), "dev-1"));
    refused(check_page(&page(&key, vec![]), key.public(), "dev-2"));
}

#[test]
fn a_notice_that_differs_from_its_signed_copy_is_refused() {
    let key = key();
    let signed = key.sign(&notice()).unwrap();
    let mut altered = notice();
    altered.body = "会议改为周六。".into();
    let page = page(
        &key,
        vec![Change::Notice {
            notice: Box::new(altered),
            signed,
        }],
    );
    refused(check_page(&page, key.public(), "dev-1"));
}
