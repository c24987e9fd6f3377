//! The request-signature profile of RFC 9421 (HTTP Message Signatures) that every phone request
//! carries, built by the phone and checked by the gateway from the same code.
//!
//! ```text
//! Content-Digest: sha-256=:<base64 sha256(body)>:
//! Signature-Input: req=("@method" "@target-uri" "content-digest" "content-type" "authorization");
//!     created=<s>;expires=<s>;nonce="<b64url>";keyid="dk_…";alg="ecdsa-p256-sha256";tag="qianpi-req-v1"
//! Signature: req=:<base64 raw r||s>:
//! ```
//!
//! The profile is strict on purpose: exactly these covered components, this label, this algorithm
//! and tag. Anything else is refused rather than interpreted. The base itself is built by the
//! general RFC 9421 builder of [`base`], which is checked against the RFC's own examples.

pub mod base;
#[cfg(test)]
mod rfc9421_tests;
mod sign;

use crate::crypto;
use base::{Component, ParamValue};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
pub use sign::{sign_request, RequestSigner, CONTENT_TYPE};

/// The components every request signature must cover, in this order.
pub const COVERED_COMPONENTS: [&str; 5] = [
    "@method",
    "@target-uri",
    "content-digest",
    "content-type",
    "authorization",
];
/// The signature label.
pub const LABEL: &str = "req";
/// The algorithm name.
pub const ALGORITHM: &str = "ecdsa-p256-sha256";
/// The application tag.
pub const TAG: &str = "qianpi-req-v1";
/// The longest validity a signature may claim, and the clock tolerance of the gateway, in seconds.
pub const MAX_VALIDITY_SECS: i64 = 60;

/// Errors in signature headers.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// A signature header is missing.
    #[error("the request has no {0} header")]
    MissingHeader(&'static str),
    /// A header does not follow the profile.
    #[error("the {0} header does not follow the qianpi-req-v1 profile")]
    Malformed(&'static str),
    /// A required signature parameter is missing.
    #[error("the signature parameter {0} is missing")]
    MissingParameter(&'static str),
    /// The covered components are not exactly the profile's.
    #[error("the signature does not cover exactly the required components")]
    WrongComponents,
}

/// The parameters of one signature (`Signature-Input` after the component list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    /// Creation time, Unix seconds (server-adjusted on the phone).
    pub created: i64,
    /// Expiry time, Unix seconds; at most `created + 60`.
    pub expires: i64,
    /// 16 random bytes, base64url: accepted once per key id.
    pub nonce: String,
    /// `dk_<base64url sha256(DSK SPKI)>`.
    pub key_id: String,
}

impl SignatureParams {
    /// The serialised inner list with parameters, as it appears in `Signature-Input` and as the
    /// `@signature-params` line of the signature base.
    pub fn serialize(&self) -> String {
        base::signature_params(&COVERED_COMPONENTS, &self.parameters())
    }

    /// The parameters in the profile's order.
    fn parameters(&self) -> [(&'static str, ParamValue<'_>); 6] {
        [
            ("created", ParamValue::Integer(self.created)),
            ("expires", ParamValue::Integer(self.expires)),
            ("nonce", ParamValue::String(&self.nonce)),
            ("keyid", ParamValue::String(&self.key_id)),
            ("alg", ParamValue::String(ALGORITHM)),
            ("tag", ParamValue::String(TAG)),
        ]
    }

    /// Parses a `Signature-Input` header value under the profile.
    pub fn parse_header(header: &str) -> Result<SignatureParams, SignatureError> {
        const NAME: &str = "Signature-Input";
        let rest = header
            .trim()
            .strip_prefix(LABEL)
            .and_then(|r| r.strip_prefix("=("))
            .ok_or(SignatureError::Malformed(NAME))?;
        let (list, params) = rest
            .split_once(')')
            .ok_or(SignatureError::Malformed(NAME))?;
        let components: Vec<&str> = list.split(' ').filter(|c| !c.is_empty()).collect();
        let expected: Vec<String> = COVERED_COMPONENTS
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect();
        if components != expected {
            return Err(SignatureError::WrongComponents);
        }
        let (mut created, mut expires, mut nonce, mut key_id, mut alg, mut tag) =
            (None, None, None, None, None, None);
        for param in params.split(';').filter(|p| !p.is_empty()) {
            let (name, value) = param
                .split_once('=')
                .ok_or(SignatureError::Malformed(NAME))?;
            let quoted = || {
                value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .filter(|v| !v.contains('"'))
                    .map(str::to_owned)
                    .ok_or(SignatureError::Malformed(NAME))
            };
            let integer = || {
                value
                    .parse::<i64>()
                    .map_err(|_| SignatureError::Malformed(NAME))
            };
            match name {
                "created" => created = Some(integer()?),
                "expires" => expires = Some(integer()?),
                "nonce" => nonce = Some(quoted()?),
                "keyid" => key_id = Some(quoted()?),
                "alg" => alg = Some(quoted()?),
                "tag" => tag = Some(quoted()?),
                _ => return Err(SignatureError::Malformed(NAME)),
            }
        }
        if alg.ok_or(SignatureError::MissingParameter("alg"))? != ALGORITHM
            || tag.ok_or(SignatureError::MissingParameter("tag"))? != TAG
        {
            return Err(SignatureError::Malformed(NAME));
        }
        Ok(SignatureParams {
            created: created.ok_or(SignatureError::MissingParameter("created"))?,
            expires: expires.ok_or(SignatureError::MissingParameter("expires"))?,
            nonce: nonce.ok_or(SignatureError::MissingParameter("nonce"))?,
            key_id: key_id.ok_or(SignatureError::MissingParameter("keyid"))?,
        })
    }

    /// The `Signature-Input` header value.
    pub fn header_value(&self) -> String {
        format!("{LABEL}={}", self.serialize())
    }
}

/// The covered values of one request.
#[derive(Debug, Clone, Copy)]
pub struct CoveredValues<'a> {
    /// `@method`, upper case.
    pub method: &'a str,
    /// `@target-uri`: the absolute URI the request was sent to.
    pub target_uri: &'a str,
    /// The `Content-Digest` header value.
    pub content_digest: &'a str,
    /// The `Content-Type` header value.
    pub content_type: &'a str,
    /// The `Authorization` header value.
    pub authorization: &'a str,
}

/// The signature base of RFC 9421 §2.5 for this profile: the bytes that get signed.
pub fn signature_base(values: &CoveredValues<'_>, params: &SignatureParams) -> String {
    let values = [
        values.method,
        values.target_uri,
        values.content_digest,
        values.content_type,
        values.authorization,
    ];
    let components = COVERED_COMPONENTS
        .iter()
        .zip(values)
        .map(|(name, value)| Component { name, value });
    base::signature_base(&components.collect::<Vec<_>>(), &params.parameters())
}

/// The `Content-Digest` value of a body (RFC 9530), also for an empty body.
pub fn content_digest(body: &[u8]) -> String {
    format!("sha-256=:{}:", STANDARD.encode(crypto::sha256(body)))
}

/// The `Signature` header value for a raw signature.
pub fn signature_header(raw_signature: &[u8]) -> String {
    format!("{LABEL}=:{}:", STANDARD.encode(raw_signature))
}

/// Parses a `Signature` header value into the raw signature bytes.
pub fn parse_signature_header(header: &str) -> Result<Vec<u8>, SignatureError> {
    const NAME: &str = "Signature";
    let encoded = header
        .trim()
        .strip_prefix(LABEL)
        .and_then(|r| r.strip_prefix("=:"))
        .and_then(|r| r.strip_suffix(':'))
        .ok_or(SignatureError::Malformed(NAME))?;
    STANDARD
        .decode(encoded)
        .map_err(|_| SignatureError::Malformed(NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> SignatureParams {
        SignatureParams {
            created: 1_770_000_000,
            expires: 1_770_000_060,
            nonce: "bm9uY2Utbm9uY2UtMTI".into(),
            key_id: "dk_abc".into(),
        }
    }

    #[test]
    fn signature_input_round_trips() {
        let p = params();
        assert_eq!(SignatureParams::parse_header(&p.header_value()).unwrap(), p);
    }

    #[test]
    fn signature_base_lists_every_component_then_the_parameters() {
        let values = CoveredValues {
            method: "POST",
            target_uri: "https://oa.example.gov.cn/v1/commands",
            content_digest: &content_digest(b"{}"),
            content_type: "application/json",
            authorization: "Bearer t",
        };
        let base = signature_base(&values, &params());
        let lines: Vec<&str> = base.lines().collect();
        assert_eq!(lines[0], "\"@method\": POST");
        assert_eq!(
            lines[1],
            "\"@target-uri\": https://oa.example.gov.cn/v1/commands"
        );
        assert_eq!(
            lines[2],
            "\"content-digest\": sha-256=:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=:"
        );
        assert!(lines[5].starts_with("\"@signature-params\": (\"@method\" \"@target-uri\""));
        assert!(!base.ends_with('\n'));
    }

    #[test]
    fn the_profile_base_is_byte_for_byte_the_documented_one() {
        // Fixed bytes: a change to the general builder must not move a single byte of what
        // phones already sign and gateways already verify.
        let values = CoveredValues {
            method: "POST",
            target_uri: "https://oa.example.gov.cn/v1/commands",
            content_digest: &content_digest(b"{}"),
            content_type: "application/json",
            authorization: " Bearer t ",
        };
        let expected = concat!(
            "\"@method\": POST\n",
            "\"@target-uri\": https://oa.example.gov.cn/v1/commands\n",
            "\"content-digest\": sha-256=:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=:\n",
            "\"content-type\": application/json\n",
            "\"authorization\": Bearer t\n",
            "\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\" ",
            "\"content-type\" \"authorization\");created=1770000000;expires=1770000060;",
            "nonce=\"bm9uY2Utbm9uY2UtMTI\";keyid=\"dk_abc\";alg=\"ecdsa-p256-sha256\";",
            "tag=\"qianpi-req-v1\"",
        );
        assert_eq!(signature_base(&values, &params()), expected);
        assert_eq!(
            params().header_value(),
            format!("req={}", expected.rsplit_once(": ").unwrap().1)
        );
    }

    #[test]
    fn a_signature_covering_fewer_components_is_refused() {
        let header = "req=(\"@method\" \"@target-uri\");created=1;expires=2;nonce=\"n\";keyid=\"k\";alg=\"ecdsa-p256-sha256\";tag=\"qianpi-req-v1\"";
        assert_eq!(
            SignatureParams::parse_header(header),
            Err(SignatureError::WrongComponents)
        );
    }

    #[test]
    fn missing_parameters_and_foreign_algorithms_are_refused() {
        let p = params().header_value();
        let without_nonce = p.replace(";nonce=\"bm9uY2Utbm9uY2UtMTI\"", "");
        assert_eq!(
            SignatureParams::parse_header(&without_nonce),
            Err(SignatureError::MissingParameter("nonce"))
        );
        let hmac = p.replace(ALGORITHM, "hmac-sha256");
        assert!(SignatureParams::parse_header(&hmac).is_err());
    }

    #[test]
    fn signature_header_round_trips() {
        let raw = [9u8; 64];
        assert_eq!(
            parse_signature_header(&signature_header(&raw)).unwrap(),
            raw.to_vec()
        );
        assert!(parse_signature_header("req=:not base64!:").is_err());
    }
}
