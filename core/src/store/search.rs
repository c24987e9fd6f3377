//! 全文检索 — full-text search over what the phone holds: documents (标题, 发文字号, 来文单位,
//! 主送 and every other text field the store keeps for them), the opinions people wrote in each
//! flow, and 通知公告 (title, text, publisher). The index is an FTS5 table inside the SQLCipher
//! database, so its pages are encrypted like every other; it is contentless (it keeps tokens and
//! positions, not the text), and snippets are cut from the stored rows themselves.
//!
//! **Chinese text: bigrams, made in Rust** (`tokens`). Each run of 汉字 is indexed as its
//! overlapping two-character pieces, and each distinct character once more on its own; other
//! letters and digits as lowercase words. Why bigrams rather than the alternatives:
//! - FTS5's `trigram` tokenizer cannot answer a query shorter than three characters, and most
//!   Chinese names (王伟, 李娜) and many search words (春耕, 防汛, 督办) are two; a one-character
//!   query (a surname, 函) would need a full scan.
//! - A word segmenter (jieba and the like) carries a dictionary of megabytes on the phone and
//!   misses what it does not know (an office's own 机关代字, a new place name), and how it cuts a
//!   query need not be how it cut the text.
//! - Bigrams need no dictionary, match any substring of two or more characters exactly (a query
//!   run is the phrase of its bigrams), and single characters come from the extra one-character
//!   tokens. The cost is an index about twice the text's size, fine for weeks of documents.
//!
//! The tokens are stored space-separated and read by FTS5's `ascii` tokenizer, which keeps every
//! non-ASCII byte inside its token; FTS5 is compiled into the bundled SQLCipher.
//!
//! **Ranking: newest first.** A person looks for a document they saw lately; and the index's keys
//! count back in time, so the newest-first order is FTS5's own rowid order, whose walk stops
//! after `limit` matches: a word found in every document costs no more than a rare one. (bm25
//! would score every match first.)
//!
//! | module | role |
//! | --- | --- |
//! | `tokens` | text → tokens, query → FTS5 query |
//! | `index` | keeping the index in step (triggers note writes, `catch_up` tokenizes them) |
//! | `snippet` | the marked piece of text a result shows |

mod index;
mod snippet;
mod tokens;

use index::catch_up_some;
pub(crate) use index::{catch_up, index_existing};
pub use snippet::{Snippet, SnippetPart};
pub use tokens::SearchQuery;

use super::{decode, Store, StoreError};
use crate::model::{Document, Notice};
use chrono::{DateTime, Utc};
use index::{document_fields, notice_fields, time_of, Source};
use rusqlite::OptionalExtension;

/// The index's tokens for a piece of text, space-separated, exactly as they are stored (for the
/// at-rest test, which shows they never reach the disk readable).
pub fn index_tokens_of(text: &str) -> String {
    tokens::index_tokens([text])
}

/// What a search result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    /// A document on which the user has a task (待办, 已办, …): `id` is that task, which opens it
    /// with the user's actions.
    Task,
    /// A document the user holds no task on (sent, circulated, …): `id` is the document.
    Document,
    /// An opinion someone wrote in a flow: `id` is the task it was written on, which opens its
    /// document.
    Opinion,
    /// 通知公告: `id` is the notice.
    Notice,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// What it is.
    pub kind: SearchKind,
    /// What to open (see [`SearchKind`]).
    pub id: String,
    /// The document's or notice's title (for an opinion, its document's title).
    pub title: String,
    /// A short text around the match, the matched parts marked.
    pub snippet: Snippet,
    /// 收文时间 or when the document reached the phone; when an opinion was written; when a
    /// notice was published. Results come newest first.
    pub at: DateTime<Utc>,
}

impl Store {
    /// Indexes at most `at_most` of the items written since the index last caught up, in one
    /// transaction; returns how many it indexed (0: the index is complete).
    pub fn index_for_search(&mut self, at_most: usize) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let done = catch_up_some(&tx, at_most)?;
        tx.commit()?;
        Ok(done)
    }

    /// The items matching `query`, newest first, at most `limit`. Anything written since the
    /// index last caught up is indexed first.
    pub fn search(&self, query: &SearchQuery, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        if index::has_pending(&self.conn)? {
            let tx = self.conn.unchecked_transaction()?;
            catch_up(&tx)?;
            tx.commit()?;
        }
        // The limit is written into the statement: bound, it would make SQLite prepare the
        // statement again on every call (the planner hands a bound LIMIT to FTS5 as a value
        // that may change the plan).
        let limit = limit.min(i64::MAX as usize);
        let matches: Vec<(i64, String, String)> = {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT s.rowid, i.kind, i.ref
                 FROM (SELECT rowid FROM search_index WHERE search_index MATCH ?1
                       ORDER BY rowid LIMIT {limit}) s
                 JOIN search_items i ON i.key = s.rowid
                 ORDER BY s.rowid"
            ))?;
            let rows = stmt.query_map([query.fts()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let needles = query.needles();
        let mut hits = Vec::with_capacity(matches.len());
        for (key, label, id) in matches {
            let Some(source) = Source::from_label(&label) else {
                continue;
            };
            if let Some(hit) = self.hit(source, &id, time_of(key), &needles)? {
                hits.push(hit);
            }
        }
        Ok(hits)
    }

    /// The result for one matched item; `None` if it went meanwhile.
    fn hit(
        &self,
        source: Source,
        id: &str,
        at: DateTime<Utc>,
        needles: &[Vec<char>],
    ) -> Result<Option<SearchHit>, StoreError> {
        match source {
            Source::Document => {
                let body: Option<String> = self
                    .conn
                    .prepare_cached("SELECT body FROM documents WHERE id = ?1")?
                    .query_row([id], |r| r.get(0))
                    .optional()?;
                let Some(body) = body else {
                    return Ok(None);
                };
                let document: Document = decode(&body)?;
                let fields = document_fields(&document);
                let snippet = snippet::build(fields.iter().map(String::as_str), needles);
                let (kind, id) = match self.own_task_of(id)? {
                    Some(task) => (SearchKind::Task, task),
                    None => (SearchKind::Document, id.to_owned()),
                };
                Ok(Some(SearchHit {
                    kind,
                    id,
                    title: document.title,
                    snippet,
                    at,
                }))
            }
            Source::Opinion => {
                let row: Option<(String, Option<String>)> = self
                    .conn
                    .prepare_cached(
                        "SELECT o.text, d.title FROM opinions o
                         LEFT JOIN instances i ON i.id = o.instance_id
                         LEFT JOIN documents d ON d.id = i.document_id
                         WHERE o.task_id = ?1",
                    )?
                    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                Ok(row.map(|(text, title)| SearchHit {
                    kind: SearchKind::Opinion,
                    id: id.to_owned(),
                    title: title.unwrap_or_default(),
                    snippet: snippet::build([text.as_str()], needles),
                    at,
                }))
            }
            Source::Notice => {
                let body: Option<String> = self
                    .conn
                    .prepare_cached("SELECT body FROM notices WHERE id = ?1")?
                    .query_row([id], |r| r.get(0))
                    .optional()?;
                let Some(body) = body else {
                    return Ok(None);
                };
                let notice: Notice = decode(&body)?;
                let fields = notice_fields(&notice);
                let snippet = snippet::build(fields.iter().map(String::as_str), needles);
                Ok(Some(SearchHit {
                    kind: SearchKind::Notice,
                    id: notice.id,
                    title: notice.title,
                    snippet,
                    at,
                }))
            }
        }
    }

    /// The user's most pressing task on any flow of a document (待办, queued, waiting, then done).
    fn own_task_of(&self, document_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT t.id FROM instances i JOIN tasks t ON t.instance_id = i.id
                 WHERE i.document_id = ?1 AND t.list IS NOT NULL
                 ORDER BY CASE t.list WHEN 'todo' THEN 0 WHEN 'queued' THEN 1
                   WHEN 'waiting' THEN 2 ELSE 3 END, t.received_at DESC, t.id
                 LIMIT 1",
            )?
            .query_row([document_id], |r| r.get(0))
            .optional()?)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod upkeep_tests;
