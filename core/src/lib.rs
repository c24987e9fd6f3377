//! Qianpi core (签批): everything the phone runs, in Rust, shared by the Kotlin, Swift and terminal
//! shells through thin front ends. The gateway depends on [`model`], [`workflow`] and [`protocol`]
//! so the approval rules exist exactly once.
//!
//! | module | role |
//! | --- | --- |
//! | [`model`] | the 公文 and the people who handle it; 通知公告 and their 回执 |
//! | [`workflow`] | the approval state machine: pure `decide` / `apply` / `controls` |
//! | [`protocol`] | wire types, request signatures, approval records (COSE_Sign1, deterministic CBOR) |
//! | [`crypto`] | P-256, SHA-256, AES-GCM, DER↔raw signatures |
//! | [`files`] | the encrypted file vault for 正文 and 附件: streamed AES-256-GCM, a key per file |
//! | [`keys`] | the platform key seam ([`keys::KeyStore`], [`keys::DeviceSigner`]) and the data key |
//! | [`software`] | the passphrase-protected software key vault for the terminal and tests |
//! | [`store`] | the SQLCipher store: repositories, lists, migrations, retention |
//! | [`session`] | the data folder: unlock, data-key rotation, re-wrap, crypto-shredding wipe |
//! | [`link`] | the signed HTTP link to the gateway |
//! | [`engine`] | the sync engine: a pure state machine of events and actions, run by [`client`] |
//! | [`client`] | the facade a shell talks to |
//! | [`screens`] | screen models: what each screen shows, built from the store (the document detail) |

pub mod client;
pub mod engine;
pub mod files;
pub mod keys;
pub mod link;
pub mod screens;
pub mod session;
#[cfg(feature = "software-vault")]
pub mod software;
pub mod store;

/// The domain crate's modules, re-exported: the phone's code names them as its own.
pub use qianpi_domain::{model, workflow};
/// The protocol crate and its crypto suite, re-exported likewise.
pub use qianpi_protocol::{self as protocol, crypto};

pub use client::{Client, ClientError, InboxItem, QueuedCommand, SyncReport};
