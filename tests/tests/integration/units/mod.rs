//! What the notice, blob and admin tests share: units with people set up through the admin API,
//! phones activated for them, admin calls, signed pulls, receipts and downloads, and reading the
//! audit log; [`admin`], [`files`] and [`notices`] hold the helpers of each subject.

// Each test file uses its own part of these helpers; a helper that fails fails its test.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

pub mod admin;
pub mod files;
pub mod notices;

use qianpi_core::client::Clock;
use qianpi_core::model::{Document, SecrecyLevel};
use qianpi_core::protocol::{Change, ReceiptBatch, ReceiptResponse, ReceiptUpdate};
use qianpi_core::store::Account;
use qianpi_gateway::sql::args;
pub use qianpi_tests::admin_api::{get, operator, post};
pub use qianpi_tests::fixtures::definition;
use qianpi_tests::proxy::Proxy;
use qianpi_tests::{http, send_signed, Harness, Phone};
use reqwest::Method;
use serde_json::{json, Value};

/// A unit's people, by user id, and its administrator's token.
pub struct Unit {
    /// The unit id.
    pub id: String,
    /// The unit administrator's admin token.
    pub token: String,
    /// The administrator's user id.
    pub admin: String,
    /// A leader (login `zhangsan` in every unit).
    pub leader: String,
    /// A staff member (login `staff-<unit>`).
    pub staff: String,
    /// A secretary (login `secretary-<unit>`).
    pub secretary: String,
}

/// Creates unit `id` with `people` (login, name, post, role) and an admin token for the first of
/// them: the token, and the people's user ids in order.
pub async fn unit_with(
    harness: &Harness,
    op: &str,
    id: &str,
    people: &[(String, &str, &str, &str)],
) -> (String, Vec<String>) {
    let (status, body) = post(
        harness,
        op,
        "/units",
        json!({ "id": id, "name": format!("{id} 办公室"), "organ_code": "某办" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let mut ids = Vec::new();
    for (login, name, post_name, role) in people {
        let (status, user) = post(
            harness,
            op,
            &format!("/units/{id}/users"),
            json!({ "login": login, "name": name, "post": post_name, "role": role }),
        )
        .await;
        assert_eq!(status, 201, "{user}");
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    let (status, issued) = post(
        harness,
        op,
        &format!("/units/{id}/admin-tokens"),
        json!({ "user_id": ids[0], "label": "tests" }),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    (issued["token"].as_str().unwrap().to_owned(), ids)
}

/// Creates unit `id` with an administrator, a leader, a staff member and a secretary.
pub async fn unit(harness: &Harness, op: &str, id: &str) -> Unit {
    let people = [
        (
            format!("admin-{id}"),
            "管理员",
            "办公室副主任",
            "unit_admin",
        ),
        ("zhangsan".to_owned(), "张三", "局长", "leader"),
        (format!("staff-{id}"), "李四", "科员", "staff"),
        (format!("secretary-{id}"), "王五", "秘书", "staff"),
    ];
    let (token, ids) = unit_with(harness, op, id, &people).await;
    Unit {
        id: id.to_owned(),
        token,
        admin: ids[0].clone(),
        leader: ids[1].clone(),
        staff: ids[2].clone(),
        secretary: ids[3].clone(),
    }
}

/// A phone for `user` (login `login`) of `unit`, activated against the harness's gateway.
pub async fn phone(harness: &Harness, unit: &Unit, user: &str, login: &str) -> Phone {
    let name = format!("phone-{user}");
    phone_at(harness, unit, (user, login), &name, &harness.url(), None).await
}

/// A one-time activation code for identity `user` of unit `unit_id`, issued with `token`.
pub async fn issue_code(
    harness: &Harness,
    token: &str,
    unit_id: &str,
    user: &str,
    needs_approval: bool,
) -> String {
    let (status, issued) = post(
        harness,
        token,
        &format!("/units/{unit_id}/users/{user}/activation-code"),
        json!({ "needs_approval": needs_approval }),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    issued["code"].as_str().unwrap().to_owned()
}

/// A new phone named `name`, activated for `login` with `code` against `server_url`, reading
/// time from `clock` when given; its account.
pub async fn activate(
    harness: &Harness,
    name: &str,
    server_url: &str,
    login: &str,
    code: &str,
    clock: Option<Clock>,
) -> (Phone, Account) {
    let phone = match clock {
        Some(clock) => harness.phone_with_clock(name, clock).unwrap(),
        None => harness.phone(name).unwrap(),
    };
    let account = phone
        .client
        .activate(server_url, login, code, name, "terminal")
        .await
        .unwrap();
    (phone, account)
}

/// A phone named `name` for `user` (login `login`) of `unit` whose gateway address is
/// `server_url` (a proxy in front of the harness's gateway, say), reading time from `clock` when
/// given.
pub async fn phone_at(
    harness: &Harness,
    unit: &Unit,
    (user, login): (&str, &str),
    name: &str,
    server_url: &str,
    clock: Option<Clock>,
) -> Phone {
    let code = issue_code(harness, &unit.token, &unit.id, user, false).await;
    let (phone, account) = activate(harness, name, server_url, login, &code, clock).await;
    assert_eq!(account.identity.user_id, user);
    phone
}

/// A fault-injecting proxy in front of the harness's gateway, and `unit`'s staff member's phone
/// reaching the gateway through it.
pub async fn staff_behind_proxy(harness: &Harness, unit: &Unit) -> (Proxy, Phone) {
    let proxy = Proxy::start(harness.addr()).await.unwrap();
    let login = format!("staff-{}", unit.id);
    let staff = phone_at(
        harness,
        unit,
        (&unit.staff, &login),
        "staff-behind-proxy",
        &proxy.url(),
        None,
    )
    .await;
    (proxy, staff)
}

/// Every change in `phone`'s feed, from the start.
pub async fn feed(harness: &Harness, phone: &Phone) -> Vec<Change> {
    let page = qianpi_tests::pull(harness, phone, "cursor=&limit=500").await;
    assert!(!page.has_more, "the test feed outgrew one page");
    page.changes
}

/// Sends `receipts` from `phone`; the status and, for a 200, the answer.
pub async fn send_receipts(
    harness: &Harness,
    phone: &Phone,
    receipts: Vec<ReceiptUpdate>,
) -> (u16, Option<ReceiptResponse>) {
    let body = serde_json::to_vec(&ReceiptBatch { receipts }).unwrap();
    let response = send_signed(
        &format!("{}v1/receipts", harness.url()),
        Method::POST,
        body,
        &phone.credentials(),
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    let status = response.status().as_u16();
    let answer = if status == 200 {
        Some(response.json().await.unwrap())
    } else {
        None
    };
    (status, answer)
}

/// Uploads `bytes` as a blob of `unit`; the status and answer.
pub async fn upload(
    harness: &Harness,
    token: &str,
    unit: &str,
    sha256: &str,
    media_type: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let response = http()
        .put(format!(
            "{}v1/admin/units/{unit}/blobs/{sha256}",
            harness.url()
        ))
        .bearer_auth(token)
        .header("content-type", media_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `len` bytes that differ from chunk to chunk and from `seed` to `seed`, so a wrong offset or
/// chunk shows.
pub fn file(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + usize::from(seed) * 7 + (i >> 18)) % 251) as u8)
        .collect()
}

/// The SHA-256 of `bytes` in lowercase hex.
pub fn sha256(bytes: &[u8]) -> String {
    qianpi_core::crypto::sha256_hex(bytes)
}

/// How many audit entries of `kind` about `subject` there are.
pub async fn audit_count(harness: &Harness, kind: &str, subject: &str) -> i64 {
    let (kind, subject) = (kind.to_owned(), subject.to_owned());
    harness
        .db
        .tx(move |sql| {
            Ok(sql
                .query_one(
                    "SELECT count(*) FROM audit WHERE kind = ?1 AND subject = ?2",
                    args![&kind, &subject],
                )?
                .int(0)?)
        })
        .await
        .unwrap()
}

/// An incoming document of `unit` without files.
pub fn document(id: &str, unit: &str, secrecy: SecrecyLevel) -> Document {
    qianpi_tests::fixtures::document(id, unit, "关于开展安全生产检查的通知", secrecy)
}

/// A signed download of blob `sha256` by `phone` with `headers` added (Range, If-Range, …).
pub async fn fetch(
    harness: &Harness,
    phone: &Phone,
    sha256: &str,
    headers: &[(&'static str, &str)],
) -> reqwest::Response {
    send_signed(
        &format!("{}v1/blobs/{sha256}", harness.url()),
        Method::GET,
        vec![],
        &phone.credentials(),
        chrono::Utc::now(),
        |signed| {
            signed.extend(
                headers
                    .iter()
                    .map(|(name, value)| (*name, (*value).to_owned())),
            );
        },
    )
    .await
}
