//! Bodies and attachments against a real gateway: an OFD body's PDF rendition is granted and
//! served with the document's other files and is what the detail tells a viewer to open; the
//! approval record names the body version the phone holds, and the gateway refuses one that read
//! an older version; the unit's rule on approving a body never opened on the phone (allow, warn,
//! refuse) reaches the phone in its checkpoint. Prefetch and streams are in `body_streams`.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::units;

use qianpi_core::model::{
    Attitude, BodyFormat, BodyStage, BodyVersion, Document, Rendition, SecrecyLevel,
};
use qianpi_core::protocol::{UnopenedBodyRule, VerdictOutcome};
use qianpi_core::screens::UnopenedBodyCheck;
use qianpi_core::store::LocalTaskState;
use qianpi_core::ClientError;
use qianpi_tests::admin_api::put;
use qianpi_tests::{Harness, Phone};
use serde_json::json;
use units::files::{start, stored, with_files};
use units::{document, fetch, file, operator, phone, sha256, unit, Unit};

fn version(id: &str, format: BodyFormat, bytes: &[u8]) -> BodyVersion {
    BodyVersion {
        id: id.into(),
        stage: BodyStage::Final,
        format,
        sha256: sha256(bytes),
        size: bytes.len() as u64,
        pages: Some(2),
        created_at: None,
        rendition: None,
    }
}

/// The pending task on this phone whose document is `document_id`.
fn pending(phone: &Phone, document_id: &str) -> String {
    phone
        .client
        .inbox()
        .unwrap()
        .into_iter()
        .filter(|i| i.state == LocalTaskState::Pending)
        .map(|i| i.task_id)
        .find(|task| {
            phone
                .client
                .document_detail(task)
                .is_ok_and(|d| d.document_id == document_id)
        })
        .unwrap_or_else(|| panic!("no pending task for {document_id}"))
}

/// Starts a flow of the leader's on `doc`.
pub(super) async fn flow(harness: &Harness, unit: &Unit, doc: &Document) {
    let (status, body) = start(harness, unit, doc).await;
    assert_eq!(status, 201, "{body}");
}

async fn set_rule(harness: &Harness, unit: &Unit, rule: &str) {
    let (status, body) = put(
        harness,
        &unit.token,
        &format!("/units/{}/policy", unit.id),
        json!({ "unopened_body": rule }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["unopened_body"], rule);
}

fn refused_code(phone: &Phone) -> Option<String> {
    phone
        .client
        .verdicts()
        .unwrap()
        .into_iter()
        .find_map(|v| match v.verdict.outcome {
            VerdictOutcome::Refused { code, .. } => Some(code),
            VerdictOutcome::Accepted { .. } => None,
        })
}

#[tokio::test]
async fn an_ofd_body_comes_with_its_pdf_rendition_which_a_viewer_opens() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let ofd = file(70_000, 1);
    let pdf = file(50_000, 2);
    let attachment = file(3_000, 3);
    let mut doc = with_files("doc-ofd", "unit-a", SecrecyLevel::None, &ofd, &attachment);
    doc.body.versions[0].rendition = Some(Rendition {
        format: BodyFormat::Pdf,
        sha256: sha256(&pdf),
        size: pdf.len() as u64,
    });
    stored(&harness, &a, "application/ofd", &ofd).await;
    stored(&harness, &a, "text/csv", &attachment).await;
    // A rendition not uploaded stops the flow from starting, as any missing file does.
    let (status, body) = start(&harness, &a, &doc).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("missing_blob")));
    stored(&harness, &a, "application/pdf", &pdf).await;
    let (status, body) = units::files::begin(&harness, &a, "def-doc-ofd", &doc).await;
    assert_eq!(status, 201, "{body}");

    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    let staff = phone(&harness, &a, &a.secretary, "secretary-unit-a").await;
    leader.client.sync().await.unwrap();
    let task = pending(&leader, "doc-ofd");
    let detail = leader.client.document_detail(&task).unwrap();
    let body = &detail.bodies[0];
    assert_eq!(body.media_type, "application/ofd");
    assert_eq!(body.view_sha256, sha256(&pdf));
    assert_eq!(body.view_media_type, "application/pdf");
    assert!(!body.rendition.as_ref().unwrap().held);

    // Granted with the document: the gateway serves it to the leader, in ranges too.
    let response = fetch(&harness, &leader, &sha256(&pdf), &[("range", "bytes=0-99")]).await;
    assert_eq!(response.status(), 206);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), &pdf[..100]);
    // Not to someone the document never reached.
    let response = fetch(&harness, &staff, &sha256(&pdf), &[]).await;
    assert_eq!(response.status(), 404);

    leader.client.download(&body.view_sha256).await.unwrap();
    let detail = leader.client.document_detail(&task).unwrap();
    assert!(detail.bodies[0].rendition.as_ref().unwrap().held);
    assert!(
        detail.reading.held,
        "holding the rendition is holding the version"
    );
    let mut read = Vec::new();
    leader.client.read_file(&sha256(&pdf), &mut read).unwrap();
    assert_eq!(read, pdf);

    // The signed record names the original, which is what the gateway checks.
    leader
        .client
        .approve(&task, Attitude::Agree, "同意。")
        .unwrap();
    assert_eq!(
        leader.first_queued_record().unwrap().document_hash,
        sha256(&ofd)
    );
    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (1, 0));
}

#[tokio::test]
async fn the_record_names_the_version_held_and_the_gateway_refuses_an_older_one() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let draft = file(9_000, 4);
    let sealed = file(12_000, 5);
    let mut doc = document("doc-2v", "unit-a", SecrecyLevel::None);
    doc.body.versions = vec![
        version("v1", BodyFormat::Pdf, &draft),
        version("v2", BodyFormat::Pdf, &sealed),
    ];
    stored(&harness, &a, "application/pdf", &draft).await;
    stored(&harness, &a, "application/pdf", &sealed).await;
    flow(&harness, &a, &doc).await;
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;
    leader.client.sync().await.unwrap();
    let task = pending(&leader, "doc-2v");

    // The leader has only the draft on his phone: that is what he read and what he signs.
    leader.client.download(&sha256(&draft)).await.unwrap();
    let detail = leader.client.document_detail(&task).unwrap();
    assert_eq!(detail.reading.version_id.as_deref(), Some("v1"));
    leader
        .client
        .approve(&task, Attitude::Agree, "同意。")
        .unwrap();
    assert_eq!(
        leader.first_queued_record().unwrap().document_hash,
        sha256(&draft)
    );
    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (0, 1));
    assert_eq!(refused_code(&leader).as_deref(), Some("document_changed"));

    // Once the current version is on the phone, the approval names it and goes through.
    leader.client.download(&sha256(&sealed)).await.unwrap();
    let task = pending(&leader, "doc-2v");
    assert_eq!(
        leader
            .client
            .document_detail(&task)
            .unwrap()
            .reading
            .version_id
            .as_deref(),
        Some("v2")
    );
    leader
        .client
        .approve(&task, Attitude::Agree, "同意。")
        .unwrap();
    assert_eq!(
        leader.first_queued_record().unwrap().document_hash,
        sha256(&sealed)
    );
    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (1, 0));
}

#[tokio::test]
async fn the_unit_allows_warns_about_or_refuses_approving_an_unopened_body() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let a = unit(&harness, &op, "unit-a").await;
    let mut bodies = Vec::new();
    for (i, id) in ["doc-allow", "doc-warn", "doc-refuse"].iter().enumerate() {
        let bytes = file(5_000 + i, 10 + i as u8);
        let mut doc = document(id, "unit-a", SecrecyLevel::None);
        doc.body.versions = vec![version("v1", BodyFormat::Pdf, &bytes)];
        stored(&harness, &a, "application/pdf", &bytes).await;
        flow(&harness, &a, &doc).await;
        bodies.push(bytes);
    }
    let leader = phone(&harness, &a, &a.leader, "zhangsan").await;

    // Allowed (the default): nothing is said and the approval goes through unread.
    leader.client.sync().await.unwrap();
    let task = pending(&leader, "doc-allow");
    let detail = leader.client.document_detail(&task).unwrap();
    assert_eq!(detail.reading.rule, UnopenedBodyRule::Allow);
    assert_eq!(
        detail.my_task.unwrap().unopened_body,
        UnopenedBodyCheck::Clear
    );
    leader
        .client
        .approve(&task, Attitude::Agree, "同意。")
        .unwrap();
    assert_eq!(leader.client.sync().await.unwrap().accepted, 1);

    // Warned: the task controls ask for a confirmation; the approval goes through.
    set_rule(&harness, &a, "warn").await;
    leader.client.sync().await.unwrap();
    let task = pending(&leader, "doc-warn");
    let detail = leader.client.document_detail(&task).unwrap();
    assert_eq!(detail.reading.rule, UnopenedBodyRule::Warn);
    assert_eq!(
        detail.my_task.unwrap().unopened_body,
        UnopenedBodyCheck::Confirm
    );
    leader
        .client
        .approve(&task, Attitude::Disagree, "不同意。")
        .unwrap();
    assert_eq!(leader.client.sync().await.unwrap().accepted, 1);

    // Refused: nothing is signed or queued until the body was opened on this phone.
    set_rule(&harness, &a, "refuse").await;
    leader.client.sync().await.unwrap();
    let task = pending(&leader, "doc-refuse");
    let detail = leader.client.document_detail(&task).unwrap();
    assert_eq!(
        detail.my_task.unwrap().unopened_body,
        UnopenedBodyCheck::Refused
    );
    match leader.client.approve(&task, Attitude::Agree, "同意。") {
        Err(ClientError::UnopenedBody(id)) => assert_eq!(id, "doc-refuse"),
        other => panic!("{other:?}"),
    }
    assert!(leader.client.outbox().unwrap().is_empty());
    // Downloading is not reading.
    let sha = sha256(&bodies[2]);
    leader.client.download(&sha).await.unwrap();
    assert!(leader
        .client
        .approve(&task, Attitude::Agree, "同意。")
        .is_err());
    let mut stream = leader.client.open_file(&sha).unwrap();
    while !stream.read(4096).unwrap().is_empty() {}
    let detail = leader.client.document_detail(&task).unwrap();
    assert!(detail.reading.opened);
    leader
        .client
        .approve(&task, Attitude::Agree, "同意。")
        .unwrap();
    assert_eq!(leader.client.sync().await.unwrap().accepted, 1);
}
