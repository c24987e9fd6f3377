//! The inbox and the lists as a shell reads them, the two quick actions (`approve`, `act`), and
//! what the gateway said about this phone's commands. Every call reads or writes the store, so
//! each is async: the work runs on the IO runtime's blocking pool and the shell awaits it off its
//! main thread.

use crate::actions::TaskAction;
use crate::convert::{AccountInfo, ApprovalQueued, Attitude, InboxItem, Verdict};
use crate::lists::{ListEntry, ListKind};
use crate::{blocking, QianpiClient, QianpiError};

#[uniffi::export]
impl QianpiClient {
    /// The account, once activated.
    pub async fn account(&self) -> Result<Option<AccountInfo>, QianpiError> {
        blocking(&self.inner, |client| {
            Ok(client.activation()?.map(Into::into))
        })
        .await
    }

    /// 待办 and the rest of the inbox, pending first.
    pub async fn inbox(&self) -> Result<Vec<InboxItem>, QianpiError> {
        blocking(&self.inner, |client| {
            Ok(client.inbox()?.into_iter().map(Into::into).collect())
        })
        .await
    }

    /// Approves a pending task with an opinion (批示). Works offline; the command waits in the
    /// outbox until `sync` delivers it. The platform signer is asked on the blocking pool; a
    /// signer that must show a prompt first should use `prepare_action` and `complete_action`.
    pub async fn approve(
        &self,
        task_id: String,
        attitude: Attitude,
        opinion: String,
    ) -> Result<ApprovalQueued, QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.approve(&task_id, attitude.into(), &opinion)?.into())
        })
        .await
    }

    /// Any action on a task (approve with a route, mark read, reject, return, recall, transfer).
    /// Works offline like `approve`.
    pub async fn act(
        &self,
        task_id: String,
        action: TaskAction,
    ) -> Result<ApprovalQueued, QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client.act(action.into_command(task_id))?.into())
        })
        .await
    }

    /// A page of one of the phone's lists.
    pub async fn list(
        &self,
        kind: ListKind,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ListEntry>, QianpiError> {
        let (limit, offset) = (usize::try_from(limit), usize::try_from(offset));
        let (limit, offset) = (limit.unwrap_or(usize::MAX), offset.unwrap_or(usize::MAX));
        blocking(&self.inner, move |client| {
            Ok(client
                .list(kind.into(), limit, offset)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
    }

    /// How many commands wait for the gateway.
    pub async fn outbox_count(&self) -> Result<u32, QianpiError> {
        blocking(&self.inner, |client| {
            Ok(u32::try_from(client.outbox()?.len()).unwrap_or(u32::MAX))
        })
        .await
    }

    /// Verdicts on this device's commands, newest first (refused ones stay, with their reason).
    pub async fn verdicts(&self) -> Result<Vec<Verdict>, QianpiError> {
        blocking(&self.inner, |client| {
            Ok(client.verdicts()?.into_iter().map(Into::into).collect())
        })
        .await
    }
}
