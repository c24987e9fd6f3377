//! The gateway's database handle: embedded SQLite in a data folder, or PostgreSQL at a
//! `DATABASE_URL`, opened and migrated the same way, and the transaction runner every handler
//! goes through. Everything replicas would need to share (nonces, verdicts, the change feed, the
//! audit chain) lives in the database, never in process memory.

use crate::error::ApiError;
use crate::schema::{self, SchemaError};
use crate::sql::{Dialect, Lite, PgPool, Sql, SqlError};
use parking_lot::Mutex;
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Name of the SQLite database file inside the data folder.
pub const DATABASE_FILE: &str = "gateway.db";
/// Connections a replica keeps to PostgreSQL.
pub const PG_POOL_SIZE: usize = 8;
/// How often a transaction that lost a race with a concurrent one is run again.
const CONFLICT_RETRIES: usize = 8;

/// Where the gateway keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Embedded SQLite in this folder (created on first start).
    Folder(PathBuf),
    /// PostgreSQL at this URL (`postgres://user@host:port/db`).
    Postgres(String),
}

/// Errors opening the database.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The data folder cannot be created.
    #[error("cannot create the data folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database cannot be opened or reached.
    #[error("cannot open the database: {0}")]
    Open(#[from] SqlError),
    /// Its schema cannot be brought up to date.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The feed's rows could not be brought to the current form after the migrations.
    #[error("converting the feed failed: {0}")]
    Feed(ApiError),
    /// The flows' instances and documents could not be brought to the current form after the
    /// migrations.
    #[error("converting the flows' instances and documents failed: {0}")]
    Instances(ApiError),
    /// No gateway database is there (a command other than `serve` or `init`, or a mistyped
    /// data folder or URL).
    #[error("{0} holds no gateway database: check the data folder or URL, or create one with `qianpi-gateway init`")]
    Missing(String),
}

enum Backend {
    Sqlite(Mutex<Connection>),
    Postgres(Box<PgPool>),
}

/// A shared handle to the database.
#[derive(Clone)]
pub struct Db {
    backend: Arc<Backend>,
}

impl Db {
    /// Opens (creating and migrating) the database. Returns the handle and whether the database
    /// was new (no schema at all) before this call.
    pub fn open(location: &Location) -> Result<(Db, bool), OpenError> {
        let db = Db::connect(location, true)?;
        db.migrate()
    }

    /// Opens (migrating) a database that already exists; creates nothing, not even the folder.
    pub fn open_existing(location: &Location) -> Result<Db, OpenError> {
        let missing = || {
            OpenError::Missing(match location {
                Location::Folder(dir) => format!("the data folder {}", dir.display()),
                Location::Postgres(url) => format!("the PostgreSQL database {}", redact(url)),
            })
        };
        if let Location::Folder(dir) = location {
            if !dir.join(DATABASE_FILE).is_file() {
                return Err(missing());
            }
        }
        let db = Db::connect(location, false)?;
        if !db.run(&mut |sql| has_schema(sql))? {
            return Err(missing());
        }
        Ok(db.migrate()?.0)
    }

    fn connect(location: &Location, create: bool) -> Result<Db, OpenError> {
        let backend = match location {
            Location::Folder(dir) => Backend::Sqlite(Mutex::new(open_sqlite(dir, create)?)),
            Location::Postgres(url) => {
                Backend::Postgres(Box::new(PgPool::connect(url, PG_POOL_SIZE)?))
            }
        };
        Ok(Db {
            backend: Arc::new(backend),
        })
    }

    /// Brings the schema up to date; whether the database was new.
    fn migrate(self) -> Result<(Db, bool), OpenError> {
        let db = self;
        db.run(&mut |sql| schema::prepare(sql))?;
        let found = db.run(&mut |sql| schema::version(sql))?;
        if found > schema::current_version() {
            return Err(SchemaError::TooNew {
                found,
                known: schema::current_version(),
            }
            .into());
        }
        for version in (found + 1)..=schema::current_version() {
            db.run::<_, SchemaError>(&mut |sql| schema::apply(sql, version))?;
            tracing::info!(version, backend = %db.dialect(), "migrated the gateway database");
        }
        crate::feed::convert_stored(&db).map_err(OpenError::Feed)?;
        crate::instances::convert_stored(&db).map_err(OpenError::Instances)?;
        Ok((db, found == 0))
    }

    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        match *self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// One transaction, committed if `work` returns `Ok`, rolled back otherwise.
    fn run<T, E: From<SqlError>>(
        &self,
        work: &mut dyn FnMut(&mut dyn Sql) -> Result<T, E>,
    ) -> Result<T, E> {
        match &*self.backend {
            Backend::Sqlite(conn) => {
                let mut conn = conn.lock();
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(crate::sql::lite_error)?;
                let out = work(&mut Lite(&tx))?;
                tx.commit().map_err(crate::sql::lite_error)?;
                Ok(out)
            }
            Backend::Postgres(pool) => pool.transaction(work),
        }
    }

    /// Runs `work` in one transaction right here (command-line tools, and the blocking threads
    /// of [`Db::tx`]). A transaction that lost a race with a concurrent one is run again from
    /// the start, so `work` must only touch the database.
    pub fn tx_blocking<T>(
        &self,
        mut work: impl FnMut(&mut dyn Sql) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut attempt = 0;
        loop {
            match self.run(&mut work) {
                Err(e) if e.is_conflict() && attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(2 * (1 << attempt.min(6))));
                }
                other => return other,
            }
        }
    }

    /// Runs `batch` (which converts up to `limit` rows of an older storage form and returns how
    /// many it found) in one transaction after another until it finds none: the in-place
    /// conversions at start. Each batch commits on its own, so a gateway stopped half-way keeps
    /// what it converted and the next start goes on from there. Returns the rows converted;
    /// `what` names the conversion in the progress lines of the log.
    pub fn convert_in_batches(
        &self,
        what: &'static str,
        limit: usize,
        mut batch: impl FnMut(&mut dyn Sql, usize) -> Result<usize, ApiError>,
    ) -> Result<u64, ApiError> {
        let mut total = 0u64;
        loop {
            let found = self.tx_blocking(|sql| batch(sql, limit))?;
            if found == 0 {
                break;
            }
            total += found as u64;
            if total % (limit as u64 * 20) == 0 {
                tracing::info!(rows = total, conversion = what, "converting in place");
            }
        }
        if total > 0 {
            tracing::info!(rows = total, conversion = what, "converted in place");
        }
        Ok(total)
    }

    /// Runs `work` as one self-contained statement right here: on PostgreSQL without BEGIN and
    /// COMMIT around it (two round trips fewer), on SQLite in a transaction as always. Only for
    /// work that is a single statement, or reads that may see commits in between: a failure
    /// after an earlier statement leaves that statement's effect.
    pub fn once_blocking<T>(
        &self,
        mut work: impl FnMut(&mut dyn Sql) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        match &*self.backend {
            Backend::Postgres(pool) => pool.autocommit(&mut work),
            Backend::Sqlite(_) => self.tx_blocking(work),
        }
    }

    /// [`Db::once_blocking`] on a blocking thread, keeping the async workers free.
    pub async fn once<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Sql) -> Result<T, ApiError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.once_blocking(work))
            .await
            .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `work` in one transaction on a blocking thread, keeping the async workers free.
    pub async fn tx<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Sql) -> Result<T, ApiError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.tx_blocking(work))
            .await
            .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }
}

/// Creates a new, empty database named `<prefix>_<uuid>` on the PostgreSQL server at `server`
/// (`postgres://user@host:port`, reached through its `postgres` maintenance database) and returns
/// where it is. For tests, benchmarks and first installs. Blocking: run it off the async workers.
pub fn create_postgres_database(
    server: &str,
    prefix: &str,
) -> Result<(Location, String), SqlError> {
    let server = server.trim_end_matches('/');
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    let admin_url = format!("{server}/postgres");
    let mut client = postgres::Client::connect(&admin_url, postgres::NoTls).map_err(|e| {
        SqlError::Unavailable(format!("cannot reach PostgreSQL at {admin_url}: {e}"))
    })?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .map_err(|e| SqlError::Backend(format!("cannot create database {name}: {e}")))?;
    Ok((Location::Postgres(format!("{server}/{name}")), name))
}

/// Opens the SQLite file in `dir`; with `create`, makes the folder (0700) and the file (0600)
/// first, so the database and its `-wal` and `-shm` files (SQLite gives them the database file's
/// mode) are readable by the gateway's account alone.
fn open_sqlite(dir: &Path, create: bool) -> Result<Connection, OpenError> {
    let file = dir.join(DATABASE_FILE);
    if create {
        private_file(dir, &file).map_err(|source| OpenError::Folder {
            path: dir.to_owned(),
            source,
        })?;
    }
    let lite = crate::sql::lite_error;
    let flags = if create {
        rusqlite::OpenFlags::default()
    } else {
        // Never create a database here, even if the file vanished since it was looked for.
        rusqlite::OpenFlags::default() - rusqlite::OpenFlags::SQLITE_OPEN_CREATE
    };
    let conn = Connection::open_with_flags(&file, flags).map_err(lite)?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
        .map_err(lite)?;
    let _mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(lite)?;
    // The walking skeleton versioned its file with user_version and had no migration table.
    let legacy: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(lite)?;
    if legacy > 0 {
        return Err(SchemaError::PreRelease.into());
    }
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

/// Whether the database holds a gateway's schema (at any version), looked up without creating
/// anything.
fn has_schema(sql: &mut dyn Sql) -> Result<bool, SqlError> {
    let lookup = match sql.dialect() {
        Dialect::Sqlite => {
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        }
        Dialect::Postgres => {
            "SELECT count(*) FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        }
    };
    if sql.query_one(lookup, &[])?.int(0)? == 0 {
        return Ok(false);
    }
    Ok(schema::version(sql)? > 0)
}

/// Creates `dir` (0700) and an empty `file` in it (0600) where they are missing; existing ones
/// are left as the administrator set them.
fn private_file(dir: &Path, file: &Path) -> std::io::Result<()> {
    let mut folder = std::fs::DirBuilder::new();
    folder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        folder.mode(0o700);
    }
    folder.create(dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(file) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(drop),
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// JSON for a stored column.
pub fn encode<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::internal(format!("encoding failed: {e}")))
}

/// A stored JSON column back.
pub fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::internal(format!("stored row is damaged: {e}")))
}

/// JSON as a deflated column stores it: raw DEFLATE at a fast level (the JSON of documents and
/// flows shrinks severalfold, and a new instance version is written on every decision). Level 2,
/// not 1: the zlib-rs backend (which the .xlsx readers and writers bring into flate2) answers
/// level 1 with its "quick" strategy, which left these small JSONs a third larger.
pub fn deflate(json: &str) -> Result<Vec<u8>, ApiError> {
    use std::io::Write as _;
    let mut encoder = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(json.len() / 3),
        flate2::Compression::new(2),
    );
    encoder
        .write_all(json.as_bytes())
        .and_then(|()| encoder.finish())
        .map_err(|e| ApiError::internal(format!("cannot compress a stored row: {e}")))
}

/// A deflated column's JSON back.
pub fn inflate(stored: &[u8]) -> Result<String, ApiError> {
    use std::io::Read as _;
    let mut json = String::with_capacity(stored.len().saturating_mul(4));
    flate2::read::DeflateDecoder::new(stored)
        .read_to_string(&mut json)
        .map_err(|e| ApiError::internal(format!("a stored compressed row is damaged: {e}")))?;
    Ok(json)
}
