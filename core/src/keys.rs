//! The key hierarchy's seam to the platform: the [`KeyStore`] that wraps the data key (DEK) and the
//! [`DeviceSigner`] that holds the device's request key (DSK) and approval key (ASK). On phones both
//! are implemented by the shells over Android Keystore / Secure Enclave; the terminal shell and the
//! tests use [`crate::software::SoftwareKeyVault`].
//!
//! The core generates the DEK itself, keeps it only wrapped on disk, and zeroizes it in memory.

use crate::crypto::{self, CryptoError};
use std::fs;
use std::io::Write as _;
use std::path::Path;
use zeroize::Zeroizing;

/// Alias of the wrapping key (KEK) in the platform keystore.
pub const DATA_KEY_ALIAS: &str = "qianpi.kek.v1";
/// Alias of the device request-signing key (DSK).
pub const REQUEST_KEY_ALIAS: &str = "qianpi.dsk.v1";
/// Alias of the device approval-signing key (ASK).
pub const APPROVAL_KEY_ALIAS: &str = "qianpi.ask.v1";
/// Name of the file holding the wrapped data key.
pub const WRAPPED_KEY_FILE: &str = "data-key.wrapped";

/// Errors reported by a platform key service (a foreign implementation or the software one).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("the platform key service failed: {message}")]
pub struct PlatformKeyError {
    /// What the platform said.
    pub message: String,
}

impl PlatformKeyError {
    /// A new error with this message.
    pub fn new(message: impl Into<String>) -> PlatformKeyError {
        PlatformKeyError {
            message: message.into(),
        }
    }
}

/// Wraps and unwraps small secrets under a key that never leaves the platform keystore.
pub trait KeyStore: Send + Sync {
    /// Encrypts `plaintext` under the key named `alias` (created on first use).
    fn wrap(&self, alias: String, plaintext: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError>;
    /// Decrypts what [`KeyStore::wrap`] returned for the same alias.
    fn unwrap(&self, alias: String, wrapped: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError>;
    /// Destroys the key named `alias`: everything it wrapped becomes unreadable.
    fn delete(&self, alias: String) -> Result<(), PlatformKeyError>;
}

/// Holds P-256 signing keys that never leave the platform keystore.
pub trait DeviceSigner: Send + Sync {
    /// Creates (or replaces) the key named `alias`; returns its public key as SPKI DER.
    fn create_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError>;
    /// The public key of `alias` as SPKI DER.
    fn public_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError>;
    /// Signs `message` with ECDSA P-256 / SHA-256; returns a DER signature, as platforms do.
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError>;
}

/// Errors while loading or creating the data key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The platform keystore refused or failed.
    #[error(transparent)]
    Platform(#[from] PlatformKeyError),
    /// The wrapped-key file could not be read or written.
    #[error("the wrapped data key file could not be accessed: {0}")]
    Io(#[from] std::io::Error),
    /// The keystore returned something that is not a data key: the wrong keystore or a damaged file.
    #[error("the keystore returned a data key of the wrong size; the key file does not belong to this keystore")]
    WrongDataKey,
    /// The system random generator failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// The data encryption key: 32 random bytes plus a 16-byte salt, as SQLCipher's raw key wants it.
/// Zeroized when dropped.
pub struct DataKey(Zeroizing<[u8; DataKey::LEN]>);

impl DataKey {
    /// Key bytes plus salt bytes.
    pub const LEN: usize = 48;

    /// A fresh random key.
    pub fn generate() -> Result<DataKey, CryptoError> {
        Ok(DataKey(Zeroizing::new(crypto::random_bytes::<
            { DataKey::LEN },
        >()?)))
    }

    /// From raw bytes (e.g. just unwrapped); refuses any other length.
    pub fn from_bytes(bytes: &[u8]) -> Option<DataKey> {
        let array: [u8; DataKey::LEN] = bytes.try_into().ok()?;
        Some(DataKey(Zeroizing::new(array)))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; DataKey::LEN] {
        &self.0
    }

    /// The SQLCipher raw-key literal `x'<hex of key||salt>'`: no passphrase KDF runs at open.
    pub fn sqlcipher_key_literal(&self) -> Zeroizing<String> {
        let mut literal = Zeroizing::new(String::with_capacity(3 + 2 * DataKey::LEN));
        literal.push_str("x'");
        for byte in self.0.iter() {
            literal.push(char::from(HEX[usize::from(byte >> 4)]));
            literal.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        literal.push('\'');
        literal
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Loads the data key of the store in `dir`, unwrapping it through `keystore`; on first use
/// generates one and stores it wrapped (written to a temporary file and renamed, so a crash never
/// leaves a half-written key file).
pub fn load_or_create_data_key(keystore: &dyn KeyStore, dir: &Path) -> Result<DataKey, KeyError> {
    let path = dir.join(WRAPPED_KEY_FILE);
    if path.exists() {
        let wrapped = fs::read(&path)?;
        let plain = Zeroizing::new(keystore.unwrap(DATA_KEY_ALIAS.to_owned(), wrapped)?);
        return DataKey::from_bytes(&plain).ok_or(KeyError::WrongDataKey);
    }
    let key = DataKey::generate()?;
    let wrapped = keystore.wrap(DATA_KEY_ALIAS.to_owned(), key.as_bytes().to_vec())?;
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{WRAPPED_KEY_FILE}.tmp"));
    let mut file = fs::File::create(&tmp)?;
    file.write_all(&wrapped)?;
    file.sync_all()?;
    fs::rename(&tmp, &path)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlcipher_literal_is_the_hex_of_key_and_salt() {
        let key = DataKey::from_bytes(&[0xab; 48]).unwrap();
        let literal = key.sqlcipher_key_literal();
        assert_eq!(literal.len(), 99);
        assert!(literal.starts_with("x'abab") && literal.ends_with("ab'"));
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused() {
        assert!(DataKey::from_bytes(&[0u8; 32]).is_none());
    }
}
