//! Downloads against the test blob server ([`super::test_server`]) that arrive: the file whole,
//! in bounded ranges, resuming after the last byte received, within the call, after a cut, after
//! a restart and after a kill in the middle of a piece; and the rule for which kept pieces join up.
//! What must be refused is in `refusal_tests.rs`.

use super::pieces::resumable;
use super::range::normalized;
use super::test_server::*;
use super::PIECE;
use crate::store::DownloadPart;

#[tokio::test]
async fn a_file_arrives_in_bounded_ranges_and_reads_back_from_the_vault() {
    let root = tempfile::tempdir().unwrap();
    let file = content(600_000);
    let sha = hex(&file);
    let (client, shared) = setup(
        root.path(),
        Served {
            content: file.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(client.download(&sha.to_uppercase()).await.unwrap(), 600_000);
    assert_eq!(read_back(&client, &sha).unwrap(), file);
    let asked = shared.lock().ranges.clone();
    // Piece by piece, each at most PIECE bytes, the last one up to the file's end.
    let expected: Vec<(u64, u64)> = (0..600_000u64)
        .step_by(PIECE as usize)
        .map(|start| (start, (start + PIECE).min(600_000) - 1))
        .collect();
    assert_eq!(asked, expected);
    assert!(parts(&client, &sha).is_empty(), "the pieces are gone");
    // Already in the vault: nothing is asked again.
    assert_eq!(client.download(&sha).await.unwrap(), 600_000);
    assert_eq!(shared.lock().ranges.len(), expected.len());
}

#[tokio::test]
async fn a_cut_answer_resumes_from_the_last_byte_received() {
    let root = tempfile::tempdir().unwrap();
    let file = content(400_000);
    let sha = hex(&file);
    let (client, shared) = setup(
        root.path(),
        Served {
            content: file.clone(),
            cut_after: Some(100_000),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(client.download(&sha).await.unwrap(), 400_000);
    assert_eq!(read_back(&client, &sha).unwrap(), file);
    let starts: Vec<u64> = shared.lock().ranges.iter().map(|r| r.0).collect();
    // Each answer breaks off after 100 000 bytes: every piece is asked for from its start, then
    // again from the byte after the cut until it is whole.
    let mut expected = Vec::new();
    for piece in (0..400_000u64).step_by(PIECE as usize) {
        let end = (piece + PIECE).min(400_000);
        let mut at = piece;
        while at < end {
            expected.push(at);
            at += 100_000;
        }
    }
    assert_eq!(starts, expected);
}

#[tokio::test]
async fn a_download_that_gives_up_keeps_its_bytes_and_resumes_after_a_restart() {
    let root = tempfile::tempdir().unwrap();
    let file = content(700_000);
    let sha = hex(&file);
    let (client, shared) = setup(
        root.path(),
        Served {
            content: file.clone(),
            budget: Some(300_000),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(
        client.download(&sha).await,
        Err(ClientError::Link(LinkError::Unreachable(_)))
    ));
    let kept = parts(&client, &sha);
    assert_eq!(
        kept.last().map(DownloadPart::end),
        Some(300_000),
        "{kept:?}"
    );
    assert!(matches!(
        read_back(&client, &sha),
        Err(ClientError::Files(FileError::NotFound))
    ));
    drop(client);

    // The app starts again; the network is back.
    shared.lock().budget = None;
    let before = shared.lock().ranges.len();
    let client = reopen(root.path());
    assert_eq!(client.download(&sha).await.unwrap(), 700_000);
    assert_eq!(read_back(&client, &sha).unwrap(), file);
    let resumed = shared.lock().ranges[before];
    assert_eq!(resumed.0, 300_000, "asked again for what had arrived");
}

#[tokio::test]
async fn a_download_killed_in_the_middle_of_a_piece_resumes_after_the_last_byte_received() {
    let root = tempfile::tempdir().unwrap();
    let file = content(300_000);
    let sha = hex(&file);
    let (client, shared) = setup(
        root.path(),
        Served {
            content: file.clone(),
            hold_after: Some(100_000),
            ..Default::default()
        },
    )
    .await;
    // 100 000 bytes of the first piece arrive, then the link goes silent and the app is killed
    // while it waits (the call is dropped: nothing of it runs after).
    let killed =
        tokio::time::timeout(std::time::Duration::from_secs(2), client.download(&sha)).await;
    assert!(killed.is_err(), "{killed:?}");
    drop(client);

    shared.lock().hold_after = None;
    let before = shared.lock().ranges.len();
    let client = reopen(root.path());
    assert_eq!(client.download(&sha).await.unwrap(), 300_000);
    assert_eq!(read_back(&client, &sha).unwrap(), file);
    let asked = shared.lock().ranges[before..].to_vec();
    // The growing piece was kept: it goes on from byte 100 000 to its end, then the next.
    assert_eq!(
        asked,
        [
            (100_000, PIECE - 1),
            (PIECE, 2 * PIECE - 1),
            (2 * PIECE, 299_999)
        ]
    );
    assert!(parts(&client, &sha).is_empty(), "the pieces are gone");
}

#[tokio::test]
async fn a_kept_piece_that_does_not_match_its_row_is_asked_for_again() {
    let root = tempfile::tempdir().unwrap();
    let file = content(200_000);
    let sha = hex(&file);
    let (client, shared) = setup(
        root.path(),
        Served {
            content: file.clone(),
            budget: Some(150_000),
            ..Default::default()
        },
    )
    .await;
    assert!(client.download(&sha).await.is_err());
    let kept = parts(&client, &sha);
    assert_eq!(
        kept.iter().map(|p| p.size).collect::<Vec<_>>(),
        [PIECE, 150_000 - PIECE]
    );
    // A crash came between writing the growing piece's file and its row.
    let mut stale = kept[1].clone();
    stale.size -= 1000;
    stale.part_sha256 = hex(&file[PIECE as usize..PIECE as usize + stale.size as usize]);
    client
        .store()
        .unwrap()
        .save_download_part(&sha, &stale, chrono::Utc::now())
        .unwrap();
    shared.lock().budget = None;
    let before = shared.lock().ranges.len();
    assert_eq!(client.download(&sha).await.unwrap(), 200_000);
    assert_eq!(read_back(&client, &sha).unwrap(), file);
    assert_eq!(
        shared.lock().ranges[before].0,
        PIECE,
        "from the last piece that reads back"
    );
}

#[tokio::test]
async fn an_empty_file_downloads_too() {
    let root = tempfile::tempdir().unwrap();
    let sha = hex(b"");
    let (client, _) = setup(root.path(), Served::default()).await;
    assert_eq!(client.download(&sha).await.unwrap(), 0);
    assert_eq!(read_back(&client, &sha).unwrap(), b"");
}

#[test]
fn kept_pieces_resume_only_when_they_join_up() {
    let part = |start, size, total| DownloadPart {
        start,
        size,
        part_sha256: String::new(),
        total,
    };
    assert!(resumable(&[]));
    assert!(resumable(&[part(0, 10, 30), part(10, 5, 30)]));
    assert!(!resumable(&[part(0, 10, 30), part(11, 5, 30)]), "a gap");
    assert!(!resumable(&[part(5, 10, 30)]), "not from the start");
    assert!(!resumable(&[part(0, 10, 30), part(10, 5, 31)]), "two sizes");
    assert!(!resumable(&[part(0, 40, 30)]), "past the end");
    assert!(!resumable(&[part(0, 0, 30)]), "empty");
}

#[test]
fn a_hash_is_taken_in_either_case() {
    assert!(normalized(&"AB".repeat(32)).is_ok());
}
