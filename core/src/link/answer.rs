//! Reads what came back: the gateway's JSON on success, its [`ErrorBody`] otherwise. A redirect,
//! an HTML page or a 511 where JSON was expected is a captive portal (or a web filter) answering
//! in the gateway's place; anything else unreadable is a protocol error, never a server error.

use super::{transport_reason, LinkError};
use crate::protocol::ErrorBody;

/// Reads a gateway answer (its body to the end).
pub(super) async fn parse<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, LinkError> {
    let status = response.status().as_u16();
    let html = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("text/html"));
    let location = response.headers().contains_key("location");
    let bytes = response
        .bytes()
        .await
        .map_err(|e| LinkError::Unreachable(transport_reason(&e)))?;
    read(status, html, location, &bytes)
}

/// The answer `bytes` with `status`; `html` if it says it is a web page, `location` if it
/// redirects.
fn read<T: serde::de::DeserializeOwned>(
    status: u16,
    html: bool,
    location: bool,
    bytes: &[u8],
) -> Result<T, LinkError> {
    if let Some(reason) = portal(status, html, location, bytes) {
        return Err(LinkError::CaptivePortal(reason));
    }
    if (200..300).contains(&status) {
        return serde_json::from_slice(bytes)
            .map_err(|e| LinkError::Protocol(format!("unexpected body: {e}")));
    }
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(error) => Err(LinkError::Refused {
            status,
            code: error.code,
            message: error.message,
            wipe: error.wipe,
            server_time: error.server_time,
        }),
        Err(_) => Err(LinkError::Protocol(format!(
            "HTTP {status} without a gateway error body"
        ))),
    }
}

/// Why this answer is a captive portal's, if it is. The gateway never redirects and always
/// answers JSON; the address a redirect names is left out of the reason (it may carry tokens).
fn portal(status: u16, html: bool, location: bool, bytes: &[u8]) -> Option<String> {
    let page = html
        || bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'<');
    match status {
        // 304 is the address book's "unchanged", handled before this.
        300..=399 if status != 304 => Some(format!(
            "a redirect (HTTP {status}{}) where the gateway's answer was expected",
            if location { " to a sign-in page" } else { "" }
        )),
        511 => Some("the network asks to sign in (HTTP 511)".into()),
        200..=299 if page => Some(format!(
            "a web page (HTTP {status}) where the gateway's answer was expected"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(status: u16, html: bool, location: bool, body: &str) -> String {
        let result: Result<serde_json::Value, LinkError> =
            read(status, html, location, body.as_bytes());
        match result {
            Ok(_) => "Ok".into(),
            Err(e) => format!("{e:?}")
                .split('(')
                .next()
                .unwrap_or_default()
                .to_owned(),
        }
    }

    #[test]
    fn html_and_redirects_where_json_was_expected_are_a_captive_portal() {
        let page = "<!DOCTYPE html><html><body>请登录 Wi-Fi</body></html>";
        assert_eq!(kind(200, true, false, page), "CaptivePortal");
        assert_eq!(
            kind(200, false, false, &format!("\n  {page}")),
            "CaptivePortal"
        );
        assert_eq!(kind(302, false, true, ""), "CaptivePortal");
        assert_eq!(kind(307, true, true, page), "CaptivePortal");
        assert_eq!(kind(511, true, false, page), "CaptivePortal");
        // The gateway's own answers keep their meaning.
        assert_eq!(kind(200, false, false, "{\"a\":1}"), "Ok");
        assert_eq!(kind(200, false, false, "not json"), "Protocol");
        assert_eq!(kind(502, true, false, page), "Protocol");
        let refusal = serde_json::json!({
            "code": "outside_window", "message": "m", "server_time": "2026-01-01T00:00:00Z"
        })
        .to_string();
        assert!(kind(401, false, false, &refusal).starts_with("Refused"));
    }
}
