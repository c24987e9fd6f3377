//! Each user's change feed: one sequence per user, four priority lanes, one row per item, and an
//! opaque cursor (pages, bounded by count and size, are read in [`super::page`]).
//!
//! - **Sequence.** A change's number comes from the user's row in `feed_heads`, taken inside the
//!   writing transaction. That row stays locked until the transaction commits, so on PostgreSQL
//!   with several replicas a reader can never see change n+1 committed while n is still in
//!   flight — the gap a shared serial column would open, through which a cursor would skip a
//!   change forever. A reader that sees head H therefore sees every change up to H.
//! - **Lanes** (sync.md, order of priority inside a sync): verdicts first, then pending items
//!   (待办), then notices and receipts, then history (items no longer waiting for the reader). A
//!   page serves lane by lane, so a phone with a long backlog gets what it must act on first.
//! - **Compaction.** A newer change of the same item (a task, a notice, a verdict) replaces the
//!   older row and takes a new number, so a backlog never holds a stale pending copy of a task
//!   that has moved on, and a first sync carries each item once.
//! - **Cursor.** Where the reader stands in each lane; `v2.<l0>.<l1>.<l2>.<l3>`, opaque to the
//!   phone. A bare number (the cursor of a single-sequence feed) means that position in every
//!   lane.

use super::objects::{self, Stored};
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use qianpi_protocol::{Change, InboxEntry};
use std::fmt;

/// The priority lanes, in serving order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lane {
    /// Verdicts on the user's commands.
    Verdicts = 0,
    /// Tasks waiting for the user (待办).
    Pending = 1,
    /// Notices and the user's receipts.
    Notices = 2,
    /// Tasks no longer waiting for the user.
    History = 3,
}

pub(super) const LANES: usize = 4;

impl Lane {
    /// Every lane, in serving order.
    pub const ALL: [Lane; LANES] = [Lane::Verdicts, Lane::Pending, Lane::Notices, Lane::History];

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// The lane and the item key of `change` in `user_id`'s feed.
fn classify(user_id: &str, change: &Change) -> (Lane, String) {
    match change {
        Change::Verdict { verdict } => (Lane::Verdicts, format!("verdict:{}", verdict.command_id)),
        Change::Inbox { entry } => {
            let lane = if waits_for(entry, user_id) {
                Lane::Pending
            } else {
                Lane::History
            };
            (lane, format!("task:{}", entry.task_id))
        }
        Change::Notice { notice, .. } => (Lane::Notices, format!("notice:{}", notice.id)),
        Change::Receipt { status } => (Lane::Notices, format!("receipt:{}", status.notice_id)),
    }
}

/// Whether the entry waits for `user_id` to act: its task open, and theirs, theirs to claim, or
/// theirs as the principal of a standing delegation; or a circulated read item of theirs still
/// unread (待阅).
fn waits_for(entry: &InboxEntry, user_id: &str) -> bool {
    let task_waits = entry.instance.task(&entry.task_id).is_some_and(|task| {
        task.state.is_open()
            && (task.assignee == user_id
                || task.candidates.iter().any(|c| c == user_id)
                || task.on_behalf_of.as_deref() == Some(user_id))
    });
    task_waits
        || entry
            .instance
            .read_items
            .iter()
            .any(|item| item.recipient == user_id && item.read_at.is_none())
}

/// Appends one change to a user's feed, replacing the older change of the same item; returns
/// its sequence number. An inbox change's document, instance and definition are stored once for
/// every reader and change that carries them ([`super::objects`]).
pub fn append_change(sql: &mut dyn Sql, user_id: &str, change: &Change) -> Result<i64, ApiError> {
    let seq = sql
        .query_one(
            "INSERT INTO feed_heads (user_id, last_seq) VALUES (?1, 1)
             ON CONFLICT (user_id) DO UPDATE SET last_seq = feed_heads.last_seq + 1
             RETURNING last_seq",
            args![user_id],
        )?
        .int(0)?;
    let (lane, key) = classify(user_id, change);
    let stored = Stored::of(change)?;
    let refs = stored.refs();
    // Only a task's row names objects, so only its older row can leave some unnamed.
    let old = match stored.objects {
        Some(_) => sql
            .query_opt(
                "SELECT document_ref, instance_ref, definition_ref FROM changes
                 WHERE user_id = ?1 AND item_key = ?2",
                args![user_id, key.as_str()],
            )?
            .map(|row| -> Result<_, ApiError> {
                Ok([
                    objects::opt_blob(row.0.first())?,
                    objects::opt_blob(row.0.get(1))?,
                    objects::opt_blob(row.0.get(2))?,
                ])
            })
            .transpose()?,
        None => None,
    };
    let [document_ref, instance_ref, definition_ref] = refs.clone();
    sql.execute(
        "INSERT INTO changes (user_id, seq, lane, item_key, body, size, document_ref,
             instance_ref, definition_ref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (user_id, item_key) DO UPDATE SET seq = excluded.seq, lane = excluded.lane,
             body = excluded.body, size = excluded.size, document_ref = excluded.document_ref,
             instance_ref = excluded.instance_ref, definition_ref = excluded.definition_ref",
        args![
            user_id,
            seq,
            lane as i64,
            key,
            stored.body.as_str(),
            i64::try_from(stored.size).unwrap_or(i64::MAX),
            document_ref,
            instance_ref,
            definition_ref
        ],
    )?;
    // After the row: see the collection's note in `objects`.
    if let Some(objects) = &stored.objects {
        objects::put(sql, objects)?;
    }
    if let Some(old) = old {
        objects::note_replaced(sql, old, &refs)?;
    }
    Ok(seq)
}

/// The newest sequence number of a user's feed (0 when empty).
pub fn head(sql: &mut dyn Sql, user_id: &str) -> Result<i64, ApiError> {
    Ok(sql
        .query_opt(
            "SELECT last_seq FROM feed_heads WHERE user_id = ?1",
            args![user_id],
        )?
        .map(|row| row.int(0))
        .transpose()?
        .unwrap_or(0))
}

/// Where a reader stands in each lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor(pub(super) [i64; LANES]);

impl Cursor {
    /// Parses a cursor this gateway issued (empty: the start of the feed).
    pub fn parse(text: &str) -> Result<Cursor, ApiError> {
        let bad =
            || ApiError::bad_request("bad_cursor", "the cursor is not one this gateway issued");
        let text = text.trim();
        if text.is_empty() {
            return Ok(Cursor::default());
        }
        let position = |part: &str| part.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(bad);
        match text.strip_prefix("v2.") {
            None => Ok(Cursor([position(text)?; LANES])),
            Some(lanes) => {
                let parts: Vec<&str> = lanes.split('.').collect();
                if parts.len() != LANES {
                    return Err(bad());
                }
                let mut cursor = Cursor::default();
                for (slot, part) in cursor.0.iter_mut().zip(parts) {
                    *slot = position(part)?;
                }
                Ok(cursor)
            }
        }
    }

    /// Whether a reader here has seen everything up to `head`: nothing can be new.
    pub fn has_seen(&self, head: i64) -> bool {
        self.0.iter().all(|position| *position >= head)
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "v2.{a}.{b}.{c}.{d}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn cursors_round_trip_and_an_old_single_number_means_every_lane() {
        let cursor = Cursor([4, 9, 2, 7]);
        assert_eq!(Cursor::parse(&cursor.to_string()).unwrap(), cursor);
        assert_eq!(Cursor::parse("57").unwrap(), Cursor([57; LANES]));
        assert_eq!(Cursor::parse("").unwrap(), Cursor::default());
    }

    #[test]
    fn a_cursor_the_gateway_never_issued_is_a_typed_error() {
        for text in [
            "v2.1.2.3",
            "v2.1.2.3.x",
            "-4",
            "v2.1.2.3.4.5",
            "abc",
            "v2.-1.0.0.0",
        ] {
            let error = Cursor::parse(text).unwrap_err();
            assert_eq!(error.code, "bad_cursor", "{text}");
        }
    }

    #[test]
    fn a_reader_has_seen_the_head_only_when_every_lane_reached_it() {
        assert!(Cursor([5; LANES]).has_seen(5));
        assert!(!Cursor([5, 5, 4, 5]).has_seen(5));
    }

    proptest::proptest! {
        /// Cursors come from the network: any positions, extreme or negative, parse to a typed
        /// answer (the positions back, or `bad_cursor`), never a panic or a wrapped number.
        #[test]
        fn extreme_cursor_positions_parse_or_are_refused(
            lanes in proptest::collection::vec(proptest::prelude::any::<i64>(), LANES),
            extra in proptest::prelude::any::<u64>(),
        ) {
            let text = format!("v2.{}", lanes.iter().map(i64::to_string).collect::<Vec<_>>().join("."));
            match Cursor::parse(&text) {
                Ok(cursor) => {
                    proptest::prop_assert!(lanes.iter().all(|n| *n >= 0));
                    proptest::prop_assert_eq!(cursor.0.to_vec(), lanes.clone());
                }
                Err(error) => proptest::prop_assert!(lanes.iter().any(|n| *n < 0), "{error:?}"),
            }
            let too_big = format!("v2.{extra}{extra}.0.0.0");
            proptest::prop_assert_eq!(Cursor::parse(&too_big).is_ok(), too_big[3..].split('.').next().is_some_and(|n| n.parse::<i64>().is_ok()));
        }
    }
}
