//! Refusals written straight onto a connection, outside the router: the per-address connection
//! cap's 503, and hyper's own answers to a request head it cannot take (400 for a malformed head,
//! 414 for a too-long target, 431 for too large a head). Hyper writes those with an empty body; they
//! are replaced here by the gateway's JSON error with a stable code, the same [`ErrorBody`] every
//! other refusal carries.

use axum::http::StatusCode;
use chrono::Utc;
use qianpi_protocol::ErrorBody;

/// Code of the per-address connection cap's refusal.
pub const TOO_MANY_CONNECTIONS: &str = "too_many_connections";
/// Code of a request head larger than the gateway reads.
pub const HEADERS_TOO_LARGE: &str = "headers_too_large";
/// Code of a request target longer than the gateway reads.
pub const URI_TOO_LONG: &str = "uri_too_long";
/// Code of a request head that is not HTTP/1.1.
pub const MALFORMED_REQUEST: &str = "malformed_request";

/// A complete `connection: close` answer with the gateway's JSON error.
pub fn raw_error(status: StatusCode, code: &str, message: &str, date: Option<&str>) -> Vec<u8> {
    let body = ErrorBody {
        code: code.to_owned(),
        message: message.to_owned(),
        wipe: None,
        server_time: Utc::now(),
    };
    // An ErrorBody always serialises; should it ever not, the code alone still says what happened.
    let json = serde_json::to_vec(&body)
        .unwrap_or_else(|_| format!("{{\"code\":\"{code}\"}}").into_bytes());
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or(""),
        json.len()
    );
    if status == StatusCode::SERVICE_UNAVAILABLE {
        out.push_str("retry-after: 2\r\n");
    }
    match date {
        Some(date) => out.push_str(&format!("date: {date}\r\n")),
        None => out.push_str(&format!(
            "date: {}\r\n",
            Utc::now().format("%a, %d %b %Y %H:%M:%S GMT")
        )),
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&json);
    bytes
}

/// The per-address connection cap's refusal.
pub fn too_many_connections(cap: usize) -> Vec<u8> {
    raw_error(
        StatusCode::SERVICE_UNAVAILABLE,
        TOO_MANY_CONNECTIONS,
        &format!("this address already holds {cap} open connections; close some and try again"),
        None,
    )
}

/// When `written` is exactly one of hyper's own bodiless refusals of a request head, our JSON
/// answer for the same status; anything else (every answer the router made) is `None`.
pub fn replace_hyper_refusal(written: &[u8]) -> Option<Vec<u8>> {
    let head = std::str::from_utf8(written).ok()?;
    let head = head.strip_suffix("\r\n\r\n")?;
    if head.contains("\r\n\r\n") {
        return None;
    }
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))?
        .get(..3)?;
    let (status, code, message) = match status {
        "400" => (
            StatusCode::BAD_REQUEST,
            MALFORMED_REQUEST,
            "the request head is not valid HTTP/1.1",
        ),
        "414" => (
            StatusCode::URI_TOO_LONG,
            URI_TOO_LONG,
            "the request target is too long",
        ),
        "431" => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            HEADERS_TOO_LARGE,
            "the request head is too large or has too many header fields",
        ),
        _ => return None,
    };
    let mut date = None;
    let mut empty = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => empty = value == "0",
            "date" => date = Some(value),
            "connection" => {}
            // Any other field means the router made this answer: leave it alone.
            _ => return None,
        }
    }
    empty.then(|| raw_error(status, code, message, date))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn split(answer: &[u8]) -> (String, serde_json::Value) {
        let text = String::from_utf8(answer.to_vec()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.to_owned(), serde_json::from_str(body).unwrap())
    }

    #[test]
    fn hyper_refusals_become_json_with_their_code() {
        for (status, code) in [
            ("431 Request Header Fields Too Large", HEADERS_TOO_LARGE),
            ("414 URI Too Long", URI_TOO_LONG),
            ("400 Bad Request", MALFORMED_REQUEST),
        ] {
            let hyper = format!(
                "HTTP/1.1 {status}\r\ncontent-length: 0\r\ndate: Tue, 03 Mar 2026 08:00:00 GMT\r\n\r\n"
            );
            let (head, body) = split(&replace_hyper_refusal(hyper.as_bytes()).unwrap());
            assert!(
                head.starts_with(&format!("HTTP/1.1 {}", &status[..3])),
                "{head}"
            );
            assert!(head.contains("content-type: application/json"));
            assert!(head.contains("connection: close"));
            assert!(head.contains("date: Tue, 03 Mar 2026 08:00:00 GMT"));
            assert_eq!(body["code"], code);
            assert!(body["server_time"].is_string());
        }
    }

    #[test]
    fn answers_the_router_made_are_left_alone() {
        let ours = raw_error(StatusCode::BAD_REQUEST, "malformed_body", "x", None);
        assert_eq!(replace_hyper_refusal(&ours), None);
        for other in [
            "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n",
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\nextra",
            "not http at all",
        ] {
            assert_eq!(replace_hyper_refusal(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn the_connection_cap_refusal_is_json_with_a_retry_hint() {
        let (head, body) = split(&too_many_connections(8));
        assert!(head.starts_with("HTTP/1.1 503"));
        assert!(head.contains("retry-after: 2"));
        assert_eq!(body["code"], TOO_MANY_CONNECTIONS);
    }
}
