//! What is wrong with a definition, in the reader's language and on the node it concerns: the
//! workflow's own validation (every problem at once, each naming its node) and handlers who are
//! not people of the unit.

use super::super::prelude::*;
use qianpi_domain::workflow::{DefinitionError, ProcessDefinition};
use std::collections::BTreeMap;

/// One problem, said in words, on a node or on the whole definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// The node's id, or `None` for the whole definition.
    pub node: Option<String>,
    /// The problem in the reader's language.
    pub text: String,
}

/// Problems by node id; the definition's own problems under `None`.
pub(super) type Problems = BTreeMap<Option<String>, Vec<String>>;

/// The contradictions the workflow names, each with its text key; matched at the start so the
/// ones that name a node or route (`return target n3 is …`) are found too.
const CLASHES: &[(&str, &str)] = &[
    ("a parallel split needs", "definitions.clash.split_routes"),
    ("a parallel join needs", "definitions.clash.join_route"),
    (
        "a handler is listed twice",
        "definitions.clash.handler_twice",
    ),
    ("single mode with several", "definitions.clash.single_many"),
    (
        "a ratio, first-wins or vote",
        "definitions.clash.rule_parallel",
    ),
    ("the ratio must be", "definitions.clash.ratio"),
    ("the vote threshold", "definitions.clash.threshold"),
    ("reject returns to", "definitions.clash.reject_target"),
    ("return targets are listed", "definitions.clash.return_off"),
    ("return target ", "definitions.clash.return_target"),
    ("a candidate pool", "definitions.clash.pool_rule"),
    (
        "batch approval is allowed but every",
        "definitions.clash.batch_handwriting",
    ),
    (
        "batch approval is allowed but a route",
        "definitions.clash.batch_opinion",
    ),
    ("a read-only node", "definitions.clash.read_only"),
    ("branch reaches ", "definitions.clash.branch"),
];

/// The node or route a contradiction names inside its reason (`return target n3 is not …`,
/// `branch reaches n4 before …`), to show in the reader's words.
fn named_in(reason: &str, after: &str) -> String {
    reason
        .strip_prefix(after)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_owned()
}

/// `error` in the reader's language.
pub(super) fn words(office: &Office, error: &DefinitionError) -> String {
    let t = |key| office.t(key).to_owned();
    match error {
        DefinitionError::NoNodes => t("definitions.problem.no_nodes"),
        DefinitionError::DuplicateNode(_) => t("definitions.problem.duplicate_node"),
        DefinitionError::BadStart(node) => {
            t("definitions.problem.bad_start").replace("{node}", node)
        }
        DefinitionError::NoEnd => t("definitions.problem.no_end"),
        DefinitionError::Unreachable(_) => t("definitions.problem.unreachable"),
        DefinitionError::DeadEnd(_) => t("definitions.problem.dead_end"),
        DefinitionError::UnknownRouteTarget { route, to, .. } => {
            t("definitions.problem.unknown_route_target")
                .replace("{route}", route)
                .replace("{to}", to)
        }
        DefinitionError::BadRoutes(_) => t("definitions.problem.bad_routes"),
        DefinitionError::BadHandlers(_) => t("definitions.problem.bad_handlers"),
        DefinitionError::Contradiction { reason, .. } => {
            match CLASHES.iter().find(|(start, _)| reason.starts_with(start)) {
                Some((start, key)) => t(key).replace("{node}", &named_in(reason, start)),
                // A contradiction newer than this table still says what it is, in English.
                None => t("definitions.problem.contradiction").replace("{reason}", reason),
            }
        }
    }
}

/// Every problem of `definition` in words, on its node.
pub(super) fn of_definition(office: &Office, definition: &ProcessDefinition) -> Vec<Problem> {
    definition
        .problems()
        .iter()
        .map(|error| Problem {
            node: error.node().map(str::to_owned),
            text: words(office, error),
        })
        .collect()
}

/// A problem for each handler who is not one of `people` (the unit's user ids), on its node.
pub(super) fn strangers(
    office: &Office,
    definition: &ProcessDefinition,
    people: &BTreeMap<String, String>,
) -> Vec<Problem> {
    definition
        .nodes
        .iter()
        .flat_map(|node| {
            node.handlers
                .iter()
                .filter(|handler| !people.contains_key(&handler.user))
                .map(|handler| Problem {
                    node: Some(node.id.clone()),
                    text: office
                        .t("definitions.problem.not_of_unit")
                        .replace("{user}", &handler.user),
                })
        })
        .collect()
}

/// Problems grouped by node; those naming a node the definition does not have (a bad start)
/// go to the whole definition, so none is lost.
pub(super) fn by_node(definition: &ProcessDefinition, problems: Vec<Problem>) -> Problems {
    let mut grouped = Problems::new();
    for problem in problems {
        let node = problem
            .node
            .filter(|id| definition.nodes.iter().any(|n| &n.id == id));
        grouped.entry(node).or_default().push(problem.text);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contradiction_the_workflow_names_has_words() {
        // The reasons are written in the validation module; one missing here would show in
        // English only. Each is the text right after `contradiction(node,` or a `format!(`.
        const CALL: &str = "contradiction(";
        let source = include_str!("../../../../core/domain/src/workflow/validate.rs");
        let reasons: Vec<&str> = source
            .split(CALL)
            .skip(2) // the function's definition, then its calls
            .filter_map(|call| call.split('"').nth(1))
            .collect();
        assert!(reasons.len() >= CLASHES.len(), "{reasons:?}");
        for reason in reasons {
            assert!(
                CLASHES.iter().any(|(start, _)| reason.starts_with(start)),
                "no words for: {reason}"
            );
        }
    }

    #[test]
    fn the_node_a_contradiction_names_is_found() {
        assert_eq!(
            named_in(
                "return target n3 is not another manual node",
                "return target "
            ),
            "n3"
        );
        assert_eq!(
            named_in("branch reaches end before a join", "branch reaches "),
            "end"
        );
    }
}
