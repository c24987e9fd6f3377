//! Applying pulled pages: the range of deliveries a page of notices leaves to report, and what
//! is left of it once a report went while more pages were stored; a page with more new opinions
//! than one statement writes, with an update of one of them in the same page.

#![allow(clippy::unwrap_used)]

use crate::keys::DataKey;
use crate::model::{Notice, NoticeScope, Urgency};
use crate::protocol::{Change, Signed, SyncPage};
use crate::store::test_support::*;

fn notices_page(ids: &[&str], cursor: &str) -> SyncPage {
    let changes = ids
        .iter()
        .map(|id| Change::Notice {
            notice: Box::new(Notice {
                id: (*id).into(),
                title: "关于报送材料的通知".into(),
                body: "请各处室于周五前报送".into(),
                attachments: vec![],
                publisher: account().identity,
                published_at: days(1),
                scope: NoticeScope {
                    people: vec![ME.into()],
                    ..Default::default()
                },
                receipt_required: false,
                receipt_form: None,
                receipt_deadline: None,
            }),
            // Checked when shown, not when filed.
            signed: Signed::from_base64("not checked here".into()),
        })
        .collect();
    SyncPage {
        changes,
        ..page(vec![], cursor)
    }
}

#[test]
fn pages_of_notices_leave_one_range_to_report_and_a_report_takes_only_what_it_carried() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let entry = fresh_entry("d1", "关于春耕的通知", Urgency::Normal, t0());
    store.apply_page(&page(vec![entry], "c1")).unwrap();
    assert_eq!(store.deliveries_to_report().unwrap(), None);

    store
        .apply_page(&notices_page(&["n1", "n2"], "c2"))
        .unwrap();
    store.apply_page(&page(vec![], "c3")).unwrap();
    store.apply_page(&notices_page(&["n3"], "c4")).unwrap();
    let range = ("c1".to_owned(), "c4".to_owned());
    assert_eq!(store.deliveries_to_report().unwrap(), Some(range.clone()));
    // Nothing is sent as a 回执 for them.
    assert!(store.receipts_to_send().unwrap().is_empty());

    // A pull carried the range while another page of notices was being stored.
    store.apply_page(&notices_page(&["n4"], "c5")).unwrap();
    store.deliveries_reported(&range).unwrap();
    let left = ("c4".to_owned(), "c5".to_owned());
    assert_eq!(store.deliveries_to_report().unwrap(), Some(left.clone()));
    // A report of a range already taken changes nothing.
    store.deliveries_reported(&range).unwrap();
    assert_eq!(store.deliveries_to_report().unwrap(), Some(left.clone()));
    store.deliveries_reported(&left).unwrap();
    assert_eq!(store.deliveries_to_report().unwrap(), None);
    assert_eq!(store.notices(10, 0).unwrap().len(), 4);
}

#[test]
fn a_page_with_many_new_opinions_writes_them_all_and_a_newer_version_in_it_wins() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let mut entries: Vec<_> = (0..150)
        .map(|i| {
            let fresh = fresh_entry(&format!("d{i}"), "关于春耕的通知", Urgency::Normal, t0());
            approved(&fresh, &format!("同意。{i}"), days(1))
        })
        .collect();
    // The first instance comes again in the same page, one version on, its opinion changed.
    let mut newer = entries[0].clone();
    newer.instance.version += 1;
    newer.instance.tasks[0].opinion.as_mut().unwrap().text = "改为：同意，抓紧办理。".into();
    entries.push(newer);
    store.apply_page(&page(entries, "c1")).unwrap();

    let count: i64 = store
        .conn
        .query_row("SELECT count(*) FROM opinions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 150);
    let text = |instance: &str| -> String {
        store
            .conn
            .query_row(
                "SELECT text FROM opinions WHERE instance_id = ?1",
                [instance],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(text("d0"), "改为：同意，抓紧办理。");
    assert_eq!(text("d149"), "同意。149");
}

#[test]
fn after_a_page_applied_or_refused_the_store_commits_with_full_sync_again() {
    let synchronous = |store: &crate::store::Store| -> i64 {
        store
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let entry = fresh_entry("d1", "关于春耕的通知", Urgency::Normal, t0());
    store.apply_page(&page(vec![entry], "c1")).unwrap();
    assert_eq!(synchronous(&store), 2, "FULL");
    assert_eq!(
        store
            .list(crate::store::ListKind::Todo, 10, 0)
            .unwrap()
            .len(),
        1
    );

    // Without an account the page is refused; the setting is restored all the same.
    let bare = tempfile::tempdir().unwrap();
    let mut unbound =
        crate::store::Store::open(&bare.path().join("s.db"), &DataKey::generate().unwrap())
            .unwrap();
    assert!(unbound.apply_page(&page(vec![], "c1")).is_err());
    assert_eq!(synchronous(&unbound), 2, "FULL");
}
