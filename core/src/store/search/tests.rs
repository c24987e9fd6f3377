//! The search index as a person uses it: Chinese queries of one, two and more characters, 文号
//! digits, opinions and notices, what each result opens, newest first, a changed document found
//! by its new words. The fixtures here serve `upkeep_tests.rs` too.

use super::super::test_support::*;
use super::super::*;
use super::{SearchHit, SearchKind, SearchQuery};
use crate::keys::DataKey;
use crate::model::{Identity, Notice, NoticeScope, Urgency};
use crate::protocol::InboxEntry;
use chrono::{DateTime, Utc};

pub(super) fn search(store: &Store, text: &str) -> Vec<SearchHit> {
    store
        .search(&SearchQuery::parse(text).unwrap(), 50)
        .unwrap()
}

/// The titles found for `text`, newest first.
pub(super) fn titles(store: &Store, text: &str) -> Vec<String> {
    search(store, text).into_iter().map(|h| h.title).collect()
}

/// A document entry titled `title`, received `day` days after t0.
pub(super) fn entry(id: &str, title: &str, day: i64) -> InboxEntry {
    let mut entry = fresh_entry(id, title, Urgency::Normal, days(day));
    entry.document.received_at = Some(days(day).to_rfc3339());
    entry
}

pub(super) fn notice(id: &str, title: &str, body: &str, at: DateTime<Utc>) -> Notice {
    Notice {
        id: id.into(),
        title: title.into(),
        body: body.into(),
        attachments: Vec::new(),
        publisher: Identity {
            user_id: "office".into(),
            name: "厅办公室".into(),
            post: "主任".into(),
            unit_id: "unit".into(),
        },
        published_at: at,
        scope: NoticeScope {
            people: vec![ME.into()],
            ..NoticeScope::default()
        },
        receipt_required: false,
        receipt_form: None,
        receipt_deadline: None,
    }
}

/// A store holding four documents (one with a full head), an approval with its opinion and a
/// notice.
pub(super) fn filled(dir: &Path) -> (Store, Vec<InboxEntry>) {
    let mut store = store_in(dir, &DataKey::generate().unwrap());
    let mut first = entry("d1", "关于做好春耕备耕工作的通知", 1);
    first.document.body.main_recipients = vec!["各市农业农村局".into()];
    first.document.head.signers = vec!["李娜".into()];
    let entries = vec![
        first,
        entry("d2", "关于春耕，耕地保护督查的函", 2),
        entry("d3", "关于防汛抗旱工作的紧急通知", 3),
        entry("d4", "关于召开全省农业工作会议的通知", 4),
    ];
    store.apply_page(&page(entries.clone(), "1")).unwrap();
    store
        .apply_page(&page(
            vec![approved(
                &entries[2],
                "同意。请张伟同志牵头落实防汛值班",
                days(5),
            )],
            "2",
        ))
        .unwrap();
    store
        .save_notice(
            &notice(
                "n1",
                "关于国庆节放假安排的通知",
                "请各处室于九月二十日前报送值班表。",
                days(6),
            ),
            None,
            days(6),
        )
        .unwrap();
    (store, entries)
}

#[test]
fn one_character_finds_it_anywhere_in_a_word() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = filled(dir.path());
    // 函 only ends a title; 汛 sits inside 防汛; 娜 ends the signer's name.
    assert_eq!(titles(&store, "函"), ["关于春耕，耕地保护督查的函"]);
    assert_eq!(
        titles(&store, "汛"),
        ["关于防汛抗旱工作的紧急通知", "关于防汛抗旱工作的紧急通知"],
        "the document and the opinion written on it"
    );
    assert_eq!(titles(&store, "娜"), ["关于做好春耕备耕工作的通知"]);
    assert!(titles(&store, "鹿").is_empty());
}

#[test]
fn two_characters_find_names_and_words_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = filled(dir.path());
    assert_eq!(titles(&store, "李娜"), ["关于做好春耕备耕工作的通知"]);
    let hits = search(&store, "张伟");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].kind, SearchKind::Opinion);
    assert_eq!(hits[0].title, "关于防汛抗旱工作的紧急通知");
    assert_eq!(
        titles(&store, "春耕"),
        ["关于春耕，耕地保护督查的函", "关于做好春耕备耕工作的通知"],
        "newest first"
    );
    assert!(titles(&store, "娜李").is_empty(), "order matters");
}

#[test]
fn longer_queries_match_the_whole_run_only() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = filled(dir.path());
    assert_eq!(titles(&store, "春耕备耕"), ["关于做好春耕备耕工作的通知"]);
    assert_eq!(
        titles(&store, "春耕地"),
        Vec::<String>::new(),
        "春耕，耕地 holds 春耕 and 耕地 but not 春耕地"
    );
    assert_eq!(
        titles(&store, "全省农业工作会议"),
        ["关于召开全省农业工作会议的通知"]
    );
    // Several words: each must occur.
    assert_eq!(titles(&store, "通知 防汛"), ["关于防汛抗旱工作的紧急通知"]);
    assert!(titles(&store, "通知 耕地").is_empty());
}

#[test]
fn document_numbers_and_ascii_are_found_by_their_digits_and_words() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let mut a = entry("n12", "关于报送材料的通知", 1);
    a.document.number.sequence = 12;
    a.document.body.note = Some("联系人：QianPi Support".into());
    let mut b = entry("n13", "关于报送材料的通知", 2);
    b.document.number.sequence = 13;
    b.document.number.year = 2025;
    store.apply_page(&page(vec![a.clone(), b], "1")).unwrap();
    assert_eq!(search(&store, "12号").len(), 1);
    assert_eq!(search(&store, "晋农办〔2026〕12号")[0].id, a.task_id);
    assert_eq!(search(&store, "２０２５").len(), 1, "fullwidth digits");
    assert!(search(&store, "2024").is_empty());
    let hits = search(&store, "qianpi");
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].snippet.marked("[", "]"),
        "联系人：[QianPi] Support",
        "the field that matched is shown, its match marked"
    );
}

#[test]
fn a_result_opens_the_users_task_or_the_document_or_the_notice() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, entries) = filled(dir.path());
    let hit = &search(&store, "备耕")[0];
    assert_eq!(hit.kind, SearchKind::Task);
    assert_eq!(hit.id, entries[0].task_id);
    assert_eq!(hit.at, days(1));
    assert_eq!(hit.snippet.marked("[", "]"), "关于做好春耕[备耕]工作的通知");
    // A document the user holds no task on opens as the document.
    let mut other = entry("x1", "关于转发水利厅防汛通知的通知", 7);
    other
        .instance
        .tasks
        .iter_mut()
        .for_each(|t| t.assignee = "zhao".into());
    store.apply_page(&page(vec![other], "3")).unwrap();
    let hit = &search(&store, "水利厅")[0];
    assert_eq!((hit.kind, hit.id.as_str()), (SearchKind::Document, "x1"));
    let hit = &search(&store, "值班表")[0];
    assert_eq!((hit.kind, hit.id.as_str()), (SearchKind::Notice, "n1"));
    assert_eq!(hit.at, days(6));
    assert_eq!(search(&store, "办公室")[0].id, "n1", "the publisher");
}

#[test]
fn results_come_newest_first_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = filled(dir.path());
    let hits = store
        .search(&SearchQuery::parse("关于").unwrap(), 3)
        .unwrap();
    let found: Vec<(SearchKind, &str)> = hits.iter().map(|h| (h.kind, h.title.as_str())).collect();
    assert_eq!(
        found,
        [
            (SearchKind::Notice, "关于国庆节放假安排的通知"),
            (SearchKind::Task, "关于召开全省农业工作会议的通知"),
            (SearchKind::Task, "关于防汛抗旱工作的紧急通知"),
        ]
    );
    assert!(hits.windows(2).all(|w| w[0].at >= w[1].at));
}

#[test]
fn a_changed_document_is_found_by_its_new_text_only() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, entries) = filled(dir.path());
    let mut renamed = approved(&entries[3], "同意", days(8));
    renamed.document.title = "关于召开全省种业振兴会议的通知".into();
    store.apply_page(&page(vec![renamed], "3")).unwrap();
    assert!(titles(&store, "农业工作会议").is_empty());
    assert_eq!(
        titles(&store, "种业振兴"),
        ["关于召开全省种业振兴会议的通知"]
    );
    let hit = &search(&store, "种业振兴")[0];
    assert_eq!(hit.at, days(4), "it keeps its place in time");
}
