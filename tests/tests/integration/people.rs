//! 通讯录 end to end: the administrator sets departments, office phones and the unit's phone
//! policy; the phone fetches the address book (an unchanged one comes back empty), searches it
//! offline by name, pinyin and initials, and follows the gateway when someone is taken off or
//! the unit hides phone numbers again; an imported CSV brings departments and phones; each unit
//! sees and administers only its own address book.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units::admin::{phone_for, unit_with_people};
use qianpi_gateway::admin::demo;
use qianpi_tests::admin_api::{operator, put};
use qianpi_tests::{get_raw, http, Harness, Phone};
use serde_json::json;

async fn set_entry(harness: &Harness, token: &str, user: &str, body: serde_json::Value) {
    let (status, answer) = put(
        harness,
        token,
        &format!("/units/unit-sxnyt/people/{user}"),
        body,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
}

async fn show_phones(harness: &Harness, token: &str, show: bool) {
    let (status, answer) = put(
        harness,
        token,
        "/units/unit-sxnyt/people-policy",
        json!({ "show_office_phones": show }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
}

fn found(phone: &Phone, query: &str) -> Vec<String> {
    phone
        .client
        .search_people(query, 20)
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect()
}

/// A seeded gateway whose 李晓梅 and 赵文 have departments and office phones, and the leader's
/// phone activated on it.
async fn unit_with_directory() -> (Harness, String, Phone) {
    let harness = Harness::start().await.unwrap();
    let token = operator(&harness).await;
    set_entry(
        &harness,
        &token,
        "user-li",
        json!({ "department": "秘书科", "office_phone": "0351-1234567" }),
    )
    .await;
    set_entry(
        &harness,
        &token,
        "user-zhao",
        json!({ "department": "办公室", "office_phone": "0351-7654321" }),
    )
    .await;
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    (harness, token, leader)
}

#[tokio::test]
async fn the_address_book_reaches_the_phone_and_is_searched_offline() {
    let (mut harness, _token, leader) = unit_with_directory().await;
    assert!(
        found(&leader, "").is_empty(),
        "nothing before the first fetch"
    );

    // A contacts screen watching the phone's data learns that the address book moved.
    let watch = leader.client.changes();
    let before = watch.borrow().people;
    let first = leader.client.sync_people().await.unwrap();
    assert!(first.changed);
    assert_eq!(first.people, 3);
    let seen = watch.borrow().people;
    assert!(seen > before, "the people part of the data did not move");
    let again = leader.client.sync_people().await.unwrap();
    assert!(!again.changed, "an unchanged directory is not sent again");
    assert_eq!(again.people, 3);
    assert_eq!(
        watch.borrow().people,
        seen,
        "nothing was written for an unchanged one"
    );

    harness.stop_gateway().await.unwrap();
    assert_eq!(found(&leader, "lxm"), ["李晓梅"]);
    assert_eq!(found(&leader, "lixiaomei"), ["李晓梅"]);
    assert_eq!(found(&leader, "zhaowen"), ["赵文"]);
    assert_eq!(found(&leader, "wjg"), ["王建国"]);
    assert_eq!(found(&leader, "建国"), ["王建国"]);
    assert_eq!(found(&leader, "秘书科"), ["李晓梅"]);
    let li = leader.client.search_people("李晓梅", 1).unwrap().remove(0);
    assert_eq!(li.department, "秘书科");
    assert_eq!(
        li.office_phone, None,
        "phones stay hidden until the unit shows them"
    );

    // The picker for a transfer leaves the leader out and groups by department.
    let groups = leader.client.people_picker(true).unwrap();
    let shown: Vec<(String, Vec<String>)> = groups
        .into_iter()
        .map(|g| (g.name, g.people.into_iter().map(|p| p.name).collect()))
        .collect();
    assert_eq!(
        shown,
        [
            ("办公室".to_owned(), vec!["赵文".to_owned()]),
            ("秘书科".to_owned(), vec!["李晓梅".to_owned()]),
        ]
    );
    let everyone = leader.client.people_picker(false).unwrap();
    assert_eq!(everyone.iter().map(|g| g.people.len()).sum::<usize>(), 3);

    // Locked, the address book is out of reach like the rest of the data (its index with it).
    leader.client.lock();
    assert!(leader.client.search_people("lxm", 5).is_err());
    leader.client.unlock().unwrap();
    assert_eq!(found(&leader, "lxm"), ["李晓梅"]);
}

#[tokio::test]
async fn the_phone_follows_removals_and_the_units_phone_policy() {
    let (harness, token, leader) = unit_with_directory().await;
    leader.client.sync_people().await.unwrap();

    show_phones(&harness, &token, true).await;
    assert!(leader.client.sync_people().await.unwrap().changed);
    let li = leader.client.search_people("lxm", 1).unwrap().remove(0);
    assert_eq!(li.office_phone.as_deref(), Some("0351-1234567"));
    let wang = leader.client.search_people("wjg", 1).unwrap().remove(0);
    assert_eq!(wang.office_phone, None, "no number was recorded for him");

    set_entry(
        &harness,
        &token,
        "user-zhao",
        json!({ "department": "办公室", "listed": false }),
    )
    .await;
    let sync = leader.client.sync_people().await.unwrap();
    assert!(sync.changed);
    assert_eq!(sync.people, 2);
    assert!(
        found(&leader, "zhaowen").is_empty(),
        "a removed person is gone"
    );
    assert!(found(&leader, "赵").is_empty());
    assert!(leader
        .client
        .people_picker(false)
        .unwrap()
        .iter()
        .all(|g| g.people.iter().all(|p| p.user_id != "user-zhao")));

    show_phones(&harness, &token, false).await;
    assert!(leader.client.sync_people().await.unwrap().changed);
    let li = leader.client.search_people("lxm", 1).unwrap().remove(0);
    assert_eq!(li.office_phone, None, "hidden again when the unit says so");

    // Only identities of the unit have entries.
    let (status, _) = put(
        &harness,
        &token,
        "/units/unit-sxnyt/people/user-nobody",
        json!({ "department": "办公室" }),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_unchanged_directory_is_a_bodiless_304_and_a_change_a_new_tag() {
    let (harness, token, leader) = unit_with_directory().await;
    let first = get_raw(&harness, &leader, "v1/people", &[]).await;
    assert_eq!(first.status(), 200);
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with('"') && tag.len() > 2, "{tag}");

    let same = get_raw(&harness, &leader, "v1/people", &[("if-none-match", &tag)]).await;
    assert_eq!(same.status(), 304);
    assert_eq!(same.headers()["etag"].to_str().unwrap(), tag);
    assert!(same.bytes().await.unwrap().is_empty());

    set_entry(
        &harness,
        &token,
        "user-wang",
        json!({ "department": "厅领导" }),
    )
    .await;
    let changed = get_raw(&harness, &leader, "v1/people", &[("if-none-match", &tag)]).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), tag);
}

async fn import(harness: &Harness, token: &str, csv: &str) -> u16 {
    http()
        .post(format!(
            "{}v1/admin/units/unit-sxnyt/users/import",
            harness.url()
        ))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_imported_address_book_brings_departments_and_phones_to_the_phone() {
    let (harness, token, leader) = unit_with_directory().await;
    // A row short of the header's six columns refuses the whole file.
    let refused = "登录名,姓名,职务,角色,处室,办公电话\nshanguoqiang,单国强,科员,工作人员,农业处\n";
    assert_eq!(import(&harness, &token, refused).await, 400);
    let csv = "登录名,姓名,职务,角色,处室,办公电话\n\
               shanguoqiang,单国强,科员,工作人员,农业处,0351-2223333\n\
               zengjianhua,曾建华,处长,领导,农业处,\n";
    assert_eq!(import(&harness, &token, csv).await, 201);
    show_phones(&harness, &token, true).await;

    assert_eq!(leader.client.sync_people().await.unwrap().people, 5);
    let shan = leader.client.search_people("sgq", 5).unwrap();
    assert_eq!(shan.len(), 1);
    assert_eq!(shan[0].name, "单国强");
    assert_eq!(shan[0].department, "农业处");
    assert_eq!(shan[0].office_phone.as_deref(), Some("0351-2223333"));
    assert_eq!(found(&leader, "zengjianhua"), ["曾建华"]);
    let groups = leader.client.people_picker(true).unwrap();
    let farming = groups.iter().find(|g| g.name == "农业处").unwrap();
    let names: Vec<&str> = farming.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["单国强", "曾建华"]);
}

#[tokio::test]
async fn a_phone_sees_only_its_own_units_people_and_an_admin_only_their_unit() {
    let (harness, op, leader) = unit_with_directory().await;
    let (other_token, other_leader, _) = unit_with_people(&harness, &op, "unit-other").await;

    // Another unit's administrator cannot touch this unit's address book: it looks absent.
    let (status, _) = put(
        &harness,
        &other_token,
        "/units/unit-sxnyt/people/user-li",
        json!({ "listed": false }),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = put(
        &harness,
        &other_token,
        "/units/unit-sxnyt/people-policy",
        json!({ "show_office_phones": true }),
    )
    .await;
    assert_eq!(status, 404);
    // Nor name this unit's people in their own.
    let (status, _) = put(
        &harness,
        &other_token,
        "/units/unit-other/people/user-li",
        json!({ "department": "办公室" }),
    )
    .await;
    assert_eq!(status, 404);

    assert_eq!(leader.client.sync_people().await.unwrap().people, 3);
    assert_eq!(
        found(&leader, "lxm"),
        ["李晓梅"],
        "the other unit's edit did nothing"
    );
    let (other, _) = phone_for(
        &harness,
        &other_token,
        "unit-other",
        &other_leader,
        "zhangsan",
        false,
    )
    .await;
    assert_eq!(other.client.sync_people().await.unwrap().people, 3);
    let names = found(&other, "");
    assert_eq!(names, ["某人", "某人", "某人"]);
    assert!(found(&other, "lxm").is_empty() && found(&other, "wjg").is_empty());
}
