//! A-1 and C-1 for approval records: changing any field of the signed payload (any leaf at any
//! depth, removing an entry, adding one) while keeping the signature fails with a signature
//! error; every single-bit flip of the envelope fails; arbitrary bytes fail. Never a panic, never
//! a success.

use super::test_support::*;
use super::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ciborium::value::Value;
use coset::{CoseSign1, TaggedCborSerializable as _};
use proptest::prelude::*;

/// One step into a value tree: a map entry (by position) or an array element.
#[derive(Debug, Clone, Copy)]
enum Step {
    Entry(usize),
    Element(usize),
}

/// Every path in `value`, with whether it names a container (map or array).
fn paths(value: &Value) -> Vec<(Vec<Step>, bool)> {
    fn walk(value: &Value, path: &mut Vec<Step>, out: &mut Vec<(Vec<Step>, bool)>) {
        let children: Vec<(Step, &Value)> = match value {
            Value::Map(entries) => entries
                .iter()
                .enumerate()
                .map(|(i, (_, v))| (Step::Entry(i), v))
                .collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Step::Element(i), v))
                .collect(),
            _ => {
                out.push((path.clone(), false));
                return;
            }
        };
        out.push((path.clone(), true));
        for (step, child) in children {
            path.push(step);
            walk(child, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

fn at_path<'v>(value: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(value, |node, step| match (node, step) {
        (Value::Map(entries), Step::Entry(i)) => &mut entries[*i].1,
        (Value::Array(items), Step::Element(i)) => &mut items[*i],
        (node, step) => panic!("no {step:?} in {node:?}"),
    })
}

/// The path as text (`signer.identity.post`, `command.signers.1`), to name what was changed.
fn describe(value: &Value, path: &[Step]) -> String {
    let mut node = value;
    let mut names = Vec::new();
    for step in path {
        match (node, step) {
            (Value::Map(entries), Step::Entry(i)) => {
                names.push(entries[*i].0.as_text().unwrap_or("?").to_owned());
                node = &entries[*i].1;
            }
            (Value::Array(items), Step::Element(i)) => {
                names.push(i.to_string());
                node = &items[*i];
            }
            _ => unreachable!(),
        }
    }
    names.join(".")
}

/// How the tamperer changes the payload.
#[derive(Debug, Clone)]
enum Change {
    /// Replace the leaf (or container) at the path with this value.
    Replace(Value),
    /// Remove the last step's entry or element from its container.
    Remove,
    /// Add this entry (map) or element (array) to the container at the path.
    Add(String, Value),
}

fn apply(payload: &Value, path: &[Step], change: &Change) -> Option<Value> {
    let mut changed = payload.clone();
    match change {
        Change::Replace(value) => *at_path(&mut changed, path) = value.clone(),
        Change::Remove => {
            let (last, parent) = path.split_last()?;
            match (at_path(&mut changed, parent), last) {
                (Value::Map(entries), Step::Entry(i)) => drop(entries.remove(*i)),
                (Value::Array(items), Step::Element(i)) => drop(items.remove(*i)),
                _ => return None,
            }
        }
        Change::Add(key, value) => match at_path(&mut changed, path) {
            Value::Map(entries) => entries.push((Value::Text(key.clone()), value.clone())),
            Value::Array(items) => items.push(value.clone()),
            _ => return None,
        },
    }
    (changed != *payload).then_some(changed)
}

/// The signed record with its payload replaced by `payload` (deterministically encoded, so that
/// only the signature stands in the way) and the original signature kept.
fn tampered(signed: &SignedCommand, payload: Value) -> Option<SignedCommand> {
    // Adding an existing key has no deterministic encoding; such a change is not a signature test.
    let payload = cbor::encode_value(payload).ok()?;
    let mut sign1 = CoseSign1::from_tagged_slice(&signed.cose_bytes().unwrap()).unwrap();
    sign1.payload = Some(payload);
    Some(SignedCommand {
        command_id: signed.command_id.clone(),
        cose: STANDARD.encode(sign1.to_tagged_vec().unwrap()),
    })
}

/// The fixture records, signed, with their decoded payloads.
fn signed_fixtures(key: &TestKey) -> Vec<(SignedCommand, Value)> {
    commands()
        .into_iter()
        .map(|command| {
            let signed = key.sign(&record(command, &key.key_id));
            let sign1 = CoseSign1::from_tagged_slice(&signed.cose_bytes().unwrap()).unwrap();
            let payload = cbor::decode_deterministic(&sign1.payload.unwrap()).unwrap();
            (signed, payload)
        })
        .collect()
}

fn assert_refused(signed: &SignedCommand, key: &TestKey, what: &str) {
    match signed.verify(&key.spki) {
        Err(RecordError::Signature(_)) => {}
        other => panic!("changing {what} gave {other:?}"),
    }
}

#[test]
fn every_field_at_every_depth_is_covered_by_the_signature() {
    let key = TestKey::generate();
    let mut seen = std::collections::BTreeSet::new();
    for (signed, payload) in signed_fixtures(&key) {
        for (path, container) in paths(&payload) {
            let name = describe(&payload, &path);
            seen.insert(name.clone());
            let mut changes = vec![
                Change::Replace(Value::Text("x".into())),
                Change::Replace(Value::Integer(0.into())),
                Change::Replace(Value::Null),
                Change::Remove,
            ];
            match at_path(&mut payload.clone(), &path) {
                Value::Text(text) => {
                    changes.push(Change::Replace(Value::Text(format!("{text}・"))))
                }
                Value::Integer(i) => changes.push(Change::Replace(Value::Integer(
                    (i128::from(*i) + 1).try_into().unwrap(),
                ))),
                Value::Bool(b) => changes.push(Change::Replace(Value::Bool(!*b))),
                _ => {}
            }
            if container {
                changes.push(Change::Add("zz_extra".into(), Value::Bool(true)));
            }
            for change in changes {
                if let Some(bad) =
                    apply(&payload, &path, &change).and_then(|p| tampered(&signed, p))
                {
                    assert_refused(&bad, &key, &format!("{name} by {change:?}"));
                }
            }
        }
    }
    for nested in [
        "signer.user_id",
        "signer.identity.post",
        "signer.identity.unit_id",
        "device.key_id",
        "device.counter",
        "time.created_at",
        "time.since_checkpoint_ms",
        "time.checkpoint_hash",
        "command.action",
        "command.task_id",
        "command.route",
        "command.signers.1",
        "command.position",
        "command.opinion.text",
        "command.opinion.attitude",
        "command.opinion.on_behalf_of",
        "acting_for",
        "on_behalf_of",
        "prev_record_hash",
        "policy_version",
    ] {
        assert!(
            seen.contains(nested),
            "{nested} was never tampered with: {seen:?}"
        );
    }
}

#[test]
fn every_single_bit_flip_of_the_envelope_is_refused() {
    let key = TestKey::generate();
    let (signed, _) = signed_fixtures(&key).remove(1); // the largest: an added signer with opinion
    let bytes = signed.cose_bytes().unwrap();
    for bit in 0..bytes.len() * 8 {
        let mut flipped = bytes.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        let bad = SignedCommand {
            command_id: signed.command_id.clone(),
            cose: STANDARD.encode(&flipped),
        };
        let result = bad.verify(&key.spki);
        assert!(result.is_err(), "flipping bit {bit} verified");
    }
}

/// A replacement leaf of any CBOR type.
fn any_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|i| Value::Integer(i.into())),
        any::<u64>().prop_map(|u| Value::Integer(u.into())),
        ".{0,20}".prop_map(Value::Text),
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(Value::Bytes),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        Just(Value::Array(Vec::new())),
        Just(Value::Map(Vec::new())),
    ]
}

fn any_change() -> impl Strategy<Value = Change> {
    prop_oneof![
        3 => any_leaf().prop_map(Change::Replace),
        1 => Just(Change::Remove),
        1 => ("[a-z_]{1,12}", any_leaf()).prop_map(|(k, v)| Change::Add(k, v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_change_to_any_field_breaks_the_signature(
        fixture in 0..commands().len(),
        path_choice in any::<prop::sample::Index>(),
        change in any_change(),
    ) {
        let key = TestKey::generate();
        let (signed, payload) = signed_fixtures(&key).remove(fixture);
        let all = paths(&payload);
        let (path, _) = &all[path_choice.index(all.len())];
        let Some(bad) = apply(&payload, path, &change).and_then(|p| tampered(&signed, p)) else {
            return Ok(()); // no change, or a change without a deterministic encoding
        };
        let result = bad.verify(&key.spki);
        prop_assert!(
            matches!(result, Err(RecordError::Signature(_))),
            "{} by {:?} gave {:?}", describe(&payload, path), change, result
        );
    }

    #[test]
    fn arbitrary_envelopes_are_errors_not_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        tagged in any::<bool>(),
    ) {
        let key = TestKey::generate();
        // Half the cases start like a COSE_Sign1 (tag 18, array of 4) to get past the first byte.
        let bytes = if tagged { [&[0xd2, 0x84][..], &bytes].concat() } else { bytes };
        let signed = SignedCommand { command_id: "c".into(), cose: STANDARD.encode(&bytes) };
        prop_assert!(signed.verify(&key.spki).is_err());
        let not_base64 = SignedCommand { command_id: "c".into(), cose: String::from_utf8_lossy(&bytes).into_owned() };
        prop_assert!(not_base64.verify(&key.spki).is_err());
    }

    #[test]
    fn random_byte_changes_to_a_real_envelope_are_refused(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let key = TestKey::generate();
        let (signed, _) = signed_fixtures(&key).remove(0);
        let mut bytes = signed.cose_bytes().unwrap();
        let original = bytes.clone();
        for (index, byte) in edits {
            let i = index.index(bytes.len());
            bytes[i] = byte;
        }
        prop_assume!(bytes != original);
        let bad = SignedCommand { command_id: signed.command_id.clone(), cose: STANDARD.encode(&bytes) };
        prop_assert!(bad.verify(&key.spki).is_err());
    }
}
