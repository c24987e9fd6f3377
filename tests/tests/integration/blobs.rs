//! Blobs against a real gateway: an upload is checked against its hash and stored once; a
//! classified document's files are never shared; and a flow naming a file the unit lacks does not
//! start.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use qianpi_core::model::SecrecyLevel;
use qianpi_tests::{error_code, Harness};
use serde_json::json;
use units::files::{begin, load, rows, start, stored, with_files};
use units::{audit_count, feed, fetch, file, operator, phone, sha256, unit, upload};

/// Larger than two chunks.
const BODY_LEN: usize = 600_000;

#[tokio::test]
async fn an_upload_is_checked_against_its_hash_and_stored_once() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let b = unit(&harness, &op, "unit-b").await;
    let bytes = file(BODY_LEN, 1);
    let hash = sha256(&bytes);

    let (status, body) = upload(
        &harness,
        &a.token,
        "unit-a",
        &hash,
        "application/ofd",
        bytes.clone(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body,
        json!({ "sha256": hash, "size": BODY_LEN, "media_type": "application/ofd" })
    );
    assert_eq!(rows(&harness, "blob_chunks", &hash).await, 3);
    // The same file again changes nothing.
    let (status, again) = upload(
        &harness,
        &a.token,
        "unit-a",
        &hash,
        "application/ofd",
        bytes.clone(),
    )
    .await;
    assert_eq!((status, &again), (200, &body));
    assert_eq!(audit_count(&harness, "blob.uploaded", &hash).await, 1);
    // Another unit uploading the same bytes owns them too; they are stored once.
    let (status, _) = upload(
        &harness,
        &b.token,
        "unit-b",
        &hash,
        "application/ofd",
        bytes.clone(),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(rows(&harness, "blobs", &hash).await, 1);
    assert_eq!(rows(&harness, "blob_owners", &hash).await, 2);

    // A body that is not the named file stores nothing.
    let other = file(1000, 2);
    let wrong = sha256(&file(1000, 3));
    let (status, body) = upload(&harness, &a.token, "unit-a", &wrong, "text/plain", other).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("hash_mismatch"))
    );
    assert_eq!(rows(&harness, "blobs", &wrong).await, 0);
    assert_eq!(rows(&harness, "blob_chunks", &wrong).await, 0);
    for bad in ["ABC", &hash.to_uppercase(), &hash[1..]] {
        let (status, body) = upload(&harness, &a.token, "unit-a", bad, "text/plain", vec![1]).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("bad_hash")),
            "{bad}"
        );
    }
    let (status, body) = upload(
        &harness,
        &a.token,
        "unit-a",
        &hash,
        "not a type",
        bytes.clone(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("bad_media_type"))
    );
    // Over 64 MiB is refused with our JSON error.
    let huge = vec![7u8; 64 * 1024 * 1024 + 1];
    let huge_hash = sha256(&huge);
    let (status, body) = upload(
        &harness,
        &a.token,
        "unit-a",
        &huge_hash,
        "application/pdf",
        huge,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("body_too_large"))
    );
    assert_eq!(rows(&harness, "blobs", &huge_hash).await, 0);
    // Only the unit's administrators may upload to it.
    let (status, _) = upload(
        &harness,
        &b.token,
        "unit-a",
        &sha256(b"x"),
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = upload(
        &harness,
        "qpa_nope",
        "unit-a",
        &sha256(b"x"),
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(rows(&harness, "blobs", &sha256(b"x")).await, 0);
}

#[tokio::test]
async fn a_classified_documents_files_are_never_shared() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let body = file(2000, 7);
    let attachment = file(3000, 8);
    let body_hash = stored(&harness, &a, "application/ofd", &body).await;
    let attachment_hash = stored(&harness, &a, "text/csv", &attachment).await;
    let (status, started) = start(
        &harness,
        &a,
        &with_files(
            "doc-secret",
            "unit-a",
            SecrecyLevel::Secret,
            &body,
            &attachment,
        ),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["published"], false);
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    assert!(feed(&harness, &leader).await.is_empty());
    for hash in [&body_hash, &attachment_hash] {
        let response = fetch(&harness, &leader, hash, &[]).await;
        assert_eq!(error_code(response).await, (404, "no_such_blob".to_owned()));
        assert_eq!(rows(&harness, "blob_readers", hash).await, 0);
    }
}

#[tokio::test]
async fn a_flow_naming_a_file_the_unit_lacks_does_not_start() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let b = unit(&harness, &op, "unit-b").await;
    let body = file(2000, 10);
    let attachment = file(3000, 11);
    stored(&harness, &a, "application/ofd", &body).await;
    // The attachment is not uploaded at all.
    let doc = with_files(
        "doc-missing",
        "unit-a",
        SecrecyLevel::None,
        &body,
        &attachment,
    );
    load(&harness, &a, "def-missing").await;
    let (status, answer) = begin(&harness, &a, "def-missing", &doc).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("missing_blob"))
    );
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains(&sha256(&attachment)),
        "{answer}"
    );
    // Uploaded to another unit is not uploaded to this one.
    stored(&harness, &b, "text/csv", &attachment).await;
    let (status, answer) = begin(&harness, &a, "def-missing", &doc).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("missing_blob"))
    );
    // The right file with the wrong size.
    stored(&harness, &a, "text/csv", &attachment).await;
    let mut wrong_size = doc.clone();
    wrong_size.body.attachments[0].size += 1;
    let (status, answer) = begin(&harness, &a, "def-missing", &wrong_size).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("blob_size_mismatch"))
    );
    let documents = harness
        .db
        .tx(|sql| {
            Ok(sql
                .query_one(
                    "SELECT count(*) FROM documents WHERE id = 'doc-missing'",
                    &[],
                )?
                .int(0)?)
        })
        .await
        .unwrap();
    assert_eq!(documents, 0, "a refused flow stored its document");
    // With both files in the unit, it starts, and its reader may fetch them.
    let (status, answer) = begin(&harness, &a, "def-missing", &doc).await;
    assert_eq!(status, 201, "{answer}");
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    let response = fetch(&harness, &leader, &sha256(&attachment), &[]).await;
    assert_eq!(response.status(), 200);
}
