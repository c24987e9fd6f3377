//! The one COSE_Sign1 profile everything Qianpi signs uses (approval records, gateway
//! statements): tag 18, a protected header of exactly `{1: -7 (ES256), 4: kid}` in its
//! deterministic encoding, an empty unprotected header, an embedded payload, a raw `r||s`
//! signature over the `Sig_structure` with empty external AAD.
//!
//! Only one byte form of a signed object is accepted: what is hashed (a record's chain link, a
//! checkpoint's name) then means exactly one thing.

use super::cbor::{self, CborError};
use coset::{
    iana, CborSerializable as _, CoseSign1, Header, HeaderBuilder, ProtectedHeader,
    RegisteredLabelWithPrivate, TaggedCborSerializable as _,
};

/// COSE's external additional authenticated data: none (the payload carries everything).
pub const EXTERNAL_AAD: &[u8] = b"";

/// How bytes fail the profile; each signed type maps these onto its own error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileError {
    /// Not a tagged COSE_Sign1 at all.
    Malformed(String),
    /// A COSE_Sign1, but not in its one deterministic encoding.
    NotDeterministic,
    /// Signed with another algorithm than ES256.
    Algorithm,
    /// Headers other than exactly `alg` and `kid`.
    Headers,
    /// The payload is not embedded.
    Detached,
}

impl From<CborError> for ProfileError {
    fn from(error: CborError) -> ProfileError {
        ProfileError::Malformed(error.to_string())
    }
}

/// The protected header `{1: -7, 4: kid}` with its encoding fixed, so that the bytes signed and
/// the bytes sent are the same.
pub fn protected_header(key_id: &[u8]) -> Result<ProtectedHeader, ProfileError> {
    let header = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(key_id.to_vec())
        .build();
    let encoded = header
        .clone()
        .to_vec()
        .map_err(|e| ProfileError::Malformed(e.to_string()))?;
    Ok(ProtectedHeader {
        original_data: Some(cbor::encode_value(cbor::decode_value(&encoded)?)?),
        header,
    })
}

/// An unsigned COSE_Sign1 of the profile for `payload`, to be signed under `key_id`.
pub fn unsigned(key_id: &[u8], payload: Vec<u8>) -> Result<CoseSign1, ProfileError> {
    Ok(CoseSign1 {
        protected: protected_header(key_id)?,
        unprotected: Header::default(),
        payload: Some(payload),
        signature: Vec::new(),
    })
}

/// The tagged bytes of a signed COSE_Sign1.
pub fn to_bytes(sign1: CoseSign1) -> Result<Vec<u8>, ProfileError> {
    sign1
        .to_tagged_vec()
        .map_err(|e| ProfileError::Malformed(e.to_string()))
}

/// Parses untrusted bytes as a COSE_Sign1 of the profile (not yet verified): its key id is
/// `sign1.protected.header.key_id` and its payload is present.
pub fn parse(bytes: &[u8]) -> Result<CoseSign1, ProfileError> {
    let sign1 = parse_any(bytes)?;
    if to_bytes(sign1.clone())? != bytes {
        return Err(ProfileError::NotDeterministic);
    }
    let header = &sign1.protected.header;
    if header.alg != Some(RegisteredLabelWithPrivate::Assigned(iana::Algorithm::ES256)) {
        return Err(ProfileError::Algorithm);
    }
    let expected = protected_header(&header.key_id)?.original_data;
    if sign1.protected.original_data != expected || !sign1.unprotected.is_empty() {
        return Err(ProfileError::Headers);
    }
    if sign1.payload.is_none() {
        return Err(ProfileError::Detached);
    }
    Ok(sign1)
}

/// Parses bytes as a COSE_Sign1 without the profile checks (to name what its signature covers).
pub fn parse_any(bytes: &[u8]) -> Result<CoseSign1, ProfileError> {
    CoseSign1::from_tagged_slice(bytes).map_err(|e| ProfileError::Malformed(e.to_string()))
}
