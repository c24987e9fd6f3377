//! The content subcommands of the command line against a real database (SQLite, or PostgreSQL
//! when `QIANPI_TEST_POSTGRES` names a server): upload a file, publish a notice with it as an
//! attachment, signed with the deployment's statement key, and list who still owes a read or a
//! reply, a list that shrinks once a recipient's 回执 arrives.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{Duration, Utc};
use qianpi_domain::model::{Notice, RecipientStatus, Reply};
use qianpi_gateway::auth::AuthedDevice;
use qianpi_gateway::notices::receipts;
use qianpi_gateway::sql::args;
use qianpi_protocol::statement::GatewayPublicKey;
use qianpi_protocol::{ReceiptOutcome, ReceiptUpdate, Signed};
use support::Database;

fn add_user(db: &Database, login: &str, name: &str, post: &str, role: &str) -> String {
    let args = [
        "--unit", "unit-a", "--login", login, "--name", name, "--post", post, "--role", role,
    ];
    db.ok("add-user", &args).trim().to_owned()
}

/// The user ids in the first column of a table's rows (its header skipped).
fn rows(table: &str) -> Vec<String> {
    let mut ids: Vec<String> = table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().next().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_command_line_uploads_a_file_publishes_a_notice_and_lists_who_owes_a_reply() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::initialised(dir.path());
    let unit = [
        "--id",
        "unit-a",
        "--name",
        "某局办公室",
        "--organ-code",
        "某办",
    ];
    db.ok("create-unit", &unit);
    let admin = add_user(&db, "admin", "管理员", "办公室主任", "unit_admin");
    let leader = add_user(&db, "zhao", "赵局长", "局长", "leader");
    let staff = add_user(&db, "qian", "钱科员", "科员", "staff");

    let bytes: Vec<u8> = (0..700_000u32).map(|i| (i % 253) as u8).collect();
    let file = dir.path().join("会议议程.pdf");
    std::fs::write(&file, &bytes).unwrap();
    let file = file.to_str().unwrap();
    let upload = [
        "--unit",
        "unit-a",
        "--file",
        file,
        "--media-type",
        "application/pdf",
    ];
    let sha256 = db.ok("upload-blob", &upload).trim().to_owned();
    assert_eq!(sha256, qianpi_protocol::crypto::sha256_hex(&bytes));
    let again = db.run("upload-blob", &upload);
    assert_eq!(String::from_utf8_lossy(&again.stdout).trim(), sha256);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already uploaded"));
    let elsewhere = db.fails("upload-blob", &["--unit", "unit-x", "--file", file]);
    assert!(elsewhere.contains("no_such_unit"), "{elsewhere}");

    let notice = |sha: &str| {
        serde_json::json!({
            "title": "关于召开年度工作会议的通知",
            "body": "请于周五上午九时到三楼会议室参加年度工作会议。",
            "attachments": [{ "id": "agenda", "name": "会议议程", "media_type": "application/pdf",
                              "size": bytes.len(), "sha256": sha }],
            "publisher": admin,
            "scope": { "units": ["unit-a"] },
            "receipt_required": true,
            "receipt_form": { "choices": [{ "id": "attend", "label": "参加" },
                                          { "id": "absent", "label": "不参加" }] },
            "receipt_deadline": Utc::now() + Duration::days(1),
        })
    };
    let missing = dir.path().join("missing.json");
    std::fs::write(&missing, notice(&"0".repeat(64)).to_string()).unwrap();
    let refused = db.fails(
        "publish-notice",
        &["--unit", "unit-a", "--file", missing.to_str().unwrap()],
    );
    assert!(refused.contains("missing_blob"), "{refused}");
    let good = dir.path().join("notice.json");
    std::fs::write(&good, notice(&sha256).to_string()).unwrap();
    let published = db.ok(
        "publish-notice",
        &["--unit", "unit-a", "--file", good.to_str().unwrap()],
    );
    let id = published.trim().to_owned();
    assert!(id.starts_with("notice-"), "{id}");

    // The stored notice is signed with the key the deployment registered for its phones.
    let gateway = db.open();
    let notice_id = id.clone();
    let (signed, key_id, spki) = gateway
        .tx_blocking(|sql| {
            let notice = sql.query_one(
                "SELECT signed FROM notices WHERE id = ?1",
                args![&notice_id],
            )?;
            let key = sql.query_one("SELECT key_id, spki FROM gateway_keys", &[])?;
            Ok((notice.text(0)?, key.text(0)?, key.blob(1)?))
        })
        .unwrap();
    let key = GatewayPublicKey {
        key_id,
        spki: STANDARD.encode(spki),
    };
    let verified: Notice = Signed::<Notice>::from_base64(signed).verify(&key).unwrap();
    assert_eq!(
        (verified.id.as_str(), verified.attachments.len()),
        (id.as_str(), 1)
    );

    let table = db.ok("notice-receipts", &["--unit", "unit-a", "--notice", &id]);
    assert!(table.lines().next().unwrap().contains("姓名"), "{table}");
    assert!(
        table.contains("赵局长") && table.contains("钱科员"),
        "{table}"
    );
    let mut everyone = vec![admin.clone(), leader.clone(), staff.clone()];
    everyone.sort();
    assert_eq!(rows(&table), everyone);

    // The leader replies from a phone; only the others still owe something.
    let device = AuthedDevice {
        device_id: "dev-test".into(),
        user_id: leader.clone(),
        unit_id: "unit-a".into(),
    };
    let at = Utc::now();
    let update = ReceiptUpdate {
        notice_id: id.clone(),
        status: RecipientStatus {
            delivered_at: Some(at),
            read_at: Some(at),
            replied_at: Some(at),
            reply: Some(Reply {
                choice: Some("attend".into()),
                note: None,
            }),
        },
    };
    let outcome = gateway
        .tx_blocking(|sql| receipts::apply(sql, &device, &update, Utc::now()))
        .unwrap();
    assert!(
        matches!(outcome, ReceiptOutcome::Accepted { .. }),
        "{outcome:?}"
    );
    drop(gateway);
    let owing = db.ok(
        "notice-receipts",
        &["--unit", "unit-a", "--notice", &id, "--unread"],
    );
    let mut others = vec![admin.clone(), staff.clone()];
    others.sort();
    assert_eq!(rows(&owing), others, "{owing}");
    let table = db.ok("notice-receipts", &["--unit", "unit-a", "--notice", &id]);
    let line = table
        .lines()
        .find(|l| l.starts_with(leader.as_str()))
        .unwrap();
    assert!(line.contains("attend"), "{line}");
    let unknown = db.fails(
        "notice-receipts",
        &["--unit", "unit-a", "--notice", "notice-nope"],
    );
    assert!(unknown.contains("no_such_notice"), "{unknown}");
}
