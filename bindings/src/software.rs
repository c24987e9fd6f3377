//! The core's SOFTWARE key vault (Argon2id passphrase) behind the foreign traits, for the
//! terminal and for the JVM/Linux runs of the Kotlin and Swift tests. Built only with the
//! `software-vault` feature: a phone build leaves it out and keeps its keys in the platform's
//! keystore.

use crate::platform::{DeviceSigner, KeyStore};
use crate::QianpiError;
use qianpi_core::keys::{self, PlatformKeyError};
use qianpi_core::software::SoftwareKeyVault;
use std::path::Path;
use std::sync::Arc;

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
