//! The pieces of downloads in progress: kept in file order, forgotten when the file is whole or
//! when they do not add up, and purged once nobody continued them within the retention period.

use super::test_support::*;
use super::*;
use crate::keys::DataKey;

fn part(start: u64, size: u64) -> DownloadPart {
    DownloadPart {
        start,
        size,
        part_sha256: format!("{start:064}"),
        total: 1000,
    }
}

#[test]
fn pieces_are_kept_in_file_order_until_the_file_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let sha = "a".repeat(64);
    store
        .save_download_part(&sha, &part(600, 400), t0())
        .unwrap();
    store.save_download_part(&sha, &part(0, 600), t0()).unwrap();
    store
        .save_download_part(&"b".repeat(64), &part(0, 10), t0())
        .unwrap();
    assert_eq!(
        store.download_parts(&sha).unwrap(),
        [part(0, 600), part(600, 400)]
    );
    assert_eq!(store.stored_file_size(&sha).unwrap(), None);
    let finished = store.finish_download(&sha, 1000, t0()).unwrap();
    assert_eq!(finished.len(), 2);
    assert!(store.download_parts(&sha).unwrap().is_empty());
    assert_eq!(store.stored_file_size(&sha).unwrap(), Some(1000));
    assert_eq!(
        store.discard_download(&"b".repeat(64)).unwrap(),
        [part(0, 10)]
    );
    assert!(store.download_parts(&"b".repeat(64)).unwrap().is_empty());
}

#[test]
fn a_growing_piece_replaces_its_row_and_one_piece_can_be_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let sha = "a".repeat(64);
    store.save_download_part(&sha, &part(0, 600), t0()).unwrap();
    store
        .save_download_part(&sha, &part(600, 10), t0())
        .unwrap();
    store
        .save_download_part(&sha, &part(600, 300), t0())
        .unwrap();
    assert_eq!(
        store.download_parts(&sha).unwrap(),
        [part(0, 600), part(600, 300)]
    );
    store.forget_download_part(&sha, 600).unwrap();
    assert_eq!(store.download_parts(&sha).unwrap(), [part(0, 600)]);
}

#[test]
fn a_download_nobody_continued_is_purged_as_a_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
    let (old, recent) = ("a".repeat(64), "b".repeat(64));
    store
        .save_download_part(&old, &part(0, 600), days(0))
        .unwrap();
    store
        .save_download_part(&old, &part(600, 100), days(1))
        .unwrap();
    // One piece is old, but the download went on since.
    store
        .save_download_part(&recent, &part(0, 600), days(0))
        .unwrap();
    store
        .save_download_part(&recent, &part(600, 100), days(40))
        .unwrap();
    let report = store.purge(days(45), 30).unwrap();
    let purged: Vec<(&str, u64)> = report
        .stale_download_parts
        .iter()
        .map(|(sha, p)| (sha.as_str(), p.start))
        .collect();
    assert_eq!(purged, [(old.as_str(), 0), (old.as_str(), 600)]);
    assert!(store.download_parts(&old).unwrap().is_empty());
    assert_eq!(store.download_parts(&recent).unwrap().len(), 2);
}
