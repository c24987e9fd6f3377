//! The console's string tables: every text a page shows, in Chinese (first) and English. Each
//! area keeps its own table in `text/<area>.tsv`, one `key<TAB>中文<TAB>English` line per text
//! (`#` starts a comment), compiled in and read once. A key no table has shows as itself, and a
//! test finds it first: it reads every `t("…")` in the console's sources.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 中文 (the default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The HTML `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// Every table, by file name. An area adds one line.
const TABLES: &[(&str, &str)] = &[
    ("common.tsv", include_str!("text/common.tsv")),
    ("login.tsv", include_str!("text/login.tsv")),
    ("account.tsv", include_str!("text/account.tsv")),
    ("addressbook.tsv", include_str!("text/addressbook.tsv")),
    ("notices.tsv", include_str!("text/notices.tsv")),
    ("admin.tsv", include_str!("text/admin.tsv")),
    ("incoming.tsv", include_str!("text/incoming.tsv")),
    ("flows.tsv", include_str!("text/flows.tsv")),
    ("audit.tsv", include_str!("text/audit.tsv")),
    ("definitions.tsv", include_str!("text/definitions.tsv")),
    ("exchange.tsv", include_str!("text/exchange.tsv")),
    ("drafts.tsv", include_str!("text/drafts.tsv")),
    ("secretary.tsv", include_str!("text/secretary.tsv")),
    ("apikeys.tsv", include_str!("text/apikeys.tsv")),
];

type Table = HashMap<&'static str, (&'static str, &'static str)>;

static TEXTS: OnceLock<Table> = OnceLock::new();

fn texts() -> &'static Table {
    TEXTS.get_or_init(|| {
        let mut all = HashMap::new();
        for (_, table) in TABLES {
            for (key, zh, en) in lines(table) {
                all.entry(key).or_insert((zh, en));
            }
        }
        all
    })
}

/// The `(key, 中文, English)` lines of a table; a line without three fields is skipped here
/// (and reported by [`tables_are_whole`]).
fn lines(table: &'static str) -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    table
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut fields = l.split('\t');
            Some((
                fields.next()?.trim(),
                fields.next()?.trim(),
                fields.next()?.trim(),
            ))
        })
}

/// The text of `key` in `lang` (the key itself when no table has it).
pub fn t(lang: Lang, key: &str) -> &str {
    match texts().get(key) {
        Some((zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => key,
    }
}

/// `key` as a static key, if a table has it (a redirect's `?done=` names one).
pub fn known(key: &str) -> Option<&'static str> {
    texts().get_key_value(key).map(|(k, _)| *k)
}

/// What is wrong with the tables: a line without three fields, an empty text, a key in two
/// places. Empty when they are whole.
pub fn tables_are_whole() -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for (file, table) in TABLES {
        for (n, line) in table.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() != 3 || fields.iter().any(|f| f.trim().is_empty()) {
                problems.push(format!("{file}:{}: needs key, 中文 and English", n + 1));
                continue;
            }
            if let Some(other) = seen.insert(fields[0].trim(), file) {
                problems.push(format!(
                    "{file}:{}: {} is also in {other}",
                    n + 1,
                    fields[0]
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_tables_are_whole() {
        assert_eq!(tables_are_whole(), Vec::<String>::new());
    }

    /// Every `t("key")` in the console's sources has a text in both languages.
    #[test]
    fn every_key_the_pages_use_is_in_a_table() {
        let mut missing = Vec::new();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console");
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let source = std::fs::read_to_string(&path).unwrap();
                for line in source.lines().filter(|l| !l.trim_start().starts_with("//")) {
                    for key in used_keys(line) {
                        if known(key).is_none() {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert_eq!(missing, Vec::<String>::new());
    }

    /// The keys a line of source looks up: `t("key")` (a function or method named exactly `t`)
    /// and `t(lang, "key")`.
    fn used_keys(line: &str) -> Vec<&str> {
        let mut keys = Vec::new();
        for (at, _) in line.match_indices("t(") {
            let named_t = line[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            if !named_t {
                continue;
            }
            let rest = line[at + 2..].trim_start_matches("lang, ");
            if let Some(rest) = rest.strip_prefix('"') {
                if let Some(end) = rest.find('"') {
                    keys.push(&rest[..end]);
                }
            }
        }
        keys
    }

    #[test]
    fn the_key_scanner_finds_lookups_only() {
        assert_eq!(
            used_keys(r#"p { (office.t("app.name")) (t(lang, "nav.home")) }"#),
            ["app.name", "nav.home"]
        );
        assert!(used_keys(r#"x.format("%Y") redirect("/x") get("/y")"#).is_empty());
    }

    #[test]
    fn a_text_in_each_language() {
        assert_eq!(t(Lang::Zh, "app.name"), "签批办公台");
        assert_eq!(t(Lang::En, "app.name"), "Qianpi office console");
        assert_eq!(known("no.such.key"), None);
    }
}
