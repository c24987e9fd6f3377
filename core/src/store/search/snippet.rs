//! The short piece of text a search result shows: a window of the field that matched best, around
//! the first match, with every occurrence of the query's segments marked. Built from the stored
//! text (the index keeps only tokens), comparing folded and lowercased characters as the index
//! does.

use super::tokens::fold;

/// Characters shown before the first match.
const LEAD: usize = 16;
/// Characters shown in all (more when the first match alone is longer).
const WIDTH: usize = 64;

/// A piece of a snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetPart {
    /// The text of this piece.
    pub text: String,
    /// Whether it is (part of) what the query matched.
    pub matched: bool,
}

/// A short text around the match, in pieces; the matched ones are marked. `…` stands for text
/// left out at either end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// The pieces, in order.
    pub parts: Vec<SnippetPart>,
}

impl Snippet {
    /// The snippet as plain text, with each matched piece between `open` and `close` (for a
    /// terminal, say).
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::new();
        for part in &self.parts {
            if part.matched {
                out.push_str(open);
                out.push_str(&part.text);
                out.push_str(close);
            } else {
                out.push_str(&part.text);
            }
        }
        out
    }
}

/// One field's characters (whitespace runs shown as one space) and which of them matched.
struct Marked {
    chars: Vec<char>,
    matched: Vec<bool>,
    first: Option<usize>,
    needles_found: usize,
}

fn mark(text: &str, needles: &[Vec<char>]) -> Marked {
    let mut chars: Vec<char> = Vec::new();
    for c in text.trim().chars() {
        if c.is_whitespace() {
            if chars.last().is_some_and(|last| *last != ' ') {
                chars.push(' ');
            }
        } else {
            chars.push(c);
        }
    }
    // Each character compared as the index compares it; a character whose lowercase form is
    // longer than one (rare outside Latin ligatures) is compared by its first.
    let folded: Vec<char> = chars
        .iter()
        .map(|c| fold(*c).to_lowercase().next().unwrap_or(*c))
        .collect();
    let mut matched = vec![false; chars.len()];
    let mut first: Option<usize> = None;
    let mut needles_found = 0;
    for needle in needles.iter().filter(|n| !n.is_empty()) {
        let mut found = false;
        let mut at = 0;
        while at + needle.len() <= folded.len() {
            if folded[at..at + needle.len()] == needle[..] {
                found = true;
                first = Some(first.map_or(at, |f| f.min(at)));
                matched[at..at + needle.len()].fill(true);
                at += needle.len();
            } else {
                at += 1;
            }
        }
        if found {
            needles_found += 1;
        }
    }
    Marked {
        chars,
        matched,
        first,
        needles_found,
    }
}

/// The snippet of the field that holds the most of `needles` (the earliest field on a tie);
/// the start of the first non-empty field when none holds any.
pub(super) fn build<'a>(
    fields: impl IntoIterator<Item = &'a str>,
    needles: &[Vec<char>],
) -> Snippet {
    let mut best: Option<Marked> = None;
    for field in fields {
        let marked = mark(field, needles);
        if marked.chars.is_empty() {
            continue;
        }
        let better = match &best {
            None => true,
            Some(b) => marked.needles_found > b.needles_found,
        };
        if better {
            best = Some(marked);
        }
    }
    let Some(marked) = best else {
        return Snippet::default();
    };
    let len = marked.chars.len();
    let first = marked.first.unwrap_or(0);
    let start = first.saturating_sub(LEAD);
    // The first match is shown whole, even past the width.
    let first_end = (first..len).find(|i| !marked.matched[*i]).unwrap_or(len);
    let end = len.min((start + WIDTH).max(first_end));
    let mut parts: Vec<SnippetPart> = Vec::new();
    if start > 0 {
        parts.push(SnippetPart {
            text: "…".into(),
            matched: false,
        });
    }
    for i in start..end {
        let matched = marked.matched[i];
        match parts.last_mut() {
            Some(last) if last.matched == matched => {
                last.text.push(marked.chars[i]);
            }
            _ => parts.push(SnippetPart {
                text: marked.chars[i].to_string(),
                matched,
            }),
        }
    }
    if end < len {
        match parts.last_mut() {
            Some(last) if !last.matched => last.text.push('…'),
            _ => parts.push(SnippetPart {
                text: "…".into(),
                matched: false,
            }),
        }
    }
    Snippet { parts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(words: &[&str]) -> Vec<Vec<char>> {
        words.iter().map(|w| w.chars().collect()).collect()
    }

    #[test]
    fn the_match_is_marked_in_a_window_around_it() {
        let text = format!(
            "{}关于春耕备耕工作的通知{}",
            "前".repeat(40),
            "后".repeat(80)
        );
        let snippet = build([text.as_str()], &needles(&["春耕"]));
        let shown = snippet.marked("[", "]");
        assert!(shown.starts_with('…'), "{shown}");
        assert!(shown.ends_with('…'), "{shown}");
        assert!(shown.contains("关于[春耕]备耕"), "{shown}");
        assert_eq!(shown.matches('[').count(), 1);
        let lead = shown.split("关于").next().unwrap();
        assert_eq!(lead.chars().count(), 1 + LEAD - 2, "{shown}");
    }

    #[test]
    fn the_field_holding_most_of_the_query_is_shown_and_case_is_ignored() {
        let snippet = build(
            ["关于春耕的通知", "请 QianPi 办公室 2026 年春耕前报送"],
            &needles(&["春耕", "qianpi"]),
        );
        assert_eq!(
            snippet.marked("<", ">"),
            "请 <QianPi> 办公室 2026 年<春耕>前报送"
        );
    }

    #[test]
    fn without_a_literal_match_the_start_of_the_text_is_shown() {
        let snippet = build(["", "  第一行\n\n第二行  "], &needles(&["无关"]));
        assert_eq!(snippet.marked("<", ">"), "第一行 第二行");
        assert!(snippet.parts.iter().all(|p| !p.matched));
    }
}
