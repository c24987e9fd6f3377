//! What a phone hands over at activation: its platform attestation as the gateway verifies it (an
//! Android Key Attestation chain, an App Attest object, and the operator's revocation list the
//! verifier consults), and the activation QR code's text as the phone reads it.
//!
//! The attestation targets verify against the vendors' embedded roots with a fixed challenge,
//! key and time: those of the recorded evidence in `server/tests/data/attestation/`, so its
//! seeds are accepted and a mutation is judged by the same verifier a deployment runs.

use crate::Outcome;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qianpi_gateway::attestation::revocation::RevocationList;
use qianpi_gateway::attestation::{
    android, apple, verify, x509, AppleEnvironment, Assurance, AttestationError, Binding, Trust,
    TrustConfig,
};
use qianpi_protocol::invite::Invite;
use qianpi_protocol::AttestationEvidence;
use std::sync::OnceLock;

/// The recorded TEE chain under Google's RSA root, leaf first.
pub(crate) const ANDROID_CHAIN_PEM: &str =
    include_str!("../../server/tests/data/attestation/android_tee_rsa_root.pem");
/// The recorded App Attest object with its key id, client data and App ID.
const APPLE_RECORD: &str =
    include_str!("../../server/tests/data/attestation/apple_appattest_ios14_4.json");
/// Google's status list format with its test entries.
pub(crate) const STATUS_SAMPLE: &str =
    include_str!("../../server/tests/data/attestation/google_status_sample.json");

/// The challenge the recorded Android chain was made for.
const ANDROID_CHALLENGE: &[u8] = b"challenge";
/// When the recorded Android chain was made (2023-03-08T14:32:17Z).
const ANDROID_AT: i64 = 1_678_285_937;
/// When the recorded App Attest object was made (2021-01-23T12:13:33Z).
const APPLE_AT: i64 = 1_611_404_013;
/// The most certificates the splitter makes of one input.
const MAX_CHAIN: usize = 8;

/// The verifier's fixed inputs, made once: loading roots on every run would hide the verifier.
struct Fixture {
    android_trust: Trust,
    /// The recorded leaf's key, standing as the device's approval key.
    approval_spki: Vec<u8>,
    apple_trust: Trust,
    key_id: Vec<u8>,
    client_data: Vec<u8>,
    /// The recorded attestation object, for the seed.
    apple_object: Vec<u8>,
}

fn load() -> Result<Fixture, String> {
    let error = |e: AttestationError| e.to_string();
    let chain = x509::pem_certificates(ANDROID_CHAIN_PEM).map_err(error)?;
    let leaf = chain.first().ok_or("the recorded chain is empty")?;
    let approval_spki = x509::spki_of(leaf).map_err(error)?;
    let record: serde_json::Value =
        serde_json::from_str(APPLE_RECORD).map_err(|e| e.to_string())?;
    let field = |name: &str| -> Result<&str, String> {
        record[name]
            .as_str()
            .ok_or_else(|| format!("the App Attest record has no {name}"))
    };
    let decode = |name: &str| STANDARD.decode(field(name)?).map_err(|e| e.to_string());
    let apple_trust = Trust::load(&TrustConfig {
        apple_app_ids: vec![field("app_id")?.to_owned()],
        apple_environment: AppleEnvironment::Development,
        ..TrustConfig::default()
    })
    .map_err(error)?;
    Ok(Fixture {
        android_trust: Trust::load(&TrustConfig::default()).map_err(error)?,
        approval_spki,
        apple_trust,
        key_id: decode("key_id")?,
        client_data: decode("client_data")?,
        apple_object: decode("attestation_object")?,
    })
}

fn fixture() -> Result<&'static Fixture, Outcome> {
    static FIXTURE: OnceLock<Result<Fixture, String>> = OnceLock::new();
    FIXTURE
        .get_or_init(load)
        .as_ref()
        .map_err(|why| Outcome::Broken(format!("the fixed verifier inputs do not load: {why}")))
}

/// The recorded App Attest object, for the seed corpus.
pub(crate) fn apple_seed() -> Result<Vec<u8>, String> {
    load().map(|fixture| fixture.apple_object)
}

/// The length of the DER element `data` starts with, when its header reads; the splitter's own
/// reading, independent of the verifier's, so a header the verifier would refuse still reaches it.
fn element_len(data: &[u8]) -> Option<usize> {
    let first = usize::from(*data.get(1)?);
    if first < 0x80 {
        return Some(2 + first);
    }
    let count = first & 0x7f;
    if count == 0 || count > 4 {
        return None;
    }
    let length = data
        .get(2..2 + count)?
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    (2 + count).checked_add(length)
}

/// Cuts `data` into certificates: DER elements one after another, the last (or one whose header
/// does not read or runs past the end) taking what is left.
pub(crate) fn split_chain(data: &[u8]) -> Vec<Vec<u8>> {
    let mut chain = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let len = if chain.len() + 1 == MAX_CHAIN {
            rest.len()
        } else {
            element_len(rest).unwrap_or(rest.len()).min(rest.len())
        };
        let (piece, after) = rest.split_at(len);
        chain.push(piece.to_vec());
        rest = after;
    }
    chain
}

/// An Android Key Attestation chain: DER certificates one after another, leaf first, verified for
/// the recorded chain's challenge and leaf key at the time it was made.
///
/// Invariants: an accepted chain's level is an Android one (software, TEE or StrongBox), and the
/// chain gets the same answer when it comes as the phone sends it (base64 in the evidence JSON,
/// through the gateway's entry point).
pub fn android(data: &[u8]) -> Outcome {
    let fixture = match fixture() {
        Ok(fixture) => fixture,
        Err(broken) => return broken,
    };
    let chain = split_chain(data);
    let trust = &fixture.android_trust;
    let spki = &fixture.approval_spki;
    let direct = android::verify_der(&chain, ANDROID_CHALLENGE, spki, trust, ANDROID_AT);
    let evidence = AttestationEvidence::AndroidKey {
        chain: chain.iter().map(|der| STANDARD.encode(der)).collect(),
    };
    let binding = Binding {
        platform: "android",
        challenge: ANDROID_CHALLENGE,
        request_spki: spki,
        approval_spki: spki,
    };
    let sent = verify(&evidence, &binding, trust, ANDROID_AT);
    if direct != sent {
        return Outcome::Broken(format!("{direct:?} as DER but {sent:?} as sent"));
    }
    match direct {
        Ok(Assurance::Software | Assurance::Tee | Assurance::StrongBox) => Outcome::Accepted,
        Ok(other) => Outcome::Broken(format!("an Android chain verified as {other:?}")),
        Err(error) => Outcome::Refused(error.to_string()),
    }
}

/// An App Attest attestation object, verified for the recorded key id, client data and App ID
/// (development environment) at the time it was made.
///
/// Invariant: an accepted object's level is the Secure Enclave.
pub fn apple(data: &[u8]) -> Outcome {
    let fixture = match fixture() {
        Ok(fixture) => fixture,
        Err(broken) => return broken,
    };
    let result = apple::verify(
        &fixture.key_id,
        data,
        &fixture.client_data,
        &fixture.apple_trust,
        APPLE_AT,
    );
    match result {
        Ok(Assurance::SecureEnclave) => Outcome::Accepted,
        Ok(other) => Outcome::Broken(format!("an App Attest object verified as {other:?}")),
        Err(error) => Outcome::Refused(error.to_string()),
    }
}

/// Google's certificate status list, as the operator's file holds it.
///
/// Invariant: every serial the file names is found by the name it has there, in either case.
pub fn status(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Refused("not UTF-8".into());
    };
    let list = match RevocationList::parse(text) {
        Ok(list) => list,
        Err(error) => return Outcome::Refused(error.to_string()),
    };
    let Ok(file) = serde_json::from_str::<serde_json::Value>(text) else {
        return Outcome::Broken("the list read, but the text is not JSON".into());
    };
    let serials: Vec<&String> = file["entries"]
        .as_object()
        .map(|entries| entries.keys().collect())
        .unwrap_or_default();
    let lost = serials.iter().find(|serial| {
        list.status(serial).is_none() || list.status(&serial.to_ascii_uppercase()).is_none()
    });
    match lost {
        Some(serial) => Outcome::Broken(format!("{serial:?} is listed but not found")),
        None if list.len() > serials.len() => Outcome::Broken(format!(
            "{} entries from {} serials",
            list.len(),
            serials.len()
        )),
        None => Outcome::Accepted,
    }
}

/// The activation QR code's text, as the phone's scanner hands it over.
///
/// Invariant: an invite that reads prints as text that reads back to the same invite (the
/// gateway prints with the same code), and its pins and CA certificates render.
pub fn invite(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Refused("not UTF-8".into());
    };
    match Invite::parse(text) {
        Ok(invite) => {
            let _ = invite.pin_strings();
            let _ = invite.anchors_pem();
            match Invite::parse(&invite.to_text()) {
                Ok(again) if again == invite => Outcome::Accepted,
                again => {
                    Outcome::Broken(format!("{invite:?} prints as text that reads as {again:?}"))
                }
            }
        }
        Err(error) => Outcome::Refused(format!("{}: {error}", error.code())),
    }
}
