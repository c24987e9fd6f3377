//! The driver's hands: executes one request the engine asks for over the link, with the
//! client's store, and answers with the event the engine takes next. A pulled page is checked
//! (receipts, checksum, checkpoint, notices) and applied in one transaction with its cursor
//! before the engine hears of it; a push files its verdicts before.

use super::failure::{failure_of, OUTSIDE_WINDOW};
use super::offset_ms;
use crate::client::push::{PushTarget, Pushed};
use crate::client::{statements, Client, ClientError, SyncReport};
use crate::engine::{Deadlines, Event, Request, Response};
use crate::link::{Credentials, GatewayClient, LinkError};
use crate::protocol::GatewayPublicKey;
use std::collections::HashSet;
use std::sync::Arc;

/// One run's link, credentials and tally.
pub(super) struct Driver<'a> {
    client: &'a Client,
    gateway: GatewayClient,
    credentials: Credentials,
    key: GatewayPublicKey,
    device_id: String,
    /// What the current sync did.
    pub(super) report: SyncReport,
    /// The last failure, as the caller of a one-off sync gets it.
    pub(super) error: Option<ClientError>,
    /// Commands pushed in the current sync: one kept queued (waiting for its file at the
    /// gateway) is not pushed again before the next.
    pushed: HashSet<String>,
    /// The opinions' files went up in the current sync.
    files_sent: bool,
    /// The gateway's `Retry-After` on the last refusal.
    retry_after_ms: Option<u64>,
}

impl<'a> Driver<'a> {
    /// A driver for the activated account of `client`, verifying the gateway's statements with
    /// `key`.
    pub(super) fn new(
        client: &'a Client,
        key: GatewayPublicKey,
    ) -> Result<Driver<'a>, ClientError> {
        let store = client.store()?;
        let (account, device) = store.account()?.ok_or(ClientError::NotActivated)?;
        let gateway = client.link(&store, &account, &device)?;
        let credentials = Credentials {
            signer: Arc::clone(&client.signer),
            request_key_id: account.request_key_id.clone(),
            access_token: account.access_token.clone(),
            clock_offset_ms: device.clock_offset_ms,
        };
        Ok(Driver {
            client,
            gateway,
            credentials,
            key,
            device_id: account.device_id,
            report: SyncReport::default(),
            error: None,
            pushed: HashSet::new(),
            files_sent: false,
            retry_after_ms: None,
        })
    }

    /// Commands and 回执 states waiting now.
    pub(super) fn queued(&self) -> Result<(usize, usize), ClientError> {
        let store = self.client.store()?;
        Ok((store.outbox_len()?, store.receipts_to_send()?.len()))
    }

    /// Sends `request` within `deadlines`; the answer, or the failure, as the engine's event.
    pub(super) async fn execute(&mut self, request: Request, deadlines: Deadlines) -> Event {
        // One exchange at a time on this client, whichever run asks: a page read and applied
        // by one is never read again by another from the same cursor.
        let exchange = Arc::clone(&self.client.sync.exchange);
        let _turn = exchange.lock().await;
        self.retry_after_ms = None;
        let result = match request {
            Request::Push { max } => self.push(max, &deadlines).await,
            Request::PushReceipts => self.receipts(&deadlines).await,
            Request::Pull { limit, wait_secs } => self.pull(limit, wait_secs, &deadlines).await,
        };
        match result {
            Ok(response) => Event::Response(response),
            Err(error) => {
                self.learn_clock(&error);
                let mut failure = failure_of(&error);
                failure.retry_after_ms = self.retry_after_ms.take();
                tracing::info!(kind = ?failure.kind, error = %error, "a sync request failed");
                self.error = Some(error);
                Event::Failure(failure)
            }
        }
    }

    /// A sync ended: the next one pushes every queued command again.
    pub(super) fn sync_ended(&mut self) {
        self.pushed.clear();
        self.files_sent = false;
    }

    /// After a complete sync: 常用意见 ride along, the outbox is counted, retention runs. A
    /// failure here must not hide the sync's success.
    pub(super) async fn after_sync(&mut self) -> Result<(), ClientError> {
        if let Err(e) = self
            .client
            .exchange_phrases(&self.gateway, &self.credentials)
            .await
        {
            tracing::warn!(error = %e, "the phrases could not be exchanged");
        }
        self.report.outbox_remaining = self.client.store()?.outbox_len()?;
        if let Err(e) = self.client.purge() {
            tracing::warn!(error = %e, "the retention purge failed");
        }
        Ok(())
    }

    async fn push(&mut self, max: usize, deadlines: &Deadlines) -> Result<Response, ClientError> {
        // The opinions' handwriting and voice go first: the gateway decides a command only
        // once it holds the files its opinion names.
        if !self.files_sent {
            self.client
                .upload_opinion_files(&self.gateway, &self.credentials)
                .await?;
            self.files_sent = true;
        }
        let rows: Vec<_> = self
            .client
            .store()?
            .outbox()?
            .into_iter()
            .filter(|row| !self.pushed.contains(&row.command.command_id))
            .collect();
        let target = PushTarget {
            gateway: &self.gateway,
            key: &self.key,
            device_id: &self.device_id,
            deadlines,
        };
        let Pushed {
            sent,
            accepted,
            refused,
        } = self
            .client
            .push_batch(
                &target,
                &mut self.credentials,
                &rows,
                max,
                &mut self.report,
                &mut self.retry_after_ms,
            )
            .await?;
        self.pushed
            .extend(rows.iter().take(sent).map(|r| r.command.command_id.clone()));
        let outbox = self.client.store()?.outbox_len()?;
        Ok(Response::Pushed {
            sent,
            accepted,
            refused,
            outbox,
        })
    }

    async fn receipts(&mut self, deadlines: &Deadlines) -> Result<Response, ClientError> {
        let (sent_before, refused_before) =
            (self.report.receipts_sent, self.report.receipts_refused);
        self.client
            .push_receipts(
                &self.gateway,
                &mut self.credentials,
                &mut self.report,
                deadlines,
                &mut self.retry_after_ms,
            )
            .await?;
        let refused = self.report.receipts_refused - refused_before;
        Ok(Response::ReceiptsTaken {
            sent: self.report.receipts_sent - sent_before + refused,
            refused,
            receipts: self.client.store()?.receipts_to_send()?.len(),
        })
    }

    async fn pull(
        &mut self,
        limit: usize,
        wait_secs: Option<u32>,
        deadlines: &Deadlines,
    ) -> Result<Response, ClientError> {
        let cursor = {
            let store = self.client.store()?;
            let (_, device) = store.account()?.ok_or(ClientError::NotActivated)?;
            device.cursor
        };
        let measured = self
            .gateway
            .pull_within(&self.credentials, &cursor, limit, wait_secs, deadlines)
            .await
            .map_err(|failed| failed.keeping_retry_after(&mut self.retry_after_ms))?;
        let page = measured.value;
        self.credentials.clock_offset_ms = offset_ms(page.server_time, self.client.device_now());
        let checkpoint = statements::check_page(&page, &self.key, &self.device_id)?;
        let mut store = self.client.store()?;
        store.apply_verified_page(&page, Some(&checkpoint), self.client.device_now())?;
        store.set_network(true, Some(self.credentials.clock_offset_ms))?;
        self.report.pulled += page.changes.len();
        Ok(Response::Page {
            items: page.changes.len(),
            bytes: measured.bytes,
            has_more: page.has_more,
            outbox: store.outbox_len()?,
            receipts: store.receipts_to_send()?.len(),
        })
    }

    /// The gateway refused the request's time: its clock, as it said it, is learned (and
    /// kept), so the engine's retry is signed right. A wrong phone clock never locks it out.
    fn learn_clock(&mut self, error: &ClientError) {
        if let ClientError::Link(LinkError::Refused {
            code, server_time, ..
        }) = error
        {
            if code == OUTSIDE_WINDOW {
                let offset = offset_ms(*server_time, self.client.device_now());
                self.credentials.clock_offset_ms = offset;
                if let Err(e) = self
                    .client
                    .store()
                    .and_then(|mut s| Ok(s.set_network(true, Some(offset))?))
                {
                    tracing::warn!(error = %e, "the gateway's clock could not be kept");
                }
            }
        }
    }
}
