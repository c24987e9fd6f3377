//! The SQLite backend of the data layer: a rusqlite transaction behind [`Sql`]. One connection
//! serves the whole gateway (SQLite has one writer anyway), and every transaction starts
//! `IMMEDIATE`, so a transaction never fails half-way for want of the write lock.

use super::{Dialect, Row, Sql, SqlError, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{ErrorCode, Transaction};

/// A SQLite transaction.
pub struct Lite<'a>(pub &'a Transaction<'a>);

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(*v),
            Value::Text(v) => ValueRef::Text(v.as_bytes()),
            Value::Blob(v) => ValueRef::Blob(v),
        }))
    }
}

/// Maps a rusqlite error to the data layer's.
pub fn map_error(error: rusqlite::Error) -> SqlError {
    match error.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => {
            let message = error.to_string();
            if message.contains("UNIQUE") || message.contains("PRIMARY KEY") {
                SqlError::Duplicate
            } else {
                SqlError::Backend(message)
            }
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => SqlError::Conflict,
        _ => SqlError::Backend(error.to_string()),
    }
}

fn value(raw: ValueRef<'_>) -> Result<Value, SqlError> {
    Ok(match raw {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Int(v),
        ValueRef::Text(v) => Value::Text(
            String::from_utf8(v.to_vec())
                .map_err(|_| SqlError::Backend("a text column is not UTF-8".into()))?,
        ),
        ValueRef::Blob(v) => Value::Blob(v.to_vec()),
        // The schema stores no floating point numbers.
        ValueRef::Real(_) => {
            return Err(SqlError::Backend(
                "a column holds a floating point number".into(),
            ))
        }
    })
}

impl Sql for Lite<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, SqlError> {
        super::check_text(args)?;
        let mut statement = self.0.prepare_cached(sql).map_err(map_error)?;
        let changed = statement
            .execute(rusqlite::params_from_iter(args))
            .map_err(map_error)?;
        Ok(changed as u64)
    }

    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, SqlError> {
        super::check_text(args)?;
        let mut statement = self.0.prepare_cached(sql).map_err(map_error)?;
        let columns = statement.column_count();
        let mut rows = statement
            .query(rusqlite::params_from_iter(args))
            .map_err(map_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(map_error)? {
            let values = (0..columns)
                .map(|i| row.get_ref(i).map_err(map_error).and_then(value))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), SqlError> {
        self.0.execute_batch(sql).map_err(map_error)
    }
}
