//! The per-user change feed ([`changes`]: sequence, priority lanes, compaction and cursors;
//! [`page`]: a page, one indexed select per lane). What fills it lives with its subject: flows
//! in [`crate::instances`], verdicts in [`crate::commands`], notices and 回执 in
//! [`crate::notices`].

mod changes;
mod page;

pub use changes::{append_change, head, Cursor, Lane};
pub use page::{lane_bodies_sql, lane_sizes_sql, page, Page, MAX_PAGE_BYTES};
