//! The store's security promises (security.md S-1 to S-4 at the store level): encrypted at rest,
//! a wrong key refused before anything is written, damaged bytes always detected and never read
//! as wrong data, and a rekey after which only the new key opens the file.

use super::test_support::*;
use super::*;
use crate::keys::DataKey;
use crate::model::{Opinion, Urgency};

/// Everything the phone can read back, as one comparable text.
fn snapshot(store: &Store) -> Result<String, StoreError> {
    let mut lists = Vec::new();
    for kind in [
        ListKind::Todo,
        ListKind::Done,
        ListKind::ToRead,
        ListKind::Read,
        ListKind::Sent,
        ListKind::Drafts,
    ] {
        lists.push(store.list(kind, 1000, 0)?);
    }
    Ok(format!(
        "{:?}{:?}{:?}{:?}{:?}{:?}",
        store.account()?,
        store.inbox(1000)?,
        lists,
        store.outbox()?,
        store.verdicts()?,
        store.policy()?
    ))
}

/// A store with a few documents, one approved, one drafted.
fn filled(dir: &Path, key: &DataKey) -> Store {
    let mut store = store_in(dir, key);
    let entries: Vec<_> = (0..12)
        .map(|n| {
            fresh_entry(
                &format!("doc{n}"),
                &format!("关于第{n}批项目的通知 marker-ascii"),
                Urgency::Normal,
                days(n),
            )
        })
        .collect();
    store.apply_page(&page(entries.clone(), "1")).unwrap();
    store
        .apply_page(&page(
            vec![approved(&entries[0], "同意，请办理", days(1))],
            "2",
        ))
        .unwrap();
    store
        .save_draft(&entries[1].task_id, &Opinion::agree("拟同意"), days(2))
        .unwrap();
    store
}

#[test]
fn the_file_is_not_a_readable_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    drop(filled(dir.path(), &key));
    let bytes = std::fs::read(dir.path().join("t.db")).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    for marker in ["marker-ascii", "王局长", "token-secret", "关于第"] {
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "{marker} found in plaintext"
        );
    }
}

#[test]
fn a_wrong_key_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    drop(filled(dir.path(), &key));
    let path = dir.path().join("t.db");
    let before = std::fs::read(&path).unwrap();
    let result = Store::open(&path, &DataKey::generate().unwrap());
    assert!(
        matches!(result, Err(StoreError::WrongKey)),
        "got {:?}",
        result.err()
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file was touched"
    );
    assert!(
        !dir.path().join("t.db-wal").exists(),
        "a write-ahead log was started"
    );
}

#[test]
fn reopening_with_the_right_key_reads_everything_back() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::from_bytes(&[3u8; 48]).unwrap();
    let store = filled(dir.path(), &key);
    let before = snapshot(&store).unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("t.db"), &key).unwrap();
    assert_eq!(snapshot(&store).unwrap(), before);
}

/// A small deterministic generator, so a failing flip can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn every_single_bit_flip_is_detected_and_never_read_as_wrong_data() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    let store = filled(dir.path(), &key);
    let original = snapshot(&store).unwrap();
    store.checkpoint().unwrap();
    drop(store);
    let pristine = std::fs::read(dir.path().join("t.db")).unwrap();
    let mut rng = XorShift(0x5eed_cafe_f00d);
    for round in 0..100 {
        let bit = rng.next() % (pristine.len() as u64 * 8);
        let mut bytes = pristine.clone();
        bytes[(bit / 8) as usize] ^= 1 << (bit % 8);
        let case = tempfile::tempdir().unwrap();
        let path = case.path().join("t.db");
        std::fs::write(&path, &bytes).unwrap();
        let outcome = Store::open(&path, &key).and_then(|store| {
            // Whatever the queries return must be the original data…
            if let Ok(seen) = snapshot(&store) {
                assert_eq!(
                    seen, original,
                    "flip of bit {bit} (round {round}) read as wrong data"
                );
            }
            // …and the full check must find the damage.
            store.check_integrity()
        });
        assert!(
            matches!(
                outcome,
                Err(StoreError::WrongKey | StoreError::Corrupted(_))
            ),
            "flip of bit {bit} (round {round}) went unnoticed: {outcome:?}"
        );
    }
}

#[test]
fn after_a_rekey_the_old_key_fails_and_the_new_key_reads_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let old = DataKey::generate().unwrap();
    let new = DataKey::generate().unwrap();
    let mut store = filled(dir.path(), &old);
    let before = snapshot(&store).unwrap();
    store.rekey(&new).unwrap();
    assert_eq!(snapshot(&store).unwrap(), before);
    drop(store);
    let path = dir.path().join("t.db");
    assert!(matches!(
        Store::open(&path, &old),
        Err(StoreError::WrongKey)
    ));
    let store = Store::open(&path, &new).unwrap();
    assert_eq!(snapshot(&store).unwrap(), before);
    store.check_integrity().unwrap();
}

#[test]
fn a_classified_document_is_never_stored_even_if_the_feed_carries_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let open = fresh_entry("open", "公开件", Urgency::Normal, t0());
    let mut secret = fresh_entry("secret", "秘密件", Urgency::Normal, t0());
    secret.document.secrecy = crate::model::SecrecyLevel::Secret;
    store
        .apply_page(&page(vec![open.clone(), secret], "2"))
        .unwrap();
    let stored: Vec<String> = store
        .list(ListKind::Todo, 50, 0)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(stored, [open.task_id]);
    let documents: i64 = store
        .conn
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(documents, 1);
}

#[test]
fn the_file_key_root_is_made_once_and_kept_inside_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let key = DataKey::generate().unwrap();
    let mut store = store_in(dir.path(), &key);
    let first = *store.file_root_key().unwrap().as_bytes();
    drop(store);
    let mut store = Store::open(&dir.path().join("t.db"), &key).unwrap();
    assert_eq!(*store.file_root_key().unwrap().as_bytes(), first);
}
