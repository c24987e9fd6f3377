//! The audit log as the console reads it: one unit's entries, newest first, a page at a time,
//! narrowed by time, person and kind, each actor's real name and login joined from the people.
//! Another unit's entries never match: the unit is always the first condition.

use crate::error::ApiError;
use crate::sql::{Sql, Value};

/// Entries on one page.
pub(super) const PAGE: i64 = 50;

/// What the reader asked to see. Times are UTC instants written as RFC 3339 prefixes
/// (`2026-12-06T16:00:00`), which compare with the stored `at` texts in time order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Filter {
    /// The reader's unit.
    pub unit_id: String,
    /// Entries written at or after this instant.
    pub from: Option<String>,
    /// Entries written before this instant.
    pub until: Option<String>,
    /// Entries by this actor (a user id, `operator`, `operator-cli`, `gateway`).
    pub actor: Option<String>,
    /// Entries of this kind.
    pub kind: Option<String>,
    /// Entries older than this sequence number (the next page).
    pub before: Option<i64>,
}

/// One entry as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    /// Position in the chain.
    pub seq: i64,
    /// When it was written (RFC 3339, UTC).
    pub at: String,
    /// Who acted, as recorded.
    pub actor: String,
    /// The actor's real name and login, when the actor is a person.
    pub person: Option<(String, String)>,
    /// The kind.
    pub kind: String,
    /// What it was done to.
    pub subject: String,
    /// Further facts (ids and codes), as JSON text.
    pub detail: String,
}

/// One page of entries and where the next (older) one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Page {
    /// Newest first.
    pub lines: Vec<Line>,
    /// The `before` of the next page, when there are older entries.
    pub older: Option<i64>,
}

/// A person (or the operator, the CLI, the gateway) who appears in the unit's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Actor {
    /// As recorded.
    pub actor: String,
    /// Real name and login, when a person.
    pub person: Option<(String, String)>,
}

/// A statement with numbered placeholders grown one condition at a time.
struct Conditions {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Conditions {
    fn new(unit_id: &str) -> Conditions {
        Conditions {
            clauses: vec!["a.unit_id = ?1".to_owned()],
            values: vec![Value::from(unit_id)],
        }
    }

    /// Adds `column op ?n` bound to `value`.
    fn add(&mut self, column_op: &str, value: Value) {
        self.values.push(value);
        self.clauses
            .push(format!("{column_op} ?{}", self.values.len()));
    }

    fn placeholder(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("?{}", self.values.len())
    }
}

fn person(row: &crate::sql::Row, name: usize) -> Result<Option<(String, String)>, ApiError> {
    Ok(match (row.opt_text(name)?, row.opt_text(name + 1)?) {
        (Some(name), Some(login)) => Some((name, login)),
        _ => None,
    })
}

/// One page of the unit's entries matching `filter`, newest first.
pub(super) fn page(sql: &mut dyn Sql, filter: &Filter) -> Result<Page, ApiError> {
    let mut conditions = Conditions::new(&filter.unit_id);
    if let Some(from) = &filter.from {
        conditions.add("a.at >=", Value::from(from.as_str()));
    }
    if let Some(until) = &filter.until {
        conditions.add("a.at <", Value::from(until.as_str()));
    }
    if let Some(actor) = &filter.actor {
        conditions.add("a.actor =", Value::from(actor.as_str()));
    }
    if let Some(kind) = &filter.kind {
        conditions.add("a.kind =", Value::from(kind.as_str()));
    }
    if let Some(before) = filter.before {
        conditions.add("a.seq <", Value::from(before));
    }
    // One more than a page tells whether an older page exists.
    let limit = conditions.placeholder(Value::from(PAGE + 1));
    let statement = format!(
        "SELECT a.seq, a.at, a.actor, u.name, u.login, a.kind, a.subject, a.detail
         FROM audit a LEFT JOIN users u ON u.id = a.actor
         WHERE {} ORDER BY a.seq DESC LIMIT {limit}",
        conditions.clauses.join(" AND ")
    );
    let mut lines = sql
        .query(&statement, &conditions.values)?
        .iter()
        .map(|row| {
            Ok(Line {
                seq: row.int(0)?,
                at: row.text(1)?,
                actor: row.text(2)?,
                person: person(row, 3)?,
                kind: row.text(5)?,
                subject: row.text(6)?,
                detail: row.text(7)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let more = i64::try_from(lines.len()).unwrap_or(i64::MAX) > PAGE;
    lines.truncate(usize::try_from(PAGE).unwrap_or(usize::MAX));
    let older = if more {
        lines.last().map(|line| line.seq)
    } else {
        None
    };
    Ok(Page { lines, older })
}

/// The unit's people, by name, for the person filter. (Read from the people rather than from
/// the log, so the filter costs the same however long the log grows.)
pub(super) fn people(sql: &mut dyn Sql, unit_id: &str) -> Result<Vec<Actor>, ApiError> {
    sql.query(
        "SELECT id, name, login FROM users WHERE unit_id = ?1 ORDER BY name, id",
        &[Value::from(unit_id)],
    )?
    .iter()
    .map(|row| {
        Ok(Actor {
            actor: row.text(0)?,
            person: person(row, 1)?,
        })
    })
    .collect()
}
