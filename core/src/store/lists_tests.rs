//! The lists' pages read their rows from indexes (schema version 11): right after an unlock every
//! page a query touches is read from the file and decrypted, so 待办's first page must not read a
//! table page of its tasks, instances or documents, and every list reads its documents' summary
//! from the narrow index rather than from the document rows.

use super::lists::list_sql;
use super::test_support::*;
use super::*;
use crate::keys::DataKey;
use crate::model::Urgency;

fn plan(store: &Store, kind: ListKind) -> String {
    let plan: Vec<String> = store
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", list_sql(kind)))
        .unwrap()
        .query_map(rusqlite::params!["wang", 50i64, 0i64], |r| {
            r.get::<_, String>(3)
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    plan.join(" | ")
}

#[test]
fn the_todo_page_reads_indexes_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path(), &DataKey::generate().unwrap());
    let plan = plan(&store, ListKind::Todo);
    for index in [
        "USING COVERING INDEX tasks_todo",
        "USING COVERING INDEX instances_summary",
        "USING COVERING INDEX documents_summary",
    ] {
        assert!(plan.contains(index), "{index}: {plan}");
    }
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
}

#[test]
fn every_list_reads_its_documents_from_the_summary_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path(), &DataKey::generate().unwrap());
    for kind in [
        ListKind::Done,
        ListKind::ToRead,
        ListKind::Read,
        ListKind::Sent,
        ListKind::Drafts,
    ] {
        let plan = plan(&store, kind);
        assert!(
            plan.contains("USING COVERING INDEX documents_summary"),
            "{kind:?}: {plan}"
        );
        if kind != ListKind::Sent {
            assert!(
                plan.contains("USING COVERING INDEX instances_summary"),
                "{kind:?}: {plan}"
            );
        }
    }
}

#[test]
fn the_todo_page_shows_what_the_tasks_and_documents_hold() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let urgent = fresh_entry(
        "doc-a",
        "关于春耕备耕的紧急通知",
        Urgency::ExtraUrgent,
        t0(),
    );
    let normal = fresh_entry("doc-b", "关于年度预算的报告", Urgency::Normal, days(1));
    store
        .apply_page_at(&page(vec![normal.clone(), urgent.clone()], "c1"), t0())
        .unwrap();
    let rows = store.list(ListKind::Todo, 50, 0).unwrap();
    let shown: Vec<(&str, &str, &str, Urgency)> = rows
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.document_id.as_str(),
                r.title.as_str(),
                r.urgency,
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            (
                urgent.task_id.as_str(),
                "doc-a",
                "关于春耕备耕的紧急通知",
                Urgency::ExtraUrgent
            ),
            (
                normal.task_id.as_str(),
                "doc-b",
                "关于年度预算的报告",
                Urgency::Normal
            ),
        ]
    );
}

#[test]
fn a_row_says_what_kind_of_document_it_is_and_its_secrecy() {
    use crate::model::{DocumentKind, SecrecyLevel};
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let incoming = fresh_entry("doc-in", "关于春耕备耕的通知", Urgency::Normal, t0());
    let mut outgoing = fresh_entry("doc-out", "关于印发预算的通知", Urgency::Normal, days(1));
    outgoing.document.kind = DocumentKind::Outgoing;
    store
        .apply_page_at(&page(vec![incoming, outgoing], "c1"), t0())
        .unwrap();
    let rows = store.list(ListKind::Todo, 50, 0).unwrap();
    let mut shown: Vec<(&str, DocumentKind, SecrecyLevel)> = rows
        .iter()
        .map(|r| (r.document_id.as_str(), r.kind, r.secrecy))
        .collect();
    shown.sort_by_key(|row| row.0);
    assert_eq!(
        shown,
        vec![
            ("doc-in", DocumentKind::Incoming, SecrecyLevel::None),
            ("doc-out", DocumentKind::Outgoing, SecrecyLevel::None),
        ]
    );
}
