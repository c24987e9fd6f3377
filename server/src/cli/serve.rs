//! The subcommands that run a gateway or create its database, the only two that may create one:
//!
//! ```text
//! qianpi-gateway init --data-dir ./gateway-data [--demo]
//! qianpi-gateway serve --data-dir ./gateway-data --listen 127.0.0.1:8440 [--demo] [--trusted-proxy 10.0.0.0/8]
//! qianpi-gateway serve --listen 0.0.0.0:8443 --tls-cert tls/server.pem --tls-key tls/server-key.pem
//! qianpi-gateway serve --listen 0.0.0.0:8440 --behind-proxy 10.0.0.5
//! qianpi-gateway serve ... --apple-app-id ABCDE12345.cn.qianpi.app --attestation-status status.json
//! ```
//!
//! Plain HTTP is served on loopback only, unless `--behind-proxy` names the TLS-terminating proxy
//! in front of the gateway (which then is trusted for `X-Forwarded-For`, and the public scheme is
//! https); with `--tls-cert`/`--tls-key` the gateway serves HTTPS itself on any address.
//!
//! A new database is empty unless `--demo` asks for the demo unit (山西省农业厅办公室 and its
//! three people), so a production gateway never holds accounts nobody created.

use super::DatabaseArgs;
use clap::Subcommand;
use qianpi_gateway::attestation::AppleEnvironment;
use qianpi_gateway::forwarded::{Network, TrustedProxies};
use qianpi_gateway::tls::TlsFiles;
use qianpi_gateway::{listener, load_statement_key, open_database, start, Location};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Running a gateway, creating its database.
// Parsed once at start; the size of `serve`'s many options costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum Commands {
    /// Run the gateway until Ctrl-C or SIGTERM; creates and migrates the database if needed.
    Serve {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8440")]
        listen: SocketAddr,
        /// Seed the demo unit into a new database.
        #[arg(long)]
        demo: bool,
        /// A new database is empty by default; kept so older scripts still start.
        #[arg(long, hide = true, conflicts_with = "demo")]
        no_demo: bool,
        /// The scheme phones use to reach this gateway (https when a TLS terminator fronts it).
        #[arg(long, default_value = "http")]
        public_scheme: String,
        /// A reverse proxy (address or network, e.g. 10.0.0.0/8) whose X-Forwarded-For names the
        /// client; repeatable. Its connections are not capped per address.
        #[arg(long = "trusted-proxy", value_name = "IP or CIDR")]
        trusted_proxies: Vec<Network>,
        /// PEM certificate chain to serve HTTPS with (server certificate first); re-read when a
        /// renewal replaces it.
        #[arg(long, value_name = "PEM chain", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key of the certificate.
        #[arg(long, value_name = "PEM key", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// The TLS-terminating proxy (address or network) in front of the gateway; repeatable.
        /// Allows plain HTTP off loopback, trusts its X-Forwarded-For, and makes the public
        /// scheme https.
        #[arg(long = "behind-proxy", value_name = "IP or CIDR")]
        behind_proxy: Vec<Network>,
        /// Connections one address may hold at once.
        #[arg(long, default_value_t = listener::CONNECTIONS_PER_ADDRESS)]
        connections_per_address: usize,
        /// Seconds a connection has to send a complete request head.
        #[arg(long, default_value_t = listener::HEADER_READ_TIMEOUT.as_secs())]
        header_read_timeout_secs: u64,
        /// Seconds a kept-alive connection may wait for its next request.
        #[arg(long, default_value_t = listener::IDLE_TIMEOUT.as_secs())]
        idle_timeout_secs: u64,
        /// The iOS app's App ID ("TEAMID.bundle.id") whose App Attest keys are accepted;
        /// repeatable. Without one, no iPhone's attestation verifies.
        #[arg(long = "apple-app-id", value_name = "TEAMID.bundle.id")]
        apple_app_ids: Vec<String>,
        /// Accept App Attest keys of development builds instead of production ones.
        #[arg(long)]
        apple_development: bool,
        /// Google's attestation certificate status list (the JSON of
        /// https://android.googleapis.com/attestation/status), copied in by the operator; a
        /// certificate it lists as revoked or suspended fails attestation.
        #[arg(long, value_name = "JSON file")]
        attestation_status: Option<PathBuf>,
        /// The time zone the office console shows times in (an IANA name).
        #[arg(long, default_value = "Asia/Shanghai", value_name = "zone")]
        time_zone: chrono_tz::Tz,
    },
    /// Create (or migrate) the database and the statement key, without serving.
    Init {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Seed the demo unit into a new database.
        #[arg(long)]
        demo: bool,
    },
    /// Print the OpenAPI document (the same as GET /openapi.json), e.g. to generate an OA
    /// system's client where the gateway cannot be reached.
    Openapi,
}

/// Runs `serve`, `init` or `openapi`.
pub fn run(command: Commands) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    match command {
        Commands::Serve {
            database,
            listen,
            demo,
            no_demo: _,
            public_scheme,
            trusted_proxies,
            tls_cert,
            tls_key,
            behind_proxy,
            connections_per_address,
            header_read_timeout_secs,
            idle_timeout_secs,
            apple_app_ids,
            apple_development,
            attestation_status,
            time_zone,
        } => runtime.block_on(async {
            let mut config = database.config(listen, demo);
            config.time_zone = time_zone;
            config.public_scheme = if behind_proxy.is_empty() {
                public_scheme
            } else {
                "https".into()
            };
            config.behind_proxy = !behind_proxy.is_empty();
            config.trusted_proxies =
                TrustedProxies::new(trusted_proxies.into_iter().chain(behind_proxy).collect());
            config.tls = tls_cert
                .zip(tls_key)
                .map(|(cert, key)| TlsFiles::new(cert, key));
            config.connections_per_address = connections_per_address.max(1);
            config.header_read_timeout = Duration::from_secs(header_read_timeout_secs.max(1));
            config.idle_timeout = Duration::from_secs(idle_timeout_secs.max(1));
            config.attestation.apple_app_ids = apple_app_ids;
            config.attestation.apple_environment = if apple_development {
                AppleEnvironment::Development
            } else {
                AppleEnvironment::Production
            };
            config.attestation.revocation_list = attestation_status;
            let gateway = start(config).await.map_err(|e| e.to_string())?;
            // Scripts wait for this line to know the gateway is ready.
            println!("listening on {}", gateway.url());
            gateway.run_until_signal().await.map_err(|e| e.to_string())
        }),
        Commands::Init { database, demo } => {
            let config = database.config(SocketAddr::from(([127, 0, 0, 1], 0)), demo);
            let db = runtime
                .block_on(open_database(&config))
                .map_err(|e| e.to_string())?;
            let key = runtime.block_on(load_statement_key(&config, &db));
            // The PostgreSQL client must be dropped outside the runtime.
            drop(db);
            drop(runtime);
            let key = key.map_err(|e| e.to_string())?;
            match &config.database {
                Location::Folder(dir) => println!("gateway database ready in {}", dir.display()),
                Location::Postgres(_) => println!("gateway database ready on PostgreSQL"),
            }
            println!("statement key {}", key.public().key_id);
            Ok(())
        }
        Commands::Openapi => {
            let document = qianpi_gateway::openapi::document().map_err(|e| e.message)?;
            let text = serde_json::to_string_pretty(document).map_err(|e| e.to_string())?;
            println!("{text}");
            Ok(())
        }
    }
}
