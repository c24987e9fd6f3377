//! The terminal's connection settings: the deployment's CA certificate and pins given once at
//! `activate` (kept with the account), and the proxy of the network given to any command that
//! talks to the gateway (`--proxy`, a global option; the password comes from an environment
//! variable so it stays out of the shell history and `ps`).

use clap::Args;
use qianpi_core::link::{Proxy, Trust};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The proxy options every command takes.
#[derive(Args, Debug, Default)]
pub struct ProxyArgs {
    /// Reach the gateway through this HTTP(S) proxy (http://host:port); https goes through it
    /// with CONNECT.
    #[arg(long, global = true)]
    proxy: Option<String>,
    /// The proxy's user name, if it asks for one.
    #[arg(long, global = true, requires = "proxy")]
    proxy_user: Option<String>,
    /// The environment variable holding the proxy's password.
    #[arg(long, global = true, requires = "proxy_user")]
    proxy_password_env: Option<String>,
}

/// The proxy every client this process opens goes through.
static PROXY: OnceLock<Option<Proxy>> = OnceLock::new();

impl ProxyArgs {
    /// Checks the options and makes them the proxy of every client opened from now on.
    pub fn install(self) -> Result<(), String> {
        let proxy = match self.proxy {
            None => None,
            Some(url) => {
                let password = match &self.proxy_password_env {
                    Some(var) => Some(std::env::var(var).map_err(|_| {
                        format!("set {var} to the proxy password (--proxy-password-env)")
                    })?),
                    None => None,
                };
                Some(Proxy::new(&url, self.proxy_user, password).map_err(|e| e.to_string())?)
            }
        };
        // Set once, before any client is opened.
        let _ = PROXY.set(proxy);
        Ok(())
    }
}

/// The proxy given on the command line, if any.
pub fn proxy() -> Option<Proxy> {
    PROXY.get().cloned().flatten()
}

/// The deployment's trust from `--ca <pem file>` and `--pin`s: at least two pins when any (the
/// pin in use and a backup, as `qianpi-gateway tls init` prints them).
pub fn trust(ca: Option<&Path>, pins: &[String]) -> Result<Trust, String> {
    let pem = match ca {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the CA certificate {}: {e}", path.display()))?,
        None => String::new(),
    };
    Trust::new(&pem, pins).map_err(|e| e.to_string())
}

/// `--ca` and `--pin` of `qianpi activate`.
#[derive(Args, Debug)]
pub struct TrustArgs {
    /// The deployment's CA certificate(s), a PEM file (`ca.pem` of `qianpi-gateway tls init`).
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// An SPKI pin, sha256/<base64>; give the pin in use and at least one backup.
    #[arg(long = "pin")]
    pub pins: Vec<String>,
}
