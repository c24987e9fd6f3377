//! The Qianpi sync gateway (qianpi-gateway): the office side the phones talk to. It registers
//! devices, verifies every signed request, serves each user's change feed, and decides pushed
//! commands with the same workflow code the phones run. Embedded SQLite in a data folder that is
//! created and migrated on first start, or PostgreSQL at a `DATABASE_URL` with the same
//! migrations; nothing replicas share lives in process memory.
//!
//! [`start`] runs it in-process (the demo and the tests do); the `qianpi-gateway` binary wraps it.

pub mod actor;
pub mod admin;
pub mod attestation;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod checkpoints;
pub mod commands;
pub mod console;
pub mod db;
pub mod delegations;
pub mod devices;
pub mod directory;
pub mod error;
pub mod feed;
pub mod forwarded;
pub mod housekeeping;
pub mod instances;
pub mod integration;
pub mod listener;
pub mod notices;
pub mod office;
pub mod openapi;
pub mod phrases;
pub mod refusals;
pub mod routes;
pub mod schema;
pub mod sql;
pub mod statements;
pub mod tls;

use qianpi_protocol::statement::GatewayKey;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use db::Location;
pub use error::ApiError;

/// How to run a gateway.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Where the data lives: a folder for embedded SQLite, or a PostgreSQL URL.
    pub database: Location,
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Seed the demo unit when the database is new (the demo, the tests, `serve --demo`).
    pub seed_demo: bool,
    /// The scheme clients use to reach this gateway (`https` behind a TLS terminator).
    pub public_scheme: String,
    /// Activation attempts one source address may make per minute
    /// ([`devices::ATTEMPTS_PER_WINDOW`] unless a deployment or a load test says otherwise).
    pub activations_per_minute: i64,
    /// The statement key file ([`statements::KEY_FILE`] in the data folder when `None`; a
    /// PostgreSQL deployment must name one, the same file on every replica).
    pub statement_key: Option<PathBuf>,
    /// Time a connection has to deliver a request head ([`listener::HEADER_READ_TIMEOUT`]).
    pub header_read_timeout: Duration,
    /// Time a kept-alive connection may wait for its next request ([`listener::IDLE_TIMEOUT`]).
    pub idle_timeout: Duration,
    /// Connections one address may hold at once ([`listener::CONNECTIONS_PER_ADDRESS`]).
    pub connections_per_address: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: forwarded::TrustedProxies,
    /// HTTPS served by the gateway itself with these files (plain HTTP when `None`); the public
    /// scheme is then `https`.
    pub tls: Option<tls::TlsFiles>,
    /// A TLS-terminating proxy fronts the gateway (`serve --behind-proxy`): plain HTTP may then
    /// listen on an address other than loopback.
    pub behind_proxy: bool,
    /// A pushed batch is decided in one transaction (the default); `false` decides each command
    /// in a transaction of its own, as the push benchmark's reference does.
    pub group_commit: bool,
    /// How phones' attestation evidence is verified (the vendors' roots are built in).
    pub attestation: attestation::TrustConfig,
    /// The zone the office console shows times in.
    pub time_zone: chrono_tz::Tz,
}

impl GatewayConfig {
    /// A configuration with the usual limits.
    pub fn new(database: Location, listen: SocketAddr, seed_demo: bool) -> GatewayConfig {
        GatewayConfig {
            database,
            listen,
            seed_demo,
            public_scheme: "http".into(),
            activations_per_minute: devices::ATTEMPTS_PER_WINDOW,
            statement_key: None,
            header_read_timeout: listener::HEADER_READ_TIMEOUT,
            idle_timeout: listener::IDLE_TIMEOUT,
            connections_per_address: listener::CONNECTIONS_PER_ADDRESS,
            trusted_proxies: forwarded::TrustedProxies::default(),
            tls: None,
            behind_proxy: false,
            group_commit: true,
            attestation: attestation::TrustConfig::default(),
            time_zone: console::time::DEFAULT_ZONE,
        }
    }

    /// Where the statement key lives.
    pub fn statement_key_path(&self) -> Result<PathBuf, GatewayError> {
        match (&self.statement_key, &self.database) {
            (Some(path), _) => Ok(path.clone()),
            (None, Location::Folder(dir)) => Ok(dir.join(statements::KEY_FILE)),
            (None, Location::Postgres(_)) => Err(GatewayError::NoStatementKey),
        }
    }
}

/// Errors starting a gateway.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The database could not be opened.
    #[error("the gateway database could not be opened: {0}")]
    Open(#[from] db::OpenError),
    /// The statement key could not be loaded or created.
    #[error(transparent)]
    StatementKey(#[from] statements::KeyFileError),
    /// A PostgreSQL deployment that names no statement key file.
    #[error("a gateway on PostgreSQL needs its statement key file named (--statement-key), the same on every replica")]
    NoStatementKey,
    /// The database could not be seeded.
    #[error("the gateway database could not be seeded: {0}")]
    Seed(#[from] ApiError),
    /// The TLS files are not usable, or plain HTTP was asked for off loopback.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// The attestation settings are unusable (a revocation list that does not read).
    #[error("the attestation settings are unusable: {0}")]
    Attestation(#[from] attestation::AttestationError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A gateway running in this process.
pub struct RunningGateway {
    addr: SocketAddr,
    scheme: &'static str,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningGateway {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL phones use (`https://` when the gateway serves TLS itself).
    pub fn url(&self) -> String {
        format!("{}://{}/", self.scheme, self.addr)
    }

    /// Stops accepting, lets requests in flight finish, and closes the listener.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.map_err(std::io::Error::other)?
    }

    /// Runs until the process is asked to stop (Ctrl-C or SIGTERM), then shuts down gracefully.
    pub async fn run_until_signal(self) -> std::io::Result<()> {
        wait_for_signal().await;
        self.stop().await
    }
}

/// Opens (creating, migrating, and seeding the demo unit if `config.seed_demo` says so) the
/// configured database. Opening blocks (PostgreSQL's client and SQLite are synchronous), so it
/// runs on a blocking thread.
pub async fn open_database(config: &GatewayConfig) -> Result<db::Db, GatewayError> {
    let location = config.database.clone();
    let (db, created) = tokio::task::spawn_blocking(move || db::Db::open(&location))
        .await
        .map_err(|e| ApiError::internal(format!("opening the database failed: {e}")))??;
    if created && config.seed_demo {
        admin::demo::seed(&db).await?;
        tracing::info!("seeded the demo unit");
    }
    Ok(db)
}

/// Opens (migrating) the configured database only if it already exists: the administrative
/// commands act on a gateway's data, and a mistyped data folder must not become a new gateway.
pub async fn open_existing_database(config: &GatewayConfig) -> Result<db::Db, GatewayError> {
    let location = config.database.clone();
    Ok(
        tokio::task::spawn_blocking(move || db::Db::open_existing(&location))
            .await
            .map_err(|e| ApiError::internal(format!("opening the database failed: {e}")))??,
    )
}

/// Loads (creating on first start) the statement key and registers it in `db`.
pub async fn load_statement_key(
    config: &GatewayConfig,
    db: &db::Db,
) -> Result<Arc<GatewayKey>, GatewayError> {
    Ok(statements::load_or_create(db, &config.statement_key_path()?).await?)
}

/// Starts a gateway on `config.listen`.
pub async fn start(config: GatewayConfig) -> Result<RunningGateway, GatewayError> {
    tls::check_plain_listen(config.listen, config.tls.is_some(), config.behind_proxy)?;
    let acceptor = match &config.tls {
        Some(files) => Some(tokio_rustls::TlsAcceptor::from(tls::server_config(files)?)),
        None => None,
    };
    let trust = Arc::new(attestation::Trust::load(&config.attestation)?);
    let db = open_database(&config).await?;
    let key = load_statement_key(&config, &db).await?;
    let socket = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| GatewayError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = socket.local_addr().map_err(|source| GatewayError::Bind {
        addr: config.listen,
        source,
    })?;
    let housekeeping = housekeeping::spawn(db.clone());
    let deliveries = integration::deliver::spawn(db.clone());
    let app = routes::router(routes::AppState {
        db,
        key,
        scheme: if acceptor.is_some() {
            "https".into()
        } else {
            config.public_scheme.clone()
        },
        activations_per_minute: config.activations_per_minute,
        trusted_proxies: Arc::new(config.trusted_proxies.clone()),
        group_commit: config.group_commit,
        attestation: trust,
        time_zone: config.time_zone,
        tls_chain: config.tls.as_ref().map(|files| files.cert.clone()),
    });
    let limits = listener::Limits {
        header_read_timeout: config.header_read_timeout,
        idle_timeout: config.idle_timeout,
        connections_per_address: config.connections_per_address,
        trusted_proxies: config.trusted_proxies.clone(),
    };
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = listener::serve(socket, app, limits, acceptor, async {
            let _ = stopped.await;
        })
        .await;
        housekeeping.abort();
        deliveries.abort();
        served
    });
    tracing::info!(%addr, scheme, "gateway listening");
    Ok(RunningGateway {
        addr,
        scheme,
        shutdown,
        task,
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
