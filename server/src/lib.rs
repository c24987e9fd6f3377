//! The Qianpi sync gateway (qianpi-gateway): the office side the phones talk to. It registers
//! devices, verifies every signed request, serves each user's change feed, and decides pushed
//! commands with the same workflow code the phones run. Embedded SQLite in a data folder that is
//! created and migrated on first start.
//!
//! [`start`] runs it in-process (the demo and the tests do); the `qianpi-gateway` binary wraps it.

pub mod admin;
pub mod auth;
pub mod commands;
pub mod db;
pub mod devices;
pub mod error;
pub mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use error::ApiError;

/// How to run a gateway.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The data folder (created on first start).
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Seed the demo unit when the database is new.
    pub seed_demo: bool,
    /// The scheme clients use to reach this gateway (`https` behind a TLS terminator).
    pub public_scheme: String,
}

/// Errors starting a gateway.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The database could not be opened or seeded.
    #[error("the gateway database could not be prepared: {0}")]
    Database(#[from] ApiError),
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
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningGateway {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL phones use.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
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

/// Opens (creating, migrating, seeding) the database in the config's data folder.
pub fn open_database(config: &GatewayConfig) -> Result<db::Db, GatewayError> {
    let (db, created) = db::Db::open(&config.data_dir)?;
    if created && config.seed_demo {
        admin::seed_demo(&db)?;
        tracing::info!("seeded the demo unit");
    }
    Ok(db)
}

/// Starts a gateway on `config.listen`.
pub async fn start(config: GatewayConfig) -> Result<RunningGateway, GatewayError> {
    let db = open_database(&config)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| GatewayError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| GatewayError::Bind {
        addr: config.listen,
        source,
    })?;
    let app = routes::router(routes::AppState {
        db,
        scheme: config.public_scheme.clone(),
    });
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, "gateway listening");
    Ok(RunningGateway {
        addr,
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
