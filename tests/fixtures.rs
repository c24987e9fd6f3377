//! Documents and definitions the tests start flows with through the admin API.

use qianpi_core::model::{Document, DocumentKind, DocumentNumber, SecrecyLevel, Urgency};
use qianpi_core::workflow::{Node, ProcessDefinition};

/// A one-step definition: `leader` decides.
pub fn definition(id: &str, leader: &str) -> ProcessDefinition {
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

/// An incoming document `title` of `unit`, at `secrecy`, without files.
pub fn document(id: &str, unit: &str, title: &str, secrecy: SecrecyLevel) -> Document {
    Document {
        id: id.into(),
        unit_id: unit.into(),
        kind: DocumentKind::Incoming,
        title: title.into(),
        number: DocumentNumber {
            organ: "某办".into(),
            year: 2026,
            sequence: 7,
        },
        urgency: Urgency::Normal,
        secrecy,
        from_organ: None,
        received_at: None,
        head: Default::default(),
        body: Default::default(),
        footer: Default::default(),
        receiving: Default::default(),
        handling: Default::default(),
    }
}
