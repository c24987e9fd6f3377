//! The fuzz harness's own P-256 key, fixed so that a corpus file means the same thing on every
//! run: it signs payloads the fuzzer invents (so decoding behind a valid signature is reached)
//! and stands as both a device's approval key and the gateway's statement key.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qianpi_protocol::crypto;
use qianpi_protocol::statement::GatewayKey;
use qianpi_protocol::GatewayPublicKey;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use std::sync::OnceLock;

/// PKCS#8 of the harness key (made for this harness only; it signs nothing real).
const PKCS8: &str = concat!(
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbEJedroQ1n13VGijS8go+iQ6NDJOLQ0T8naD4MAUthSh",
    "RANCAAS56xEe0w4PGsMvEh8+kp2JN2YSfrGBKdH0ldGUfcDfsFGj7cxorVSqHiJufLPkvD5BuMjHFBwWnzWRWp4OW17N",
);

/// The harness key.
pub struct HarnessKey {
    pair: EcdsaKeyPair,
    /// Its SPKI.
    pub spki: Vec<u8>,
    /// Its key id as an approval key (`ak_…`).
    pub approval_key_id: String,
    /// The same key as the gateway's statement key.
    pub gateway: GatewayKey,
}

impl HarnessKey {
    /// The key, loaded once per process (libFuzzer calls a target millions of times).
    pub fn shared() -> Option<&'static HarnessKey> {
        static KEY: OnceLock<Option<HarnessKey>> = OnceLock::new();
        KEY.get_or_init(|| HarnessKey::load().ok()).as_ref()
    }

    /// Loads the fixed key; an error only if the constant above were damaged.
    pub fn load() -> Result<HarnessKey, String> {
        let pkcs8 = STANDARD.decode(PKCS8).map_err(|e| e.to_string())?;
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|e| e.to_string())?;
        let spki =
            crypto::p256_spki_from_point(pair.public_key().as_ref()).map_err(|e| e.to_string())?;
        let gateway = GatewayKey::from_pkcs8(&pkcs8).map_err(|e| e.to_string())?;
        Ok(HarnessKey {
            approval_key_id: crypto::key_id("ak", &spki),
            pair,
            spki,
            gateway,
        })
    }

    /// The public half as the phone keeps the gateway's key.
    pub fn gateway_public(&self) -> &GatewayPublicKey {
        self.gateway.public()
    }

    /// A raw `r||s` signature over `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|e| e.to_string())
    }
}
