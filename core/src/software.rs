//! SOFTWARE key vault: a file-backed [`KeyStore`] and [`DeviceSigner`] protected by a passphrase
//! through Argon2id, for the terminal shell and for tests. Phones use their hardware keystore
//! instead; a production configuration can refuse this implementation (see [`SOFTWARE_ASSURANCE`]).
//!
//! Layout in its folder: `vault.salt` (Argon2id salt), `<alias>.key` (a PKCS#8 signing key) and
//! `<alias>.kek` (a random wrapping key), each sealed with AES-256-GCM under the passphrase key.
//! Deleting an alias removes its file and so destroys exactly what that key protected.

use crate::crypto::{self, CryptoError};
use crate::keys::{self, DeviceSigner, KeyStore, PlatformKeyError};
use argon2::{Algorithm, Argon2, Params, Version};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use std::fs;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The assurance level a gateway records for devices whose keys live in this vault.
pub use crate::protocol::SOFTWARE_ASSURANCE;

const SALT_FILE: &str = "vault.salt";
/// OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane.
const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
const ARGON2_PASSES: u32 = 2;

/// A passphrase-protected software keystore and signer.
pub struct SoftwareKeyVault {
    dir: PathBuf,
    kek: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for SoftwareKeyVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("SoftwareKeyVault")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl SoftwareKeyVault {
    /// Opens (or creates) the vault in `dir`, deriving its key from `passphrase`. A wrong passphrase
    /// is only noticed when something wrapped under the right one fails to open.
    pub fn open(dir: &Path, passphrase: &str) -> Result<SoftwareKeyVault, PlatformKeyError> {
        if passphrase.is_empty() {
            return Err(PlatformKeyError::new(
                "the vault passphrase must not be empty",
            ));
        }
        fs::create_dir_all(dir).map_err(io_error)?;
        let salt_path = dir.join(SALT_FILE);
        let salt = match fs::read(&salt_path) {
            Ok(salt) if salt.len() == 16 => salt,
            Ok(_) => return Err(PlatformKeyError::new("the vault salt file is damaged")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let salt = crypto::random_bytes::<16>().map_err(crypto_error)?.to_vec();
                // Atomic: a crash must never leave a short salt that locks the vault for good.
                keys::write_atomically(dir, SALT_FILE, &salt).map_err(io_error)?;
                salt
            }
            Err(e) => return Err(io_error(e)),
        };
        let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, 1, Some(32))
            .map_err(|e| PlatformKeyError::new(e.to_string()))?;
        let mut kek = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase.as_bytes(), &salt, kek.as_mut())
            .map_err(|e| PlatformKeyError::new(e.to_string()))?;
        Ok(SoftwareKeyVault {
            dir: dir.to_owned(),
            kek,
        })
    }

    fn key_path(&self, alias: &str) -> Result<PathBuf, PlatformKeyError> {
        // Aliases become file names: keep them to a safe alphabet.
        if alias.is_empty()
            || !alias
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
        {
            return Err(PlatformKeyError::new(
                "key alias contains characters that are not allowed",
            ));
        }
        Ok(self.dir.join(format!("{alias}.key")))
    }

    fn wrapping_key_path(&self, alias: &str) -> Result<PathBuf, PlatformKeyError> {
        Ok(self.key_path(alias)?.with_extension("kek"))
    }

    /// The random wrapping key of `alias`, sealed under the passphrase key in its own file, so
    /// that deleting one alias destroys exactly what it wrapped. Created on first use if `create`.
    fn wrapping_key(
        &self,
        alias: &str,
        create: bool,
    ) -> Result<Zeroizing<[u8; 32]>, PlatformKeyError> {
        let path = self.wrapping_key_path(alias)?;
        let context = format!("kek|{alias}");
        match fs::read(&path) {
            Ok(sealed) => {
                let plain = crypto::open(&self.kek, context.as_bytes(), &sealed).map_err(|_| {
                    PlatformKeyError::new("the wrapping key could not be opened: wrong passphrase or damaged key file")
                })?;
                let key: [u8; 32] = plain.as_slice().try_into().map_err(|_| {
                    PlatformKeyError::new("the wrapping key file is damaged")
                })?;
                Ok(Zeroizing::new(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                let key = Zeroizing::new(crypto::random_bytes::<32>().map_err(crypto_error)?);
                let sealed = crypto::seal(&self.kek, context.as_bytes(), key.as_slice()).map_err(crypto_error)?;
                let name = format!("{alias}.kek");
                keys::write_atomically(&self.dir, &name, &sealed).map_err(io_error)?;
                Ok(key)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(PlatformKeyError::new(
                format!("the wrapping key {alias} does not exist: it was deleted, or this is another vault"),
            )),
            Err(e) => Err(io_error(e)),
        }
    }

    fn load_key_pair(&self, alias: &str) -> Result<EcdsaKeyPair, PlatformKeyError> {
        let sealed = fs::read(self.key_path(alias)?).map_err(io_error)?;
        let pkcs8 = crypto::open(&self.kek, alias.as_bytes(), &sealed).map_err(|_| {
            PlatformKeyError::new(
                "the key could not be opened: wrong passphrase or damaged key file",
            )
        })?;
        EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|_| PlatformKeyError::new("the stored key is not a P-256 key"))
    }
}

impl KeyStore for SoftwareKeyVault {
    fn wrap(&self, alias: String, plaintext: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        let plaintext = Zeroizing::new(plaintext);
        let key = self.wrapping_key(&alias, true)?;
        crypto::seal(&key, alias.as_bytes(), &plaintext).map_err(crypto_error)
    }

    fn unwrap(&self, alias: String, wrapped: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        let key = self.wrapping_key(&alias, false)?;
        crypto::open(&key, alias.as_bytes(), &wrapped)
            .map(|plain| plain.to_vec())
            .map_err(|_| PlatformKeyError::new("the data key could not be unwrapped: another device's key file or a damaged one"))
    }

    fn delete(&self, alias: String) -> Result<(), PlatformKeyError> {
        // Either kind of key may live under the alias; removing the file destroys it.
        for path in [self.wrapping_key_path(&alias)?, self.key_path(&alias)?] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(e)),
            }
        }
        keys::sync_dir(&self.dir).map_err(io_error)
    }
}

impl DeviceSigner for SoftwareKeyVault {
    fn create_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| PlatformKeyError::new("key generation failed"))?;
        let pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
        let sealed = crypto::seal(&self.kek, alias.as_bytes(), &pkcs8).map_err(crypto_error)?;
        // Checks the alias is a safe file name before it becomes one.
        self.key_path(&alias)?;
        let name = format!("{alias}.key");
        keys::write_atomically(&self.dir, &name, &sealed).map_err(io_error)?;
        self.public_key(alias)
    }

    fn public_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError> {
        let pair = self.load_key_pair(&alias)?;
        crypto::p256_spki_from_point(pair.public_key().as_ref()).map_err(crypto_error)
    }

    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        let pair = self.load_key_pair(&alias)?;
        pair.sign(&SystemRandom::new(), &message)
            .map(|sig| sig.as_ref().to_vec())
            .map_err(|_| PlatformKeyError::new("signing failed"))
    }
}

fn io_error(e: std::io::Error) -> PlatformKeyError {
    PlatformKeyError::new(format!("key vault file access failed: {e}"))
}

fn crypto_error(e: CryptoError) -> PlatformKeyError {
    PlatformKeyError::new(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_from_the_vault_verifies_after_der_to_raw_conversion() {
        let dir = tempfile::tempdir().unwrap();
        let vault = SoftwareKeyVault::open(dir.path(), "口令 passphrase").unwrap();
        let spki = vault.create_key("qianpi.dsk.v1".into()).unwrap();
        let der = vault
            .sign("qianpi.dsk.v1".into(), b"message".to_vec())
            .unwrap();
        let raw = crypto::der_to_raw_signature(&der).unwrap();
        crypto::verify_p256(&spki, b"message", &raw).unwrap();
        assert_eq!(
            crypto::verify_p256(&spki, b"other", &raw),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn a_wrong_passphrase_cannot_unwrap_or_sign() {
        let dir = tempfile::tempdir().unwrap();
        let right = SoftwareKeyVault::open(dir.path(), "right").unwrap();
        let wrapped = right.wrap("a".into(), vec![1, 2, 3]).unwrap();
        right.create_key("k".into()).unwrap();
        let wrong = SoftwareKeyVault::open(dir.path(), "wrong").unwrap();
        assert!(wrong.unwrap("a".into(), wrapped).is_err());
        assert!(wrong.sign("k".into(), b"m".to_vec()).is_err());
    }

    #[test]
    fn deleting_an_alias_shreds_what_it_wrapped_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let vault = SoftwareKeyVault::open(dir.path(), "pw").unwrap();
        let wrapped = vault.wrap("a".into(), vec![7; 48]).unwrap();
        let other = vault.wrap("b".into(), vec![8; 48]).unwrap();
        vault.create_key("s".into()).unwrap();
        vault.delete("a".into()).unwrap();
        vault.delete("s".into()).unwrap();
        vault.delete("s".into()).unwrap(); // idempotent
        let reopened = SoftwareKeyVault::open(dir.path(), "pw").unwrap();
        assert!(reopened.unwrap("a".into(), wrapped).is_err());
        assert!(reopened.sign("s".into(), b"m".to_vec()).is_err());
        assert_eq!(reopened.unwrap("b".into(), other).unwrap(), vec![8; 48]);
    }

    #[test]
    fn aliases_cannot_escape_the_vault_folder() {
        let dir = tempfile::tempdir().unwrap();
        let vault = SoftwareKeyVault::open(dir.path(), "pw").unwrap();
        assert!(vault.create_key("../evil".into()).is_err());
    }
}
