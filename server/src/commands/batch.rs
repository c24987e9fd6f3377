//! Group commit: a device's pushed batch decided in one transaction, so a push of 32 commands
//! costs one commit (one fsync on SQLite, one round of WAL flush on PostgreSQL) instead of 32.
//!
//! Each command still gets its own verdict, stored under its command id, its own feed entries and
//! its own audit entry. Each is decided inside a savepoint: a command whose decision fails midway
//! (an error, not a refusal — a refusal is a verdict like any other and is stored) is rolled back
//! to its savepoint alone, the commands before it stay, the batch stops there and the error is
//! answered once the earlier ones are committed, as when every command had a transaction of its
//! own. A transaction that lost a race with a concurrent one is not caught here: it rolls back
//! whole and [`crate::db::Db::tx`] runs the batch again from the start.
//!
//! The batch commits whole or not at all: a gateway killed mid-batch has decided none of it, and
//! the phone's resend decides it then; a resend after the commit gets the stored verdicts.
//!
//! Audit entries are written at the end of the batch, in the order of their commands: the audit
//! head is one row every decision locks (`FOR UPDATE` on PostgreSQL), and taking it last keeps the
//! order every other transaction takes its locks in (the device's row, then flows and feeds, then
//! the audit head), so two replicas deciding batches for the same flows wait for each other rather
//! than lock each other out, and hold the head only for the moment the entries take.

use super::{decide_command, Decision};
use crate::audit::{self, Event};
use crate::auth::AuthedDevice;
use crate::error::ApiError;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use qianpi_protocol::statement::GatewayKey;
use qianpi_protocol::SignedCommand;

/// The savepoint each command of a batch is decided in.
const SAVEPOINT: &str = "push_command";

/// An audit entry decided but not yet written.
#[derive(Debug, Clone)]
pub(super) struct Deferred {
    unit_id: Option<String>,
    actor: String,
    kind: String,
    subject: String,
    detail: serde_json::Value,
    at: DateTime<Utc>,
}

/// The audit entries of the batch's decisions so far, in order.
#[derive(Debug, Default)]
pub(super) struct Audits(Vec<Deferred>);

impl Audits {
    /// Keeps an entry for the end of the batch.
    pub(super) fn push(&mut self, event: &Event<'_>, at: DateTime<Utc>) {
        self.0.push(Deferred {
            unit_id: event.unit_id.map(str::to_owned),
            actor: event.actor.to_owned(),
            kind: event.kind.to_owned(),
            subject: event.subject.to_owned(),
            detail: event.detail.clone(),
            at,
        });
    }

    /// Writes the entries kept, in order, to the audit chain.
    fn write(self, sql: &mut dyn Sql) -> Result<(), ApiError> {
        for entry in self.0 {
            let event = Event {
                unit_id: entry.unit_id.as_deref(),
                actor: &entry.actor,
                kind: &entry.kind,
                subject: &entry.subject,
                detail: entry.detail,
            };
            audit::append(sql, &event, entry.at)?;
        }
        Ok(())
    }
}

/// What became of a batch: a decision per command decided, in order, and the error that stopped
/// the batch early, if one did (the commands after it were not looked at).
pub struct BatchOutcome {
    /// One per command decided, in the batch's order.
    pub decisions: Vec<Decision>,
    /// Why the batch stopped before its end; the decisions before it are committed.
    pub stopped: Option<ApiError>,
}

/// Decides `commands` for `device` inside the caller's transaction, each in a savepoint of its
/// own; `now` is asked once per command.
pub fn decide_batch(
    sql: &mut dyn Sql,
    key: &GatewayKey,
    device: &AuthedDevice,
    commands: &[SignedCommand],
    now: &mut dyn FnMut() -> DateTime<Utc>,
) -> Result<BatchOutcome, ApiError> {
    let mut audits = Audits::default();
    let mut decisions = Vec::with_capacity(commands.len());
    let mut stopped = None;
    for command in commands {
        // Prepared once and kept, like every statement of a decision: a batch issues two per
        // command.
        sql.execute(&format!("SAVEPOINT {SAVEPOINT}"), &[])?;
        let kept = audits.0.len();
        match decide_command(sql, key, device, command, now(), &mut audits) {
            Ok(decision) => {
                sql.execute(&format!("RELEASE SAVEPOINT {SAVEPOINT}"), &[])?;
                decisions.push(decision);
            }
            // The whole transaction lost a race: run it all again.
            Err(error) if error.is_conflict() => return Err(error),
            Err(error) => {
                sql.batch(&format!(
                    "ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}"
                ))?;
                audits.0.truncate(kept);
                stopped = Some(error);
                break;
            }
        }
    }
    audits.write(sql)?;
    Ok(BatchOutcome { decisions, stopped })
}
