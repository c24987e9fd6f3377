//! The OpenAPI document against a live gateway: it is served and parses, it names every route the
//! router serves (and every route it names is served), and real responses validate against the
//! schemas it gives for them: health, error bodies, a 405, an activation, and the signed phone
//! endpoints answering 200 (ping, a pull with the demo inbox and its checkpoint, a push). Plain
//! HTTP/1.1 over a socket keeps the test free of a client's TLS setup.
//!
//! The gateway runs on SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES`
//! names a server (as `scripts/test-all.sh` does on its second pass).

// The helpers below serve only this test: a failed assumption in them is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_core::crypto;
use qianpi_core::keys::{DeviceSigner, PlatformKeyError, REQUEST_KEY_ALIAS};
use qianpi_core::protocol::{
    page_checksum, ActivateRequest, ActivateResponse, Change, Checkpoint, CommandReceipt,
    PushResponse, Signed, SyncPage,
};
use qianpi_core::sync::{sign_request, Credentials};
use qianpi_gateway::admin::demo;
use qianpi_gateway::{admin, open_database, start, GatewayConfig, Location, RunningGateway};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Every (method, path) the router serves; a route added to the router belongs here and in the
/// document.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/health"),
    ("post", "/v1/devices/activate"),
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
];

/// Sends one request with extra `headers`; returns the status and the body parsed as JSON.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    (status, serde_json::from_str(body).unwrap())
}

/// Sends one unsigned request.
async fn call(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, Value) {
    send(addr, method, path, &[], body.as_bytes()).await
}

/// The response schema the document gives for `method path` answering `status`.
fn response_schema<'a>(document: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    let schema = &document["paths"][path][method]["responses"][status.to_string()]["content"]
        ["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} documents no {status}");
    schema
}

/// Validates the answer of `method path` against the schema documented for its status.
fn check_answer(document: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let schema = response_schema(document, method, path, status);
    validate(document, schema, body, &format!("{method} {path} {status}"));
}

/// Checks `value` against the subset of OpenAPI 3.0 schema the document uses: `$ref`, `allOf`
/// (a nullable reference is `allOf: [$ref]` with `nullable`), `nullable`, `oneOf` (by its `discriminator` when it has one), `enum`,
/// objects with `required` and `additionalProperties: false`, arrays, strings (`date-time` and
/// `date`), integers with `minimum`/`maximum`, booleans. Panics at the first violation, naming
/// where in `value` it is.
fn validate(document: &Value, schema: &Value, value: &Value, at: &str) {
    if value.is_null() {
        assert_eq!(schema["nullable"], true, "{at} is null");
        return;
    }
    if let Some(Value::Array(every)) = schema.get("allOf") {
        for part in every {
            validate(document, part, value, at);
        }
        return;
    }
    if let Some(Value::String(target)) = schema.get("$ref") {
        let target = document
            .pointer(target.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{at}: {target} is not in the document"));
        return validate(document, target, value, at);
    }
    if let Some(Value::Array(options)) = schema.get("oneOf") {
        if let Some(discriminator) = schema.get("discriminator") {
            let tag = discriminator["propertyName"].as_str().unwrap();
            let name = value[tag]
                .as_str()
                .unwrap_or_else(|| panic!("{at} has no {tag} tag"));
            let target = discriminator["mapping"][name]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: {tag} {name:?} is not one of the documented"));
            assert!(
                options.iter().any(|o| o["$ref"] == target),
                "{at}: the discriminator maps {name} outside the oneOf"
            );
            return validate(document, &json!({ "$ref": target }), value, at);
        }
        let matching = options
            .iter()
            .filter(|option| {
                let (document, option, value) =
                    (document.clone(), (*option).clone(), value.clone());
                std::panic::catch_unwind(move || validate(&document, &option, &value, "")).is_ok()
            })
            .count();
        assert_eq!(matching, 1, "{at} matches {matching} options of oneOf");
        return;
    }
    if let Some(Value::Array(allowed)) = schema.get("enum") {
        assert!(
            allowed.contains(value),
            "{at}: {value} is not one of {allowed:?}"
        );
    }
    match schema["type"].as_str() {
        Some("object") => {
            let object = value
                .as_object()
                .unwrap_or_else(|| panic!("{at} is no object"));
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                assert!(object.contains_key(name), "{at} lacks {name}");
            }
            for (name, field) in object {
                match schema["properties"].get(name) {
                    Some(property) => validate(document, property, field, &format!("{at}.{name}")),
                    None => assert_ne!(
                        schema["additionalProperties"], false,
                        "{at} has an undocumented {name}"
                    ),
                }
            }
        }
        Some("array") => {
            let items = value
                .as_array()
                .unwrap_or_else(|| panic!("{at} is no array"));
            for (i, item) in items.iter().enumerate() {
                validate(document, &schema["items"], item, &format!("{at}[{i}]"));
            }
        }
        Some("string") => {
            let text = value
                .as_str()
                .unwrap_or_else(|| panic!("{at} is no string"));
            match schema["format"].as_str() {
                Some("date-time") => {
                    assert!(
                        chrono::DateTime::parse_from_rfc3339(text).is_ok(),
                        "{at}: {text:?} is no date-time"
                    );
                }
                Some("date") => {
                    assert!(
                        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
                        "{at}: {text:?} is no date"
                    );
                }
                _ => {}
            }
        }
        Some("integer") => {
            assert!(value.is_i64() || value.is_u64(), "{at} is no integer");
            let n = value.as_f64().unwrap();
            if let Some(minimum) = schema["minimum"].as_f64() {
                assert!(n >= minimum, "{at}: {n} is below {minimum}");
            }
            if let Some(maximum) = schema["maximum"].as_f64() {
                assert!(n <= maximum, "{at}: {n} is above {maximum}");
            }
        }
        Some("boolean") => assert!(value.is_boolean(), "{at} is no boolean"),
        _ => {}
    }
}

/// Whether `validate` refuses `value`.
fn refuses(document: &Value, schema: &Value, value: Value) -> bool {
    let (document, schema) = (document.clone(), schema.clone());
    std::panic::catch_unwind(move || validate(&document, &schema, &value, "value")).is_err()
}

/// A gateway on SQLite in `dir`, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES`
/// is set; its configuration for opening the same database.
async fn gateway(dir: &tempfile::TempDir) -> (RunningGateway, GatewayConfig) {
    let location = match std::env::var("QIANPI_TEST_POSTGRES") {
        Ok(server) => {
            tokio::task::spawn_blocking(move || {
                qianpi_gateway::db::create_postgres_database(&server, "qianpi_openapi")
            })
            .await
            .unwrap()
            .unwrap()
            .0
        }
        Err(_) => Location::Folder(dir.path().join("gateway")),
    };
    let mut config = GatewayConfig::new(location, "127.0.0.1:0".parse().unwrap(), true);
    config.statement_key = Some(dir.path().join("statement-key.p8"));
    let gateway = start(config.clone()).await.unwrap();
    (gateway, config)
}

/// The served document.
async fn served_document(addr: SocketAddr) -> Value {
    let (status, document) = call(addr, "GET", "/openapi.json", "").await;
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.0.3");
    document
}

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

/// A device's two keys in memory, signing as a platform keystore does (DER signatures).
struct TestSigner {
    request: EcdsaKeyPair,
    approval: EcdsaKeyPair,
}

impl TestSigner {
    fn new() -> TestSigner {
        let pair = || {
            let rng = SystemRandom::new();
            let pkcs8 =
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap()
        };
        TestSigner {
            request: pair(),
            approval: pair(),
        }
    }

    fn pair(&self, alias: &str) -> &EcdsaKeyPair {
        if alias == REQUEST_KEY_ALIAS {
            &self.request
        } else {
            &self.approval
        }
    }

    fn spki_base64(&self, alias: &str) -> String {
        use base64::Engine as _;
        let point = self.pair(alias).public_key().as_ref();
        base64::engine::general_purpose::STANDARD
            .encode(crypto::p256_spki_from_point(point).unwrap())
    }
}

impl DeviceSigner for TestSigner {
    fn create_key(&self, _alias: String) -> Result<Vec<u8>, PlatformKeyError> {
        Err(PlatformKeyError::new("the test signer has fixed keys"))
    }

    fn public_key(&self, alias: String) -> Result<Vec<u8>, PlatformKeyError> {
        crypto::p256_spki_from_point(self.pair(&alias).public_key().as_ref())
            .map_err(|e| PlatformKeyError::new(e.to_string()))
    }

    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, PlatformKeyError> {
        self.pair(&alias)
            .sign(&SystemRandom::new(), &message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| PlatformKeyError::new("signing failed"))
    }
}

/// Sends a request signed exactly as a phone signs it; the status and the JSON body.
async fn send_signed(
    addr: SocketAddr,
    credentials: &Credentials,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> (u16, Value) {
    let target = format!("http://{addr}{path_and_query}");
    let headers = sign_request(method, &target, body, credentials, chrono::Utc::now()).unwrap();
    let headers: Vec<(&str, String)> = headers.into_iter().collect();
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
    let signer = Arc::new(TestSigner::new());
    let request = ActivateRequest {
        login: demo::LEADER.into(),
        code,
        request_key_spki: signer.spki_base64(REQUEST_KEY_ALIAS),
        approval_key_spki: signer.spki_base64("approval"),
        device_name: "OpenAPI test".into(),
        platform: "terminal".into(),
        attestation: None,
    };
    let body = serde_json::to_vec(&request).unwrap();
    let (status, activated) = send(addr, "POST", "/v1/devices/activate", &[], &body).await;
    assert_eq!(status, 200, "{activated}");
    check_answer(&document, "post", "/v1/devices/activate", 200, &activated);
    let activated: ActivateResponse = serde_json::from_value(activated).unwrap();
    let credentials = Credentials {
        signer: signer.clone(),
        request_key_id: activated.request_key_id.clone(),
        access_token: activated.access_token.clone(),
        clock_offset_ms: 0,
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

#[tokio::test]
async fn the_validator_refuses_what_the_document_does_not_allow() {
    let dir = tempfile::tempdir().unwrap();
    let (gateway, _) = gateway(&dir).await;
    let document = served_document(gateway.addr()).await;
    gateway.stop().await.unwrap();
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let time = "2026-12-03T17:11:41Z";
    let page = |changes: Value| {
        json!({"changes": changes, "next_cursor": "1", "has_more": false,
               "checksum": "sha-256=:AA==:", "server_time": time})
    };
    let status = json!({"delivered_at": null, "read_at": time, "replied_at": null, "reply": null});
    let receipt = json!({"kind": "receipt",
                         "status": {"notice_id": "n", "user_id": "u", "status": status}});

    // What the document allows passes.
    assert!(!refuses(
        &document,
        &schema("SyncPage"),
        page(json!([receipt]))
    ));
    // A page without its checksum, a change of an unknown kind or missing its payload, a field
    // the document does not name, a wrong type inside a nullable reference.
    let mut no_checksum = page(json!([]));
    no_checksum.as_object_mut().unwrap().remove("checksum");
    assert!(refuses(&document, &schema("SyncPage"), no_checksum));
    assert!(refuses(
        &document,
        &schema("SyncPage"),
        page(json!([{"kind": "policy"}]))
    ));
    assert!(refuses(
        &document,
        &schema("SyncPage"),
        page(json!([{"kind": "receipt"}]))
    ));
    let mut extra = receipt.clone();
    extra["status"]["secret"] = json!(1);
    assert!(refuses(
        &document,
        &schema("SyncPage"),
        page(json!([extra]))
    ));
    let mut wrong = receipt;
    wrong["status"]["status"]["reply"] = json!("yes");
    assert!(refuses(
        &document,
        &schema("SyncPage"),
        page(json!([wrong]))
    ));
    // Below a minimum.
    let policy = json!({"version": 0, "max_offline_block_secs": 1, "max_offline_wipe_secs": 1,
                        "retention_days": 1, "inactivity_lock_minutes": 1});
    assert!(refuses(&document, &schema("OfflinePolicy"), policy));
}

/// What the gateway cannot send yet on this branch (notices and their receipts), and what it sends
/// only to a revoked device (the wipe order), built from core's wire types themselves and checked
/// against the document: the document follows the types, whichever route ends up sending them.
#[tokio::test]
async fn the_wire_types_match_the_document() {
    use qianpi_core::model::{
        Attachment, Identity, Notice, NoticeScope, ReceiptForm, RecipientStatus, Reply,
    };
    use qianpi_core::protocol::statement::GatewayKey;
    use qianpi_core::protocol::{
        CommandVerdict, ErrorBody, NoticeStatus, ReceiptOutcome, ReceiptResponse, ReceiptResult,
        VerdictOutcome, WipeCommand,
    };

    let dir = tempfile::tempdir().unwrap();
    let (gateway, _) = gateway(&dir).await;
    let document = served_document(gateway.addr()).await;
    gateway.stop().await.unwrap();
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let key = GatewayKey::from_pkcs8(&GatewayKey::generate_pkcs8().unwrap()).unwrap();
    let now = chrono::Utc::now();
    let publisher = Identity {
        user_id: "user-li".into(),
        name: "李晓梅".into(),
        post: "秘书科科员".into(),
        unit_id: "unit-sxnyt".into(),
    };
    let full = Notice {
        id: "notice-1".into(),
        title: "关于召开春耕备耕工作会议的通知".into(),
        body: "请各处室负责同志参加。".into(),
        attachments: vec![Attachment {
            id: "att-1".into(),
            name: "会议议程".into(),
            media_type: "application/pdf".into(),
            size: 1024,
            sha256: "0".repeat(64),
        }],
        publisher: publisher.clone(),
        published_at: now,
        scope: NoticeScope {
            units: vec!["unit-sxnyt".into()],
            ..NoticeScope::default()
        },
        receipt_required: true,
        receipt_form: Some(ReceiptForm::attendance()),
        receipt_deadline: Some(now + chrono::Duration::days(2)),
    };
    let plain = Notice {
        id: "notice-2".into(),
        attachments: vec![],
        receipt_required: false,
        receipt_form: None,
        receipt_deadline: None,
        ..full.clone()
    };
    let replied = RecipientStatus {
        delivered_at: Some(now),
        read_at: Some(now),
        replied_at: Some(now),
        reply: Some(Reply {
            choice: Some("attend".into()),
            note: None,
        }),
    };
    let verdict = CommandVerdict {
        command_id: "c-1".into(),
        task_id: "task-1".into(),
        outcome: VerdictOutcome::Accepted {
            instance_version: 3,
            instance_state: qianpi_core::workflow::InstanceState::Running,
            current_node_name: None,
        },
        decided_at: now,
        receipt: None,
    };
    let mut changes = Vec::new();
    for notice in [full, plain] {
        let signed = key.sign(&notice).unwrap();
        changes.push(Change::Notice {
            notice: Box::new(notice),
            signed,
        });
    }
    for status in [RecipientStatus::default(), replied] {
        changes.push(Change::Receipt {
            status: NoticeStatus {
                notice_id: "notice-1".into(),
                user_id: "user-wang".into(),
                status,
            },
        });
    }
    changes.push(Change::Verdict { verdict });
    let page = SyncPage {
        checksum: page_checksum(&changes).unwrap(),
        changes,
        next_cursor: "7".into(),
        has_more: false,
        checkpoint: None,
        server_time: now,
    };
    validate(
        &document,
        &schema("SyncPage"),
        &serde_json::to_value(&page).unwrap(),
        "page",
    );

    let wipe = key
        .sign(&WipeCommand {
            device_id: "dev-1".into(),
            issued_at: now,
            reason: "revoked".into(),
        })
        .unwrap();
    let refusal = ErrorBody {
        code: "device_revoked".into(),
        message: "this device's access was revoked".into(),
        wipe: Some(wipe),
        server_time: now,
    };
    validate(
        &document,
        &schema("ErrorBody"),
        &serde_json::to_value(&refusal).unwrap(),
        "refusal",
    );
    validate(
        &document,
        &schema("GatewayPublicKey"),
        &serde_json::to_value(key.public()).unwrap(),
        "gateway key",
    );

    // Every outcome a receipt push can answer: accepted, refused with the state held, refused
    // without one.
    let read = RecipientStatus {
        delivered_at: Some(now),
        read_at: Some(now),
        ..RecipientStatus::default()
    };
    let answer = ReceiptResponse {
        results: vec![
            ReceiptResult {
                notice_id: "notice-1".into(),
                outcome: ReceiptOutcome::Accepted {
                    status: read.clone(),
                },
            },
            ReceiptResult {
                notice_id: "notice-1".into(),
                outcome: ReceiptOutcome::Refused {
                    code: "after_deadline".into(),
                    message_zh: "已过回执截止时间".into(),
                    message_en: "the receipt deadline has passed".into(),
                    status: Some(read),
                },
            },
            ReceiptResult {
                notice_id: "notice-9".into(),
                outcome: ReceiptOutcome::Refused {
                    code: "no_such_notice".into(),
                    message_zh: "没有这条通知".into(),
                    message_en: "no such notice".into(),
                    status: None,
                },
            },
        ],
        server_time: now,
    };
    validate(
        &document,
        &schema("ReceiptResponse"),
        &serde_json::to_value(&answer).unwrap(),
        "receipts answer",
    );
}
