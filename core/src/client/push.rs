//! One push of the outbox over a link that may cut long transfers (sync.md, the hostile-network
//! profile): commands leave in counter order, in batches small enough to pass a link that cuts
//! every connection after 32 KB (at most the engine's batch size, [`PUSH_BATCH`] at first, and
//! [`PUSH_BODY_BYTES`] of JSON before compression). The engine halves the batch after a cut; a
//! resent command gets the verdict the gateway stored for it, so a batch decided whose answer
//! was lost costs nothing but the resend.

use super::sync::offset_ms;
use super::{statements, Client, ClientError, SyncReport};
use crate::engine::Deadlines;
use crate::link::{Credentials, GatewayClient, LinkError};
use crate::protocol::phrases::OPINION_FILE_MISSING;
use crate::protocol::{CommandBatch, GatewayPublicKey, VerdictOutcome};
use crate::store::OutboxRow;

/// At most this many commands go in one push request.
pub(super) const PUSH_BATCH: usize = 32;
/// At most this many bytes of commands' JSON go in one push request (a single larger command
/// goes alone). Compressed and with its headers, the request stays well under 32 KB, and the
/// answer, one signed verdict per command, smaller still.
pub(super) const PUSH_BODY_BYTES: usize = 16 * 1024;

/// What one push settled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Pushed {
    /// Commands the batch carried.
    pub(super) sent: usize,
    /// Of those, accepted.
    pub(super) accepted: usize,
    /// Of those, refused (and filed with their reason).
    pub(super) refused: usize,
}

/// Where a push goes, as whom, and within what deadlines.
pub(super) struct PushTarget<'a> {
    pub(super) gateway: &'a GatewayClient,
    pub(super) key: &'a GatewayPublicKey,
    pub(super) device_id: &'a str,
    pub(super) deadlines: &'a Deadlines,
}

impl Client {
    /// Pushes the first commands of `rows` (in counter order), at most `max`, within the
    /// target's deadlines, and files every verdict. Commands not answered stay queued; a refusal's
    /// `Retry-After` is left in `retry_after_ms`.
    pub(super) async fn push_batch(
        &self,
        target: &PushTarget<'_>,
        credentials: &mut Credentials,
        rows: &[OutboxRow],
        max: usize,
        report: &mut SyncReport,
        retry_after_ms: &mut Option<u64>,
    ) -> Result<Pushed, ClientError> {
        let sizes = rows
            .iter()
            .take(max.max(1))
            .map(|row| serde_json::to_vec(&row.command).map(|json| json.len()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LinkError::Protocol(format!("cannot encode a command: {e}")))?;
        let count = batch_len(&sizes, max);
        if count == 0 {
            return Ok(Pushed::default());
        }
        let batch = CommandBatch {
            commands: rows[..count]
                .iter()
                .map(|row| row.command.clone())
                .collect(),
        };
        let response = target
            .gateway
            .push_within(credentials, &batch, target.deadlines)
            .await
            .map_err(|failed| failed.keeping_retry_after(retry_after_ms))?
            .value;
        credentials.clock_offset_ms = offset_ms(response.server_time, self.device_now());
        // Unproven verdicts settle nothing: the commands stay queued.
        for verdict in &response.verdicts {
            statements::check_verdict(verdict, target.key, Some(target.device_id))?;
        }
        // A command refused for a file the gateway lacks stays queued (the gateway kept no
        // verdict); its files go up again at the next sync.
        let (waiting, verdicts): (Vec<_>, Vec<_>) =
            response.verdicts.iter().cloned().partition(|v| {
                matches!(&v.outcome, VerdictOutcome::Refused { code, .. }
                    if code == OPINION_FILE_MISSING)
            });
        let mut store = self.store()?;
        for verdict in &waiting {
            store.opinion_files_missing(&verdict.command_id)?;
        }
        store.record_verdicts(&verdicts)?;
        store.set_network(true, Some(credentials.clock_offset_ms))?;
        let accepted = verdicts.iter().filter(|v| v.outcome.is_accepted()).count();
        let pushed = Pushed {
            sent: count,
            accepted,
            refused: verdicts.len() - accepted,
        };
        report.pushed += pushed.sent;
        report.accepted += pushed.accepted;
        report.refused += pushed.refused;
        Ok(pushed)
    }
}

/// How many of the commands whose JSON sizes are `sizes` go in the next batch: at most `limit`,
/// at most [`PUSH_BODY_BYTES`] together, and always at least one.
fn batch_len(sizes: &[usize], limit: usize) -> usize {
    let mut bytes = 0usize;
    let mut count = 0;
    for size in sizes.iter().take(limit.max(1)) {
        bytes = bytes.saturating_add(*size);
        if count > 0 && bytes > PUSH_BODY_BYTES {
            break;
        }
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_hold_at_most_the_limit_and_the_byte_bound_and_never_nothing() {
        assert_eq!(batch_len(&[100; 50], PUSH_BATCH), PUSH_BATCH);
        assert_eq!(batch_len(&[100; 50], 3), 3);
        assert_eq!(batch_len(&[100; 2], PUSH_BATCH), 2);
        assert_eq!(batch_len(&[4000; 50], PUSH_BATCH), 4);
        assert_eq!(batch_len(&[PUSH_BODY_BYTES * 3, 10], PUSH_BATCH), 1);
        assert_eq!(batch_len(&[10, PUSH_BODY_BYTES], PUSH_BATCH), 1);
        assert_eq!(batch_len(&[10; 5], 0), 1);
        assert_eq!(batch_len(&[], PUSH_BATCH), 0);
    }
}
