//! Android key-attestation chains built by the tests: a test root (which a gateway trusts only
//! through `TrustConfig::test_only_extra_android_roots`), an intermediate, and a leaf for the
//! device's approval key carrying a KeyDescription with the chosen challenge and security
//! level, as a phone's keystore writes it. Also the recorded chains' files.

// A failed assumption in a helper is the test failing.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, CustomExtension, DnType, IsCa, KeyPair,
    PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384,
};
use std::path::PathBuf;

/// The KeyDescription extension's OID.
pub const KEY_DESCRIPTION_OID: &[u64] = &[1, 3, 6, 1, 4, 1, 11129, 2, 1, 17];

/// The folder of recorded attestation data.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/attestation")
}

/// The DER certificates of a recorded PEM chain, leaf first.
pub fn recorded_chain(file: &str) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(data_dir().join(file)).unwrap();
    qianpi_gateway::attestation::x509::pem_certificates(&text).unwrap()
}

/// One DER element with a low tag number.
pub fn tlv(ident: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![ident];
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// A constructed context-specific element `[number]` with a high tag number (AuthorizationList).
pub fn context(number: u32, content: &[u8]) -> Vec<u8> {
    let mut out = vec![0xbf];
    let mut digits = vec![(number & 0x7f) as u8];
    let mut rest = number >> 7;
    while rest > 0 {
        digits.push(((rest & 0x7f) as u8) | 0x80);
        rest >>= 7;
    }
    digits.reverse();
    out.extend(digits);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
}

/// A KeyDescription: attestation version 200, `level` (0 software, 1 TEE, 2 StrongBox) for both
/// security levels, `challenge`, and hardware-enforced origin `origin` and a locked, verified
/// boot unless `unlocked`.
pub fn key_description(level: u8, challenge: &[u8], origin: u8, unlocked: bool) -> Vec<u8> {
    let integer = |n: u8| tlv(0x02, &[n]);
    let enumerated = |n: u8| tlv(0x0a, &[n]);
    let version = tlv(0x02, &[0x00, 0xc8]);
    let root_of_trust = [
        tlv(0x04, &[7; 32]),
        tlv(0x01, &[if unlocked { 0x00 } else { 0xff }]),
        enumerated(if unlocked { 2 } else { 0 }),
        tlv(0x04, &[9; 32]),
    ]
    .concat();
    let hardware = [
        context(702, &integer(origin)),
        context(704, &tlv(0x30, &root_of_trust)),
    ]
    .concat();
    let (hardware, software) = if level == 0 {
        (Vec::new(), hardware)
    } else {
        (hardware, Vec::new())
    };
    tlv(
        0x30,
        &[
            version.clone(),
            enumerated(level),
            version,
            enumerated(level),
            tlv(0x04, challenge),
            tlv(0x04, &[]),
            tlv(0x30, &software),
            tlv(0x30, &hardware),
        ]
        .concat(),
    )
}

/// A test certificate authority: a P-384 root and a P-256 intermediate below it.
pub struct TestCa {
    /// The root's key.
    pub root_key: KeyPair,
    /// The root certificate.
    pub root: Certificate,
    /// The intermediate's key.
    pub intermediate_key: KeyPair,
    /// The intermediate certificate.
    pub intermediate: Certificate,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2060, 1, 1);
    params
}

impl TestCa {
    /// A fresh root and intermediate.
    pub fn new() -> TestCa {
        let root_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap();
        let root = ca_params("Qianpi test attestation root")
            .self_signed(&root_key)
            .unwrap();
        let intermediate_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let intermediate = ca_params("Qianpi test attestation intermediate")
            .signed_by(&intermediate_key, &root, &root_key)
            .unwrap();
        TestCa {
            root_key,
            root,
            intermediate_key,
            intermediate,
        }
    }

    /// The root, DER, as a gateway is configured to trust it.
    pub fn root_der(&self) -> Vec<u8> {
        self.root.der().to_vec()
    }

    /// A chain (leaf, intermediate, root) attesting `approval_key` with `description`, the leaf
    /// valid until `not_after_year`.
    pub fn chain_with(
        &self,
        approval_key: &KeyPair,
        description: Vec<u8>,
        not_after_year: i32,
    ) -> Vec<Vec<u8>> {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "Android Keystore Key");
        params.not_before = rcgen::date_time_ymd(2024, 1, 1);
        params.not_after = rcgen::date_time_ymd(not_after_year, 1, 1);
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                KEY_DESCRIPTION_OID,
                description,
            ));
        let leaf = params
            .signed_by(approval_key, &self.intermediate, &self.intermediate_key)
            .unwrap();
        vec![
            leaf.der().to_vec(),
            self.intermediate.der().to_vec(),
            self.root.der().to_vec(),
        ]
    }

    /// A chain attesting `approval_key` at `level` for `challenge`, generated in hardware on a
    /// locked device.
    pub fn chain(&self, approval_key: &KeyPair, level: u8, challenge: &[u8]) -> Vec<Vec<u8>> {
        self.chain_with(
            approval_key,
            key_description(level, challenge, 0, false),
            2050,
        )
    }
}

/// The chain as a phone sends it: standard base64 DER, leaf first.
pub fn as_base64(chain: &[Vec<u8>]) -> Vec<String> {
    use base64::Engine as _;
    chain
        .iter()
        .map(|der| base64::engine::general_purpose::STANDARD.encode(der))
        .collect()
}
