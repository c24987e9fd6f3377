//! Deterministic CBOR: key order, shortest heads, identity on canonical input, detection of every
//! other encoding.

use super::*;
use proptest::prelude::*;

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

#[test]
fn map_keys_are_sorted_by_their_encoded_bytes_at_every_level() {
    let value = Value::Map(vec![
        (text("bb"), int(1)),
        (
            text("a"),
            Value::Map(vec![(text("z"), int(1)), (text("y"), int(2))]),
        ),
        (int(-1), int(3)),
        (int(10), int(4)),
    ]);
    let bytes = encode_value(value).unwrap();
    assert_eq!(
        bytes,
        [
            0xa4, // map(4)
            0x0a, 0x04, // 10 (0x0a) first,
            0x20, 0x03, // then -1 (0x20),
            0x61, b'a', 0xa2, 0x61, b'y', 0x02, 0x61, b'z',
            0x01, // then "a", its map sorted too,
            0x62, b'b', b'b', 0x01, // then "bb"
        ]
    );
}

#[test]
fn bytewise_order_is_not_the_length_first_order_of_rfc_7049() {
    // 1000 encodes as 0x19 0x03 0xe8 (3 bytes), "a" as 0x61 0x61 (2 bytes): length-first order
    // (RFC 7049 §3.9) puts "a" first, the bytewise order of RFC 8949 §4.2.1 puts 1000 first.
    let value = Value::Map(vec![(text("a"), int(1)), (int(1000), int(2))]);
    let bytes = encode_value(value).unwrap();
    assert_eq!(&bytes[..4], &[0xa2, 0x19, 0x03, 0xe8]);
    // Within one major type the head decides first: a 23-byte text (0x77) precedes a 24-byte one
    // (0x78 0x18) whatever the letters.
    let value = Value::Map(vec![
        (text(&"a".repeat(24)), int(1)),
        (text(&"b".repeat(23)), int(2)),
    ]);
    assert_eq!(&encode_value(value).unwrap()[..2], &[0xa2, 0x77]);
}

#[test]
fn struct_fields_come_out_sorted_whatever_their_declaration_order() {
    #[derive(serde::Serialize)]
    struct Declared {
        zulu: u8,
        alpha: u8,
        mike: u8,
    }
    let bytes = to_vec(&Declared {
        zulu: 1,
        alpha: 2,
        mike: 3,
    })
    .unwrap();
    // The head holds the length, so the 4-letter keys come before "alpha", then by their bytes.
    let mut expected = vec![0xa3, 0x64];
    expected.extend_from_slice(b"mike");
    expected.extend_from_slice(&[0x03, 0x64]);
    expected.extend_from_slice(b"zulu");
    expected.extend_from_slice(&[0x01, 0x65]);
    expected.extend_from_slice(b"alpha");
    expected.push(0x02);
    assert_eq!(bytes, expected);
}

#[test]
fn integers_and_lengths_use_the_shortest_head() {
    let cases: [(i128, &[u8]); 12] = [
        (0, &[0x00]),
        (23, &[0x17]),
        (24, &[0x18, 0x18]),
        (255, &[0x18, 0xff]),
        (256, &[0x19, 0x01, 0x00]),
        (65_535, &[0x19, 0xff, 0xff]),
        (65_536, &[0x1a, 0x00, 0x01, 0x00, 0x00]),
        (4_294_967_296, &[0x1b, 0, 0, 0, 1, 0, 0, 0, 0]),
        (-1, &[0x20]),
        (-24, &[0x37]),
        (-25, &[0x38, 0x18]),
        (-257, &[0x39, 0x01, 0x00]),
    ];
    for (number, expected) in cases {
        let value = Value::Integer(number.try_into().unwrap());
        assert_eq!(encode_value(value).unwrap(), expected, "{number}");
    }
    let encoded = to_vec(&"x".repeat(24)).unwrap();
    assert_eq!(&encoded[..2], &[0x78, 0x18]);
}

#[test]
fn every_other_encoding_of_a_value_is_detected() {
    let cases: [(&[u8], CborError); 9] = [
        (&[0x18, 0x05], CborError::NotDeterministic), // 5 in a long head
        (&[0x19, 0x00, 0x05], CborError::NotDeterministic),
        (&[0x9f, 0x01, 0xff], CborError::NotDeterministic), // indefinite array
        (&[0x7f, 0x61, b'a', 0xff], CborError::NotDeterministic), // indefinite text
        (
            &[0xa2, 0x61, b'b', 0x01, 0x61, b'a', 0x02],
            CborError::NotDeterministic,
        ), // unsorted keys
        (&[0xf7], CborError::NotDeterministic),             // undefined, read as null
        (
            &[0xa2, 0x61, b'a', 0x01, 0x61, b'a', 0x02],
            CborError::DuplicateKey,
        ),
        (&[0xf9, 0x3c, 0x00], CborError::Float),
        (&[0x01, 0x02], CborError::TrailingBytes),
    ];
    for (bytes, expected) in cases {
        assert_eq!(decode_deterministic(bytes), Err(expected), "{bytes:02x?}");
    }
    assert!(matches!(
        decode_deterministic(&[0x62, b'a']),
        Err(CborError::Decode(_))
    ));
    assert!(matches!(
        decode_deterministic(&[0x61, 0xff]),
        Err(CborError::Decode(_))
    ));
}

#[test]
fn floats_are_refused_when_encoding_too() {
    assert_eq!(to_vec(&1.5f64), Err(CborError::Float));
    assert_eq!(to_vec(&vec![f32::NAN]), Err(CborError::Float));
}

#[test]
fn a_huge_declared_length_is_an_error_not_an_allocation() {
    let bytes = [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
    assert!(matches!(decode_value(&bytes), Err(CborError::Decode(_))));
    let nested = vec![0x81u8; 100_000]; // arrays nested far past the recursion limit
    assert!(matches!(decode_value(&nested), Err(CborError::Decode(_))));
}

/// Arbitrary value trees without floats.
fn value_tree() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(int),
        any::<u64>().prop_map(|u| Value::Integer(u.into())),
        ".{0,30}".prop_map(Value::Text),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec((".{0,8}".prop_map(Value::Text), inner.clone()), 0..8)
                .prop_map(Value::Map),
            (0u64..100_000, inner).prop_map(|(t, v)| Value::Tag(t, Box::new(v))),
        ]
    })
}

proptest! {
    #[test]
    fn decoding_then_encoding_a_canonical_encoding_is_the_identity(value in value_tree()) {
        let bytes = match encode_value(value) {
            Ok(bytes) => bytes,
            // Random maps may repeat a key; those have no canonical encoding.
            Err(CborError::DuplicateKey) => return Ok(()),
            Err(other) => return Err(TestCaseError::fail(other.to_string())),
        };
        let decoded = decode_deterministic(&bytes).unwrap();
        prop_assert_eq!(encode_value(decoded).unwrap(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(value) = decode_deterministic(&bytes) {
            prop_assert_eq!(encode_value(value).unwrap(), bytes);
        }
    }
}
