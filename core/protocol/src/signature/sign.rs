//! Signing a request under the profile: the headers a phone sends, made by one function that
//! phones and test drivers share, with the request key's signature supplied by the caller (a
//! platform keystore on a phone, an in-memory key in tests and tools).

use super::{
    content_digest, signature_base, signature_header, CoveredValues, SignatureParams,
    MAX_VALIDITY_SECS,
};

/// The content type every signed request carries (and covers).
pub const CONTENT_TYPE: &str = "application/json";

/// Who signs a request: the bearer token and the key id of the request key it is bound to.
#[derive(Debug, Clone, Copy)]
pub struct RequestSigner<'a> {
    /// The access token bound to the request key.
    pub access_token: &'a str,
    /// `dk_…`: the key id of the request key.
    pub key_id: &'a str,
}

/// The headers of a signed request (`authorization`, `content-digest`, `signature-input`,
/// `signature`), valid from `created` for [`MAX_VALIDITY_SECS`].
///
/// `sign` signs the signature base with the request key and returns the raw `r‖s` signature; on
/// a phone it goes through the platform keystore, in tests and tools through an in-memory key.
/// Phones and test drivers build requests with this one function, so they sign exactly alike.
pub fn sign_request<E>(
    method: &str,
    target_uri: &str,
    body: &[u8],
    signer: RequestSigner<'_>,
    created: i64,
    nonce: &[u8; 16],
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, E>,
) -> Result<Vec<(&'static str, String)>, E> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let authorization = format!("Bearer {}", signer.access_token);
    let digest = content_digest(body);
    let params = SignatureParams {
        created,
        expires: created.saturating_add(MAX_VALIDITY_SECS),
        nonce: URL_SAFE_NO_PAD.encode(nonce),
        key_id: signer.key_id.to_owned(),
    };
    let covered = CoveredValues {
        method,
        target_uri,
        content_digest: &digest,
        content_type: CONTENT_TYPE,
        authorization: &authorization,
    };
    let raw = sign(signature_base(&covered, &params).as_bytes())?;
    Ok(vec![
        ("authorization", authorization),
        ("content-digest", digest),
        ("signature-input", params.header_value()),
        ("signature", signature_header(&raw)),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::{parse_signature_header, CoveredValues, SignatureParams};
    use super::*;
    use crate::crypto;

    #[test]
    fn a_signed_request_carries_headers_that_parse_back_and_verify() {
        use ring::rand::SystemRandom;
        use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let signer = RequestSigner {
            access_token: "t",
            key_id: "dk_abc",
        };
        let uri = "https://oa.example.gov.cn/v1/commands";
        let headers = sign_request(
            "POST",
            uri,
            b"{}",
            signer,
            1_770_000_000,
            &[7; 16],
            |base| key.sign(&rng, base).map(|s| s.as_ref().to_vec()),
        )
        .unwrap();
        let header = |name: &str| &headers.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(header("authorization"), "Bearer t");
        assert_eq!(header("content-digest"), &content_digest(b"{}"));
        let params = SignatureParams::parse_header(header("signature-input")).unwrap();
        assert_eq!(
            (params.created, params.expires, params.key_id.as_str()),
            (1_770_000_000, 1_770_000_060, "dk_abc")
        );
        let raw = parse_signature_header(header("signature")).unwrap();
        let covered = CoveredValues {
            method: "POST",
            target_uri: uri,
            content_digest: header("content-digest"),
            content_type: CONTENT_TYPE,
            authorization: header("authorization"),
        };
        let spki = crypto::p256_spki_from_point(key.public_key().as_ref()).unwrap();
        crypto::verify_p256(&spki, signature_base(&covered, &params).as_bytes(), &raw).unwrap();
    }
}
