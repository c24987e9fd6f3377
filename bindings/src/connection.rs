//! The phone's connection settings as the shells hand them in: the deployment's CA certificates
//! and SPKI pins (from the activation QR code, kept with the account), and the proxy of the
//! network the phone is on now (the shell reads the system's proxy settings and passes them
//! whenever the network changes; the core never guesses one). Conversion only.

use crate::error::invalid_settings;
use crate::{QianpiClient, QianpiError};
use qianpi_core::link::{Proxy, Trust};

/// How to reach the deployment's gateway securely, passed to `QianpiClient.activate`.
///
/// The gateway's certificate is checked against `trust_anchors_pem` only (no public or system
/// CAs), then against `pins`. Anchors and pins are kept with the account: later syncs use them
/// without being given them again.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ConnectionSettings {
    /// The deployment's CA certificates, PEM (one or more `-----BEGIN CERTIFICATE-----`
    /// blocks), as the activation QR code carries them. Empty only for a development gateway
    /// on plain http on this machine.
    pub trust_anchors_pem: String,
    /// SPKI pins, each `sha256/<base64 of the SHA-256 of a SubjectPublicKeyInfo (DER)>`, as
    /// `qianpi-gateway tls init` prints them; one of them must match a certificate of the chain
    /// the gateway presents. Either none, or at least two (the pin in use and a backup): a
    /// single pin is refused with `InvalidSettings` (`no_backup_pin`).
    pub pins: Vec<String>,
    /// The proxy of the current network, if any (see `QianpiClient.set_proxy`).
    pub proxy: Option<ProxySettings>,
}

/// An HTTP(S) proxy with its credentials, if it asks for them. An https gateway is reached
/// through it with CONNECT: the proxy sees the gateway's address, never what is said.
#[derive(Clone, uniffi::Record)]
pub struct ProxySettings {
    /// `http://host:port` (or `https://`).
    pub url: String,
    /// The proxy user, if the proxy asks for one.
    pub username: Option<String>,
    /// The proxy password.
    pub password: Option<String>,
}

impl std::fmt::Debug for ProxySettings {
    /// Leaves the password out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxySettings")
            .field("url", &self.url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl ConnectionSettings {
    /// The core's checked trust.
    pub(crate) fn trust(&self) -> Result<Trust, QianpiError> {
        Trust::new(&self.trust_anchors_pem, &self.pins).map_err(|e| invalid_settings(&e))
    }
}

/// The core's checked proxy.
pub(crate) fn proxy(settings: Option<ProxySettings>) -> Result<Option<Proxy>, QianpiError> {
    settings
        .map(|p| Proxy::new(&p.url, p.username, p.password).map_err(|e| invalid_settings(&e)))
        .transpose()
}

#[uniffi::export]
impl QianpiClient {
    /// Sets the HTTP(S) proxy of the network the phone is on now, or clears it (`null`/`nil`:
    /// connect directly). Call it at start and whenever the network changes; every connection
    /// from then on (sync, downloads, address book) goes through it. A proxy refusing shows as
    /// `ProxyRefused` or `ProxyAuthRequired`; one that reads secure connections as
    /// `Interception`. A malformed address is refused with `InvalidSettings` (`bad_proxy`).
    pub fn set_proxy(&self, proxy: Option<ProxySettings>) -> Result<(), QianpiError> {
        self.inner.set_proxy(self::proxy(proxy)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_pin_is_refused_with_its_code() {
        let settings = ConnectionSettings {
            trust_anchors_pem: String::new(),
            pins: vec!["sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()],
            proxy: None,
        };
        match settings.trust() {
            Err(QianpiError::InvalidSettings { code, .. }) => assert_eq!(code, "no_backup_pin"),
            other => panic!("{other:?}"),
        }
        let bad = ProxySettings {
            url: "ftp://proxy".into(),
            username: None,
            password: Some("secret".into()),
        };
        assert!(!format!("{bad:?}").contains("secret"));
        match proxy(Some(bad)) {
            Err(QianpiError::InvalidSettings { code, .. }) => assert_eq!(code, "bad_proxy"),
            other => panic!("{other:?}"),
        }
    }
}
