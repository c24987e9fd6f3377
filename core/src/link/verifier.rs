//! The one certificate verifier of the phone: WebPKI validation against the deployment's own CA
//! certificates only (no public roots, no platform verifier), then the SPKI pin check against
//! any certificate of the chain presented. The time it validates at is the phone's clock; when
//! a certificate fails only because that clock is far from the gateway's (as last learned), the
//! refusal says so, so the user fixes the clock instead of calling the administrator.

use super::settings::{SettingsError, Trust};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use std::sync::Arc;

/// Why the verifier refused a chain WebPKI accepted (or would have, at the gateway's time).
/// Carried inside `rustls::Error::InvalidCertificate(CertificateError::Other(..))` and found
/// again by the link's error classification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No certificate of the chain has a pinned public key.
    #[error("no certificate of the chain matches the deployment's pins")]
    PinMismatch,
    /// The certificate is valid at the gateway's time as last learned, not at the phone's.
    #[error("the certificate is valid at the gateway's time but not at this phone's clock (off by {offset_ms} ms)")]
    ClockSkew {
        /// Server time minus device time, in milliseconds, as last learned.
        offset_ms: i64,
    },
}

/// WebPKI on the deployment's anchors, then the pins.
#[derive(Debug)]
pub(crate) struct PinningVerifier {
    /// None when no anchor is configured: every certificate is then of an unknown issuer.
    webpki: Option<Arc<WebPkiServerVerifier>>,
    pins: Vec<[u8; 32]>,
    /// Server time minus device time as last learned, if ever.
    learned_offset_ms: Option<i64>,
    provider: Arc<CryptoProvider>,
}

impl PinningVerifier {
    pub(crate) fn new(
        trust: &Trust,
        provider: Arc<CryptoProvider>,
        learned_offset_ms: Option<i64>,
    ) -> Result<PinningVerifier, SettingsError> {
        let anchors = trust.anchors()?;
        let webpki = if anchors.is_empty() {
            None
        } else {
            let mut roots = rustls::RootCertStore::empty();
            for anchor in anchors {
                roots
                    .add(anchor)
                    .map_err(|e| SettingsError::BadTrustAnchor(e.to_string()))?;
            }
            let verifier =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                    .build()
                    .map_err(|e| SettingsError::BadTrustAnchor(e.to_string()))?;
            Some(verifier)
        };
        Ok(PinningVerifier {
            webpki,
            pins: trust.pin_hashes()?,
            learned_offset_ms,
            provider,
        })
    }

    fn pinned(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
    ) -> bool {
        self.pins.is_empty()
            || std::iter::once(end_entity)
                .chain(intermediates)
                .filter_map(|cert| webpki::EndEntityCert::try_from(cert).ok())
                .any(|cert| {
                    let digest = crate::crypto::sha256(cert.subject_public_key_info().as_ref());
                    self.pins.iter().any(|pin| pin[..] == digest[..])
                })
    }
}

fn refusal(refusal: Refusal) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(refusal))))
}

fn is_out_of_time(error: &rustls::Error) -> bool {
    matches!(
        error,
        rustls::Error::InvalidCertificate(
            CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. }
        )
    )
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let webpki = self
            .webpki
            .as_ref()
            .ok_or(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ))?;
        if let Err(error) =
            webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            // Out of its validity at the phone's clock: is it within it at the gateway's? The
            // chain is refused either way; only the advice differs.
            if let (true, Some(offset_ms)) = (is_out_of_time(&error), self.learned_offset_ms) {
                let corrected = (now.as_secs() as i64).saturating_add(offset_ms / 1000);
                let at_gateway = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                    u64::try_from(corrected).unwrap_or(0),
                ));
                if webpki
                    .verify_server_cert(
                        end_entity,
                        intermediates,
                        server_name,
                        ocsp_response,
                        at_gateway,
                    )
                    .is_ok()
                {
                    return Err(refusal(Refusal::ClockSkew { offset_ms }));
                }
            }
            return Err(error);
        }
        if !self.pinned(end_entity, intermediates) {
            return Err(refusal(Refusal::PinMismatch));
        }
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
            &self.provider.signature_verification_algorithms,
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
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The phone's clock as rustls asks for it.
pub(crate) struct ClockTime(pub(crate) super::Clock);

impl std::fmt::Debug for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClockTime")
    }
}

impl rustls::time_provider::TimeProvider for ClockTime {
    fn current_time(&self) -> Option<UnixTime> {
        let secs = u64::try_from((self.0)().timestamp()).ok()?;
        Some(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            secs,
        )))
    }
}

#[cfg(test)]
#[path = "verifier_tests.rs"]
mod tests;
