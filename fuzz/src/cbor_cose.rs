//! CBOR and the COSE_Sign1 envelopes built on it: approval records (verified under a device's
//! approval key) and gateway statements (verified under the gateway's key).
//!
//! The envelope targets read their first byte as a mode. An even mode takes the rest as the
//! envelope bytes, as they arrive. An odd mode takes the rest as a payload and has the harness
//! key sign it first, so the payload decoders behind the signature check are fuzzed too.

use crate::keys::HarnessKey;
use crate::Outcome;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qianpi_domain::model::Notice;
use qianpi_protocol::cbor;
use qianpi_protocol::cose::{self, EXTERNAL_AAD};
use qianpi_protocol::statement::Statement;
use qianpi_protocol::{
    Checkpoint, CommandReceipt, NoticeStatus, Signed, SignedCommand, WipeCommand,
};

/// CBOR items: any decoding, the deterministic decoding, and canonicalisation.
///
/// Invariants: a deterministic item re-encodes to exactly its bytes; a canonicalised item
/// encodes to bytes the deterministic decoder takes back as the same item.
pub fn cbor(data: &[u8]) -> Outcome {
    let deterministic = match cbor::decode_deterministic(data) {
        Ok(value) => match cbor::encode_value(value) {
            Ok(bytes) if bytes == data => Outcome::Accepted,
            Ok(_) => Outcome::Broken("a deterministic item re-encodes to other bytes".into()),
            Err(error) => Outcome::Broken(format!("a deterministic item does not encode: {error}")),
        },
        Err(error) => Outcome::Refused(error.to_string()),
    };
    let canonical = match cbor::decode_value(data).and_then(cbor::canonicalize) {
        Ok(value) => match cbor::encode_value(value.clone()) {
            Ok(bytes) => match cbor::decode_deterministic(&bytes) {
                Ok(again) if again == value => Outcome::Accepted,
                Ok(_) => Outcome::Broken("a canonical item comes back changed".into()),
                Err(error) => Outcome::Broken(format!("a canonical encoding is refused: {error}")),
            },
            Err(error) => Outcome::Refused(error.to_string()),
        },
        Err(error) => Outcome::Refused(error.to_string()),
    };
    Outcome::worst([deterministic, canonical])
}

/// The payload signed by the harness key under `key_id`, as tagged COSE_Sign1 bytes.
fn harness_signed(key: &HarnessKey, key_id: &[u8], payload: &[u8]) -> Result<Vec<u8>, String> {
    let mut sign1 = cose::unsigned(key_id, payload.to_vec()).map_err(|e| format!("{e:?}"))?;
    sign1.signature = key.sign(&sign1.tbs_data(EXTERNAL_AAD))?;
    cose::to_bytes(sign1).map_err(|e| format!("{e:?}"))
}

/// The `command_id` text of a CBOR map, if there is one: the harness puts it on the envelope so
/// that a well-formed payload can be accepted whole.
fn command_id_of(payload: &[u8]) -> String {
    let Ok(ciborium_value) = cbor::decode_value(payload) else {
        return String::new();
    };
    ciborium_value
        .as_map()
        .and_then(|entries| {
            entries
                .iter()
                .find(|(key, _)| key.as_text() == Some("command_id"))
                .and_then(|(_, value)| value.as_text())
        })
        .unwrap_or_default()
        .to_owned()
}

/// A signed approval record as the gateway verifies it.
///
/// Invariant: an accepted record re-encodes to exactly the payload that was signed.
pub fn record(data: &[u8]) -> Outcome {
    let Some(key) = HarnessKey::shared() else {
        return Outcome::Broken("the harness key does not load".into());
    };
    let Some((mode, rest)) = data.split_first() else {
        return Outcome::Refused("empty input".into());
    };
    let command = if mode % 2 == 0 {
        let payload = cose::parse_any(rest).ok().and_then(|sign1| sign1.payload);
        SignedCommand {
            command_id: payload.as_deref().map(command_id_of).unwrap_or_default(),
            cose: STANDARD.encode(rest),
        }
    } else {
        match harness_signed(key, key.approval_key_id.as_bytes(), rest) {
            Ok(bytes) => SignedCommand {
                command_id: command_id_of(rest),
                cose: STANDARD.encode(bytes),
            },
            Err(error) => return Outcome::Refused(error),
        }
    };
    let _ = command.record_hash();
    match command.verify(&key.spki) {
        Ok(record) => match record.to_be_signed() {
            Ok(unsigned) if mode % 2 == 0 || unsigned.payload() == rest => Outcome::Accepted,
            Ok(_) => Outcome::Broken("an accepted record re-encodes to another payload".into()),
            Err(error) => Outcome::Broken(format!("an accepted record does not encode: {error}")),
        },
        Err(error) => Outcome::Refused(error.to_string()),
    }
}

/// Verifies `cose` as a statement of type `T` under the harness key.
fn verify_as<T: Statement>(key: &HarnessKey, cose: &[u8]) -> Outcome {
    let signed: Signed<T> = Signed::from_base64(STANDARD.encode(cose));
    let _ = signed.hash();
    Outcome::of(signed.verify(key.gateway_public()))
}

/// A signed gateway statement as the phone verifies it; the mode also picks the kind.
pub fn statement(data: &[u8]) -> Outcome {
    let Some(key) = HarnessKey::shared() else {
        return Outcome::Broken("the harness key does not load".into());
    };
    let Some((mode, rest)) = data.split_first() else {
        return Outcome::Refused("empty input".into());
    };
    let cose = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        match harness_signed(key, key.gateway_public().key_id.as_bytes(), rest) {
            Ok(bytes) => bytes,
            Err(error) => return Outcome::Refused(error),
        }
    };
    match (mode / 2) % 5 {
        0 => verify_as::<CommandReceipt>(key, &cose),
        1 => verify_as::<Checkpoint>(key, &cose),
        2 => verify_as::<Notice>(key, &cose),
        3 => verify_as::<NoticeStatus>(key, &cose),
        _ => verify_as::<WipeCommand>(key, &cose),
    }
}
