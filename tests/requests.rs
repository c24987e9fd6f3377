//! Requests made by hand as a phone makes them (signed pulls and pushes, raw GETs) and the small
//! readers of their answers, for the tests that check the gateway's wire behaviour directly.

use crate::{Harness, Phone};
use qianpi_core::crypto;
use qianpi_core::keys::{DeviceSigner, APPROVAL_KEY_ALIAS};
use qianpi_core::link::{sign_request, Credentials};
use qianpi_core::protocol::record::{CommandRecord, SignedCommand};
use qianpi_core::protocol::{CommandBatch, CommandVerdict, PushResponse, SyncPage, VerdictOutcome};

/// Sends a request signed exactly as a phone signs it, after letting `tamper` change the headers.
pub async fn send_signed(
    url: &str,
    method: reqwest::Method,
    body: Vec<u8>,
    credentials: &Credentials,
    now: chrono::DateTime<chrono::Utc>,
    tamper: impl FnOnce(&mut Vec<(&'static str, String)>),
) -> reqwest::Response {
    let mut headers = match sign_request(method.as_str(), url, &body, credentials, now) {
        Ok(headers) => headers,
        Err(e) => panic!("signing failed: {e}"),
    };
    tamper(&mut headers);
    let mut request = http()
        .request(method, url)
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) => response,
        Err(e) => panic!("request failed: {e}"),
    }
}

/// A signed `GET /v1/sync?<query>` from `phone`, as the phone signs it.
pub async fn get_sync(harness: &Harness, phone: &Phone, query: &str) -> reqwest::Response {
    send_signed(
        &format!("{}v1/sync?{query}", harness.url()),
        reqwest::Method::GET,
        vec![],
        &phone.credentials(),
        chrono::Utc::now(),
        |_| {},
    )
    .await
}

/// A signed GET of `path` (below the gateway's base URL) by `phone`, with `headers` added (a
/// Range, say), through a client that asks for gzip but does not decode it: the test sees the
/// answer as it was on the wire.
pub async fn get_raw(
    harness: &Harness,
    phone: &Phone,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let url = format!("{}{path}", harness.url());
    let signed = match sign_request("GET", &url, &[], &phone.credentials(), chrono::Utc::now()) {
        Ok(signed) => signed,
        Err(e) => panic!("signing failed: {e}"),
    };
    // The crypto provider the rest of the harness uses.
    let _ = http();
    let client = match reqwest::Client::builder().no_gzip().build() {
        Ok(client) => client,
        Err(e) => panic!("no HTTP client: {e}"),
    };
    let mut request = client
        .get(&url)
        .header("content-type", "application/json")
        .header("accept-encoding", "gzip");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    for (name, value) in signed {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) => response,
        Err(e) => panic!("request failed: {e}"),
    }
}

/// A page of `phone`'s feed for `query` (`cursor=…&limit=…`), which must be served.
pub async fn pull(harness: &Harness, phone: &Phone, query: &str) -> SyncPage {
    let response = get_sync(harness, phone, query).await;
    if response.status() != 200 {
        panic!("the pull answered {}", response.status());
    }
    match response.json().await {
        Ok(page) => page,
        Err(e) => panic!("the page is not a sync page: {e}"),
    }
}

/// Signs `record` with the phone's approval key, as the phone would have: for tests that alter a
/// record's fields and need it validly signed again.
pub fn sign_record(phone: &Phone, record: &CommandRecord) -> Result<SignedCommand, String> {
    let unsigned = record.to_be_signed().map_err(|e| e.to_string())?;
    let der = phone
        .vault
        .sign(
            APPROVAL_KEY_ALIAS.to_owned(),
            unsigned.to_be_signed().to_vec(),
        )
        .map_err(|e| e.to_string())?;
    let raw = crypto::der_to_raw_signature(&der).map_err(|e| e.to_string())?;
    SignedCommand::assemble(unsigned, &raw).map_err(|e| e.to_string())
}

/// Pushes `commands` in one signed request from `phone`; the gateway's answer.
pub async fn push_commands(
    harness: &Harness,
    phone: &Phone,
    commands: Vec<SignedCommand>,
) -> Result<PushResponse, String> {
    let body = serde_json::to_vec(&CommandBatch { commands }).map_err(|e| e.to_string())?;
    let response = send_signed(
        &format!("{}v1/commands", harness.url()),
        reqwest::Method::POST,
        body,
        &phone.credentials(),
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    if response.status() != 200 {
        return Err(format!("push answered {}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

/// The refusal code of a verdict, or `accepted`.
pub fn verdict_code(verdict: &CommandVerdict) -> &str {
    match &verdict.outcome {
        VerdictOutcome::Refused { code, .. } => code,
        VerdictOutcome::Accepted { .. } => "accepted",
    }
}

/// The stable code of a gateway error response.
pub async fn error_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

/// A plain HTTP client for hand-made requests (rustls with the ring provider, as the phone uses).
pub fn http() -> reqwest::Client {
    // Installing twice is harmless: the second call just reports the first provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
