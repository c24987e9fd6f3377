//! The push of the outbox over a link that may cut long transfers (sync.md, the hostile-network
//! profile): commands leave in counter order, in batches small enough to pass a link that cuts
//! every connection after 32 KB (at most [`PUSH_BATCH`] commands and [`PUSH_BODY_BYTES`] of JSON
//! before compression), and a batch the link cuts is sent again at half its size, down to one
//! command. A resent command gets the verdict the gateway stored for it, so a batch decided
//! whose answer was lost costs nothing but the resend.
//!
//! [`Shrinking`] is the size rule, shared with the pull, whose pages shrink the same way.

use super::sync::offset_ms;
use super::{statements, Client, ClientError, SyncReport};
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
/// Cuts in a row at the smallest size before the link is given up on for this sync.
const CUTS_AT_ONE: u32 = 3;

/// The size of the next request on a link that may cut long transfers: halved after each cut,
/// down to one item; a success keeps it.
#[derive(Debug, Clone)]
pub(super) struct Shrinking {
    size: usize,
    cuts_at_one: u32,
}

impl Shrinking {
    /// Starting at `size` items (at least one).
    pub(super) fn new(size: usize) -> Shrinking {
        Shrinking {
            size: size.max(1),
            cuts_at_one: 0,
        }
    }

    /// How many items the next request may carry.
    pub(super) fn size(&self) -> usize {
        self.size
    }

    /// A request went through.
    pub(super) fn passed(&mut self) {
        self.cuts_at_one = 0;
    }

    /// A request of `sent` items failed with `error`: `Ok` to try again smaller, or the error
    /// when a smaller request cannot help (no connection at all, an answer from the gateway)
    /// or the link cut even single items [`CUTS_AT_ONE`] times in a row.
    pub(super) fn failed(&mut self, sent: usize, error: LinkError) -> Result<(), LinkError> {
        if !error.is_cut() {
            return Err(error);
        }
        if sent <= 1 {
            self.cuts_at_one += 1;
            if self.cuts_at_one >= CUTS_AT_ONE {
                return Err(error);
            }
        }
        self.size = (sent / 2).max(1);
        tracing::info!(
            size = self.size,
            "the link cut a request: smaller ones follow"
        );
        Ok(())
    }
}

impl Client {
    /// Pushes `outbox` in counter order and files every verdict. A link that keeps cutting
    /// stops the push with [`LinkError::Unreachable`]; the commands not answered stay queued.
    pub(super) async fn push_outbox(
        &self,
        gateway: &GatewayClient,
        credentials: &mut Credentials,
        key: &GatewayPublicKey,
        device_id: &str,
        outbox: &[OutboxRow],
        report: &mut SyncReport,
    ) -> Result<(), ClientError> {
        let sizes = outbox
            .iter()
            .map(|row| serde_json::to_vec(&row.command).map(|json| json.len()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LinkError::Protocol(format!("cannot encode a command: {e}")))?;
        // The opinions' handwriting and voice go first: the gateway decides a command only
        // once it holds the files its opinion names.
        if !outbox.is_empty() {
            self.upload_opinion_files(gateway, credentials).await?;
        }
        let mut batch_size = Shrinking::new(PUSH_BATCH);
        let mut at = 0;
        while at < outbox.len() {
            let count = batch_len(&sizes[at..], batch_size.size());
            let chunk = &outbox[at..at + count];
            let batch = CommandBatch {
                commands: chunk.iter().map(|row| row.command.clone()).collect(),
            };
            let response = match gateway.push(credentials, &batch).await {
                Ok(response) => response,
                Err(error) => {
                    batch_size.failed(count, error)?;
                    continue;
                }
            };
            batch_size.passed();
            credentials.clock_offset_ms = offset_ms(response.server_time, self.device_now());
            // Unproven verdicts settle nothing: the commands stay queued.
            for verdict in &response.verdicts {
                statements::check_verdict(verdict, key, Some(device_id))?;
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
            report.pushed += count;
            let accepted = verdicts.iter().filter(|v| v.outcome.is_accepted()).count();
            report.accepted += accepted;
            report.refused += verdicts.len() - accepted;
            at += count;
        }
        Ok(())
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

    #[test]
    fn a_cut_halves_the_size_down_to_one_then_gives_up() {
        let cut = || LinkError::Unreachable("the connection broke".into());
        let mut size = Shrinking::new(32);
        let mut sent = Vec::new();
        loop {
            sent.push(size.size());
            if size.failed(size.size(), cut()).is_err() {
                break;
            }
        }
        assert_eq!(sent, [32, 16, 8, 4, 2, 1, 1, 1]);

        // A success between cuts at one starts the count again.
        let mut size = Shrinking::new(1);
        assert!(size.failed(1, cut()).is_ok());
        assert!(size.failed(1, cut()).is_ok());
        size.passed();
        assert!(size.failed(1, cut()).is_ok());
        assert!(size.failed(1, cut()).is_ok());
        assert!(size.failed(1, cut()).is_err());

        // No connection at all, or an answer, is not helped by a smaller request.
        let mut size = Shrinking::new(32);
        assert!(size
            .failed(32, LinkError::Unreachable("connection failed".into()))
            .is_err());
        assert!(size.failed(32, LinkError::Protocol("html".into())).is_err());
        assert_eq!(size.size(), 32);
    }
}
