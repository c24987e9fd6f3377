//! Notice helpers: publishing through the admin API, the receipts a phone sends, their results,
//! and reading the publisher's roster.

use super::{get, post, send_receipts, Unit};
use chrono::{DateTime, Duration, Utc};
use qianpi_core::model::{RecipientStatus, Reply};
use qianpi_core::protocol::{Change, ReceiptOutcome, ReceiptResult, ReceiptUpdate};
use qianpi_tests::{Harness, Phone};
use serde_json::{json, Value};

/// Publishes `notice` in `unit`: the status and answer.
pub async fn publish(harness: &Harness, unit: &Unit, notice: Value) -> (u16, Value) {
    post(
        harness,
        &unit.token,
        &format!("/units/{}/notices", unit.id),
        notice,
    )
    .await
}

/// A notice of `unit` to `scope` requiring a reply on the attendance form, due in `due`.
pub fn meeting(unit: &Unit, scope: Value, due: Duration) -> Value {
    json!({
        "title": "关于召开安全生产工作会议的通知",
        "body": "定于本周五上午九时在三楼会议室召开安全生产工作会议，请准时参加。",
        "publisher": unit.admin,
        "scope": scope,
        "receipt_required": true,
        "receipt_form": {
            "choices": [
                { "id": "attend", "label": "参加" },
                { "id": "absent", "label": "不参加" },
                { "id": "undecided", "label": "待定" }
            ],
            "note": "optional"
        },
        "receipt_deadline": Utc::now() + due,
    })
}

/// Publishes and returns the new notice's id.
pub async fn published(harness: &Harness, unit: &Unit, notice: Value) -> String {
    let (status, body) = publish(harness, unit, notice).await;
    assert_eq!(status, 201, "{body}");
    body["notice"]["id"].as_str().unwrap().to_owned()
}

/// `notice` delivered and read at `at`.
pub fn read(notice: &str, at: DateTime<Utc>) -> ReceiptUpdate {
    ReceiptUpdate {
        notice_id: notice.to_owned(),
        status: RecipientStatus {
            delivered_at: Some(at),
            read_at: Some(at),
            ..Default::default()
        },
    }
}

/// `notice` replied at `at` with `choice` and `note`.
pub fn reply(
    notice: &str,
    choice: Option<&str>,
    note: Option<&str>,
    at: DateTime<Utc>,
) -> ReceiptUpdate {
    ReceiptUpdate {
        notice_id: notice.to_owned(),
        status: RecipientStatus {
            delivered_at: Some(at),
            read_at: Some(at),
            replied_at: Some(at),
            reply: Some(Reply {
                choice: choice.map(str::to_owned),
                note: note.map(str::to_owned),
            }),
        },
    }
}

/// The refusal code of a result, or `accepted`.
pub fn code(result: &ReceiptResult) -> &str {
    match &result.outcome {
        ReceiptOutcome::Accepted { .. } => "accepted",
        ReceiptOutcome::Refused { code, .. } => code,
    }
}

/// The state an accepted result carries.
pub fn accepted(result: &ReceiptResult) -> &RecipientStatus {
    match &result.outcome {
        ReceiptOutcome::Accepted { status } => status,
        ReceiptOutcome::Refused { code, .. } => panic!("refused: {code}"),
    }
}

/// Sends one receipt and returns its result.
pub async fn send_one(harness: &Harness, phone: &Phone, update: ReceiptUpdate) -> ReceiptResult {
    let (status, answer) = send_receipts(harness, phone, vec![update]).await;
    assert_eq!(status, 200);
    answer.unwrap().results.remove(0)
}

/// The publisher's roster of `notice`.
pub async fn roster(harness: &Harness, unit: &Unit, notice: &str) -> Value {
    let path = format!("/units/{}/notices/{notice}/receipts", unit.id);
    let (status, body) = get(harness, &unit.token, &path).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The user ids of a JSON list, sorted.
pub fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// `ids` as owned strings, sorted.
pub fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    ids.sort();
    ids
}

/// The receipt changes for `notice` in a feed.
pub fn receipt_changes(changes: &[Change], notice: &str) -> Vec<RecipientStatus> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Receipt { status } if status.notice_id == notice => Some(status.status.clone()),
            _ => None,
        })
        .collect()
}
