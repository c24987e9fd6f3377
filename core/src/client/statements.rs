//! What the gateway states, checked before the phone believes any of it (security.md): every
//! verdict carries the gateway's signed receipt, every pulled page a checksum and a signed
//! checkpoint, every notice its signed copy, and a wipe order is signed too. All of them verify
//! under the gateway key learned at activation, or nothing of the answer is applied.
//!
//! The checkpoint also drives the offline limits: after `max_offline_block_secs` without a newer
//! one the phone refuses to create approvals, after `max_offline_wipe_secs` it erases itself.
//! Both count on the device clock corrected by the gateway offset, and from the latest such time
//! seen since the checkpoint, so setting the clock back does not undo time already counted (it
//! can still stop the count from growing; a platform's monotonic boot clock would be harder to
//! hold still, and the shells may add that check).

use super::{Client, ClientError};
use crate::link::LinkError;
use crate::protocol::{
    page_checksum, Change, CommandReceipt, CommandVerdict, GatewayPublicKey, Signed, SyncPage,
    WipeCommand,
};
use crate::store::StoredCheckpoint;
use chrono::{DateTime, Utc};

fn bad(what: impl Into<String>) -> ClientError {
    ClientError::BadStatement(what.into())
}

/// Checks a verdict's receipt: signed by the gateway, saying what the verdict says, and — for
/// the answer to this device's own push (`pushed_by`) — for this device. A verdict without one is
/// not believed. The feed also carries verdicts on commands of the user's other phones.
pub(super) fn check_verdict(
    verdict: &CommandVerdict,
    key: &GatewayPublicKey,
    pushed_by: Option<&str>,
) -> Result<(), ClientError> {
    let receipt: CommandReceipt = verdict
        .receipt
        .as_ref()
        .ok_or_else(|| bad("a verdict came without the gateway's receipt"))?
        .verify(key)
        .map_err(|e| bad(format!("a verdict's receipt: {e}")))?;
    let (accepted, code, version) = verdict.outcome.receipt_terms();
    let agrees = receipt.command_id == verdict.command_id
        && pushed_by.is_none_or(|device| receipt.device_id == device)
        && receipt.accepted == accepted
        && receipt.code.as_deref() == code
        && receipt.instance_version == version
        && receipt.decided_at == verdict.decided_at;
    if !agrees {
        return Err(bad(format!(
            "the receipt of command {} says something else than its verdict",
            verdict.command_id
        )));
    }
    Ok(())
}

/// Checks a pulled page: its checksum, its checkpoint (signed, for this device), every verdict's
/// receipt and every notice's signed copy. Returns the checkpoint to keep with the page.
pub(super) fn check_page(
    page: &SyncPage,
    key: &GatewayPublicKey,
    device_id: &str,
) -> Result<StoredCheckpoint, ClientError> {
    let checksum = page_checksum(&page.changes).map_err(|e| bad(e.to_string()))?;
    if checksum != page.checksum {
        return Err(bad("the page does not match its checksum"));
    }
    let signed = page
        .checkpoint
        .as_ref()
        .ok_or_else(|| bad("the page came without a checkpoint"))?;
    let checkpoint = signed
        .verify(key)
        .map_err(|e| bad(format!("the checkpoint: {e}")))?;
    if checkpoint.device_id != device_id {
        return Err(bad("the checkpoint was issued to another device"));
    }
    for change in &page.changes {
        match change {
            Change::Verdict { verdict } => check_verdict(verdict, key, None)?,
            Change::Notice { notice, signed } => {
                let genuine = signed
                    .verify(key)
                    .map_err(|e| bad(format!("notice {}: {e}", notice.id)))?;
                if genuine != **notice {
                    return Err(bad(format!(
                        "notice {} differs from its signed copy",
                        notice.id
                    )));
                }
            }
            Change::Inbox { .. } | Change::Receipt { .. } => {}
        }
    }
    Ok(StoredCheckpoint {
        hash: signed.hash().map_err(|e| bad(e.to_string()))?,
        signed: signed.as_base64().to_owned(),
        checkpoint,
    })
}

impl Client {
    /// Whether the offline limits of the last checkpoint still allow approving at `now` (the
    /// corrected clock); past the wipe limit the phone erases itself.
    pub(super) fn enforce_offline_limits(&self, now: DateTime<Utc>) -> Result<(), ClientError> {
        let (checkpoint, now) = {
            let mut store = self.store()?;
            let Some(checkpoint) = store.last_checkpoint()? else {
                return Ok(());
            };
            let latest = store.latest_seen(now)?;
            (checkpoint, latest)
        };
        let offline = now - checkpoint.issued_at();
        let policy = checkpoint.policy();
        let limit = |secs: u64| chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX));
        if offline > limit(policy.max_offline_wipe_secs) {
            tracing::warn!("offline longer than the policy allows: erasing this phone's data");
            self.wipe()?;
            return Err(ClientError::Wiped(format!(
                "it had not reached the office since {}, longer than the {} days the policy allows",
                checkpoint.issued_at(),
                policy.max_offline_wipe_secs / 86_400
            )));
        }
        if offline > limit(policy.max_offline_block_secs) {
            return Err(ClientError::ReadOnly {
                since: checkpoint.issued_at(),
            });
        }
        Ok(())
    }

    /// The wipe limit, checked whenever the data is opened or unlocked: a phone left in a drawer
    /// for longer than the policy allows erases itself at the first touch. Being past only the
    /// block limit is no error here (the phone may still read and sync).
    pub(super) fn enforce_wipe_limit(&self) -> Result<(), ClientError> {
        let offset = match self.store()?.account()? {
            Some((_, device)) => device.clock_offset_ms,
            None => return Ok(()),
        };
        match self
            .enforce_offline_limits(self.device_now() + chrono::Duration::milliseconds(offset))
        {
            Err(ClientError::ReadOnly { .. }) => Ok(()),
            other => other,
        }
    }

    /// Obeys a wipe order that came with a refusal, if it is the gateway's and for this device;
    /// otherwise hands the refusal back unchanged (a forged order wipes nothing).
    pub(super) fn obey_wipe(
        &self,
        error: ClientError,
        key: &GatewayPublicKey,
        device_id: &str,
    ) -> ClientError {
        let ClientError::Link(LinkError::Refused {
            wipe: Some(order), ..
        }) = &error
        else {
            return error;
        };
        let order: &Signed<WipeCommand> = order;
        match order.verify(key) {
            Ok(wipe) if wipe.device_id == device_id => {
                tracing::warn!(reason = %wipe.reason, "the gateway ordered this phone to erase its data");
                match self.wipe() {
                    Ok(()) => {
                        ClientError::Wiped(format!("ordered by the office ({})", wipe.reason))
                    }
                    Err(e) => e,
                }
            }
            Ok(_) => {
                tracing::warn!("ignored a wipe order for another device");
                error
            }
            Err(e) => {
                tracing::warn!(error = %e, "ignored a wipe order that does not verify");
                error
            }
        }
    }
}

#[cfg(test)]
mod tests;
