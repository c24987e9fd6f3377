//! The order and shape of the feed (sync.md): a backlog comes verdicts first, then pending items,
//! then notices and receipts, then history; an item that changed many times reaches a phone that
//! is behind once, as it is now; pages stop near a megabyte and lose or repeat nothing across
//! their cut; a cursor the gateway never issued is refused.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use qianpi_core::model::RecipientStatus;
use qianpi_core::protocol::{
    Change, CommandVerdict, InboxEntry, NoticeStatus, SyncPage, VerdictOutcome,
};
use qianpi_gateway::admin::demo;
use qianpi_gateway::feed;
use qianpi_tests::{error_code, get_sync, pull, Harness, Phone};
use std::collections::BTreeSet;

async fn page(harness: &Harness, phone: &Phone, cursor: &str, limit: usize) -> SyncPage {
    pull(harness, phone, &format!("cursor={cursor}&limit={limit}")).await
}

/// The leader's seeded inbox entry (pending for him).
async fn seeded_entry(harness: &Harness) -> InboxEntry {
    let change: Change = harness
        .db
        .tx(|sql| {
            feed::stored_changes(sql, "user-wang")?
                .into_iter()
                .next()
                .map(|(_, change)| change)
                .ok_or_else(|| qianpi_gateway::ApiError::internal("the leader's feed is empty"))
        })
        .await
        .unwrap();
    match change {
        Change::Inbox { entry } => *entry,
        other => panic!("the seeded change is {other:?}"),
    }
}

/// An entry of a task that no longer waits for the leader (its id is not one of the instance's
/// open tasks), with `padding` bytes of note so pages fill up.
fn history(entry: &InboxEntry, n: usize, padding: usize) -> Change {
    let mut entry = entry.clone();
    entry.task_id = format!("finished-{n}");
    entry.document.body.note = Some("备".repeat(padding / 3));
    Change::Inbox {
        entry: Box::new(entry),
    }
}

async fn append(harness: &Harness, changes: Vec<Change>) {
    harness
        .db
        .tx(move |sql| {
            for change in &changes {
                feed::append_change(sql, "user-wang", change)?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

fn label(change: &Change) -> String {
    match change {
        Change::Verdict { .. } => "verdict".into(),
        Change::Inbox { entry } => format!("inbox:{}", entry.task_id),
        Change::Notice { .. } => "notice".into(),
        Change::Receipt { .. } => "receipt".into(),
    }
}

#[tokio::test]
async fn a_backlog_comes_verdicts_first_then_pending_items_then_receipts_then_history() {
    let harness = Harness::start().await.unwrap();
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let entry = seeded_entry(&harness).await;
    let verdict = CommandVerdict {
        command_id: "cmd-earlier".into(),
        task_id: "finished-1".into(),
        outcome: VerdictOutcome::refused_by_rule(qianpi_core::workflow::RejectionCode::Stale, 3),
        decided_at: chrono::Utc::now(),
        receipt: None,
    };
    let receipt = NoticeStatus {
        notice_id: "notice-1".into(),
        user_id: "user-wang".into(),
        status: RecipientStatus::default(),
    };
    // Written in the opposite order of their priority.
    append(
        &harness,
        vec![
            history(&entry, 1, 0),
            Change::Receipt { status: receipt },
            Change::Verdict { verdict },
        ],
    )
    .await;
    let mut cursor = String::new();
    let mut seen = Vec::new();
    loop {
        let page = page(&harness, &leader, &cursor, 1).await;
        seen.extend(page.changes.iter().map(label));
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            "verdict".to_owned(),
            format!("inbox:{}", entry.task_id),
            "receipt".to_owned(),
            "inbox:finished-1".to_owned()
        ]
    );
    // Caught up: nothing more, and the cursor stays.
    let page = page(&harness, &leader, &cursor, 1).await;
    assert!(page.changes.is_empty() && !page.has_more);
    assert_eq!(page.next_cursor, cursor);
}

#[tokio::test]
async fn a_task_that_moved_on_reaches_a_phone_that_is_behind_once_as_it_is_now() {
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_approval().await.unwrap();
    leader.client.sync().await.unwrap();
    let tablet = harness
        .activated_phone("tablet", demo::LEADER)
        .await
        .unwrap();
    let page = page(&harness, &tablet, "", 500).await;
    let copies: Vec<&InboxEntry> = page
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Inbox { entry } if entry.task_id == task => Some(&**entry),
            _ => None,
        })
        .collect();
    assert_eq!(copies.len(), 1, "one copy of the task, not one per change");
    let now = copies[0].instance.task(&task).unwrap();
    assert!(!now.state.is_open(), "the copy is the task as it is now");
    assert!(
        matches!(page.changes.first(), Some(Change::Verdict { .. })),
        "the verdict comes first"
    );
}

#[tokio::test]
async fn pages_stop_near_a_megabyte_and_lose_or_repeat_nothing_across_their_cut() {
    let harness = Harness::start().await.unwrap();
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let entry = seeded_entry(&harness).await;
    append(
        &harness,
        (0..30).map(|n| history(&entry, n, 100 * 1024)).collect(),
    )
    .await;
    let mut cursor = String::new();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = page(&harness, &leader, &cursor, 500).await;
        pages += 1;
        let bytes: usize = page
            .changes
            .iter()
            .map(|c| serde_json::to_vec(c).unwrap().len())
            .sum();
        assert!(
            bytes <= feed::MAX_PAGE_BYTES + 110 * 1024,
            "a page of {bytes} bytes"
        );
        seen.extend(page.changes.iter().map(label));
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert!(pages >= 3, "30 changes of 100 KB fit in {pages} pages");
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(seen.len(), 31, "{seen:?}");
    assert_eq!(distinct.len(), 31, "a change came twice");
}

#[tokio::test]
async fn a_cursor_the_gateway_never_issued_is_refused() {
    let harness = Harness::start().await.unwrap();
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    for cursor in ["v2.1.2", "v9.1.1.1.1", "abc", "-3"] {
        let response = get_sync(&harness, &leader, &format!("cursor={cursor}")).await;
        assert_eq!(
            error_code(response).await,
            (400, "bad_cursor".into()),
            "{cursor}"
        );
    }
}
