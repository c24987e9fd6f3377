//! The store's promises: encrypted at rest, a wrong key refused before anything runs, a newer
//! schema refused, and queued actions kept until their verdict.

use super::*;
use crate::keys::DataKey;

fn open(dir: &Path, key: &DataKey) -> Result<Store, StoreError> {
    Store::open(&dir.join("t.db"), key)
}

#[test]
fn the_file_is_not_a_readable_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    let mut store = open(dir.path(), &key).unwrap();
    let account = Account {
        server_url: "http://127.0.0.1:1/".into(),
        device_id: "dev".into(),
        identity: crate::model::Identity {
            user_id: "u".into(),
            name: "王局长 marker-ascii".into(),
            post: "局长".into(),
            unit_id: "unit".into(),
        },
        unit_name: "山西省农业厅办公室".into(),
        request_key_id: "dk_x".into(),
        approval_key_id: "ak_x".into(),
        access_token: "secret-token".into(),
    };
    store.save_account(&account, 0).unwrap();
    drop(store);
    let bytes = std::fs::read(dir.path().join("t.db")).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    for marker in ["marker-ascii", "王局长", "secret-token"] {
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "{marker} found in plaintext"
        );
    }
}

#[test]
fn a_wrong_key_is_refused_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), &DataKey::generate().unwrap()).unwrap());
    let result = open(dir.path(), &DataKey::generate().unwrap());
    assert!(
        matches!(result, Err(StoreError::WrongKey)),
        "got {:?}",
        result.err()
    );
}

#[test]
fn reopening_with_the_right_key_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::from_bytes(&[3u8; 48]).unwrap();
    drop(open(dir.path(), &key).unwrap());
    let store = open(dir.path(), &key).unwrap();
    assert!(store.account().unwrap().is_none());
}

#[test]
fn a_store_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    let store = open(dir.path(), &key).unwrap();
    store
        .conn
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    drop(store);
    assert!(matches!(
        open(dir.path(), &key),
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

#[test]
fn a_classified_document_is_never_stored_even_if_the_feed_carries_one() {
    use crate::model::{Document, DocumentKind, DocumentNumber, Identity, SecrecyLevel, Urgency};
    use crate::protocol::{Change, InboxEntry, SyncPage};
    use crate::workflow::{Env, Instance, Node, ProcessDefinition};
    use chrono::Utc;
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path(), &DataKey::generate().unwrap()).unwrap();
    let identity = Identity {
        user_id: "u".into(),
        name: "王".into(),
        post: "厅长".into(),
        unit_id: "unit".into(),
    };
    let account = Account {
        server_url: "http://127.0.0.1:1/".into(),
        device_id: "dev".into(),
        identity,
        unit_name: "办公室".into(),
        request_key_id: "dk".into(),
        approval_key_id: "ak".into(),
        access_token: "t".into(),
    };
    store.save_account(&account, 0).unwrap();
    let definition = ProcessDefinition::new(
        "def",
        "收文",
        "n1",
        vec![
            Node::manual("n1", "批示", &["u"]).route("结束", "end"),
            Node::end("end"),
        ],
    );
    let entry = |id: &str, secrecy| InboxEntry {
        task_id: format!("{id}-t1"),
        document: Document {
            id: id.into(),
            unit_id: "unit".into(),
            kind: DocumentKind::Incoming,
            title: "标题".into(),
            number: DocumentNumber {
                organ: "晋农办".into(),
                year: 2026,
                sequence: 1,
            },
            urgency: Urgency::Normal,
            secrecy,
            from_organ: None,
            received_at: None,
            head: Default::default(),
            body: Default::default(),
            footer: Default::default(),
            receiving: Default::default(),
            handling: Default::default(),
        },
        instance: Instance::start(Env::new(&definition), id, id, "x", Utc::now()).unwrap(),
        definition: definition.clone(),
    };
    let page = SyncPage {
        changes: vec![
            Change::Inbox {
                entry: Box::new(entry("open", SecrecyLevel::None)),
            },
            Change::Inbox {
                entry: Box::new(entry("secret", SecrecyLevel::Secret)),
            },
        ],
        next_cursor: "2".into(),
        has_more: false,
        server_time: chrono::Utc::now(),
    };
    store.apply_page(&page).unwrap();
    let stored: Vec<String> = store
        .inbox()
        .unwrap()
        .into_iter()
        .map(|r| r.entry.task_id)
        .collect();
    assert_eq!(stored, ["open-t1"]);
}
