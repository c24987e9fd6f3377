//! Blob downloads against a real gateway: a reader of a started flow gets its files whole, in
//! every range form, conditionally and resumably, and never gzipped; nobody else can tell a file
//! exists.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use qianpi_core::model::SecrecyLevel;
use qianpi_tests::{error_code, Harness};
use units::files::{header, raw, start, stored, with_files};
use units::{fetch, file, operator, phone, sha256, unit};

/// Larger than two chunks, so ranges cross chunk boundaries.
const BODY_LEN: usize = 600_000;
/// The gateway's chunk size.
const CHUNK: usize = 256 * 1024;

#[tokio::test]
async fn a_reader_of_a_started_flow_downloads_its_files_whole_and_in_ranges() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let body = file(BODY_LEN, 4);
    let attachment = file(5000, 5);
    let body_hash = stored(&harness, &a, "application/ofd", &body).await;
    let attachment_hash = stored(&harness, &a, "text/csv", &attachment).await;
    let (status, started) = start(
        &harness,
        &a,
        &with_files("doc-1", "unit-a", SecrecyLevel::None, &body, &attachment),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    // Not the drafter (the flow's initiator is shown it): a colleague it never reached.
    let staff = phone(&harness, &a, &a.secretary, "secretary-unit-a").await;

    let response = fetch(&harness, &leader, &body_hash, &[]).await;
    assert_eq!(response.status(), 200);
    let etag = format!("\"{body_hash}\"");
    assert_eq!(header(&response, "etag"), Some(etag.clone()));
    assert_eq!(header(&response, "accept-ranges").as_deref(), Some("bytes"));
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("application/ofd")
    );
    assert_eq!(
        header(&response, "content-length"),
        Some(BODY_LEN.to_string())
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), body.as_slice());
    let response = fetch(&harness, &leader, &attachment_hash, &[]).await;
    assert_eq!(
        header(&response, "content-type").as_deref(),
        Some("text/csv")
    );
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        attachment.as_slice()
    );

    let last = BODY_LEN - 1;
    for (range, start, end) in [
        ("bytes=0-9".to_owned(), 0, 9),
        (
            format!("bytes={}-{}", CHUNK - 5, CHUNK + 5),
            CHUNK - 5,
            CHUNK + 5,
        ),
        (
            format!("bytes={}-{}", CHUNK, 2 * CHUNK + 10),
            CHUNK,
            2 * CHUNK + 10,
        ),
        ("bytes=590000-".to_owned(), 590_000, last),
        ("bytes=-100".to_owned(), BODY_LEN - 100, last),
        ("bytes=599990-700000".to_owned(), 599_990, last),
    ] {
        let response = fetch(&harness, &leader, &body_hash, &[("range", &range)]).await;
        assert_eq!(response.status(), 206, "{range}");
        assert_eq!(
            header(&response, "content-range"),
            Some(format!("bytes {start}-{end}/{BODY_LEN}")),
            "{range}"
        );
        assert_eq!(
            header(&response, "content-length"),
            Some((end - start + 1).to_string())
        );
        assert_eq!(header(&response, "etag"), Some(etag.clone()));
        assert_eq!(
            response.bytes().await.unwrap().as_ref(),
            &body[start..=end],
            "{range}"
        );
    }
    // Past the end: 416 with the size, and our JSON error.
    let response = fetch(
        &harness,
        &leader,
        &body_hash,
        &[("range", &format!("bytes={BODY_LEN}-"))],
    )
    .await;
    assert_eq!(
        header(&response, "content-range"),
        Some(format!("bytes */{BODY_LEN}"))
    );
    assert_eq!(
        error_code(response).await,
        (416, "range_not_satisfiable".to_owned())
    );
    // A malformed or multiple range is ignored: the whole file.
    for range in ["bytes=9-3", "bytes=0-1,5-6", "lines=1-2", "bytes=x-"] {
        let response = fetch(&harness, &leader, &body_hash, &[("range", range)]).await;
        assert_eq!(response.status(), 200, "{range}");
        assert_eq!(response.bytes().await.unwrap().len(), BODY_LEN, "{range}");
    }
    // Conditional requests: the copy the phone has is still good; a resumed download of the same
    // file continues, of another restarts.
    let response = fetch(&harness, &leader, &body_hash, &[("if-none-match", &etag)]).await;
    assert_eq!(response.status(), 304);
    assert_eq!(header(&response, "etag"), Some(etag.clone()));
    assert!(response.bytes().await.unwrap().is_empty());
    let response = fetch(
        &harness,
        &leader,
        &body_hash,
        &[("if-none-match", "\"stale\"")],
    )
    .await;
    assert_eq!(response.status(), 200);
    let response = fetch(
        &harness,
        &leader,
        &body_hash,
        &[("range", "bytes=100-199"), ("if-range", &etag)],
    )
    .await;
    assert_eq!(response.status(), 206);
    assert_eq!(response.bytes().await.unwrap().as_ref(), &body[100..200]);
    for other in ["\"stale\"", "Wed, 21 Oct 2015 07:28:00 GMT"] {
        let response = fetch(
            &harness,
            &leader,
            &body_hash,
            &[("range", "bytes=100-199"), ("if-range", other)],
        )
        .await;
        assert_eq!(response.status(), 200, "{other}");
        assert_eq!(response.bytes().await.unwrap().len(), BODY_LEN);
    }

    // Someone the document was not shown to, and a file that does not exist, look the same.
    let response = fetch(&harness, &staff, &body_hash, &[]).await;
    assert_eq!(error_code(response).await, (404, "no_such_blob".to_owned()));
    let response = fetch(&harness, &leader, &sha256(b"nothing"), &[]).await;
    assert_eq!(error_code(response).await, (404, "no_such_blob".to_owned()));
    let response = fetch(&harness, &leader, "not-a-hash", &[]).await;
    assert_eq!(error_code(response).await, (400, "bad_hash".to_owned()));
}

#[tokio::test]
async fn a_download_is_never_gzipped_even_for_a_client_that_accepts_gzip() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    // Text compresses well: the layer would gzip it if it were allowed to.
    let body = "安全生产检查表 ".repeat(40_000).into_bytes();
    let attachment = file(100, 6);
    let body_hash = stored(&harness, &a, "text/plain", &body).await;
    stored(&harness, &a, "text/csv", &attachment).await;
    let (status, _) = start(
        &harness,
        &a,
        &with_files("doc-gz", "unit-a", SecrecyLevel::None, &body, &attachment),
    )
    .await;
    assert_eq!(status, 201);
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;

    let response = raw(
        &harness,
        &leader,
        &format!("v1/blobs/{body_hash}"),
        Some("bytes=1000-60999"),
    )
    .await;
    assert_eq!(response.status(), 206);
    assert_eq!(header(&response, "content-encoding"), None);
    assert_eq!(response.bytes().await.unwrap().as_ref(), &body[1000..61000]);
    let response = raw(&harness, &leader, &format!("v1/blobs/{body_hash}"), None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-encoding"), None);
    assert_eq!(response.bytes().await.unwrap().as_ref(), body.as_slice());
    // The same client does get gzip where it belongs: the feed.
    let response = raw(&harness, &leader, "v1/sync?cursor=", None).await;
    assert_eq!(
        header(&response, "content-encoding").as_deref(),
        Some("gzip")
    );
}

#[tokio::test]
async fn each_unit_serves_a_shared_file_with_the_media_type_it_gave() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let b = unit(&harness, &op, "unit-b").await;
    let body = file(3000, 7);
    let attachment = file(200, 8);
    stored(&harness, &a, "application/ofd", &body).await;
    stored(&harness, &a, "text/csv", &attachment).await;
    // Unit b holds the same bytes under another type: its upload reports its own type, not
    // unit a's (which would tell b that a holds the file, and what a called it).
    let (status, answer) = units::upload(
        &harness,
        &b.token,
        "unit-b",
        &sha256(&body),
        "application/pdf",
        body.clone(),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["media_type"], "application/pdf");
    stored(&harness, &b, "text/csv", &attachment).await;
    for (unit, doc) in [(&a, "doc-a"), (&b, "doc-b")] {
        let document = with_files(doc, &unit.id, SecrecyLevel::None, &body, &attachment);
        let (status, started) = start(&harness, unit, &document).await;
        assert_eq!(status, 201, "{started}");
    }

    for (unit, expected) in [(&a, "application/ofd"), (&b, "application/pdf")] {
        let leader = phone(&harness, unit, &unit.leader, "zhangsan").await;
        let response = fetch(&harness, &leader, &sha256(&body), &[]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "content-type").as_deref(),
            Some(expected),
            "{}",
            unit.id
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), body.as_slice());
    }
}
