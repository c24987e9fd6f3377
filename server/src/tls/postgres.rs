//! PostgreSQL over TLS when the database URL asks for it, with libpq's words:
//! `sslmode=require` encrypts without checking the server's certificate; `sslmode=verify-ca`
//! checks its chain against `sslrootcert=<PEM file>`; `sslmode=verify-full` checks the chain and
//! that the certificate names the host of the URL. Without `sslmode`, or with `disable` or
//! `prefer`, the connection is plain, as before. rustls on ring, through a small adaptor to the
//! `postgres` crate's connector traits.

use super::{provider, TlsError};
use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use postgres::Socket;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How a database URL asks to reach its server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// No TLS (no `sslmode`, or `disable` / `prefer`).
    Plain,
    /// TLS, the certificate unchecked (`require`).
    Require,
    /// TLS, the chain checked against these roots (`verify-ca`).
    VerifyCa(PathBuf),
    /// TLS, the chain and the host name checked (`verify-full`).
    VerifyFull(PathBuf),
}

/// `url` as the `postgres` crate reads it (the TLS settings it does not know taken out, a
/// checked mode passed as `require`), and how to reach the server.
pub fn split_url(url: &str) -> Result<(String, Mode), TlsError> {
    let (base, params, separator) = if url.contains("://") {
        match url.split_once('?') {
            Some((base, query)) => (base.to_owned(), query.split('&').collect::<Vec<_>>(), "&"),
            None => return Ok((url.to_owned(), Mode::Plain)),
        }
    } else {
        (String::new(), url.split_whitespace().collect(), " ")
    };
    let mut mode = None;
    let mut root = None;
    let mut kept = Vec::new();
    for param in params {
        match param.split_once('=') {
            Some(("sslmode", value)) => mode = Some(value.to_owned()),
            Some(("sslrootcert", value)) => root = Some(PathBuf::from(value)),
            _ => kept.push(param.to_owned()),
        }
    }
    let need_root = |mode: &str| {
        root.clone().ok_or_else(|| {
            TlsError::Config(format!(
                "sslmode={mode} in the database URL needs sslrootcert=<PEM file of the CA>"
            ))
        })
    };
    let mode = match mode.as_deref() {
        None | Some("disable") | Some("prefer") | Some("allow") => Mode::Plain,
        Some("require") => Mode::Require,
        Some("verify-ca") => Mode::VerifyCa(need_root("verify-ca")?),
        Some("verify-full") => Mode::VerifyFull(need_root("verify-full")?),
        Some(other) => {
            return Err(TlsError::Config(format!(
            "sslmode={other} in the database URL: use disable, require, verify-ca or verify-full"
        )))
        }
    };
    if mode != Mode::Plain {
        kept.push("sslmode=require".to_owned());
    }
    let rest = kept.join(separator);
    let url = match (base.is_empty(), rest.is_empty()) {
        (true, _) => rest,
        (false, true) => base,
        (false, false) => format!("{base}?{rest}"),
    };
    Ok((url, mode))
}

/// The connector for `mode`, or `None` for a plain connection.
pub fn connector(mode: &Mode) -> Result<Option<MakeRustls>, TlsError> {
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        Mode::Plain => return Ok(None),
        Mode::Require => Arc::new(Unchecked),
        Mode::VerifyCa(root) => Arc::new(IgnoreName(webpki_verifier(root)?)),
        Mode::VerifyFull(root) => webpki_verifier(root)?,
    };
    let config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Some(MakeRustls {
        config: Arc::new(config),
    }))
}

fn webpki_verifier(root: &std::path::Path) -> Result<Arc<WebPkiServerVerifier>, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in super::read_certificates(root)? {
        roots.add(cert).map_err(|e| TlsError::Certificate {
            path: root.to_owned(),
            reason: e.to_string(),
        })?;
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map_err(|e| TlsError::Config(e.to_string()))
}

/// An error and its causes on one line (the `postgres` crate's own message leaves them out),
/// with a hint when the TLS handshake is what failed.
pub fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let tls = text.contains("TLS");
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    if tls {
        text.push_str(
            " (PostgreSQL over TLS: sslrootcert must be the CA of the server's certificate, \
             and with verify-full the certificate must name the URL's host)",
        );
    }
    text
}

/// Makes a TLS connection to each PostgreSQL host.
#[derive(Clone)]
pub struct MakeRustls {
    config: Arc<ClientConfig>,
}

impl MakeTlsConnect<Socket> for MakeRustls {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnect;
    type Error = rustls::pki_types::InvalidDnsNameError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, Self::Error> {
        Ok(RustlsConnect {
            config: self.config.clone(),
            name: ServerName::try_from(domain.to_owned())?,
        })
    }
}

/// One TLS handshake with one host.
pub struct RustlsConnect {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<RustlsStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            let connector = tokio_rustls::TlsConnector::from(self.config);
            let stream = connector.connect(self.name, stream).await?;
            Ok(RustlsStream(Box::new(stream)))
        })
    }
}

/// A TLS connection to PostgreSQL.
pub struct RustlsStream(Box<tokio_rustls::client::TlsStream<Socket>>);

impl TlsStream for RustlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl AsyncRead for RustlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

/// `sslmode=require`: encrypted, the certificate not checked (the handshake's signature is).
#[derive(Debug)]
struct Unchecked;

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain checked, the host name not.
#[derive(Debug)]
struct IgnoreName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for IgnoreName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        use rustls::CertificateError::{NotValidForName, NotValidForNameContext};
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(NotValidForName))
            | Err(rustls::Error::InvalidCertificate(NotValidForNameContext { .. })) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_url_keeps_what_postgres_reads_and_gives_the_tls_mode() {
        let plain = "postgres://qianpi@127.0.0.1:54329/db";
        assert_eq!(split_url(plain).unwrap(), (plain.to_owned(), Mode::Plain));
        assert_eq!(
            split_url("postgres://u@h/db?sslmode=disable&connect_timeout=5").unwrap(),
            (
                "postgres://u@h/db?connect_timeout=5".to_owned(),
                Mode::Plain
            )
        );
        assert_eq!(
            split_url("postgres://u@h/db?sslmode=require").unwrap(),
            (
                "postgres://u@h/db?sslmode=require".to_owned(),
                Mode::Require
            )
        );
        assert_eq!(
            split_url("postgres://u@h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem").unwrap(),
            (
                "postgres://u@h/db?sslmode=require".to_owned(),
                Mode::VerifyFull("/etc/ca.pem".into())
            )
        );
        assert_eq!(
            split_url("host=h user=u sslmode=verify-ca sslrootcert=/ca.pem").unwrap(),
            (
                "host=h user=u sslmode=require".to_owned(),
                Mode::VerifyCa("/ca.pem".into())
            )
        );
        assert!(split_url("postgres://u@h/db?sslmode=verify-full").is_err());
        assert!(split_url("postgres://u@h/db?sslmode=sometimes").is_err());
    }
}
