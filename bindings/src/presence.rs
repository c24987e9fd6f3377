//! Approvals behind the user's presence, for shells whose approval key asks for a fingerprint or
//! the device credential on every use (Android Keystore with user authentication, the Secure
//! Enclave with `.userPresence`). The shell calls `prepare_action`, shows the prompt with what the
//! returned [`PreparedApproval`] says, signs exactly its `to_be_signed()` bytes with the approval
//! key, and hands the signature to `complete_action`. No Rust lock is held while the prompt is
//! up; a cancelled prompt needs nothing but dropping the prepared approval: nothing was queued.

use crate::actions::TaskAction;
use crate::blocking;
use crate::bodies::UnopenedBodyCheck;
use crate::convert::ApprovalQueued;
use crate::detail::FlowAction;
use crate::{QianpiClient, QianpiError};
use qianpi_core::client::PreparedAction;
use qianpi_core::screens::FlowAction as CoreFlowAction;
use qianpi_core::workflow::Command;
use std::sync::{Arc, Mutex, PoisonError};

/// An action decided and laid out on this phone, waiting for the approval key's signature.
#[derive(uniffi::Object)]
pub struct PreparedApproval {
    /// Taken out by `complete_action`: a prepared action is queued at most once.
    prepared: Mutex<Option<PreparedAction>>,
    to_be_signed: Vec<u8>,
    command_id: String,
    task_id: String,
    action: FlowAction,
    unopened_body: UnopenedBodyCheck,
}

impl PreparedApproval {
    /// Wraps an action the core prepared from `command`.
    pub(crate) fn new(prepared: PreparedAction, command: &Command) -> PreparedApproval {
        PreparedApproval {
            to_be_signed: prepared.to_be_signed().to_vec(),
            command_id: prepared.command_id().to_owned(),
            task_id: prepared.task_id().to_owned(),
            action: CoreFlowAction::of(command).into(),
            unopened_body: prepared.unopened_body().into(),
            prepared: Mutex::new(Some(prepared)),
        }
    }
}

#[uniffi::export]
impl PreparedApproval {
    /// The exact bytes to sign with the approval key (ECDSA P-256, SHA-256).
    pub fn to_be_signed(&self) -> Vec<u8> {
        self.to_be_signed.clone()
    }

    /// The command's id.
    pub fn command_id(&self) -> String {
        self.command_id.clone()
    }

    /// The task it acts on.
    pub fn task_id(&self) -> String {
        self.task_id.clone()
    }

    /// What it does (同意, 驳回 …), for the prompt's text.
    pub fn action(&self) -> FlowAction {
        self.action
    }

    /// `Confirm`: it approves a body never opened on this phone and the unit wants a warning, so
    /// the prompt says so; `Clear` otherwise.
    pub fn unopened_body(&self) -> UnopenedBodyCheck {
        self.unopened_body
    }
}

#[uniffi::export]
impl QianpiClient {
    /// Decides `action` on the task on this phone and lays out its record for the approval key;
    /// nothing is written. With `acting_for`, a secretary enters it for that leader (代签).
    pub async fn prepare_action(
        &self,
        task_id: String,
        action: TaskAction,
        acting_for: Option<String>,
    ) -> Result<Arc<PreparedApproval>, QianpiError> {
        blocking(&self.inner, move |client| {
            let command = action.into_command(task_id.clone());
            let prepared = client.prepare_action(&task_id, &command, acting_for.as_deref())?;
            Ok(Arc::new(PreparedApproval::new(prepared, &command)))
        })
        .await
    }

    /// One item of a 批量 approval (同意 with the unit's standard text, as `batch_approve`
    /// records it), prepared for the approval key behind the user's presence. `batch_approve`
    /// signs every item through the signer at once, which a key asking for the person on every
    /// use refuses; a shell with such a key prepares, prompts, signs and completes each item in
    /// turn instead (a refusal here is that item's result; the others go on).
    pub async fn prepare_batch_item(
        &self,
        task_id: String,
        route: Option<String>,
    ) -> Result<Arc<PreparedApproval>, QianpiError> {
        blocking(&self.inner, move |client| {
            let command = Command::BatchApprove {
                task_id: task_id.clone(),
                route,
            };
            let prepared = client.prepare_action(&task_id, &command, None)?;
            Ok(Arc::new(PreparedApproval::new(prepared, &command)))
        })
        .await
    }

    /// Queues a prepared action with the approval key's DER signature over its `to_be_signed()`
    /// bytes. A signature that does not verify is refused and nothing is queued; an approval
    /// completed already, or prepared before another action was queued, must be prepared again.
    pub async fn complete_action(
        &self,
        prepared: Arc<PreparedApproval>,
        signature: Vec<u8>,
    ) -> Result<ApprovalQueued, QianpiError> {
        blocking(&self.inner, move |client| {
            let action = prepared
                .prepared
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
                .ok_or_else(|| {
                    crate::error::invalid_input(
                        "this approval was completed already; prepare it again",
                    )
                })?;
            Ok(client.complete_action(action, &signature)?.into())
        })
        .await
    }
}
