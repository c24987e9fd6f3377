//! One page of a user's feed, lane by lane, read through the `(user_id, lane, seq)` index
//! (`changes_by_lane`) so that a page costs the same whatever the length of the feed.
//!
//! Each lane is one range of that index: a select per lane walks it from the reader's position
//! in seq order and stops after the room left in the page, with no sort and no look at the
//! lane's other rows. A single select over all lanes (`… ((lane = 0 AND seq > ?) OR …) ORDER BY
//! lane, seq`) cannot be served that way: the database gathers and sorts every change of the
//! user, bodies included, for every page.
//!
//! Bodies are read only for the changes the page returns: a lane's sizes come first
//! (`octet_length` reads a stored text's length, not the text), the page is cut by count and
//! size on them, and only then are the bodies of the rows kept read, in one more range select.
//!
//! Changes are stored in two forms ([`super::objects`]): an inbox change's row names its
//! document, instance and definition, read with it; other rows, and rows from before that form,
//! hold the whole change. Either comes out as the same change.
//!
//! The selects of one page may see commits made between them (PostgreSQL reads each statement
//! at its own snapshot). That loses nothing: a change's body at a given number never changes (a
//! newer change of the item takes a new number, past the head this page reads up to), so a row
//! that vanished between two selects reaches the reader again at its new number.

use super::changes::{head, Cursor, Lane, LANES};
use super::objects::Decoded;
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::{Dialect, Sql};
use qianpi_protocol::Change;

/// A page stops growing once its changes' JSON passes this size (about 256 KB once gzipped,
/// sync.md); it always holds at least one change.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;

/// The next changes of one lane after the reader's position and up to the head, oldest first:
/// their numbers and sizes (a row written before sizes were stored: its body's), at most `?5` of
/// them. SQLite is told the index: without statistics (a gateway's file has none) it would take
/// the primary key `(user_id, seq)` instead and skip over the other lanes' rows.
const LANE_SIZES_SQLITE: &str = "SELECT seq, COALESCE(size, octet_length(body)) FROM changes
     INDEXED BY changes_by_lane
     WHERE user_id = ?1 AND lane = ?2 AND seq > ?3 AND seq <= ?4 ORDER BY seq LIMIT ?5";
const LANE_SIZES_POSTGRES: &str = "SELECT seq, COALESCE(size, octet_length(body)) FROM changes
     WHERE user_id = ?1 AND lane = ?2 AND seq > ?3 AND seq <= ?4 ORDER BY seq LIMIT ?5";

/// The rows of one lane's changes in a range of numbers, oldest first, with the objects they
/// name. The objects are read in the same statement as the rows (each a lookup by its key), so
/// a collection of objects between two statements cannot take away one a row named.
macro_rules! lane_bodies {
    ($indexed:literal) => {
        concat!(
            "SELECT c.seq, c.size, c.body, c.document_ref, c.instance_ref, c.definition_ref,
                (SELECT o.body FROM feed_objects o WHERE o.hash = c.document_ref),
                (SELECT o.body FROM feed_objects o WHERE o.hash = c.instance_ref),
                (SELECT o.body FROM feed_objects o WHERE o.hash = c.definition_ref)
             FROM changes c ",
            $indexed,
            " WHERE c.user_id = ?1 AND c.lane = ?2 AND c.seq > ?3 AND c.seq <= ?4 ORDER BY c.seq"
        )
    };
}
const LANE_BODIES_SQLITE: &str = lane_bodies!("INDEXED BY changes_by_lane");
const LANE_BODIES_POSTGRES: &str = lane_bodies!("");

/// The select of one lane's next numbers and sizes (`?1` user, `?2` lane, after `?3`, up to
/// `?4`, at most `?5`). Public for the plan tests and the benchmark.
pub fn lane_sizes_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => LANE_SIZES_SQLITE,
        Dialect::Postgres => LANE_SIZES_POSTGRES,
    }
}

/// The select of one lane's bodies (`?1` user, `?2` lane, after `?3`, up to `?4`). Public for
/// the plan tests and the benchmark.
pub fn lane_bodies_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => LANE_BODIES_SQLITE,
        Dialect::Postgres => LANE_BODIES_POSTGRES,
    }
}

/// A page of a user's feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The changes, lane by lane.
    pub changes: Vec<Change>,
    /// Where the reader stands after them.
    pub next: Cursor,
    /// Whether more changes wait beyond this page.
    pub has_more: bool,
}

/// Whether a change of `size` bytes still fits a page holding `count` changes of `bytes`.
fn fits(count: usize, bytes: usize, size: usize, limit: usize) -> bool {
    count < limit && (count == 0 || bytes.saturating_add(size) <= MAX_PAGE_BYTES)
}

fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Up to `limit` changes (and about [`MAX_PAGE_BYTES`]) after `cursor`, lane by lane.
pub fn page(
    sql: &mut dyn Sql,
    user_id: &str,
    cursor: Cursor,
    limit: usize,
) -> Result<Page, ApiError> {
    let head = head(sql, user_id)?;
    // The common delta sync: nothing new, one read.
    if cursor.has_seen(head) {
        return Ok(Page {
            changes: Vec::new(),
            next: cursor,
            has_more: false,
        });
    }
    let mut next = cursor;
    let mut changes: Vec<Change> = Vec::new();
    let mut bytes = 0usize;
    let mut cut_at = None;
    let mut decoded = Decoded::default();
    for lane in Lane::ALL {
        let from = cursor.0[lane.index()];
        if from >= head {
            continue;
        }
        // One row past the room left tells whether the page stops in this lane.
        let room = limit.saturating_sub(changes.len());
        let sizes = sql.query(
            lane_sizes_sql(sql.dialect()),
            args![
                user_id,
                lane as i64,
                from,
                head,
                int(room.saturating_add(1))
            ],
        )?;
        let (mut count, mut planned, mut last) = (changes.len(), bytes, None);
        for row in &sizes {
            let size = usize::try_from(row.int(1)?).unwrap_or(usize::MAX);
            if !fits(count, planned, size, limit) {
                cut_at = Some(lane);
                break;
            }
            count += 1;
            planned = planned.saturating_add(size);
            last = Some(row.int(0)?);
        }
        if let Some(last) = last {
            let rows = sql.query(
                lane_bodies_sql(sql.dialect()),
                args![user_id, lane as i64, from, last],
            )?;
            for row in &rows {
                let (change, size) = decoded.change(&row.0, 1)?;
                // An old row's stored size is in the database's encoding; the page's limit is
                // on the JSON sent, so it is checked again on the text itself.
                if !fits(changes.len(), bytes, size, limit) {
                    cut_at = Some(lane);
                    break;
                }
                bytes += size;
                next.0[lane.index()] = row.int(0)?;
                changes.push(change);
            }
        }
        if cut_at.is_some() {
            break;
        }
    }
    // Every lane before the one the page stopped in has nothing left up to the head; without a
    // cut, none has.
    let done = cut_at.map_or(LANES, Lane::index);
    for position in next.0.iter_mut().take(done) {
        *position = (*position).max(head);
    }
    Ok(Page {
        changes,
        next,
        has_more: cut_at.is_some(),
    })
}

/// Every change of a user's feed, oldest first, as pages send them, with their numbers (tests,
/// benchmarks and tools that look at what a feed holds).
pub fn stored_changes(sql: &mut dyn Sql, user_id: &str) -> Result<Vec<(i64, Change)>, ApiError> {
    let rows = sql.query(
        "SELECT c.seq, c.size, c.body, c.document_ref, c.instance_ref, c.definition_ref,
            (SELECT o.body FROM feed_objects o WHERE o.hash = c.document_ref),
            (SELECT o.body FROM feed_objects o WHERE o.hash = c.instance_ref),
            (SELECT o.body FROM feed_objects o WHERE o.hash = c.definition_ref)
         FROM changes c WHERE c.user_id = ?1 ORDER BY c.seq",
        args![user_id],
    )?;
    let mut decoded = Decoded::default();
    rows.iter()
        .map(|row| Ok((row.int(0)?, decoded.change(&row.0, 1)?.0)))
        .collect()
}
