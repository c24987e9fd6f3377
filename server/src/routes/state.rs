//! What every handler shares: the database, the statement key and the deployment's settings.

use crate::db::Db;

/// What every handler needs.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The statement key: receipts, checkpoints, notices, wipe commands.
    pub key: std::sync::Arc<qianpi_protocol::statement::GatewayKey>,
    /// The scheme clients use to reach this gateway, for the signed `@target-uri`.
    pub scheme: String,
    /// Activation attempts one source address may make per minute.
    pub activations_per_minute: i64,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: std::sync::Arc<crate::forwarded::TrustedProxies>,
    /// A pushed batch is decided in one transaction ([`crate::GatewayConfig::group_commit`]).
    pub group_commit: bool,
    /// The roots and settings phones' attestation evidence is verified against.
    pub attestation: std::sync::Arc<crate::attestation::Trust>,
    /// The zone the console shows times in (Asia/Shanghai unless configured).
    pub time_zone: chrono_tz::Tz,
    /// The certificate chain the gateway serves itself (`serve --tls-cert`): activation invites
    /// made in the console carry its CA and pins, as `issue-code --tls-cert` does.
    pub tls_chain: Option<std::path::PathBuf>,
}
