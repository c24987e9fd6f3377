//! The sync of the phone: push the outbox (before anything is pulled, `push.rs`), then pull every
//! new page, each checked (receipts, checksum, checkpoint, notices) and applied in one
//! transaction with its cursor. A gateway that cannot be reached leaves everything as it was;
//! one that orders a wipe, with its signature, gets obeyed. A push the link cuts short never
//! stops the pull: the verdicts of what the gateway took before the cut come with it.

use super::push::Shrinking;
use super::{statements, Client, ClientError, SyncReport};
use crate::link::{Credentials, LinkError, PAGE_LIMIT};
use crate::protocol::GatewayPublicKey;
use chrono::{DateTime, Utc};
use std::sync::Arc;

impl Client {
    /// Pushes the outbox, then pulls every new change. If the gateway cannot be reached, the
    /// outbox stays as it is and the error says so.
    pub async fn sync(&self) -> Result<SyncReport, ClientError> {
        let (account, device) = self.store()?.account()?.ok_or(ClientError::NotActivated)?;
        let key = account
            .gateway_key
            .clone()
            .ok_or(ClientError::GatewayKeyUnknown)?;
        // A phone past its wipe limit erases itself before it talks to anyone; past the block
        // limit it may still sync, which is how it becomes writable again.
        let now = self.device_now() + chrono::Duration::milliseconds(device.clock_offset_ms);
        match self.enforce_offline_limits(now) {
            Ok(()) | Err(ClientError::ReadOnly { .. }) => {}
            Err(e) => return Err(e),
        }
        let mut result = self.sync_inner(&key).await;
        // The device clock jumped since the last answer (a user setting the time, a flat battery):
        // learn the offset from the refusal and try once more, so a wrong clock never locks the
        // phone out.
        if let Err(ClientError::Link(LinkError::Refused {
            code, server_time, ..
        })) = &result
        {
            if code == "outside_window" {
                let offset = offset_ms(*server_time, self.device_now());
                self.store()?.set_network(true, Some(offset))?;
                result = self.sync_inner(&key).await;
            }
        }
        match result {
            Err(ClientError::Link(LinkError::Unreachable(_))) => {
                self.store()?.set_network(false, None)?;
                result
            }
            Err(error) => Err(self.obey_wipe(error, &key, &account.device_id)),
            ok => {
                self.index_after_sync();
                ok
            }
        }
    }

    async fn sync_inner(&self, key: &GatewayPublicKey) -> Result<SyncReport, ClientError> {
        let (account, device, outbox) = {
            let store = self.store()?;
            let (account, device) = store.account()?.ok_or(ClientError::NotActivated)?;
            (account, device, store.outbox()?)
        };
        let gateway = self.link_now(&account, &device)?;
        let mut credentials = Credentials {
            signer: Arc::clone(&self.signer),
            request_key_id: account.request_key_id.clone(),
            access_token: account.access_token.clone(),
            clock_offset_ms: device.clock_offset_ms,
        };
        let mut report = SyncReport::default();
        // Push before pull, in counter order. A link that cuts the push (or the 回执) short
        // does not stop the pull: a cut answer may have been decided at the gateway, and its
        // verdicts come first in the feed.
        match self
            .push_outbox(
                &gateway,
                &mut credentials,
                key,
                &account.device_id,
                &outbox,
                &mut report,
            )
            .await
        {
            Err(ClientError::Link(error)) if error.is_cut() => {
                tracing::warn!(error = %error, "the link cut the push: the pull runs still");
                report.push_interrupted = true;
            }
            other => other?,
        }
        match self
            .push_receipts(&gateway, &mut credentials, &mut report)
            .await
        {
            // The gateway answered without taking the receipts (and not because this device may
            // not sync): they stay marked for the next sync, and the pull still runs, so the
            // phone keeps its checkpoint and never goes read-only over a 回执.
            Err(ClientError::Link(LinkError::Refused { status, code, .. })) if status != 401 => {
                tracing::warn!(status, code = %code, "the gateway did not take the receipts");
            }
            Err(ClientError::Link(error)) if error.is_cut() => {
                tracing::warn!(error = %error, "the link cut the receipts: the pull runs still");
                report.push_interrupted = true;
            }
            other => other?,
        }
        let mut cursor = device.cursor;
        // Pages shrink as pushes do when the link cuts their answers.
        let mut page_size = Shrinking::new(PAGE_LIMIT);
        loop {
            let page = match gateway.pull(&credentials, &cursor, page_size.size()).await {
                Ok(page) => page,
                Err(error) => {
                    page_size.failed(page_size.size(), error)?;
                    continue;
                }
            };
            page_size.passed();
            credentials.clock_offset_ms = offset_ms(page.server_time, self.device_now());
            let checkpoint = statements::check_page(&page, key, &account.device_id)?;
            let mut store = self.store()?;
            store.apply_verified_page(&page, Some(&checkpoint), self.device_now())?;
            store.set_network(true, Some(credentials.clock_offset_ms))?;
            report.pulled += page.changes.len();
            cursor = page.next_cursor;
            if !page.has_more {
                break;
            }
        }
        // 常用意见 ride along; a failure there must not hide the sync's success.
        if let Err(e) = self.exchange_phrases(&gateway, &credentials).await {
            tracing::warn!(error = %e, "the phrases could not be exchanged");
        }
        report.outbox_remaining = self.store()?.outbox_len()?;
        // Retention runs after each sync; a failure here must not hide the sync's success.
        if let Err(e) = self.purge() {
            tracing::warn!(error = %e, "the retention purge failed");
        }
        Ok(report)
    }
}

/// The largest clock offset believed (a century): the server time comes in unsigned, and an
/// absurd one must not make date arithmetic overflow (and panic) anywhere after.
const MAX_OFFSET_MS: i64 = 100 * 366 * 24 * 3600 * 1000;

/// Server time minus device time, in milliseconds.
pub(super) fn offset_ms(server_time: DateTime<Utc>, device_now: DateTime<Utc>) -> i64 {
    (server_time - device_now)
        .num_milliseconds()
        .clamp(-MAX_OFFSET_MS, MAX_OFFSET_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absurd_server_time_gives_an_offset_date_arithmetic_survives() {
        let now = Utc::now();
        let offset = offset_ms(DateTime::<Utc>::MAX_UTC, now);
        assert_eq!(offset, MAX_OFFSET_MS);
        // What every signed request then computes.
        let _ = now + chrono::Duration::milliseconds(offset);
        assert_eq!(offset_ms(DateTime::<Utc>::MIN_UTC, now), -MAX_OFFSET_MS);
        assert_eq!(offset_ms(now + chrono::Duration::seconds(3), now), 3000);
    }
}
