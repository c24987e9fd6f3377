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
    /// The key file is not one this app wrote: damaged or from elsewhere.
    #[error("the wrapped data key file is damaged; the local data cannot be opened and must be synced again")]
    BadKeyFile,
    /// There is no data key yet (the store was never created, or was wiped).
    #[error("there is no data key in this folder")]
    NoKeyFile,
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

/// Name of the file holding the next data key while a rotation is under way.
pub const NEXT_KEY_FILE: &str = "data-key.next";
/// Format tag of a key file: `QPK1`, alias length (1 byte), alias, wrapped key.
const KEY_FILE_MAGIC: &[u8; 4] = b"QPK1";
/// Prefix of the wrapping-key aliases; a re-wrap moves to the next generation.
const KEK_ALIAS_PREFIX: &str = "qianpi.kek.v";

/// A wrapped data key and the alias of the keystore key that wrapped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFile {
    /// The wrapping key's alias in the platform keystore.
    pub alias: String,
    /// The data key as the keystore wrapped it.
    pub wrapped: Vec<u8>,
}

impl KeyFile {
    fn to_bytes(&self) -> Result<Vec<u8>, KeyError> {
        let alias_len = u8::try_from(self.alias.len()).map_err(|_| KeyError::BadKeyFile)?;
        let mut out = KEY_FILE_MAGIC.to_vec();
        out.push(alias_len);
        out.extend_from_slice(self.alias.as_bytes());
        out.extend_from_slice(&self.wrapped);
        Ok(out)
    }

    fn parse(bytes: &[u8]) -> Result<KeyFile, KeyError> {
        let rest = bytes
            .strip_prefix(&KEY_FILE_MAGIC[..])
            .ok_or(KeyError::BadKeyFile)?;
        let (len, rest) = rest.split_first().ok_or(KeyError::BadKeyFile)?;
        let len = usize::from(*len);
        if rest.len() <= len {
            return Err(KeyError::BadKeyFile);
        }
        let (alias, wrapped) = rest.split_at(len);
        let alias = std::str::from_utf8(alias).map_err(|_| KeyError::BadKeyFile)?;
        Ok(KeyFile {
            alias: alias.to_owned(),
            wrapped: wrapped.to_vec(),
        })
    }

    /// Reads the key file `name` in `dir`, if there is one.
    pub fn read(dir: &Path, name: &str) -> Result<Option<KeyFile>, KeyError> {
        match fs::read(dir.join(name)) {
            Ok(bytes) => KeyFile::parse(&bytes).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Unwraps the data key through `keystore`.
    pub fn unwrap(&self, keystore: &dyn KeyStore) -> Result<DataKey, KeyError> {
        let plain = Zeroizing::new(keystore.unwrap(self.alias.clone(), self.wrapped.clone())?);
        DataKey::from_bytes(&plain).ok_or(KeyError::WrongDataKey)
    }
}

/// Writes `bytes` to `dir/name` so that a crash leaves either the old file or the new one: a
/// temporary file, synced, renamed over, and the folder synced.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), std::io::Error> {
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{name}.tmp"));
    let mut file = fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, dir.join(name))?;
    sync_dir(dir)
}

/// Makes a rename or removal in `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<(), std::io::Error> {
    fs::File::open(dir)?.sync_all()
}

/// Loads the data key of the store in `dir`, unwrapping it through `keystore`; on first use
/// generates one and stores it wrapped (atomically: a crash never leaves a half-written key file).
pub fn load_or_create_data_key(keystore: &dyn KeyStore, dir: &Path) -> Result<DataKey, KeyError> {
    if let Some(file) = KeyFile::read(dir, WRAPPED_KEY_FILE)? {
        return file.unwrap(keystore);
    }
    let key = DataKey::generate()?;
    let alias = format!("{KEK_ALIAS_PREFIX}1");
    let wrapped = keystore.wrap(alias.clone(), key.as_bytes().to_vec())?;
    write_atomically(
        dir,
        WRAPPED_KEY_FILE,
        &KeyFile { alias, wrapped }.to_bytes()?,
    )?;
    Ok(key)
}

/// First step of a data-key rotation: a fresh key, wrapped under the current wrapping key and
/// kept as the *next* key file. Only after the database is rekeyed does
/// [`commit_next_data_key`] make it current, so a crash in between leaves a key for either state.
pub fn stage_next_data_key(keystore: &dyn KeyStore, dir: &Path) -> Result<DataKey, KeyError> {
    let current = KeyFile::read(dir, WRAPPED_KEY_FILE)?.ok_or(KeyError::NoKeyFile)?;
    let key = DataKey::generate()?;
    let wrapped = keystore.wrap(current.alias.clone(), key.as_bytes().to_vec())?;
    let next = KeyFile {
        alias: current.alias,
        wrapped,
    };
    write_atomically(dir, NEXT_KEY_FILE, &next.to_bytes()?)?;
    Ok(key)
}

/// Last step of a data-key rotation: the next key file becomes the current one.
pub fn commit_next_data_key(dir: &Path) -> Result<(), KeyError> {
    fs::rename(dir.join(NEXT_KEY_FILE), dir.join(WRAPPED_KEY_FILE))?;
    sync_dir(dir)?;
    Ok(())
}

/// Drops a staged next key (the rotation never reached the database).
pub fn discard_next_data_key(dir: &Path) -> Result<(), KeyError> {
    match fs::remove_file(dir.join(NEXT_KEY_FILE)) {
        Ok(()) => Ok(sync_dir(dir)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Re-wraps the data key under a new wrapping key (the next alias generation) and destroys the
/// old wrapping key; the data key, and so the database, stay as they are. Returns the new alias.
pub fn rewrap_data_key(keystore: &dyn KeyStore, dir: &Path) -> Result<String, KeyError> {
    let current = KeyFile::read(dir, WRAPPED_KEY_FILE)?.ok_or(KeyError::NoKeyFile)?;
    let key = current.unwrap(keystore)?;
    let generation = current
        .alias
        .strip_prefix(KEK_ALIAS_PREFIX)
        .and_then(|g| g.parse::<u32>().ok())
        .unwrap_or(0);
    let alias = format!("{KEK_ALIAS_PREFIX}{}", generation.saturating_add(1));
    let wrapped = keystore.wrap(alias.clone(), key.as_bytes().to_vec())?;
    drop(key);
    let file = KeyFile {
        alias: alias.clone(),
        wrapped,
    };
    write_atomically(dir, WRAPPED_KEY_FILE, &file.to_bytes()?)?;
    // Only now is the old wrapping key unused; a crash before this line leaves it orphaned in
    // the keystore, wrapping nothing that is still on disk.
    keystore.delete(current.alias)?;
    Ok(alias)
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
    fn a_key_file_round_trips_and_damaged_ones_are_refused() {
        let file = KeyFile {
            alias: "qianpi.kek.v3".into(),
            wrapped: vec![1, 2, 3],
        };
        assert_eq!(KeyFile::parse(&file.to_bytes().unwrap()).unwrap(), file);
        let bytes = file.to_bytes().unwrap();
        // Cut inside the header or alias: refused here. (A cut inside the wrapped bytes is caught
        // by the keystore's authenticated unwrap.)
        for cut in 0..=4 + 1 + file.alias.len() {
            assert!(matches!(
                KeyFile::parse(&bytes[..cut]),
                Err(KeyError::BadKeyFile)
            ));
        }
        assert!(matches!(
            KeyFile::parse(b"QPK1\x02\xff\xfewrapped"),
            Err(KeyError::BadKeyFile)
        ));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_key_file_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let _ = KeyFile::parse(&bytes);
        }
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused() {
        assert!(DataKey::from_bytes(&[0u8; 32]).is_none());
    }
}
