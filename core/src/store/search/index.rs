//! Keeping the index in step with what it covers. Triggers (schema version 8) note every document,
//! opinion and notice written in `search_pending` and delete the entries of removed ones at once,
//! in plain SQL, so every write path is covered, a purge's cascades and writes made by any
//! connection included. [`catch_up`] then tokenizes what is pending: after each sync (a bounded
//! amount, outside the pages' transactions, so applying a page keeps its rate), in a saved
//! notice's own transaction, in the migration, and before every search for whatever is left: a
//! search never misses what was written.
//!
//! An entry's key orders it by time, newest first: the milliseconds from the item's time to the
//! far future ([`LAST_MILLI`]) shifted left by [`SLOTS`] bits, plus the first free slot for that
//! millisecond. The key is FTS5's rowid, which FTS5 walks forwards as it reads its doclists, so
//! "the newest matches" are the first `limit` rows in rowid order and the walk stops there,
//! instead of ranking every match. (Walking backwards, FTS5 first reads each term's whole
//! doclist to find its end: that costs what ranking would.)

use super::super::{decode, StoreError};
use super::tokens::index_tokens;
use crate::model::{Document, Notice};
use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// Bits of a key below the millisecond: room for a million items of the same millisecond.
pub(super) const SLOTS: u32 = 20;
/// The last millisecond a key can stand for (past the year 10000): keys count back from it.
const LAST_MILLI: i64 = (1i64 << (62 - SLOTS)) - 1;

/// What an index entry stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// A document: its head and the text the store holds for it.
    Document,
    /// The opinion written on a task.
    Opinion,
    /// A notice: title, text, publisher.
    Notice,
}

impl Source {
    pub(super) fn label(self) -> &'static str {
        match self {
            Source::Document => "document",
            Source::Opinion => "opinion",
            Source::Notice => "notice",
        }
    }

    pub(super) fn from_label(label: &str) -> Option<Source> {
        match label {
            "document" => Some(Source::Document),
            "opinion" => Some(Source::Opinion),
            "notice" => Some(Source::Notice),
            _ => None,
        }
    }
}

/// The time a key stands for.
pub(super) fn time_of(key: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(LAST_MILLI - (key >> SLOTS)).unwrap_or_default()
}

/// A stored time as the store writes it (RFC 3339, or rusqlite's `YYYY-MM-DD HH:MM:SS.f+00:00`).
pub(super) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z").map(|t| t.with_timezone(&Utc))
        })
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// Every text field of a document worth finding it by: 标题, 发文字号, 来文单位 and 来文字号,
/// 收文编号, 发文机关, 签发人, 主送, 署名, 抄送, 印发机关, 附注, 督办, and the attachments' names.
pub(super) fn document_fields(document: &Document) -> Vec<String> {
    let mut fields = vec![document.title.clone(), document.number.to_string()];
    fields.extend(document.from_organ.iter().cloned());
    fields.extend(document.receiving.from_number.iter().cloned());
    fields.extend(document.receiving.registration_number.iter().cloned());
    fields.extend(document.head.issuing_organs.iter().cloned());
    fields.extend(document.head.signers.iter().cloned());
    fields.extend(document.body.main_recipients.iter().cloned());
    fields.extend(document.body.signature_organs.iter().cloned());
    fields.extend(document.footer.copy_to.iter().cloned());
    fields.extend(document.footer.printed_by.iter().cloned());
    fields.extend(document.body.note.iter().cloned());
    if let Some(supervision) = &document.handling.supervision {
        fields.push(supervision.supervisor.clone());
        fields.push(supervision.requirement.clone());
    }
    fields.extend(document.body.attachments.iter().map(|a| a.name.clone()));
    fields
}

/// A notice's searchable fields: title, text, publisher.
pub(super) fn notice_fields(notice: &Notice) -> Vec<String> {
    vec![
        notice.title.clone(),
        notice.body.clone(),
        notice.publisher.name.clone(),
    ]
}

/// An item's searchable fields and its time.
type Indexable = (Vec<String>, DateTime<Utc>);

/// What to index for one item: its fields and its time; `None` when it is gone or has no text.
fn source_of(
    conn: &Connection,
    source: Source,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Indexable>, StoreError> {
    match source {
        Source::Document => {
            let row: Option<(Option<String>, String, String)> = conn
                .prepare_cached(
                    "SELECT received_at, updated_at, body FROM documents WHERE id = ?1",
                )?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let Some((received_at, updated_at, body)) = row else {
                return Ok(None);
            };
            let document: Document = decode(&body)?;
            // 收文时间 when there is one; otherwise when the document reached this phone.
            let at = received_at
                .as_deref()
                .and_then(parse_time)
                .or_else(|| parse_time(&updated_at))
                .unwrap_or(now);
            Ok(Some((document_fields(&document), at)))
        }
        Source::Opinion => {
            let row: Option<(String, Option<String>)> = conn
                .prepare_cached("SELECT text, written_at FROM opinions WHERE task_id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            Ok(row.map(|(text, written_at)| {
                let at = written_at.as_deref().and_then(parse_time).unwrap_or(now);
                (vec![text], at)
            }))
        }
        Source::Notice => {
            let body: Option<String> = conn
                .prepare_cached("SELECT body FROM notices WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            let Some(body) = body else {
                return Ok(None);
            };
            let notice: Notice = decode(&body)?;
            let at = notice.published_at;
            Ok(Some((notice_fields(&notice), at)))
        }
    }
}

/// Items tokenized before their batch is written to FTS5.
const BATCH: usize = 1_000;

/// Indexes everything pending; returns how many items it looked at. Runs inside the caller's
/// transaction.
pub(crate) fn catch_up(conn: &Connection) -> Result<usize, StoreError> {
    catch_up_some(conn, usize::MAX)
}

/// Indexes at most `at_most` of the pending items, oldest notes first; returns how many.
pub(crate) fn catch_up_some(conn: &Connection, at_most: usize) -> Result<usize, StoreError> {
    let pending: Vec<(String, String)> = {
        let mut stmt = conn.prepare_cached("SELECT kind, ref FROM search_pending LIMIT ?1")?;
        let rows = stmt.query_map([i64::try_from(at_most).unwrap_or(i64::MAX)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    if pending.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    for batch in pending.chunks(BATCH) {
        let mut rows = Vec::with_capacity(batch.len());
        for (label, id) in batch {
            if let Some(source) = Source::from_label(label) {
                rows.extend(prepare_one(conn, source, id, now)?);
            }
            conn.prepare_cached("DELETE FROM search_pending WHERE kind = ?1 AND ref = ?2")?
                .execute(params![label, id])?;
        }
        // FTS5 writes the rows it is given in ascending rowid order into one segment; a smaller
        // rowid than the last one makes it flush first, so a batch in any other order would
        // become a segment per row (and all the merging that follows).
        rows.sort_unstable_by_key(|(key, _)| *key);
        let mut insert =
            conn.prepare_cached("INSERT INTO search_index (rowid, tokens) VALUES (?1, ?2)")?;
        for (key, tokens) in rows {
            insert.execute(params![key, tokens])?;
        }
    }
    // Each batch became a segment of the index, and a search reads every segment: after a large
    // catch-up (a store's first index, a first sync's backlog) the segments are merged into one
    // (measured: p50 of a search on 10,000 documents 5.9 → 1.9 ms). Smaller catch-ups leave this
    // to FTS5's own merging as it writes.
    if pending.len() >= BATCH {
        conn.execute_batch("INSERT INTO search_index (search_index) VALUES ('optimize')")?;
    }
    Ok(pending.len())
}

/// Whether anything waits to be indexed.
pub(super) fn has_pending(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM search_pending)")?
        .query_row([], |r| r.get(0))?)
}

/// Drops an item's old entry and returns its new one (key and tokens) to write; `None` when the
/// item is gone or holds nothing searchable.
fn prepare_one(
    conn: &Connection,
    source: Source,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(i64, String)>, StoreError> {
    let existing: Option<i64> = conn
        .prepare_cached("SELECT key FROM search_items WHERE kind = ?1 AND ref = ?2")?
        .query_row(params![source.label(), id], |r| r.get(0))
        .optional()?;
    let tokens = source_of(conn, source, id, now)?
        .map(|(fields, at)| (index_tokens(fields.iter().map(String::as_str)), at))
        .filter(|(tokens, _)| !tokens.is_empty());
    if let Some(key) = existing {
        conn.prepare_cached("DELETE FROM search_index WHERE rowid = ?1")?
            .execute([key])?;
    }
    let Some((tokens, at)) = tokens else {
        if existing.is_some() {
            conn.prepare_cached("DELETE FROM search_items WHERE kind = ?1 AND ref = ?2")?
                .execute(params![source.label(), id])?;
        }
        return Ok(None);
    };
    // A changed item keeps its place in time.
    let key = match existing {
        Some(key) => key,
        None => {
            let key = free_key(conn, at)?;
            conn.prepare_cached("INSERT INTO search_items (key, kind, ref) VALUES (?1, ?2, ?3)")?
                .execute(params![key, source.label(), id])?;
            key
        }
    };
    Ok(Some((key, tokens)))
}

/// The first free key of `at`'s millisecond.
fn free_key(conn: &Connection, at: DateTime<Utc>) -> Result<i64, StoreError> {
    // Times before 1970 or past the year 10000 sort at the ends.
    let millis = at.timestamp_millis().clamp(0, LAST_MILLI);
    let base = (LAST_MILLI - millis) << SLOTS;
    let last: Option<i64> = conn
        .prepare_cached("SELECT MAX(key) FROM search_items WHERE key >= ?1 AND key < ?2")?
        .query_row(params![base, base + (1i64 << SLOTS)], |r| r.get(0))?;
    match last {
        None => Ok(base),
        Some(k) if k + 1 < base + (1i64 << SLOTS) => Ok(k + 1),
        // A million items in one millisecond: the next key after all others is still unique.
        Some(_) => Ok(conn
            .prepare_cached("SELECT MAX(key) + 1 FROM search_items")?
            .query_row([], |r| r.get(0))?),
    }
}

/// Version 7's data step: everything already stored goes into the index.
pub(crate) fn index_existing(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "INSERT OR IGNORE INTO search_pending (kind, ref) SELECT 'document', id FROM documents;
         INSERT OR IGNORE INTO search_pending (kind, ref) SELECT 'opinion', task_id FROM opinions;
         INSERT OR IGNORE INTO search_pending (kind, ref) SELECT 'notice', id FROM notices;",
    )?;
    catch_up(conn)?;
    Ok(())
}
