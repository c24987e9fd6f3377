//! The deterministic simulation of sync (sync.md, "How it is tested"; issue 16 item 5): the
//! real sync engine of each phone, an in-process gateway deciding with the real workflow and
//! keeping the gateway's idempotency and ordering contract, and a simulated network, all driven
//! by one seed: random delays, lost requests, cuts mid-body (decided or not), stalls, late,
//! reordered and doubled answers, 503 with `Retry-After`, gateway crashes and restarts, phone
//! crashes and restarts (the engine rebuilt from the store alone), lost networks, background
//! and foreground, clock jumps. After the faults stop, a quiet tail lets the phones settle and
//! the properties are checked (`checks.rs`).
//!
//! | module | role |
//! | --- | --- |
//! | `rng` | the seeded generator everything draws from |
//! | `gateway` | the gateway: real workflow, stored verdicts, counter order, feed and cursor |
//! | `net` | the network's faults |
//! | `phone` | the phone's store model and the person queuing commands |
//! | `world` | the event loop and the driver of each engine |
//! | `checks` | the properties |
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
