//! Apple App Attest: the attestation object (CBOR, fmt "apple-appattest") of an App Attest key,
//! its x5c chain verified to Apple's App Attestation Root CA, the leaf's nonce extension
//! (1.2.840.113635.100.8.2) equal to SHA-256(authData ‖ SHA-256(clientData)), the key id the
//! SHA-256 of the leaf's public key and the credential id of authData, the relying party this
//! deployment's app, the counter zero and the environment the one configured. The client data
//! binds the gateway's challenge and both device keys (`qianpi_protocol::app_attest_client_data`).

use super::der;
use super::x509::{self, Certificate};
use super::{AppleEnvironment, Assurance, AttestationError, Trust};
use ciborium::Value;
use qianpi_protocol::crypto;

/// 1.2.840.113635.100.8.2, the nonce extension.
const NONCE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x08, 0x02];
const AAGUID_PRODUCTION: &[u8; 16] = b"appattest\0\0\0\0\0\0\0";
const AAGUID_DEVELOPMENT: &[u8; 16] = b"appattestdevelop";

/// Verifies the attestation `object` of the App Attest key `key_id` over `client_data` at `now`.
pub fn verify(
    key_id: &[u8],
    object: &[u8],
    client_data: &[u8],
    trust: &Trust,
    now: i64,
) -> Result<Assurance, AttestationError> {
    let value: Value = ciborium::de::from_reader(object)
        .map_err(|_| der::malformed("the attestation object is not CBOR"))?;
    let map = value
        .as_map()
        .ok_or_else(|| der::malformed("the attestation object is not a map"))?;
    let field = |name: &str| {
        map.iter()
            .find(|(k, _)| k.as_text() == Some(name))
            .map(|(_, v)| v)
    };
    if field("fmt").and_then(Value::as_text) != Some("apple-appattest") {
        return Err(AttestationError::WrongFormat);
    }
    let auth_data = field("authData")
        .and_then(Value::as_bytes)
        .ok_or_else(|| der::malformed("the attestation object has no authData"))?;
    let statement = field("attStmt")
        .and_then(Value::as_map)
        .ok_or_else(|| der::malformed("the attestation object has no attStmt"))?;
    let x5c = statement
        .iter()
        .find(|(k, _)| k.as_text() == Some("x5c"))
        .and_then(|(_, v)| v.as_array())
        .ok_or_else(|| der::malformed("the attestation statement has no x5c"))?;
    let chain = x5c
        .iter()
        .map(|c| c.as_bytes().cloned())
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| der::malformed("an x5c entry is not bytes"))?;

    let never_revoked = |_: &Certificate<'_>| None;
    let certs = x509::verify_chain(&chain, &trust.apple_roots, &never_revoked, now)?;
    let leaf = &certs[0];

    let mut nonce_input = auth_data.clone();
    nonce_input.extend_from_slice(&crypto::sha256(client_data));
    let nonce = crypto::sha256(&nonce_input);
    let stated = leaf
        .extension(NONCE)
        .ok_or(AttestationError::MissingExtension)?;
    if !crypto::constant_time_eq(stated_nonce(stated)?, &nonce) {
        return Err(AttestationError::WrongChallenge);
    }
    let point = x509::public_key_bits(leaf.spki)?;
    if crypto::sha256(point).as_slice() != key_id {
        return Err(AttestationError::KeyMismatch);
    }
    check_auth_data(auth_data, key_id, trust)?;
    Ok(Assurance::SecureEnclave)
}

/// The nonce inside the extension: SEQUENCE { [1] EXPLICIT OCTET STRING }.
fn stated_nonce(extension: &[u8]) -> Result<&[u8], AttestationError> {
    let sequence = der::single(extension, der::SEQUENCE)?;
    let tagged = sequence.reader().any()?;
    if !tagged.is_context(1) {
        return Err(der::malformed(
            "the nonce extension has an unexpected shape",
        ));
    }
    Ok(der::single(tagged.value, der::OCTET_STRING)?.value)
}

/// rpIdHash (32) ‖ flags (1) ‖ counter (4) ‖ aaguid (16) ‖ credential id length (2) ‖ id ‖ key.
fn check_auth_data(auth: &[u8], key_id: &[u8], trust: &Trust) -> Result<(), AttestationError> {
    if auth.len() < 55 {
        return Err(der::malformed("authData is too short"));
    }
    if !trust
        .apple_app_id_hashes
        .iter()
        .any(|hash| hash.as_slice() == &auth[..32])
    {
        return Err(AttestationError::WrongApp);
    }
    if auth[33..37] != [0, 0, 0, 0] {
        return Err(AttestationError::WrongCounter);
    }
    let aaguid = &auth[37..53];
    let accepted = match trust.apple_environment {
        AppleEnvironment::Production => aaguid == AAGUID_PRODUCTION,
        AppleEnvironment::Development => aaguid == AAGUID_DEVELOPMENT,
    };
    if !accepted {
        return Err(AttestationError::WrongEnvironment);
    }
    let id_len = usize::from(u16::from_be_bytes([auth[53], auth[54]]));
    let id = auth
        .get(55..55 + id_len)
        .ok_or_else(|| der::malformed("authData's credential id is cut short"))?;
    if id != key_id {
        return Err(AttestationError::KeyMismatch);
    }
    Ok(())
}
