//! Validation of process definitions: structure (ids, start, end, routes, reachability, a way to
//! finish from every node) and per-node settings that contradict each other. Every error names
//! the node at fault ([`DefinitionError::node`]), and [`ProcessDefinition::problems`] lists every
//! node's problem at once for an editor to show beside each node.

use super::definition::{Completion, HandlerMode, Node, NodeKind, ProcessDefinition, RejectPolicy};
use std::collections::{BTreeSet, HashMap, VecDeque};

/// What is wrong with a definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// The definition has no nodes.
    #[error("the definition has no nodes")]
    NoNodes,
    /// Two nodes share an id.
    #[error("node {0}: the id is used twice")]
    DuplicateNode(String),
    /// `start` names no node, or an end node.
    #[error("the start node {0} does not exist or is an end node")]
    BadStart(String),
    /// No end node.
    #[error("the definition has no end node")]
    NoEnd,
    /// A node cannot be reached from the start.
    #[error("node {0}: cannot be reached from the start")]
    Unreachable(String),
    /// From a node, no end can be reached.
    #[error("node {0}: no end node can be reached from it")]
    DeadEnd(String),
    /// A route leads to a node that does not exist.
    #[error("node {node}: route {route} leads to {to}, which does not exist")]
    UnknownRouteTarget {
        /// The node.
        node: String,
        /// The route.
        route: String,
        /// The missing target.
        to: String,
    },
    /// A non-end node has no way out, or an end node has one.
    #[error("node {0}: a non-end node needs a route out, and an end node may have none")]
    BadRoutes(String),
    /// A manual node without handlers, or handlers on a node that takes none.
    #[error("node {0}: a manual node needs handlers, and only manual nodes take handlers")]
    BadHandlers(String),
    /// Settings that contradict each other.
    #[error("node {node}: {reason}")]
    Contradiction {
        /// The node.
        node: String,
        /// What contradicts what.
        reason: String,
    },
}

impl DefinitionError {
    /// The node the problem concerns, where it concerns one (`BadStart` names the start the
    /// definition gives, which may not exist); `None` for problems of the whole definition.
    pub fn node(&self) -> Option<&str> {
        match self {
            DefinitionError::NoNodes | DefinitionError::NoEnd => None,
            DefinitionError::DuplicateNode(node)
            | DefinitionError::BadStart(node)
            | DefinitionError::Unreachable(node)
            | DefinitionError::DeadEnd(node)
            | DefinitionError::BadRoutes(node)
            | DefinitionError::BadHandlers(node)
            | DefinitionError::UnknownRouteTarget { node, .. }
            | DefinitionError::Contradiction { node, .. } => Some(node),
        }
    }
}

impl ProcessDefinition {
    /// Checks the definition; the first problem found is returned, naming its node.
    pub fn validate(&self) -> Result<(), DefinitionError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every problem found, so an editor can show each node its own; the first is the one
    /// [`ProcessDefinition::validate`] returns. Problems of the whole (no nodes, an id used twice,
    /// a bad start, no end) stop the check there, since no node can be judged without them; past
    /// them each node's first problem is listed in order, then every unreachable node, then every
    /// node from which no end can be reached.
    pub fn problems(&self) -> Vec<DefinitionError> {
        if self.nodes.is_empty() {
            return vec![DefinitionError::NoNodes];
        }
        let mut problems = Vec::new();
        let mut index = HashMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if index.insert(node.id.as_str(), i).is_some() {
                problems.push(DefinitionError::DuplicateNode(node.id.clone()));
            }
        }
        if !problems.is_empty() {
            return problems;
        }
        match self.node(&self.start) {
            Some(node) if node.kind != NodeKind::End => {}
            _ => problems.push(DefinitionError::BadStart(self.start.clone())),
        }
        if !self.nodes.iter().any(|n| n.kind == NodeKind::End) {
            problems.push(DefinitionError::NoEnd);
        }
        if !problems.is_empty() {
            return problems;
        }
        problems.extend(
            self.nodes
                .iter()
                .filter_map(|node| check_node(node, &index, self).err()),
        );
        let reachable = walk(&self.start, |id| {
            self.node(id)
                .map(|n| n.routes.iter().map(|r| r.to.as_str()).collect())
                .unwrap_or_default()
        });
        problems.extend(
            self.nodes
                .iter()
                .filter(|n| !reachable.contains(n.id.as_str()))
                .map(|n| DefinitionError::Unreachable(n.id.clone())),
        );
        // Walk backwards from every end: whatever is not met cannot finish.
        let mut incoming: HashMap<&str, Vec<&str>> = HashMap::new();
        for node in &self.nodes {
            for route in &node.routes {
                incoming
                    .entry(route.to.as_str())
                    .or_default()
                    .push(node.id.as_str());
            }
        }
        let mut finishing = BTreeSet::new();
        for end in self.nodes.iter().filter(|n| n.kind == NodeKind::End) {
            finishing.extend(walk(&end.id, |id| {
                incoming.get(id).cloned().unwrap_or_default()
            }));
        }
        problems.extend(
            self.nodes
                .iter()
                .filter(|n| !finishing.contains(n.id.as_str()))
                .map(|n| DefinitionError::DeadEnd(n.id.clone())),
        );
        problems
    }
}

/// Every node reachable from `from` by `next` (including `from`).
fn walk<'a>(from: &'a str, next: impl Fn(&str) -> Vec<&'a str>) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::from([from]);
    let mut queue = VecDeque::from([from]);
    while let Some(id) = queue.pop_front() {
        for to in next(id) {
            if seen.insert(to) {
                queue.push_back(to);
            }
        }
    }
    seen
}

fn contradiction(node: &Node, reason: &str) -> DefinitionError {
    DefinitionError::Contradiction {
        node: node.id.clone(),
        reason: reason.to_owned(),
    }
}

fn check_node(
    node: &Node,
    index: &HashMap<&str, usize>,
    definition: &ProcessDefinition,
) -> Result<(), DefinitionError> {
    for route in &node.routes {
        if !index.contains_key(route.to.as_str()) {
            return Err(DefinitionError::UnknownRouteTarget {
                node: node.id.clone(),
                route: route.id.clone(),
                to: route.to.clone(),
            });
        }
    }
    let is_end = node.kind == NodeKind::End;
    if is_end != node.routes.is_empty() {
        return Err(DefinitionError::BadRoutes(node.id.clone()));
    }
    let is_manual = node.kind == NodeKind::Manual;
    let handlers_fit = match (is_manual, node.chosen_at_start) {
        (true, false) => !node.handlers.is_empty(),
        // Chosen when the flow starts: the listed handlers are a suggestion, and may be none.
        (true, true) => true,
        (false, chosen) => node.handlers.is_empty() && !chosen,
    };
    if !handlers_fit {
        return Err(DefinitionError::BadHandlers(node.id.clone()));
    }
    match node.kind {
        NodeKind::ParallelSplit if node.routes.len() < 2 => {
            return Err(contradiction(
                node,
                "a parallel split needs at least two routes",
            ));
        }
        NodeKind::ParallelJoin if node.routes.len() != 1 => {
            return Err(contradiction(
                node,
                "a parallel join needs exactly one route out",
            ));
        }
        NodeKind::ParallelSplit => return check_branches(node, definition),
        _ => {}
    }
    if !is_manual {
        return Ok(());
    }
    let users: BTreeSet<&str> = node.handlers.iter().map(|h| h.user.as_str()).collect();
    if users.len() != node.handlers.len() {
        return Err(contradiction(node, "a handler is listed twice"));
    }
    if node.mode == HandlerMode::Single && node.handlers.len() > 1 {
        return Err(contradiction(node, "single mode with several handlers"));
    }
    match node.completion {
        Completion::All => {}
        _ if node.mode != HandlerMode::Parallel => {
            return Err(contradiction(
                node,
                "a ratio, first-wins or vote rule needs parallel handlers",
            ));
        }
        Completion::Ratio { percent } if percent == 0 || percent > 100 => {
            return Err(contradiction(
                node,
                "the ratio must be between 1 and 100 percent",
            ));
        }
        Completion::WeightedVote { threshold } => {
            let total: u64 = node.handlers.iter().map(|h| u64::from(h.weight)).sum();
            if threshold == 0 || u64::from(threshold) > total {
                return Err(contradiction(
                    node,
                    "the vote threshold is zero or more than all weights together",
                ));
            }
        }
        _ => {}
    }
    let manual_target = |id: &str| {
        definition
            .node(id)
            .is_some_and(|n| n.kind == NodeKind::Manual && n.id != node.id)
    };
    if let RejectPolicy::ReturnTo { node: target } = &node.reject {
        if !manual_target(target) {
            return Err(contradiction(
                node,
                "reject returns to a node that is not another manual node",
            ));
        }
    }
    if !node.returns.allowed && !node.returns.targets.is_empty() {
        return Err(contradiction(
            node,
            "return targets are listed but return is not allowed",
        ));
    }
    if let Some(target) = node.returns.targets.iter().find(|t| !manual_target(t)) {
        return Err(contradiction(
            node,
            &format!("return target {target} is not another manual node"),
        ));
    }
    if node.mode == HandlerMode::Pool && node.completion != Completion::All {
        return Err(contradiction(
            node,
            "a candidate pool is handled by one person; it has no completion rule",
        ));
    }
    if node.allow.batch && node.requires_handwriting {
        return Err(contradiction(
            node,
            "batch approval is allowed but every approval needs its own handwriting",
        ));
    }
    if node.allow.batch && node.routes.iter().any(|r| r.requires_opinion) {
        return Err(contradiction(
            node,
            "batch approval is allowed but a route requires its own opinion",
        ));
    }
    if node.read_only
        && (node.reject != RejectPolicy::NotAllowed
            || node.returns.allowed
            || node.allow.add_sign
            || node.allow.delegate)
    {
        return Err(contradiction(
            node,
            "a read-only node cannot reject, return, add signers or delegate",
        ));
    }
    Ok(())
}

/// Every branch of a split must reach a join before any end or further split: branches are not
/// nested in this version, and a branch that ends the flow would leave the others running.
fn check_branches(split: &Node, definition: &ProcessDefinition) -> Result<(), DefinitionError> {
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<&str> = split.routes.iter().map(|r| r.to.as_str()).collect();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = definition.node(id) else {
            continue; // reported as an unknown route target
        };
        match node.kind {
            NodeKind::ParallelJoin => {}
            NodeKind::End | NodeKind::ParallelSplit => {
                return Err(contradiction(
                    split,
                    &format!(
                        "branch reaches {id} before a parallel join (branches cannot end or nest)"
                    ),
                ));
            }
            NodeKind::Manual => queue.extend(node.routes.iter().map(|r| r.to.as_str())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::definition;
    use super::*;

    #[test]
    fn every_node_at_fault_is_reported_with_its_own_problem() {
        let broken = definition(vec![
            Node::manual("n1", "拟办", &[]).route("送", "n2"),
            Node::manual("n2", "核稿", &["a", "b"])
                .route("去", "nowhere")
                .route("结束", "end"),
            Node::manual("orphan", "传阅", &["c"]).route("结束", "end"),
            Node::end("end"),
        ]);
        let problems = broken.problems();
        let nodes: Vec<Option<&str>> = problems.iter().map(DefinitionError::node).collect();
        assert_eq!(nodes, [Some("n1"), Some("n2"), Some("orphan")]);
        assert_eq!(broken.validate(), Err(problems[0].clone()));
        assert!(matches!(
            problems[1],
            DefinitionError::UnknownRouteTarget { ref to, .. } if to == "nowhere"
        ));
        assert_eq!(problems[2], DefinitionError::Unreachable("orphan".into()));
    }

    #[test]
    fn problems_of_the_whole_name_no_node_and_stop_the_check() {
        let no_end = definition(vec![Node::manual("n1", "拟办", &[]).route("回", "n1")]);
        assert_eq!(no_end.problems(), [DefinitionError::NoEnd]);
        assert_eq!(DefinitionError::NoEnd.node(), None);
        let empty = definition(Vec::new());
        assert_eq!(empty.problems(), [DefinitionError::NoNodes]);
        let twice = definition(vec![
            Node::manual("n1", "拟办", &["a"]).route("结束", "end"),
            Node::end("end"),
            Node::end("end"),
        ]);
        assert_eq!(
            twice.problems(),
            [DefinitionError::DuplicateNode("end".into())]
        );
        assert_eq!(twice.problems()[0].node(), Some("end"));
    }

    #[test]
    fn a_valid_definition_has_no_problems() {
        let valid = definition(vec![
            Node::manual("n1", "拟办", &["a"]).route("结束", "end"),
            Node::end("end"),
        ]);
        assert!(valid.problems().is_empty());
        assert_eq!(valid.validate(), Ok(()));
    }
}
