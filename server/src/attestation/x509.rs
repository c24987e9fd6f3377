//! X.509 certificates as attestation chains use them: parsed over the bytes received, each
//! signature checked with ring against its issuer's key (ECDSA P-256/P-384, RSA PKCS#1), each
//! certificate inside its validity at the verification time, and the chain ending at one of the
//! trusted roots, compared by public key (a vendor re-issues its root with the same key).

use super::der::{self, Tlv};
use super::AttestationError;
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};

const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const RSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const RSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const RSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];

/// An extension: its OID's contents and its OCTET STRING's contents.
pub type Extension<'a> = (&'a [u8], &'a [u8]);

/// One certificate, borrowing the bytes it was parsed from.
#[derive(Debug, Clone)]
pub struct Certificate<'a> {
    /// The signed part, exactly as received.
    pub tbs: &'a [u8],
    /// The signature algorithm's OID (contents).
    pub signature_algorithm: &'a [u8],
    /// The signature bytes.
    pub signature: &'a [u8],
    /// The serial number's contents (big-endian, maybe with a leading zero).
    pub serial: &'a [u8],
    /// Not valid before, seconds since the epoch.
    pub not_before: i64,
    /// Not valid after, seconds since the epoch.
    pub not_after: i64,
    /// The SubjectPublicKeyInfo, whole DER.
    pub spki: &'a [u8],
    /// Extensions: OID contents and the OCTET STRING's contents.
    pub extensions: Vec<Extension<'a>>,
}

impl<'a> Certificate<'a> {
    /// Parses one DER certificate.
    pub fn parse(data: &'a [u8]) -> Result<Certificate<'a>, AttestationError> {
        let outer = der::single(data, der::SEQUENCE)?;
        let mut cert = outer.reader();
        let tbs = cert.expect(der::SEQUENCE)?;
        let algorithm = cert.expect(der::SEQUENCE)?;
        let signature = cert.expect(der::BIT_STRING)?.bits()?;
        if !cert.is_empty() {
            return Err(der::malformed("bytes follow a certificate's signature"));
        }
        let signature_algorithm = algorithm.reader().expect(der::OID)?.value;

        let mut fields = tbs.reader();
        fields.optional_context(0)?;
        let serial = fields.expect(der::INTEGER)?.value;
        // RFC 5280: the algorithm outside must be the one signed inside, or the unsigned copy
        // could name another hash than the issuer used.
        if fields.expect(der::SEQUENCE)?.raw != algorithm.raw {
            return Err(der::malformed(
                "a certificate's signature algorithm differs from the signed one",
            ));
        }
        fields.expect(der::SEQUENCE)?;
        let validity = fields.expect(der::SEQUENCE)?;
        let mut times = validity.reader();
        let not_before = der::time(&times.any()?)?;
        let not_after = der::time(&times.any()?)?;
        fields.expect(der::SEQUENCE)?;
        let spki = fields.expect(der::SEQUENCE)?.raw;
        // The issuer's and subject's unique ids, then the extensions, each at most once and in
        // this order; anything else would be read differently by another parser.
        fields.optional_context(1)?;
        fields.optional_context(2)?;
        let extensions = match fields.optional_context(3)? {
            Some(tlv) => parse_extensions(&tlv)?,
            None => Vec::new(),
        };
        if !fields.is_empty() {
            return Err(der::malformed(
                "a certificate's signed part has unknown or repeated fields",
            ));
        }
        Ok(Certificate {
            tbs: tbs.raw,
            signature_algorithm,
            signature,
            serial,
            not_before,
            not_after,
            spki,
            extensions,
        })
    }

    /// The contents of the extension `oid`, if the certificate carries it.
    pub fn extension(&self, oid: &[u8]) -> Option<&'a [u8]> {
        self.extensions
            .iter()
            .find(|(id, _)| *id == oid)
            .map(|(_, value)| *value)
    }

    /// Checks that the holder of `issuer_spki` signed this certificate.
    pub fn verify_signed_by(&self, issuer_spki: &[u8]) -> Result<(), AttestationError> {
        let key = PublicKey::parse(issuer_spki)?;
        let algorithm: &'static dyn VerificationAlgorithm =
            match (key.kind, self.signature_algorithm) {
                (KeyKind::P256, ECDSA_SHA256) => &signature::ECDSA_P256_SHA256_ASN1,
                (KeyKind::P256, ECDSA_SHA384) => &signature::ECDSA_P256_SHA384_ASN1,
                (KeyKind::P384, ECDSA_SHA256) => &signature::ECDSA_P384_SHA256_ASN1,
                (KeyKind::P384, ECDSA_SHA384) => &signature::ECDSA_P384_SHA384_ASN1,
                (KeyKind::Rsa, RSA_SHA256) => &signature::RSA_PKCS1_2048_8192_SHA256,
                (KeyKind::Rsa, RSA_SHA384) => &signature::RSA_PKCS1_2048_8192_SHA384,
                (KeyKind::Rsa, RSA_SHA512) => &signature::RSA_PKCS1_2048_8192_SHA512,
                _ => return Err(AttestationError::UnsupportedAlgorithm),
            };
        UnparsedPublicKey::new(algorithm, key.bytes)
            .verify(self.tbs, self.signature)
            .map_err(|_| AttestationError::BadSignature)
    }

    /// The serial number as Google's revocation list writes it: lowercase hex, no leading zeros.
    pub fn serial_hex(&self) -> String {
        let hex: String = self.serial.iter().map(|b| format!("{b:02x}")).collect();
        let trimmed = hex.trim_start_matches('0');
        if trimmed.is_empty() {
            "0".into()
        } else {
            trimmed.into()
        }
    }
}

fn parse_extensions<'a>(wrapper: &Tlv<'a>) -> Result<Vec<Extension<'a>>, AttestationError> {
    let list = der::single(wrapper.value, der::SEQUENCE)?;
    let mut items = list.reader();
    let mut out = Vec::new();
    while let Some(item) = items.next_tlv()? {
        let mut parts = item.reader();
        let oid = parts.expect(der::OID)?.value;
        let mut next = parts.any()?;
        if next.ident == der::BOOLEAN {
            next = parts.any()?;
        }
        if next.ident != der::OCTET_STRING {
            return Err(der::malformed(
                "an extension's value is not an octet string",
            ));
        }
        if out.iter().any(|(id, _)| *id == oid) {
            return Err(der::malformed("an extension appears twice"));
        }
        out.push((oid, next.value));
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    P256,
    P384,
    Rsa,
}

/// A public key as ring takes it.
struct PublicKey<'a> {
    kind: KeyKind,
    bytes: &'a [u8],
}

impl<'a> PublicKey<'a> {
    fn parse(spki: &'a [u8]) -> Result<PublicKey<'a>, AttestationError> {
        let outer = der::single(spki, der::SEQUENCE)?;
        let mut parts = outer.reader();
        let algorithm = parts.expect(der::SEQUENCE)?;
        let bytes = parts.expect(der::BIT_STRING)?.bits()?;
        let mut alg = algorithm.reader();
        let oid = alg.expect(der::OID)?.value;
        let kind = match oid {
            EC_PUBLIC_KEY => match alg.expect(der::OID)?.value {
                P256 => KeyKind::P256,
                P384 => KeyKind::P384,
                _ => return Err(AttestationError::UnsupportedAlgorithm),
            },
            RSA_ENCRYPTION => KeyKind::Rsa,
            _ => return Err(AttestationError::UnsupportedAlgorithm),
        };
        Ok(PublicKey { kind, bytes })
    }
}

/// The raw public key bits of an SPKI (an EC point, or an RSAPublicKey).
pub fn public_key_bits(spki: &[u8]) -> Result<&[u8], AttestationError> {
    Ok(PublicKey::parse(spki)?.bytes)
}

/// Checks a chain, leaf first: each certificate inside its validity at `now`, each signed by the
/// next, none revoked, and the last either one of `anchors` (by public key, self-signed) or
/// signed by one of them. Returns the parsed certificates.
pub fn verify_chain<'a>(
    chain: &'a [Vec<u8>],
    anchors: &[Vec<u8>],
    revoked: &dyn Fn(&Certificate<'_>) -> Option<String>,
    now: i64,
) -> Result<Vec<Certificate<'a>>, AttestationError> {
    if chain.is_empty() {
        return Err(der::malformed("the certificate chain is empty"));
    }
    if chain.len() > 10 {
        return Err(der::malformed("the certificate chain is too long"));
    }
    let certs = chain
        .iter()
        .map(|der| Certificate::parse(der))
        .collect::<Result<Vec<_>, _>>()?;
    for (index, cert) in certs.iter().enumerate() {
        if now < cert.not_before {
            return Err(AttestationError::NotYetValid { index });
        }
        if now > cert.not_after {
            return Err(AttestationError::Expired { index });
        }
        if let Some(status) = revoked(cert) {
            return Err(AttestationError::Revoked {
                serial: cert.serial_hex(),
                status,
            });
        }
    }
    for (index, pair) in certs.windows(2).enumerate() {
        pair[0]
            .verify_signed_by(pair[1].spki)
            .map_err(|e| at_index(e, index))?;
    }
    let last_index = certs.len() - 1;
    let last = &certs[last_index];
    if anchors.iter().any(|anchor| anchor.as_slice() == last.spki) {
        last.verify_signed_by(last.spki)
            .map_err(|e| at_index(e, last_index))?;
        return Ok(certs);
    }
    if anchors
        .iter()
        .any(|anchor| last.verify_signed_by(anchor).is_ok())
    {
        return Ok(certs);
    }
    Err(AttestationError::ForeignRoot)
}

fn at_index(error: AttestationError, index: usize) -> AttestationError {
    match error {
        AttestationError::BadSignature => AttestationError::BadChainSignature { index },
        other => other,
    }
}

/// Reads every certificate out of PEM text.
pub fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, AttestationError> {
    use base64::Engine as _;
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines().map(str::trim) {
        match line {
            "-----BEGIN CERTIFICATE-----" => body = Some(String::new()),
            "-----END CERTIFICATE-----" => {
                let b64 = body
                    .take()
                    .ok_or_else(|| der::malformed("a PEM end without a beginning"))?;
                out.push(
                    base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .map_err(|_| der::malformed("a PEM certificate is not base64"))?,
                );
            }
            other => {
                if let Some(b) = body.as_mut() {
                    b.push_str(other);
                }
            }
        }
    }
    Ok(out)
}

/// The SubjectPublicKeyInfo of a DER certificate, owned.
pub fn spki_of(der: &[u8]) -> Result<Vec<u8>, AttestationError> {
    Ok(Certificate::parse(der)?.spki.to_vec())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A SEQUENCE around `contents`, its length in DER's shortest form.
    fn sequence(contents: &[u8]) -> Vec<u8> {
        let len = contents.len();
        let mut out = vec![der::SEQUENCE];
        match len {
            0..=0x7f => out.push(len as u8),
            0x80..=0xff => out.extend([0x81, len as u8]),
            _ => out.extend([0x82, (len >> 8) as u8, len as u8]),
        }
        out.extend_from_slice(contents);
        out
    }

    /// Google's EC root split into its signed part, algorithm and signature, each whole DER.
    fn root_parts() -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
        let root = pem_certificates(super::super::GOOGLE_EC_ROOT)
            .unwrap()
            .remove(0);
        let outer = der::single(&root, der::SEQUENCE).unwrap();
        let mut parts = outer.reader();
        let tbs = parts.any().unwrap().raw.to_vec();
        let algorithm = parts.any().unwrap().raw.to_vec();
        let signature = parts.any().unwrap().raw.to_vec();
        (root, tbs, algorithm, signature)
    }

    fn certificate(tbs: &[u8], algorithm: &[u8], signature: &[u8], tail: &[u8]) -> Vec<u8> {
        sequence(&[tbs, algorithm, signature, tail].concat())
    }

    #[test]
    fn the_split_root_reassembles_and_verifies() {
        let (root, tbs, algorithm, signature) = root_parts();
        let again = certificate(&tbs, &algorithm, &signature, &[]);
        assert_eq!(again, root);
        let cert = Certificate::parse(&again).unwrap();
        cert.verify_signed_by(cert.spki).unwrap();
    }

    #[test]
    fn bytes_after_the_signature_are_refused() {
        let (_, tbs, algorithm, signature) = root_parts();
        let padded = certificate(&tbs, &algorithm, &signature, &[0x05, 0x00]);
        assert!(matches!(
            Certificate::parse(&padded),
            Err(AttestationError::Malformed(_))
        ));
    }

    #[test]
    fn an_outer_algorithm_other_than_the_signed_one_is_refused() {
        let (_, tbs, _, signature) = root_parts();
        let oid = [&[der::OID, ECDSA_SHA256.len() as u8][..], ECDSA_SHA256].concat();
        let swapped = certificate(&tbs, &sequence(&oid), &signature, &[]);
        assert!(matches!(
            Certificate::parse(&swapped),
            Err(AttestationError::Malformed(_))
        ));
    }

    #[test]
    fn unknown_or_repeated_fields_in_the_signed_part_are_refused() {
        let (_, tbs, algorithm, signature) = root_parts();
        let outer = der::single(&tbs, der::SEQUENCE).unwrap();
        let mut fields = outer.reader();
        let mut extensions = None;
        while let Some(field) = fields.next_tlv().unwrap() {
            if field.is_context(3) {
                extensions = Some(field.raw.to_vec());
            }
        }
        let extensions = extensions.unwrap();
        for extra in [&[0x05, 0x00][..], &extensions] {
            let longer = sequence(&[outer.value, extra].concat());
            let cert = certificate(&longer, &algorithm, &signature, &[]);
            assert!(
                matches!(
                    Certificate::parse(&cert),
                    Err(AttestationError::Malformed(_))
                ),
                "{extra:02x?}"
            );
        }
    }
}
