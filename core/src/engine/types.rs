//! The engine's vocabulary: what it is told ([`Event`]), what it asks for ([`Action`]), how it
//! is tuned ([`EngineConfig`]) and what it says about itself ([`EngineStatus`]). These are the
//! seam between the pure engine, its tokio driver and the deterministic simulation; they change
//! only by addition.

/// Milliseconds on a monotonic clock the driver chooses (since an `Instant` the driver took, or
/// a simulated clock). The engine never reads a clock of its own.
pub type Millis = u64;

/// The deadlines of one request (sync.md, the hostile-network profile). The driver enforces
/// them: connect in the HTTP client, first byte around the wait for the response head, idle
/// around each read of the body, total around the whole exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// To open the connection (TCP and TLS).
    pub connect_ms: u64,
    /// From sending to the first byte of the answer (the response head).
    pub first_byte_ms: u64,
    /// The longest silence while the body is read.
    pub idle_ms: u64,
    /// The whole exchange, end to end.
    pub total_ms: u64,
}

/// How the engine is tuned. [`EngineConfig::default`] is the phone's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// The first retry waits up to this long (full jitter: anything from zero to it).
    pub backoff_base_ms: u64,
    /// No wait, backoff or breaker cool-down, is ever longer than this.
    pub backoff_cap_ms: u64,
    /// Failed syncs in a row that open the circuit breaker.
    pub breaker_threshold: u32,
    /// How long an open breaker waits before one probe (at most `backoff_cap_ms`).
    pub breaker_cooldown_ms: u64,
    /// The most commands one push may carry (halved after each cut, down to one).
    pub push_batch: usize,
    /// The most changes one page may carry (halved after each cut, down to one).
    pub page_limit: usize,
    /// Cuts in a row at size one before the link is given up on for this sync.
    pub cuts_at_one: u32,
    /// The long-poll's `wait` on `GET /v1/sync`, in seconds.
    pub long_poll_wait_secs: u32,
    /// Clock refusals (`outside_window`) retried at once in one sync, after the driver learned
    /// the gateway's time; one more is [`BlockedKind::Clock`].
    pub clock_retries: u32,
    /// Deadlines of an ordinary request.
    pub deadlines: Deadlines,
    /// Deadlines of a long-poll (its first byte may take the whole wait).
    pub long_poll_deadlines: Deadlines,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            backoff_base_ms: 1_000,
            backoff_cap_ms: 300_000,
            breaker_threshold: 5,
            breaker_cooldown_ms: 300_000,
            push_batch: 32,
            page_limit: 200,
            cuts_at_one: 3,
            long_poll_wait_secs: 25,
            clock_retries: 1,
            deadlines: Deadlines {
                connect_ms: 10_000,
                first_byte_ms: 20_000,
                idle_ms: 15_000,
                total_ms: 30_000,
            },
            long_poll_deadlines: Deadlines {
                connect_ms: 10_000,
                first_byte_ms: 40_000,
                idle_ms: 15_000,
                total_ms: 55_000,
            },
        }
    }
}

/// How long a run lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One full sync (push, 回执, pull to the end), then the engine stops: what `Client::sync`
    /// does. A failure ends it at once (only cuts and one clock refusal are retried inside it).
    Once,
    /// Keep in sync: retry failures with backoff and the breaker, long-poll while in the
    /// foreground with nothing queued, sync again when the outbox grows.
    Continuous,
}

/// What starts a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    /// Once or continuous.
    pub mode: Mode,
    /// Commands in the outbox now.
    pub outbox: usize,
    /// 回执 states waiting to be sent now.
    pub receipts: usize,
    /// A background run's time budget: once spent, the run stops at the next page boundary
    /// (never inside a request's transaction) and says so ([`Outcome::BudgetSpent`]).
    pub budget_ms: Option<u64>,
}

/// What the engine is told. Each comes with the time it happened ([`Engine::handle`]).
///
/// [`Engine::handle`]: super::Engine::handle
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Start (or restart) a run. A run already going takes the new mode and budget and syncs
    /// now.
    Start(Start),
    /// Stop the run: the request in flight is cancelled, nothing more is sent.
    Stop,
    /// The request in flight was answered (and, for a page, applied with its cursor).
    Response(Response),
    /// The request in flight failed.
    Failure(Failure),
    /// The shell saw the network change. Online again resets the backoff and the breaker and
    /// syncs now; offline cancels what is in flight and waits.
    NetworkChanged {
        /// Whether a network is there now.
        online: bool,
    },
    /// The app came to the foreground: backoff and breaker reset, a sync starts now, and the
    /// engine long-polls while nothing is queued.
    Foreground,
    /// The app went to the background: no more long-poll.
    Background,
    /// The user acted (or a 回执 changed): the outbox now holds this much.
    OutboxGrew {
        /// Commands in the outbox now.
        outbox: usize,
        /// 回执 states waiting now.
        receipts: usize,
    },
    /// The time asked for by the last [`Action::SleepUntil`] came (early wakes are harmless).
    Timer,
}

/// What a request achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// A push was answered: verdicts filed.
    Pushed {
        /// Commands the batch carried.
        sent: usize,
        /// Of those, accepted.
        accepted: usize,
        /// Of those, refused.
        refused: usize,
        /// Commands left in the outbox afterwards.
        outbox: usize,
    },
    /// A batch of 回执 was answered.
    ReceiptsTaken {
        /// States the batch carried.
        sent: usize,
        /// Of those, refused by the gateway.
        refused: usize,
        /// States still waiting afterwards.
        receipts: usize,
    },
    /// A page was pulled and applied, cursor included, in one transaction.
    Page {
        /// Changes it held.
        items: usize,
        /// Bytes of its body as read (after decompression).
        bytes: u64,
        /// Whether the gateway has more after it.
        has_more: bool,
        /// Commands in the outbox once the page was applied (its verdicts filed): a pull that
        /// brings the verdicts of a cut push tells the engine nothing is queued any more.
        outbox: usize,
        /// 回执 states waiting once the page was applied.
        receipts: usize,
    },
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The kind of failure.
    pub kind: FailureKind,
    /// The gateway's `Retry-After`, in milliseconds: the next try waits at least this long
    /// (never longer than the cap).
    pub retry_after_ms: Option<u64>,
}

impl Failure {
    /// A failure of `kind` without `Retry-After`.
    pub fn new(kind: FailureKind) -> Failure {
        Failure {
            kind,
            retry_after_ms: None,
        }
    }
}

/// The kinds of failure the engine tells apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// No connection could be made at all.
    Unreachable,
    /// A connection was made and broke before the answer was whole: a smaller request may pass.
    Cut,
    /// A deadline passed (first byte, idle, total): treated as a cut.
    Timeout,
    /// The gateway answered with an error.
    Refused {
        /// HTTP status.
        status: u16,
        /// The gateway's stable code.
        code: String,
    },
    /// The gateway refused the request's time (`outside_window`); the driver has learned the
    /// gateway's clock, so the request is retried at once (up to `clock_retries`).
    Clock,
    /// Something between the phone and the gateway, or the gateway's word about this device,
    /// that retrying soon will not fix.
    Blocked(BlockedKind),
    /// A failure on the phone (the store, a signed answer that does not verify).
    Local,
}

/// Why a phone cannot sync, as a shell shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockedKind {
    /// The gateway could not be reached for many tries in a row (the breaker is open).
    Unreachable,
    /// A captive network (hotel, airport Wi-Fi) answers instead of the gateway.
    CaptivePortal,
    /// Something on the way presents its own certificate (TLS interception).
    TlsIntercepted,
    /// The gateway's certificate is not trusted here (unknown CA, pin mismatch, expired, wrong
    /// name).
    TlsUntrusted,
    /// The proxy refused the connection.
    Proxy,
    /// The phone's clock is too far from the gateway's.
    Clock,
    /// The gateway no longer accepts this device.
    DeviceRevoked,
    /// The device is bound but waits for an administrator to approve it (compare the
    /// fingerprint words); syncing goes on trying with backoff.
    DevicePending,
    /// The gateway answers with errors.
    ServerError,
}

/// A request the engine asks the driver to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Push the next commands of the outbox, at most `max` (the driver may send fewer, to keep
    /// the body small).
    Push {
        /// The most commands to send.
        max: usize,
    },
    /// Push the next batch of 回执 states.
    PushReceipts,
    /// Pull the next page after the stored cursor and apply it in one transaction.
    Pull {
        /// The most changes to ask for.
        limit: usize,
        /// A long-poll's `wait`, in seconds.
        wait_secs: Option<u32>,
    },
}

/// What the engine asks for. Actions come in order (a changed status first); at most one
/// request is in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this request within these deadlines, then report a [`Response`] or a [`Failure`].
    Send {
        /// The request.
        request: Request,
        /// Its deadlines.
        deadlines: Deadlines,
    },
    /// Drop the request in flight without reporting on it (a long-poll no longer wanted, the
    /// network gone, a stop). A page is applied only once whole, so nothing is half done.
    Cancel,
    /// Publish (and keep) this status.
    Status(EngineStatus),
    /// Send [`Event::Timer`] at this time (replaces any earlier one).
    SleepUntil(Millis),
    /// One sync ended.
    Finished(Outcome),
}

/// How one sync ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Pushed, sent the 回执 and pulled to the end of the feed.
    Synced {
        /// A push (or the 回执) was cut short or refused; the pull still ran.
        push_interrupted: bool,
    },
    /// The time budget ran out; the sync stopped at a page boundary.
    BudgetSpent,
    /// It failed; what the last failure was.
    Failed(FailureKind),
    /// It was stopped ([`Event::Stop`], or the network went away).
    Stopped,
}

/// What the engine is doing, as a shell shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Nothing to do (or long-polling: waiting for the gateway to have something).
    Idle,
    /// Syncing, with how far it got.
    Syncing(Progress),
    /// No network, or the last try could not reach the gateway (it will try again).
    Offline,
    /// It cannot sync, and says why.
    Blocked(BlockedKind),
}

/// How far a sync got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Pages pulled and applied.
    pub pages: u32,
    /// Changes pulled, plus commands and 回执 pushed.
    pub items: u64,
    /// Bytes of pulled pages.
    pub bytes: u64,
}

/// The engine's own status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineStatus {
    /// What it is doing.
    pub state: SyncState,
    /// When the last sync succeeded (engine time).
    pub last_success: Option<Millis>,
    /// Failed syncs in a row.
    pub failures: u32,
    /// When it tries again, if it waits.
    pub next_attempt: Option<Millis>,
}
