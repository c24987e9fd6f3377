//! Gateway statements: they verify under the gateway's key only, only as their own kind, and any
//! change to their bytes is detected.

// A failed assumption in a test is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use chrono::TimeZone as _;

fn key() -> GatewayKey {
    GatewayKey::from_pkcs8(&GatewayKey::generate_pkcs8().unwrap()).unwrap()
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        device_id: "dev-1".into(),
        user_id: "user-wang".into(),
        issued_at: Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap(),
        policy: OfflinePolicy::default(),
    }
}

fn wipe() -> WipeCommand {
    WipeCommand {
        device_id: "dev-1".into(),
        issued_at: Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap(),
        reason: "revoked".into(),
    }
}

#[test]
fn a_signed_statement_verifies_under_its_key_and_gives_back_what_was_signed() {
    let key = key();
    let signed = key.sign(&checkpoint()).unwrap();
    assert_eq!(signed.verify(key.public()).unwrap(), checkpoint());
    assert!(key.public().key_id.starts_with("gk_"));
}

#[test]
fn another_gateways_key_is_refused_by_name() {
    let signed = key().sign(&checkpoint()).unwrap();
    let other = key();
    assert!(matches!(
        signed.verify(other.public()),
        Err(StatementError::UnknownKey { .. })
    ));
}

#[test]
fn a_key_claiming_the_right_id_but_another_public_half_fails_the_signature() {
    let real = key();
    let signed = real.sign(&checkpoint()).unwrap();
    let impostor = GatewayPublicKey {
        key_id: real.public().key_id.clone(),
        spki: key().public().spki.clone(),
    };
    assert!(matches!(
        signed.verify(&impostor),
        Err(StatementError::Signature(_))
    ));
}

#[test]
fn a_statement_of_one_kind_never_verifies_as_another() {
    let key = key();
    let signed = key.sign(&wipe()).unwrap();
    let as_checkpoint: Signed<Checkpoint> = Signed::from_base64(signed.as_base64().to_owned());
    assert!(matches!(
        as_checkpoint.verify(key.public()),
        Err(StatementError::WrongKind {
            expected: "checkpoint",
            ..
        })
    ));
}

#[test]
fn every_flipped_bit_of_a_statement_is_detected() {
    let key = key();
    let signed = key.sign(&wipe()).unwrap();
    let bytes = STANDARD.decode(signed.as_base64()).unwrap();
    for index in 0..bytes.len() {
        for bit in 0..8 {
            let mut altered = bytes.clone();
            altered[index] ^= 1 << bit;
            let altered: Signed<WipeCommand> = Signed::from_base64(STANDARD.encode(&altered));
            assert!(
                altered.verify(key.public()).is_err(),
                "byte {index} bit {bit} went unnoticed"
            );
        }
    }
}

#[test]
fn garbage_is_a_typed_error_never_a_panic() {
    let key = key();
    for text in ["", "not base64!", "AAAA", "2BI="] {
        let signed: Signed<Checkpoint> = Signed::from_base64(text.into());
        assert!(signed.verify(key.public()).is_err(), "{text:?} verified");
    }
}

#[test]
fn the_hash_names_the_signed_content_not_the_signature_bytes() {
    let key = key();
    let first = key.sign(&checkpoint()).unwrap();
    let second = key.sign(&checkpoint()).unwrap();
    // ECDSA signatures are randomised: two signings differ in bytes but not in what they cover.
    assert_ne!(first.as_base64(), second.as_base64());
    assert_eq!(first.hash().unwrap(), second.hash().unwrap());
    let mut later = checkpoint();
    later.issued_at += chrono::Duration::seconds(1);
    assert_ne!(
        key.sign(&later).unwrap().hash().unwrap(),
        first.hash().unwrap()
    );
}

#[test]
fn a_signed_statement_travels_as_one_json_string() {
    let key = key();
    let signed = key.sign(&checkpoint()).unwrap();
    let json = serde_json::to_value(&signed).unwrap();
    assert!(json.is_string());
    let back: Signed<Checkpoint> = serde_json::from_value(json).unwrap();
    assert_eq!(back.verify(key.public()).unwrap(), checkpoint());
}

#[test]
fn a_bad_private_key_is_a_typed_error() {
    assert!(matches!(
        GatewayKey::from_pkcs8(b"not a key"),
        Err(StatementError::BadKey(_))
    ));
}
