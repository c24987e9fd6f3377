//! The phone on networks that stand between it and its gateway: an honest CONNECT proxy with
//! credentials carries the sync; one that asks for other credentials, one that refuses, one
//! that reads secure connections with its own CA (TLS interception), and a captive portal
//! answering a sign-in page or a redirect each fail with their own error, and what the phone
//! had queued stays queued.

// A test that cannot set up its network must stop, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::tls::{activate, harness_trust, link_error};
use qianpi_core::link::{LinkError, Proxy, Trust};
use qianpi_core::model::Attitude;
use qianpi_tests::intercept::{captive_portal, connect_proxy, Pki, Portal, ProxyMode};
use qianpi_tests::Harness;
use std::sync::atomic::Ordering;
use std::sync::Arc;

fn proxy_at(addr: std::net::SocketAddr, user: Option<&str>, password: Option<&str>) -> Proxy {
    Proxy::new(
        &format!("http://{addr}"),
        user.map(str::to_owned),
        password.map(str::to_owned),
    )
    .unwrap()
}

fn honest(user: &str, password: &str) -> ProxyMode {
    ProxyMode::Honest {
        credentials: Some((user.to_owned(), password.to_owned())),
    }
}

#[tokio::test]
async fn a_phone_syncs_through_an_honest_proxy_with_credentials() {
    let harness = Harness::start_tls().await.unwrap();
    let proxy = connect_proxy(honest("zhangsan", "代理口令")).await.unwrap();
    let phone = harness.phone("leader").unwrap();
    phone.client.set_proxy(Some(proxy_at(
        proxy.addr,
        Some("zhangsan"),
        Some("代理口令"),
    )));
    activate(&harness, &phone, &harness.url(), &harness_trust(&harness))
        .await
        .unwrap();
    assert_eq!(phone.client.sync().await.unwrap().pulled, 1);
    let through = proxy.connections.load(Ordering::SeqCst);
    assert!(through >= 1, "nothing went through the proxy");
    // An approval goes out through it too.
    let task = phone.client.inbox().unwrap()[0].task_id.clone();
    phone
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    phone.client.sync().await.unwrap();
    assert!(phone.client.outbox().unwrap().is_empty());
}

#[tokio::test]
async fn a_proxy_asking_for_other_credentials_or_refusing_says_which() {
    let harness = Harness::start_tls().await.unwrap();
    let trust = harness_trust(&harness);
    let proxy = connect_proxy(honest("zhangsan", "right")).await.unwrap();
    let phone = harness.phone("leader").unwrap();
    for (user, password) in [(None, None), (Some("zhangsan"), Some("wrong"))] {
        phone
            .client
            .set_proxy(Some(proxy_at(proxy.addr, user, password)));
        let error = link_error(activate(&harness, &phone, &harness.url(), &trust).await);
        assert!(matches!(error, LinkError::ProxyAuthRequired), "{error:?}");
        assert!(!error.is_cut());
    }
    let refusing = connect_proxy(ProxyMode::Refuse(403)).await.unwrap();
    phone
        .client
        .set_proxy(Some(proxy_at(refusing.addr, None, None)));
    let error = link_error(activate(&harness, &phone, &harness.url(), &trust).await);
    assert!(matches!(error, LinkError::ProxyRefused(_)), "{error:?}");
    assert!(!error.is_cut());
    // Without the proxy the same phone gets through.
    phone.client.set_proxy(None);
    activate(&harness, &phone, &harness.url(), &trust)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_proxy_presenting_its_own_ca_is_tls_interception_and_nothing_is_lost() {
    let harness = Harness::start_tls().await.unwrap();
    let tls = harness.tls().unwrap();
    let interceptor = connect_proxy(ProxyMode::Intercept {
        pki: Arc::new(Pki::new("Corporate inspection CA").unwrap()),
        upstream_ca_pem: tls.ca_pem.clone(),
    })
    .await
    .unwrap();
    let trust = harness_trust(&harness);
    // Activating through it: refused as interception, not as a wrong CA in the settings.
    let newcomer = harness.phone("newcomer").unwrap();
    newcomer
        .client
        .set_proxy(Some(proxy_at(interceptor.addr, None, None)));
    let error = link_error(activate(&harness, &newcomer, &harness.url(), &trust).await);
    assert!(matches!(error, LinkError::Interception(_)), "{error:?}");
    assert!(error.to_string().contains("intercepting"));
    assert!(newcomer.client.account().unwrap().is_none());

    // A phone that synced on the office network, an approval queued, then on a network that
    // inspects TLS.
    let phone = harness.phone("leader").unwrap();
    activate(&harness, &phone, &harness.url(), &trust)
        .await
        .unwrap();
    phone.client.sync().await.unwrap();
    let task = phone.client.inbox().unwrap()[0].task_id.clone();
    phone
        .client
        .approve(&task, Attitude::Agree, "同意")
        .unwrap();
    phone
        .client
        .set_proxy(Some(proxy_at(interceptor.addr, None, None)));
    let error = link_error(phone.client.sync().await);
    assert!(matches!(error, LinkError::Interception(_)), "{error:?}");
    assert_eq!(
        phone.client.outbox().unwrap().len(),
        1,
        "the approval stays queued"
    );
    // Back on a clean network it goes out.
    phone.client.set_proxy(None);
    phone.client.sync().await.unwrap();
    assert!(phone.client.outbox().unwrap().is_empty());
}

#[tokio::test]
async fn a_captive_portal_page_or_redirect_is_told_apart_from_a_broken_gateway() {
    let harness = Harness::start().await.unwrap();
    for portal in [Portal::Page, Portal::Redirect] {
        let stub = captive_portal(portal).await.unwrap();
        // Activation against an address the portal answers for.
        let phone = harness.phone(&format!("{portal:?}")).unwrap();
        let url = format!("http://127.0.0.1:{}/", stub.addr.port());
        let error = link_error(activate(&harness, &phone, &url, &Trust::default()).await);
        assert!(
            matches!(error, LinkError::CaptivePortal(_)),
            "{portal:?}: {error:?}"
        );
        assert!(
            !error.to_string().contains("token="),
            "the portal's address stays out"
        );
        // A phone activated at the gateway, then on a network whose proxy is the portal.
        activate(&harness, &phone, &harness.url(), &Trust::default())
            .await
            .unwrap();
        phone
            .client
            .set_proxy(Some(proxy_at(stub.addr, None, None)));
        let error = link_error(phone.client.sync().await);
        assert!(
            matches!(error, LinkError::CaptivePortal(_)),
            "{portal:?}: {error:?}"
        );
    }
}
