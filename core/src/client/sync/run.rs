//! Keeping the phone in sync while a shell runs: [`Client::run_sync`] starts the engine in its
//! continuous mode on a tokio task and hands back a [`SyncHandle`] through which the shell says
//! what it sees (foreground or background, the network changed, sync now, stop). Retries wait
//! with backoff and the breaker; in the foreground with nothing queued the engine long-polls; a
//! user's action (the outbox growing, noticed through the store's change feed) cancels the
//! long-poll and pushes at once.

use super::driver::Driver;
use super::failure::failure_of;
use super::{engine_config, jitter_seed, RunClock};
use crate::client::{Client, ClientError};
use crate::engine::{Action, Engine, Event, Mode, Outcome, Start};
use crate::protocol::GatewayPublicKey;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// What a shell tells a running sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    SyncNow,
    Foreground,
    Background,
    Network(bool),
    Stop,
}

/// A running sync ([`Client::run_sync`]). Dropping it stops the sync.
#[derive(Debug)]
pub struct SyncHandle {
    signals: mpsc::UnboundedSender<Signal>,
    task: JoinHandle<()>,
}

impl SyncHandle {
    /// Sync now (pull to refresh), even past an open breaker.
    pub fn sync_now(&self) {
        self.send(Signal::SyncNow);
    }

    /// The app is in the foreground: backoff and breaker reset, a sync starts, and the engine
    /// long-polls while nothing is queued.
    pub fn foreground(&self) {
        self.send(Signal::Foreground);
    }

    /// The app went to the background: no long-poll.
    pub fn background(&self) {
        self.send(Signal::Background);
    }

    /// The network changed (set the new network's proxy with [`Client::set_proxy`] first);
    /// `online` says whether there is one now.
    pub fn network_changed(&self, online: bool) {
        self.send(Signal::Network(online));
    }

    /// Stops the sync: the request in flight is dropped (a page is applied whole or not at
    /// all).
    pub fn stop(&self) {
        self.send(Signal::Stop);
    }

    /// Whether the sync has stopped (asked to, or the device was wiped).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    fn send(&self, signal: Signal) {
        // A stopped run has dropped its receiver: nothing is listening, nothing to do.
        let _ = self.signals.send(signal);
    }
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Client {
    /// Keeps this phone in sync on `runtime` until the returned handle is stopped or dropped;
    /// `foreground` says where the app is now. The status is published as with every sync
    /// ([`Client::sync_activity`]).
    pub fn run_sync(
        self: &Arc<Self>,
        runtime: &tokio::runtime::Handle,
        foreground: bool,
    ) -> Result<SyncHandle, ClientError> {
        let (account, _) = self.store()?.account()?.ok_or(ClientError::NotActivated)?;
        let key = account.gateway_key.ok_or(ClientError::GatewayKeyUnknown)?;
        let (signals, receiver) = mpsc::unbounded_channel();
        if foreground {
            let _ = signals.send(Signal::Foreground);
        }
        let client = Arc::clone(self);
        let task = runtime.spawn(async move { client.keep_in_sync(key, receiver).await });
        Ok(SyncHandle { signals, task })
    }

    async fn keep_in_sync(
        self: Arc<Self>,
        key: GatewayPublicKey,
        mut signals: mpsc::UnboundedReceiver<Signal>,
    ) {
        let client: &Client = &self;
        let clock = RunClock::start();
        let mut engine = Engine::new(engine_config(), jitter_seed());
        let mut changes = client.changes();
        let mut known = queued(client);
        let mut driver: Option<Driver<'_>> = None;
        let mut in_flight: Option<InFlight<'_>> = None;
        let mut timer: Option<tokio::time::Instant> = None;
        let mut actions = VecDeque::from(engine.handle(clock.now(), start(known)));
        let mut succeeded_at = None;
        loop {
            while let Some(action) = actions.pop_front() {
                match action {
                    Action::Send { request, deadlines } => {
                        let mut hands = match driver.take() {
                            Some(hands) => hands,
                            None => match Driver::new(client, key.clone()) {
                                Ok(hands) => hands,
                                Err(error) => {
                                    let failure = Event::Failure(failure_of(&error));
                                    actions.extend(engine.handle(clock.now(), failure));
                                    continue;
                                }
                            },
                        };
                        in_flight = Some(Box::pin(async move {
                            let event = hands.execute(request, deadlines).await;
                            (hands, event)
                        }));
                    }
                    // The link goes with the dropped request; the next request builds a fresh
                    // one (on the new network's proxy, say).
                    Action::Cancel => in_flight = None,
                    Action::Status(status) => {
                        let succeeded = status.last_success != succeeded_at;
                        succeeded_at = status.last_success;
                        client.publish_engine_status(&status, clock.now(), succeeded);
                    }
                    Action::SleepUntil(at) => {
                        let wait = Duration::from_millis(at.saturating_sub(clock.now()));
                        timer = Some(tokio::time::Instant::now() + wait);
                    }
                    Action::Finished(outcome) => {
                        if !client.finish(&mut driver, outcome, &key).await {
                            return;
                        }
                        known = queued(client);
                    }
                }
            }
            tokio::select! {
                signal = signals.recv() => {
                    let event = match signal {
                        None | Some(Signal::Stop) => {
                            for action in engine.handle(clock.now(), Event::Stop) {
                                if let Action::Status(status) = action {
                                    client.publish_engine_status(&status, clock.now(), false);
                                }
                            }
                            return;
                        }
                        Some(Signal::SyncNow) => start(queued(client)),
                        Some(Signal::Foreground) => Event::Foreground,
                        Some(Signal::Background) => Event::Background,
                        Some(Signal::Network(online)) => {
                            driver = None;
                            Event::NetworkChanged { online }
                        }
                    };
                    actions.extend(engine.handle(clock.now(), event));
                }
                (hands, event) = answer(&mut in_flight) => {
                    in_flight = None;
                    driver = Some(hands);
                    actions.extend(engine.handle(clock.now(), event));
                    // An action queued while the request was out may not have been told yet
                    // (its store notice can come after this answer, and an answer counts the
                    // outbox as it was): tell the engine now, or it would long-poll with the
                    // action unsent.
                    let now = queued(client);
                    if now.0 > known.0 || now.1 > known.1 {
                        let grew = Event::OutboxGrew { outbox: now.0, receipts: now.1 };
                        actions.extend(engine.handle(clock.now(), grew));
                    }
                    known = now;
                }
                () = wake(timer) => {
                    timer = None;
                    actions.extend(engine.handle(clock.now(), Event::Timer));
                }
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let now = queued(client);
                    // Only more to send wakes the engine: verdicts filed by the sync itself
                    // move the outbox too.
                    if now.0 > known.0 || now.1 > known.1 {
                        let grew = Event::OutboxGrew { outbox: now.0, receipts: now.1 };
                        actions.extend(engine.handle(clock.now(), grew));
                    }
                    known = now;
                }
            }
        }
    }

    /// After one sync of a continuous run: the success's follow-ups, or the failure's (a
    /// refusal carrying a wipe order is obeyed). Whether the run goes on.
    async fn finish(
        &self,
        driver: &mut Option<Driver<'_>>,
        outcome: Outcome,
        key: &GatewayPublicKey,
    ) -> bool {
        let Some(hands) = driver.as_mut() else {
            return true;
        };
        match outcome {
            Outcome::Synced { .. } => {
                if let Err(e) = hands.after_sync().await {
                    tracing::warn!(error = %e, "the housekeeping after a sync failed");
                }
                self.index_after_sync();
            }
            Outcome::Failed(_) => {
                if let Some(error) = hands.error.take() {
                    let device_id = self
                        .account()
                        .ok()
                        .flatten()
                        .map(|a| a.device_id)
                        .unwrap_or_default();
                    if let ClientError::Wiped(reason) = self.after_failure(error, key, &device_id) {
                        tracing::warn!(%reason, "the phone was wiped: the sync stops");
                        return false;
                    }
                }
            }
            Outcome::BudgetSpent | Outcome::Stopped => {}
        }
        hands.sync_ended();
        hands.report = Default::default();
        true
    }
}

/// A request on its way, with the driver that sent it.
type InFlight<'a> = Pin<Box<dyn Future<Output = (Driver<'a>, Event)> + Send + 'a>>;

/// The answer to the request in flight; never, if none is.
async fn answer<'a>(in_flight: &mut Option<InFlight<'a>>) -> (Driver<'a>, Event) {
    match in_flight {
        Some(request) => request.await,
        None => std::future::pending().await,
    }
}

/// The timer's moment; never, if none is set.
async fn wake(timer: Option<tokio::time::Instant>) {
    match timer {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Commands and 回执 waiting (none, if the store cannot be read now: locked, say).
fn queued(client: &Client) -> (usize, usize) {
    client
        .store_peek()
        .and_then(|store| Ok((store.outbox_len()?, store.receipts_to_send()?.len())))
        .unwrap_or((0, 0))
}

/// The continuous run's start with `(outbox, receipts)` waiting.
fn start((outbox, receipts): (usize, usize)) -> Event {
    Event::Start(Start {
        mode: Mode::Continuous,
        outbox,
        receipts,
        budget_ms: None,
    })
}
