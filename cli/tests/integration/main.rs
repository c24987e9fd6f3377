//! The terminal shell run as a user runs it: the `qianpi` binary against a gateway started in
//! this process (the demo one, or a unit set up through the admin API in `office`), one module
//! per feature; the action modules drive every workflow verb as the office's people would.

// A failed assumption in a test is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod activation;
mod bodies;
mod connection;
mod flow_actions;
mod lists;
mod office;
mod roles;
mod task_actions;
