//! 发起时选定处理人 — handlers chosen when a flow starts. A node marked `chosen_at_start` takes
//! its handlers from the person who starts the flow (a 收文 registrar, a 发文 drafter), who knows
//! who must handle this very document; the handlers the definition lists there are only the
//! suggestion. The choice is checked once, at start, and kept in the instance, so every visit of
//! the node (after a return too) and every phone deciding offline sees the same handlers.

use super::definition::{Completion, Handler, HandlerMode, Node, NodeKind, ProcessDefinition};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// Node id → the user ids chosen to handle it, in order (the order of a serial node).
pub type ChosenHandlers = BTreeMap<String, Vec<String>>;

/// Why a choice of handlers cannot start the flow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// The choice names a node the definition does not have.
    #[error("node {0}: the process has no such step")]
    UnknownNode(String),
    /// The node's handlers are fixed by the definition.
    #[error("node {0}: the process fixes this step's handlers")]
    NotChoosable(String),
    /// A node whose handlers must be chosen got none.
    #[error("node {0}: choose who handles this step")]
    Missing(String),
    /// One person chosen twice for a node.
    #[error("node {node}: {user} is chosen twice")]
    Twice {
        /// The node.
        node: String,
        /// The person.
        user: String,
    },
    /// A single-handler node got several.
    #[error("node {0}: this step takes exactly one handler")]
    OnlyOne(String),
    /// A weighted vote the chosen handlers could never reach.
    #[error("node {0}: the chosen handlers' weights cannot reach the vote's threshold")]
    ThresholdUnreachable(String),
}

impl ChoiceError {
    /// The node the problem concerns.
    pub fn node(&self) -> &str {
        match self {
            ChoiceError::UnknownNode(node)
            | ChoiceError::NotChoosable(node)
            | ChoiceError::Missing(node)
            | ChoiceError::OnlyOne(node)
            | ChoiceError::ThresholdUnreachable(node)
            | ChoiceError::Twice { node, .. } => node,
        }
    }

    /// What went wrong, in Chinese, for the person starting the flow.
    pub fn message_zh(&self) -> String {
        match self {
            ChoiceError::UnknownNode(node) => format!("流程中没有步骤 {node}"),
            ChoiceError::NotChoosable(node) => format!("步骤 {node} 的处理人由流程固定，不能另选"),
            ChoiceError::Missing(node) => format!("请为步骤 {node} 选定处理人"),
            ChoiceError::Twice { node, user } => format!("步骤 {node} 中 {user} 被选了两次"),
            ChoiceError::OnlyOne(node) => format!("步骤 {node} 只能选一位处理人"),
            ChoiceError::ThresholdUnreachable(node) => {
                format!("步骤 {node} 所选处理人的票数达不到表决门槛")
            }
        }
    }
}

/// Checks `chosen` against `definition`: every named node is a manual node marked
/// `chosen_at_start`, each choice names distinct people (one for a single node, enough weight for
/// a vote), and every such node the definition leaves empty is chosen.
pub fn check(definition: &ProcessDefinition, chosen: &ChosenHandlers) -> Result<(), ChoiceError> {
    for (node_id, users) in chosen {
        let node = definition
            .nodes
            .iter()
            .find(|n| &n.id == node_id)
            .ok_or_else(|| ChoiceError::UnknownNode(node_id.clone()))?;
        if node.kind != NodeKind::Manual || !node.chosen_at_start {
            return Err(ChoiceError::NotChoosable(node_id.clone()));
        }
        if users.is_empty() {
            return Err(ChoiceError::Missing(node_id.clone()));
        }
        let mut seen = BTreeSet::new();
        if let Some(user) = users.iter().find(|u| !seen.insert(u.as_str())) {
            return Err(ChoiceError::Twice {
                node: node_id.clone(),
                user: user.clone(),
            });
        }
        if node.mode == HandlerMode::Single && users.len() > 1 {
            return Err(ChoiceError::OnlyOne(node_id.clone()));
        }
        if let Completion::WeightedVote { threshold } = node.completion {
            let total: u64 = handlers(node, chosen)
                .iter()
                .map(|h| u64::from(h.weight))
                .sum();
            if u64::from(threshold) > total {
                return Err(ChoiceError::ThresholdUnreachable(node_id.clone()));
            }
        }
    }
    let unchosen = definition.nodes.iter().find(|n| {
        n.kind == NodeKind::Manual
            && n.chosen_at_start
            && n.handlers.is_empty()
            && !chosen.contains_key(&n.id)
    });
    match unchosen {
        Some(node) => Err(ChoiceError::Missing(node.id.clone())),
        None => Ok(()),
    }
}

/// The handlers of `node` in this instance: the chosen ones where the starter chose, each with
/// the weight the definition gives that person there (1 if it does not list them); otherwise the
/// definition's.
pub fn handlers<'a>(node: &'a Node, chosen: &ChosenHandlers) -> Cow<'a, [Handler]> {
    match chosen.get(&node.id) {
        Some(users) if node.chosen_at_start => Cow::Owned(
            users
                .iter()
                .map(|user| Handler {
                    user: user.clone(),
                    weight: node
                        .handlers
                        .iter()
                        .find(|h| &h.user == user)
                        .map_or(1, |h| h.weight),
                })
                .collect(),
        ),
        _ => Cow::Borrowed(&node.handlers),
    }
}
