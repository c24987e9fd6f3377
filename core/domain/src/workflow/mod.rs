//! The approval state machine, shared by the gateway (which decides authoritatively) and the phone
//! (which previews and shows what the user may do).
//!
//! Pure: no IO, no clock reads, no randomness. Time comes in with each [`Submission`] and new task
//! ids are derived from the instance itself, so the same inputs always give the same result on both
//! sides. [`decide`] checks a submission against the state and returns a [`TraceRecord`] of the
//! events it causes (or, for a re-sent command id, the earlier verdict), or a typed [`Rejection`];
//! [`apply`] folds a record into a new state one version higher; [`controls`] derives what a viewer
//! may do by asking `decide`, so the two never disagree.
//!
//! | module | role |
//! | --- | --- |
//! | `state` | instance, tasks and their sub-states, read items, trace records |
//! | `command` | the commands (domain.md's 21 actions), submissions, roles, standing delegations |
//! | `event` | what an accepted command changes |
//! | `definition`, `validate` | process definitions and their validation |
//! | `engine` | `decide`, `execute`, `batch` and the checks every command shares |
//! | `flow` | node completion, entering nodes, split / join, who gets a new task |
//! | `actions`, `assist`, `items` | the rules of each action |
//! | `controls` | the control flags |
//! | `apply` | folding events into state |

mod actions;
mod apply;
mod assist;
mod choice;
mod command;
mod controls;
pub mod definition;
mod engine;
mod event;
mod flow;
mod items;
mod opinion;
mod rejection;
mod state;
mod validate;

pub use apply::apply;
pub use choice::{ChoiceError, ChosenHandlers};
pub use command::{Actor, Command, DelegationScope, Env, Roles, StandingDelegation, Submission};
pub use controls::{controls, controls_acting_for, Controls, StepName};
pub use definition::{
    Allowances, Completion, Handler, HandlerMode, Node, NodeKind, ProcessDefinition, RejectPolicy,
    ReturnPolicy, ReturnWay, Route,
};
pub use engine::{batch, decide, execute, BatchItem, Outcome, Verdict};
pub use event::Event;
pub use opinion::{
    Attitude, Opinion, OpinionFile, MAX_OPINION_AUDIO_MS, MAX_OPINION_CHARS,
    MAX_OPINION_FILE_BYTES, MAX_OPINION_REF_CHARS,
};
pub use rejection::{Rejection, RejectionCode};
pub use state::{
    ActiveNode, AddSignPlan, CancelReason, Instance, InstanceState, PendingState, ReadItem,
    SignPosition, Task, TaskKind, TaskState, TraceRecord,
};
pub use validate::DefinitionError;

use chrono::{DateTime, Utc};

impl Instance {
    /// Starts a running instance of a valid definition: version 1, the start node entered and its
    /// tasks open (sent to deputies where a standing delegation is active at `now`).
    pub fn start(
        env: Env<'_>,
        id: &str,
        document_id: &str,
        initiator: &str,
        now: DateTime<Utc>,
    ) -> Result<Instance, DefinitionError> {
        Instance::start_choosing(env, id, document_id, initiator, &ChosenHandlers::new(), now)
            .map_err(|e| match e {
                StartError::Definition(e) => e,
                StartError::Choice(e) => DefinitionError::BadHandlers(e.node().to_owned()),
            })
    }

    /// [`Instance::start`] with the handlers the starter chose for the steps marked
    /// `chosen_at_start` (see [`ChosenHandlers`]).
    pub fn start_choosing(
        env: Env<'_>,
        id: &str,
        document_id: &str,
        initiator: &str,
        chosen: &ChosenHandlers,
        now: DateTime<Utc>,
    ) -> Result<Instance, StartError> {
        let definition = env.definition;
        definition.validate()?;
        choice::check(definition, chosen)?;
        let blank = Instance {
            id: id.to_owned(),
            document_id: document_id.to_owned(),
            definition_id: definition.id.clone(),
            initiator: initiator.to_owned(),
            state: InstanceState::Running,
            version: 0,
            active: Vec::new(),
            tasks: Vec::new(),
            jump_back: None,
            read_items: Vec::new(),
            trace: Vec::new(),
            chosen_handlers: chosen.clone(),
        };
        let actor = Actor::user(initiator);
        let mut flow = flow::Flow::new(env, &blank, &actor, initiator, None, now);
        flow.enter(&definition.start, None, 0)
            .map_err(|code| DefinitionError::Contradiction {
                node: definition.start.clone(),
                reason: code.message_en().to_owned(),
            })?;
        Ok(flow.next)
    }
}

/// Why a flow cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// The definition is not valid.
    #[error(transparent)]
    Definition(#[from] DefinitionError),
    /// The handlers chosen do not fit it.
    #[error(transparent)]
    Choice(#[from] ChoiceError),
}

#[cfg(test)]
mod action_tests;
#[cfg(test)]
mod assist_tests;
#[cfg(test)]
mod choice_tests;
#[cfg(test)]
mod controls_tests;
#[cfg(test)]
mod office_fixture;
#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod refusal_tests;
#[cfg(test)]
mod role_tests;
#[cfg(test)]
mod scenario_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
