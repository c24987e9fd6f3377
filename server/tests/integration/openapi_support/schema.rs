//! Checking JSON values against the served OpenAPI document: the response schema it gives for a
//! route and status, and a validator for the subset of OpenAPI 3.1 schema the document uses.

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

/// Checks `value` against the subset of OpenAPI 3.1 schema (JSON Schema 2020-12) the document
/// uses: `$ref`, `allOf`, `oneOf` (by its `discriminator` when it has one), `anyOf`, `enum`,
/// `const`, `type` as one name or a list of names (`["string", "null"]`), objects with `required`
/// and `additionalProperties: false`, arrays, strings (`date-time` and `date`), integers and
/// numbers with `minimum`/`maximum`, booleans, null. Panics at the first violation, naming where
/// in `value` it is.
pub fn validate(document: &Value, schema: &Value, value: &Value, at: &str) {
    if let Some(Value::Array(every)) = schema.get("allOf") {
        for part in every {
            validate(document, part, value, at);
        }
    }
    if let Some(Value::String(target)) = schema.get("$ref") {
        let target = document
            .pointer(target.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{at}: {target} is not in the document"));
        validate(document, target, value, at);
    }
    let passes = |option: &Value| {
        let (document, option, value) = (document.clone(), option.clone(), value.clone());
        std::panic::catch_unwind(move || validate(&document, &option, &value, "")).is_ok()
    };
    if let Some(Value::Array(options)) = schema.get("oneOf") {
        if let (Some(discriminator), false) = (schema.get("discriminator"), value.is_null()) {
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
            validate(document, &json!({ "$ref": target }), value, at);
        } else {
            let matching = options.iter().filter(|option| passes(option)).count();
            assert_eq!(matching, 1, "{at} matches {matching} options of oneOf");
        }
    }
    if let Some(Value::Array(options)) = schema.get("anyOf") {
        assert!(
            options.iter().any(passes),
            "{at} matches no option of anyOf"
        );
    }
    if let Some(Value::Array(allowed)) = schema.get("enum") {
        assert!(
            allowed.contains(value),
            "{at}: {value} is not one of {allowed:?}"
        );
    }
    if let Some(constant) = schema.get("const") {
        assert_eq!(constant, value, "{at}: {value} is not {constant}");
    }
    let kinds: Vec<&str> = match &schema["type"] {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => return,
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    assert!(
        kinds.contains(&kind) || (kind == "integer" && kinds.contains(&"number")),
        "{at}: a {kind} where the document says {kinds:?}"
    );
    match value {
        Value::Object(object) => {
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
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                validate(document, &schema["items"], item, &format!("{at}[{i}]"));
            }
        }
        Value::String(text) => match schema["format"].as_str() {
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
        },
        Value::Number(n) => {
            let n = n.as_f64().unwrap();
            if let Some(minimum) = schema["minimum"].as_f64() {
                assert!(n >= minimum, "{at}: {n} is below {minimum}");
            }
            if let Some(maximum) = schema["maximum"].as_f64() {
                assert!(n <= maximum, "{at}: {n} is above {maximum}");
            }
        }
        _ => {}
    }
}

/// Whether `validate` refuses `value`.
pub fn refuses(document: &Value, schema: &Value, value: Value) -> bool {
    let (document, schema) = (document.clone(), schema.clone());
    std::panic::catch_unwind(move || validate(&document, &schema, &value, "value")).is_err()
}
