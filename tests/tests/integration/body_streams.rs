//! Fetching and reading bodies against a real gateway: a prefetch on Wi-Fi fetches the pending
//! tasks' files with progress and on a metered network nothing; a download reports its progress
//! and a stream hands out exactly the downloaded bytes and refuses a vault file damaged on disk.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::bodies::flow;
use crate::units;

use qianpi_core::client::{Network, PrefetchProgress, PREFETCH_BUDGET};
use qianpi_core::files::FileError;
use qianpi_core::model::SecrecyLevel;
use qianpi_core::ClientError;
use qianpi_tests::{Harness, Phone};
use std::sync::{Arc, Mutex};
use units::files::{stored, with_files};
use units::{file, operator, phone, sha256, unit};

#[tokio::test]
async fn a_prefetch_on_wifi_fetches_the_pending_files_and_on_mobile_data_nothing() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let mut files = Vec::new();
    for (i, id) in ["doc-p1", "doc-p2"].iter().enumerate() {
        let body = file(300_000 + i * 1000, 20 + i as u8);
        let attachment = file(4_000 + i, 30 + i as u8);
        stored(&harness, &a, "application/ofd", &body).await;
        stored(&harness, &a, "text/csv", &attachment).await;
        flow(
            &harness,
            &a,
            &with_files(id, "unit-a", SecrecyLevel::None, &body, &attachment),
        )
        .await;
        files.push(body);
        files.push(attachment);
    }
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    leader.client.sync().await.unwrap();
    let held = |phone: &Phone| {
        files
            .iter()
            .filter(|f| {
                let mut sink = Vec::new();
                phone.client.read_file(&sha256(f), &mut sink).is_ok()
            })
            .count()
    };

    let report = leader
        .client
        .prefetch_pending(Network::Metered, PREFETCH_BUDGET, None)
        .await
        .unwrap();
    assert!(report.metered);
    assert_eq!(report.downloaded, 0);
    assert_eq!(held(&leader), 0);

    let seen: Arc<Mutex<Vec<PrefetchProgress>>> = Arc::default();
    let log = Arc::clone(&seen);
    let listener = Arc::new(move |p: &PrefetchProgress| log.lock().unwrap().push(p.clone()));
    let report = leader
        .client
        .prefetch_pending(Network::Unmetered, PREFETCH_BUDGET, Some(listener))
        .await
        .unwrap();
    assert!(!report.metered);
    let total: u64 = files.iter().map(|f| f.len() as u64).sum();
    assert_eq!((report.downloaded, report.bytes), (4, total));
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let seen = seen.lock().unwrap().clone();
    let last = seen.last().unwrap();
    assert_eq!((last.file, last.files), (4, 4));
    assert_eq!((last.bytes_done, last.bytes_total), (total, total));
    assert!(
        seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done),
        "progress never goes back"
    );
    assert!(seen.len() > 4, "a 300 kB body reports more than once");
    assert_eq!(held(&leader), 4);

    let again = leader
        .client
        .prefetch_pending(Network::Unmetered, PREFETCH_BUDGET, None)
        .await
        .unwrap();
    assert_eq!((again.downloaded, again.already_held), (0, 4));
}

#[tokio::test]
async fn a_stream_reads_what_was_downloaded_and_refuses_a_damaged_vault_file() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let body = file(600_000, 7);
    let attachment = file(1_000, 8);
    stored(&harness, &a, "application/ofd", &body).await;
    stored(&harness, &a, "text/csv", &attachment).await;
    flow(
        &harness,
        &a,
        &with_files("doc-s", "unit-a", SecrecyLevel::None, &body, &attachment),
    )
    .await;
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    leader.client.sync().await.unwrap();
    let sha = sha256(&body);
    let progress: Arc<Mutex<Vec<(u64, u64)>>> = Arc::default();
    let log = Arc::clone(&progress);
    let size = leader
        .client
        .download_with_progress(
            &sha,
            Some(Arc::new(move |r, t| log.lock().unwrap().push((r, t)))),
        )
        .await
        .unwrap();
    assert_eq!(size, body.len() as u64);
    let progress = progress.lock().unwrap().clone();
    assert_eq!(progress.last(), Some(&(size, size)));

    let mut stream = leader.client.open_file(&sha).unwrap();
    let mut read = Vec::new();
    loop {
        let piece = stream.read(50_000).unwrap();
        if piece.is_empty() {
            break;
        }
        read.extend_from_slice(&piece);
    }
    assert_eq!(sha256(&read), sha);

    // One flipped bit in the encrypted file on disk: the stream stops with an error.
    let name = format!("{}.qpf", sha256(sha.as_bytes()));
    let path = find(leader.client.data_dir(), &name).expect("the vault file");
    let mut sealed = std::fs::read(&path).unwrap();
    let at = sealed.len() / 3;
    sealed[at] ^= 0x10;
    std::fs::write(&path, sealed).unwrap();
    let mut stream = leader.client.open_file(&sha).unwrap();
    let error = loop {
        match stream.read(1 << 16) {
            Ok(piece) if piece.is_empty() => panic!("a damaged file was read to its end"),
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    assert!(
        matches!(error, ClientError::Files(FileError::Corrupted)),
        "{error:?}"
    );
}

fn find(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).ok()? {
        let path = entry.ok()?.path();
        if path.is_dir() {
            if let Some(found) = find(&path, name) {
                return Some(found);
            }
        } else if path.file_name().and_then(|n| n.to_str()) == Some(name) {
            return Some(path);
        }
    }
    None
}
