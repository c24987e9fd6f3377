//! 通讯录 — importing a unit's address book from CSV, all or nothing: every row is parsed and
//! checked before anything is stored, any bad row names its line and why, and the whole import is
//! one transaction.

use super::people::{check_user_fault, insert_user, NewUser, UserView, MAX_IMPORT_ROWS};
use super::AdminActor;
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::args;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use plan::{apply_plan, plan, Action, Planned};

mod plan;

/// Imports a 通讯录 CSV (header `login,name,post,role` or `登录名,姓名,职务,角色`, optionally
/// followed by `department,office_phone` or `处室,办公电话`) into `unit_id`, all or nothing: any
/// bad row is a 400 `invalid_rows` naming every bad line and why, and nothing is stored.
pub async fn import_csv(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    csv: &str,
    now: DateTime<Utc>,
) -> Result<Vec<UserView>, ApiError> {
    let rows = parse_csv(csv)?;
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let mut problems = Vec::new();
        let mut created = Vec::new();
        for (line, user, role) in &rows {
            let taken = sql
                .query_opt(
                    "SELECT id FROM users WHERE unit_id = ?1 AND login = ?2 AND post = ?3",
                    args![&unit_id, &user.login, &user.post],
                )?
                .is_some();
            if taken {
                problems.push(format!(
                    "row {line}: {} already holds post {} in this unit",
                    user.login, user.post
                ));
            } else if problems.is_empty() {
                created.push(insert_user(sql, &actor, &unit_id, user, role, "csv", now)?);
            }
        }
        if !problems.is_empty() {
            // Returning an error rolls back every row inserted before the bad one.
            return Err(invalid_rows(&problems));
        }
        Ok(created)
    })
    .await
}

fn invalid_rows(problems: &[String]) -> ApiError {
    ApiError::bad_request(
        "invalid_rows",
        format!("nothing was imported: {}", problems.join("; ")),
    )
}

/// Parses and checks every row; line numbers count the header as line 1. Public so that the fuzz
/// targets (`fuzz/`) reach it without a database.
pub fn parse_csv(csv: &str) -> Result<Vec<(usize, NewUser, &'static str)>, ApiError> {
    let (header, records) = csv_records(csv);
    let Some(columns) = header_columns(&header) else {
        return Err(ApiError::bad_request(
            "invalid_header",
            "the first line must be login,name,post,role (or 登录名,姓名,职务,角色), \
             optionally followed by department,office_phone (处室,办公电话)",
        ));
    };
    let (rows, bad) = check_records(columns, records);
    let mut problems: Vec<String> = bad
        .iter()
        .map(|b| format!("row {}: {}", b.line, b.en))
        .collect();
    if rows.len() > MAX_IMPORT_ROWS {
        problems.push(format!("at most {MAX_IMPORT_ROWS} rows per import"));
    }
    if !problems.is_empty() {
        return Err(invalid_rows(&problems));
    }
    if rows.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_rows",
            "the file has no rows",
        ));
    }
    Ok(rows)
}

/// A row of an address book refused, by its line (the header is line 1) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRow {
    /// The line (a CSV line, or a spreadsheet's row number).
    pub line: usize,
    /// Why, in Chinese.
    pub zh: String,
    /// Why, in English.
    pub en: String,
}

/// A CSV text's header and its records, each with its line number (the header is line 1); a
/// BOM is dropped and blank lines skipped.
pub fn csv_records(csv: &str) -> (Vec<String>, Vec<(usize, Vec<String>)>) {
    let csv = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    let mut lines = csv.lines().enumerate().map(|(i, l)| (i + 1, l));
    let header = lines
        .next()
        .map(|(_, l)| split_csv_line(l))
        .unwrap_or_default();
    let records = lines
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(line, text)| (line, split_csv_line(text)))
        .collect();
    (header, records)
}

/// How many columns a header names: 4 (`login,name,post,role` or `登录名,姓名,职务,角色`) or 6
/// (followed by `department,office_phone` or `处室,办公电话`); `None` for any other header.
pub fn header_columns(header: &[String]) -> Option<usize> {
    let header: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    match header.as_slice() {
        ["login", "name", "post", "role"] | ["登录名", "姓名", "职务", "角色"] => Some(4),
        ["login", "name", "post", "role", "department", "office_phone"]
        | ["登录名", "姓名", "职务", "角色", "处室", "办公电话"] => Some(6),
        _ => None,
    }
}

/// Checks each record against a header of `columns` columns: the good rows (trimmed, with their
/// canonical role) and the bad ones, both in file order. A login holding one post twice in the
/// file is bad on its second line.
pub fn check_records(
    columns: usize,
    records: Vec<(usize, Vec<String>)>,
) -> (Vec<(usize, NewUser, &'static str)>, Vec<BadRow>) {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (line, fields) in records {
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let (login, name, post, role, department, office_phone) = match fields.as_slice() {
            [login, name, post, role] if columns == 4 => (login, name, post, role, "", ""),
            [login, name, post, role, department, phone] if columns == 6 => {
                (login, name, post, role, department.as_str(), phone.as_str())
            }
            _ => {
                bad.push(BadRow {
                    line,
                    zh: format!("应有{columns}列，实有{}列", fields.len()),
                    en: format!("expected {columns} fields, found {}", fields.len()),
                });
                continue;
            }
        };
        let user = NewUser {
            login: login.trim().to_owned(),
            name: name.trim().to_owned(),
            post: post.trim().to_owned(),
            role: role.trim().to_owned(),
            secretary_for: Vec::new(),
            department: department.trim().to_owned(),
            office_phone: office_phone.trim().to_owned(),
        };
        match check_user_fault(&user) {
            Err(fault) => bad.push(BadRow {
                line,
                zh: fault.zh(),
                en: fault.to_string(),
            }),
            Ok(_) if !seen.insert((user.login.clone(), user.post.clone())) => bad.push(BadRow {
                line,
                zh: format!("{}的职务“{}”在文件中出现了两次", user.login, user.post),
                en: format!("{} with post {} appears twice", user.login, user.post),
            }),
            Ok(role) => rows.push((line, user, role)),
        }
    }
    (rows, bad)
}

/// Splits one CSV line: commas separate, double quotes enclose, `""` is a quote.
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                push_char(&mut fields, '"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => push_char(&mut fields, c),
        }
    }
    fields
}

fn push_char(fields: &mut [String], c: char) {
    if let Some(last) = fields.last_mut() {
        last.push(c);
    }
}
