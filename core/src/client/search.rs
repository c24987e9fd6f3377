//! 全文检索 on the phone: the search box over documents, opinions and notices, answered offline
//! from the encrypted index in the store (`store/search.rs`: CJK bigrams, newest first). Here the
//! query is checked before it reaches the index: an empty one (or only punctuation) and an
//! overlong one are refused with a reason in Chinese and in English. After each sync the index
//! takes in what the sync filed, outside the pages' transactions.

use super::{Client, ClientError};
use crate::store::{SearchHit, SearchQuery};

/// The longest query, in characters: a title or a sentence of an opinion, not a page.
pub const MAX_QUERY_CHARS: usize = 64;
/// The most results one search returns.
pub const MAX_RESULTS: usize = 200;

/// Why a query cannot be searched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// Nothing to look for: the query is empty, spaces or punctuation only.
    #[error("type a word, a name or a document number to search for")]
    Empty,
    /// The query is longer than [`MAX_QUERY_CHARS`].
    #[error("the search is {found} characters long; shorten it to at most {max}")]
    TooLong {
        /// Its length, in characters.
        found: usize,
        /// The longest allowed.
        max: usize,
    },
}

impl SearchError {
    /// A stable code for shells and logs: `empty`, `too_long`.
    pub fn code(&self) -> &'static str {
        match self {
            SearchError::Empty => "empty",
            SearchError::TooLong { .. } => "too_long",
        }
    }

    /// The reason in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            SearchError::Empty => "请输入要搜索的字词、姓名或文号".to_owned(),
            SearchError::TooLong { found, max } => {
                format!("搜索内容有 {found} 个字，请缩短到 {max} 个字以内")
            }
        }
    }

    /// The reason in English.
    pub fn message_en(&self) -> String {
        self.to_string()
    }
}

/// Checks a query as typed and readies it for the index.
pub fn parse_query(text: &str) -> Result<SearchQuery, SearchError> {
    let text = text.trim();
    let found = text.chars().count();
    if found > MAX_QUERY_CHARS {
        return Err(SearchError::TooLong {
            found,
            max: MAX_QUERY_CHARS,
        });
    }
    SearchQuery::parse(text).ok_or(SearchError::Empty)
}

/// How many items the index takes in after each sync: about a fifth of a second's work on a
/// small machine. A first sync's larger backlog is finished by the next syncs or the first search.
const SYNC_INDEX_BUDGET: usize = 1_000;

impl Client {
    /// After a sync: what its pages filed becomes searchable, within [`SYNC_INDEX_BUDGET`]. A
    /// failure here leaves the items noted for the next sync or search, so it only warns.
    pub(super) fn index_after_sync(&self) {
        let done = self
            .store_peek()
            .and_then(|mut store| Ok(store.index_for_search(SYNC_INDEX_BUDGET)?));
        if let Err(error) = done {
            tracing::warn!(%error, "the search index was not brought up to date after a sync");
        }
    }

    /// The documents (as the user's task on them when there is one), opinions and notices on
    /// this phone matching `query`, newest first, at most `limit` (capped at [`MAX_RESULTS`]).
    /// Every word of the query must occur; Chinese is matched as typed, any length. Works
    /// offline.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, ClientError> {
        let query = parse_query(query)?;
        let store = self.store()?;
        Ok(store.search(&query, limit.min(MAX_RESULTS))?)
    }
}

#[cfg(test)]
mod tests {
    // Test code: a failed expectation panics with its reason.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn empty_and_punctuation_only_queries_are_refused() {
        for query in ["", "   ", "\t\n", "，。？！", " - / "] {
            assert_eq!(parse_query(query), Err(SearchError::Empty), "{query:?}");
        }
        assert_eq!(SearchError::Empty.code(), "empty");
        assert!(SearchError::Empty.message_zh().contains("请输入"));
    }

    #[test]
    fn an_overlong_query_is_refused_with_its_length() {
        let long = "春".repeat(MAX_QUERY_CHARS + 1);
        let error = parse_query(&long).unwrap_err();
        assert_eq!(
            error,
            SearchError::TooLong {
                found: MAX_QUERY_CHARS + 1,
                max: MAX_QUERY_CHARS
            }
        );
        assert_eq!(error.code(), "too_long");
        assert!(error.message_zh().contains("65"));
        assert!(error.message_en().contains("65"));
        // Surrounding spaces do not count; the longest query is accepted.
        let longest = format!("  {}  ", "春".repeat(MAX_QUERY_CHARS));
        assert!(parse_query(&longest).is_ok());
    }
}
