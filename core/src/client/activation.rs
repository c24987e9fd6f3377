//! Binding the device to a person (activation), with the platform's attestation when the shell
//! has one; waiting for an administrator's approval; and what the settings show of the device.
//!
//! With an [`Attester`], activation fetches the gateway's one-time challenge first, hands it to
//! the platform BEFORE the device keys are created (Android binds it into the keys' attestation
//! certificates), and asks for the evidence after (Android: the approval key's certificate
//! chain; iOS: App Attest over [`crate::protocol::app_attest_client_data`]). An attester that
//! fails, or a gateway without the challenge endpoint, stops the activation with
//! [`AttestationError`]: never a silent activation without the evidence the shell meant to give.
//! Without an attester no challenge is fetched.

use super::{Client, ClientError};
use crate::crypto;
use crate::keys::{PlatformKeyError, APPROVAL_KEY_ALIAS, REQUEST_KEY_ALIAS};
use crate::link::{ConnectionSettings, GatewayClient, LinkError, LinkState, Trust};
use crate::protocol::fingerprint::Fingerprint;
use crate::protocol::{app_attest_client_data, ActivateRequest, AttestationEvidence};
use crate::store::{Account, Binding};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use std::sync::Arc;

use super::sync::offset_ms;

/// The fewest and most bytes a challenge may have (the gateway sends 32).
const CHALLENGE_BYTES: std::ops::RangeInclusive<usize> = 16..=64;

/// What the platform says about where the device keys live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attestation {
    /// Android Key Attestation: the approval key's certificate chain (DER), leaf first.
    AndroidKey {
        /// Leaf first, root last.
        chain: Vec<Vec<u8>>,
    },
    /// Apple App Attest: the attested key's id and its attestation object.
    AppleAppAttest {
        /// The App Attest key id (SHA-256 of its public key).
        key_id: Vec<u8>,
        /// The attestation object (CBOR).
        object: Vec<u8>,
    },
}

impl From<Attestation> for AttestationEvidence {
    fn from(a: Attestation) -> AttestationEvidence {
        match a {
            Attestation::AndroidKey { chain } => AttestationEvidence::AndroidKey {
                chain: chain.iter().map(|c| STANDARD.encode(c)).collect(),
            },
            Attestation::AppleAppAttest { key_id, object } => AttestationEvidence::AppleAppAttest {
                key_id: STANDARD.encode(key_id),
                object: STANDARD.encode(object),
            },
        }
    }
}

/// The platform's attestation service (Android Key Attestation, Apple App Attest). It may
/// block (App Attest asks Apple's servers); no Rust lock is held while it runs.
pub trait Attester: Send + Sync {
    /// The gateway's challenge, before the device keys are created.
    fn begin(&self, challenge: Vec<u8>) -> Result<(), PlatformKeyError>;
    /// The evidence for the keys just created: `approval_alias` names the approval key,
    /// `client_data` is what App Attest signs the SHA-256 of. `None`: this device cannot attest
    /// (the gateway then records it as unattested, and a unit requiring attestation refuses it).
    fn evidence(
        &self,
        approval_alias: String,
        client_data: Vec<u8>,
    ) -> Result<Option<Attestation>, PlatformKeyError>;
}

/// Why an attested activation stopped.
#[derive(Debug, thiserror::Error)]
pub enum AttestationError {
    /// The platform's attestation service failed.
    #[error("the platform could not attest the device keys: {0}")]
    Attester(PlatformKeyError),
    /// The gateway has no challenge endpoint (an older gateway): it cannot check attestation.
    #[error("the gateway does not offer attestation; ask the administrator to update it")]
    NoChallenge,
    /// The challenge is not what the protocol promises.
    #[error("the gateway's attestation challenge is malformed")]
    BadChallenge,
}

impl AttestationError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            AttestationError::Attester(_) => "attester_failed",
            AttestationError::NoChallenge => "no_challenge",
            AttestationError::BadChallenge => "bad_challenge",
        }
    }
}

/// What the settings show of the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The account it is bound to.
    pub account: Account,
    /// How it registered itself, and whether it still waits for approval.
    pub binding: Binding,
    /// 设备指纹词 — the words the administrator sees beside this device.
    pub fingerprint_words: Vec<String>,
    /// The same as numbers.
    pub fingerprint_digits: String,
}

/// The words of an account's keys (empty for key ids that are not the protocol's).
pub fn fingerprint_words(account: &Account) -> Vec<String> {
    Fingerprint::from_key_ids(&account.request_key_id, &account.approval_key_id)
        .map(|f| f.words())
        .unwrap_or_default()
}

impl Client {
    /// Binds this device to `login` at a development gateway on plain http on this machine; see
    /// [`Client::activate_with`].
    pub async fn activate(
        &self,
        server_url: &str,
        login: &str,
        code: &str,
        device_name: &str,
        platform: &str,
    ) -> Result<Account, ClientError> {
        let trust = Trust::default();
        self.activate_with(server_url, &trust, login, code, device_name, platform)
            .await
    }

    /// Binds this device to `login` at the gateway with the administrator's one-time `code`:
    /// creates the request and approval keys in the platform keystore and registers them. The
    /// gateway is verified against `trust` (the deployment's CA certificates and pins, from the
    /// activation QR code), which is kept with the account for every later connection; the
    /// connection goes through the proxy set with [`Client::set_proxy`].
    pub async fn activate_with(
        &self,
        server_url: &str,
        trust: &Trust,
        login: &str,
        code: &str,
        device_name: &str,
        platform: &str,
    ) -> Result<Account, ClientError> {
        self.activate_attested(server_url, trust, login, code, device_name, platform, None)
            .await
    }

    /// [`Client::activate_with`], with the platform's attestation of the new keys when
    /// `attester` is given (see the module's notes).
    #[allow(clippy::too_many_arguments)]
    pub async fn activate_attested(
        &self,
        server_url: &str,
        trust: &Trust,
        login: &str,
        code: &str,
        device_name: &str,
        platform: &str,
        attester: Option<Arc<dyn Attester>>,
    ) -> Result<Account, ClientError> {
        let settings = ConnectionSettings {
            trust: trust.clone(),
            proxy: self.proxy(),
        };
        let state = LinkState {
            clock: self.clock.clone(),
            ..LinkState::default()
        };
        let gateway = GatewayClient::connect(server_url, &settings, state)?;
        let challenge = match &attester {
            Some(attester) => {
                let (text, bytes) = challenge(&gateway).await?;
                attester
                    .begin(bytes.clone())
                    .map_err(AttestationError::Attester)?;
                Some((text, bytes))
            }
            None => None,
        };
        let request_spki = self.signer.create_key(REQUEST_KEY_ALIAS.to_owned())?;
        let approval_spki = self.signer.create_key(APPROVAL_KEY_ALIAS.to_owned())?;
        let evidence = match (&attester, &challenge) {
            (Some(attester), Some((text, bytes))) => {
                let client_data = app_attest_client_data(bytes, &request_spki, &approval_spki);
                attester
                    .evidence(APPROVAL_KEY_ALIAS.to_owned(), client_data)
                    .map_err(AttestationError::Attester)?
                    .map(|evidence| (text.clone(), AttestationEvidence::from(evidence)))
            }
            _ => None,
        };
        let assurance = phone_assurance(platform, evidence.is_some());
        let (challenge, attestation) = evidence.unzip();
        let request = ActivateRequest {
            login: login.to_owned(),
            code: code.to_owned(),
            request_key_spki: STANDARD.encode(&request_spki),
            approval_key_spki: STANDARD.encode(&approval_spki),
            device_name: device_name.to_owned(),
            platform: platform.to_owned(),
            challenge,
            attestation,
        };
        let response = gateway.activate(&request).await?;
        if response.request_key_id != crypto::key_id("dk", &request_spki)
            || response.approval_key_id != crypto::key_id("ak", &approval_spki)
        {
            return Err(ClientError::KeyMismatch);
        }
        let account = Account {
            server_url: gateway.base_url().to_owned(),
            device_id: response.device_id,
            identity: response.identity,
            unit_name: response.unit_name,
            request_key_id: response.request_key_id,
            approval_key_id: response.approval_key_id,
            access_token: response.access_token,
            gateway_key: Some(response.gateway_key),
        };
        let binding = Binding {
            pending_approval: response.pending_approval,
            device_name: Some(device_name.to_owned()),
            platform: Some(platform.to_owned()),
            // The gateway's word (it checked the evidence) over the phone's own guess.
            assurance: Some(
                response
                    .assurance
                    .clone()
                    .unwrap_or_else(|| assurance.to_owned()),
            ),
            activated_at: Some(response.server_time),
        };
        let offset = offset_ms(response.server_time, self.device_now());
        self.store()?
            .save_activation(&account, offset, trust, &binding)?;
        Ok(account)
    }

    /// The account and how the device is bound, once activated.
    pub fn activation(&self) -> Result<Option<(Account, Binding)>, ClientError> {
        let store = self.store()?;
        let Some((account, _)) = store.account()? else {
            return Ok(None);
        };
        let binding = store.binding()?.unwrap_or_default();
        Ok(Some((account, binding)))
    }

    /// Asks the gateway whether the device may come in yet: a signed request refused with
    /// `device_pending` means the administrator has not approved it; an answer means approved
    /// (kept, so the waiting screen does not come back). Any other refusal (revoked, say) is
    /// the error it is.
    pub async fn check_activation(&self) -> Result<(Account, Binding), ClientError> {
        let (gateway, credentials) = self.gateway()?;
        let pending = match gateway.ping(&credentials).await {
            Ok(pong) => {
                let offset = offset_ms(pong.server_time, self.device_now());
                self.store()?.set_network(true, Some(offset))?;
                false
            }
            Err(LinkError::Refused { code, .. }) if code == "device_pending" => true,
            Err(e) => return Err(e.into()),
        };
        self.store()?.set_pending_approval(pending)?;
        self.activation()?.ok_or(ClientError::NotActivated)
    }

    /// What the settings show of the device; `None` before activation.
    pub fn device_info(&self) -> Result<Option<DeviceInfo>, ClientError> {
        Ok(self.activation()?.map(|(account, binding)| {
            let print =
                Fingerprint::from_key_ids(&account.request_key_id, &account.approval_key_id);
            DeviceInfo {
                fingerprint_words: print.map(|f| f.words()).unwrap_or_default(),
                fingerprint_digits: print.map(|f| f.digits()).unwrap_or_default(),
                account,
                binding,
            }
        }))
    }
}

/// The gateway's one-time challenge, as sent and as bytes.
async fn challenge(gateway: &GatewayClient) -> Result<(String, Vec<u8>), ClientError> {
    let challenge = match gateway.activation_challenge().await {
        Ok(challenge) => challenge,
        // An older gateway: no such route (its 404 or 405, with or without an error body).
        Err(LinkError::Refused {
            status: 404 | 405, ..
        }) => return Err(AttestationError::NoChallenge.into()),
        Err(LinkError::Protocol(_)) => return Err(AttestationError::NoChallenge.into()),
        Err(e) => return Err(e.into()),
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(&challenge.challenge)
        .ok()
        .filter(|b| CHALLENGE_BYTES.contains(&b.len()))
        .ok_or(AttestationError::BadChallenge)?;
    Ok((challenge.challenge, bytes))
}

/// How the device's keys are held, as far as the phone knows at activation: the gateway
/// decides the assurance it records (and may refuse a device below its unit's level).
fn phone_assurance(platform: &str, attested: bool) -> &'static str {
    match (platform, attested) {
        ("android" | "ios", true) => "attestation_sent",
        ("android" | "ios", false) => "unattested",
        _ => crate::protocol::SOFTWARE_ASSURANCE,
    }
}

#[cfg(test)]
mod tests;
