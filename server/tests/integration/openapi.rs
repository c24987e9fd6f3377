//! The OpenAPI document against a live gateway: it is served and parses, it names every route the
//! router serves (and every route it names is served), and real responses validate against the
//! schemas it gives for them: health, error bodies, a 405, an activation, and the signed phone
//! endpoints answering 200 (ping, a pull with the demo inbox and its checkpoint, a push). Plain
//! HTTP/1.1 over a socket keeps the test free of a client's TLS setup. `openapi_schemas.rs` checks
//! the document's schemas against values built by hand and from core's wire types.
//!
//! The gateway runs on SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES`
//! names a server (as `scripts/test-all.sh` does on its second pass).

// The helpers below serve only this test: a failed assumption in them is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::openapi_support;

use openapi_support::schema::check_answer;
use openapi_support::{call, gateway, send, served_document};
use qianpi_gateway::admin::demo;
use qianpi_gateway::{admin, open_database};
use qianpi_protocol::crypto;
use qianpi_protocol::signature::{sign_request, RequestSigner};
use qianpi_protocol::{
    page_checksum, ActivateRequest, ActivateResponse, Change, Checkpoint, CommandReceipt,
    PushResponse, Signed, SyncPage,
};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};
use std::net::SocketAddr;

/// Every (method, path) the router serves; a route added to the router belongs here and in the
/// document.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/health"),
    ("post", "/v1/devices/activate"),
    ("post", "/v1/devices/challenge"),
    ("get", "/v1/sync"),
    ("post", "/v1/commands"),
    ("get", "/v1/ping"),
    ("get", "/openapi.json"),
    ("post", "/v1/admin/units"),
    ("get", "/v1/admin/units/{unit}/users"),
    ("post", "/v1/admin/units/{unit}/users"),
    ("post", "/v1/admin/units/{unit}/users/import"),
    (
        "post",
        "/v1/admin/units/{unit}/users/{user}/activation-code",
    ),
    ("post", "/v1/admin/units/{unit}/definitions"),
    ("get", "/v1/admin/units/{unit}/devices"),
    ("post", "/v1/admin/units/{unit}/devices/{device}/{action}"),
    ("post", "/v1/admin/units/{unit}/flows"),
    ("post", "/v1/admin/units/{unit}/admin-tokens"),
    ("put", "/v1/admin/units/{unit}/policy"),
    ("put", "/v1/admin/units/{unit}/blobs/{sha256}"),
    ("get", "/v1/blobs/{sha256}"),
    ("get", "/v1/admin/units/{unit}/notices"),
    ("post", "/v1/admin/units/{unit}/notices"),
    ("get", "/v1/admin/units/{unit}/notices/{notice}/receipts"),
    ("post", "/v1/receipts"),
    ("get", "/v1/delegations"),
    ("post", "/v1/delegations"),
    ("post", "/v1/delegations/{id}/revoke"),
    ("get", "/v1/people"),
    ("put", "/v1/admin/units/{unit}/people/{user}"),
    ("put", "/v1/admin/units/{unit}/people-policy"),
    ("get", "/v1/phrases"),
    ("put", "/v1/phrases"),
    ("put", "/v1/blobs/{sha256}"),
    ("get", "/v1/admin/units/{unit}/phrases"),
    ("put", "/v1/admin/units/{unit}/phrases"),
    ("post", "/v1/integration/units/{unit}/files"),
    ("post", "/v1/integration/units/{unit}/documents"),
    ("get", "/v1/integration/units/{unit}/documents/{document}"),
    (
        "post",
        "/v1/integration/units/{unit}/documents/{document}/flow",
    ),
    ("get", "/v1/integration/units/{unit}/instances/{instance}"),
    (
        "get",
        "/v1/integration/units/{unit}/instances/{instance}/record",
    ),
    ("get", "/v1/integration/webhooks"),
    ("post", "/v1/integration/webhooks"),
    ("delete", "/v1/integration/webhooks/{id}"),
    ("get", "/v1/integration/webhooks/{id}/deliveries"),
    ("get", "/v1/admin/units/{unit}/api-keys"),
    ("post", "/v1/admin/units/{unit}/api-keys"),
    ("post", "/v1/admin/units/{unit}/api-keys/{key}/revoke"),
];

#[tokio::test]
async fn the_document_describes_the_live_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let (gateway, _) = gateway(&dir).await;
    let addr = gateway.addr();
    let document = served_document(addr).await;

    for (method, path) in ROUTES {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is served but not documented"
        );
    }
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|key| ["get", "post", "put", "patch", "delete"].contains(&key.as_str()))
                .count()
        })
        .sum();
    assert_eq!(
        documented,
        ROUTES.len(),
        "the document names a route the test does not know"
    );
    // And the router serves each of them: neither the fallback's `not_found` nor a 405. Path
    // parameters get their first documented value, or a made-up one; unauthenticated admin calls
    // stop at the token check.
    for (method, path) in ROUTES {
        let mut concrete = path.to_string();
        let parameters = document["paths"][path]["parameters"].as_array();
        for parameter in parameters.into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap();
            let value = parameter["schema"]["enum"][0].as_str().unwrap_or("x");
            concrete = concrete.replace(&format!("{{{name}}}"), value);
        }
        let (status, answer) = call(addr, &method.to_ascii_uppercase(), &concrete, "{}").await;
        assert!(
            status != 405 && answer["code"] != "not_found",
            "{method} {path} is documented but not served ({status} {})",
            answer["code"]
        );
    }

    let (status, health) = call(addr, "GET", "/v1/health", "").await;
    assert_eq!(status, 200);
    check_answer(&document, "get", "/v1/health", 200, &health);

    // Error bodies: a malformed activation, an unsigned pull, a method the path does not serve.
    for (method, path, body, status) in [
        ("POST", "/v1/devices/activate", "{", 400),
        ("GET", "/v1/sync?cursor=1", "", 401),
        ("GET", "/v1/ping", "", 401),
        ("POST", "/v1/commands", r#"{"commands": []}"#, 401),
        ("POST", "/v1/receipts", r#"{"receipts": []}"#, 401),
        ("DELETE", "/v1/health", "", 405),
    ] {
        let (got, error) = call(addr, method, path, body).await;
        assert_eq!(got, status, "{method} {path}");
        let documented_path = path.split('?').next().unwrap();
        let documented_method = if status == 405 {
            "get"
        } else {
            &method.to_ascii_lowercase()
        };
        check_answer(
            &document,
            documented_method,
            documented_path,
            status,
            &error,
        );
    }

    gateway.stop().await.unwrap();
}

/// `qianpi-gateway openapi` prints, without a database, the very document the gateway serves:
/// an OA system's developers generate their client from it where the gateway cannot be reached.
#[tokio::test]
async fn the_command_line_prints_the_served_document() {
    let dir = tempfile::tempdir().unwrap();
    let (gateway, _) = gateway(&dir).await;
    let served = served_document(gateway.addr()).await;
    gateway.stop().await.unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_qianpi-gateway"))
        .arg("openapi")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed, served);
}

/// A device's two keys in memory, in place of a phone's keystore.
struct TestKeys {
    request: EcdsaKeyPair,
    approval: EcdsaKeyPair,
    rng: SystemRandom,
}

/// An activated device: its keys, and the token and key id the gateway bound to them.
struct TestDevice {
    keys: TestKeys,
    access_token: String,
    key_id: String,
}

impl TestKeys {
    fn new() -> TestKeys {
        let rng = SystemRandom::new();
        let pair = || {
            let pkcs8 =
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
                .unwrap()
        };
        TestKeys {
            request: pair(),
            approval: pair(),
            rng: rng.clone(),
        }
    }

    fn spki_base64(pair: &EcdsaKeyPair) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .encode(crypto::p256_spki_from_point(pair.public_key().as_ref()).unwrap())
    }
}

/// Sends a request signed exactly as a phone signs it; the status and the JSON body.
async fn send_signed(
    addr: SocketAddr,
    device: &TestDevice,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> (u16, Value) {
    let target = format!("http://{addr}{path_and_query}");
    let signer = RequestSigner {
        access_token: &device.access_token,
        key_id: &device.key_id,
    };
    let nonce = crypto::random_bytes::<16>().unwrap();
    let created = chrono::Utc::now().timestamp();
    let headers = sign_request(method, &target, body, signer, created, &nonce, |base| {
        device
            .keys
            .request
            .sign(&device.keys.rng, base)
            .map(|signature| signature.as_ref().to_vec())
    })
    .unwrap();
    send(addr, method, path_and_query, &headers, body).await
}

#[tokio::test]
async fn signed_answers_match_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let (gateway, config) = gateway(&dir).await;
    let addr = gateway.addr();
    let document = served_document(addr).await;

    // Activate a device for the demo leader, whose inbox the seed filled.
    let db = open_database(&config).await.unwrap();
    let code = admin::issue_activation_code(&db, demo::LEADER, chrono::Utc::now().timestamp())
        .await
        .unwrap();
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
    let keys = TestKeys::new();
    let request = ActivateRequest {
        login: demo::LEADER.into(),
        code,
        request_key_spki: TestKeys::spki_base64(&keys.request),
        approval_key_spki: TestKeys::spki_base64(&keys.approval),
        device_name: "OpenAPI test".into(),
        platform: "terminal".into(),
        challenge: None,
        attestation: None,
    };
    let body = serde_json::to_vec(&request).unwrap();
    let (status, activated) = send(addr, "POST", "/v1/devices/activate", &[], &body).await;
    assert_eq!(status, 200, "{activated}");
    check_answer(&document, "post", "/v1/devices/activate", 200, &activated);
    let activated: ActivateResponse = serde_json::from_value(activated).unwrap();
    let credentials = TestDevice {
        keys,
        access_token: activated.access_token.clone(),
        key_id: activated.request_key_id.clone(),
    };

    let (status, pong) = send_signed(addr, &credentials, "GET", "/v1/ping", b"").await;
    assert_eq!(status, 200, "{pong}");
    check_answer(&document, "get", "/v1/ping", 200, &pong);

    // A pull from the start: the seeded inbox item and a checkpoint.
    let (status, page) =
        send_signed(addr, &credentials, "GET", "/v1/sync?cursor=&limit=50", b"").await;
    assert_eq!(status, 200, "{page}");
    check_answer(&document, "get", "/v1/sync", 200, &page);
    let page: SyncPage = serde_json::from_value(page).unwrap();
    assert!(
        page.changes
            .iter()
            .any(|change| matches!(change, Change::Inbox { .. })),
        "the leader's first page has no inbox item"
    );
    assert_eq!(page.checksum, page_checksum(&page.changes).unwrap());
    let checkpoint: Signed<Checkpoint> = page.checkpoint.expect("a pull carries a checkpoint");
    let checkpoint = checkpoint.verify(&activated.gateway_key).unwrap();
    assert_eq!(checkpoint.device_id, activated.device_id);

    // The next page after the cursor: empty, still a valid page.
    let next = format!("/v1/sync?cursor={}", page.next_cursor);
    let (status, empty) = send_signed(addr, &credentials, "GET", &next, b"").await;
    assert_eq!(status, 200, "{empty}");
    check_answer(&document, "get", "/v1/sync", 200, &empty);

    // A push: an empty batch, and a record that is not one (refused, with a signed receipt).
    let (status, pushed) = send_signed(
        addr,
        &credentials,
        "POST",
        "/v1/commands",
        br#"{"commands":[]}"#,
    )
    .await;
    assert_eq!(status, 200, "{pushed}");
    check_answer(&document, "post", "/v1/commands", 200, &pushed);
    let garbage = json!({"commands": [{"command_id": "c-openapi-1", "cose": "AAAA"}]});
    let body = serde_json::to_vec(&garbage).unwrap();
    let (status, pushed) = send_signed(addr, &credentials, "POST", "/v1/commands", &body).await;
    assert_eq!(status, 200, "{pushed}");
    check_answer(&document, "post", "/v1/commands", 200, &pushed);
    let pushed: PushResponse = serde_json::from_value(pushed).unwrap();
    let verdict = &pushed.verdicts[0];
    assert!(!verdict.outcome.is_accepted());
    let receipt: CommandReceipt = verdict
        .receipt
        .as_ref()
        .expect("a verdict carries its receipt")
        .verify(&activated.gateway_key)
        .unwrap();
    assert_eq!(receipt.command_id, "c-openapi-1");

    gateway.stop().await.unwrap();
}
