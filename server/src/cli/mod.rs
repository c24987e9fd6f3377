//! What the `qianpi-gateway` binary's subcommands share (this module belongs to the binary, not to
//! the library): where the data lives ([`DatabaseArgs`]), running a piece of work against the
//! opened database ([`with_db`], [`with_db_and_key`]), and reading an input file. Subcommand
//! groups live beside it: [`serve`] (running the gateway, creating its database), [`content`]
//! (blobs and notices), [`policy`] (the offline policy), [`tls`] (a private CA and the gateway's
//! certificate).
//!
//! Only `serve` and `init` create a database; every other subcommand refuses a data folder or
//! database that holds none, so a mistyped `--data-dir` is an error, not a new gateway.

pub mod content;
pub mod office;
pub mod policy;
pub mod serve;
pub mod tls;

use qianpi_gateway::db::Db;
use qianpi_gateway::{
    load_statement_key, open_existing_database, statements, ApiError, GatewayConfig, Location,
};
use qianpi_protocol::statement::GatewayKey;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::runtime::Runtime;

/// Where the gateway's data lives.
#[derive(clap::Args, Clone)]
pub struct DatabaseArgs {
    /// The data folder for embedded SQLite (created by `serve` or `init`, mode 0700).
    #[arg(long, default_value = "gateway-data")]
    pub data_dir: PathBuf,
    /// PostgreSQL instead of SQLite: `postgres://user@host:port/db`.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// The statement key file (PKCS#8), created on first start; by default `statement-key.p8`
    /// in the data folder. Every replica of a PostgreSQL deployment needs the same file.
    #[arg(long, env = "QIANPI_STATEMENT_KEY")]
    pub statement_key: Option<PathBuf>,
}

impl DatabaseArgs {
    fn location(&self) -> Location {
        match &self.database_url {
            Some(url) => Location::Postgres(url.clone()),
            None => Location::Folder(self.data_dir.clone()),
        }
    }

    /// A gateway configuration for this database; the statement key defaults to the data folder
    /// on either backend.
    pub fn config(&self, listen: SocketAddr, seed_demo: bool) -> GatewayConfig {
        let mut config = GatewayConfig::new(self.location(), listen, seed_demo);
        config.statement_key = Some(
            self.statement_key
                .clone()
                .unwrap_or_else(|| self.data_dir.join(statements::KEY_FILE)),
        );
        config
    }
}

/// The whole of a text file.
pub fn read(file: &Path) -> Result<String, String> {
    std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

/// Opens the existing database and runs `work` on a runtime; the handle is dropped outside any
/// async context (PostgreSQL's blocking client must not be dropped on an async worker).
pub fn with_db<T, F, Fut>(database: &DatabaseArgs, work: F) -> Result<T, String>
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    opened(database, |runtime, _, db| {
        runtime
            .block_on(work(db))
            .map_err(|e| format!("{} ({})", e.message, e.code))
    })
}

/// [`with_db`] for work that signs statements: the statement key is loaded (created on first
/// use) and registered in the database, as a starting gateway does.
pub fn with_db_and_key<T, F, Fut>(database: &DatabaseArgs, work: F) -> Result<T, String>
where
    F: FnOnce(Db, Arc<GatewayKey>) -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    opened(database, |runtime, config, db| {
        let key = runtime
            .block_on(load_statement_key(config, &db))
            .map_err(|e| e.to_string())?;
        runtime
            .block_on(work(db, key))
            .map_err(|e| format!("{} ({})", e.message, e.code))
    })
}

/// Runs `work` with a runtime, the configuration and the opened (existing) database, then drops
/// the database before the runtime.
fn opened<T>(
    database: &DatabaseArgs,
    work: impl FnOnce(&Runtime, &GatewayConfig, Db) -> Result<T, String>,
) -> Result<T, String> {
    let runtime = Runtime::new().map_err(|e| e.to_string())?;
    let config = database.config(SocketAddr::from(([127, 0, 0, 1], 0)), false);
    let db = runtime
        .block_on(open_existing_database(&config))
        .map_err(|e| e.to_string())?;
    let out = work(&runtime, &config, db.clone());
    drop(db);
    drop(runtime);
    out
}
