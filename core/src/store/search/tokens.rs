//! Turning text into the search index's tokens, and a person's query into an FTS5 query over them.
//! Both sides go through the same character classes, so what is indexed and what is asked always
//! agree.
//!
//! - A run of CJK characters (汉字, and kana and hangul likewise) gives its overlapping bigrams in
//!   order: 春耕备耕 → `春耕 耕备 备耕`. A query run of two or more characters is the phrase of its
//!   bigrams, so it matches exactly where the run occurs (a 2-character name is one bigram).
//! - Each distinct CJK character of the item is added once more, alone, after all the bigrams; a
//!   one-character query asks for that token. Being after the bigrams, never between them, these
//!   single characters cannot join a phrase.
//! - Any other letters and digits form words, lowercased (`ASCII`, `2026`, `12`); fullwidth forms
//!   (`１２`, `ＡＢ`) are folded to ASCII first. Everything else separates.
//! - Two runs whose bigrams would chain across the gap between them (春耕，耕地: `春耕` then
//!   `耕地`) are kept apart by [`GAP`], a token no text or query produces, so the query 春耕地 does
//!   not match text that only has 春耕 and 耕地 apart.
//!
//! Tokens are stored space-separated and read by FTS5's `ascii` tokenizer, which splits on ASCII
//! spaces and punctuation only and keeps every non-ASCII byte inside its token.

use std::collections::HashSet;

/// The token put between two CJK runs whose bigrams would otherwise chain; U+2063 (an invisible
/// separator) is never part of a token of text or of a query.
pub(super) const GAP: &str = "\u{2063}";

/// What a character counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// An ideograph, kana or hangul: indexed by bigrams.
    Cjk(char),
    /// A letter or digit of any other script: part of a word.
    Word,
    /// Anything else: separates.
    Separator,
}

/// Folds fullwidth ASCII (U+FF01–FF5E) to ASCII, so `１２号` is found by `12号`.
pub(super) fn fold(c: char) -> char {
    match u32::from(c) {
        0xFF01..=0xFF5E => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Whether `c` is written without spaces between words (Chinese, Japanese, Korean).
pub(super) fn is_cjk(c: char) -> bool {
    matches!(
        u32::from(c),
        0x3007                 // 〇, as in 二〇二六年
        | 0x3040..=0x30FF      // kana
        | 0x3400..=0x4DBF      // extension A
        | 0x4E00..=0x9FFF      // unified ideographs
        | 0xAC00..=0xD7AF      // hangul syllables
        | 0xF900..=0xFAFF      // compatibility ideographs
        | 0x20000..=0x3134F // extensions B–G
    )
}

fn classify(c: char) -> Class {
    let c = fold(c);
    if is_cjk(c) {
        Class::Cjk(c)
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Separator
    }
}

/// A piece of text as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment {
    /// A run of CJK characters.
    Run(Vec<char>),
    /// A lowercased word of other letters and digits.
    Word(String),
}

/// The segments of `text`, in order.
pub(super) fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        match classify(c) {
            Class::Cjk(c) => {
                if !word.is_empty() {
                    out.push(Segment::Word(std::mem::take(&mut word)));
                }
                run.push(c);
            }
            Class::Word => {
                if !run.is_empty() {
                    out.push(Segment::Run(std::mem::take(&mut run)));
                }
                word.extend(fold(c).to_lowercase());
            }
            Class::Separator => {
                if !run.is_empty() {
                    out.push(Segment::Run(std::mem::take(&mut run)));
                }
                if !word.is_empty() {
                    out.push(Segment::Word(std::mem::take(&mut word)));
                }
            }
        }
    }
    if !run.is_empty() {
        out.push(Segment::Run(run));
    }
    if !word.is_empty() {
        out.push(Segment::Word(word));
    }
    out
}

/// The index's tokens for the fields of one item, space-separated (empty when the fields hold
/// nothing searchable).
pub(crate) fn index_tokens<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut singles: Vec<char> = Vec::new();
    let mut seen: HashSet<char> = HashSet::new();
    // The last character of the bigram just written, while nothing else followed it.
    let mut chained: Option<char> = None;
    let push = |out: &mut String, token: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    };
    for field in fields {
        for segment in segments(field) {
            match segment {
                Segment::Word(word) => {
                    push(&mut out, &word);
                    chained = None;
                }
                Segment::Run(run) => {
                    for c in &run {
                        if seen.insert(*c) {
                            singles.push(*c);
                        }
                    }
                    if run.len() < 2 {
                        continue;
                    }
                    if chained == run.first().copied() {
                        push(&mut out, GAP);
                    }
                    let mut bigram = String::with_capacity(8);
                    for pair in run.windows(2) {
                        bigram.clear();
                        bigram.extend(pair);
                        push(&mut out, &bigram);
                    }
                    chained = run.last().copied();
                }
            }
        }
    }
    let mut buffer = [0u8; 4];
    for c in singles {
        push(&mut out, c.encode_utf8(&mut buffer));
    }
    out
}

/// A person's query, ready for the index: every segment must occur in an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// The segments, in the order typed (repeats removed).
    pub(super) segments: Vec<Segment>,
}

impl SearchQuery {
    /// The query for `text`; `None` when it holds nothing searchable (only spaces or punctuation).
    pub fn parse(text: &str) -> Option<SearchQuery> {
        let mut unique = Vec::new();
        for segment in segments(text) {
            if !unique.contains(&segment) {
                unique.push(segment);
            }
        }
        if unique.is_empty() {
            None
        } else {
            Some(SearchQuery { segments: unique })
        }
    }

    /// The FTS5 query: each segment quoted (a run as the phrase of its bigrams, one character as
    /// its own token, a word as itself), all of them required. Tokens never hold a quote, so
    /// quoting cannot be escaped from.
    pub(super) fn fts(&self) -> String {
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|segment| match segment {
                Segment::Word(word) => format!("\"{word}\""),
                Segment::Run(run) if run.len() == 1 => format!("\"{}\"", run[0]),
                Segment::Run(run) => {
                    let bigrams: Vec<String> = run
                        .windows(2)
                        .map(|pair| pair.iter().collect::<String>())
                        .collect();
                    format!("\"{}\"", bigrams.join(" "))
                }
            })
            .collect();
        parts.join(" AND ")
    }

    /// What to mark in a snippet: each segment as normalised text.
    pub(super) fn needles(&self) -> Vec<Vec<char>> {
        self.segments
            .iter()
            .map(|segment| match segment {
                Segment::Run(run) => run.clone(),
                Segment::Word(word) => word.chars().collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_gives_its_bigrams_then_each_character_once() {
        assert_eq!(
            index_tokens(["春耕备耕"]),
            "春耕 耕备 备耕 春 耕 备",
            "耕 appears twice in the text, once among the single characters"
        );
    }

    #[test]
    fn words_digits_and_fullwidth_forms_are_folded_to_lowercase_ascii() {
        assert_eq!(
            index_tokens(["晋农办〔２０２６〕12号 QianPi-Report"]),
            "晋农 农办 2026 12 qianpi report 晋 农 办 号"
        );
    }

    #[test]
    fn runs_whose_bigrams_would_chain_are_kept_apart() {
        let tokens = index_tokens(["春耕，耕地"]);
        assert_eq!(tokens, format!("春耕 {GAP} 耕地 春 耕 地"));
        // Runs that cannot chain need no gap, and a word between them breaks the chain anyway.
        assert_eq!(index_tokens(["春耕，备耕"]), "春耕 备耕 春 耕 备");
        assert_eq!(index_tokens(["春耕 2026 耕地"]), "春耕 2026 耕地 春 耕 地");
    }

    #[test]
    fn fields_are_separate_runs() {
        assert_eq!(index_tokens(["王", "局长"]), "局长 王 局 长");
    }

    #[test]
    fn a_query_asks_for_every_segment() {
        let query = SearchQuery::parse("春耕备耕 王 晋农办〔2026〕").unwrap();
        assert_eq!(
            query.fts(),
            "\"春耕 耕备 备耕\" AND \"王\" AND \"晋农 农办\" AND \"2026\""
        );
        assert_eq!(SearchQuery::parse("  ，。！ "), None);
        assert_eq!(
            SearchQuery::parse("通知 通知").unwrap().fts(),
            "\"通知\"",
            "a repeated word is asked once"
        );
    }
}
