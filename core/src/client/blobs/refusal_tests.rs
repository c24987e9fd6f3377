//! Downloads against the test blob server ([`super::test_server`]) that must not keep what they
//! fetched: content that does not match its hash, an answer tagged for another file, a file that
//! changes size midway, a malformed hash, a second download of one file at once, and a file
//! larger than the gateway takes.

use super::test_server::*;

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
