//! Activation as the shells drive it: the activation QR code's text read into what `activate`
//! takes, the platform's attestation service as a foreign trait (Android Key Attestation, Apple
//! App Attest), waiting for an administrator's approval, and the device page of the settings
//! (its fingerprint words, the unit's lock time). Conversion only; the rules live in the core
//! and the protocol.

use crate::connection::ConnectionSettings;
use crate::convert::AccountInfo;
use crate::{blocking, runtime, QianpiClient, QianpiError};
use qianpi_core::client::{self as core_client, Attestation};
use qianpi_core::keys::PlatformKeyError;
use qianpi_core::protocol::invite::{Invite, InviteError};
use std::sync::Arc;
use std::time::SystemTime;

/// What an activation QR code says: where to activate, for whom, with which code, and how to
/// check the gateway's certificate.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ActivationInvite {
    /// The gateway's address.
    pub server_url: String,
    /// The login the code was issued for, when the code names it (otherwise the person types
    /// it).
    pub login: Option<String>,
    /// The one-time activation code.
    pub code: String,
    /// The deployment's CA certificates and pins; `null`/`nil` for a development gateway on
    /// plain http on this machine. Pass it to `activate` as it is (its proxy is empty: set the
    /// current network's).
    pub settings: Option<ConnectionSettings>,
}

/// Reads the text of an activation QR code
/// (`qianpi://activate?v=1&url=…&login=…&code=…&pin=…&pin=…&ca=…`). Anything else — another
/// QR code, a plain http address that is not this machine, an unknown parameter, a malformed
/// certificate or pin, a single pin without a backup — is `InvalidInput` with a Chinese and an
/// English sentence.
#[uniffi::export]
pub fn parse_activation_invite(text: String) -> Result<ActivationInvite, QianpiError> {
    let invite = Invite::parse(&text).map_err(|e| invite_error(&e))?;
    let settings = (!invite.pins.is_empty() || !invite.ca_certificates.is_empty()).then(|| {
        ConnectionSettings {
            trust_anchors_pem: invite.anchors_pem(),
            pins: invite.pin_strings(),
            proxy: None,
        }
    });
    if let Some(settings) = &settings {
        settings.trust().map_err(|e| QianpiError::InvalidInput {
            reason: format!("the activation code's certificates are not usable: {e}"),
            reason_zh: InviteError::BadCertificate.message_zh().to_owned(),
        })?;
    }
    Ok(ActivationInvite {
        server_url: invite.server_url,
        login: invite.login,
        code: invite.code,
        settings,
    })
}

fn invite_error(e: &InviteError) -> QianpiError {
    QianpiError::InvalidInput {
        reason: e.to_string(),
        reason_zh: e.message_zh().to_owned(),
    }
}

/// What the platform says about where the device keys live.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PlatformAttestation {
    /// Android Key Attestation: the approval key's certificate chain (DER), leaf first.
    AndroidKey {
        /// Leaf first, root last.
        chain: Vec<Vec<u8>>,
    },
    /// Apple App Attest: the App Attest key id and the attestation object `attestKey` returned
    /// for the SHA-256 of the client data.
    AppleAppAttest {
        /// The App Attest key id (its raw bytes).
        key_id: Vec<u8>,
        /// The attestation object (CBOR).
        attestation_object: Vec<u8>,
    },
}

/// The platform's attestation service, given to `activate`. Called on a background thread; it
/// may block (App Attest asks Apple's servers).
#[uniffi::export(with_foreign)]
pub trait Attester: Send + Sync {
    /// The gateway's one-time challenge, BEFORE the device keys are created (Android: create
    /// them with `setAttestationChallenge(challenge)`; iOS: keep it for `evidence`).
    fn begin(&self, challenge: Vec<u8>) -> Result<(), QianpiError>;
    /// The evidence for the keys just created: Android the certificate chain of the key named
    /// `approval_alias`; iOS App Attest over SHA-256 of `client_data`. `null`/`nil` when this
    /// device cannot attest (the gateway records it as unattested).
    fn evidence(
        &self,
        approval_alias: String,
        client_data: Vec<u8>,
    ) -> Result<Option<PlatformAttestation>, QianpiError>;
}

/// A foreign attester seen as the core's.
pub(crate) struct ForeignAttester(pub Arc<dyn Attester>);

impl core_client::Attester for ForeignAttester {
    fn begin(&self, challenge: Vec<u8>) -> Result<(), PlatformKeyError> {
        self.0
            .begin(challenge)
            .map_err(|e| PlatformKeyError::new(e.to_string()))
    }

    fn evidence(
        &self,
        approval_alias: String,
        client_data: Vec<u8>,
    ) -> Result<Option<Attestation>, PlatformKeyError> {
        let evidence = self
            .0
            .evidence(approval_alias, client_data)
            .map_err(|e| PlatformKeyError::new(e.to_string()))?;
        Ok(evidence.map(|e| match e {
            PlatformAttestation::AndroidKey { chain } => Attestation::AndroidKey { chain },
            PlatformAttestation::AppleAppAttest {
                key_id,
                attestation_object,
            } => Attestation::AppleAppAttest {
                key_id,
                object: attestation_object,
            },
        }))
    }
}

/// The device as the settings show it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeviceInfo {
    /// Device id at the gateway.
    pub device_id: String,
    /// The name it registered (`null`/`nil` for a device bound before the phone kept it).
    pub name: Option<String>,
    /// `android`, `ios` or `terminal`.
    pub platform: Option<String>,
    /// How its keys are held: the level the gateway recorded after checking the attestation
    /// (`software`, `unattested`, `tee`, `strongbox`, `secure_enclave`), or, from a gateway that
    /// does not say, the phone's own word (`attestation_sent` when it sent evidence).
    pub assurance: Option<String>,
    /// When the gateway bound it.
    pub activated_at: Option<SystemTime>,
    /// Request key id (`dk_…`).
    pub request_key_id: String,
    /// Approval key id (`ak_…`).
    pub approval_key_id: String,
    /// 设备指纹词 — the words the administrator sees beside this device.
    pub fingerprint_words: Vec<String>,
    /// The same fingerprint as numbers (`042 218 …`), for English.
    pub fingerprint_digits: String,
    /// The gateway's address.
    pub server_url: String,
    /// Whether it still waits for an administrator's approval.
    pub pending_approval: bool,
}

impl From<core_client::DeviceInfo> for DeviceInfo {
    fn from(info: core_client::DeviceInfo) -> Self {
        DeviceInfo {
            device_id: info.account.device_id,
            name: info.binding.device_name,
            platform: info.binding.platform,
            assurance: info.binding.assurance,
            activated_at: info.binding.activated_at.map(Into::into),
            request_key_id: info.account.request_key_id,
            approval_key_id: info.account.approval_key_id,
            fingerprint_words: info.fingerprint_words,
            fingerprint_digits: info.fingerprint_digits,
            server_url: info.account.server_url,
            pending_approval: info.binding.pending_approval,
        }
    }
}

#[uniffi::export]
impl QianpiClient {
    /// Asks the gateway whether the administrator approved this device: `pending_approval`
    /// turns false once approved (and stays so). `Refused` with code `device_revoked` when the
    /// administrator refused it instead; `Unreachable` offline.
    pub async fn check_activation(&self) -> Result<AccountInfo, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let activation = runtime()?
            .spawn(async move { inner.check_activation().await })
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })??;
        Ok(activation.into())
    }

    /// The device page of the settings; `null`/`nil` before activation.
    pub async fn device_info(&self) -> Result<Option<DeviceInfo>, QianpiError> {
        blocking(&self.inner, |client| {
            Ok(client.device_info()?.map(Into::into))
        })
        .await
    }

    /// How many seconds the data stays unlocked without use now: the unit's policy as the
    /// gateway last sent it (followed from the sync that brought it), or what
    /// `set_inactivity_lock_seconds` set since.
    pub fn inactivity_lock_seconds(&self) -> u64 {
        self.inner.inactivity_lock().as_secs()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    fn ca_der() -> Vec<u8> {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().der().to_vec()
    }

    fn invite(pins: usize) -> Invite {
        Invite {
            server_url: "https://oa.example.gov.cn:8440/".into(),
            login: Some("wangjianguo".into()),
            code: "ABCD2345".into(),
            pins: (0..pins).map(|i| [u8::try_from(i).unwrap(); 32]).collect(),
            ca_certificates: vec![ca_der()],
        }
    }

    #[test]
    fn an_invite_gives_what_activate_takes() {
        let parsed = parse_activation_invite(invite(2).to_text()).unwrap();
        assert_eq!(parsed.server_url, "https://oa.example.gov.cn:8440/");
        assert_eq!(parsed.login.as_deref(), Some("wangjianguo"));
        assert_eq!(parsed.code, "ABCD2345");
        let settings = parsed.settings.unwrap();
        assert!(settings
            .trust_anchors_pem
            .starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(settings.pins.len(), 2);
        assert!(settings.pins[0].starts_with("sha256/"));
        settings.trust().unwrap();
        // A development gateway on this machine: no settings at all.
        let local = parse_activation_invite(
            "qianpi://activate?v=1&url=http%3A%2F%2F127.0.0.1%3A8080&code=ABCD2345".into(),
        )
        .unwrap();
        assert!(local.settings.is_none() && local.login.is_none());
    }

    #[test]
    fn a_wrong_text_is_invalid_input_in_both_languages() {
        for text in [
            "https://example.com".to_owned(),
            "qianpi://activate?v=1&url=http://oa.example.gov.cn&code=ABCD2345".to_owned(),
            // One pin without its backup reads as an invite but cannot be used.
            invite(1).to_text(),
        ] {
            match parse_activation_invite(text) {
                Err(e @ QianpiError::InvalidInput { .. }) => {
                    assert!(e.message_zh().contains("二维码"), "{}", e.message_zh());
                    assert!(!e.message_en().is_empty());
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
