//! Downloads against a small blob server on loopback that answers `Range` requests the way the
//! gateway's blob endpoint does (206 with `Content-Range` and a strong `ETag`), and can cut its
//! answers short, run out of bytes altogether, change the file midway or tag it wrongly: the
//! file must arrive whole, resume after the last byte received, survive a restart, and never be
//! kept when it is not the file asked for.

use super::super::test_support::*;
use super::pieces::resumable;
use super::range::{normalized, parse_content_range, ContentRange};
use super::{BlobError, PIECE};
use crate::client::{Client, ClientError};
use crate::files::FileError;
use crate::store::DownloadPart;
use crate::sync::SyncError;
use parking_lot::Mutex;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the test server serves and how it misbehaves.
#[derive(Default)]
struct Served {
    content: Vec<u8>,
    /// The tag sent; the content's own hash unless set.
    etag: Option<String>,
    /// Each answer carries at most this many body bytes, then the connection is cut.
    cut_after: Option<usize>,
    /// Body bytes left in all; at zero every connection is closed unanswered.
    budget: Option<usize>,
    /// Each answer carries at most this many body bytes, then the connection stays open and
    /// silent (a black hole).
    hold_after: Option<usize>,
    /// The content served from the second request on.
    later: Option<Vec<u8>>,
    /// Every range asked for, in order.
    ranges: Vec<(u64, u64)>,
}

type Shared = Arc<Mutex<Served>>;

fn hex(bytes: &[u8]) -> String {
    crate::crypto::sha256_hex(bytes)
}

/// Deterministic bytes that compress badly.
fn content(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// Starts the server; returns its base URL.
async fn server(shared: Shared) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket, Arc::clone(&shared)));
        }
    });
    url
}

async fn answer(mut socket: TcpStream, shared: Shared) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let range = head
        .lines()
        .find_map(|l| l.strip_prefix("range: bytes="))
        .and_then(|r| r.trim().split_once('-'))
        .map(|(a, b)| (a.parse::<u64>().unwrap(), b.parse::<u64>().unwrap()))
        .unwrap();
    let (response, body, allowed) = {
        let mut served = shared.lock();
        if served.budget == Some(0) {
            return;
        }
        served.ranges.push(range);
        if served.ranges.len() > 1 {
            if let Some(later) = served.later.take() {
                served.content = later;
            }
        }
        let total = served.content.len() as u64;
        let etag = served
            .etag
            .clone()
            .unwrap_or_else(|| format!("\"{}\"", hex(&served.content)));
        if range.0 >= total {
            let head = format!(
                "HTTP/1.1 416 Range Not Satisfiable\r\ncontent-range: bytes */{total}\r\n\
                 content-length: 0\r\nconnection: close\r\n\r\n"
            );
            (head, Vec::new(), 0)
        } else {
            let end = range.1.min(total - 1);
            let body = served.content[range.0 as usize..=end as usize].to_vec();
            let mut allowed = body.len();
            if let Some(cut) = served.cut_after {
                allowed = allowed.min(cut);
            }
            if let Some(budget) = served.budget.as_mut() {
                allowed = allowed.min(*budget);
                *budget -= allowed;
            }
            if let Some(hold) = served.hold_after {
                allowed = allowed.min(hold);
            }
            let head = format!(
                "HTTP/1.1 206 Partial Content\r\ncontent-range: bytes {}-{end}/{total}\r\n\
                 etag: {etag}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                range.0,
                body.len()
            );
            (head, body, allowed)
        }
    };
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.write_all(&body[..allowed]).await;
    let _ = socket.flush().await;
    if allowed < body.len() && shared.lock().hold_after.is_some() {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// A bound client whose gateway is the test server serving `served`.
async fn setup(root: &std::path::Path, served: Served) -> (Client, Shared) {
    let shared = Arc::new(Mutex::new(served));
    let url = server(Arc::clone(&shared)).await;
    let client = client(root);
    bind(&client, &url, Some(&gateway_key()), 0);
    (client, shared)
}

fn read_back(client: &Client, sha: &str) -> Result<Vec<u8>, ClientError> {
    let mut out = Vec::new();
    client.read_file(sha, &mut out)?;
    Ok(out)
}

fn parts(client: &Client, sha: &str) -> Vec<DownloadPart> {
    client.store().unwrap().download_parts(sha).unwrap()
}

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
        Err(ClientError::Sync(SyncError::Unreachable(_)))
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
async fn content_that_does_not_match_its_hash_is_not_kept() {
    let root = tempfile::tempdir().unwrap();
    let wanted = hex(b"the real attachment");
    let (client, _) = setup(
        root.path(),
        Served {
            content: content(300_000),
            etag: Some(format!("\"{wanted}\"")),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(
        client.download(&wanted).await,
        Err(ClientError::Files(FileError::HashMismatch { .. }))
    ));
    assert!(matches!(
        read_back(&client, &wanted),
        Err(ClientError::Files(FileError::NotFound))
    ));
    assert!(parts(&client, &wanted).is_empty());
}

#[tokio::test]
async fn an_answer_tagged_for_another_file_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let file = content(1000);
    let (client, _) = setup(
        root.path(),
        Served {
            content: file.clone(),
            etag: Some(format!("\"{}\"", hex(b"another file"))),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(
        client.download(&hex(&file)).await,
        Err(ClientError::Blob(BlobError::Inconsistent(_)))
    ));
}

#[tokio::test]
async fn a_file_that_changes_size_midway_is_discarded() {
    let root = tempfile::tempdir().unwrap();
    let file = content(600_000);
    let sha = hex(&file);
    let mut shorter = file.clone();
    shorter.truncate(500_000);
    let (client, _) = setup(
        root.path(),
        Served {
            content: file,
            later: Some(shorter),
            // Tagged as the file asked for throughout: only the size gives it away.
            etag: Some(format!("\"{sha}\"")),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(
        client.download(&sha).await,
        Err(ClientError::Blob(BlobError::Inconsistent(_)))
    ));
    assert!(parts(&client, &sha).is_empty(), "what came is discarded");
}

#[tokio::test]
async fn an_empty_file_downloads_too() {
    let root = tempfile::tempdir().unwrap();
    let sha = hex(b"");
    let (client, _) = setup(root.path(), Served::default()).await;
    assert_eq!(client.download(&sha).await.unwrap(), 0);
    assert_eq!(read_back(&client, &sha).unwrap(), b"");
}

#[tokio::test]
async fn a_bad_hash_is_refused_before_anything_is_asked() {
    let root = tempfile::tempdir().unwrap();
    let (client, shared) = setup(root.path(), Served::default()).await;
    for bad in ["", "abc", &"g".repeat(64), "../../etc/passwd"] {
        assert!(matches!(
            client.download(bad).await,
            Err(ClientError::Blob(BlobError::BadHash(_)))
        ));
    }
    assert!(shared.lock().ranges.is_empty());
}

#[test]
fn content_ranges_are_read_strictly() {
    assert_eq!(
        parse_content_range("bytes 0-99/1000"),
        Some(ContentRange::Bytes {
            start: 0,
            end: 99,
            total: 1000
        })
    );
    assert_eq!(
        parse_content_range("bytes */1000"),
        Some(ContentRange::Unsatisfied { total: 1000 })
    );
    for bad in [
        "bytes 0-99/*",
        "bytes 100-99/1000",
        "bytes 0-1000/1000",
        "items 0-1/2",
        "bytes -1-5/10",
        "",
    ] {
        assert_eq!(parse_content_range(bad), None, "{bad}");
    }
    assert!(normalized(&"AB".repeat(32)).is_ok());
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

#[tokio::test]
async fn a_second_download_of_the_same_file_at_once_is_told_to_wait_and_the_first_succeeds() {
    let root = tempfile::tempdir().unwrap();
    let file = content(300_000);
    let sha = hex(&file);
    let (client, _) = setup(
        root.path(),
        Served {
            content: file.clone(),
            ..Default::default()
        },
    )
    .await;
    let (first, second) = tokio::join!(client.download(&sha), client.download(&sha));
    assert_eq!(first.unwrap(), 300_000);
    assert!(
        matches!(second, Err(ClientError::Blob(BlobError::InProgress))),
        "{second:?}"
    );
    assert_eq!(read_back(&client, &sha).unwrap(), file);
    // Once the first is done, asking again is fine.
    assert_eq!(client.download(&sha).await.unwrap(), 300_000);
}

#[tokio::test]
async fn a_file_larger_than_any_the_gateway_takes_is_refused_and_nothing_is_kept() {
    let root = tempfile::tempdir().unwrap();
    let file = vec![7u8; usize::try_from(crate::protocol::MAX_BLOB_BYTES).unwrap() + 1];
    let sha = hex(&file);
    let (client, _) = setup(
        root.path(),
        Served {
            content: file,
            ..Default::default()
        },
    )
    .await;
    let result = client.download(&sha).await;
    assert!(
        matches!(result, Err(ClientError::Blob(BlobError::TooLarge(_)))),
        "{result:?}"
    );
    assert!(parts(&client, &sha).is_empty(), "nothing of it is kept");
}
