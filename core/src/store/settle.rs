//! Settling this phone's own actions inside a transaction: a task marked as acted on here (its
//! command waits in the outbox), and a verdict that settles it — out of the outbox, the task done
//! when accepted or back to 待办 when refused (the refusal itself stays in the verdict list).

use super::feed::Writer;
use super::{encode, StoreError};
use crate::protocol::CommandVerdict;
use crate::workflow::Instance;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

impl Writer<'_, '_> {
    /// Marks a task as acted on here (waiting in the outbox), with the instance as the action
    /// left it on this phone.
    pub(super) fn mark_queued(
        &mut self,
        task_id: &str,
        instance_id: &str,
        local: Option<&Instance>,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE tasks SET list = 'queued' WHERE id = ?1")?
            .execute([task_id])?;
        if let Some(local) = local {
            self.tx
                .prepare_cached("UPDATE instances SET local_body = ?1 WHERE id = ?2")?
                .execute(params![encode(local)?, instance_id])?;
        }
        Ok(())
    }

    /// Stores one verdict and settles its command: out of the outbox; the task is done when
    /// accepted, back to 待办 when refused (the refusal itself stays in the verdict list).
    pub(super) fn verdict(&mut self, verdict: &CommandVerdict) -> Result<(), StoreError> {
        let queued: Option<(bool, DateTime<Utc>)> = self
            .tx
            .prepare_cached("SELECT decided_offline, created_at FROM outbox WHERE command_id = ?1")?
            .query_row([&verdict.command_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (offline, decided_at) = match queued {
            Some((offline, at)) => (offline, Some(at)),
            None => (false, None),
        };
        self.tx
            .prepare_cached(
                "INSERT INTO verdicts (command_id, task_id, verdict, decided_offline, decided_locally_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (command_id) DO NOTHING",
            )?
            .execute(params![verdict.command_id, verdict.task_id, encode(verdict)?, offline, decided_at])?;
        self.tx
            .prepare_cached("DELETE FROM outbox WHERE command_id = ?1")?
            .execute([&verdict.command_id])?;
        let settled = if verdict.outcome.is_accepted() {
            "done"
        } else {
            "todo"
        };
        // Another action on the same task may still be queued behind this one.
        self.tx
            .prepare_cached(
                "UPDATE tasks SET list = ?1 WHERE id = ?2 AND list = 'queued'
                 AND NOT EXISTS (SELECT 1 FROM outbox WHERE task_id = ?2)",
            )?
            .execute(params![settled, verdict.task_id])?;
        self.tx
            .prepare_cached(
                "UPDATE instances SET local_body = NULL WHERE local_body IS NOT NULL
                 AND id = (SELECT instance_id FROM tasks WHERE id = ?1)
                 AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = instances.id AND t.list = 'queued')",
            )?
            .execute([&verdict.task_id])?;
        Ok(())
    }
}
