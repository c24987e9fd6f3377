//! The gateway's portable data layer: one set of SQL statements and one set of migrations that run
//! unchanged on embedded SQLite (a bureau on one machine) and on PostgreSQL (a city behind several
//! replicas).
//!
//! Statements are written in the common subset of both dialects with SQLite's numbered
//! placeholders (`?1`); the PostgreSQL backend rewrites them to `$1`. Migrations additionally use
//! two neutral type names, `BLOB` and `SERIAL_KEY`, that each backend maps to its own. Values cross
//! the boundary as [`Value`] and come back as [`Row`]s, so the handlers never see a driver type.

mod lite;
mod pg;

pub use lite::{map_error as lite_error, Lite};
pub use pg::{PgPool, PgTx};

use std::fmt;

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (also booleans, as 0 or 1).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Blob(v)
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Blob(v.to_vec())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Builds a `&[Value]` parameter list from anything convertible: `args![id, 3_i64, blob]`.
/// Named `sql::args` (a `macro_rules` macro must be exported at the crate root to be public at
/// all, so the root name is hidden and this module's is the one to use).
#[doc(hidden)]
#[macro_export]
macro_rules! __sql_args {
    ($($value:expr),* $(,)?) => {
        &[$($crate::sql::Value::from($value)),*][..]
    };
}
pub use crate::__sql_args as args;

/// Errors of the data layer.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// A concurrent transaction conflicted (serialization failure or deadlock); the whole
    /// transaction may simply be run again.
    #[error("a concurrent transaction conflicted with this one")]
    Conflict,
    /// A unique or primary key constraint refused the row.
    #[error("a row with this key already exists")]
    Duplicate,
    /// The database cannot be reached, or no connection became free in time.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A column held another type than the code expected: the schema and the code disagree.
    #[error("column {index} is {found}, expected {expected}")]
    Type {
        /// Column index.
        index: usize,
        /// What the code asked for.
        expected: &'static str,
        /// What the row held.
        found: &'static str,
    },
    /// The statement expected a row and got none.
    #[error("the statement returned no row")]
    NoRow,
    /// A text value holds a NUL character, which PostgreSQL cannot store: refused on both
    /// backends alike, before the statement runs.
    #[error("a text value contains a NUL character")]
    NulInText,
    /// Anything else the database refused.
    #[error("the database refused the statement: {0}")]
    Backend(String),
}

/// Which database a connection speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// `" FOR UPDATE"` where the database locks rows read for a later write. SQLite needs none:
    /// its one writer holds the whole database for the transaction.
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// Maps the neutral type names of a migration to this dialect's.
    pub fn ddl(self, neutral: &str) -> String {
        match self {
            Dialect::Sqlite => neutral.replace("SERIAL_KEY", "INTEGER PRIMARY KEY AUTOINCREMENT"),
            Dialect::Postgres => neutral
                .replace("SERIAL_KEY", "BIGSERIAL PRIMARY KEY")
                .replace("BLOB", "BYTEA"),
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        })
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, index: usize) -> &Value {
        self.0.get(index).unwrap_or(&Value::Null)
    }

    fn mismatch(&self, index: usize, expected: &'static str) -> SqlError {
        SqlError::Type {
            index,
            expected,
            found: match self.at(index) {
                Value::Null => "NULL",
                Value::Int(_) => "an integer",
                Value::Text(_) => "text",
                Value::Blob(_) => "bytes",
            },
        }
    }

    /// Column `index` as an integer.
    pub fn int(&self, index: usize) -> Result<i64, SqlError> {
        self.opt_int(index)?
            .ok_or_else(|| self.mismatch(index, "an integer"))
    }

    /// Column `index` as an integer or NULL.
    pub fn opt_int(&self, index: usize) -> Result<Option<i64>, SqlError> {
        match self.at(index) {
            Value::Int(v) => Ok(Some(*v)),
            Value::Null => Ok(None),
            _ => Err(self.mismatch(index, "an integer")),
        }
    }

    /// Column `index` as text.
    pub fn text(&self, index: usize) -> Result<String, SqlError> {
        self.opt_text(index)?
            .ok_or_else(|| self.mismatch(index, "text"))
    }

    /// Column `index` as text or NULL.
    pub fn opt_text(&self, index: usize) -> Result<Option<String>, SqlError> {
        match self.at(index) {
            Value::Text(v) => Ok(Some(v.clone())),
            Value::Null => Ok(None),
            _ => Err(self.mismatch(index, "text")),
        }
    }

    /// Column `index` as bytes.
    pub fn blob(&self, index: usize) -> Result<Vec<u8>, SqlError> {
        match self.at(index) {
            Value::Blob(v) => Ok(v.clone()),
            _ => Err(self.mismatch(index, "bytes")),
        }
    }
}

/// A transaction on either database. Every handler's work runs inside one.
pub trait Sql {
    /// The dialect, for the few statements that differ ([`Dialect::for_update`]).
    fn dialect(&self) -> Dialect;

    /// Runs a statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, SqlError>;

    /// Runs a query and returns every row.
    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, SqlError>;

    /// Runs several statements separated by `;` without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), SqlError>;

    /// The first row of a query, if any.
    fn query_opt(&mut self, sql: &str, args: &[Value]) -> Result<Option<Row>, SqlError> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    /// The first row of a query, which must exist.
    fn query_one(&mut self, sql: &str, args: &[Value]) -> Result<Row, SqlError> {
        self.query_opt(sql, args)?.ok_or(SqlError::NoRow)
    }
}

/// Refuses text values holding NUL ([`SqlError::NulInText`]); every backend checks its arguments
/// with this before running a statement, so both answer bad input the same way.
pub fn check_text(args: &[Value]) -> Result<(), SqlError> {
    let nul = args
        .iter()
        .any(|value| matches!(value, Value::Text(text) if text.contains('\0')));
    if nul {
        return Err(SqlError::NulInText);
    }
    Ok(())
}

/// Rewrites SQLite's `?N` placeholders to PostgreSQL's `$N`, leaving string literals alone.
pub fn to_postgres_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_literal = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                in_literal = !in_literal;
                out.push(c);
            }
            '?' if !in_literal => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_literals_only() {
        assert_eq!(
            to_postgres_placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $12"
        );
    }

    #[test]
    fn neutral_ddl_maps_to_each_dialect() {
        let ddl = "CREATE TABLE t (seq SERIAL_KEY, data BLOB NOT NULL)";
        assert_eq!(
            Dialect::Sqlite.ddl(ddl),
            "CREATE TABLE t (seq INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB NOT NULL)"
        );
        assert_eq!(
            Dialect::Postgres.ddl(ddl),
            "CREATE TABLE t (seq BIGSERIAL PRIMARY KEY, data BYTEA NOT NULL)"
        );
    }

    #[test]
    fn rows_refuse_the_wrong_type_with_a_typed_error() {
        let row = Row(vec![Value::Int(3), Value::Null, Value::Text("x".into())]);
        assert_eq!(row.int(0).ok(), Some(3));
        assert_eq!(row.opt_text(1).ok(), Some(None));
        assert!(matches!(
            row.int(2),
            Err(SqlError::Type {
                index: 2,
                found: "text",
                ..
            })
        ));
        assert!(matches!(row.text(1), Err(SqlError::Type { .. })));
    }
}
