//! One direction of a proxied connection: a reader that takes the bytes as they come and decides
//! at once how far they may go (a cut, a stall, a reset, the budget, a canned answer), and a
//! writer that delivers them late (latency and jitter, never out of order), slowly (bandwidth)
//! and in pieces (tiny segments), then does what the reader decided.

use super::{ranges, State};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How a direction ends, or what comes after a piece of it.
pub(super) enum Then {
    /// Go on (after a piece); the sender closed (as an end).
    Go,
    /// Both sides are cut.
    Cut,
    /// Nothing more either way; the connection stays open.
    Hold,
    /// The phone's side is reset.
    Reset,
    /// The proxy answers the phone with these bytes itself and closes.
    Answer(Vec<u8>),
}

/// A stop a limit of the faults calls for.
#[derive(Clone, Copy)]
enum Stop {
    Cut,
    Hold,
    Reset,
}

/// Bytes read at `at`, and what comes after them.
struct Piece {
    bytes: Vec<u8>,
    at: Instant,
    then: Then,
}

/// The pump of one direction of one connection.
pub(super) struct Pump<'a> {
    pub(super) state: &'a Mutex<State>,
    /// Set on a stall; both directions of the connection stop writing.
    pub(super) stalled: &'a AtomicBool,
    /// From the phone to the gateway (else from the gateway to the phone).
    pub(super) requests: bool,
}

impl Pump<'_> {
    /// Moves bytes from `from` to `to` until the direction ends; how it ended.
    pub(super) async fn run(self, from: &mut OwnedReadHalf, to: &mut OwnedWriteHalf) -> Then {
        let (sender, receiver) = mpsc::unbounded_channel();
        let reader = self.read(from, sender);
        let writer = self.write(receiver, to);
        tokio::pin!(reader, writer);
        let mut reading = true;
        loop {
            tokio::select! {
                answer = &mut reader, if reading => {
                    if let Some(answer) = answer {
                        return Then::Answer(answer);
                    }
                    // The writer still delivers what was read before it ends.
                    reading = false;
                }
                then = &mut writer => return then,
            }
        }
    }

    /// Reads until the sender closes or a limit stops the direction; a canned answer to give.
    async fn read(
        &self,
        from: &mut OwnedReadHalf,
        pieces: mpsc::UnboundedSender<Piece>,
    ) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; 16 * 1024];
        let mut seen = String::new();
        let mut carried = 0usize;
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => n,
            };
            let at = Instant::now();
            if self.requests {
                // A phone sends one request at a time on a connection, so a read that begins
                // with a request line begins a request.
                let canned = self
                    .state
                    .lock()
                    .faults
                    .answer
                    .as_ref()
                    .and_then(|(line, canned)| {
                        buf[..n]
                            .starts_with(line.as_bytes())
                            .then(|| canned.to_bytes())
                    });
                if canned.is_some() {
                    return canned;
                }
            }
            let (allowed, stop) = self.limit(carried, n);
            carried += allowed;
            if self.requests {
                ranges::note(&mut seen, &buf[..allowed], self.state);
            }
            let then = match stop {
                None => Then::Go,
                Some(Stop::Cut) => Then::Cut,
                Some(Stop::Hold) => Then::Hold,
                Some(Stop::Reset) => Then::Reset,
            };
            let piece = Piece {
                bytes: buf[..allowed].to_vec(),
                at,
                then,
            };
            if pieces.send(piece).is_err() || stop.is_some() {
                return None;
            }
        }
    }

    /// How many of `n` new bytes may go on after `carried`, and the stop that follows them.
    fn limit(&self, carried: usize, n: usize) -> (usize, Option<Stop>) {
        let mut state = self.state.lock();
        let faults = &state.faults;
        let rules = if self.requests {
            [
                (faults.cut_requests_after, Stop::Cut),
                (faults.reset_requests_after, Stop::Reset),
                (None, Stop::Hold),
            ]
        } else {
            [
                (faults.cut_after, Stop::Cut),
                (faults.hold_after, Stop::Hold),
                (faults.reset_after, Stop::Reset),
            ]
        };
        let mut allowed = n;
        let mut stop = None;
        for (limit, what) in rules {
            let Some(limit) = limit else { continue };
            let room = limit.saturating_sub(carried);
            // The earliest limit wins; on a tie, the first named.
            if room < n && (stop.is_none() || room < allowed) {
                allowed = room;
                stop = Some(what);
            }
        }
        if !self.requests {
            if let Some(budget) = state.faults.budget.as_mut() {
                if *budget < allowed {
                    allowed = *budget;
                    stop = Some(Stop::Cut);
                }
                *budget -= allowed;
            }
        }
        (allowed, stop)
    }

    /// Writes the pieces as the faults say until the reader is done or a stop comes.
    async fn write(
        &self,
        mut pieces: mpsc::UnboundedReceiver<Piece>,
        to: &mut OwnedWriteHalf,
    ) -> Then {
        let mut due = Instant::now();
        let mut free_at = Instant::now();
        while let Some(piece) = pieces.recv().await {
            let (delay, bandwidth, segment) = {
                let mut state = self.state.lock();
                (state.delay(), state.faults.bandwidth, state.faults.segment)
            };
            // Bytes never overtake those read before them, whatever the jitter drew.
            due = due.max(piece.at + delay);
            tokio::time::sleep_until(due).await;
            let mut size = segment.unwrap_or(usize::MAX);
            if let Some(rate) = bandwidth {
                // About 50 ms of the link per write, so the rate holds within a piece too.
                size = size.min(usize::try_from(rate / 20).unwrap_or(usize::MAX));
            }
            for part in piece.bytes.chunks(size.max(1)) {
                if let Some(rate) = bandwidth {
                    tokio::time::sleep_until(free_at).await;
                    let busy = Duration::from_secs_f64(part.len() as f64 / rate.max(1) as f64);
                    free_at = free_at.max(Instant::now()) + busy;
                }
                if self.stalled.load(Ordering::SeqCst) {
                    std::future::pending::<()>().await;
                }
                if to.write_all(part).await.is_err() {
                    return Then::Cut;
                }
                let mut state = self.state.lock();
                let carried = if self.requests {
                    &mut state.carried.0
                } else {
                    &mut state.carried.1
                };
                *carried += part.len() as u64;
            }
            match piece.then {
                Then::Go | Then::Answer(_) => {}
                Then::Cut => return Then::Cut,
                Then::Reset => return Then::Reset,
                Then::Hold => {
                    // Silent from here on, both ways: the phone waits for bytes that never come.
                    self.stalled.store(true, Ordering::SeqCst);
                    std::future::pending::<()>().await;
                }
            }
        }
        Then::Go
    }
}
