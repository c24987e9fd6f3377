//! Every workflow action a person takes on the phone (domain.md's 21): task-level ones through
//! [`Client::act`], secretary entry (代签) through [`Client::act_as`], the ones on a whole flow
//! (撤销, 终止, 催办, 挂起 / 恢复) through [`Client::act_on_flow`], found by the 已发 row or a
//! task or read item of the flow, 批量审批 with one outcome per item, the control flags of a row,
//! and standing delegations (委托代理), which the gateway keeps.
//!
//! Each action is decided by the workflow on the local copy, signed with the approval key and
//! queued in one transaction (offline first); no lock is held while the platform signs.

use super::{Client, ClientError, QueuedCommand, ENQUEUE_ATTEMPTS};
use crate::link::{Credentials, GatewayClient};
use crate::protocol::delegations::{DelegationView, NewDelegation};
use crate::store::StoreError;
use crate::workflow::{self, Actor, Command, Controls, Env, Roles};
use std::sync::Arc;

/// One item of a batch approval (批量审批): a task and, where its step has several ways on, the
/// route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchEntry {
    /// The task.
    pub task_id: String,
    /// The route id; none where the step has one way on.
    pub route: Option<String>,
}

/// What became of one item of a batch on this phone.
#[derive(Debug)]
pub struct BatchOutcome {
    /// The task.
    pub task_id: String,
    /// Queued (its own signed record), or why not.
    pub verdict: Verdict,
}

/// The phone's answer to one item of a batch.
#[derive(Debug)]
pub enum Verdict {
    /// Signed and queued; `sync` delivers it and the gateway decides again.
    Queued(QueuedCommand),
    /// Refused here (the workflow's rules, or the item is not on this phone); the other items go
    /// on.
    Refused(ClientError),
}

impl Client {
    /// An action on a task entered by a secretary for a leader (代签) when `acting_for` names
    /// the leader, else the person's own action (as [`Client::act`]).
    pub fn act_as(
        &self,
        command: Command,
        acting_for: Option<&str>,
    ) -> Result<QueuedCommand, ClientError> {
        let task_id = command.task_id().ok_or(ClientError::NeedsTask)?.to_owned();
        self.retrying(|| self.queue(&task_id, &command, acting_for))
    }

    /// An action on a whole flow (撤销 Revoke, 终止 Terminate, 催办 Urge, 挂起 / 恢复 Suspend /
    /// Resume with no task), found by `flow` — the instance id of a 已发 row, or a task or read
    /// item of the flow. Works offline like every action.
    pub fn act_on_flow(&self, flow: &str, command: Command) -> Result<QueuedCommand, ClientError> {
        self.retrying(|| self.queue(flow, &command, None))
    }

    /// 批量审批: each item approved in its own signed record, in order. An item refused here
    /// does not stop the others; the gateway decides each on its own.
    pub fn batch_approve(&self, items: &[BatchEntry]) -> Vec<BatchOutcome> {
        items
            .iter()
            .map(|item| {
                let command = Command::BatchApprove {
                    task_id: item.task_id.clone(),
                    route: item.route.clone(),
                };
                let verdict = match self.act(command) {
                    Ok(queued) => Verdict::Queued(queued),
                    Err(error) => Verdict::Refused(error),
                };
                BatchOutcome {
                    task_id: item.task_id.clone(),
                    verdict,
                }
            })
            .collect()
    }

    /// The control flags of a row or a detail: a task (also one finished here, where 撤回 may
    /// still be open), a read item, or a flow by its instance id (the flow-level flags: 撤销,
    /// 催办, 终止, 挂起 / 恢复). A queued task offers nothing until the gateway answers.
    pub fn controls_for(&self, id: &str) -> Result<Controls, ClientError> {
        self.controls_acting_for(id, None)
    }

    /// The control flags of a task as this user, a secretary, may enter actions on it for
    /// `acting_for`, her leader (代签): decided by the same rules as the action itself, so only
    /// what she may enter for him (同意, 驳回, 退回 …) is offered. With `acting_for` none, as
    /// [`Client::controls_for`].
    pub fn controls_acting_for(
        &self,
        id: &str,
        acting_for: Option<&str>,
    ) -> Result<Controls, ClientError> {
        let store = self.store()?;
        let (account, device) = store.account()?.ok_or(ClientError::NotActivated)?;
        let row = store
            .flow_row(id)?
            .ok_or_else(|| ClientError::NoSuchTask(id.to_owned()))?;
        if row.state == crate::store::LocalTaskState::Queued {
            return Ok(Controls::default());
        }
        let now = self.device_now() + chrono::Duration::milliseconds(device.clock_offset_ms);
        let instance = row.local_instance.as_ref().unwrap_or(&row.entry.instance);
        // As when the action is entered: the phone takes the secretary's claim at its word, the
        // gateway checks it against the people directory.
        let viewer = Actor {
            user: account.identity.user_id.clone(),
            roles: Roles {
                secretary_for: acting_for.map(str::to_owned).into_iter().collect(),
                ..Roles::default()
            },
        };
        Ok(workflow::controls_acting_for(
            Env::new(&row.entry.definition),
            instance,
            &viewer,
            acting_for,
            id,
            now,
        ))
    }

    /// The pending tasks on this phone held by `leader`, whose secretary this user is: what
    /// 代签 may act on (the gateway sends a secretary their leaders' tasks).
    pub fn tasks_held_by(&self, leader: &str) -> Result<Vec<String>, ClientError> {
        Ok(self.store()?.pending_held_by(leader)?)
    }

    /// 委托代理: names a deputy for a window (a leader leaving on a trip); while it is active,
    /// the person's new tasks go to the deputy. Needs the gateway.
    pub async fn set_delegation(
        &self,
        request: &NewDelegation,
    ) -> Result<DelegationView, ClientError> {
        let (gateway, credentials) = self.gateway()?;
        Ok(gateway.create_delegation(&credentials, request).await?)
    }

    /// The standing delegations naming this person, as principal or deputy. Needs the gateway.
    pub async fn delegations(&self) -> Result<Vec<DelegationView>, ClientError> {
        let (gateway, credentials) = self.gateway()?;
        Ok(gateway.delegations(&credentials).await?)
    }

    /// Ends one of this person's standing delegations now. Needs the gateway.
    pub async fn revoke_delegation(&self, id: &str) -> Result<DelegationView, ClientError> {
        let (gateway, credentials) = self.gateway()?;
        Ok(gateway.revoke_delegation(&credentials, id).await?)
    }

    pub(super) fn gateway(&self) -> Result<(GatewayClient, Credentials), ClientError> {
        let (account, device) = self.store()?.account()?.ok_or(ClientError::NotActivated)?;
        let gateway = self.link_now(&account, &device)?;
        let credentials = Credentials {
            signer: Arc::clone(&self.signer),
            request_key_id: account.request_key_id,
            access_token: account.access_token,
            clock_offset_ms: device.clock_offset_ms,
        };
        Ok((gateway, credentials))
    }

    /// Retries `attempt` when another action took the device counter at the same moment.
    fn retrying(
        &self,
        attempt: impl Fn() -> Result<QueuedCommand, ClientError>,
    ) -> Result<QueuedCommand, ClientError> {
        for _ in 1..ENQUEUE_ATTEMPTS {
            match attempt() {
                Err(ClientError::Store(StoreError::Contended)) => continue,
                other => return other,
            }
        }
        attempt()
    }
}
