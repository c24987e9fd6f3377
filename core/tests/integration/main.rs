//! The phone core's integration tests through its public API, one binary: nothing readable at
//! rest (S-1), no outbox entry lost or half-written when the process is killed (S-6), and the
//! deterministic simulation of sync (`sim`: the sync engine against an in-process gateway over
//! a faulty network, thousands of seeded days). The first two re-run this binary as a child
//! process for the part that must be isolated. The file vault's memory test is a binary of its
//! own (`tests/file_memory.rs`), because its counting allocator must own the whole process. Unit
//! tests live beside the code they test.

mod at_rest;
mod outbox_crash;
mod sim;
mod support;
