//! The documents and flows tests start from, kept once for every crate's tests (the domain's own,
//! the protocol's, the phone core's, the gateway's and the cross-part ones): built only for tests
//! and for crates that turn on the `fixtures` feature in their dev-dependencies, never in a
//! shipped build. A test that needs something else changes one field with struct-update syntax
//! (`Document { urgency: Urgency::Urgent, ..fixtures::incoming(…) }`) rather than writing the
//! whole document again.

use crate::model::{
    BodyFormat, BodyStage, BodyVersion, Document, DocumentKind, DocumentNumber, SecrecyLevel,
    Urgency,
};
use crate::workflow::{Node, ProcessDefinition};

/// An unclassified incoming document (收文) `id` of `unit`, titled `title`: 晋农办〔2026〕12号,
/// 平件, from 农业农村部, received 2026-03-01; no body and no files (see [`with_pdf_body`]).
pub fn incoming(id: &str, unit: &str, title: &str) -> Document {
    Document {
        id: id.into(),
        unit_id: unit.into(),
        kind: DocumentKind::Incoming,
        title: title.into(),
        number: DocumentNumber {
            organ: "晋农办".into(),
            year: 2026,
            sequence: 12,
        },
        urgency: Urgency::Normal,
        secrecy: SecrecyLevel::None,
        from_organ: Some("农业农村部".into()),
        received_at: Some("2026-03-01T08:00:00Z".into()),
        head: Default::default(),
        body: Default::default(),
        footer: Default::default(),
        receiving: Default::default(),
        handling: Default::default(),
    }
}

/// `document` with one final PDF body version, `<id>-v1`, whose hash is made from the id's length
/// (distinct enough for tests that tell documents apart by id).
pub fn with_pdf_body(mut document: Document) -> Document {
    document.body.versions.push(BodyVersion {
        id: format!("{}-v1", document.id),
        stage: BodyStage::Final,
        format: BodyFormat::Pdf,
        sha256: format!("{:0>64}", document.id.len()),
        size: 1024,
        pages: Some(2),
        created_at: None,
        rendition: None,
    });
    document
}

/// The 收文 flow `def-收文`: 拟办 by `first`, then 办理 by `second`, then the end.
pub fn receiving_flow(first: &str, second: &str) -> ProcessDefinition {
    ProcessDefinition::new(
        "def-收文",
        "收文",
        "n1",
        vec![
            Node::manual("n1", "拟办", &[first]).route("送办理", "n2"),
            Node::manual("n2", "办理", &[second]).route("办结", "end"),
            Node::end("end"),
        ],
    )
}

/// A one-step flow `id`: `leader` decides (领导批示), then the end.
pub fn one_step_flow(id: &str, leader: &str) -> ProcessDefinition {
    ProcessDefinition::new(
        id,
        "收文办理",
        "leader",
        vec![
            Node::manual("leader", "领导批示", &[leader]).route("办结", "end"),
            Node::end("end"),
        ],
    )
}
