//! 送达 implied by the cursor: a phone stores each pulled page and its cursor in one transaction,
//! and its next pull names the range of cursors whose pages carried notices it has stored since
//! it last said so (`delivered_from`, `delivered_to`). The notices of that range in the feed's
//! notices lane are marked delivered to the user, at the gateway's time of that pull.
//!
//! Why not mark them when the page is served: a page served is not a page stored (the answer may
//! be cut, the phone may crash before its apply, or be wiped), and the roster must never say 送达
//! for a notice none of the person's phones holds. Why not the pull's own `cursor`: a phone may
//! ask for the next page while it still applies the one before (downloads overlap applies), so
//! the cursor it sends proves nothing stored; the range it names is read from its store. Why not
//! one 回执 per notice: after a first sync that was 2,000 receipts in 33 requests; this is none,
//! and a delivery reaches the roster one pull after the phone stored it at the latest.
//!
//! Marking is idempotent (the earliest delivery stays), so a range reported twice (its answer
//! lost) changes nothing more. A range reaches only the user's own feed and notices.

use crate::db::{decode, encode};
use crate::error::ApiError;
use crate::feed::{Cursor, Lane};
use crate::sql::args;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use qianpi_domain::model::RecipientStatus;

/// The position of `cursor` in the notices lane. The cursor's text is the feed's
/// `v2.<lane 0>.<lane 1>.<lane 2>.<lane 3>`; a bare number stands for every lane.
fn notices_position(cursor: &Cursor) -> Option<i64> {
    cursor
        .to_string()
        .split('.')
        .nth(1 + Lane::Notices as usize)?
        .parse()
        .ok()
}

/// Marks delivered to `user_id`, at `now`, every notice whose change in the user's feed lies in
/// the notices lane between `from` and `to` (no further than the feed's head). Returns how many
/// notices became delivered.
pub fn acknowledge(
    sql: &mut dyn Sql,
    user_id: &str,
    from: &Cursor,
    to: &Cursor,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let bad = || ApiError::bad_request("bad_cursor", "the cursor is not one this gateway issued");
    let low = notices_position(from).ok_or_else(bad)?;
    let high = notices_position(to)
        .ok_or_else(bad)?
        .min(crate::feed::head(sql, user_id)?);
    if high <= low {
        return Ok(0);
    }
    let rows = sql.query(
        "SELECT item_key FROM changes WHERE user_id = ?1 AND lane = ?2 AND seq > ?3 AND seq <= ?4",
        args![user_id, Lane::Notices as i64, low, high],
    )?;
    let lock = sql.dialect().for_update();
    let mut marked = 0;
    for row in rows {
        let key = row.text(0)?;
        // The lane also carries the user's 回执 states (`receipt:<id>`).
        let Some(notice_id) = key.strip_prefix("notice:") else {
            continue;
        };
        let Some(held) = sql.query_opt(
            &format!(
                "SELECT status FROM notice_recipients WHERE notice_id = ?1 AND user_id = ?2{lock}"
            ),
            args![notice_id, user_id],
        )?
        else {
            continue;
        };
        let mut status: RecipientStatus = decode(&held.text(0)?)?;
        if status.delivered_at.is_some() {
            continue;
        }
        status.mark_delivered(now);
        sql.execute(
            "UPDATE notice_recipients SET status = ?1 WHERE notice_id = ?2 AND user_id = ?3",
            args![encode(&status)?, notice_id, user_id],
        )?;
        marked += 1;
    }
    Ok(marked)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_notices_lane_is_read_from_either_form_of_cursor() {
        let lanes = Cursor::parse("v2.4.9.2.7").unwrap();
        assert_eq!(notices_position(&lanes), Some(2));
        assert_eq!(notices_position(&Cursor::parse("57").unwrap()), Some(57));
        assert_eq!(notices_position(&Cursor::parse("").unwrap()), Some(0));
    }
}
