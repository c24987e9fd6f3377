//! Platform attestation of a phone's keys at activation, checked against the vendors' roots
//! embedded here: Android Key Attestation chains ([`android`]) to Google's hardware
//! attestation roots, Apple App Attest objects ([`apple`]) to Apple's App Attestation Root CA.
//! The outcome is the device's assurance level ([`Assurance`]); evidence that does not verify
//! refuses the activation with the reason ([`AttestationError`]).
//!
//! Every check takes the verification time as a parameter, so recorded chains from real
//! devices verify in tests at the moment they were made.

pub mod android;
pub mod apple;
pub mod der;
pub mod revocation;
pub mod x509;

use qianpi_protocol::AttestationEvidence;
use revocation::RevocationList;
use std::path::PathBuf;

/// Google's RSA-4096 hardware attestation root (its 2022 issue; the earlier issues share the
/// key, and roots are compared by key).
const GOOGLE_RSA_ROOT: &str = include_str!("roots/google_rsa_4096.pem");
/// Google's EC P-384 root "Key Attestation CA1", signing chains since February 2026.
const GOOGLE_EC_ROOT: &str = include_str!("roots/google_ec_p384.pem");
/// Apple's App Attestation Root CA.
const APPLE_ROOT: &str = include_str!("roots/apple_app_attestation_root_ca.pem");

/// Why attestation evidence was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    /// The evidence cannot be decoded.
    #[error("the attestation evidence is malformed: {0}")]
    Malformed(String),
    /// A signature uses an algorithm or key the gateway does not accept.
    #[error("a certificate uses a signature algorithm or key type that is not accepted")]
    UnsupportedAlgorithm,
    /// A signature does not verify.
    #[error("a signature does not verify")]
    BadSignature,
    /// Certificate `index` (0 = leaf) is not signed by the next one.
    #[error("certificate {index} of the chain is not signed by the next one")]
    BadChainSignature {
        /// Position in the chain, leaf 0.
        index: usize,
    },
    /// Certificate `index` is not valid yet.
    #[error("certificate {index} of the chain is not valid yet")]
    NotYetValid {
        /// Position in the chain, leaf 0.
        index: usize,
    },
    /// Certificate `index` has expired.
    #[error("certificate {index} of the chain has expired")]
    Expired {
        /// Position in the chain, leaf 0.
        index: usize,
    },
    /// The chain does not end at a root the gateway trusts.
    #[error("the chain does not end at the platform vendor's attestation root")]
    ForeignRoot,
    /// A certificate is on the revocation list.
    #[error("certificate {serial} of the chain is {status} on the revocation list")]
    Revoked {
        /// Its serial number, hex.
        serial: String,
        /// The list's status (REVOKED, SUSPENDED).
        status: String,
    },
    /// A certificate other than the leaf carries an attestation description.
    #[error("the chain was extended below the attested key")]
    ExtendedChain,
    /// The leaf has no attestation extension.
    #[error("the leaf certificate carries no attestation extension")]
    MissingExtension,
    /// The attestation names another challenge.
    #[error("the attestation was made for another challenge")]
    WrongChallenge,
    /// The attested key is not the device's approval key (Android) or the App Attest key id.
    #[error("the attested key is not this device's key")]
    KeyMismatch,
    /// The key was imported into the secure hardware, not generated there.
    #[error("the attested key was imported, not generated in the secure hardware")]
    ImportedKey,
    /// The bootloader is unlocked or the system not verified.
    #[error("the device's bootloader is unlocked or its system is not verified")]
    UnlockedDevice,
    /// The App Attest object is not in the "apple-appattest" format.
    #[error("the attestation object is not an App Attest attestation")]
    WrongFormat,
    /// The App Attest key belongs to another app.
    #[error("the App Attest key belongs to another app")]
    WrongApp,
    /// The App Attest key was used before.
    #[error("the App Attest key's counter is not zero")]
    WrongCounter,
    /// The App Attest environment (development or production) is not the one accepted.
    #[error("the App Attest environment is not the one this gateway accepts")]
    WrongEnvironment,
    /// The evidence does not fit the device's platform.
    #[error("the attestation evidence does not fit the device's platform")]
    WrongPlatform,
    /// The gateway's attestation settings are unusable.
    #[error("{0}")]
    Config(String),
}

/// Where a device's keys live, as its attestation showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assurance {
    /// A software keystore (the terminal shell, or an Android software attestation).
    Software,
    /// Android's trusted execution environment.
    Tee,
    /// Android StrongBox (a separate secure element).
    StrongBox,
    /// An iPhone whose App Attest verified (Secure Enclave).
    SecureEnclave,
    /// A phone that sent no evidence.
    Unattested,
}

impl Assurance {
    /// The name stored with the device and shown to administrators.
    pub fn as_str(self) -> &'static str {
        match self {
            Assurance::Software => qianpi_protocol::SOFTWARE_ASSURANCE,
            Assurance::Tee => "tee",
            Assurance::StrongBox => "strongbox",
            Assurance::SecureEnclave => "secure_enclave",
            Assurance::Unattested => "unattested",
        }
    }

    /// Whether the keys are held by secure hardware.
    pub fn hardware_backed(self) -> bool {
        matches!(
            self,
            Assurance::Tee | Assurance::StrongBox | Assurance::SecureEnclave
        )
    }
}

/// Which App Attest environment's keys are accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AppleEnvironment {
    /// Apps from the App Store or enterprise distribution (aaguid "appattest").
    #[default]
    Production,
    /// Development builds (aaguid "appattestdevelop").
    Development,
}

/// A deployment's attestation settings.
#[derive(Debug, Clone, Default)]
pub struct TrustConfig {
    /// The iOS app's App ID, "TEAMID.bundle.id" (several while an app is renamed); without one
    /// no App Attest verifies.
    pub apple_app_ids: Vec<String>,
    /// Which App Attest environment is accepted.
    pub apple_environment: AppleEnvironment,
    /// Google's certificate status list, as a file (the gateway does not reach the internet).
    pub revocation_list: Option<PathBuf>,
    /// TESTS ONLY: further roots (DER certificates) trusted for Android chains beside Google's,
    /// so tests can build chains; a deployment leaves this empty.
    pub test_only_extra_android_roots: Vec<Vec<u8>>,
}

/// The roots and settings evidence is verified against.
#[derive(Debug, Clone)]
pub struct Trust {
    /// Google's roots (and test roots), SubjectPublicKeyInfo DER.
    pub android_roots: Vec<Vec<u8>>,
    /// Apple's root, SubjectPublicKeyInfo DER.
    pub apple_roots: Vec<Vec<u8>>,
    /// SHA-256 of each accepted App ID.
    pub apple_app_id_hashes: Vec<[u8; 32]>,
    /// The accepted App Attest environment.
    pub apple_environment: AppleEnvironment,
    /// Revoked attestation certificates.
    pub revocations: RevocationList,
}

impl Trust {
    /// The vendors' roots with `config`'s settings.
    pub fn load(config: &TrustConfig) -> Result<Trust, AttestationError> {
        let mut android_roots = vec![
            embedded_spki(GOOGLE_RSA_ROOT)?,
            embedded_spki(GOOGLE_EC_ROOT)?,
        ];
        for der in &config.test_only_extra_android_roots {
            android_roots.push(x509::spki_of(der)?);
        }
        let revocations = match &config.revocation_list {
            Some(path) => RevocationList::load(path)?,
            None => RevocationList::default(),
        };
        Ok(Trust {
            android_roots,
            apple_roots: vec![embedded_spki(APPLE_ROOT)?],
            apple_app_id_hashes: config
                .apple_app_ids
                .iter()
                .map(|id| qianpi_protocol::crypto::sha256(id.as_bytes()))
                .collect(),
            apple_environment: config.apple_environment,
            revocations,
        })
    }
}

fn embedded_spki(pem: &str) -> Result<Vec<u8>, AttestationError> {
    let certs = x509::pem_certificates(pem)?;
    let first = certs
        .first()
        .ok_or_else(|| AttestationError::Config("an embedded root is missing".into()))?;
    x509::spki_of(first)
}

/// The keys and challenge a phone's evidence must bind.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    /// The phone's platform as it named it.
    pub platform: &'a str,
    /// The gateway's challenge (raw bytes).
    pub challenge: &'a [u8],
    /// The request key, SPKI DER.
    pub request_spki: &'a [u8],
    /// The approval key, SPKI DER.
    pub approval_spki: &'a [u8],
}

/// Verifies `evidence` for `binding` at `now` (seconds since the epoch).
pub fn verify(
    evidence: &AttestationEvidence,
    binding: &Binding<'_>,
    trust: &Trust,
    now: i64,
) -> Result<Assurance, AttestationError> {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    match evidence {
        AttestationEvidence::AndroidKey { chain } => {
            if binding.platform != "android" {
                return Err(AttestationError::WrongPlatform);
            }
            android::verify(chain, binding.challenge, binding.approval_spki, trust, now)
        }
        AttestationEvidence::AppleAppAttest { key_id, object } => {
            if binding.platform != "ios" {
                return Err(AttestationError::WrongPlatform);
            }
            let key_id = STANDARD
                .decode(key_id)
                .map_err(|_| der::malformed("the key id is not base64"))?;
            let object = STANDARD
                .decode(object)
                .map_err(|_| der::malformed("the attestation object is not base64"))?;
            let client_data = qianpi_protocol::app_attest_client_data(
                binding.challenge,
                binding.request_spki,
                binding.approval_spki,
            );
            apple::verify(&key_id, &object, &client_data, trust, now)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn fingerprint(pem: &str) -> String {
        let der = x509::pem_certificates(pem).unwrap().remove(0);
        qianpi_protocol::crypto::sha256_hex(&der)
    }

    /// The embedded roots are the published ones, byte for byte (SHA-256 of the DER as Google
    /// and Apple publish them).
    #[test]
    fn the_embedded_roots_are_the_vendors_published_certificates() {
        assert_eq!(
            fingerprint(GOOGLE_RSA_ROOT),
            "cedb1cb6dc896ae5ec797348bce9286753c2b38ee71ce0fbe34a9a1248800dfc"
        );
        assert_eq!(
            fingerprint(GOOGLE_EC_ROOT),
            "6d9db4ce6c5c0b293166d08986e05774a8776ceb525d9e4329520de12ba4bcc0"
        );
        assert_eq!(
            fingerprint(APPLE_ROOT),
            "1cb9823ba28ba6ad2d33a006941de2ae4f513ef1d4e831b9f7e0fa7b6242c932"
        );
        let trust = Trust::load(&TrustConfig::default()).unwrap();
        assert_eq!(trust.android_roots.len(), 2);
        assert!(trust.apple_app_id_hashes.is_empty());
    }

    #[test]
    fn evidence_for_another_platform_is_refused() {
        let trust = Trust::load(&TrustConfig::default()).unwrap();
        let android = AttestationEvidence::AndroidKey { chain: vec![] };
        let apple = AttestationEvidence::AppleAppAttest {
            key_id: String::new(),
            object: String::new(),
        };
        let binding = |platform| Binding {
            platform,
            challenge: &[0; 32],
            request_spki: &[],
            approval_spki: &[],
        };
        for (evidence, platform) in [
            (&android, "ios"),
            (&android, "terminal"),
            (&apple, "android"),
        ] {
            assert_eq!(
                verify(evidence, &binding(platform), &trust, 0),
                Err(AttestationError::WrongPlatform)
            );
        }
    }
}
