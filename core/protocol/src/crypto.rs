//! The crypto suite used by phone and gateway: SHA-256, P-256 ECDSA verification, the DER↔raw
//! signature conversion, key ids, AES-256-GCM sealing for small secrets, and constant-time equality.
//!
//! Platform keystores (Android Keystore, Secure Enclave) hand out DER-encoded ECDSA signatures and
//! SPKI-encoded public keys; RFC 9421 and COSE want raw `r||s`. The conversions live here so every
//! other module speaks raw signatures only.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

/// The DER prefix of every P-256 `SubjectPublicKeyInfo` with an uncompressed point:
/// `SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (0 unused bits) … }`.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
/// Length of an uncompressed P-256 point (`04 || X || Y`).
const P256_POINT_LEN: usize = 65;
/// Length of a raw P-256 signature (`r || s`).
pub const RAW_SIGNATURE_LEN: usize = 64;

/// Errors of the crypto suite.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// The public key is not a P-256 SubjectPublicKeyInfo with an uncompressed point.
    #[error("the public key is not a P-256 SubjectPublicKeyInfo")]
    BadPublicKey,
    /// The signature bytes are not a well-formed DER or raw ECDSA signature.
    #[error("the signature is malformed")]
    MalformedSignature,
    /// The signature does not verify under the given key.
    #[error("the signature does not match the message and key")]
    BadSignature,
    /// Sealed data could not be opened: wrong key, wrong context or altered bytes.
    #[error("the sealed data could not be opened (wrong key or altered data)")]
    OpenFailed,
    /// The system random generator failed.
    #[error("the system random generator failed")]
    Random,
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// SHA-256 of `data` in lowercase hex: how documents, attachments and blobs name files.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&sha256(data))
}

/// Whether `text` is a SHA-256 in canonical form (the domain's rule for naming files).
pub use qianpi_domain::model::is_sha256_hex;

/// Fills a fresh buffer of `N` random bytes from the system generator.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| CryptoError::Random)?;
    Ok(out)
}

/// Compares two byte strings in time that depends only on their lengths, for secrets such as
/// token hashes: an early exit would tell an attacker how many leading bytes were right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The key id of a device key: `<prefix>_<base64url(sha256(SPKI))>`, e.g. `dk_…` for the request
/// key, as named in `keyid` of a request signature.
pub fn key_id(prefix: &str, spki_der: &[u8]) -> String {
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(sha256(spki_der)))
}

/// Wraps an uncompressed P-256 point into its DER `SubjectPublicKeyInfo`.
pub fn p256_spki_from_point(point: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if point.len() != P256_POINT_LEN || point[0] != 0x04 {
        return Err(CryptoError::BadPublicKey);
    }
    let mut spki = P256_SPKI_PREFIX.to_vec();
    spki.extend_from_slice(point);
    Ok(spki)
}

/// Extracts the uncompressed point from a P-256 `SubjectPublicKeyInfo`.
pub fn p256_point_from_spki(spki_der: &[u8]) -> Result<&[u8], CryptoError> {
    match spki_der.strip_prefix(&P256_SPKI_PREFIX[..]) {
        Some(point) if point.len() == P256_POINT_LEN && point[0] == 0x04 => Ok(point),
        _ => Err(CryptoError::BadPublicKey),
    }
}

/// Verifies a raw (`r||s`) ECDSA P-256 / SHA-256 signature over `message`.
pub fn verify_p256(
    spki_der: &[u8],
    message: &[u8],
    raw_signature: &[u8],
) -> Result<(), CryptoError> {
    let point = p256_point_from_spki(spki_der)?;
    if raw_signature.len() != RAW_SIGNATURE_LEN {
        return Err(CryptoError::MalformedSignature);
    }
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
        .verify(message, raw_signature)
        .map_err(|_| CryptoError::BadSignature)
}

/// Converts a DER `ECDSA-Sig-Value` (as platform keystores return it) into raw `r||s`.
pub fn der_to_raw_signature(der: &[u8]) -> Result<[u8; RAW_SIGNATURE_LEN], CryptoError> {
    // SEQUENCE, short-form length covering the rest exactly (P-256 signatures are ≤ 72 bytes).
    let body = match der {
        [0x30, len, rest @ ..] if usize::from(*len) == rest.len() && *len < 0x80 => rest,
        _ => return Err(CryptoError::MalformedSignature),
    };
    let (r, rest) = der_integer(body)?;
    let (s, rest) = der_integer(rest)?;
    if !rest.is_empty() {
        return Err(CryptoError::MalformedSignature);
    }
    let mut raw = [0u8; RAW_SIGNATURE_LEN];
    raw[32 - r.len()..32].copy_from_slice(r);
    raw[64 - s.len()..].copy_from_slice(s);
    Ok(raw)
}

/// Reads one DER INTEGER holding an unsigned value of at most 32 bytes; returns its magnitude
/// without leading zeros and the remaining input.
fn der_integer(input: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    let (len, rest) = match input {
        [0x02, len, rest @ ..] if *len >= 1 && *len < 0x80 && usize::from(*len) <= rest.len() => {
            (usize::from(*len), rest)
        }
        _ => return Err(CryptoError::MalformedSignature),
    };
    let (value, rest) = rest.split_at(len);
    // A negative number cannot be an ECDSA scalar.
    if value[0] & 0x80 != 0 {
        return Err(CryptoError::MalformedSignature);
    }
    let magnitude = match value.iter().position(|b| *b != 0) {
        Some(first) => &value[first..],
        None => return Err(CryptoError::MalformedSignature),
    };
    if magnitude.len() > 32 {
        return Err(CryptoError::MalformedSignature);
    }
    Ok((magnitude, rest))
}

/// Converts a raw `r||s` signature into DER, the form platform verifiers expect.
pub fn raw_to_der_signature(raw: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if raw.len() != RAW_SIGNATURE_LEN {
        return Err(CryptoError::MalformedSignature);
    }
    let encode = |scalar: &[u8]| -> Result<Vec<u8>, CryptoError> {
        let first = scalar
            .iter()
            .position(|b| *b != 0)
            .ok_or(CryptoError::MalformedSignature)?;
        let magnitude = &scalar[first..];
        let mut out = vec![0x02];
        let pad = magnitude[0] & 0x80 != 0;
        out.push((magnitude.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend_from_slice(magnitude);
        Ok(out)
    };
    let r = encode(&raw[..32])?;
    let s = encode(&raw[32..])?;
    let mut der = vec![0x30, (r.len() + s.len()) as u8];
    der.extend(r);
    der.extend(s);
    Ok(der)
}

/// Seals `plaintext` with AES-256-GCM under `key`, binding it to `context` as associated data.
/// Output: `nonce || ciphertext || tag`.
pub fn seal(key: &[u8; 32], context: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let sealing =
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).map_err(|_| CryptoError::Random)?);
    let nonce_bytes = random_bytes::<NONCE_LEN>()?;
    let mut in_out = plaintext.to_vec();
    sealing
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(context),
            &mut in_out,
        )
        .map_err(|_| CryptoError::Random)?;
    let mut out = nonce_bytes.to_vec();
    out.extend(in_out);
    Ok(out)
}

/// Opens what [`seal`] produced; fails on a wrong key, a wrong context or any altered byte.
pub fn open(
    key: &[u8; 32],
    context: &[u8],
    sealed: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(CryptoError::OpenFailed);
    }
    let opening =
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).map_err(|_| CryptoError::OpenFailed)?);
    let (nonce_bytes, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce =
        Nonce::try_assume_unique_for_key(nonce_bytes).map_err(|_| CryptoError::OpenFailed)?;
    let mut in_out = zeroize::Zeroizing::new(ciphertext.to_vec());
    let plain_len = opening
        .open_in_place(nonce, Aad::from(context), &mut in_out)
        .map_err(|_| CryptoError::OpenFailed)?
        .len();
    in_out.truncate(plain_len);
    Ok(in_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn der_and_raw_signatures_round_trip_with_high_bit_scalars() {
        let mut raw = [0u8; 64];
        raw[0] = 0x80; // r needs a padding zero in DER
        raw[31] = 1;
        raw[63] = 7; // s is a single byte
        let der = raw_to_der_signature(&raw).unwrap();
        assert_eq!(der_to_raw_signature(&der).unwrap(), raw);
    }

    #[test]
    fn malformed_der_signatures_are_errors_not_panics() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x02, 0x02, 0x00],
            &[0x30, 0x03, 0x02, 0x01, 0x80],
        ] {
            assert_eq!(
                der_to_raw_signature(bad),
                Err(CryptoError::MalformedSignature)
            );
        }
    }

    #[test]
    fn sealed_data_fails_to_open_under_another_context_or_key() {
        let key = [7u8; 32];
        let sealed = seal(&key, b"alias-a", "机密材料".as_bytes()).unwrap();
        assert_eq!(
            open(&key, b"alias-a", &sealed).unwrap().as_slice(),
            "机密材料".as_bytes()
        );
        assert_eq!(
            open(&key, b"alias-b", &sealed),
            Err(CryptoError::OpenFailed)
        );
        assert_eq!(
            open(&[8u8; 32], b"alias-a", &sealed),
            Err(CryptoError::OpenFailed)
        );
    }

    proptest! {
        #[test]
        fn any_valid_raw_signature_survives_der(raw in proptest::collection::vec(any::<u8>(), 64)) {
            prop_assume!(raw[..32].iter().any(|b| *b != 0) && raw[32..].iter().any(|b| *b != 0));
            let der = raw_to_der_signature(&raw).unwrap();
            prop_assert_eq!(der_to_raw_signature(&der).unwrap().to_vec(), raw);
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_der_parser(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = der_to_raw_signature(&bytes);
        }
    }
}
