//! Checking JSON values against the served OpenAPI document: the response schema it gives for a
//! route and status, and a validator for the subset of OpenAPI 3.0 schema the document uses.

use serde_json::{json, Value};

/// The response schema the document gives for `method path` answering `status`.
pub fn response_schema<'a>(
    document: &'a Value,
    method: &str,
    path: &str,
    status: u16,
) -> &'a Value {
    let schema = &document["paths"][path][method]["responses"][status.to_string()]["content"]
        ["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path} documents no {status}");
    schema
}

/// Validates the answer of `method path` against the schema documented for its status.
pub fn check_answer(document: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let schema = response_schema(document, method, path, status);
    validate(document, schema, body, &format!("{method} {path} {status}"));
}

/// Checks `value` against the subset of OpenAPI 3.0 schema the document uses: `$ref`, `allOf`
/// (a nullable reference is `allOf: [$ref]` with `nullable`), `nullable`, `oneOf` (by its `discriminator` when it has one), `enum`,
/// objects with `required` and `additionalProperties: false`, arrays, strings (`date-time` and
/// `date`), integers with `minimum`/`maximum`, booleans. Panics at the first violation, naming
/// where in `value` it is.
pub fn validate(document: &Value, schema: &Value, value: &Value, at: &str) {
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
pub fn refuses(document: &Value, schema: &Value, value: Value) -> bool {
    let (document, schema) = (document.clone(), schema.clone());
    std::panic::catch_unwind(move || validate(&document, &schema, &value, "value")).is_err()
}
