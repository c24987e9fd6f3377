//! The search benchmark's reference: plain SQLite with an FTS5 `trigram` table over the same
//! texts, built and timed in a child process of its own (SQLCipher's memory security, which the
//! store turns on, holds for the whole process that turns it on).

use crate::{pages_of, timed, Item, LIMIT, LONG, SHORT};
use chrono::DateTime;
use rusqlite::{params, Connection};
use std::path::Path;
use std::time::Instant;

/// The plain-SQLite reference: FTS5 with the trigram tokenizer over the same texts, newest first
/// in rowid order as the store's index keeps them.
pub(crate) fn reference(path: &Path, items: &mut [Item]) -> Connection {
    let conn = Connection::open(path).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE VIRTUAL TABLE ref USING fts5 (text, tokenize = 'trigram');",
    )
    .expect("schema");
    items.sort_by_key(|item| std::cmp::Reverse(item.at));
    conn.execute_batch("BEGIN").expect("begin");
    {
        let mut insert = conn
            .prepare("INSERT INTO ref (rowid, text) VALUES (?1, ?2)")
            .expect("prepare");
        for (n, item) in items.iter().enumerate() {
            insert
                .execute(params![n as i64 + 1, item.text])
                .expect("insert");
        }
    }
    conn.execute_batch("COMMIT").expect("commit");
    conn
}

/// The reference's answer to `query`: the newest 20 with FTS5's snippet, through the trigram
/// index (every word of three or more characters, quoted) or, for a shorter query, by `LIKE`.
pub(crate) fn reference_search(conn: &Connection, query: &str) -> usize {
    let words: Vec<&str> = query.split_whitespace().collect();
    let (sql, argument) = if words.iter().all(|w| w.chars().count() >= 3) {
        let expression = words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" AND ");
        (
            "SELECT rowid, snippet(ref, 0, '[', ']', '…', 16) FROM ref WHERE ref MATCH ?1
             ORDER BY rowid LIMIT ?2",
            expression,
        )
    } else {
        (
            "SELECT rowid, substr(text, 1, 64) FROM ref WHERE text LIKE ?1
             ORDER BY rowid LIMIT ?2",
            format!("%{query}%"),
        )
    };
    let mut stmt = conn.prepare_cached(sql).expect("prepare");
    let rows = stmt
        .query_map(params![argument, LIMIT as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .expect("query");
    rows.count()
}

/// Set in the child process that measures the reference: the folder with the items' texts.
pub(crate) const REFERENCE_CHILD: &str = "SEARCH_BENCH_REFERENCE";

/// The reference runs in a process of its own: SQLCipher's memory security (every allocation
/// locked and wiped), which the store turns on, holds for the whole process, and plain SQLite
/// has none. Its figures come back as one JSON line.
pub(crate) fn reference_in_child(dir: &Path, items: &[Item]) -> serde_json::Value {
    let texts: Vec<(i64, &str)> = items
        .iter()
        .map(|item| (item.at.timestamp_millis(), item.text.as_str()))
        .collect();
    std::fs::write(
        dir.join("items.json"),
        serde_json::to_vec(&texts).expect("json"),
    )
    .expect("items");
    let output = std::process::Command::new(std::env::current_exe().expect("exe"))
        .env(REFERENCE_CHILD, dir)
        .output()
        .expect("child");
    assert!(
        output.status.success(),
        "the reference failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the reference's figures")
}

pub(crate) fn reference_child(dir: &Path) {
    let texts: Vec<(i64, String)> =
        serde_json::from_slice(&std::fs::read(dir.join("items.json")).expect("items"))
            .expect("items");
    let mut items: Vec<Item> = texts
        .into_iter()
        .map(|(at, text)| Item {
            at: DateTime::from_timestamp_millis(at).expect("a time"),
            text,
        })
        .collect();
    let start = Instant::now();
    let plain = reference(&dir.join("reference.db"), &mut items);
    let build_s = start.elapsed().as_secs_f64();
    let (long_p50, long_p99) = timed(&LONG, |query| {
        reference_search(&plain, query);
    });
    let (short_p50, short_p99) = timed(&SHORT, |query| {
        reference_search(&plain, query);
    });
    let found: Vec<usize> = LONG.iter().map(|q| reference_search(&plain, q)).collect();
    println!(
        "{}",
        serde_json::json!({
            "build_s": build_s, "long_p50": long_p50, "long_p99": long_p99,
            "short_p50": short_p50, "short_p99": short_p99,
            "bytes": pages_of(&plain, "ref"), "found": found,
        })
    );
}
