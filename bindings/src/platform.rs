//! The platform key services as foreign traits: Kotlin implements them over Android Keystore,
//! Swift over the Secure Enclave / Keychain. Adapters turn them into the core's traits, and the
//! core's software vault is exported behind the same traits for the terminal and for tests.

use crate::QianpiError;
use qianpi_core::keys::{self, PlatformKeyError};
use qianpi_core::software::SoftwareKeyVault;
use std::path::Path;
use std::sync::Arc;

/// Wraps the data key under a key that never leaves the platform keystore.
#[uniffi::export(with_foreign)]
pub trait KeyStore: Send + Sync {
    /// Encrypts `plaintext` under the key named `alias`, creating the key on first use.
    fn wrap(&self, alias: String, plaintext: Vec<u8>) -> Result<Vec<u8>, QianpiError>;
    /// Decrypts what `wrap` returned.
    fn unwrap(&self, alias: String, wrapped: Vec<u8>) -> Result<Vec<u8>, QianpiError>;
    /// Destroys the key named `alias`.
    fn delete(&self, alias: String) -> Result<(), QianpiError>;
}

/// Holds the device's P-256 signing keys (request key and approval key).
#[uniffi::export(with_foreign)]
pub trait DeviceSigner: Send + Sync {
    /// Creates (or replaces) the key `alias`; returns its public key as SPKI DER.
    fn create_key(&self, alias: String) -> Result<Vec<u8>, QianpiError>;
    /// The public key of `alias` as SPKI DER.
    fn public_key(&self, alias: String) -> Result<Vec<u8>, QianpiError>;
    /// Signs `message` with ECDSA P-256 / SHA-256; returns the DER signature.
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, QianpiError>;
}

fn platform_error(e: QianpiError) -> PlatformKeyError {
    PlatformKeyError::new(e.to_string())
}

/// A foreign keystore seen as the core's.
pub(crate) struct ForeignKeyStore(pub Arc<dyn KeyStore>);

impl keys::KeyStore for ForeignKeyStore {
    fn wrap(&self, alias: String, plaintext: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        self.0.wrap(alias, plaintext).map_err(platform_error)
    }
    fn unwrap(&self, alias: String, wrapped: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        self.0.unwrap(alias, wrapped).map_err(platform_error)
    }
    fn delete(&self, alias: String) -> Result<(), PlatformKeyError> {
        self.0.delete(alias).map_err(platform_error)
    }
}

/// A foreign signer seen as the core's.
pub(crate) struct ForeignSigner(pub Arc<dyn DeviceSigner>);

impl keys::DeviceSigner for ForeignSigner {
    fn create_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError> {
        self.0.create_key(alias).map_err(platform_error)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError> {
        self.0.public_key(alias).map_err(platform_error)
    }
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        self.0.sign(alias, message).map_err(platform_error)
    }
}

/// The core's SOFTWARE vault behind the foreign traits.
struct SoftwareVault(SoftwareKeyVault);

fn from_platform(e: PlatformKeyError) -> QianpiError {
    QianpiError::Platform { reason: e.message }
}

impl KeyStore for SoftwareVault {
    fn wrap(&self, alias: String, plaintext: Vec<u8>) -> Result<Vec<u8>, QianpiError> {
        keys::KeyStore::wrap(&self.0, alias, plaintext).map_err(from_platform)
    }
    fn unwrap(&self, alias: String, wrapped: Vec<u8>) -> Result<Vec<u8>, QianpiError> {
        keys::KeyStore::unwrap(&self.0, alias, wrapped).map_err(from_platform)
    }
    fn delete(&self, alias: String) -> Result<(), QianpiError> {
        keys::KeyStore::delete(&self.0, alias).map_err(from_platform)
    }
}

impl DeviceSigner for SoftwareVault {
    fn create_key(&self, alias: String) -> Result<Vec<u8>, QianpiError> {
        keys::DeviceSigner::create_key(&self.0, alias).map_err(from_platform)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, QianpiError> {
        keys::DeviceSigner::public_key(&self.0, alias).map_err(from_platform)
    }
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, QianpiError> {
        keys::DeviceSigner::sign(&self.0, alias, message).map_err(from_platform)
    }
}

fn open_vault(dir: &str, passphrase: &str) -> Result<Arc<SoftwareVault>, QianpiError> {
    Ok(Arc::new(SoftwareVault(
        SoftwareKeyVault::open(Path::new(dir), passphrase).map_err(from_platform)?,
    )))
}

/// A SOFTWARE keystore protected by `passphrase` (Argon2id), for development and tests on
/// machines without a hardware keystore. Devices using it register at the lowest assurance level.
#[uniffi::export]
pub fn software_key_store(
    dir: String,
    passphrase: String,
) -> Result<Arc<dyn KeyStore>, QianpiError> {
    Ok(open_vault(&dir, &passphrase)?)
}

/// A SOFTWARE device signer protected by `passphrase` (Argon2id), the companion of
/// [`software_key_store`].
#[uniffi::export]
pub fn software_device_signer(
    dir: String,
    passphrase: String,
) -> Result<Arc<dyn DeviceSigner>, QianpiError> {
    Ok(open_vault(&dir, &passphrase)?)
}
