//! Activation as the phone shells drive it, through the bindings' own calls against a real
//! gateway: the activation QR code's text the gateway makes for a code reads and activates over
//! its HTTPS with the CA and pins it carries; a code issued with approval leaves the phone
//! waiting (`pending_approval`) until an administrator approves, and `check_activation` says
//! so; the fingerprint words the phone shows are those of the administrator's device listing;
//! the lock time follows the unit's policy after a sync.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use crate::units;

use qianpi_ffi::{parse_activation_invite, software_device_signer, software_key_store};
use qianpi_ffi::{AccountInfo, QianpiClient};
use qianpi_gateway::admin::demo;
use qianpi_gateway::admin::invite::activation_invite;
use qianpi_tests::admin_api::put;
use qianpi_tests::Harness;
use serde_json::json;
use std::sync::Arc;
use units::admin::{device_action, unit_with_people};
use units::{get, issue_code, operator};

/// A phone as a shell holds it: the bindings' client over a software vault of its own.
fn shell_phone(harness: &Harness, name: &str) -> Arc<QianpiClient> {
    let dir = harness.phone_dir(name);
    let vault = dir.join("vault").to_string_lossy().into_owned();
    let pass = "test passphrase".to_owned();
    QianpiClient::new(
        dir.join("data").to_string_lossy().into_owned(),
        software_key_store(vault.clone(), pass.clone()).unwrap(),
        software_device_signer(vault, pass).unwrap(),
    )
    .unwrap()
}

async fn activate(phone: &QianpiClient, url: &str, login: &str, code: &str) -> AccountInfo {
    phone
        .activate(
            url.into(),
            login.into(),
            code.into(),
            "华为 Mate 60".into(),
            "android".into(),
            None,
            None,
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_invite_the_gateway_makes_for_a_code_reads_and_activates_over_https() {
    let harness = Harness::start_tls().await.unwrap();
    let code = harness.code(demo::LEADER).await.unwrap();
    let chain = harness.tls().unwrap().files().cert;
    let text = activation_invite(&harness.url(), Some(demo::LEADER), &code, Some(&chain)).unwrap();
    let invite = parse_activation_invite(text).unwrap();
    assert_eq!(invite.server_url, harness.url());
    assert_eq!(invite.code, code);
    let settings = invite.settings.clone().unwrap();
    assert_eq!(settings.pins, harness.tls().unwrap().pins());

    let phone = shell_phone(&harness, "leader");
    let account = phone
        .activate(
            invite.server_url,
            invite.login.unwrap(),
            invite.code,
            "华为 Mate 60".into(),
            "android".into(),
            invite.settings,
            None,
        )
        .await
        .unwrap();
    assert_eq!(account.name, "王建国");
    assert!(!account.pending_approval);
    assert_eq!(account.fingerprint_words.len(), 6);
    // The CA and pins it carried are kept: the next sync goes over the same HTTPS.
    assert!(phone.sync().await.unwrap().pulled > 0);
    // The same code, read again, is spent.
    let again = shell_phone(&harness, "again");
    assert!(again
        .activate(
            harness.url(),
            demo::LEADER.into(),
            code,
            "x".into(),
            "android".into(),
            Some(settings),
            None,
        )
        .await
        .is_err());
}

#[tokio::test]
async fn a_phone_waits_for_approval_showing_the_words_the_administrator_sees() {
    let harness = Harness::start().await.unwrap();
    let op = operator(&harness).await;
    let (token, leader, _) = unit_with_people(&harness, &op, "unit-a").await;
    let code = issue_code(&harness, &token, "unit-a", &leader, true).await;
    let phone = shell_phone(&harness, "zhangsan");
    let account = activate(&phone, &harness.url(), "zhangsan", &code).await;
    assert!(account.pending_approval);
    assert!(phone.check_activation().await.unwrap().pending_approval);
    assert!(phone.sync().await.is_err(), "a pending device may not sync");

    let (status, devices) = get(&harness, &token, "/units/unit-a/devices").await;
    assert_eq!(status, 200, "{devices}");
    let listed = &devices[0];
    assert_eq!(listed["id"], account.device_id.as_str());
    assert_eq!(listed["state"], "pending");
    let words: Vec<String> = serde_json::from_value(listed["fingerprint_words"].clone()).unwrap();
    assert_eq!(words, account.fingerprint_words);
    let info = phone.device_info().await.unwrap().unwrap();
    assert_eq!(info.fingerprint_words, words);
    assert_eq!(
        listed["fingerprint_digits"],
        info.fingerprint_digits.as_str()
    );
    assert_eq!(info.name.as_deref(), Some("华为 Mate 60"));
    assert!(info.pending_approval);

    let (status, _) =
        device_action(&harness, &token, "unit-a", &account.device_id, "approve").await;
    assert_eq!(status, 200);
    let approved = phone.check_activation().await.unwrap();
    assert!(!approved.pending_approval);
    assert_eq!(approved.fingerprint_words, words);
    assert!(!phone.account().await.unwrap().unwrap().pending_approval);
    phone.sync().await.unwrap();

    // Another phone's words differ: they tell devices apart.
    let other_code = issue_code(&harness, &token, "unit-a", &leader, true).await;
    let other = shell_phone(&harness, "other");
    let other_account = activate(&other, &harness.url(), "zhangsan", &other_code).await;
    assert_ne!(other_account.fingerprint_words, words);
}

#[tokio::test]
async fn the_lock_time_follows_the_units_policy_after_a_sync() {
    let harness = Harness::start().await.unwrap();
    let code = harness.code(demo::LEADER).await.unwrap();
    let phone = shell_phone(&harness, "leader");
    activate(&phone, &harness.url(), demo::LEADER, &code).await;
    phone.sync().await.unwrap();
    assert_eq!(phone.inactivity_lock_seconds(), 5 * 60);

    let op = operator(&harness).await;
    let (status, policy) = put(
        &harness,
        &op,
        "/units/unit-sxnyt/policy",
        json!({ "inactivity_lock_minutes": 2 }),
    )
    .await;
    assert_eq!(status, 200, "{policy}");
    phone.sync().await.unwrap();
    assert_eq!(phone.inactivity_lock_seconds(), 120);
    // What the person chose holds until the unit's policy changes again.
    phone.set_inactivity_lock_seconds(30);
    phone.sync().await.unwrap();
    assert_eq!(phone.inactivity_lock_seconds(), 30);
    put(
        &harness,
        &op,
        "/units/unit-sxnyt/policy",
        json!({ "inactivity_lock_minutes": 3 }),
    )
    .await;
    phone.sync().await.unwrap();
    assert_eq!(phone.inactivity_lock_seconds(), 180);
}
