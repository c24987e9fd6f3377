//! Instance and document rows written before they were stored deflated hold their JSON in `body`.
//! At start, after the schema's migrations, the gateway deflates them into `packed` in place, a
//! batch at a time, each batch its own transaction: a gateway stopped half-way reads rows of both
//! forms (see [`super::stored`]) and the next start goes on where it stopped. Replicas converting
//! at once each skip the rows another converted.

use crate::db::{deflate, Db};
use crate::error::ApiError;
use crate::sql::{args, Sql};

/// Rows converted per transaction.
pub const CONVERT_BATCH: usize = 500;

/// The tables whose rows are converted, in order.
const TABLES: [&str; 2] = ["instances", "documents"];

/// Converts up to `limit` rows still holding their JSON in `body`, instances first; returns how
/// many it found (0: none left).
pub fn convert_batch(sql: &mut dyn Sql, limit: usize) -> Result<usize, ApiError> {
    let mut found = 0;
    for table in TABLES {
        if found < limit {
            found += convert_table(sql, table, limit - found)?;
        }
    }
    Ok(found)
}

fn convert_table(sql: &mut dyn Sql, table: &str, limit: usize) -> Result<usize, ApiError> {
    let rows = sql.query(
        &format!("SELECT id, body FROM {table} WHERE body <> '' ORDER BY id LIMIT ?1"),
        args![i64::try_from(limit).unwrap_or(i64::MAX)],
    )?;
    for row in &rows {
        let (id, body) = (row.text(0)?, row.text(1)?);
        // Only if the row still holds what was read: a decision meanwhile wrote it anew.
        sql.execute(
            &format!("UPDATE {table} SET body = '', packed = ?3 WHERE id = ?1 AND body = ?2"),
            args![id, body.as_str(), deflate(&body)?],
        )?;
    }
    Ok(rows.len())
}

/// Converts every row still holding its JSON in `body`, [`CONVERT_BATCH`] rows per transaction;
/// returns how many it converted.
pub fn convert_stored(db: &Db) -> Result<u64, ApiError> {
    db.convert_in_batches(
        "the flows' instances and documents deflated",
        CONVERT_BATCH,
        convert_batch,
    )
}
