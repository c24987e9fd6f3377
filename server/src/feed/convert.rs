//! Rows written before the feed stored each object once hold a whole change and no `size`. At
//! start, after the schema's migrations, the gateway turns them into the current form
//! ([`super::objects`]) in place, a batch at a time, each batch its own transaction: a gateway
//! stopped half-way serves the rows of both forms (a page reads either) and the next start goes
//! on where it stopped. Replicas converting at once each skip the rows another converted.

use super::objects::{self, Stored};
use crate::db::{decode, Db};
use crate::error::ApiError;
use crate::sql::{args, Sql};
use qianpi_protocol::Change;
use std::collections::HashSet;

/// Rows converted per transaction.
pub const CONVERT_BATCH: usize = 500;

/// Converts up to `limit` rows still in the old form; returns how many it found (0: none left).
/// A body that no longer reads as a change stays whole, with its size, so it is not looked at
/// again.
pub fn convert_batch(sql: &mut dyn Sql, limit: usize) -> Result<usize, ApiError> {
    let rows = sql.query(
        "SELECT user_id, seq, body FROM changes WHERE size IS NULL ORDER BY user_id, seq LIMIT ?1",
        args![i64::try_from(limit).unwrap_or(i64::MAX)],
    )?;
    // A definition is named by most rows of a batch: looked up once.
    let mut known = HashSet::new();
    for row in &rows {
        let (user_id, seq, body) = (row.text(0)?, row.int(1)?, row.text(2)?);
        let stored = match decode::<Change>(&body) {
            Ok(change) => Stored::of(&change)?,
            Err(_) => Stored {
                size: body.len(),
                body,
                objects: None,
            },
        };
        let [document_ref, instance_ref, definition_ref] = stored.refs();
        // The row first, then its objects: the order every writer keeps (see `objects`).
        let converted = sql.execute(
            "UPDATE changes SET body = ?3, size = ?4, document_ref = ?5, instance_ref = ?6,
                definition_ref = ?7
             WHERE user_id = ?1 AND seq = ?2 AND size IS NULL",
            args![
                user_id,
                seq,
                stored.body.as_str(),
                i64::try_from(stored.size).unwrap_or(i64::MAX),
                document_ref,
                instance_ref,
                definition_ref
            ],
        )?;
        if let (1.., Some(objects)) = (converted, &stored.objects) {
            objects::put_known(sql, objects, &mut known)?;
        }
    }
    Ok(rows.len())
}

/// Converts every row still in the old form, [`CONVERT_BATCH`] rows per transaction; returns
/// how many it converted.
pub fn convert_stored(db: &Db) -> Result<u64, ApiError> {
    db.convert_in_batches(
        "the feed: each document, instance and definition stored once",
        CONVERT_BATCH,
        convert_batch,
    )
}
