//! The keys of a simulated phone, held in memory.
//!
//! A real phone keeps its request and approval keys in the platform keystore behind
//! `DeviceSigner`; the bench generates a fresh P-256 pair of each per device so that every request
//! is signed exactly as a phone signs it, without a keystore in the loop.

use crate::BenchResult;
use qianpi_core::keys::{DeviceSigner, PlatformKeyError};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

/// A device's keys in memory (the software signer of a simulated phone).
pub(crate) struct MemorySigner {
    request: EcdsaKeyPair,
    approval: EcdsaKeyPair,
    rng: SystemRandom,
}

impl MemorySigner {
    pub(crate) fn generate(rng: &SystemRandom) -> BenchResult<MemorySigner> {
        let key = || -> BenchResult<EcdsaKeyPair> {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, rng)
                .map_err(|_| "generating a P-256 key failed".to_owned())?;
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), rng)
                .map_err(|_| "loading a generated P-256 key failed".to_owned())
        };
        Ok(MemorySigner {
            request: key()?,
            approval: key()?,
            rng: rng.clone(),
        })
    }

    fn pair(&self, alias: &str) -> Result<&EcdsaKeyPair, PlatformKeyError> {
        match alias {
            qianpi_core::keys::REQUEST_KEY_ALIAS => Ok(&self.request),
            qianpi_core::keys::APPROVAL_KEY_ALIAS => Ok(&self.approval),
            other => Err(PlatformKeyError::new(format!("no key named {other}"))),
        }
    }

    fn spki(&self, alias: &str) -> Result<Vec<u8>, PlatformKeyError> {
        qianpi_core::crypto::p256_spki_from_point(self.pair(alias)?.public_key().as_ref())
            .map_err(|e| PlatformKeyError::new(e.to_string()))
    }
}

impl DeviceSigner for MemorySigner {
    fn create_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError> {
        self.spki(&alias)
    }

    fn public_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError> {
        self.spki(&alias)
    }

    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        self.pair(&alias)?
            .sign(&self.rng, &message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| PlatformKeyError::new("signing failed"))
    }
}
