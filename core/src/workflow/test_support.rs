//! Helpers shared by the workflow's tests: a fixed clock and a definition starting at its first node.

use super::{Node, ProcessDefinition};
use chrono::{DateTime, Utc};

/// The fixed time every test decides at.
pub(super) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// A definition of `nodes` that starts at the first one.
pub(super) fn definition(nodes: Vec<Node>) -> ProcessDefinition {
    let start = nodes.first().map(|n| n.id.clone()).unwrap_or_default();
    ProcessDefinition {
        id: "def".into(),
        name: "测试流程".into(),
        start,
        nodes,
    }
}
