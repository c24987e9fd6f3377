//! Blobs against a real gateway: an upload is checked against its hash and stored once; a reader
//! of a started flow downloads its files whole, in every range form, conditionally and resumably,
//! never gzipped; nobody else can tell the file exists; a classified document's files are never
//! shared; and a flow naming a file the unit lacks does not start.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod units;

use qianpi_core::model::{Attachment, BodyFormat, BodyStage, BodyVersion, Document, SecrecyLevel};
use qianpi_gateway::args;
use qianpi_tests::{error_code, Harness, Phone};
use serde_json::json;
use units::{
    audit_count, definition, document, feed, fetch, file, operator, phone, post, sha256, unit,
    upload, Unit,
};

/// Larger than two chunks, so ranges cross chunk boundaries.
const BODY_LEN: usize = 600_000;
const CHUNK: usize = 256 * 1024;

/// How many rows `table` holds for blob `sha256`.
async fn rows(harness: &Harness, table: &'static str, sha256: &str) -> i64 {
    let sha256 = sha256.to_owned();
    harness
        .db
        .tx(move |sql| {
            Ok(sql
                .query_one(
                    &format!("SELECT count(*) FROM {table} WHERE sha256 = ?1"),
                    args![&sha256],
                )?
                .int(0)?)
        })
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// A document of `unit` whose body is `body` and whose attachment is `attachment`.
fn with_files(
    id: &str,
    unit: &str,
    secrecy: SecrecyLevel,
    body: &[u8],
    attachment: &[u8],
) -> Document {
    let mut doc = document(id, unit, secrecy);
    doc.body.versions.push(BodyVersion {
        id: format!("{id}-v1"),
        stage: BodyStage::Sealed,
        format: BodyFormat::Ofd,
        sha256: sha256(body),
        size: body.len() as u64,
        pages: Some(3),
        created_at: None,
    });
    doc.body.attachments.push(Attachment {
        id: format!("{id}-att"),
        name: "检查表".into(),
        media_type: "text/csv".into(),
        size: attachment.len() as u64,
        sha256: sha256(attachment),
    });
    doc
}

/// Loads definition `id` for `unit`'s leader.
async fn load(harness: &Harness, unit: &Unit, id: &str) {
    let def = definition(id, &unit.leader);
    let (status, body) = post(
        harness,
        &unit.token,
        &format!("/units/{}/definitions", unit.id),
        serde_json::to_value(&def).unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// Starts a flow of definition `def` on `doc`: the status and answer.
async fn begin(
    harness: &Harness,
    unit: &Unit,
    def: &str,
    doc: &Document,
) -> (u16, serde_json::Value) {
    post(
        harness,
        &unit.token,
        &format!("/units/{}/flows", unit.id),
        json!({ "definition_id": def, "drafter": unit.staff, "document": doc }),
    )
    .await
}

/// Loads a definition for `unit`'s leader and starts a flow on `doc`: the status and answer.
async fn start(harness: &Harness, unit: &Unit, doc: &Document) -> (u16, serde_json::Value) {
    let def = format!("def-{}", doc.id);
    load(harness, unit, &def).await;
    begin(harness, unit, &def, doc).await
}

/// Uploads `bytes` to `unit` and expects 201.
async fn stored(harness: &Harness, unit: &Unit, media_type: &str, bytes: &[u8]) -> String {
    let hash = sha256(bytes);
    let (status, body) = upload(
        harness,
        &unit.token,
        &unit.id,
        &hash,
        media_type,
        bytes.to_vec(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    hash
}

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
    let staff = phone(&harness, &a, &a.staff, "staff-unit-a").await;

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

/// Sends a signed download through a client that does not decode gzip, asking for gzip.
async fn raw(
    harness: &Harness,
    phone: &Phone,
    path: &str,
    range: Option<&str>,
) -> reqwest::Response {
    let url = format!("{}{path}", harness.url());
    let headers =
        qianpi_core::sync::sign_request("GET", &url, &[], &phone.credentials(), chrono::Utc::now())
            .unwrap();
    let _ = qianpi_tests::http();
    let mut request = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(&url)
        .header("content-type", "application/json")
        .header("accept-encoding", "gzip");
    if let Some(range) = range {
        request = request.header("range", range);
    }
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send().await.unwrap()
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
