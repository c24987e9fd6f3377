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
