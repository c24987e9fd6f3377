//! What a screen watching the client sees: a committed change wakes it with the part that moved,
//! a burst wakes it once, a lock and an unlock are told, refreshing does not hold off the
//! inactivity lock, and the lists screen's badges and rows follow a pulled page and an action
//! taken here.

use super::super::test_support::{apply, deliver, notice, offline_client, ME};
use super::Generations;
use crate::model::Opinion;
use crate::protocol::{Change, InboxEntry};
use crate::store::ListKind;
use crate::workflow::{Command, Env, Instance};
use chrono::{Duration, Utc};
use qianpi_domain::fixtures;
use std::time::Duration as StdDuration;

/// [`ME`]'s pending task on a fresh one-step flow over document `id`.
fn entry(id: &str, deadline_in_days: Option<i64>) -> InboxEntry {
    let definition = fixtures::one_step_flow(&format!("flow-{id}"), ME);
    let mut instance =
        Instance::start(Env::new(&definition), id, id, "initiator", Utc::now()).unwrap();
    if let Some(days) = deadline_in_days {
        instance.tasks[0].deadline = Some(Utc::now() + Duration::days(days));
    }
    InboxEntry {
        task_id: instance.tasks[0].id.clone(),
        document: fixtures::incoming(id, "unit", &format!("关于{id}的请示")),
        instance,
        definition,
    }
}

fn inbox(entries: &[InboxEntry]) -> Vec<Change> {
    entries
        .iter()
        .map(|e| Change::Inbox {
            entry: Box::new(e.clone()),
        })
        .collect()
}

#[test]
fn a_pulled_page_moves_the_lists_once_and_leaves_the_notices_alone() {
    let (_dir, client, _key) = offline_client();
    let mut watcher = client.changes();
    let before = *watcher.borrow_and_update();
    apply(
        &client,
        inbox(&[
            entry("doc-1", None),
            entry("doc-2", None),
            entry("doc-3", None),
        ]),
    );
    assert!(watcher.has_changed().unwrap());
    let after = *watcher.borrow_and_update();
    // One page is one transaction: one step, however many rows it wrote.
    assert_eq!(after.lists, before.lists + 1);
    assert_eq!(after.documents, before.documents + 1);
    assert_eq!(after.notices, before.notices);
    assert_eq!(after.lock, before.lock);
}

#[test]
fn a_notice_moves_the_notices_and_not_the_lists() {
    let (_dir, client, key) = offline_client();
    let mut watcher = client.changes();
    let before = *watcher.borrow_and_update();
    deliver(&client, &key, &[notice("n-1", "关于放假的通知", 1, None)]);
    let after = *watcher.borrow_and_update();
    assert!(after.notices > before.notices);
    assert_eq!(after.lists, before.lists);
}

#[test]
fn an_action_taken_here_moves_the_lists_and_the_outbox() {
    let (_dir, client, _key) = offline_client();
    let pending = entry("doc-1", None);
    apply(&client, inbox(std::slice::from_ref(&pending)));
    let mut watcher = client.changes();
    let before = *watcher.borrow_and_update();
    client
        .act(Command::Approve {
            task_id: pending.task_id.clone(),
            route: None,
            opinion: Opinion::agree("同意"),
        })
        .unwrap();
    let after = *watcher.borrow_and_update();
    assert!(after.lists > before.lists);
    assert!(after.outbox > before.outbox);
    let outbox = client.outbox_overview().unwrap();
    assert_eq!(outbox.queued.len(), 1);
    assert!(outbox.refused.is_empty());
}

#[test]
fn the_lists_screen_shows_every_badge_and_the_first_rows() {
    let (_dir, client, _key) = offline_client();
    let late = entry("doc-late", Some(-1));
    let on_time = entry("doc-on-time", Some(3));
    let approved = entry("doc-approved", None);
    apply(&client, inbox(&[late, on_time, approved.clone()]));
    client
        .act(Command::Approve {
            task_id: approved.task_id.clone(),
            route: None,
            opinion: Opinion::agree("同意"),
        })
        .unwrap();
    let overview = client.lists_overview(ListKind::Todo, 1).unwrap();
    assert_eq!(overview.counts.todo, 2);
    assert_eq!(overview.counts.overdue, 1, "one deadline has passed");
    assert_eq!(
        overview.counts.done, 1,
        "the queued approval counts as 已办"
    );
    assert_eq!(overview.counts.drafts, 0);
    assert_eq!(overview.kind, ListKind::Todo);
    assert_eq!(overview.rows.len(), 1, "the first rows only");
}

#[test]
fn locking_and_unlocking_are_told() {
    let (_dir, client, _key) = offline_client();
    let mut watcher = client.changes();
    let start: Generations = *watcher.borrow_and_update();
    client.lock();
    assert_eq!(watcher.borrow_and_update().lock, start.lock + 1);
    client.lock();
    assert!(
        !watcher.has_changed().unwrap(),
        "locking a locked phone is no change"
    );
    assert_eq!(client.lock_deadline(), None);
    client.unlock().unwrap();
    assert_eq!(watcher.borrow_and_update().lock, start.lock + 2);
    assert!(client.lock_deadline().is_some());
}

#[test]
fn a_screen_refreshing_does_not_keep_the_data_unlocked() {
    let (_dir, client, _key) = offline_client();
    client.set_inactivity_lock(StdDuration::from_millis(600));
    // A use: the inactivity clock starts now.
    client.account().unwrap();
    let deadline = client.lock_deadline().unwrap();
    std::thread::sleep(StdDuration::from_millis(300));
    // A background refresh is a look, not a use: the deadline stays where it was.
    client.lists_overview(ListKind::Todo, 20).unwrap();
    client.outbox_overview().unwrap();
    assert_eq!(client.lock_deadline(), Some(deadline));
    std::thread::sleep(StdDuration::from_millis(400));
    let mut watcher = client.changes();
    let before = watcher.borrow_and_update().lock;
    assert!(
        client.lists_overview(ListKind::Todo, 20).is_err(),
        "locked by now"
    );
    assert_eq!(
        watcher.borrow_and_update().lock,
        before + 1,
        "the idle lock is told"
    );
}

#[test]
fn an_inactivity_limit_beyond_the_clock_never_falls_and_names_no_deadline() {
    let (_dir, client, _key) = offline_client();
    client.set_inactivity_lock(StdDuration::from_secs(u64::MAX));
    assert_eq!(client.lock_deadline(), None);
    assert!(!client.is_locked());
    client.lists_overview(ListKind::Todo, 20).unwrap();
}

#[test]
fn the_detail_screen_moves_with_an_action_on_its_task_and_a_refresh_is_not_a_use() {
    let (_dir, client, _key) = offline_client();
    client.set_inactivity_lock(StdDuration::from_secs(60));
    let pending = entry("doc-1", None);
    apply(&client, inbox(std::slice::from_ref(&pending)));
    client.account().unwrap();
    let deadline = client.lock_deadline().unwrap();
    std::thread::sleep(StdDuration::from_millis(20));
    let before = client.document_overview(&pending.task_id).unwrap();
    assert_eq!(
        client.lock_deadline(),
        Some(deadline),
        "a screen refreshing the detail does not hold off the lock"
    );
    assert!(before.my_task.as_ref().unwrap().item.can_approve);

    let mut watcher = client.changes();
    let seen = *watcher.borrow_and_update();
    client
        .act(Command::Approve {
            task_id: pending.task_id.clone(),
            route: None,
            opinion: Opinion::agree("同意"),
        })
        .unwrap();
    let now = *watcher.borrow_and_update();
    assert!(seen.shows_detail(&now), "the detail screen is woken");
    assert!(!seen.shows_people(&now), "the address book is not");
    let after = client.document_overview(&pending.task_id).unwrap();
    assert_ne!(before, after, "the detail shows the queued action");
    assert!(!after.my_task.as_ref().unwrap().item.can_approve);
}

#[test]
fn a_locked_phone_shows_neither_detail_nor_people() {
    let (_dir, client, _key) = offline_client();
    let pending = entry("doc-1", None);
    apply(&client, inbox(std::slice::from_ref(&pending)));
    assert!(client.people_overview(true).unwrap().is_empty());
    let mut watcher = client.changes();
    let seen = *watcher.borrow_and_update();
    client.lock();
    let now = *watcher.borrow_and_update();
    assert!(seen.shows_detail(&now) && seen.shows_people(&now));
    assert!(client.document_overview(&pending.task_id).is_err());
    assert!(client.people_overview(true).is_err());
}

/// The address book at the test gateway: its version and its people (user id, name).
type Book = std::sync::Arc<parking_lot::Mutex<(&'static str, Vec<(&'static str, &'static str)>)>>;

/// One answer of the address-book server: the directory at `version`, or a bodiless 304 when
/// the phone names that version already.
fn directory_answer(head: &str, version: &str, people: &[(&str, &str)]) -> String {
    if head.contains(&format!("if-none-match: \"{version}\"")) {
        return "HTTP/1.1 304 Not Modified\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            .into();
    }
    let people: Vec<serde_json::Value> = people
        .iter()
        .map(|(id, name)| {
            serde_json::json!({"user_id": id, "name": name, "post": "科员", "department": "办公室"})
        })
        .collect();
    let body = serde_json::json!({
        "version": version, "unit_name": "县农业农村局", "show_office_phones": false, "people": people,
    })
    .to_string();
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\netag: \"{version}\"\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_changed_address_book_wakes_the_people_screen_and_an_unchanged_one_does_not() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The unit's address book at the gateway: one person, then a second one added.
    let book: Book =
        std::sync::Arc::new(parking_lot::Mutex::new(("v1", vec![("user-li", "李晓梅")])));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let served = std::sync::Arc::clone(&book);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
            let answer = {
                let (version, people) = &*served.lock();
                directory_answer(&head, version, people)
            };
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    let root = tempfile::tempdir().unwrap();
    let client = super::super::test_support::client(root.path());
    super::super::test_support::bind(&client, &url, None, 0);
    let names = |client: &super::Client| -> Vec<String> {
        let mut names: Vec<String> = client
            .people_overview(false)
            .unwrap()
            .into_iter()
            .flat_map(|group| group.people.into_iter().map(|p| p.name))
            .collect();
        names.sort();
        names
    };
    let mut watcher = client.changes();
    let mut seen = *watcher.borrow_and_update();

    // The first fetch brings the book: the people screen is woken and shows it.
    assert!(client.sync_people().await.unwrap().changed);
    assert!(watcher.has_changed().unwrap());
    let now = *watcher.borrow_and_update();
    assert!(
        seen.shows_people(&now),
        "a new book wakes the people screen"
    );
    assert_eq!(now.lists, seen.lists, "and not the lists");
    assert_eq!(names(&client), ["李晓梅"]);
    seen = now;

    // Unchanged at the gateway (304): nothing wakes.
    assert!(!client.sync_people().await.unwrap().changed);
    assert!(
        !watcher.has_changed().unwrap(),
        "an unchanged book wakes nothing"
    );

    // Someone joins the unit: the next fetch wakes the screen with both.
    *book.lock() = ("v2", vec![("user-li", "李晓梅"), ("user-zhao", "赵文")]);
    assert!(client.sync_people().await.unwrap().changed);
    let now = *watcher.borrow_and_update();
    assert!(
        seen.shows_people(&now),
        "a changed book wakes the people screen"
    );
    assert_eq!(names(&client), ["李晓梅", "赵文"]);
}
