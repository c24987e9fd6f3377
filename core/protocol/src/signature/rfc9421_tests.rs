//! The signature base and ECDSA P-256 verification checked against RFC 9421's own examples
//! (security.md R-3), so the profile is known to speak the standard and not only itself.
//!
//! Every constant is copied byte for byte from RFC 9421 Appendix B (line wrapping of RFC 8792
//! undone). ECDSA is randomised, so the RFC's signatures cannot be reproduced: they are verified
//! with the same verifier the gateway uses, over the base our builder produces. A signature that
//! verifies proves the base is the RFC's to the last byte.

use super::base::{self, Component, ParamValue};
use super::*;
use crate::crypto::{self, CryptoError};
use ring::digest;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};

/// RFC 9421 B.1.3 `test-key-ecc-p256`, the public key (the body of its `PUBLIC KEY` PEM: SPKI).
const TEST_KEY_ECC_P256_SPKI: &str = concat!(
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf",
    "w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ=="
);

/// RFC 9421 B.2: the body of the test request and of the test response.
const TEST_REQUEST_BODY: &str = r#"{"hello": "world"}"#;
const TEST_RESPONSE_BODY: &str = r#"{"message": "good dog"}"#;
/// RFC 9421 B.2: `Content-Digest` of the test response.
const TEST_RESPONSE_DIGEST: &str =
    "sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:";
/// RFC 9421 B.2: `Content-Digest` of the test request.
const TEST_REQUEST_DIGEST: &str =
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

/// RFC 9421 B.2.4 "Signing a Response Using ecdsa-p256-sha256": the signature base.
const B24_BASE: &str = concat!(
    "\"@status\": 200\n",
    "\"content-type\": application/json\n",
    "\"content-digest\": sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX6",
    "9wWdXymyU0rjJuahq4l5aGgfLQ==:\n",
    "\"content-length\": 23\n",
    "\"@signature-params\": (\"@status\" \"content-type\" \"content-digest\" \"content-length\")",
    ";created=1618884473;keyid=\"test-key-ecc-p256\"",
);
/// RFC 9421 B.2.4: the `Signature-Input` and `Signature` fields, label `sig-b24`.
const B24_SIGNATURE_INPUT: &str = concat!(
    "sig-b24=(\"@status\" \"content-type\" \"content-digest\" \"content-length\")",
    ";created=1618884473;keyid=\"test-key-ecc-p256\"",
);
const B24_SIGNATURE: &str = concat!(
    "sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NK",
    "ocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:",
);

/// RFC 9421 B.3 "TLS-Terminating Proxies": the `Client-Cert` field the proxy adds to the test
/// request before signing it with `test-key-ecc-p256`.
const B3_CLIENT_CERT: &str = concat!(
    ":MIIBqDCCAU6gAwIBAgIBBzAKBggqhkjOPQQDAjA6MRswGQYDVQQKDBJMZXQncyBB",
    "dXRoZW50aWNhdGUxGzAZBgNVBAMMEkxBIEludGVybWVkaWF0ZSBDQTAeFw0yMDAx",
    "MTQyMjU1MzNaFw0yMTAxMjMyMjU1MzNaMA0xCzAJBgNVBAMMAkJDMFkwEwYHKoZI",
    "zj0CAQYIKoZIzj0DAQcDQgAE8YnXXfaUgmnMtOXU/IncWalRhebrXmckC8vdgJ1p",
    "5Be5F/3YC8OthxM4+k1M6aEAEFcGzkJiNy6J84y7uzo9M6NyMHAwCQYDVR0TBAIw",
    "ADAfBgNVHSMEGDAWgBRm3WjLa38lbEYCuiCPct0ZaSED2DAOBgNVHQ8BAf8EBAMC",
    "BsAwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0RAQH/BBMwEYEPYmRjQGV4YW1w",
    "bGUuY29tMAoGCCqGSM49BAMCA0gAMEUCIBHda/r1vaL6G3VliL4/Di6YK0Q6bMje",
    "SkC3dFCOOB8TAiEAx/kHSB4urmiZ0NX5r5XarmPk0wmuydBVoU4hBVZ1yhk=:",
);
/// RFC 9421 B.3: the signature base of the proxy's signature.
fn b3_base() -> String {
    format!(
        concat!(
            "\"@path\": /foo\n",
            "\"@query\": ?param=Value&Pet=dog\n",
            "\"@method\": POST\n",
            "\"@authority\": service.internal.example\n",
            "\"client-cert\": {}\n",
            "\"@signature-params\": (\"@path\" \"@query\" \"@method\" \"@authority\" ",
            "\"client-cert\");created=1618884473;keyid=\"test-key-ecc-p256\"",
        ),
        B3_CLIENT_CERT
    )
}
/// RFC 9421 B.3: the `Signature-Input` and `Signature` fields, label `ttrp`.
const B3_SIGNATURE_INPUT: &str = concat!(
    "ttrp=(\"@path\" \"@query\" \"@method\" \"@authority\" \"client-cert\")",
    ";created=1618884473;keyid=\"test-key-ecc-p256\"",
);
const B3_SIGNATURE: &str = concat!(
    "ttrp=:xVMHVpawaAC/0SbHrKRs9i8I3eOs5RtTMGCWXm/9nvZzoHsIg6",
    "Mce9315T6xoklyy0yzhD9ah4JHRwMLOgmizw==:",
);

/// The parameters of both ECDSA examples.
const RFC_PARAMS: [(&str, ParamValue<'static>); 2] = [
    ("created", ParamValue::Integer(1_618_884_473)),
    ("keyid", ParamValue::String("test-key-ecc-p256")),
];

fn spki() -> Vec<u8> {
    STANDARD.decode(TEST_KEY_ECC_P256_SPKI).unwrap()
}

/// The raw `r||s` of an RFC `Signature` field `<label>=:<base64>:`.
fn raw_signature(field: &str, label: &str) -> Vec<u8> {
    let encoded = field
        .strip_prefix(label)
        .and_then(|f| f.strip_prefix("=:"))
        .and_then(|f| f.strip_suffix(':'))
        .unwrap();
    STANDARD.decode(encoded).unwrap()
}

fn b24_components() -> [Component<'static>; 4] {
    [
        Component {
            name: "@status",
            value: "200",
        },
        Component {
            name: "content-type",
            value: "application/json",
        },
        Component {
            name: "content-digest",
            value: TEST_RESPONSE_DIGEST,
        },
        Component {
            name: "content-length",
            value: "23",
        },
    ]
}

fn b3_components() -> [Component<'static>; 5] {
    [
        Component {
            name: "@path",
            value: "/foo",
        },
        Component {
            name: "@query",
            value: "?param=Value&Pet=dog",
        },
        Component {
            name: "@method",
            value: "POST",
        },
        Component {
            name: "@authority",
            value: "service.internal.example",
        },
        Component {
            name: "client-cert",
            value: B3_CLIENT_CERT,
        },
    ]
}

#[test]
fn the_b1_3_key_is_a_p256_key_our_verifier_takes() {
    let spki = spki();
    let point = crypto::p256_point_from_spki(&spki).unwrap();
    assert_eq!(crypto::p256_spki_from_point(point).unwrap(), spki);
}

#[test]
fn the_b2_message_digests_are_the_bodies_digests() {
    // The examples' Content-Digest values are SHA-512 (RFC 9530) of the B.2 bodies: the messages
    // below are the RFC's, not a near copy.
    let sha512 = |body: &str| {
        format!(
            "sha-512=:{}:",
            STANDARD.encode(digest::digest(&digest::SHA512, body.as_bytes()))
        )
    };
    assert_eq!(sha512(TEST_REQUEST_BODY), TEST_REQUEST_DIGEST);
    assert_eq!(sha512(TEST_RESPONSE_BODY), TEST_RESPONSE_DIGEST);
    // Our profile's digest is the sha-256 member of the same field (RFC 9530 §2).
    assert_eq!(
        content_digest(TEST_REQUEST_BODY.as_bytes()),
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    );
}

#[test]
fn the_b2_4_response_base_is_the_rfcs() {
    let base = base::signature_base(&b24_components(), &RFC_PARAMS);
    assert_eq!(base, B24_BASE);
    let names = b24_components().map(|c| c.name);
    assert_eq!(
        format!("sig-b24={}", base::signature_params(&names, &RFC_PARAMS)),
        B24_SIGNATURE_INPUT
    );
}

#[test]
fn the_b2_4_signature_verifies_over_our_base_and_nowhere_else() {
    let base = base::signature_base(&b24_components(), &RFC_PARAMS);
    let raw = raw_signature(B24_SIGNATURE, "sig-b24");
    assert_eq!(raw.len(), 64);
    assert_eq!(crypto::verify_p256(&spki(), base.as_bytes(), &raw), Ok(()));

    let other_status = base.replacen("200", "201", 1);
    assert_eq!(
        crypto::verify_p256(&spki(), other_status.as_bytes(), &raw),
        Err(CryptoError::BadSignature)
    );
    let mut flipped = raw.clone();
    flipped[10] ^= 1;
    assert_eq!(
        crypto::verify_p256(&spki(), base.as_bytes(), &flipped),
        Err(CryptoError::BadSignature)
    );
}

#[test]
fn the_b3_request_base_is_the_rfcs_and_its_signature_verifies() {
    let base = base::signature_base(&b3_components(), &RFC_PARAMS);
    assert_eq!(base, b3_base());
    let names = b3_components().map(|c| c.name);
    assert_eq!(
        format!("ttrp={}", base::signature_params(&names, &RFC_PARAMS)),
        B3_SIGNATURE_INPUT
    );
    let raw = raw_signature(B3_SIGNATURE, "ttrp");
    assert_eq!(crypto::verify_p256(&spki(), base.as_bytes(), &raw), Ok(()));
    let other_method = base.replacen("POST", "GET", 1);
    assert_eq!(
        crypto::verify_p256(&spki(), other_method.as_bytes(), &raw),
        Err(CryptoError::BadSignature)
    );
}

#[test]
fn the_rfc_signatures_round_trip_through_der_and_verify_in_the_platform_form() {
    // Platform keystores sign in DER; the wire carries raw r||s (security.md, R-3).
    let spki = spki();
    let point = crypto::p256_point_from_spki(&spki).unwrap();
    for (field, label, base) in [
        (
            B24_SIGNATURE,
            "sig-b24",
            base::signature_base(&b24_components(), &RFC_PARAMS),
        ),
        (
            B3_SIGNATURE,
            "ttrp",
            base::signature_base(&b3_components(), &RFC_PARAMS),
        ),
    ] {
        let raw = raw_signature(field, label);
        let der = crypto::raw_to_der_signature(&raw).unwrap();
        assert_eq!(crypto::der_to_raw_signature(&der).unwrap().to_vec(), raw);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point)
            .verify(base.as_bytes(), &der)
            .unwrap();
    }
}

#[test]
fn the_profile_refuses_the_rfcs_own_fields() {
    // The RFC examples use other labels and carry no alg or tag: the strict profile refuses them
    // rather than interpreting them.
    for field in [B24_SIGNATURE_INPUT, B3_SIGNATURE_INPUT] {
        assert!(SignatureParams::parse_header(field).is_err());
    }
    for field in [B24_SIGNATURE, B3_SIGNATURE] {
        assert_eq!(
            parse_signature_header(field),
            Err(SignatureError::Malformed("Signature"))
        );
    }
}

#[test]
fn the_profile_base_is_the_general_base_over_its_components() {
    let params = SignatureParams {
        created: 1_618_884_473,
        expires: 1_618_884_533,
        nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
        key_id: "dk_test".into(),
    };
    let digest = content_digest(TEST_REQUEST_BODY.as_bytes());
    let values = CoveredValues {
        method: "POST",
        target_uri: "https://example.com/foo?param=Value&Pet=dog",
        content_digest: &digest,
        content_type: "application/json",
        authorization: "Bearer t",
    };
    let general = base::signature_base(
        &[
            Component {
                name: "@method",
                value: values.method,
            },
            Component {
                name: "@target-uri",
                value: values.target_uri,
            },
            Component {
                name: "content-digest",
                value: values.content_digest,
            },
            Component {
                name: "content-type",
                value: values.content_type,
            },
            Component {
                name: "authorization",
                value: values.authorization,
            },
        ],
        &[
            ("created", ParamValue::Integer(params.created)),
            ("expires", ParamValue::Integer(params.expires)),
            ("nonce", ParamValue::String(&params.nonce)),
            ("keyid", ParamValue::String(&params.key_id)),
            ("alg", ParamValue::String(ALGORITHM)),
            ("tag", ParamValue::String(TAG)),
        ],
    );
    assert_eq!(signature_base(&values, &params), general);
}
