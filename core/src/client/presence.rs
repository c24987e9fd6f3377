//! Approvals behind the user's presence. On a real phone the approval key asks for a fingerprint
//! or the device credential on every use, so the core cannot sign on its own: it *prepares* the
//! action (decides it on the local copy and lays out the record, the exact bytes to sign and what
//! they say), the shell shows the prompt and signs those bytes with the key, and the core
//! *completes* it (checks the signature, queues the record with the optimistic state). No Rust
//! lock is held in between; a prompt the user cancels leaves nothing behind.
//!
//! [`Client::act`] and its siblings do the three steps at once through the `DeviceSigner`, for
//! signers that need no prompt (the software vault, the terminal, tests).

use super::bodies::{body_reading, is_approving};
use super::{Client, ClientError, QueuedCommand};
use crate::crypto;
use crate::keys::APPROVAL_KEY_ALIAS;
use crate::protocol::record::{
    CheckpointRef, CommandRecord, RecordContext, SignedCommand, UnsignedRecord,
};
use crate::screens::detail::UnopenedBodyCheck;
use crate::store::OutboxRow;
use crate::workflow::{self, Actor, Command, Env, Instance, Outcome, Roles, Submission};
use chrono::{DateTime, Utc};

/// An action decided on this phone and laid out as a record, waiting for the approval key's
/// signature. Dropping it abandons the action: nothing was written.
#[derive(Debug, Clone)]
pub struct PreparedAction {
    unsigned: UnsignedRecord,
    local_instance: Instance,
    task_id: String,
    counter: u64,
    created_at: DateTime<Utc>,
    decided_offline: bool,
    action: String,
    unopened_body: UnopenedBodyCheck,
}

impl PreparedAction {
    /// The exact bytes the approval key signs (ECDSA P-256 with SHA-256 over them).
    pub fn to_be_signed(&self) -> &[u8] {
        self.unsigned.to_be_signed()
    }

    /// The command's id.
    pub fn command_id(&self) -> &str {
        self.unsigned.command_id()
    }

    /// The task it acts on (empty for an action on a whole flow).
    pub fn task_id(&self) -> &str {
        &self.task_id
    }

    /// The action's stable name (`approve`, `reject`, …), for the prompt.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// `Confirm` when it approves a body never opened on this phone and the unit asks for a
    /// warning: the prompt says so before the person confirms. `Clear` otherwise (a refused one
    /// is never prepared).
    pub fn unopened_body(&self) -> UnopenedBodyCheck {
        self.unopened_body
    }
}

impl Client {
    /// Decides `command` on the local copy of the flow `id` names and lays out its record for the
    /// approval key to sign; nothing is written. `acting_for`: the leader a secretary enters it for
    /// (代签).
    pub fn prepare_action(
        &self,
        id: &str,
        command: &Command,
        acting_for: Option<&str>,
    ) -> Result<PreparedAction, ClientError> {
        let (account, device, row, checkpoint, reading) = {
            let store = self.store()?;
            let (account, device) = store.account()?.ok_or(ClientError::NotActivated)?;
            let row = store
                .flow_row(id)?
                .ok_or_else(|| ClientError::NoSuchTask(id.to_owned()))?;
            let reading = body_reading(&store, &row.entry.document)?;
            (account, device, row, store.last_checkpoint()?, reading)
        };
        let now = self.device_now() + chrono::Duration::milliseconds(device.clock_offset_ms);
        // Offline too long: read-only (or erased) before anything is decided or signed.
        self.enforce_offline_limits(now)?;
        // The unit may refuse approving a body never opened here: before anything is signed.
        if is_approving(command) && reading.check() == UnopenedBodyCheck::Refused {
            return Err(ClientError::UnopenedBody(row.entry.document.id.clone()));
        }
        let instance = row.local_instance.as_ref().unwrap_or(&row.entry.instance);
        let command_id = uuid::Uuid::now_v7().to_string();
        // The phone knows no roles or standing delegations: the gateway decides with those and
        // the next pull replaces this preview. A secretary's claim to enter for a leader is taken
        // at its word here; the gateway checks it against the people directory.
        let roles = Roles {
            secretary_for: acting_for.map(str::to_owned).into_iter().collect(),
            ..Roles::default()
        };
        let submission = Submission {
            command_id: command_id.clone(),
            actor: Actor {
                user: account.identity.user_id.clone(),
                roles,
            },
            acting_for: acting_for.map(str::to_owned),
            base_version: instance.version,
            command: command.clone(),
            at: now,
        };
        let local_instance =
            match workflow::execute(Env::new(&row.entry.definition), instance, &submission)? {
                Outcome::Applied { instance, .. } => *instance,
                // A fresh id cannot have been seen; keep the copy as it is if it somehow was.
                Outcome::Duplicate { .. } => instance.clone(),
            };
        let mut record = CommandRecord::new(
            command_id,
            command.clone(),
            acting_for.map(str::to_owned),
            RecordContext {
                identity: &account.identity,
                approval_key_id: &account.approval_key_id,
                counter: device.next_counter,
                prev_record_hash: &device.last_record_hash,
                created_at: now,
                instance,
                document: &row.entry.document,
                checkpoint: checkpoint.as_ref().map(|c| CheckpointRef {
                    hash: &c.hash,
                    issued_at: c.issued_at(),
                    policy_version: c.policy().version,
                }),
            },
        )?;
        // The person could read only the version this phone holds (the newest listed when it
        // holds none): the record names that one, and the gateway refuses it if it is not the
        // current one.
        if let Some(sha256) = &reading.sha256 {
            record.document_hash.clone_from(sha256);
        }
        Ok(PreparedAction {
            unsigned: record.to_be_signed()?,
            local_instance,
            task_id: command.task_id().unwrap_or_default().to_owned(),
            counter: device.next_counter,
            created_at: now,
            decided_offline: !device.online,
            action: record.action,
            unopened_body: if is_approving(command) {
                reading.check()
            } else {
                UnopenedBodyCheck::Clear
            },
        })
    }

    /// Queues a prepared action with its approval-key signature (`der_signature`, DER as the
    /// platform keystores give it), in one transaction with the optimistic state. A signature that
    /// does not verify under this device's approval key is refused and nothing is written; if
    /// another action took the device's counter since the preparation, this fails with
    /// `StoreError::Contended`: prepare it again.
    pub fn complete_action(
        &self,
        prepared: PreparedAction,
        der_signature: &[u8],
    ) -> Result<QueuedCommand, ClientError> {
        let raw = crypto::der_to_raw_signature(der_signature)?;
        // A wrong signature is told now, not by the gateway days later.
        let spki = self.signer.public_key(APPROVAL_KEY_ALIAS.to_owned())?;
        crypto::verify_p256(&spki, prepared.to_be_signed(), &raw)?;
        let command_id = prepared.command_id().to_owned();
        let signed = SignedCommand::assemble(prepared.unsigned, &raw)?;
        let queued = OutboxRow {
            record_hash: signed.record_hash()?,
            command: signed,
            task_id: prepared.task_id.clone(),
            counter: prepared.counter,
            created_at: prepared.created_at,
            decided_offline: prepared.decided_offline,
        };
        self.store()?.enqueue(&queued, &prepared.local_instance)?;
        Ok(QueuedCommand {
            command_id,
            task_id: prepared.task_id,
            created_at: prepared.created_at,
            decided_offline: prepared.decided_offline,
        })
    }

    /// Prepares, signs through the `DeviceSigner` (no lock held: the platform may prompt) and
    /// completes, in one call.
    pub(super) fn queue(
        &self,
        id: &str,
        command: &Command,
        acting_for: Option<&str>,
    ) -> Result<QueuedCommand, ClientError> {
        let prepared = self.prepare_action(id, command, acting_for)?;
        let der = self.signer.sign(
            APPROVAL_KEY_ALIAS.to_owned(),
            prepared.to_be_signed().to_vec(),
        )?;
        self.complete_action(prepared, &der)
    }
}

#[cfg(test)]
mod tests;
