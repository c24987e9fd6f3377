//! Deterministic CBOR (RFC 8949 §4.2.1) for signed payloads: shortest-form integers and lengths,
//! definite lengths only, map keys sorted by the bytewise order of their encodings, no duplicate
//! keys. Floats are refused: nothing we sign holds one, and refusing them spares us the NaN and
//! shortest-float rules.
//!
//! Values go through serde into a [`ciborium::Value`], are canonicalised here, and are then
//! encoded by ciborium, whose encoder already writes shortest heads and definite lengths; only the
//! key order (ciborium keeps insertion order) and the refusals are ours.
//!
//! Decoding untrusted bytes is bounded by ciborium's recursion limit (256 levels); every failure is
//! a typed error.

use ciborium::value::Value;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Errors encoding or decoding deterministic CBOR.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CborError {
    /// The value cannot be represented (a serde error, or a CBOR item we do not support).
    #[error("the value cannot be encoded as CBOR: {0}")]
    Encode(String),
    /// The bytes are not one well-formed CBOR item.
    #[error("the bytes are not well-formed CBOR: {0}")]
    Decode(String),
    /// Bytes follow the one item.
    #[error("bytes follow the CBOR item")]
    TrailingBytes,
    /// A floating-point number appeared.
    #[error("floating-point numbers are not allowed in signed payloads")]
    Float,
    /// A map holds the same key twice.
    #[error("a CBOR map holds the same key twice")]
    DuplicateKey,
    /// Well-formed CBOR, but not its deterministic encoding (long-form heads, indefinite lengths,
    /// unsorted keys, `undefined` for null …).
    #[error("the CBOR is not in its deterministic encoding")]
    NotDeterministic,
    /// The CBOR does not have the shape the Rust type wants.
    #[error("the CBOR does not have the expected shape: {0}")]
    Shape(String),
}

/// Encodes `value` as deterministic CBOR.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CborError> {
    encode_value(to_value(value)?)
}

/// The CBOR value tree of `value` (not yet canonical).
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, CborError> {
    Value::serialized(value).map_err(|e| CborError::Encode(e.to_string()))
}

/// Reads a Rust value out of a decoded tree.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, CborError> {
    value
        .deserialized()
        .map_err(|e| CborError::Shape(e.to_string()))
}

/// Canonicalises and encodes a value tree.
pub fn encode_value(value: Value) -> Result<Vec<u8>, CborError> {
    write(&canonicalize(value)?)
}

/// Decodes exactly one CBOR item, whatever its encoding.
pub fn decode_value(bytes: &[u8]) -> Result<Value, CborError> {
    let mut rest = bytes;
    let value: Value =
        ciborium::de::from_reader(&mut rest).map_err(|e| CborError::Decode(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CborError::TrailingBytes);
    }
    Ok(value)
}

/// Decodes one item and checks that `bytes` are its deterministic encoding, so that whatever is
/// accepted has exactly one byte form (signatures and hashes over it then mean one thing).
pub fn decode_deterministic(bytes: &[u8]) -> Result<Value, CborError> {
    let value = canonicalize(decode_value(bytes)?)?;
    if write(&value)? != bytes {
        return Err(CborError::NotDeterministic);
    }
    Ok(value)
}

/// Sorts every map (recursively) by the bytewise order of its encoded keys; refuses floats,
/// duplicate keys and items ciborium may add in future versions.
pub fn canonicalize(value: Value) -> Result<Value, CborError> {
    Ok(match value {
        Value::Integer(_) | Value::Bytes(_) | Value::Text(_) | Value::Bool(_) | Value::Null => {
            value
        }
        Value::Float(_) => return Err(CborError::Float),
        Value::Tag(tag, inner) => Value::Tag(tag, Box::new(canonicalize(*inner)?)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(canonicalize)
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(entries) => {
            let mut keyed = entries
                .into_iter()
                .map(|(key, value)| {
                    let key = canonicalize(key)?;
                    Ok((write(&key)?, key, canonicalize(value)?))
                })
                .collect::<Result<Vec<_>, CborError>>()?;
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            if keyed.windows(2).any(|pair| pair[0].0 == pair[1].0) {
                return Err(CborError::DuplicateKey);
            }
            Value::Map(keyed.into_iter().map(|(_, k, v)| (k, v)).collect())
        }
        other => {
            return Err(CborError::Encode(format!(
                "unsupported CBOR item {other:?}"
            )))
        }
    })
}

/// Encodes an already canonical tree (ciborium writes shortest heads and definite lengths).
fn write(value: &Value) -> Result<Vec<u8>, CborError> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).map_err(|e| CborError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests;
