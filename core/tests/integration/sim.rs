//! The deterministic simulation of sync (sync.md, "How it is tested"; issue 16 item 5): the
//! real sync engine of each phone (`qianpi_core::engine`), an in-process gateway deciding with
//! the real workflow of `qianpi-domain` and keeping the gateway's idempotency and ordering
//! contract, and a simulated network, all driven by one seed: random delays, lost requests,
//! cuts mid-body (decided or not), stalls, late, reordered and doubled answers, 503 with
//! `Retry-After`, gateway crashes and restarts, phone crashes and restarts (the engine rebuilt
//! from the store alone), lost and changed networks, background and foreground, apps suspended
//! in the background and woken for budgeted background tasks, pull to refresh, clock jumps;
//! the people queue commands and 回执. After the faults stop, a quiet tail lets the phones
//! settle and the properties are checked (`checks.rs`).
//!
//! The engine sees only the answer it waits for (as with the real driver, which drops a request
//! on its deadline or a cancel); a late or doubled answer is still filed in the store when it
//! arrives, as a driver racing its deadline would, so the store's rules are tested with it.
//!
//! | module | role |
//! | --- | --- |
//! | `rng` | the seeded generator everything draws from |
//! | `gateway` | the gateway: real workflow, stored verdicts, counter order, feed and cursor |
//! | `net` | the network's faults |
//! | `phone` | the phone's store model and the person queuing commands |
//! | `world` | the event loop (`driver`: each engine's driver; `exchange`: requests, answers) |
//! | `world/life`, `world/background` | crashes, restarts, people; suspended apps' tasks |
//! | `checks` | the properties |
//! | `tests` | 2,000 seeded days, replay, and mutations the properties must catch |
//!
//! A failing seed prints the command that replays it alone with a trace of every event;
//! `QIANPI_SIM_SEEDS=N` runs more seeds than the default.

mod checks;
mod gateway;
mod net;
mod phone;
mod rng;
mod world;

mod tests;
