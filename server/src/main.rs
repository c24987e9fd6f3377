//! `qianpi-gateway`: run the sync gateway, or administer its database from the command line.
//!
//! ```text
//! qianpi-gateway serve --data-dir ./gateway-data --listen 127.0.0.1:8440
//! qianpi-gateway issue-code --data-dir ./gateway-data --login wangjianguo
//! ```

use clap::{Parser, Subcommand};
use qianpi_gateway::{admin, open_database, start, GatewayConfig, Location};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "qianpi-gateway", about = "The Qianpi sync gateway", version)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Run the gateway until Ctrl-C or SIGTERM.
    Serve {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8440")]
        listen: SocketAddr,
        /// Do not seed the demo unit into a new database.
        #[arg(long)]
        no_demo: bool,
        /// The scheme phones use to reach this gateway (https when a TLS terminator fronts it).
        #[arg(long, default_value = "http")]
        public_scheme: String,
    },
    /// Issue a one-time activation code for a user; prints the code.
    IssueCode {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The user's login.
        #[arg(long)]
        login: String,
    },
}

/// Where the gateway's data lives.
#[derive(clap::Args, Clone)]
struct DatabaseArgs {
    /// The data folder for embedded SQLite (created and migrated on first start).
    #[arg(long, default_value = "gateway-data")]
    data_dir: PathBuf,
    /// PostgreSQL instead of SQLite: `postgres://user@host:port/db`.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
}

impl DatabaseArgs {
    fn location(&self) -> Location {
        match &self.database_url {
            Some(url) => Location::Postgres(url.clone()),
            None => Location::Folder(self.data_dir.clone()),
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("qianpi-gateway: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Commands::Serve {
            database,
            listen,
            no_demo,
            public_scheme,
        } => {
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut config = GatewayConfig::new(database.location(), listen, !no_demo);
                config.public_scheme = public_scheme;
                let gateway = start(config).await.map_err(|e| e.to_string())?;
                // Scripts wait for this line to know the gateway is ready.
                println!("listening on {}", gateway.url());
                gateway.run_until_signal().await.map_err(|e| e.to_string())
            })
        }
        Commands::IssueCode { database, login } => {
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let config = GatewayConfig::new(
                    database.location(),
                    SocketAddr::from(([127, 0, 0, 1], 0)),
                    true,
                );
                let db = open_database(&config).await.map_err(|e| e.to_string())?;
                let code =
                    admin::issue_activation_code(&db, &login, chrono::Utc::now().timestamp())
                        .await
                        .map_err(|e| e.message)?;
                println!("{code}");
                Ok(())
            })
        }
    }
}
