//! The sync engine (sync.md, "The engine in core"): a pure state machine fed with events (start,
//! stop, a response, a failure, network changed, foreground or background, the outbox grew, a
//! timer) that answers with actions (send this request within these deadlines, cancel it,
//! publish a status, sleep until, a sync finished). It does no I/O and reads no clock: time comes
//! in with each event, randomness from a seed, so a simulation replays any day from its seed.
//! The tokio driver that runs it over the link is `client::sync`.
//!
//! What it decides: push before pull, and a failed push never stops the pull; requests shrink
//! when the link cuts them; one page per request (the driver applies it in one transaction);
//! capped exponential backoff with full jitter honouring `Retry-After`; one circuit breaker;
//! both reset on a new network and in the foreground; what a sync left queued (a push or 回执
//! the gateway refused or the link kept cutting) tried again after that backoff, so a phone left
//! alone converges; a long-poll while in the foreground with nothing queued; a time budget that
//! ends a run at a page boundary.

mod backoff;
mod breaker;
mod machine;
mod shrink;
mod types;

pub use backoff::SeededRng;
pub use machine::Engine;
pub use types::{
    Action, BlockedKind, Deadlines, EngineConfig, EngineStatus, Event, Failure, FailureKind,
    Millis, Mode, Outcome, Progress, Request, Response, Start, SyncState,
};

#[cfg(test)]
mod resume_tests;
#[cfg(test)]
mod retry_tests;
#[cfg(test)]
mod run_tests;
#[cfg(test)]
mod test_support;
