//! The PostgreSQL backend of the data layer: a small pool of blocking connections (the handlers'
//! work already runs on blocking threads), each keeping its prepared statements, and a transaction
//! type behind [`Sql`]. Transactions run at READ COMMITTED; the few rows a decision depends on are
//! read `FOR UPDATE`, and a deadlock or serialization failure surfaces as [`SqlError::Conflict`]
//! so the caller can run the transaction again.

use super::{to_postgres_placeholders, Dialect, Row, Sql, SqlError, Value};
use bytes::BytesMut;
use parking_lot::{Condvar, Mutex};
use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, GenericClient, NoTls, Statement};
use std::collections::HashMap;
use std::error::Error;
use std::time::Duration;

/// How long a request waits for a free connection before the gateway answers 503.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                _ => Err(format!("an integer cannot be bound to a {ty} parameter").into()),
            },
            Value::Text(v) => v.to_sql(ty, out),
            Value::Blob(v) => v.to_sql(ty, out),
        }
    }

    // Every value is checked against the parameter's type in `to_sql`.
    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn map_error(error: postgres::Error) -> SqlError {
    match error.code() {
        Some(code)
            if *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED =>
        {
            SqlError::Conflict
        }
        Some(code) if *code == SqlState::UNIQUE_VIOLATION => SqlError::Duplicate,
        _ if error.is_closed() => SqlError::Unavailable(error.to_string()),
        _ => SqlError::Backend(error.to_string()),
    }
}

fn value(row: &postgres::Row, index: usize) -> Result<Value, SqlError> {
    let ty = row.columns().get(index).map(|c| c.type_().clone());
    let got = |e: postgres::Error| SqlError::Backend(e.to_string());
    Ok(match ty {
        Some(Type::INT8) => row.try_get::<_, Option<i64>>(index).map_err(got)?.into(),
        Some(Type::INT4) => row
            .try_get::<_, Option<i32>>(index)
            .map_err(got)?
            .map(i64::from)
            .into(),
        Some(Type::INT2) => row
            .try_get::<_, Option<i16>>(index)
            .map_err(got)?
            .map(i64::from)
            .into(),
        Some(Type::BOOL) => row.try_get::<_, Option<bool>>(index).map_err(got)?.into(),
        Some(Type::BYTEA) => row
            .try_get::<_, Option<Vec<u8>>>(index)
            .map_err(got)?
            .into(),
        Some(Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME) => {
            row.try_get::<_, Option<String>>(index).map_err(got)?.into()
        }
        other => {
            return Err(SqlError::Backend(format!(
                "column {index} has a type the gateway does not store: {other:?}"
            )))
        }
    })
}

/// A pooled connection with the statements it has prepared.
pub struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// A fixed-size pool of connections to one database, opened on demand.
pub struct PgPool {
    config: postgres::Config,
    /// TLS when the URL's `sslmode` asks for it ([`crate::tls::postgres`]).
    tls: Option<crate::tls::postgres::MakeRustls>,
    size: usize,
    idle: Mutex<(Vec<PgConn>, usize)>,
    freed: Condvar,
}

impl PgPool {
    /// A pool of at most `size` connections to `url` (`postgres://user@host/db`). Connects once
    /// now, so a wrong address fails at start rather than on the first request.
    pub fn connect(url: &str, size: usize) -> Result<PgPool, SqlError> {
        let bad = |e: String| SqlError::Unavailable(format!("bad DATABASE_URL: {e}"));
        let (url, mode) = crate::tls::postgres::split_url(url).map_err(|e| bad(e.to_string()))?;
        let tls = crate::tls::postgres::connector(&mode).map_err(|e| bad(e.to_string()))?;
        let config: postgres::Config = url
            .parse()
            .map_err(|e: postgres::Error| bad(e.to_string()))?;
        let pool = PgPool {
            config,
            tls,
            size: size.max(1),
            idle: Mutex::new((Vec::new(), 0)),
            freed: Condvar::new(),
        };
        let first = pool.open()?;
        *pool.idle.lock() = (vec![first], 1);
        Ok(pool)
    }

    fn open(&self) -> Result<PgConn, SqlError> {
        let client = match &self.tls {
            None => self.config.connect(NoTls),
            Some(tls) => self.config.connect(tls.clone()),
        }
        .map_err(|e| SqlError::Unavailable(crate::tls::postgres::with_causes(&e)))?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
        })
    }

    /// Takes a connection, opening one if the pool is not full, else waiting for one.
    fn checkout(&self) -> Result<PgConn, SqlError> {
        let mut idle = self.idle.lock();
        loop {
            if let Some(conn) = idle.0.pop() {
                return Ok(conn);
            }
            if idle.1 < self.size {
                idle.1 += 1;
                drop(idle);
                return self.open().inspect_err(|_| self.idle.lock().1 -= 1);
            }
            if self.freed.wait_for(&mut idle, CHECKOUT_TIMEOUT).timed_out() {
                return Err(SqlError::Unavailable(
                    "no database connection became free in time".into(),
                ));
            }
        }
    }

    /// Gives a connection back; a broken one is dropped and its slot freed.
    fn checkin(&self, conn: PgConn) {
        let mut idle = self.idle.lock();
        if conn.client.is_closed() {
            idle.1 -= 1;
        } else {
            idle.0.push(conn);
        }
        drop(idle);
        self.freed.notify_one();
    }

    /// Runs `work` in one transaction, committed if it returns `Ok`.
    pub fn transaction<T, E: From<SqlError>>(
        &self,
        work: &mut dyn FnMut(&mut dyn Sql) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.checkout()?;
        let result = run(&mut conn, work);
        self.checkin(conn);
        result
    }

    /// Runs `work` without a transaction around it: each statement commits on its own. Spares
    /// the two round trips of BEGIN and COMMIT for work that is one self-contained statement.
    pub fn autocommit<T, E: From<SqlError>>(
        &self,
        work: &mut dyn FnMut(&mut dyn Sql) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.checkout()?;
        let result = work(&mut PgTx {
            client: &mut conn.client,
            statements: &mut conn.statements,
        });
        self.checkin(conn);
        result
    }
}

impl Drop for PgPool {
    fn drop(&mut self) {
        // Closing a blocking client blocks on its own runtime, which panics on an async worker
        // (the pool is dropped wherever the last handle goes): close them on a thread of their own.
        let idle = std::mem::take(&mut self.idle.get_mut().0);
        if !idle.is_empty() {
            std::thread::spawn(move || drop(idle));
        }
    }
}

fn run<T, E: From<SqlError>>(
    conn: &mut PgConn,
    work: &mut dyn FnMut(&mut dyn Sql) -> Result<T, E>,
) -> Result<T, E> {
    let mut tx = conn.client.transaction().map_err(map_error)?;
    let out = work(&mut PgTx {
        client: &mut tx,
        statements: &mut conn.statements,
    })?;
    tx.commit().map_err(map_error)?;
    Ok(out)
}

/// Statements on a PostgreSQL connection: inside a transaction, or each on its own.
pub struct PgTx<'a, C: GenericClient> {
    client: &'a mut C,
    statements: &'a mut HashMap<String, Statement>,
}

impl<C: GenericClient> PgTx<'_, C> {
    fn prepared(&mut self, sql: &str) -> Result<Statement, SqlError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self
            .client
            .prepare(&to_postgres_placeholders(sql))
            .map_err(map_error)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

fn refs(args: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl<C: GenericClient> Sql for PgTx<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<u64, SqlError> {
        super::check_text(args)?;
        let statement = self.prepared(sql)?;
        self.client
            .execute(&statement, &refs(args))
            .map_err(map_error)
    }

    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, SqlError> {
        super::check_text(args)?;
        let statement = self.prepared(sql)?;
        let rows = self
            .client
            .query(&statement, &refs(args))
            .map_err(map_error)?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| value(row, i))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
            })
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<(), SqlError> {
        self.client.batch_execute(sql).map_err(map_error)
    }
}
