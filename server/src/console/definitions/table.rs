//! A process definition drawn as a table of its nodes: name, kind, handlers by real name, mode,
//! routes with where they lead, time limit and opinion column, and, when the definition was
//! refused, each node's problems on its own row.

use super::super::prelude::*;
use super::problems::Problems;
use qianpi_domain::workflow::{HandlerMode, Node, NodeKind, ProcessDefinition};
use std::collections::BTreeMap;

fn kind_key(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Manual => "definitions.kind.manual",
        NodeKind::ParallelSplit => "definitions.kind.parallel_split",
        NodeKind::ParallelJoin => "definitions.kind.parallel_join",
        NodeKind::End => "definitions.kind.end",
    }
}

fn mode_key(mode: HandlerMode) -> &'static str {
    match mode {
        HandlerMode::Single => "definitions.mode.single",
        HandlerMode::Serial => "definitions.mode.serial",
        HandlerMode::Parallel => "definitions.mode.parallel",
        HandlerMode::Pool => "definitions.mode.pool",
    }
}

/// The table; `problems` (by node id) adds a column with each node's problems.
pub(super) fn nodes(
    office: &Office,
    definition: &ProcessDefinition,
    people: &BTreeMap<String, String>,
    problems: Option<&Problems>,
) -> Markup {
    let name_of = |id: &str| {
        definition
            .node(id)
            .map_or_else(|| id.to_owned(), |n| n.name.clone())
    };
    html! {
        table.list #definition-nodes {
            thead { tr {
                th { (office.t("definitions.node.name")) }
                th { (office.t("definitions.node.kind")) }
                th { (office.t("definitions.node.handlers")) }
                th { (office.t("definitions.node.mode")) }
                th { (office.t("definitions.node.routes")) }
                th { (office.t("definitions.node.deadline")) }
                th { (office.t("definitions.node.opinion")) }
                @if problems.is_some() { th { (office.t("definitions.node.problems")) } }
            } }
            tbody {
                @for node in &definition.nodes {
                    tr data-node=(node.id) {
                        td {
                            (node.name) " " span.muted { (node.id) }
                            @if node.id == definition.start {
                                " " span.badge { (office.t("definitions.start")) }
                            }
                        }
                        td { (office.t(kind_key(node.kind))) }
                        td {
                            (handlers(node, people))
                            @if node.chosen_at_start {
                                " " span.badge { (office.t("definitions.node.chosen_at_start")) }
                            }
                        }
                        td {
                            @if node.kind == NodeKind::Manual { (office.t(mode_key(node.mode))) }
                        }
                        td {
                            @for route in &node.routes {
                                div {
                                    (route.label) " → " (name_of(&route.to))
                                    @if route.requires_opinion {
                                        " " span.badge { (office.t("definitions.route.opinion")) }
                                    }
                                }
                            }
                        }
                        td {
                            @if let Some(hours) = node.time_limit_hours {
                                (office.t("definitions.deadline.hours").replace("{n}", &hours.to_string()))
                            }
                        }
                        td { (node.opinion_column.as_deref().unwrap_or_default()) }
                        @if let Some(problems) = problems {
                            td {
                                @for text in problems.get(&Some(node.id.clone())).into_iter().flatten() {
                                    div.field-error { (text) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The handlers by real name, in their order; one not of the unit by the id given.
fn handlers(node: &Node, people: &BTreeMap<String, String>) -> String {
    node.handlers
        .iter()
        .map(|h| {
            people
                .get(&h.user)
                .cloned()
                .unwrap_or_else(|| h.user.clone())
        })
        .collect::<Vec<_>>()
        .join("、")
}
