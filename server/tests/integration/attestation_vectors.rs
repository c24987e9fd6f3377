//! The attestation verifier on recorded evidence from real devices (tests/data/attestation,
//! sources in its README), verified at the time it was recorded, and on chains built here under
//! a test root: each verifies with its level, and a tampered byte, another challenge, a foreign
//! root, an expired or not yet valid certificate, another key, a revoked certificate and a chain
//! extended below the attested key are each refused with their own error.

// A failed assumption is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::attestation_chains::{
    as_base64, data_dir, key_description, recorded_chain, TestCa, KEY_DESCRIPTION_OID,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qianpi_gateway::attestation::revocation::RevocationList;
use qianpi_gateway::attestation::{
    android, apple, x509, AppleEnvironment, Assurance, AttestationError, Trust, TrustConfig,
};
use rcgen::{CertificateParams, CustomExtension, DnType, KeyPair};

/// The recorded TEE chain (Google's RSA root) was made at 2023-03-08T14:32:17Z.
const TEE_RECORDED_AT: i64 = 1_678_285_937;
/// The recorded App Attest object was made at 2021-01-23T12:13:33Z.
const APPLE_RECORDED_AT: i64 = 1_611_404_013;
/// 2030-01-01, inside the test chains' validity.
const LATER: i64 = 1_893_456_000;

fn vendors() -> Trust {
    Trust::load(&TrustConfig::default()).unwrap()
}

fn trusting(ca: &TestCa) -> Trust {
    Trust::load(&TrustConfig {
        test_only_extra_android_roots: vec![ca.root_der()],
        ..TrustConfig::default()
    })
    .unwrap()
}

fn leaf_spki(chain: &[Vec<u8>]) -> Vec<u8> {
    x509::Certificate::parse(&chain[0]).unwrap().spki.to_vec()
}

#[test]
fn a_recorded_tee_chain_verifies_at_its_time_as_tee() {
    let chain = recorded_chain("android_tee_rsa_root.pem");
    let spki = leaf_spki(&chain);
    let level =
        android::verify_der(&chain, b"challenge", &spki, &vendors(), TEE_RECORDED_AT).unwrap();
    assert_eq!(level, Assurance::Tee);
    assert_eq!(level.as_str(), "tee");
    // As the phone sends it: base64 in the JSON evidence.
    let level = android::verify(
        &as_base64(&chain),
        b"challenge",
        &spki,
        &vendors(),
        TEE_RECORDED_AT,
    )
    .unwrap();
    assert_eq!(level, Assurance::Tee);
}

#[test]
fn a_recorded_tee_chain_is_refused_for_another_challenge_key_time_or_root() {
    let chain = recorded_chain("android_tee_rsa_root.pem");
    let spki = leaf_spki(&chain);
    let trust = vendors();
    let verify = |challenge: &[u8], spki: &[u8], trust: &Trust, now: i64| {
        android::verify_der(&chain, challenge, spki, trust, now).unwrap_err()
    };
    assert_eq!(
        verify(b"challengf", &spki, &trust, TEE_RECORDED_AT),
        AttestationError::WrongChallenge
    );
    let other = KeyPair::generate().unwrap().public_key_der();
    assert_eq!(
        verify(b"challenge", &other, &trust, TEE_RECORDED_AT),
        AttestationError::KeyMismatch
    );
    // The TEE's batch certificate ran from 2023-02-18 to 2023-03-24.
    assert_eq!(
        verify(b"challenge", &spki, &trust, TEE_RECORDED_AT + 30 * 86_400),
        AttestationError::Expired { index: 1 }
    );
    assert_eq!(
        verify(b"challenge", &spki, &trust, TEE_RECORDED_AT - 30 * 86_400),
        AttestationError::NotYetValid { index: 1 }
    );
    // A gateway that trusts only another root.
    let foreign = trusting(&TestCa::new());
    let only_test_root = Trust {
        android_roots: foreign.android_roots[2..].to_vec(),
        ..foreign
    };
    assert_eq!(
        verify(b"challenge", &spki, &only_test_root, TEE_RECORDED_AT),
        AttestationError::ForeignRoot
    );
}

#[test]
fn a_tampered_byte_anywhere_in_the_recorded_chain_is_refused() {
    let chain = recorded_chain("android_tee_rsa_root.pem");
    let spki = leaf_spki(&chain);
    // The challenge inside the leaf's signed part: "challenge" becomes "chillenge".
    let mut leaf = chain.clone();
    let at = leaf[0].windows(9).position(|w| w == b"challenge").unwrap();
    leaf[0][at + 2] = b'i';
    assert_eq!(
        android::verify_der(&leaf, b"chillenge", &spki, &vendors(), TEE_RECORDED_AT).unwrap_err(),
        AttestationError::BadChainSignature { index: 0 }
    );
    // A byte of the intermediate's signature.
    let mut signature = chain.clone();
    let last = signature[1].len() - 3;
    signature[1][last] ^= 0x01;
    assert_eq!(
        android::verify_der(&signature, b"challenge", &spki, &vendors(), TEE_RECORDED_AT)
            .unwrap_err(),
        AttestationError::BadChainSignature { index: 1 }
    );
}

#[test]
fn a_revoked_certificate_in_the_recorded_chain_is_refused() {
    let chain = recorded_chain("android_tee_rsa_root.pem");
    let spki = leaf_spki(&chain);
    let mut trust = vendors();
    // Google's status format; the TEE batch certificate's serial, as Google writes it.
    trust.revocations = RevocationList::parse(
        r#"{"entries": {"d05facf443ed535548d994f6845e6d3c": {"status": "REVOKED", "reason": "KEY_COMPROMISE"}}}"#,
    )
    .unwrap();
    assert_eq!(
        android::verify_der(&chain, b"challenge", &spki, &trust, TEE_RECORDED_AT).unwrap_err(),
        AttestationError::Revoked {
            serial: "d05facf443ed535548d994f6845e6d3c".into(),
            status: "REVOKED".into()
        }
    );
    // Google's own test list names none of these certificates.
    let listed = std::fs::read_to_string(data_dir().join("google_status_sample.json")).unwrap();
    trust.revocations = RevocationList::parse(&listed).unwrap();
    assert_eq!(trust.revocations.len(), 5);
    assert_eq!(
        android::verify_der(&chain, b"challenge", &spki, &trust, TEE_RECORDED_AT).unwrap(),
        Assurance::Tee
    );
}

#[test]
fn a_recorded_chain_with_an_attestation_below_the_device_key_is_refused() {
    // A real chain where an app's own attestation key attested the leaf: the key description
    // nearest the root is the one the secure hardware wrote, so the leaf's is not trusted.
    let chain = recorded_chain("android_attest_key_chain.pem");
    let spki = leaf_spki(&chain);
    assert_eq!(
        android::verify_der(&chain, b"challenge", &spki, &vendors(), TEE_RECORDED_AT).unwrap_err(),
        AttestationError::ExtendedChain
    );
}

#[test]
fn built_chains_verify_with_their_level_under_a_trusted_test_root_only() {
    let ca = TestCa::new();
    let trust = trusting(&ca);
    let key = KeyPair::generate().unwrap();
    let spki = key.public_key_der();
    for (level, expected) in [
        (0, Assurance::Software),
        (1, Assurance::Tee),
        (2, Assurance::StrongBox),
    ] {
        let chain = ca.chain(&key, level, b"gateway challenge");
        assert_eq!(
            android::verify_der(&chain, b"gateway challenge", &spki, &trust, LATER).unwrap(),
            expected
        );
        // Without the test root configured, Google's roots alone do not vouch for it.
        assert_eq!(
            android::verify_der(&chain, b"gateway challenge", &spki, &vendors(), LATER)
                .unwrap_err(),
            AttestationError::ForeignRoot
        );
    }
}

#[test]
fn built_chains_are_refused_when_expired_imported_unlocked_or_extended() {
    let ca = TestCa::new();
    let trust = trusting(&ca);
    let key = KeyPair::generate().unwrap();
    let spki = key.public_key_der();
    let verify =
        |chain: &[Vec<u8>]| android::verify_der(chain, b"c", &spki, &trust, LATER).unwrap_err();
    let expired = ca.chain_with(&key, key_description(2, b"c", 0, false), 2029);
    assert_eq!(verify(&expired), AttestationError::Expired { index: 0 });
    let imported = ca.chain_with(&key, key_description(2, b"c", 2, false), 2050);
    assert_eq!(verify(&imported), AttestationError::ImportedKey);
    let unlocked = ca.chain_with(&key, key_description(1, b"c", 0, true), 2050);
    assert_eq!(verify(&unlocked), AttestationError::UnlockedDevice);

    // A hardware key that signs a certificate with a made-up description for a software key.
    let attested = ca.chain(&key, 2, b"c");
    let software_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, "forged");
    params
        .custom_extensions
        .push(CustomExtension::from_oid_content(
            KEY_DESCRIPTION_OID,
            key_description(2, b"c", 0, false),
        ));
    // rcgen takes the issuer's name from a certificate; the signature is the attested key's.
    let mut issuer_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    issuer_params
        .distinguished_name
        .push(DnType::CommonName, "Android Keystore Key");
    let issuer = issuer_params.self_signed(&key).unwrap();
    let forged = params.signed_by(&software_key, &issuer, &key).unwrap();
    let mut extended = vec![forged.der().to_vec()];
    extended.extend(attested);
    assert_eq!(
        android::verify_der(
            &extended,
            b"c",
            &software_key.public_key_der(),
            &trust,
            LATER
        )
        .unwrap_err(),
        AttestationError::ExtendedChain
    );
}

struct AppleSample {
    object: Vec<u8>,
    key_id: Vec<u8>,
    client_data: Vec<u8>,
    app_id: String,
}

fn apple_sample() -> AppleSample {
    let text = std::fs::read_to_string(data_dir().join("apple_appattest_ios14_4.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let field = |name: &str| json[name].as_str().unwrap().to_owned();
    AppleSample {
        object: STANDARD.decode(field("attestation_object")).unwrap(),
        key_id: STANDARD.decode(field("key_id")).unwrap(),
        client_data: STANDARD.decode(field("client_data")).unwrap(),
        app_id: field("app_id"),
    }
}

fn apple_trust(app_id: &str, environment: AppleEnvironment) -> Trust {
    Trust::load(&TrustConfig {
        apple_app_ids: vec![app_id.to_owned()],
        apple_environment: environment,
        ..TrustConfig::default()
    })
    .unwrap()
}

#[test]
fn a_recorded_app_attest_object_verifies_at_its_time_as_secure_enclave() {
    let s = apple_sample();
    let trust = apple_trust(&s.app_id, AppleEnvironment::Development);
    let level = apple::verify(
        &s.key_id,
        &s.object,
        &s.client_data,
        &trust,
        APPLE_RECORDED_AT,
    )
    .unwrap();
    assert_eq!(level, Assurance::SecureEnclave);
    assert_eq!(level.as_str(), "secure_enclave");
}

#[test]
fn a_recorded_app_attest_object_is_refused_when_anything_differs() {
    let s = apple_sample();
    let trust = apple_trust(&s.app_id, AppleEnvironment::Development);
    let verify = |key_id: &[u8], object: &[u8], client: &[u8], trust: &Trust, now: i64| {
        apple::verify(key_id, object, client, trust, now).unwrap_err()
    };
    assert_eq!(
        verify(
            &s.key_id,
            &s.object,
            b"other client data",
            &trust,
            APPLE_RECORDED_AT
        ),
        AttestationError::WrongChallenge
    );
    let mut key_id = s.key_id.clone();
    key_id[0] ^= 1;
    assert_eq!(
        verify(
            &key_id,
            &s.object,
            &s.client_data,
            &trust,
            APPLE_RECORDED_AT
        ),
        AttestationError::KeyMismatch
    );
    let other_app = apple_trust("6MURL8TA57.cn.qianpi.app", AppleEnvironment::Development);
    assert_eq!(
        verify(
            &s.key_id,
            &s.object,
            &s.client_data,
            &other_app,
            APPLE_RECORDED_AT
        ),
        AttestationError::WrongApp
    );
    let production = apple_trust(&s.app_id, AppleEnvironment::Production);
    assert_eq!(
        verify(
            &s.key_id,
            &s.object,
            &s.client_data,
            &production,
            APPLE_RECORDED_AT
        ),
        AttestationError::WrongEnvironment
    );
    // The credential certificate lived three days.
    assert_eq!(
        verify(
            &s.key_id,
            &s.object,
            &s.client_data,
            &trust,
            APPLE_RECORDED_AT + 7 * 86_400
        ),
        AttestationError::Expired { index: 0 }
    );
    // A byte of the credential certificate's public key, inside its signed part.
    let point = s
        .object
        .windows(4)
        .position(|w| w == [0x03, 0x42, 0x00, 0x04])
        .unwrap();
    let mut tampered = s.object.clone();
    tampered[point + 10] ^= 0x01;
    assert_eq!(
        verify(
            &s.key_id,
            &tampered,
            &s.client_data,
            &trust,
            APPLE_RECORDED_AT
        ),
        AttestationError::BadChainSignature { index: 0 }
    );
    // Evidence from an Android phone's roots is not Apple's.
    let foreign = Trust {
        apple_roots: vendors().android_roots,
        ..trust
    };
    assert_eq!(
        verify(
            &s.key_id,
            &s.object,
            &s.client_data,
            &foreign,
            APPLE_RECORDED_AT
        ),
        AttestationError::ForeignRoot
    );
}
