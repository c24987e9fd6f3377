//! Keeping the index exact: what a purge or any delete removes vanishes from the results, a wipe
//! leaves nothing to find, writes made behind the repositories are indexed before a search, a
//! pulled page is noted and indexed after the sync or by the next search, a store made before
//! the index gets one when it opens, and the index holds tokens, never the text.

use super::super::test_support::*;
use super::super::*;
use super::tests::{entry, filled, notice, search, titles};
use super::SearchKind;
use crate::keys::DataKey;
use crate::protocol::{Change, InboxEntry, SyncPage};

#[test]
fn purged_and_deleted_items_vanish_from_results() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, entries) = filled(dir.path());
    // 办结 by li: the flow ends and nothing of it is pending for the user any more.
    let li_done = {
        let done = approved(&entries[2], "同意。请张伟同志牵头落实防汛值班", days(5));
        finish_as_li(&done)
    };
    store.apply_page(&page(vec![li_done], "3")).unwrap();
    assert!(!search(&store, "张伟").is_empty());
    store
        .raw_connection()
        .execute("UPDATE notices SET unread = 0", [])
        .unwrap();
    store
        .raw_connection()
        .execute("DELETE FROM receipts", [])
        .unwrap();
    let report = store.purge(days(400), 30).unwrap();
    assert!(report.instances >= 1 && report.notices == 1, "{report:?}");
    assert!(search(&store, "张伟").is_empty(), "the purged opinion");
    assert!(search(&store, "防汛").is_empty(), "the purged document");
    assert!(search(&store, "值班表").is_empty(), "the purged notice");
    assert_eq!(
        titles(&store, "春耕备耕"),
        ["关于做好春耕备耕工作的通知"],
        "a pending document stays"
    );
    // Whatever code deletes a row, its entry goes with it.
    store
        .raw_connection()
        .execute("DELETE FROM documents WHERE id = 'd1'", [])
        .unwrap();
    assert!(search(&store, "春耕备耕").is_empty());
    let entries_left: i64 = store
        .raw_connection()
        .query_row("SELECT COUNT(*) FROM search_items", [], |r| r.get(0))
        .unwrap();
    let documents_left: i64 = store
        .raw_connection()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM documents) + (SELECT COUNT(*) FROM opinions WHERE text <> '')
                  + (SELECT COUNT(*) FROM notices)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(entries_left, documents_left, "one entry per item left");
}

/// `entry` after li, the second step, finished it.
fn finish_as_li(entry: &InboxEntry) -> InboxEntry {
    use crate::workflow::{self, Actor, Command, Env, Opinion};
    let task = entry
        .instance
        .tasks
        .iter()
        .find(|t| t.assignee == "li" && t.state.is_pending())
        .unwrap();
    let submission = workflow::Submission {
        command_id: format!("{}-li", task.id),
        actor: Actor::user("li"),
        acting_for: None,
        base_version: entry.instance.version,
        command: Command::Approve {
            task_id: task.id.clone(),
            route: None,
            opinion: Opinion::agree("已阅"),
        },
        at: days(6),
    };
    match workflow::execute(Env::new(&entry.definition), &entry.instance, &submission).unwrap() {
        workflow::Outcome::Applied { instance, .. } => InboxEntry {
            instance: *instance,
            ..entry.clone()
        },
        workflow::Outcome::Duplicate { .. } => unreachable!("fresh command id"),
    }
}

#[test]
fn a_wipe_leaves_nothing_to_find() {
    use crate::session;
    use crate::software::SoftwareKeyVault;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let vault = SoftwareKeyVault::open(&dir.path().join("vault"), "口令 passphrase").unwrap();
    {
        let mut store = session::unlock(&data, &vault).unwrap().store;
        store.save_account(&account(), 0).unwrap();
        store
            .apply_page(&page(vec![entry("d1", "关于春耕备耕的通知", 1)], "1"))
            .unwrap();
        assert_eq!(search(&store, "春耕").len(), 1);
    }
    session::wipe(&data, &vault).unwrap();
    let store = session::unlock(&data, &vault).unwrap().store;
    assert!(search(&store, "春耕").is_empty());
    let entries: i64 = store
        .raw_connection()
        .query_row("SELECT COUNT(*) FROM search_items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(entries, 0);
}

#[test]
fn writes_the_index_has_not_seen_are_indexed_before_a_search() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = filled(dir.path());
    // A write outside the repositories (a repair, a tool): the trigger notes it.
    store
        .raw_connection()
        .execute(
            "UPDATE opinions SET text = '请王芳同志阅处' WHERE text LIKE '%张伟%'",
            [],
        )
        .unwrap();
    assert!(search(&store, "张伟").is_empty());
    assert_eq!(search(&store, "王芳")[0].kind, SearchKind::Opinion);
}

#[test]
fn a_store_made_before_the_index_gets_one_when_it_opens() {
    use super::super::schema::{self, MIGRATIONS};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let key = DataKey::generate().unwrap();
    // Version 7, the last one before the index.
    let before = 7;
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        cipher::unlock(&conn, &key).unwrap();
        for (index, migration) in MIGRATIONS.iter().enumerate().take(before) {
            let bare = schema::Migration {
                sql: migration.sql,
                data: None,
            };
            schema::run_one(&mut conn, index, &bare).unwrap();
        }
        // Filed as that version filed them, before any search table existed.
        let tx = conn.transaction().unwrap();
        let mut writer = feed::Writer::new(&tx, ME).unwrap();
        let old = entry("old", "关于春耕备耕的通知", 1);
        writer.entry(&old, t0()).unwrap();
        writer
            .entry(&approved(&old, "请李娜同志阅处", days(2)), t0())
            .unwrap();
        drop(writer);
        notices::file_notice(
            &tx,
            &notice("n-old", "关于值班安排的通知", "见附件", days(3)),
            None,
            t0(),
            t0(),
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let store = Store::open(&path, &key).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let pending: i64 = store
        .raw_connection()
        .query_row("SELECT COUNT(*) FROM search_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        pending, 0,
        "the migration indexed it all, not the first search"
    );
    assert_eq!(titles(&store, "备耕"), ["关于春耕备耕的通知"]);
    assert_eq!(search(&store, "李娜")[0].kind, SearchKind::Opinion);
    assert_eq!(search(&store, "值班")[0].id, "n-old");
}

#[test]
fn the_index_keeps_no_text_only_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = filled(dir.path());
    // Contentless: FTS5 holds no copy of the text to read back.
    let shadow: Vec<String> = {
        let mut stmt = store
            .raw_connection()
            .prepare("SELECT name FROM sqlite_master WHERE name LIKE 'search_index%'")
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    assert!(
        !shadow.iter().any(|t| t == "search_index_content"),
        "{shadow:?}"
    );
    let text: Option<String> = store
        .raw_connection()
        .query_row("SELECT tokens FROM search_index LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(text, None);
}

#[test]
fn a_pulled_page_is_noted_then_indexed_within_a_budget_or_by_the_next_search() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let page = SyncPage {
        changes: vec![
            Change::Inbox {
                entry: Box::new(entry("d9", "关于开展安全生产大检查的通知", 1)),
            },
            Change::Notice {
                notice: Box::new(notice("n9", "关于停电检修的通知", "周六全天停电", days(2))),
                signed: crate::protocol::Signed::from_base64("c2lnbmVk".into()),
            },
        ],
        ..page(Vec::new(), "1")
    };
    let pending = |store: &Store| -> i64 {
        store
            .raw_connection()
            .query_row("SELECT COUNT(*) FROM search_pending", [], |r| r.get(0))
            .unwrap()
    };
    // Applying the page only notes its document and notice: the page keeps its apply rate.
    store.apply_page(&page).unwrap();
    assert_eq!(pending(&store), 2);
    // After a sync the index takes in a bounded number of them …
    assert_eq!(store.index_for_search(1).unwrap(), 1);
    assert_eq!(pending(&store), 1);
    // … and a search takes in the rest before it answers.
    assert_eq!(titles(&store, "检修"), ["关于停电检修的通知"]);
    assert_eq!(titles(&store, "安全生产"), ["关于开展安全生产大检查的通知"]);
    assert_eq!(pending(&store), 0);
    assert_eq!(store.index_for_search(1000).unwrap(), 0, "nothing left");
}
