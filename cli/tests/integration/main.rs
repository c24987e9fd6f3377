//! The terminal shell run as a user runs it: the `qianpi` binary against a demo gateway started
//! in this process, one module per feature.

// A failed assumption in a test is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod activation;
mod bodies;
mod connection;
