//! 流程定义 — process definitions: nodes with their per-node configuration, and the validation
//! that refuses a definition before any instance runs on it. A deployment changes behaviour by
//! configuring nodes here, never by giving an action another meaning (domain.md).
//!
//! Validation (in `validate`) names the node at fault in every message, so an administrator
//! loading a definition file knows what to fix.

use serde::{Deserialize, Serialize};

/// A process definition: a graph of nodes from `start` to at least one end node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessDefinition {
    /// Stable id.
    pub id: String,
    /// 流程名称 — display name.
    pub name: String,
    /// The node an instance starts at.
    pub start: String,
    /// 节点 — every node.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub nodes: Vec<Node>,
    /// 催办间隔 — each task may be urged at most once in this many minutes.
    #[serde(default = "four_hours")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub urge_interval_minutes: u32,
}

fn four_hours() -> u32 {
    240
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// 人工节点 — people handle it.
    #[default]
    Manual,
    /// 并行分支 — every route is taken at once.
    ParallelSplit,
    /// 并行汇聚 — waits for every branch of its split.
    ParallelJoin,
    /// 结束 — the flow completes here.
    End,
}

/// 处理方式 — how several handlers of one node work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum HandlerMode {
    /// 单人 — one handler.
    #[default]
    Single,
    /// 串行 — one after another, in the listed order.
    Serial,
    /// 并行 — all at once (会签).
    Parallel,
    /// 候选池 — one task the handlers may claim (签收); whoever claims it handles it alone.
    Pool,
}

/// 会签完成规则 — when a parallel node is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Completion {
    /// 全部 — every handler has finished.
    #[default]
    All,
    /// 比例 — at least `percent` of the handlers agreed.
    Ratio {
        /// 1..=100.
        percent: u8,
    },
    /// 抢办 — the first to finish decides; the others' tasks are cancelled.
    FirstWins,
    /// 加权表决 — the weights of those who agreed reach `threshold`.
    WeightedVote {
        /// The weight needed.
        threshold: u32,
    },
}

/// 驳回 — what a rejection at this node does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "policy")]
pub enum RejectPolicy {
    /// Rejection is not offered here.
    #[default]
    NotAllowed,
    /// The instance ends as Rejected.
    Terminate,
    /// Behaves as a return to `node`.
    ReturnTo {
        /// The manual node the flow goes back to.
        node: String,
    },
}

/// 退回方式 — how the flow comes back after a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReturnWay {
    /// 逐级 — on resubmission the flow walks every node again.
    #[default]
    Step,
    /// 直送 — on resubmission it comes straight back to the returner.
    Jump,
}

/// 退回 — whether and where this node may return the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReturnPolicy {
    /// Return is offered here.
    #[serde(default)]
    pub allowed: bool,
    /// Allowed targets; empty means any manual node the instance actually passed.
    #[serde(default)]
    pub targets: Vec<String>,
    /// How the flow comes back.
    #[serde(default)]
    pub way: ReturnWay,
}

/// Which of the optional actions a node allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Allowances {
    /// 撤回 — the previous handler may recall.
    #[serde(default)]
    pub recall: bool,
    /// 加签 — add signers.
    #[serde(default)]
    pub add_sign: bool,
    /// 转交 — transfer to someone else.
    #[serde(default)]
    pub transfer: bool,
    /// 委派 — delegate and get it back.
    #[serde(default)]
    pub delegate: bool,
    /// 传阅 — circulate for reading.
    #[serde(default)]
    pub circulate: bool,
    /// 催办 — urge the handlers.
    #[serde(default)]
    pub urge: bool,
    /// 批量审批 — approve in a batch.
    #[serde(default)]
    pub batch: bool,
    /// 终止 — a handler here may terminate the flow.
    #[serde(default)]
    pub terminate: bool,
}

/// 路由 — a way out of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Stable id within the node.
    pub id: String,
    /// The label on the button, e.g. 送办公室.
    pub label: String,
    /// The node it leads to.
    pub to: String,
    /// An opinion must be written to take this route.
    #[serde(default)]
    pub requires_opinion: bool,
}

/// A handler of a node, with a weight for weighted votes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handler {
    /// The user id.
    pub user: String,
    /// Vote weight (1 unless configured).
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

/// 节点 — one node and its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// Stable id within the definition.
    pub id: String,
    /// 节点名称 — e.g. 领导批示.
    pub name: String,
    /// What the node is.
    #[serde(default)]
    pub kind: NodeKind,
    /// 处理人.
    #[serde(default)]
    pub handlers: Vec<Handler>,
    /// How several handlers work.
    #[serde(default)]
    pub mode: HandlerMode,
    /// When a parallel node is finished.
    #[serde(default)]
    pub completion: Completion,
    /// What rejection does.
    #[serde(default)]
    pub reject: RejectPolicy,
    /// Where returns may go.
    #[serde(default)]
    pub returns: ReturnPolicy,
    /// Optional actions allowed.
    #[serde(default)]
    pub allow: Allowances,
    /// Ways out.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// 阅办 — handlers only mark it read (已阅).
    #[serde(default)]
    pub read_only: bool,
    /// 意见栏 — the opinion column its opinions go to (拟办, 领导批示, 会签, 核稿 …).
    #[serde(default)]
    pub opinion_column: Option<String>,
    /// 办理时限 — hours a handler has for a task here.
    #[serde(default)]
    pub time_limit_hours: Option<u32>,
    /// 手写签批 — every approval here needs its own handwriting (so no batch approval).
    #[serde(default)]
    pub requires_handwriting: bool,
    /// 发起时选定处理人 — the person who starts the flow chooses this step's handlers (the
    /// handlers listed are then only the suggestion, and may be none).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub chosen_at_start: bool,
}

impl Node {
    /// A manual node with these handlers, single mode if one, parallel-all if several; no routes.
    pub fn manual(id: &str, name: &str, handlers: &[&str]) -> Node {
        Node {
            id: id.to_owned(),
            name: name.to_owned(),
            kind: NodeKind::Manual,
            handlers: handlers
                .iter()
                .map(|u| Handler {
                    user: (*u).to_owned(),
                    weight: 1,
                })
                .collect(),
            mode: if handlers.len() > 1 {
                HandlerMode::Parallel
            } else {
                HandlerMode::Single
            },
            completion: Completion::All,
            reject: RejectPolicy::NotAllowed,
            returns: ReturnPolicy::default(),
            allow: Allowances::default(),
            routes: Vec::new(),
            read_only: false,
            opinion_column: Some(name.to_owned()),
            time_limit_hours: None,
            requires_handwriting: false,
            chosen_at_start: false,
        }
    }

    /// The end node.
    pub fn end(id: &str) -> Node {
        Node {
            kind: NodeKind::End,
            opinion_column: None,
            ..Node::manual(id, "结束", &[])
        }
    }

    /// A parallel split (并行分支): every route is taken at once.
    pub fn split(id: &str) -> Node {
        Node {
            kind: NodeKind::ParallelSplit,
            opinion_column: None,
            ..Node::manual(id, "并行分支", &[])
        }
    }

    /// A parallel join (并行汇聚): the flow goes on when every branch has arrived.
    pub fn join(id: &str) -> Node {
        Node {
            kind: NodeKind::ParallelJoin,
            opinion_column: None,
            ..Node::manual(id, "并行汇聚", &[])
        }
    }

    /// Adds a route to `to`, labelled with `label`.
    pub fn route(mut self, label: &str, to: &str) -> Node {
        let id = format!("r{}", self.routes.len() + 1);
        self.routes.push(Route {
            id,
            label: label.to_owned(),
            to: to.to_owned(),
            requires_opinion: false,
        });
        self
    }
}

impl ProcessDefinition {
    /// A definition with the default urge interval (4 hours).
    pub fn new(id: &str, name: &str, start: &str, nodes: Vec<Node>) -> ProcessDefinition {
        ProcessDefinition {
            id: id.to_owned(),
            name: name.to_owned(),
            start: start.to_owned(),
            nodes,
            urge_interval_minutes: four_hours(),
        }
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
}
