//! Attested activation through the bindings against a real gateway that checks the evidence:
//! the phone's attester is handed the gateway's challenge before the keys exist, and the
//! Android key chain it returns for the approval key (under a test root the gateway is told to
//! trust) makes the device StrongBox-backed in the administrator's listing; a chain for another
//! challenge is refused and nothing is bound; a unit admitting only hardware-backed keys
//! refuses a phone without evidence.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "../../../server/tests/integration/attestation_chains.rs"]
mod attestation_chains;

use attestation_chains::{key_description, TestCa, KEY_DESCRIPTION_OID};
use parking_lot::Mutex;
use qianpi_core::keys::DeviceSigner as _;
use qianpi_core::software::SoftwareKeyVault;
use qianpi_ffi::{
    software_device_signer, software_key_store, Attester, PlatformAttestation, QianpiClient,
    QianpiError,
};
use qianpi_gateway::admin::demo;
use qianpi_tests::admin_api::{get, operator, put};
use qianpi_tests::Harness;
use rcgen::{CertificateParams, CustomExtension, DnType, PublicKeyData, SignatureAlgorithm};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

const PASS: &str = "test passphrase";

/// The approval key as the leaf certificate names it: the point of its SPKI.
struct PublicKey(Vec<u8>);

impl PublicKeyData for PublicKey {
    fn der_bytes(&self) -> &[u8] {
        // A P-256 SPKI ends with the 65-byte uncompressed point.
        &self.0[self.0.len() - 65..]
    }
    fn algorithm(&self) -> &SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

/// A keystore's attestation as Android's would give it: a chain under the test root whose
/// leaf names the approval key and the challenge it was given (or `forged`, another one).
struct KeystoreAttester {
    ca: Arc<TestCa>,
    vault_dir: PathBuf,
    forged: bool,
    challenge: Mutex<Option<Vec<u8>>>,
    keys_before_begin: Mutex<Option<bool>>,
}

impl Attester for KeystoreAttester {
    fn begin(&self, challenge: Vec<u8>) -> Result<(), QianpiError> {
        let vault = SoftwareKeyVault::open(&self.vault_dir, PASS).unwrap();
        let exists = vault
            .public_key(qianpi_core::keys::APPROVAL_KEY_ALIAS.into())
            .is_ok();
        *self.keys_before_begin.lock() = Some(exists);
        *self.challenge.lock() = Some(challenge);
        Ok(())
    }

    fn evidence(
        &self,
        approval_alias: String,
        _client_data: Vec<u8>,
    ) -> Result<Option<PlatformAttestation>, QianpiError> {
        let vault = SoftwareKeyVault::open(&self.vault_dir, PASS).unwrap();
        let spki = vault.public_key(approval_alias).unwrap();
        let mut challenge = self.challenge.lock().clone().unwrap();
        if self.forged {
            challenge[0] ^= 1;
        }
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "Android Keystore Key");
        params.not_before = rcgen::date_time_ymd(2024, 1, 1);
        params.not_after = rcgen::date_time_ymd(2050, 1, 1);
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                KEY_DESCRIPTION_OID,
                key_description(2, &challenge, 0, false),
            ));
        let leaf = params
            .signed_by(
                &PublicKey(spki),
                &self.ca.intermediate,
                &self.ca.intermediate_key,
            )
            .unwrap();
        Ok(Some(PlatformAttestation::AndroidKey {
            chain: vec![
                leaf.der().to_vec(),
                self.ca.intermediate.der().to_vec(),
                self.ca.root_der(),
            ],
        }))
    }
}

fn phone(harness: &Harness, name: &str) -> (Arc<QianpiClient>, PathBuf) {
    let dir = harness.phone_dir(name);
    let vault = dir.join("vault");
    let client = QianpiClient::new(
        dir.join("data").to_string_lossy().into_owned(),
        software_key_store(vault.to_string_lossy().into_owned(), PASS.into()).unwrap(),
        software_device_signer(vault.to_string_lossy().into_owned(), PASS.into()).unwrap(),
    )
    .unwrap();
    (client, vault)
}

fn attester(ca: &Arc<TestCa>, vault_dir: PathBuf, forged: bool) -> Arc<KeystoreAttester> {
    Arc::new(KeystoreAttester {
        ca: Arc::clone(ca),
        vault_dir,
        forged,
        challenge: Mutex::new(None),
        keys_before_begin: Mutex::new(None),
    })
}

async fn activate(
    harness: &Harness,
    client: &QianpiClient,
    attester: Option<Arc<KeystoreAttester>>,
) -> Result<qianpi_ffi::AccountInfo, QianpiError> {
    let code = harness.code(demo::LEADER).await.unwrap();
    client
        .activate(
            harness.url(),
            demo::LEADER.into(),
            code,
            "Pixel 8".into(),
            "android".into(),
            None,
            attester.map(|a| a as Arc<dyn Attester>),
        )
        .await
}

#[tokio::test]
async fn a_keystore_chain_for_the_challenge_makes_the_device_strongbox_backed() {
    let ca = Arc::new(TestCa::new());
    let root = ca.root_der();
    let harness = Harness::start_with(|config| {
        config.attestation.test_only_extra_android_roots = vec![root];
    })
    .await
    .unwrap();

    // A chain for another challenge: refused, nothing bound.
    let (forger, vault) = phone(&harness, "forger");
    match activate(&harness, &forger, Some(attester(&ca, vault, true))).await {
        Err(QianpiError::Refused { code, .. }) => assert_eq!(code, "bad_attestation"),
        other => panic!("{other:?}"),
    }
    assert!(forger.account().await.unwrap().is_none());

    let (client, vault) = phone(&harness, "pixel");
    let keystore = attester(&ca, vault, false);
    let account = activate(&harness, &client, Some(Arc::clone(&keystore)))
        .await
        .unwrap();
    assert_eq!(*keystore.keys_before_begin.lock(), Some(false));
    let info = client.device_info().await.unwrap().unwrap();
    assert_eq!(
        info.assurance.as_deref(),
        Some("strongbox"),
        "the phone shows the level the gateway verified"
    );
    let op = operator(&harness).await;
    let (_, devices) = get(&harness, &op, "/units/unit-sxnyt/devices").await;
    let listed = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == account.device_id.as_str())
        .unwrap();
    assert_eq!(listed["assurance"], "strongbox");
    let words: Vec<String> = serde_json::from_value(listed["fingerprint_words"].clone()).unwrap();
    assert_eq!(words, account.fingerprint_words);
    client.sync().await.unwrap();
}

#[tokio::test]
async fn a_unit_admitting_only_hardware_keys_refuses_a_phone_without_evidence() {
    let ca = Arc::new(TestCa::new());
    let root = ca.root_der();
    let harness = Harness::start_with(|config| {
        config.attestation.test_only_extra_android_roots = vec![root];
    })
    .await
    .unwrap();
    let op = operator(&harness).await;
    let (status, body) = put(
        &harness,
        &op,
        "/units/unit-sxnyt/policy",
        json!({ "require_hardware_keys": true }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (plain, _) = phone(&harness, "plain");
    let refused = activate(&harness, &plain, None).await.unwrap_err();
    assert!(
        matches!(refused, QianpiError::Refused { .. }),
        "{refused:?}"
    );
    assert!(plain.account().await.unwrap().is_none());
    let (attested, vault) = phone(&harness, "attested");
    activate(&harness, &attested, Some(attester(&ca, vault, false)))
        .await
        .unwrap();
}
