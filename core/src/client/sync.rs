//! The sync of the phone: the engine (`crate::engine`) decides, the driver here does. One full
//! sync ([`Client::sync`]) runs the engine once to its end: push the outbox, send the 回执, pull
//! every new page, each checked and applied in one transaction with its cursor. A background
//! sync ([`Client::sync_within`]) stops at a page boundary when its time is up; a shell keeps
//! the phone in sync with [`Client::run_sync`] (`sync/run.rs`). A gateway that cannot be reached
//! leaves everything as it was; one that orders a wipe, with its signature, gets obeyed.

mod driver;
mod failure;
mod run;
mod status;

use super::push::PUSH_BATCH;
use super::{Client, ClientError, SyncReport};
use crate::engine::{Action, Engine, EngineConfig, Event, Mode, Outcome, Start};
use crate::link::{LinkError, PAGE_LIMIT};
use chrono::{DateTime, Utc};
use driver::Driver;
pub use run::SyncHandle;
pub(super) use status::SyncShared;
pub use status::{SyncActivity, SyncStatus};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The engine as the phone tunes it.
fn engine_config() -> EngineConfig {
    EngineConfig {
        push_batch: PUSH_BATCH,
        page_limit: PAGE_LIMIT,
        ..EngineConfig::default()
    }
}

/// A seed for the engine's jitter: phones that lost the gateway together must not come back
/// together, so each run draws its own.
fn jitter_seed() -> u64 {
    crate::crypto::random_bytes::<8>()
        .map(u64::from_le_bytes)
        .unwrap_or_else(|_| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default()
        })
}

/// The engine's clock: milliseconds since the run began.
#[derive(Clone, Copy)]
struct RunClock(Instant);

impl RunClock {
    fn start() -> RunClock {
        RunClock(Instant::now())
    }

    fn now(self) -> u64 {
        u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl Client {
    /// Pushes the outbox, then pulls every new change. If the gateway cannot be reached, the
    /// outbox stays as it is and the error says so.
    pub async fn sync(&self) -> Result<SyncReport, ClientError> {
        self.sync_once(None).await
    }

    /// As [`Client::sync`], within `budget` (a background task's time): when it is spent, the
    /// sync stops at the next page boundary, everything applied so far kept, and the report
    /// says so ([`SyncReport::budget_spent`]).
    pub async fn sync_within(&self, budget: Duration) -> Result<SyncReport, ClientError> {
        let budget_ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX);
        self.sync_once(Some(budget_ms)).await
    }

    async fn sync_once(&self, budget_ms: Option<u64>) -> Result<SyncReport, ClientError> {
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
        let mut driver = Driver::new(self, key.clone())?;
        let (outbox, receipts) = driver.queued()?;
        let clock = RunClock::start();
        let mut engine = Engine::new(engine_config(), jitter_seed());
        let start = Start {
            mode: Mode::Once,
            outbox,
            receipts,
            budget_ms,
        };
        let mut actions = VecDeque::from(engine.handle(clock.now(), Event::Start(start)));
        let mut outcome = None;
        let mut succeeded_at = None;
        while let Some(action) = actions.pop_front() {
            match action {
                Action::Send { request, deadlines } => {
                    let event = driver.execute(request, deadlines).await;
                    actions.extend(engine.handle(clock.now(), event));
                }
                Action::Status(status) => {
                    let succeeded = status.last_success != succeeded_at;
                    succeeded_at = status.last_success;
                    self.publish_engine_status(&status, clock.now(), succeeded);
                }
                Action::Finished(end) => outcome = Some(end),
                // A one-off sync neither waits nor cancels.
                Action::Cancel | Action::SleepUntil(_) => {}
            }
        }
        match outcome {
            Some(Outcome::Synced { push_interrupted }) => {
                driver.report.push_interrupted = push_interrupted;
                driver.after_sync().await?;
                self.index_after_sync();
                Ok(driver.report)
            }
            Some(Outcome::BudgetSpent) => {
                driver.report.budget_spent = true;
                driver.report.outbox_remaining = self.store()?.outbox_len()?;
                self.index_after_sync();
                Ok(driver.report)
            }
            Some(Outcome::Failed(_)) => {
                let error = driver.error.take().unwrap_or_else(stopped);
                Err(self.after_failure(error, &key, &account.device_id))
            }
            Some(Outcome::Stopped) | None => Err(stopped()),
        }
    }

    /// What a failed sync leaves: no connection is remembered as offline; a refusal carrying a
    /// wipe order is obeyed if the order is the gateway's.
    fn after_failure(
        &self,
        error: ClientError,
        key: &crate::protocol::GatewayPublicKey,
        device_id: &str,
    ) -> ClientError {
        match error {
            ClientError::Link(LinkError::Unreachable(_)) => {
                if let Err(e) = self
                    .store()
                    .and_then(|mut s| Ok(s.set_network(false, None)?))
                {
                    return e;
                }
                error
            }
            error => self.obey_wipe(error, key, device_id),
        }
    }
}

/// A sync that ended without a failure of its own to tell.
fn stopped() -> ClientError {
    ClientError::Link(LinkError::Unreachable("the sync was stopped".to_owned()))
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
