//! The repositories as the phone's screens use them: the lists and their order, what a newer or
//! older instance does, queued actions and their verdicts, drafts, notices and receipts, the
//! purge, and that 待办 is served by its index.

use super::test_support::*;
use super::*;
use crate::keys::DataKey;
use crate::model::{Notice, NoticeScope, Opinion, RecipientStatus, Urgency};
use crate::protocol::{CommandVerdict, SignedCommand, VerdictOutcome};
use crate::workflow::{InstanceState, ReadItem};

fn ids(items: &[ListItem]) -> Vec<&str> {
    items.iter().map(|i| i.id.as_str()).collect()
}

fn queue(store: &mut Store, entry: &crate::protocol::InboxEntry, counter: u64) -> String {
    let command_id = format!("cmd-{counter}");
    let row = OutboxRow {
        command: envelope(&command_id),
        task_id: entry.task_id.clone(),
        counter,
        record_hash: format!("hash-{counter}"),
        created_at: t0(),
        decided_offline: true,
    };
    store
        .enqueue(&row, &approved(entry, "同意", t0()).instance)
        .unwrap();
    command_id
}

/// A command envelope; these tests never look inside it.
fn envelope(command_id: &str) -> SignedCommand {
    SignedCommand {
        command_id: command_id.to_owned(),
        cose: String::new(),
    }
}

#[test]
fn todo_lists_pending_tasks_most_urgent_then_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let a = fresh_entry("a", "关于春耕的通知", Urgency::Normal, days(0));
    let b = fresh_entry("b", "关于防汛的紧急通知", Urgency::ExtraUrgent, days(1));
    let c = fresh_entry("c", "关于调研的函", Urgency::Urgent, days(2));
    let d = fresh_entry("d", "关于培训的通知", Urgency::Normal, days(3));
    // Each arrives on its own day: 待办 is ordered by when the task reached the phone.
    for (n, entry) in [&a, &b, &c, &d].into_iter().enumerate() {
        store
            .apply_page_at(&page(vec![entry.clone()], "1"), days(n as i64))
            .unwrap();
    }
    let todo = store.list(ListKind::Todo, 50, 0).unwrap();
    assert_eq!(ids(&todo), [&b, &c, &d, &a].map(|e| e.task_id.as_str()));
    assert_eq!(todo[0].title, "关于防汛的紧急通知");
    assert_eq!(todo[0].number, "晋农办〔2026〕12号");
    assert_eq!(todo[0].urgency, Urgency::ExtraUrgent);
    assert_eq!(store.list(ListKind::Todo, 2, 2).unwrap().len(), 2);
    assert!(store.list(ListKind::Done, 50, 0).unwrap().is_empty());
    assert_eq!(store.account().unwrap().unwrap().1.cursor, "1");
}

#[test]
fn an_approved_instance_moves_the_task_to_done_with_its_opinion_and_trace() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let entry = fresh_entry("a", "关于春耕的通知", Urgency::Normal, t0());
    store.apply_page(&page(vec![entry.clone()], "1")).unwrap();
    let done = approved(&entry, "拟同意，请李处办理", days(1));
    store.apply_page(&page(vec![done.clone()], "2")).unwrap();
    assert!(store.list(ListKind::Todo, 50, 0).unwrap().is_empty());
    let listed = store.list(ListKind::Done, 50, 0).unwrap();
    assert_eq!(ids(&listed), [entry.task_id.as_str()]);
    assert_eq!(listed[0].at, Some(days(1)));
    let row = store.inbox_row(&entry.task_id).unwrap().unwrap();
    assert_eq!(row.state, LocalTaskState::Done);
    assert_eq!(
        row.entry, done,
        "the stored detail is exactly what the gateway sent"
    );
    assert_eq!(store.trace("a").unwrap(), done.instance.trace);
    let text: String = store
        .conn
        .query_row(
            "SELECT text FROM opinions WHERE task_id = ?1",
            [&entry.task_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(text, "拟同意，请李处办理");
}

#[test]
fn an_older_instance_version_never_overwrites_a_newer_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let entry = fresh_entry("a", "标题", Urgency::Normal, t0());
    let newer = approved(&entry, "同意", days(1));
    store.apply_page(&page(vec![newer.clone()], "2")).unwrap();
    store.apply_page(&page(vec![entry.clone()], "3")).unwrap();
    let row = store.inbox_row(&entry.task_id).unwrap().unwrap();
    assert_eq!(row.entry.instance.version, newer.instance.version);
    assert_eq!(row.state, LocalTaskState::Done);
}

#[test]
fn a_queued_action_leaves_todo_and_its_verdict_settles_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let a = fresh_entry("a", "甲", Urgency::Normal, t0());
    let b = fresh_entry("b", "乙", Urgency::Normal, t0());
    store
        .apply_page(&page(vec![a.clone(), b.clone()], "1"))
        .unwrap();
    let first = queue(&mut store, &a, 1);
    let second = queue(&mut store, &b, 2);
    assert!(store.list(ListKind::Todo, 50, 0).unwrap().is_empty());
    let done = store.list(ListKind::Done, 50, 0).unwrap();
    assert!(done.iter().all(|i| i.queued));
    assert!(store
        .inbox_row(&a.task_id)
        .unwrap()
        .unwrap()
        .local_instance
        .is_some());
    // A pull before the verdict does not bring the task back to 待办.
    store.apply_page(&page(vec![a.clone()], "2")).unwrap();
    assert_eq!(
        store.inbox_row(&a.task_id).unwrap().unwrap().state,
        LocalTaskState::Queued
    );
    let (_, device) = store.account().unwrap().unwrap();
    assert_eq!(
        (device.next_counter, device.last_record_hash.as_str()),
        (3, "hash-2")
    );
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.iter().map(|r| r.counter).collect::<Vec<_>>(), [1, 2]);
    let accepted = CommandVerdict {
        command_id: first,
        task_id: a.task_id.clone(),
        outcome: VerdictOutcome::Accepted {
            instance_version: 2,
            instance_state: InstanceState::Running,
            current_node_name: Some("办理".into()),
        },
        decided_at: t0(),
        receipt: None,
    };
    let refused = CommandVerdict {
        command_id: second,
        task_id: b.task_id.clone(),
        outcome: VerdictOutcome::refused_by_rule(crate::workflow::RejectionCode::Stale, 3),
        decided_at: t0(),
        receipt: None,
    };
    store.record_verdicts(&[accepted, refused]).unwrap();
    assert_eq!(store.outbox_len().unwrap(), 0);
    assert_eq!(
        ids(&store.list(ListKind::Todo, 50, 0).unwrap()),
        [b.task_id.as_str()]
    );
    let row = store.inbox_row(&a.task_id).unwrap().unwrap();
    assert_eq!(
        (row.state, row.local_instance),
        (LocalTaskState::Done, None)
    );
    assert_eq!(store.verdicts().unwrap().len(), 2);
}

#[test]
fn a_second_command_for_the_same_counter_is_contended_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let a = fresh_entry("a", "甲", Urgency::Normal, t0());
    store.apply_page(&page(vec![a.clone()], "1")).unwrap();
    queue(&mut store, &a, 1);
    let row = OutboxRow {
        command: envelope("other"),
        task_id: a.task_id.clone(),
        counter: 1,
        record_hash: "h".into(),
        created_at: t0(),
        decided_offline: false,
    };
    assert!(matches!(
        store.enqueue(&row, &a.instance),
        Err(StoreError::Contended)
    ));
    assert_eq!(store.outbox_len().unwrap(), 1);
}

#[test]
fn drafts_stay_on_the_phone_until_the_decision_replaces_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let a = fresh_entry("a", "甲", Urgency::Normal, t0());
    store.apply_page(&page(vec![a.clone()], "1")).unwrap();
    let draft = Opinion::agree("拟同意（未完）");
    store.save_draft(&a.task_id, &draft, days(1)).unwrap();
    assert_eq!(store.draft(&a.task_id).unwrap(), Some(draft));
    assert_eq!(
        ids(&store.list(ListKind::Drafts, 50, 0).unwrap()),
        [a.task_id.as_str()]
    );
    queue(&mut store, &a, 1);
    assert!(store.list(ListKind::Drafts, 50, 0).unwrap().is_empty());
    assert_eq!(store.draft(&a.task_id).unwrap(), None);
}

#[test]
fn sent_lists_instances_the_user_started_and_to_read_lists_unread_circulations() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let mut mine = fresh_entry("mine", "我的签报", Urgency::Normal, t0());
    mine.instance.initiator = ME.into();
    let mut circulated = fresh_entry("circ", "传阅件", Urgency::Normal, t0());
    for (n, read_at) in [(1, None), (2, Some(days(1)))] {
        circulated.instance.read_items.push(ReadItem {
            id: format!("circ-r{n}"),
            recipient: ME.into(),
            sent_by: "li".into(),
            node_id: "n1".into(),
            delivered_at: days(n),
            read_at,
        });
    }
    store
        .apply_page(&page(vec![mine, circulated], "1"))
        .unwrap();
    assert_eq!(ids(&store.list(ListKind::Sent, 50, 0).unwrap()), ["mine"]);
    assert_eq!(
        ids(&store.list(ListKind::ToRead, 50, 0).unwrap()),
        ["circ-r1"]
    );
    assert_eq!(
        ids(&store.list(ListKind::Read, 50, 0).unwrap()),
        ["circ-r2"]
    );
}

fn notice(id: &str, title: &str, day: i64) -> Notice {
    Notice {
        id: id.into(),
        title: title.into(),
        body: "请各处室于周五前报送".into(),
        attachments: vec![],
        publisher: account().identity,
        published_at: days(day),
        scope: NoticeScope {
            people: vec![ME.into()],
            ..Default::default()
        },
        receipt_required: true,
        receipt_form: None,
        receipt_deadline: None,
    }
}

#[test]
fn notices_list_unread_first_and_receipts_wait_to_be_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    store
        .save_notice(&notice("n1", "旧通知", 1), None, days(1))
        .unwrap();
    store
        .save_notice(&notice("n2", "新通知", 2), None, days(2))
        .unwrap();
    store
        .save_notice(&notice("n3", "未读旧通知", 0), None, days(2))
        .unwrap();
    let mut status = store.notice("n2").unwrap().unwrap().status;
    assert_eq!(status.delivered_at, Some(days(2)));
    status.mark_read(days(3));
    store.save_receipt("n2", &status).unwrap();
    let order: Vec<String> = store
        .notices(10, 0)
        .unwrap()
        .into_iter()
        .map(|r| r.notice.id)
        .collect();
    assert_eq!(order, ["n1", "n3", "n2"]);
    // Only the read waits: a delivery is reported by the next pull's cursor, not sent.
    let pending = store.receipts_to_send().unwrap();
    assert_eq!(pending, [("n2".to_owned(), status.clone())]);
    assert!(store.receipt_sent("n2", &status, &status).unwrap());
    assert!(!store.notice("n2").unwrap().unwrap().changed_locally);
    // A newer change made after the send stays marked.
    let mut read = store.notice("n1").unwrap().unwrap().status;
    read.mark_read(days(4));
    store.save_receipt("n1", &read).unwrap();
    let stale = RecipientStatus::default();
    assert!(!store.receipt_sent("n1", &stale, &stale).unwrap());
    assert!(store.notice("n1").unwrap().unwrap().changed_locally);
    assert!(matches!(
        store.save_receipt("missing", &status),
        Err(StoreError::Corrupted(_))
    ));
}

#[test]
fn purge_keeps_pending_queued_and_recent_items_and_reports_orphan_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let pending = fresh_entry("pending", "待办", Urgency::Normal, t0());
    let queued = fresh_entry("queued", "待同步", Urgency::Normal, t0());
    let old = approved(
        &fresh_entry("old", "旧已办", Urgency::Normal, t0()),
        "同意",
        t0(),
    );
    store
        .apply_page_at(
            &page(vec![pending.clone(), queued.clone(), old.clone()], "1"),
            t0(),
        )
        .unwrap();
    queue(&mut store, &queued, 1);
    let recent = approved(
        &fresh_entry("recent", "新已办", Urgency::Normal, days(40)),
        "同意",
        days(40),
    );
    store
        .apply_page_at(&page(vec![recent.clone()], "2"), days(40))
        .unwrap();
    let old_sha = old.document.body.versions[0].sha256.clone();
    store.record_file(&old_sha, 10, t0()).unwrap();
    store
        .record_file("f".repeat(64).as_str(), 10, t0())
        .unwrap();
    let report = store.purge(days(41), 30).unwrap();
    assert_eq!((report.instances, report.documents), (1, 1));
    // The purged document's body and the file nothing refers to are left for the vault to delete.
    assert_eq!(report.orphan_files, [old_sha, "f".repeat(64)]);
    assert!(store.inbox_row(&old.task_id).unwrap().is_none());
    for kept in [&pending, &queued, &recent] {
        assert!(
            store.inbox_row(&kept.task_id).unwrap().is_some(),
            "{} purged",
            kept.task_id
        );
    }
    assert!(store.trace("old").unwrap().is_empty());
}

#[test]
fn the_policy_has_defaults_until_a_newer_one_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    assert_eq!(store.policy().unwrap(), Policy::default());
    let newer = Policy {
        version: 3,
        retention_days: 7,
        inactivity_lock_minutes: 2,
        unopened_body: crate::protocol::UnopenedBodyRule::Warn,
    };
    store.save_policy(&newer).unwrap();
    store
        .save_policy(&Policy {
            version: 2,
            ..Policy::default()
        })
        .unwrap();
    assert_eq!(store.policy().unwrap(), newer);
}

#[test]
fn the_todo_page_is_served_by_its_index_without_sorting() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path(), &DataKey::generate().unwrap());
    let plan: Vec<String> = store
        .conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT t.id FROM tasks t
             JOIN instances i ON i.id = t.instance_id JOIN documents d ON d.id = i.document_id
             WHERE t.list = 'todo' AND ?1 = ?1
             ORDER BY t.urgency DESC, t.received_at DESC, t.id LIMIT 50 OFFSET 0",
        )
        .unwrap()
        .query_map(["x"], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let plan = plan.join(" | ");
    assert!(plan.contains("tasks_todo"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
}
