//! HTTPS served by the gateway itself: rustls on the ring provider, TLS 1.2 and 1.3 only, ALPN
//! `http/1.1`, the certificate chain and key read from PEM files and re-read when a renewal
//! replaces them ([`reload`]). Beside it: the private CA of `qianpi-gateway tls init` ([`init`]),
//! PostgreSQL over TLS ([`postgres`]), and the SPKI pins phones check ([`spki_pin`]).
//!
//! A deployment either gives the gateway a certificate or puts it behind a proxy that terminates
//! TLS; plain HTTP on an address other than loopback is refused at start ([`check_plain_listen`]).

pub mod init;
pub mod postgres;
pub mod reload;

use base64::Engine as _;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often, at most, the certificate files are looked at for a renewal (at handshake time).
pub const RELOAD_CHECK: Duration = Duration::from_secs(5);

/// The only application protocol the gateway speaks.
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

/// Errors loading, generating or checking certificates and keys. Messages name files and what is
/// wrong with them, never key material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file cannot be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file holds no PEM certificate, or a certificate that does not parse.
    #[error("{path} holds no usable PEM certificate: {reason}")]
    Certificate {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file holds no usable PEM private key.
    #[error("{path} holds no usable PEM private key (PKCS#8, SEC1 or PKCS#1): {reason}")]
    Key {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The key is not the key of the certificate's first (leaf) entry.
    #[error("the key in {key} does not belong to the first certificate in {cert}")]
    Mismatch {
        /// The certificate chain file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// `tls init` would overwrite an existing file.
    #[error("{0} already exists (pass --force to replace it)")]
    Exists(PathBuf),
    /// Certificate generation failed, or a name is not a DNS name or IP address.
    #[error("cannot make the certificate: {0}")]
    Generate(String),
    /// rustls refused the configuration.
    #[error("TLS configuration refused: {0}")]
    Config(String),
    /// Plain HTTP on an address other than loopback, with no terminating proxy named.
    #[error(
        "拒绝在非本机地址 {0} 上以明文 HTTP 提供服务：请用 --tls-cert/--tls-key 启用 HTTPS，\
         或用 --behind-proxy 指明终结 TLS 的代理。\
         Refusing to serve plain HTTP on {0}, which is not a loopback address: give \
         --tls-cert and --tls-key to serve HTTPS, or --behind-proxy <IP or CIDR> for the \
         TLS-terminating proxy in front of the gateway."
    )]
    PlainOffLoopback(SocketAddr),
}

/// The certificate chain and key files a gateway serves HTTPS with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM certificate chain: the server certificate first, then any intermediates (and the CA).
    pub cert: PathBuf,
    /// PEM private key of the first certificate.
    pub key: PathBuf,
    /// How often, at most, the files are looked at for a renewal ([`RELOAD_CHECK`]).
    pub check_every: Duration,
}

impl TlsFiles {
    /// The files at `cert` and `key`, looked at for renewals every [`RELOAD_CHECK`].
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> TlsFiles {
        TlsFiles {
            cert: cert.into(),
            key: key.into(),
            check_every: RELOAD_CHECK,
        }
    }
}

/// The one crypto provider of the gateway's TLS: ring.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server configuration for `files`: TLS 1.3 and 1.2, no client certificates, ALPN
/// `http/1.1`, the certificate re-read when the files change. Fails now when the files are not
/// usable, so a wrong path is an error at start rather than at the first handshake.
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let resolver = reload::Reloading::new(files.clone())?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
    Ok(Arc::new(config))
}

/// Refuses plain HTTP on an address other than loopback unless a terminating proxy is named
/// (`behind_proxy`); with TLS any address is fine.
pub fn check_plain_listen(
    listen: SocketAddr,
    tls: bool,
    behind_proxy: bool,
) -> Result<(), TlsError> {
    if tls || behind_proxy || listen.ip().is_loopback() {
        return Ok(());
    }
    Err(TlsError::PlainOffLoopback(listen))
}

/// The certificates of a PEM file, in order.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path)?;
    let bad = |reason: String| TlsError::Certificate {
        path: path.to_owned(),
        reason,
    };
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    let leaf = chain
        .first()
        .ok_or_else(|| bad("no CERTIFICATE section".into()))?;
    webpki::EndEntityCert::try_from(leaf).map_err(|e| bad(format!("{e:?}")))?;
    Ok(chain)
}

/// The chain and key at `files`, checked to belong together.
pub fn load(files: &TlsFiles) -> Result<Arc<CertifiedKey>, TlsError> {
    let chain = read_certificates(&files.cert)?;
    let pem = read(&files.key)?;
    // The parser's error names the PEM problem, not the key's bytes.
    let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| TlsError::Key {
        path: files.key.clone(),
        reason: e.to_string(),
    })?;
    let signing = provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| TlsError::Key {
            path: files.key.clone(),
            reason: e.to_string(),
        })?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(|_| TlsError::Mismatch {
        cert: files.cert.clone(),
        key: files.key.clone(),
    })?;
    Ok(Arc::new(certified))
}

/// The pin of a certificate's public key in the HPKP / OkHttp form:
/// `sha256/<base64 of the SHA-256 of its SubjectPublicKeyInfo DER>`.
pub fn spki_pin(cert_der: &[u8]) -> Result<String, TlsError> {
    let der = CertificateDer::from(cert_der);
    let cert = webpki::EndEntityCert::try_from(&der).map_err(|e| TlsError::Certificate {
        path: PathBuf::from("(certificate)"),
        reason: format!("{e:?}"),
    })?;
    Ok(spki_der_pin(cert.subject_public_key_info().as_ref()))
}

/// The pin of a SubjectPublicKeyInfo in DER (see [`spki_pin`]).
pub fn spki_der_pin(spki_der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, spki_der);
    format!(
        "sha256/{}",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn plain_http_is_refused_off_loopback_unless_tls_or_a_proxy_is_named() {
        let public: SocketAddr = "0.0.0.0:8440".parse().unwrap();
        let loopback: SocketAddr = "127.0.0.1:8440".parse().unwrap();
        let v6: SocketAddr = "[::1]:8440".parse().unwrap();
        assert!(check_plain_listen(loopback, false, false).is_ok());
        assert!(check_plain_listen(v6, false, false).is_ok());
        let refused = check_plain_listen(public, false, false).unwrap_err();
        assert!(refused.to_string().contains("--behind-proxy"));
        assert!(refused.to_string().contains("明文"));
        assert!(check_plain_listen(public, true, false).is_ok());
        assert!(check_plain_listen(public, false, true).is_ok());
    }
}
