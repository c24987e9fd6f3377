//! Qianpi domain (签批): what an approval *is*, with no IO at all. The phone core and the gateway
//! both depend on it, so the rules exist exactly once.
//!
//! | module | role |
//! | --- | --- |
//! | [`model`] | the 公文 and the people who handle it; 通知公告 and their 回执 |
//! | [`workflow`] | the approval state machine: pure `decide` / `apply` / `controls` |
//! | `fixtures` | the documents and flows every crate's tests start from (`fixtures` feature) |
//!
//! Time, the actor's roles and the standing delegations come in as arguments: nothing here reads
//! a clock, draws a random number, touches a file or a socket.

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod model;
pub mod workflow;
