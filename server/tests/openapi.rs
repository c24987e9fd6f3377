//! The OpenAPI document against a live gateway: it is served and parses, it names every route the
//! router serves, and real responses (health, an error body, a 405) validate against the schemas
//! it gives for them. Plain HTTP/1.1 over a socket keeps the test free of a client's TLS setup.

// The helpers below serve only this test: a failed assumption in them is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_gateway::{start, GatewayConfig, Location};
use serde_json::Value;
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

/// Sends one request; returns the status and the body parsed as JSON.
async fn call(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
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

/// The response schema the document gives for `method path` answering `status`.
fn response_schema<'a>(document: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    let schema = &document["paths"][path][method]["responses"][status.to_string()]["content"]
        ["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} documents no {status}");
    schema
}

/// Checks `value` against the subset of OpenAPI 3.0 schema the document uses.
fn validate(document: &Value, schema: &Value, value: &Value, at: &str) {
    if let Some(Value::String(target)) = schema.get("$ref") {
        let target = document.pointer(target.trim_start_matches('#')).unwrap();
        return validate(document, target, value, at);
    }
    if value.is_null() {
        assert_eq!(schema["nullable"], true, "{at} is null");
        return;
    }
    if let Some(Value::Array(options)) = schema.get("oneOf") {
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
            for (i, item) in value.as_array().unwrap().iter().enumerate() {
                validate(document, &schema["items"], item, &format!("{at}[{i}]"));
            }
        }
        Some("string") => {
            let text = value
                .as_str()
                .unwrap_or_else(|| panic!("{at} is no string"));
            if schema["format"] == "date-time" {
                chrono::DateTime::parse_from_rfc3339(text).unwrap();
            }
        }
        Some("integer") => assert!(value.is_i64() || value.is_u64(), "{at} is no integer"),
        Some("boolean") => assert!(value.is_boolean(), "{at} is no boolean"),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_describes_the_live_gateway() {
    let data = tempfile::tempdir().unwrap();
    let config = GatewayConfig::new(
        Location::Folder(data.path().to_owned()),
        "127.0.0.1:0".parse().unwrap(),
        true,
    );
    let gateway = start(config).await.unwrap();
    let addr = gateway.addr();

    let (status, document) = call(addr, "GET", "/openapi.json", "").await;
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.0.3");
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

    let (status, health) = call(addr, "GET", "/v1/health", "").await;
    assert_eq!(status, 200);
    let schema = response_schema(&document, "get", "/v1/health", 200);
    validate(&document, schema, &health, "health");

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
        let schema = response_schema(&document, documented_method, documented_path, status);
        validate(&document, schema, &error, &format!("{method} {path}"));
    }

    gateway.stop().await.unwrap();
}
