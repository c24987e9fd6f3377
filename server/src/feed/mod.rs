//! The per-user change feed ([`changes`]: sequence, priority lanes, compaction and cursors;
//! [`objects`]: each document, instance version and definition stored once and named by the
//! rows, and the collection of those no row names; [`convert`]: rows written before that, turned
//! into it at start; [`page`]: a page, one indexed select per lane). What fills it lives with its subject: flows
//! in [`crate::instances`], verdicts in [`crate::commands`], notices and 回执 in
//! [`crate::notices`].

mod changes;
mod convert;
mod objects;
mod page;

pub use changes::{append_change, head, Cursor, Lane};
pub use convert::{convert_batch, convert_stored, CONVERT_BATCH};
pub use objects::collect;
pub use page::{lane_bodies_sql, lane_sizes_sql, page, stored_changes, Page, MAX_PAGE_BYTES};
