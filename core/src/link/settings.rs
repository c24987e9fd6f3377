//! How the phone connects to its deployment: the deployment's own trust anchors (its CA
//! certificates, PEM), the SPKI pins checked after them (with at least one backup pin, so a key
//! rollover never locks phones out), and the HTTP(S) proxy the shell found on the current
//! network. Anchors and pins come with the activation QR code and are kept with the account;
//! the proxy changes with the network, so the shell hands it in afresh.

use crate::crypto;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::CertificateDer;
use serde::{Deserialize, Serialize};

/// The prefix of a pin: the base64 SHA-256 of a certificate's SubjectPublicKeyInfo (DER).
pub const PIN_PREFIX: &str = "sha256/";

/// What a deployment's connection settings can get wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// The trust anchors are not PEM certificates.
    #[error("the trust anchors are not PEM certificates: {0}")]
    BadTrustAnchor(String),
    /// A pin is not `sha256/<base64 of 32 bytes>`.
    #[error("the pin {0} is not sha256/<base64 of the SubjectPublicKeyInfo's SHA-256>")]
    BadPin(String),
    /// Only one pin: a key rollover would lock every phone out.
    #[error("one pin is not enough: give the pin in use and at least one backup pin")]
    NoBackupPin,
    /// Pins without a trust anchor: the pins are checked after the CA, never instead of it.
    #[error("pins were given without the deployment's CA certificate")]
    PinsWithoutAnchor,
    /// The proxy address is not an http(s) URL.
    #[error("the proxy address {0} is not an http:// or https:// URL")]
    BadProxy(String),
}

/// The deployment's trust: its CA certificates and the SPKI pins, kept with the account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trust {
    /// The deployment's CA certificates, PEM (one or more); empty for a development gateway on
    /// plain http on this machine.
    pub anchors_pem: String,
    /// `sha256/<base64>` of a SubjectPublicKeyInfo; one of them must match a certificate of the
    /// chain the gateway presents. Empty (no pinning) or at least two.
    pub pins: Vec<String>,
}

impl Trust {
    /// Checked trust settings: the anchors parse, the pins are well formed and include a backup.
    pub fn new(anchors_pem: &str, pins: &[String]) -> Result<Trust, SettingsError> {
        let trust = Trust {
            anchors_pem: anchors_pem.trim().to_owned(),
            pins: pins.iter().map(|p| p.trim().to_owned()).collect(),
        };
        trust.anchors()?;
        trust.pin_hashes()?;
        Ok(trust)
    }

    /// The anchors as DER certificates.
    pub fn anchors(&self) -> Result<Vec<CertificateDer<'static>>, SettingsError> {
        if self.anchors_pem.is_empty() {
            return Ok(Vec::new());
        }
        let certs = CertificateDer::pem_slice_iter(self.anchors_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SettingsError::BadTrustAnchor(e.to_string()))?;
        if certs.is_empty() {
            return Err(SettingsError::BadTrustAnchor(
                "no CERTIFICATE block was found".into(),
            ));
        }
        Ok(certs)
    }

    /// The pins as SHA-256 digests.
    pub fn pin_hashes(&self) -> Result<Vec<[u8; 32]>, SettingsError> {
        if self.pins.len() == 1 {
            return Err(SettingsError::NoBackupPin);
        }
        if !self.pins.is_empty() && self.anchors_pem.is_empty() {
            return Err(SettingsError::PinsWithoutAnchor);
        }
        self.pins.iter().map(|pin| parse_pin(pin)).collect()
    }
}

/// The pin of a certificate's SubjectPublicKeyInfo (DER): `sha256/<base64>`.
pub fn pin_of_spki(spki_der: &[u8]) -> String {
    format!("{PIN_PREFIX}{}", STANDARD.encode(crypto::sha256(spki_der)))
}

/// The pin of a certificate (DER), or none if it does not parse.
pub fn pin_of_certificate(der: &[u8]) -> Option<String> {
    let der = CertificateDer::from(der);
    let cert = webpki::EndEntityCert::try_from(&der).ok()?;
    Some(pin_of_spki(cert.subject_public_key_info().as_ref()))
}

fn parse_pin(pin: &str) -> Result<[u8; 32], SettingsError> {
    pin.strip_prefix(PIN_PREFIX)
        .and_then(|b64| STANDARD.decode(b64).ok())
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| SettingsError::BadPin(pin.to_owned()))
}

/// An HTTP(S) proxy the shell found on the current network, with its credentials if it asks
/// for them. Requests to an https gateway go through it with CONNECT, so the proxy sees only
/// the gateway's address, never what is said.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// `http://host:port` (or https).
    pub url: String,
    /// The proxy user, if it asks for one.
    pub username: Option<String>,
    /// The proxy password.
    pub password: Option<String>,
}

impl std::fmt::Debug for Proxy {
    /// Leaves the password out: settings end up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("url", &self.url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// A checked proxy setting.
    pub fn new(
        url: &str,
        username: Option<String>,
        password: Option<String>,
    ) -> Result<Proxy, SettingsError> {
        let proxy = Proxy {
            url: url.trim().to_owned(),
            username: username.filter(|u| !u.is_empty()),
            password,
        };
        proxy.reqwest()?;
        Ok(proxy)
    }

    /// The proxy as reqwest takes it, for every scheme.
    pub(super) fn reqwest(&self) -> Result<reqwest::Proxy, SettingsError> {
        let bad = || SettingsError::BadProxy(self.url.clone());
        let parsed = reqwest::Url::parse(&self.url).map_err(|_| bad())?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(bad());
        }
        let mut proxy = reqwest::Proxy::all(parsed).map_err(|_| bad())?;
        if let Some(user) = &self.username {
            proxy = proxy.basic_auth(user, self.password.as_deref().unwrap_or_default());
        }
        Ok(proxy)
    }
}

/// Everything a connection to the gateway needs besides its address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// The deployment's CA certificates and pins.
    pub trust: Trust,
    /// The proxy of the current network, if any.
    pub proxy: Option<Proxy>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca_pem() -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().pem()
    }

    fn pin(byte: u8) -> String {
        format!("{PIN_PREFIX}{}", STANDARD.encode([byte; 32]))
    }

    #[test]
    fn a_single_pin_is_refused_for_want_of_a_backup() {
        let ca = ca_pem();
        assert_eq!(Trust::new(&ca, &[pin(1)]), Err(SettingsError::NoBackupPin));
        let trust = Trust::new(&ca, &[pin(1), pin(2)]).unwrap();
        assert_eq!(trust.pin_hashes().unwrap(), vec![[1; 32], [2; 32]]);
        assert_eq!(trust.anchors().unwrap().len(), 1);
    }

    #[test]
    fn malformed_anchors_pins_and_proxies_are_named() {
        let ca = ca_pem();
        assert!(matches!(
            Trust::new("not a certificate", &[]),
            Err(SettingsError::BadTrustAnchor(_))
        ));
        let short = format!("{PIN_PREFIX}{}", STANDARD.encode([1u8; 20]));
        assert_eq!(
            Trust::new(&ca, &[pin(1), short.clone()]),
            Err(SettingsError::BadPin(short))
        );
        assert!(matches!(
            Trust::new(&ca, &["md5/abc".into(), pin(1)]),
            Err(SettingsError::BadPin(_))
        ));
        assert_eq!(
            Trust::new("", &[pin(1), pin(2)]),
            Err(SettingsError::PinsWithoutAnchor)
        );
        assert!(matches!(
            Proxy::new("socks5://127.0.0.1:1080", None, None),
            Err(SettingsError::BadProxy(_))
        ));
        let proxy = Proxy::new(
            "http://127.0.0.1:3128",
            Some("u".into()),
            Some("secret".into()),
        )
        .unwrap();
        assert!(!format!("{proxy:?}").contains("secret"));
    }
}
