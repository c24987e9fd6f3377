//! 全文检索 as the shells show it: `search` over the documents, opinions and notices on the
//! phone, answered offline on a worker thread; results newest first with what each is (an enum),
//! what to open, a snippet in pieces with the matched ones marked, and a timestamp. A query that
//! cannot be searched (empty, or too long) is an `InvalidSearch` error saying which, in Chinese
//! and English. Conversion only.

use crate::{blocking, QianpiClient, QianpiError};
use qianpi_core::client::SearchError;
use qianpi_core::store::{SearchHit as CoreHit, SearchKind as CoreKind, SnippetPart as CorePart};
use std::time::SystemTime;

/// What a search result is, and so what its `id` opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SearchKind {
    /// A document the user has a task on: `id` is the task (open its detail with the actions).
    Task,
    /// A document the user holds no task on: `id` is the document.
    Document,
    /// An opinion someone wrote in a flow: `id` is the task it was written on (its document's
    /// detail opens from it).
    Opinion,
    /// 通知公告: `id` is the notice.
    Notice,
}

/// A piece of a snippet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SnippetPart {
    /// The text.
    pub text: String,
    /// Whether the query matched it (draw it highlighted).
    pub matched: bool,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SearchResult {
    /// What it is.
    pub kind: SearchKind,
    /// What to open: a task, document or notice id (see `kind`); `document_detail` takes the
    /// task and document ids, `notice` the notice id.
    pub id: String,
    /// The document's or notice's title (an opinion's document's title).
    pub title: String,
    /// The text around the match, in pieces, `…` where text was left out.
    pub snippet: Vec<SnippetPart>,
    /// 收文时间 (or when the document reached the phone), when the opinion was written, when the
    /// notice was published.
    pub at: SystemTime,
}

/// Why a query cannot be searched.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SearchProblem {
    /// Nothing to look for (empty, spaces or punctuation only).
    Empty,
    /// Longer than the search box takes.
    TooLong {
        /// The query's length, in characters.
        found: u32,
        /// The longest allowed.
        max: u32,
    },
}

impl From<CoreKind> for SearchKind {
    fn from(kind: CoreKind) -> SearchKind {
        match kind {
            CoreKind::Task => SearchKind::Task,
            CoreKind::Document => SearchKind::Document,
            CoreKind::Opinion => SearchKind::Opinion,
            CoreKind::Notice => SearchKind::Notice,
        }
    }
}

impl From<CorePart> for SnippetPart {
    fn from(part: CorePart) -> SnippetPart {
        SnippetPart {
            text: part.text,
            matched: part.matched,
        }
    }
}

impl From<CoreHit> for SearchResult {
    fn from(hit: CoreHit) -> SearchResult {
        SearchResult {
            kind: hit.kind.into(),
            id: hit.id,
            title: hit.title,
            snippet: hit.snippet.parts.into_iter().map(Into::into).collect(),
            at: hit.at.into(),
        }
    }
}

/// The error a shell sees for a query the core refused.
pub(crate) fn invalid_search(error: &SearchError) -> QianpiError {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    QianpiError::InvalidSearch {
        problem: match error {
            SearchError::Empty => SearchProblem::Empty,
            SearchError::TooLong { found, max } => SearchProblem::TooLong {
                found: count(*found),
                max: count(*max),
            },
        },
        reason_zh: error.message_zh(),
        reason_en: error.message_en(),
    }
}

#[uniffi::export]
impl QianpiClient {
    /// 全文检索: the documents (as the user's task on them when there is one), opinions and
    /// notices on this phone matching `query`, newest first, at most `limit`; every word of the
    /// query must occur. Offline, on a worker thread. `InvalidSearch` for an empty or overlong
    /// query.
    pub async fn search(
        &self,
        query: String,
        limit: u32,
    ) -> Result<Vec<SearchResult>, QianpiError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        blocking(&self.inner, move |client| {
            Ok(client
                .search(&query, limit)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qianpi_core::client::ClientError;

    #[test]
    fn a_refused_query_says_which_problem_in_both_languages() {
        let error = QianpiError::from(ClientError::Search(SearchError::TooLong {
            found: 70,
            max: 64,
        }));
        match &error {
            QianpiError::InvalidSearch {
                problem,
                reason_zh,
                reason_en,
            } => {
                assert_eq!(*problem, SearchProblem::TooLong { found: 70, max: 64 });
                assert!(reason_zh.contains("64"), "{reason_zh}");
                assert!(reason_en.contains("64"), "{reason_en}");
            }
            other => panic!("{other:?}"),
        }
        assert!(error.message_zh().contains("缩短"));
        assert!(error.message_en().contains("shorten"));
        match QianpiError::from(ClientError::Search(SearchError::Empty)) {
            QianpiError::InvalidSearch { problem, .. } => assert_eq!(problem, SearchProblem::Empty),
            other => panic!("{other:?}"),
        }
    }
}
