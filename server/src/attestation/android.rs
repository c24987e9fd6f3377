//! Android Key Attestation: the approval key's certificate chain, leaf first, verified up to one
//! of Google's hardware attestation roots, with the leaf's KeyDescription
//! (OID 1.3.6.1.4.1.11129.2.1.17) naming the gateway's challenge, the key being the device's
//! approval key, generated inside the secure hardware of a locked, verified device.
//!
//! Only the leaf may carry a KeyDescription: a hardware key that can sign could otherwise issue a
//! certificate with a forged description for a software key below itself, so a chain with one
//! anywhere else is refused (Google's advice: only the description nearest the root counts).

use super::der::{self, Reader};
use super::x509::{self, Certificate};
use super::{Assurance, AttestationError, Trust};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// 1.3.6.1.4.1.11129.2.1.17, the KeyDescription extension.
const KEY_DESCRIPTION: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x01, 0x11];
/// AuthorizationList tag of the key's origin (0 = generated in the secure hardware).
const TAG_ORIGIN: u32 = 702;
/// AuthorizationList tag of the root of trust (verified boot).
const TAG_ROOT_OF_TRUST: u32 = 704;

/// What the leaf's KeyDescription says, as far as the gateway uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDescription {
    /// 0 software, 1 trusted environment, 2 StrongBox.
    pub security_level: u64,
    /// The challenge the key was created with.
    pub challenge: Vec<u8>,
    /// The hardware-enforced origin, when stated.
    pub origin: Option<u64>,
    /// The hardware-enforced verified boot state: whether the bootloader is locked, and the
    /// state (0 verified, 1 self-signed, 2 unverified, 3 failed).
    pub boot: Option<(bool, u64)>,
}

/// Verifies `chain` (standard base64 DER, leaf first) for a device whose approval key is
/// `approval_spki`, against `challenge`, at `now` (seconds since the epoch).
pub fn verify(
    chain: &[String],
    challenge: &[u8],
    approval_spki: &[u8],
    trust: &Trust,
    now: i64,
) -> Result<Assurance, AttestationError> {
    let ders = chain
        .iter()
        .map(|c| STANDARD.decode(c.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| der::malformed("a certificate is not base64"))?;
    verify_der(&ders, challenge, approval_spki, trust, now)
}

/// [`verify`] over DER certificates.
pub fn verify_der(
    chain: &[Vec<u8>],
    challenge: &[u8],
    approval_spki: &[u8],
    trust: &Trust,
    now: i64,
) -> Result<Assurance, AttestationError> {
    let revoked = |cert: &Certificate<'_>| trust.revocations.status(&cert.serial_hex());
    let certs = x509::verify_chain(chain, &trust.android_roots, &revoked, now)?;
    let leaf = &certs[0];
    if certs[1..]
        .iter()
        .any(|cert| cert.extension(KEY_DESCRIPTION).is_some())
    {
        return Err(AttestationError::ExtendedChain);
    }
    let description = leaf
        .extension(KEY_DESCRIPTION)
        .ok_or(AttestationError::MissingExtension)?;
    let description = parse_key_description(description)?;
    if !qianpi_protocol::crypto::constant_time_eq(&description.challenge, challenge) {
        return Err(AttestationError::WrongChallenge);
    }
    if leaf.spki != approval_spki {
        return Err(AttestationError::KeyMismatch);
    }
    let level = match description.security_level {
        0 => return Ok(Assurance::Software),
        1 => Assurance::Tee,
        2 => Assurance::StrongBox,
        _ => return Err(der::malformed("an unknown attestation security level")),
    };
    if description.origin.is_some_and(|origin| origin != 0) {
        return Err(AttestationError::ImportedKey);
    }
    if let Some((locked, state)) = description.boot {
        if !locked || state > 1 {
            return Err(AttestationError::UnlockedDevice);
        }
    }
    Ok(level)
}

/// Parses a KeyDescription (the extension's contents).
pub fn parse_key_description(data: &[u8]) -> Result<KeyDescription, AttestationError> {
    // Lenient: some devices' firmware writes the description in BER's longer forms.
    let outer = der::lenient(data, der::SEQUENCE)?;
    let mut fields = outer.reader();
    fields.expect(der::INTEGER)?;
    let security_level = fields.expect(der::ENUMERATED)?.small_uint()?;
    fields.expect(der::INTEGER)?;
    fields.expect(der::ENUMERATED)?;
    let challenge = fields.expect(der::OCTET_STRING)?.value.to_vec();
    fields.expect(der::OCTET_STRING)?;
    fields.expect(der::SEQUENCE)?;
    let hardware = fields.expect(der::SEQUENCE)?;
    let mut origin = None;
    let mut boot = None;
    let mut list = hardware.reader();
    while let Some(item) = list.next_tlv()? {
        if item.is_context(TAG_ORIGIN) {
            origin = Some(der::single(item.value, der::INTEGER)?.small_uint()?);
        } else if item.is_context(TAG_ROOT_OF_TRUST) {
            boot = Some(root_of_trust(item.reader())?);
        }
    }
    Ok(KeyDescription {
        security_level,
        challenge,
        origin,
        boot,
    })
}

fn root_of_trust(mut wrapper: Reader<'_>) -> Result<(bool, u64), AttestationError> {
    let sequence = wrapper.expect(der::SEQUENCE)?;
    let mut fields = sequence.reader();
    fields.expect(der::OCTET_STRING)?;
    let locked = fields.expect(der::BOOLEAN)?;
    let state = fields.expect(der::ENUMERATED)?.small_uint()?;
    // Some devices write TRUE as 0x01 rather than DER's 0xff; any non-zero byte is true.
    let locked = locked.value.first().is_some_and(|b| *b != 0);
    Ok((locked, state))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A KeyDescription for challenge `abc` in a TEE, generated there, on a locked verified
    /// device, with every length, [702]'s tag and the security level written longer than DER's
    /// shortest form, as some devices' firmware does.
    const LONG_FORMS: &[u8] = &[
        0x30, 0x81, 0x35, // KeyDescription
        0x02, 0x01, 0x03, // attestationVersion
        0x0a, 0x02, 0x00, 0x01, // attestationSecurityLevel: TEE, with a needless zero
        0x02, 0x01, 0x04, // keymasterVersion
        0x0a, 0x01, 0x01, // keymasterSecurityLevel
        0x04, 0x81, 0x03, b'a', b'b', b'c', // attestationChallenge
        0x04, 0x00, // uniqueId
        0x30, 0x00, // softwareEnforced
        0x30, 0x82, 0x00, 0x1a, // teeEnforced
        0xbf, 0x80, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00, // [702] origin: generated
        0xbf, 0x85, 0x40, 0x0e, 0x30, 0x0c, // [704] rootOfTrust
        0x04, 0x02, 0xaa, 0xbb, // verifiedBootKey
        0x01, 0x01, 0xff, // deviceLocked
        0x0a, 0x01, 0x00, // verifiedBootState: verified
        0x04, 0x00, // verifiedBootHash
    ];

    #[test]
    fn a_description_in_longer_forms_reads_the_same() {
        let description = parse_key_description(LONG_FORMS).unwrap();
        assert_eq!(
            description,
            KeyDescription {
                security_level: 1,
                challenge: b"abc".to_vec(),
                origin: Some(0),
                boot: Some((true, 0)),
            }
        );
    }

    #[test]
    fn a_description_past_its_data_or_of_indefinite_length_is_refused() {
        let mut short = LONG_FORMS.to_vec();
        short.pop();
        assert!(parse_key_description(&short).is_err());
        let mut indefinite = LONG_FORMS.to_vec();
        indefinite.splice(1..3, [0x80]);
        indefinite.extend([0x00, 0x00]);
        assert!(parse_key_description(&indefinite).is_err());
    }
}
