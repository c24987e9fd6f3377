//! The driver's hands: executes one request the engine asks for over the link, with the
//! client's store, and answers with the event the engine takes next. A pulled page is checked
//! (receipts, checksum, checkpoint, notices) and applied in one transaction with its cursor
//! before the engine hears of it; a push files its verdicts before.
//!
//! While a page is applied, the next one is already asked for (when the gateway said more
//! follow): its download, decoding and checks run on their own task, so a first sync costs
//! about the larger of the two instead of their sum. Applies stay in order, one at a time, and
//! a page asked for ahead is only held in memory: it is applied only if the store still stands
//! at the cursor it was asked from, so a crash, a stop or another run that moved the cursor
//! first loses nothing and applies nothing twice.

use super::failure::{failure_of, OUTSIDE_WINDOW};
use super::offset_ms;
use crate::client::push::{PushTarget, Pushed};
use crate::client::{statements, Client, ClientError, SyncReport};
use crate::engine::{Deadlines, Event, Request, Response};
use crate::link::{Credentials, GatewayClient, LinkError, Measured};
use crate::protocol::{GatewayPublicKey, SyncPage};
use crate::store::StoredCheckpoint;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a sync checks the 常用意见 book with the gateway when nothing was edited here.
const PHRASES_CHECK_EVERY: Duration = Duration::from_secs(10 * 60);

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
    /// The next page, asked for while the one before it was applied.
    ahead: Option<Ahead>,
    /// The version of the 常用意见 book the gateway said it holds on the last page.
    gateway_phrases: Option<String>,
}

/// A page asked for ahead of its turn.
struct Ahead {
    /// The cursor it was asked from.
    cursor: String,
    /// The most changes it asked for.
    limit: usize,
    /// The deliveries its request reported.
    delivered: Option<(String, String)>,
    task: tokio::task::JoinHandle<Fetched>,
}

impl Drop for Ahead {
    fn drop(&mut self) {
        // Nobody will apply it: the request need not go on.
        self.task.abort();
    }
}

/// A pulled page checked, with the checkpoint it carried; or why not, with the gateway's
/// `Retry-After`.
type Fetched = Result<(Measured<SyncPage>, StoredCheckpoint), (ClientError, Option<u64>)>;

/// What a pull needs, owned, so that it can run on a task of its own.
struct PullOrder {
    gateway: GatewayClient,
    credentials: Credentials,
    key: GatewayPublicKey,
    device_id: String,
    cursor: String,
    delivered: Option<(String, String)>,
    limit: usize,
    wait_secs: Option<u32>,
    deadlines: Deadlines,
}

impl PullOrder {
    /// Pulls the page and checks what the gateway signed in it.
    async fn fetch(self) -> Fetched {
        let measured = self
            .gateway
            .pull_within(
                &self.credentials,
                &self.cursor,
                self.delivered.as_ref(),
                self.limit,
                self.wait_secs,
                &self.deadlines,
            )
            .await
            .map_err(|failed| (ClientError::from(failed.error), failed.retry_after_ms))?;
        let checkpoint = statements::check_page(&measured.value, &self.key, &self.device_id)
            .map_err(|e| (e, None))?;
        Ok((measured, checkpoint))
    }
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
            ahead: None,
            gateway_phrases: None,
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
        self.ahead = None;
    }

    /// After a complete sync: 常用意见 ride along, the outbox is counted, retention runs. A
    /// failure here must not hide the sync's success.
    pub(super) async fn after_sync(&mut self) -> Result<(), ClientError> {
        if self.phrases_due()? {
            match self
                .client
                .exchange_phrases(&self.gateway, &self.credentials)
                .await
            {
                Ok(_) => *self.client.sync.phrases_checked_at.lock() = Some(Instant::now()),
                Err(e) => tracing::warn!(error = %e, "the phrases could not be exchanged"),
            }
        }
        self.report.outbox_remaining = self.client.store()?.outbox_len()?;
        if let Err(e) = self.client.purge() {
            tracing::warn!(error = %e, "the retention purge failed");
        }
        Ok(())
    }

    /// Whether this sync exchanges the 常用意见: always with an edit made here waiting; else
    /// when the gateway's book (its version rides on every page) is not the copy here; from a
    /// gateway that does not say, once every [`PHRASES_CHECK_EVERY`]. A sync with nothing new
    /// must stay one request (performance.md P-5); opening the picker checks at once anyway
    /// ([`Client::sync_phrases`]).
    fn phrases_due(&self) -> Result<bool, ClientError> {
        let copy = self.client.store()?.phrase_copy()?;
        if copy.as_ref().is_some_and(|copy| copy.edited) {
            return Ok(true);
        }
        Ok(match &self.gateway_phrases {
            Some(version) => copy.is_none_or(|copy| &copy.version != version),
            None => self
                .client
                .sync
                .phrases_checked_at
                .lock()
                .is_none_or(|at| at.elapsed() >= PHRASES_CHECK_EVERY),
        })
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

    /// A pull order from `cursor` with this driver's link and credentials.
    fn order(
        &self,
        cursor: String,
        delivered: Option<(String, String)>,
        limit: usize,
        wait_secs: Option<u32>,
        deadlines: Deadlines,
    ) -> PullOrder {
        PullOrder {
            gateway: self.gateway.clone(),
            credentials: self.credentials.clone(),
            key: self.key.clone(),
            device_id: self.device_id.clone(),
            cursor,
            delivered,
            limit,
            wait_secs,
            deadlines,
        }
    }

    async fn pull(
        &mut self,
        limit: usize,
        wait_secs: Option<u32>,
        deadlines: &Deadlines,
    ) -> Result<Response, ClientError> {
        let (cursor, delivered) = {
            let store = self.client.store()?;
            let (_, device) = store.account()?.ok_or(ClientError::NotActivated)?;
            (device.cursor, store.deliveries_to_report()?)
        };
        let (fetched, delivered) = match self.ahead.take() {
            // Asked for from where the store still stands, as large as the engine wants pages
            // now: it is the page that comes next.
            Some(mut ahead) if ahead.cursor == cursor && ahead.limit == limit => {
                let fetched = (&mut ahead.task).await.unwrap_or_else(|_| {
                    let lost = LinkError::Unreachable("the request was stopped".to_owned());
                    Err((ClientError::Link(lost), None))
                });
                (fetched, ahead.delivered.take())
            }
            _ => {
                let order = self.order(cursor, delivered.clone(), limit, wait_secs, *deadlines);
                (order.fetch().await, delivered)
            }
        };
        let (measured, checkpoint) = fetched.map_err(|(error, retry_after_ms)| {
            self.retry_after_ms = retry_after_ms;
            error
        })?;
        let page = measured.value;
        self.credentials.clock_offset_ms = offset_ms(page.server_time, self.client.device_now());
        if page.phrases.is_some() {
            self.gateway_phrases.clone_from(&page.phrases);
        }
        // The gateway answered, so it took the deliveries the request reported.
        if let Some(sent) = &delivered {
            self.client.store()?.deliveries_reported(sent)?;
        }
        let runtime = tokio::runtime::Handle::try_current();
        if let (true, Ok(runtime)) = (page.has_more, runtime) {
            let delivered = self.client.store()?.deliveries_to_report()?;
            let order = self.order(
                page.next_cursor.clone(),
                delivered.clone(),
                limit,
                None,
                *deadlines,
            );
            self.ahead = Some(Ahead {
                cursor: page.next_cursor.clone(),
                limit,
                delivered,
                task: runtime.spawn(order.fetch()),
            });
            // Let it send its request before this task is busy applying.
            tokio::task::yield_now().await;
        }
        let response = {
            let mut store = self.client.store()?;
            store.apply_verified_page(&page, Some(&checkpoint), self.client.device_now())?;
            store.set_network(true, Some(self.credentials.clock_offset_ms))?;
            Response::Page {
                items: page.changes.len(),
                bytes: measured.bytes,
                has_more: page.has_more,
                outbox: store.outbox_len()?,
                receipts: store.receipts_to_send()?.len(),
            }
        };
        self.report.pulled += page.changes.len();
        // The page's checkpoint may carry a new policy: its inactivity lock holds from now.
        self.client.follow_policy()?;
        Ok(response)
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
