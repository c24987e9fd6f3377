//! The gateway's OpenAPI 3.0.3 document, served at `GET /openapi.json`. It is written by hand in
//! JSON fragments under `server/openapi/`: `base.json` (info, servers, security schemes, shared
//! schemas and this document's own path) and one fragment per audience with the shape
//! `{"paths": {...}, "components": {"schemas": {...}}}`. The fragments are compiled in and merged
//! once; a path or component defined twice is an error, never a silent overwrite.
//!
//! Adding an audience is one line in [`FRAGMENTS`].

use crate::error::ApiError;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// The base of the document.
const BASE: (&str, &str) = ("base.json", include_str!("../openapi/base.json"));

/// Every fragment merged into the base, by file name.
const FRAGMENTS: &[(&str, &str)] = &[
    ("phone.json", include_str!("../openapi/phone.json")),
    ("admin.json", include_str!("../openapi/admin.json")),
    ("notices.json", include_str!("../openapi/notices.json")),
    (
        "delegations.json",
        include_str!("../openapi/delegations.json"),
    ),
    ("people.json", include_str!("../openapi/people.json")),
    ("opinions.json", include_str!("../openapi/opinions.json")),
    (
        "integration.json",
        include_str!("../openapi/integration.json"),
    ),
];

/// The merged document and its serialised form, built on first use.
struct Built {
    document: Value,
    json: String,
}

static BUILT: OnceLock<Result<Built, String>> = OnceLock::new();

fn built() -> Result<&'static Built, ApiError> {
    BUILT
        .get_or_init(|| {
            let document = merge(BASE, FRAGMENTS)?;
            let json = serde_json::to_string(&document).map_err(|e| e.to_string())?;
            Ok(Built { document, json })
        })
        .as_ref()
        .map_err(|e| ApiError::internal(format!("the OpenAPI document is broken: {e}")))
}

/// The merged document.
pub fn document() -> Result<&'static Value, ApiError> {
    built().map(|b| &b.document)
}

/// `GET /openapi.json`.
pub async fn serve() -> Result<Response, ApiError> {
    let json = &built()?.json;
    Ok(([(header::CONTENT_TYPE, "application/json")], json.as_str()).into_response())
}

/// Merges `fragments` into `base`: their `paths` and `components.*` maps are added key by key.
fn merge(base: (&str, &str), fragments: &[(&str, &str)]) -> Result<Value, String> {
    let parse = |(name, text): (&str, &str)| -> Result<Map<String, Value>, String> {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(format!("{name} is not a JSON object")),
            Err(e) => Err(format!("{name} is not valid JSON: {e}")),
        }
    };
    let mut document = parse(base)?;
    for &(name, text) in fragments {
        let fragment = parse((name, text))?;
        for (key, value) in fragment {
            match (key.as_str(), value) {
                ("paths", Value::Object(paths)) => {
                    let target = section(&mut document, "paths", name)?;
                    for (path, item) in paths {
                        // Two audiences may serve one path with different methods (a phone's
                        // upload beside its download); an operation defined twice is refused.
                        match (target.get_mut(&path), item) {
                            (Some(Value::Object(existing)), Value::Object(item)) => {
                                add_all(existing, item, name)?
                            }
                            (Some(_), _) => return Err(format!("{name}: {path} is defined twice")),
                            (None, item) => {
                                target.insert(path, item);
                            }
                        }
                    }
                }
                ("components", Value::Object(components)) => {
                    let target = section(&mut document, "components", name)?;
                    for (kind, entries) in components {
                        let Value::Object(entries) = entries else {
                            return Err(format!("{name}: components.{kind} is not an object"));
                        };
                        add_all(section(target, &kind, name)?, entries, name)?;
                    }
                }
                (other, _) => {
                    return Err(format!(
                        "{name}: a fragment may only hold paths and components, not {other}"
                    ))
                }
            }
        }
    }
    add_connection_refusals(&mut document);
    Ok(Value::Object(document))
}

/// The refusals of the HTTP layer, which any operation may meet before its handler runs
/// (`crate::listener`): each is the gateway's JSON error with a stable code.
const CONNECTION_REFUSALS: [(&str, &str); 3] = [
    (
        "414",
        "`uri_too_long`: the request's path and query are longer than 8 KB.",
    ),
    (
        "431",
        "`headers_too_large`: the request head is over 32 KB or has more than 100 fields.",
    ),
    (
        "503",
        "`too_many_connections`: this client address holds as many connections as the gateway \
         allows one address; close some and retry.",
    ),
];

/// What any operation that takes a body may answer about its `Content-Encoding`
/// (`crate::routes::body`: gzip or none).
const ENCODING_REFUSAL: (&str, &str) = (
    "415",
    "`unsupported_encoding`: the body's Content-Encoding is neither gzip nor absent (a gzip \
     stream that is broken or followed by other bytes is a 400 `malformed_encoding`).",
);

/// Adds [`CONNECTION_REFUSALS`] to every operation, and [`ENCODING_REFUSAL`] to every operation
/// that takes a body, where the operation does not describe that status itself.
fn add_connection_refusals(document: &mut Map<String, Value>) {
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(Value::as_object_mut);
    for operation in operations {
        let takes_body = operation.contains_key("requestBody");
        let Some(Value::Object(responses)) = operation.get_mut("responses") else {
            continue;
        };
        let encoding = takes_body.then_some(ENCODING_REFUSAL);
        for (status, description) in CONNECTION_REFUSALS.into_iter().chain(encoding) {
            responses.entry(status.to_owned()).or_insert_with(|| {
                serde_json::json!({
                    "description": description,
                    "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/ErrorBody" }
                    } }
                })
            });
        }
    }
}

/// The object at `key` of `map`, created empty if absent.
fn section<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
    fragment: &str,
) -> Result<&'a mut Map<String, Value>, String> {
    match map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()))
    {
        Value::Object(inner) => Ok(inner),
        _ => Err(format!("{fragment}: {key} is not an object")),
    }
}

fn add_all(
    target: &mut Map<String, Value>,
    entries: Map<String, Value>,
    fragment: &str,
) -> Result<(), String> {
    for (key, value) in entries {
        if target.contains_key(&key) {
            return Err(format!("{fragment}: {key} is defined twice"));
        }
        target.insert(key, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragments_merge() {
        let document = document().unwrap();
        assert_eq!(document["openapi"], "3.0.3");
        assert!(document["paths"]["/v1/sync"].is_object());
        assert!(document["paths"][OPENAPI_PATH].is_object());
        assert!(document["components"]["schemas"]["ErrorBody"].is_object());
        assert!(document["components"]["schemas"]["SyncPage"].is_object());
        // The HTTP layer's refusals are described on every operation.
        for status in ["414", "431", "503"] {
            assert!(document["paths"]["/v1/sync"]["get"]["responses"][status].is_object());
        }
        let push = &document["paths"]["/v1/commands"]["post"]["responses"];
        assert!(push["415"].is_object());
        assert!(document["paths"]["/v1/sync"]["get"]["responses"]["415"].is_null());
    }

    #[test]
    fn a_duplicate_is_refused() {
        let base = ("base.json", r#"{"paths": {"/a": {"get": {}}}}"#);
        let twice = [("x.json", r#"{"paths": {"/a": {"get": {}}}}"#)];
        assert!(merge(base, &twice)
            .unwrap_err()
            .contains("get is defined twice"));
        // Another method on the same path joins it.
        let other_method = [("x.json", r#"{"paths": {"/a": {"put": {}}}}"#)];
        let merged = merge(base, &other_method).unwrap();
        assert!(merged["paths"]["/a"]["get"].is_object());
        assert!(merged["paths"]["/a"]["put"].is_object());
        let other = [("x.json", r#"{"info": {}}"#)];
        assert!(merge(base, &other).is_err());
    }

    #[test]
    fn every_reference_resolves() {
        fn walk(value: &Value, document: &Value) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        let pointer = target.trim_start_matches('#');
                        assert!(document.pointer(pointer).is_some(), "{target} is missing");
                    }
                    map.values().for_each(|v| walk(v, document));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, document)),
                _ => {}
            }
        }
        let document = document().unwrap();
        walk(document, document);
    }
}
