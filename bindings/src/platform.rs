//! The platform key services as foreign traits: Kotlin implements them over Android Keystore,
//! Swift over the Secure Enclave / Keychain. Adapters turn them into the core's traits. The core's
//! software vault behind the same traits is in [`crate::software`].

use crate::QianpiError;
use qianpi_core::keys::{self, PlatformKeyError};
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
