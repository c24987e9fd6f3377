//! The phone over HTTPS (security.md, TLS and N-1): with the deployment's CA and a matching pin
//! it activates and syncs, and keeps that trust for later syncs; a certificate from an unknown
//! CA, one matching no pin, an expired one, one for another name, one out of date only because
//! the phone's clock is off, and a gateway nobody listens for each fail with their own error,
//! before anything is sent.

// A test that cannot set up its network must stop, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use qianpi_core::client::{ClientError, Clock};
use qianpi_core::link::settings::pin_of_spki;
use qianpi_core::link::{LinkError, Trust};
use qianpi_core::store::Account;
use qianpi_gateway::admin::demo;
use qianpi_tests::intercept::{tls_front, Pki};
use qianpi_tests::{Harness, Phone};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The trust a phone of this TLS harness is given: its CA and its two pins (server and CA).
pub fn harness_trust(harness: &Harness) -> Trust {
    assert!(harness.tls().is_some(), "a TLS harness");
    harness.trust().unwrap()
}

/// A pin no certificate has.
pub fn stray_pin() -> String {
    pin_of_spki(&qianpi_core::crypto::random_bytes::<32>().unwrap())
}

/// Activates `phone` as the demo leader at `url`, verifying the gateway against `trust`.
pub async fn activate(
    harness: &Harness,
    phone: &Phone,
    url: &str,
    trust: &Trust,
) -> Result<Account, ClientError> {
    let code = harness.code(demo::LEADER).await.unwrap();
    phone
        .client
        .activate_with(url, trust, demo::LEADER, &code, "leader", "terminal")
        .await
}

/// The link error inside `result`, or a panic saying what came instead.
pub fn link_error<T: std::fmt::Debug>(result: Result<T, ClientError>) -> LinkError {
    match result {
        Err(ClientError::Link(error)) => error,
        other => panic!("expected a link error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_phone_with_the_deployments_ca_and_pins_activates_and_syncs_over_https() {
    let harness = Harness::start_tls().await.unwrap();
    assert!(harness.url().starts_with("https://localhost:"));
    let phone = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let report = phone.client.sync().await.unwrap();
    assert_eq!(report.pulled, 1);
    assert_eq!(phone.client.inbox().unwrap().len(), 1);
    // The trust was kept with the account: the phone opened again syncs without being given it.
    drop(phone);
    let again = harness.phone("leader").unwrap();
    again.client.sync().await.unwrap();
    assert_eq!(again.client.inbox().unwrap().len(), 1);
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_as_such() {
    let harness = Harness::start_tls().await.unwrap();
    let stranger = Pki::new("某公司 CA").unwrap();
    let phone = harness.phone("leader").unwrap();
    let trust = Trust::new(&stranger.ca_pem, &[]).unwrap();
    let error = link_error(activate(&harness, &phone, &harness.url(), &trust).await);
    assert!(matches!(error, LinkError::UnknownCa(_)), "{error:?}");
    assert!(
        !error.is_cut(),
        "a refused certificate is no cut to retry smaller"
    );
    assert!(phone.client.account().unwrap().is_none());
    // No CA at all given for an https gateway: nothing is trusted either.
    let error = link_error(activate(&harness, &phone, &harness.url(), &Trust::default()).await);
    assert!(matches!(error, LinkError::UnknownCa(_)), "{error:?}");
}

#[tokio::test]
async fn the_right_ca_with_wrong_pins_is_a_pin_mismatch_and_the_backup_pin_alone_connects() {
    let harness = Harness::start_tls().await.unwrap();
    let tls = harness.tls().unwrap();
    let phone = harness.phone("leader").unwrap();
    let wrong = Trust::new(&tls.ca_pem, &[stray_pin(), stray_pin()]).unwrap();
    let error = link_error(activate(&harness, &phone, &harness.url(), &wrong).await);
    assert!(matches!(error, LinkError::PinMismatch), "{error:?}");
    assert!(phone.client.account().unwrap().is_none());
    // The server key was replaced by one not pinned yet; the CA key is the backup pin.
    let backup = Trust::new(&tls.ca_pem, &[stray_pin(), tls.ca_pin.clone()]).unwrap();
    activate(&harness, &phone, &harness.url(), &backup)
        .await
        .unwrap();
    assert_eq!(phone.client.sync().await.unwrap().pulled, 1);
}

#[tokio::test]
async fn an_expired_certificate_is_refused_as_expired() {
    let harness = Harness::start().await.unwrap();
    let pki = Pki::new("某局 CA").unwrap();
    let front = tls_front(pki.issue(&["localhost"], -60, -1).unwrap(), harness.addr())
        .await
        .unwrap();
    let url = format!("https://localhost:{}/", front.addr.port());
    let phone = harness.phone("leader").unwrap();
    let trust = Trust::new(&pki.ca_pem, &[]).unwrap();
    let error = link_error(activate(&harness, &phone, &url, &trust).await);
    assert!(
        matches!(error, LinkError::CertificateExpired(_)),
        "{error:?}"
    );
    // The same CA with a certificate in date: the front itself is sound.
    let fresh = tls_front(pki.issue(&["localhost"], -1, 30).unwrap(), harness.addr())
        .await
        .unwrap();
    let url = format!("https://localhost:{}/", fresh.addr.port());
    activate(&harness, &phone, &url, &trust).await.unwrap();
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused_as_the_wrong_host() {
    let harness = Harness::start().await.unwrap();
    let pki = Pki::new("某局 CA").unwrap();
    let front = tls_front(
        pki.issue(&["gateway.example.gov.cn"], -1, 30).unwrap(),
        harness.addr(),
    )
    .await
    .unwrap();
    let url = format!("https://localhost:{}/", front.addr.port());
    let phone = harness.phone("leader").unwrap();
    let trust = Trust::new(&pki.ca_pem, &[]).unwrap();
    let error = link_error(activate(&harness, &phone, &url, &trust).await);
    assert!(matches!(error, LinkError::WrongHost(_)), "{error:?}");
}

/// A phone clock `days` ahead of the real one, movable.
fn shifted(days: &Arc<AtomicI64>) -> Clock {
    let days = Arc::clone(days);
    Arc::new(move || -> DateTime<Utc> { Utc::now() + Duration::days(days.load(Ordering::SeqCst)) })
}

#[tokio::test]
async fn a_certificate_out_of_date_only_by_the_phones_clock_is_clock_skew() {
    // The harness certificate is valid for 30 days from now.
    let harness = Harness::start_tls().await.unwrap();
    let ahead = Arc::new(AtomicI64::new(20));
    let phone = harness.phone_with_clock("leader", shifted(&ahead)).unwrap();
    // Twenty days ahead the certificate is still valid: the phone activates and learns that the
    // gateway's clock is twenty days behind its own.
    activate(&harness, &phone, &harness.url(), &harness_trust(&harness))
        .await
        .unwrap();
    phone.client.sync().await.unwrap();
    // The phone's clock runs on to forty days ahead: at its time the certificate has expired,
    // at the gateway's time as last learned it is valid.
    ahead.store(40, Ordering::SeqCst);
    let error = link_error(phone.client.sync().await);
    let LinkError::ClockSkew { offset_ms } = error else {
        panic!("expected ClockSkew, got {error:?}");
    };
    assert!((offset_ms + 20 * 86_400_000).abs() < 600_000, "{offset_ms}");
    assert!(error.to_string().contains("clock"));
    // A phone that never reached the gateway has nothing to compare with: expired it is.
    let newcomer = harness
        .phone_with_clock("newcomer", shifted(&Arc::new(AtomicI64::new(40))))
        .unwrap();
    let error = link_error(
        activate(
            &harness,
            &newcomer,
            &harness.url(),
            &harness_trust(&harness),
        )
        .await,
    );
    assert!(
        matches!(error, LinkError::CertificateExpired(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_gateway_nobody_listens_for_is_unreachable_not_a_certificate_problem() {
    let harness = Harness::start_tls().await.unwrap();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let phone = harness.phone("leader").unwrap();
    let url = format!("https://localhost:{closed}/");
    let error = link_error(activate(&harness, &phone, &url, &harness_trust(&harness)).await);
    assert!(matches!(error, LinkError::Unreachable(_)), "{error:?}");
    assert!(!error.is_cut());
}
