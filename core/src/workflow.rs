//! The approval state machine, shared by the gateway (which decides authoritatively) and the phone
//! (which previews and shows what the user may do).
//!
//! Pure: no IO, no clock reads, no randomness. Time comes in as an argument and new task ids are
//! derived from the instance itself, so the same inputs always give the same result on both sides.
//! `decide` checks a command against the state and returns the events it causes, or a typed
//! [`Rejection`]; `apply` folds events into a new state and bumps the version by exactly one.

use crate::model::{Attitude, Opinion};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// 流程定义 — a process definition: manual nodes visited in order, then the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessDefinition {
    /// Stable id.
    pub id: String,
    /// 流程名称 — display name.
    pub name: String,
    /// 节点 — the manual nodes in order; the flow ends after the last.
    pub nodes: Vec<NodeDefinition>,
}

/// 节点 — one manual step and who handles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeDefinition {
    /// Stable id within the definition.
    pub id: String,
    /// 节点名称 — e.g. 领导批示.
    pub name: String,
    /// 处理人 — user ids; each gets a task when the node is entered, and all must finish.
    pub handlers: Vec<String>,
}

impl ProcessDefinition {
    fn node_index(&self, node_id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == node_id)
    }
}

/// 流程实例状态 — the state of a flow instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceState {
    /// 草稿 — not yet submitted.
    Draft,
    /// 流转中 — running.
    Running,
    /// 办结 — completed.
    Completed,
    /// 驳回 — rejected and ended.
    Rejected,
    /// 撤销 — revoked by the initiator.
    Revoked,
    /// 终止 — terminated.
    Terminated,
    /// 挂起 — suspended.
    Suspended,
}

impl InstanceState {
    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            InstanceState::Draft => "草稿",
            InstanceState::Running => "流转中",
            InstanceState::Completed => "办结",
            InstanceState::Rejected => "驳回",
            InstanceState::Revoked => "撤销",
            InstanceState::Terminated => "终止",
            InstanceState::Suspended => "挂起",
        }
    }
}

/// 工作项状态 — the state of one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum TaskState {
    /// 待办 — waiting for its handler.
    Pending,
    /// 已办 — finished with an attitude.
    Done {
        /// The attitude recorded.
        attitude: Attitude,
    },
    /// 已取消 — cancelled.
    Cancelled,
}

/// 工作项 — one handler's task at one node visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Stable id, derived from the instance (see [`apply`]).
    pub id: String,
    /// The node this task belongs to.
    pub node_id: String,
    /// 处理人 — the user who must act.
    pub assignee: String,
    /// Current state.
    pub state: TaskState,
    /// 意见 — the opinion written when it was finished.
    pub opinion: Option<Opinion>,
    /// When it was finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// 流程实例 — a running flow over one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Stable id.
    pub id: String,
    /// The document the flow carries.
    pub document_id: String,
    /// The definition it follows.
    pub definition_id: String,
    /// 发起人 — the initiator.
    pub initiator: String,
    /// Current state.
    pub state: InstanceState,
    /// Increases by exactly one on every accepted command (optimistic concurrency).
    pub version: u64,
    /// The node whose tasks are open, while running.
    pub current_node: Option<String>,
    /// Every task ever created, in creation order.
    pub tasks: Vec<Task>,
}

impl Instance {
    /// The task with this id.
    pub fn task(&self, task_id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == task_id)
    }

    /// Starts a running instance at the first node of `definition`, with its tasks created.
    pub fn start(
        id: &str,
        document_id: &str,
        initiator: &str,
        definition: &ProcessDefinition,
    ) -> Result<Instance, RejectionCode> {
        let first = definition
            .nodes
            .first()
            .ok_or(RejectionCode::DefinitionInvalid)?;
        if first.handlers.is_empty() {
            return Err(RejectionCode::DefinitionInvalid);
        }
        let mut instance = Instance {
            id: id.to_owned(),
            document_id: document_id.to_owned(),
            definition_id: definition.id.clone(),
            initiator: initiator.to_owned(),
            state: InstanceState::Running,
            version: 1,
            current_node: Some(first.id.clone()),
            tasks: Vec::new(),
        };
        open_node(&mut instance, first);
        Ok(instance)
    }
}

/// A command a person issues on an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Command {
    /// 同意 / 不同意 — finish one's pending task with an opinion; the flow moves on.
    Approve {
        /// The task being finished.
        task_id: String,
        /// The opinion (attitude Agree or Disagree).
        opinion: Opinion,
    },
}

/// What an accepted command did; the gateway stores these as trace records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum Event {
    /// A task was finished.
    TaskFinished {
        /// The task.
        task_id: String,
        /// Who finished it.
        actor: String,
        /// The opinion written.
        opinion: Opinion,
        /// When.
        at: DateTime<Utc>,
    },
    /// The flow entered the next node; its tasks were created.
    NodeEntered {
        /// The node.
        node_id: String,
    },
    /// The flow reached its end.
    InstanceCompleted {
        /// When.
        at: DateTime<Utc>,
    },
}

/// Why a command was refused: a stable code, messages in Chinese and English, and the version the
/// instance is at, so the phone can show the reason and resynchronise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{} ({}): {}", code.as_str(), current_version, code.message_en())]
pub struct Rejection {
    /// Stable reason code.
    pub code: RejectionCode,
    /// The instance version when it was refused.
    pub current_version: u64,
}

/// Stable reason codes for refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionCode {
    /// The command was decided on an older version of the instance.
    Stale,
    /// The instance is not running.
    NotRunning,
    /// The task does not exist in this instance.
    NoSuchTask,
    /// The task belongs to someone else.
    NotAssignee,
    /// The task is no longer pending.
    TaskNotPending,
    /// The attitude does not fit the action.
    InvalidAttitude,
    /// The process definition is missing nodes or handlers, or does not match the instance.
    DefinitionInvalid,
}

impl RejectionCode {
    /// The stable wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionCode::Stale => "stale",
            RejectionCode::NotRunning => "not_running",
            RejectionCode::NoSuchTask => "no_such_task",
            RejectionCode::NotAssignee => "not_assignee",
            RejectionCode::TaskNotPending => "task_not_pending",
            RejectionCode::InvalidAttitude => "invalid_attitude",
            RejectionCode::DefinitionInvalid => "definition_invalid",
        }
    }

    /// The message for a Chinese-speaking user.
    pub fn message_zh(self) -> &'static str {
        match self {
            RejectionCode::Stale => "公文已被他人处理或撤回，请同步后重试",
            RejectionCode::NotRunning => "流程已结束或已挂起，不能再办理",
            RejectionCode::NoSuchTask => "该待办不存在",
            RejectionCode::NotAssignee => "该待办不属于您",
            RejectionCode::TaskNotPending => "该待办已办理",
            RejectionCode::InvalidAttitude => "意见态度与操作不符",
            RejectionCode::DefinitionInvalid => "流程定义有误，请联系管理员",
        }
    }

    /// The message for an English-speaking user.
    pub fn message_en(self) -> &'static str {
        match self {
            RejectionCode::Stale => "the document changed since you opened it; sync and try again",
            RejectionCode::NotRunning => "the flow has ended or is suspended",
            RejectionCode::NoSuchTask => "no such task in this flow",
            RejectionCode::NotAssignee => "this task is assigned to someone else",
            RejectionCode::TaskNotPending => "this task has already been handled",
            RejectionCode::InvalidAttitude => "the attitude does not fit this action",
            RejectionCode::DefinitionInvalid => {
                "the process definition is invalid; contact the administrator"
            }
        }
    }
}

/// 操作权限 — what a viewer may do on an instance now; computed by the same rules as `decide`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Controls {
    /// May approve (agree or disagree) the given task.
    pub can_approve: bool,
}

/// Decides `command` by `actor` on `instance` as of `base_version`, at `now`.
pub fn decide(
    definition: &ProcessDefinition,
    instance: &Instance,
    actor: &str,
    base_version: u64,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Rejection> {
    let refuse = |code| Rejection {
        code,
        current_version: instance.version,
    };
    if definition.id != instance.definition_id {
        return Err(refuse(RejectionCode::DefinitionInvalid));
    }
    if base_version != instance.version {
        return Err(refuse(RejectionCode::Stale));
    }
    if instance.state != InstanceState::Running {
        return Err(refuse(RejectionCode::NotRunning));
    }
    match command {
        Command::Approve { task_id, opinion } => {
            let task = instance
                .task(task_id)
                .ok_or(refuse(RejectionCode::NoSuchTask))?;
            if task.assignee != actor {
                return Err(refuse(RejectionCode::NotAssignee));
            }
            if task.state != TaskState::Pending {
                return Err(refuse(RejectionCode::TaskNotPending));
            }
            if opinion.attitude == Attitude::Read {
                return Err(refuse(RejectionCode::InvalidAttitude));
            }
            let node_index = definition
                .node_index(&task.node_id)
                .ok_or(refuse(RejectionCode::DefinitionInvalid))?;
            let mut events = vec![Event::TaskFinished {
                task_id: task_id.clone(),
                actor: actor.to_owned(),
                opinion: opinion.clone(),
                at: now,
            }];
            // Completion rule "all": the node is finished when no other task of it is pending.
            let others_pending = instance.tasks.iter().any(|t| {
                t.node_id == task.node_id && t.id != task.id && t.state == TaskState::Pending
            });
            if !others_pending {
                match definition.nodes.get(node_index + 1) {
                    Some(next) if next.handlers.is_empty() => {
                        return Err(refuse(RejectionCode::DefinitionInvalid));
                    }
                    Some(next) => events.push(Event::NodeEntered {
                        node_id: next.id.clone(),
                    }),
                    None => events.push(Event::InstanceCompleted { at: now }),
                }
            }
            Ok(events)
        }
    }
}

/// Applies accepted events: the result is the new state, one version higher.
pub fn apply(definition: &ProcessDefinition, instance: &Instance, events: &[Event]) -> Instance {
    let mut next = instance.clone();
    next.version += 1;
    for event in events {
        match event {
            Event::TaskFinished {
                task_id,
                opinion,
                at,
                ..
            } => {
                if let Some(task) = next.tasks.iter_mut().find(|t| &t.id == task_id) {
                    task.state = TaskState::Done {
                        attitude: opinion.attitude,
                    };
                    task.opinion = Some(opinion.clone());
                    task.finished_at = Some(*at);
                }
            }
            Event::NodeEntered { node_id } => {
                if let Some(node) = definition.nodes.iter().find(|n| &n.id == node_id) {
                    next.current_node = Some(node.id.clone());
                    open_node(&mut next, node);
                }
            }
            Event::InstanceCompleted { .. } => {
                next.state = InstanceState::Completed;
                next.current_node = None;
            }
        }
    }
    next
}

/// Decides and applies in one step: the new state and the events, or the refusal.
pub fn execute(
    definition: &ProcessDefinition,
    instance: &Instance,
    actor: &str,
    base_version: u64,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<(Instance, Vec<Event>), Rejection> {
    let events = decide(definition, instance, actor, base_version, command, now)?;
    Ok((apply(definition, instance, &events), events))
}

/// What `viewer` may do on `task_id` now. Never allows what `decide` would refuse.
pub fn controls(
    definition: &ProcessDefinition,
    instance: &Instance,
    viewer: &str,
    task_id: &str,
) -> Controls {
    let probe = Command::Approve {
        task_id: task_id.to_owned(),
        opinion: Opinion {
            attitude: Attitude::Agree,
            text: String::new(),
        },
    };
    // The flags are derived by asking `decide` itself, so they cannot drift from the rules.
    let can_approve = decide(
        definition,
        instance,
        viewer,
        instance.version,
        &probe,
        DateTime::<Utc>::MIN_UTC,
    )
    .is_ok();
    Controls { can_approve }
}

/// Creates one pending task per handler of `node`. Task ids are derived from the instance id and
/// the number of tasks so far, so phone and gateway derive the same ids without randomness.
fn open_node(instance: &mut Instance, node: &NodeDefinition) {
    for handler in &node.handlers {
        let id = format!("{}-t{}", instance.id, instance.tasks.len() + 1);
        instance.tasks.push(Task {
            id,
            node_id: node.id.clone(),
            assignee: handler.clone(),
            state: TaskState::Pending,
            opinion: None,
            finished_at: None,
        });
    }
}

#[cfg(test)]
mod tests;
