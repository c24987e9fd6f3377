//! The gateway's OpenAPI 3.1 document, served at `GET /openapi.json`, generated from the code:
//! each operation is described on its handler (`#[utoipa::path]`), each wire type derives its
//! schema (`ToSchema`; the domain and protocol crates behind their `openapi` feature), and one
//! module per audience lists its operations (`#[derive(OpenApi)]`). The audiences are merged into
//! [`base::Base`] once; an operation defined twice, or one schema name given two different
//! schemas, is an error, never a silent overwrite. Two rules are then applied to every
//! operation and schema in code rather than repeated on each: the HTTP layer's refusals
//! ([`add_connection_refusals`]) and closed objects ([`close_objects`]).
//!
//! Adding an audience is one line in [`AREAS`]. The areas are merged here rather than with
//! utoipa's own `merge`, which lets a later schema silently replace an earlier one of the same
//! name.

mod admin;
mod base;
mod delegations;
pub(crate) mod integration;
pub mod notices;
pub mod opinions;
mod people;
mod phone;
pub mod refusals;

use crate::error::ApiError;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use refusals::Common;
use serde_json::{Map, Value};
use std::sync::OnceLock;
use utoipa::OpenApi;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// Every audience's generated document, merged into [`base::Base`].
const AREAS: &[fn() -> utoipa::openapi::OpenApi] = &[
    <integration::Api as OpenApi>::openapi,
    <admin::Api as OpenApi>::openapi,
    <people::Api as OpenApi>::openapi,
    <phone::Api as OpenApi>::openapi,
    <delegations::Api as OpenApi>::openapi,
    <notices::Api as OpenApi>::openapi,
    <opinions::Api as OpenApi>::openapi,
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
            let document = build()?;
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

// The route `GET /openapi.json` (`OPENAPI_PATH`); the doc line is its summary in the document.
/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of the gateway.",
         body = Object, content_type = "application/json"),
        Common
    )
)]
pub async fn serve() -> Result<Response, ApiError> {
    let json = &built()?.json;
    Ok(([(header::CONTENT_TYPE, "application/json")], json.as_str()).into_response())
}

/// The base and every area, merged; then the rules applied to all of them.
fn build() -> Result<Value, String> {
    let generated = |name: &str, document: utoipa::openapi::OpenApi| {
        serde_json::to_string(&document).map_err(|e| format!("{name}: {e}"))
    };
    let base = generated("base", base::Base::openapi())?;
    let mut parts = Vec::new();
    for (i, area) in AREAS.iter().enumerate() {
        parts.push((format!("area {i}"), generated("area", area())?));
    }
    let parts: Vec<(&str, &str)> = parts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let mut document = merge(("base", &base), &parts)?;
    if let Value::Object(map) = &mut document {
        add_connection_refusals(map);
    }
    close_objects(&mut document, false);
    Ok(document)
}

/// Merges the areas' documents (`fragments`, as JSON) into `base`: their `paths` and
/// `components.*` maps are added key by key.
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
                                add_all(existing, item, name, Same::Refused)?
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
                        add_all(section(target, &kind, name)?, entries, name, Same::Accepted)?;
                    }
                }
                // A generated area carries its own (default) frame; the base's is the document's.
                ("openapi" | "info", _) => {}
                (other, _) => {
                    return Err(format!(
                        "{name}: a fragment may only hold paths and components, not {other}"
                    ))
                }
            }
        }
    }
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

/// Whether an entry met twice with the very same value is accepted.
#[derive(Clone, Copy, PartialEq)]
enum Same {
    /// An operation: two handlers documenting one method of one path is a mistake.
    Refused,
    /// A component: two audiences' operations refer to one shared schema (e.g. `ErrorBody`),
    /// and each generated document carries it.
    Accepted,
}

/// Adds `entries` to `target`; an entry already there is an error unless `same` accepts it and
/// it is the very same.
fn add_all(
    target: &mut Map<String, Value>,
    entries: Map<String, Value>,
    fragment: &str,
    same: Same,
) -> Result<(), String> {
    for (key, value) in entries {
        match target.get(&key) {
            Some(existing) if same == Same::Accepted && *existing == value => {}
            Some(_) => return Err(format!("{fragment}: {key} is defined twice")),
            None => {
                target.insert(key, value);
            }
        }
    }
    Ok(())
}

/// Marks every object schema that names its properties as closed (`additionalProperties:
/// false`) unless it says otherwise: the gateway's answers are serialised from the very types
/// the schemas were derived from, so a field a schema does not name is a fault the checks
/// (schemathesis, the tests' validator) must catch. The parts of an `allOf` stay open, since
/// each names only its share of the properties.
fn close_objects(value: &mut Value, in_all_of: bool) {
    match value {
        Value::Object(map) => {
            let is_object = match map.get("type") {
                Some(Value::String(kind)) => kind == "object",
                Some(Value::Array(kinds)) => kinds.iter().any(|k| k == "object"),
                _ => false,
            };
            if is_object
                && !in_all_of
                && map.contains_key("properties")
                && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            for (key, inner) in map.iter_mut() {
                close_objects(inner, key == "allOf");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| close_objects(v, in_all_of)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragments_merge() {
        let document = document().unwrap();
        assert_eq!(document["openapi"], "3.1.0");
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
        let other = [("x.json", r#"{"servers": []}"#)];
        assert!(merge(base, &other).is_err());
        // A schema two areas share is taken once; one name for two schemas is refused.
        let base = (
            "base.json",
            r#"{"components": {"schemas": {"A": {"type": "string"}}}}"#,
        );
        let same = [(
            "x.json",
            r#"{"components": {"schemas": {"A": {"type": "string"}}}}"#,
        )];
        assert!(merge(base, &same).is_ok());
        let other = [(
            "x.json",
            r#"{"components": {"schemas": {"A": {"type": "integer"}}}}"#,
        )];
        assert!(merge(base, &other)
            .unwrap_err()
            .contains("A is defined twice"));
    }

    #[test]
    fn objects_are_closed_except_the_parts_of_an_all_of() {
        let mut schema = serde_json::json!({
            "type": "object", "properties": {"a": {"type": ["object", "null"], "properties": {}}},
            "allOf": [{"type": "object", "properties": {"b": {"type": "object", "properties": {}}}}],
            "oneOf": [{"type": "object", "properties": {}, "additionalProperties": true}]
        });
        close_objects(&mut schema, false);
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["properties"]["a"]["additionalProperties"], false);
        assert!(schema["allOf"][0]["additionalProperties"].is_null());
        assert_eq!(
            schema["allOf"][0]["properties"]["b"]["additionalProperties"],
            false
        );
        assert_eq!(schema["oneOf"][0]["additionalProperties"], true);
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
