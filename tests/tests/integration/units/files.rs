//! File helpers: documents naming files, uploading them, starting flows on such documents, and
//! looking at stored rows and raw download answers.

use super::{definition, document, post, sha256, upload, Unit};
use qianpi_core::model::{Attachment, BodyFormat, BodyStage, BodyVersion, Document, SecrecyLevel};
use qianpi_gateway::sql::args;
use qianpi_tests::{Harness, Phone};
use serde_json::json;

/// How many rows `table` holds for blob `sha256`.
pub async fn rows(harness: &Harness, table: &'static str, sha256: &str) -> i64 {
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

/// Header `name` of `response`, as text.
pub fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// A document of `unit` whose body is `body` and whose attachment is `attachment`.
pub fn with_files(
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
        rendition: None,
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
pub async fn load(harness: &Harness, unit: &Unit, id: &str) {
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
pub async fn begin(
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
pub async fn start(harness: &Harness, unit: &Unit, doc: &Document) -> (u16, serde_json::Value) {
    let def = format!("def-{}", doc.id);
    load(harness, unit, &def).await;
    begin(harness, unit, &def, doc).await
}

/// Uploads `bytes` to `unit` and expects 201.
pub async fn stored(harness: &Harness, unit: &Unit, media_type: &str, bytes: &[u8]) -> String {
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

/// Sends a signed download through a client that does not decode gzip, asking for gzip.
pub async fn raw(
    harness: &Harness,
    phone: &Phone,
    path: &str,
    range: Option<&str>,
) -> reqwest::Response {
    let range: Vec<(&str, &str)> = range.map(|r| ("range", r)).into_iter().collect();
    qianpi_tests::get_raw(harness, phone, path, &range).await
}
