//! The per-user change feed ([`changes`]: sequence, priority lanes, compaction, pages and
//! cursors). What fills it lives with its subject: flows in [`crate::instances`], verdicts in
//! [`crate::commands`], notices and 回执 in [`crate::notices`].

mod changes;

pub use changes::{append_change, head, page, Cursor, Lane, Page, MAX_PAGE_BYTES};
