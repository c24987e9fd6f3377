//! Records: building, signing in two steps, verifying under the right key only, the device chain,
//! the fixed encoding, and each refusal with its own error.

use super::test_support::*;
use super::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ciborium::value::Value;
use coset::{iana, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable as _};

fn approve_record(key: &TestKey) -> CommandRecord {
    record(commands().remove(0), &key.key_id)
}

/// Signs `payload` bytes as they are, with headers `protected`, bypassing the record encoder:
/// what a faulty or hostile signer could send.
fn sign_raw(key: &TestKey, protected: coset::Header, payload: Vec<u8>) -> SignedCommand {
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |tbs| key.sign_bytes(tbs).to_vec())
        .build();
    SignedCommand {
        command_id: "0195f0a0-0000-7000-8000-000000000001".into(),
        cose: STANDARD.encode(sign1.to_tagged_vec().unwrap()),
    }
}

fn es256(key_id: &str) -> coset::Header {
    HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(key_id.as_bytes().to_vec())
        .build()
}

#[test]
fn the_record_carries_the_fields_derived_from_what_the_person_saw() {
    let key = TestKey::generate();
    let record = approve_record(&key);
    assert_eq!(record.v, RECORD_VERSION);
    assert_eq!(record.suite, SUITE_P256);
    assert_eq!(record.tenant, "unit-1");
    assert_eq!(record.instance_id, "inst-1");
    assert_eq!(record.instance_version, 1);
    assert_eq!(record.task_id, task_id());
    assert_eq!(
        record.document_hash,
        "b".repeat(64),
        "the newest body version"
    );
    assert_eq!(record.attachments_hash.len(), 64);
    assert_eq!(record.action, "approve");
    assert_eq!(record.route.as_deref(), Some("结束"));
    assert_eq!(record.opinion_hash.len(), 64);
    assert_eq!(record.on_behalf_of.as_deref(), Some("u-leader"));
    assert_eq!(record.signer.user_id, "u-sec");
    assert_eq!(record.device.key_id, key.key_id);
    assert_eq!(record.device.counter, 7);
    assert_eq!(record.time.since_checkpoint_ms, 0);
    assert_eq!(record.time.checkpoint_hash, "");
    assert_eq!(record.app_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(record.policy_version, 0);
    assert_eq!(record.acting_for.as_deref(), Some("u-leader"));
    assert_eq!(record.inconsistency(), None);
}

#[test]
fn hashes_of_documents_and_opinions_follow_their_definitions() {
    let mut document = document();
    let before = attachments_hash(&document).unwrap();
    document.body.attachments.reverse();
    assert_ne!(
        attachments_hash(&document).unwrap(),
        before,
        "list order counts"
    );
    document.body.attachments.clear();
    document.body.versions.clear();
    assert_eq!(attachments_hash(&document).unwrap(), "");
    assert_eq!(document_hash(&document), "");

    let suspend = Command::Suspend { task_id: None };
    assert_eq!(opinion_hash(&suspend).unwrap(), "");
    let approve = &commands()[0];
    let expected = crypto::sha256(&cbor::to_vec(&full_opinion()).unwrap());
    let hex: String = expected.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(opinion_hash(approve).unwrap(), hex);
}

#[test]
fn the_signer_holding_the_task_in_their_own_right_acts_on_behalf_of_nobody() {
    let key = TestKey::generate();
    let mut record = approve_record(&key);
    let mut instance = instance();
    instance.tasks[0].on_behalf_of = None;
    let (identity, document) = (identity(), document());
    let context = RecordContext {
        identity: &identity,
        approval_key_id: &key.key_id,
        counter: 1,
        prev_record_hash: "",
        created_at: record.time.created_at,
        instance: &instance,
        document: &document,
        checkpoint: None,
    };
    record = CommandRecord::new(record.command_id, record.command, None, context).unwrap();
    assert_eq!(record.on_behalf_of, None);
    let command = Command::Suspend { task_id: None };
    let record = CommandRecord::new("c".into(), command, None, context).unwrap();
    assert_eq!((record.task_id.as_str(), record.route), ("", None));
}

#[test]
fn a_record_verifies_under_its_key_and_not_under_another_devices_key() {
    let key = TestKey::generate();
    for command in commands() {
        let record = record(command, &key.key_id);
        let signed = key.sign(&record);
        assert_eq!(signed.verify(&key.spki).unwrap(), record);
        assert_eq!(
            signed.verify(&TestKey::generate().spki),
            Err(RecordError::Signature(CryptoError::BadSignature))
        );
    }
}

#[test]
fn each_record_names_the_hash_of_the_previous_one() {
    let key = TestKey::generate();
    let mut previous_hash = String::new();
    let mut hashes = Vec::new();
    for (n, command) in commands().into_iter().enumerate() {
        let mut record = record(command, &key.key_id);
        record.device.counter = n as u64 + 1;
        record.prev_record_hash = previous_hash.clone();
        let signed = key.sign(&record);
        let verified = signed.verify(&key.spki).unwrap();
        assert_eq!(verified.prev_record_hash, previous_hash);
        previous_hash = signed.record_hash().unwrap();
        hashes.push(previous_hash.clone());
    }
    hashes.dedup();
    assert_eq!(hashes.len(), commands().len());
}

#[test]
fn the_encoding_of_a_fixed_record_is_fixed_and_sorted() {
    let mut record = record(commands().remove(0), "ak_fixed");
    record.app_version = "0.1.0".into(); // pinned: the known answer must not move with releases
    let unsigned = record.to_be_signed().unwrap();
    assert_eq!(record.clone().to_be_signed().unwrap(), unsigned);
    let payload = unsigned.payload();
    // map(21), then "v": 1 — the only one-letter key sorts first.
    assert_eq!(&payload[..4], &[0xb5, 0x61, b'v', 0x01]);
    let Value::Map(entries) = cbor::decode_deterministic(payload).unwrap() else {
        panic!("the payload is not a map");
    };
    let keys: Vec<&str> = entries.iter().filter_map(|(k, _)| k.as_text()).collect();
    assert_eq!(
        keys,
        [
            "v",
            "time",
            "route",
            "suite",
            "action",
            "device",
            "signer",
            "tenant",
            "command",
            "task_id",
            "acting_for",
            "command_id",
            "app_version",
            "instance_id",
            "on_behalf_of",
            "opinion_hash",
            "document_hash",
            "policy_version",
            "attachments_hash",
            "instance_version",
            "prev_record_hash",
        ]
    );
    // The Sig_structure: ["Signature1", h'A2 01 26 04 48 "ak_fixed"', h'', payload].
    let tbs = unsigned.to_be_signed();
    assert_eq!(&tbs[..12], b"\x84\x6aSignature1");
    assert_eq!(&tbs[12..26], b"\x4d\xa2\x01\x26\x04\x48ak_fixed");
    let hex: String = crypto::sha256(payload)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hex, KNOWN_PAYLOAD_SHA256, "the record encoding changed");
}

/// SHA-256 of the fixed record's payload; a change here means old signatures no longer match
/// what this build would encode: a new record version, not an edit of this constant.
const KNOWN_PAYLOAD_SHA256: &str =
    "38c35f5d3c5e8af1caa54544e66845f0612186afc62885207c7a93a88f0ee147";

#[test]
fn the_envelope_command_id_must_be_the_signed_one() {
    let key = TestKey::generate();
    let mut signed = key.sign(&approve_record(&key));
    signed.command_id = "0195f0a0-0000-7000-8000-0000000000ff".into();
    assert_eq!(
        signed.verify(&key.spki),
        Err(RecordError::CommandIdMismatch)
    );
}

#[test]
fn unknown_versions_and_suites_are_refused_by_name() {
    let key = TestKey::generate();
    let mut record = approve_record(&key);
    record.suite = "sm2-sm3".into();
    assert_eq!(
        key.sign(&record).verify(&key.spki),
        Err(RecordError::UnsupportedSuite("sm2-sm3".into()))
    );
    let mut record = approve_record(&key);
    record.v = 2;
    assert_eq!(
        key.sign(&record).verify(&key.spki),
        Err(RecordError::UnsupportedVersion("2".into()))
    );
}

#[test]
fn only_es256_with_alg_and_kid_in_the_protected_header_is_accepted() {
    let key = TestKey::generate();
    let record = approve_record(&key);
    let payload = cbor::to_vec(&record).unwrap();
    let es384 = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES384)
        .key_id(key.key_id.as_bytes().to_vec())
        .build();
    assert_eq!(
        sign_raw(&key, es384, payload.clone()).verify(&key.spki),
        Err(RecordError::UnsupportedAlgorithm)
    );
    let with_type = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(key.key_id.as_bytes().to_vec())
        .content_type("application/cbor".into())
        .build();
    assert!(matches!(
        sign_raw(&key, with_type, payload.clone()).verify(&key.spki),
        Err(RecordError::Malformed(_))
    ));
    assert_eq!(
        sign_raw(&key, es256("ak_other"), payload.clone()).verify(&key.spki),
        Err(RecordError::KeyIdMismatch)
    );
    // The same content signed correctly through the raw path verifies: the refusals above are
    // about the headers, not the path.
    assert_eq!(
        sign_raw(&key, es256(&key.key_id), payload).verify(&key.spki),
        Ok(record)
    );
}

#[test]
fn unprotected_headers_and_detached_payloads_are_refused() {
    let key = TestKey::generate();
    let signed = key.sign(&approve_record(&key));
    let mut sign1 = CoseSign1::from_tagged_slice(&signed.cose_bytes().unwrap()).unwrap();
    sign1.unprotected = HeaderBuilder::new().key_id(b"x".to_vec()).build();
    let tampered = SignedCommand {
        cose: STANDARD.encode(sign1.clone().to_tagged_vec().unwrap()),
        ..signed.clone()
    };
    assert!(matches!(
        tampered.verify(&key.spki),
        Err(RecordError::Malformed(_))
    ));
    sign1.unprotected = coset::Header::default();
    sign1.payload = None;
    let detached = SignedCommand {
        cose: STANDARD.encode(sign1.to_tagged_vec().unwrap()),
        ..signed
    };
    assert!(matches!(
        detached.verify(&key.spki),
        Err(RecordError::Malformed(_))
    ));
}

#[test]
fn a_signed_payload_in_another_encoding_or_with_extra_fields_is_refused() {
    let key = TestKey::generate();
    let record = approve_record(&key);
    // Serde's declaration order, never sorted: valid CBOR, signed, but not deterministic.
    let mut unsorted = Vec::new();
    ciborium::ser::into_writer(&cbor::to_value(&record).unwrap(), &mut unsorted).unwrap();
    assert_ne!(unsorted, cbor::to_vec(&record).unwrap());
    assert_eq!(
        sign_raw(&key, es256(&key.key_id), unsorted).verify(&key.spki),
        Err(RecordError::NotDeterministic)
    );
    // An extra key, sorted and signed: deterministic CBOR, but not a record.
    let Value::Map(mut entries) = cbor::to_value(&record).unwrap() else {
        panic!("a record is a map");
    };
    entries.push((Value::Text("extra".into()), Value::Bool(true)));
    let extra = cbor::encode_value(Value::Map(entries)).unwrap();
    assert!(matches!(
        sign_raw(&key, es256(&key.key_id), extra).verify(&key.spki),
        Err(RecordError::Malformed(_))
    ));
}

#[test]
fn an_untagged_or_non_canonical_envelope_is_refused() {
    let key = TestKey::generate();
    let signed = key.sign(&approve_record(&key));
    let bytes = signed.cose_bytes().unwrap();
    let untagged = SignedCommand {
        cose: STANDARD.encode(&bytes[1..]),
        ..signed.clone()
    };
    assert!(matches!(
        untagged.verify(&key.spki),
        Err(RecordError::Malformed(_))
    ));
    // The tag in a two-byte head (0xd8 0x12) instead of 0xd2: same item, another encoding.
    let mut long_tag = vec![0xd8, 0x12];
    long_tag.extend_from_slice(&bytes[1..]);
    let long = SignedCommand {
        cose: STANDARD.encode(long_tag),
        ..signed
    };
    assert_eq!(long.verify(&key.spki), Err(RecordError::NotDeterministic));
}

#[test]
fn derived_fields_that_disagree_with_the_command_are_named() {
    let key = TestKey::generate();
    let record = approve_record(&key);
    let mut wrong = record.clone();
    wrong.task_id = "other".into();
    assert_eq!(wrong.inconsistency(), Some("task_id"));
    let mut wrong = record.clone();
    wrong.action = "reject".into();
    assert_eq!(wrong.inconsistency(), Some("action"));
    let mut wrong = record.clone();
    wrong.route = None;
    assert_eq!(wrong.inconsistency(), Some("route"));
    let mut wrong = record;
    wrong.opinion_hash = String::new();
    assert_eq!(wrong.inconsistency(), Some("opinion_hash"));
}

/// The order of the P-256 group, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

#[test]
fn a_rewritten_signature_still_verifies_but_cannot_move_the_chain_link() {
    let key = TestKey::generate();
    let signed = key.sign(&approve_record(&key));
    let mut sign1 = CoseSign1::from_tagged_slice(&signed.cose_bytes().unwrap()).unwrap();
    // (r, s) → (r, n − s): the other valid signature of the same message.
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let diff = i16::from(P256_ORDER[i]) - i16::from(sign1.signature[32 + i]) - borrow;
        borrow = i16::from(diff < 0);
        sign1.signature[32 + i] = (diff + 256 * borrow) as u8;
    }
    let rewritten = SignedCommand {
        command_id: signed.command_id.clone(),
        cose: STANDARD.encode(sign1.to_tagged_vec().unwrap()),
    };
    assert_ne!(rewritten.cose, signed.cose);
    assert!(
        rewritten.verify(&key.spki).is_ok(),
        "ECDSA accepts both forms"
    );
    assert_eq!(
        rewritten.record_hash().unwrap(),
        signed.record_hash().unwrap()
    );
}
