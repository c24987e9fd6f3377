//! `qianpi search <words>…`: 全文检索 in the terminal — the documents, opinions and notices on
//! this phone matching every word, newest first, each with what it is, its title, when, the id to
//! open it with (`qianpi show`, `qianpi notice`) and a snippet with the matches in 【】. Offline:
//! it searches what the last sync brought. Times print in the user's local time zone.

use crate::phone::open;
use chrono::{DateTime, Local, Utc};
use qianpi_core::client::ClientError;
use qianpi_core::store::{SearchHit, SearchKind};
use std::fmt::Write as _;
use std::path::Path;

pub fn search(data_dir: &Path, words: &[String], limit: usize) -> Result<(), String> {
    let client = open(data_dir)?;
    let query = words.join(" ");
    let hits = match client.search(&query, limit) {
        Ok(hits) => hits,
        // The reason in the user's language; the code stays in the English one.
        Err(ClientError::Search(e)) => return Err(format!("{}（{e}）", e.message_zh())),
        Err(e) => return Err(e.to_string()),
    };
    print!("{}", results_text(&hits));
    Ok(())
}

fn label(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Task => "任务",
        SearchKind::Document => "公文",
        SearchKind::Opinion => "意见",
        SearchKind::Notice => "通知",
    }
}

fn when(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The results as text: two lines each.
pub fn results_text(hits: &[SearchHit]) -> String {
    if hits.is_empty() {
        return "(nothing found)\n".to_owned();
    }
    let mut out = String::new();
    for hit in hits {
        let _ = writeln!(
            out,
            "[{}] {}  {}  {}",
            label(hit.kind),
            hit.title,
            when(hit.at),
            hit.id
        );
        let _ = writeln!(out, "    {}", hit.snippet.marked("【", "】"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use qianpi_core::store::{Snippet, SnippetPart};

    #[test]
    fn each_result_shows_its_kind_title_id_and_marked_snippet() {
        let hit = SearchHit {
            kind: SearchKind::Opinion,
            id: "t-7".into(),
            title: "关于防汛工作的通知".into(),
            snippet: Snippet {
                parts: vec![
                    SnippetPart {
                        text: "请".into(),
                        matched: false,
                    },
                    SnippetPart {
                        text: "张伟".into(),
                        matched: true,
                    },
                    SnippetPart {
                        text: "同志落实".into(),
                        matched: false,
                    },
                ],
            },
            at: Utc::now(),
        };
        let text = results_text(&[hit]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("[意见] 关于防汛工作的通知"), "{text}");
        assert!(lines[0].ends_with("t-7"), "{text}");
        assert_eq!(lines[1], "    请【张伟】同志落实");
        assert_eq!(results_text(&[]), "(nothing found)\n");
    }
}
