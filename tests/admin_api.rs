//! The admin API as tests call it: the operator's token, and one request helper for every
//! method, answering the status and the JSON body.

use crate::{http, Harness};
use qianpi_gateway::admin::tokens::issue_operator_token;
use qianpi_gateway::admin::AdminActor;
use reqwest::Method;
use serde_json::Value;

/// The deployment operator's admin token.
pub async fn operator(harness: &Harness) -> String {
    match issue_operator_token(&harness.db, &AdminActor::cli(), "tests", chrono::Utc::now()).await {
        Ok(issued) => issued.token,
        Err(e) => panic!("no operator token: {e}"),
    }
}

/// A status and JSON body of an admin request to `/v1/admin<path>`.
pub async fn call(
    harness: &Harness,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http()
        .request(method, format!("{}v1/admin{path}", harness.url()))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => panic!("the admin request failed: {e}"),
    };
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An admin POST.
pub async fn post(harness: &Harness, token: &str, path: &str, body: Value) -> (u16, Value) {
    call(harness, token, Method::POST, path, Some(body)).await
}

/// An admin PUT.
pub async fn put(harness: &Harness, token: &str, path: &str, body: Value) -> (u16, Value) {
    call(harness, token, Method::PUT, path, Some(body)).await
}

/// An admin GET.
pub async fn get(harness: &Harness, token: &str, path: &str) -> (u16, Value) {
    call(harness, token, Method::GET, path, None).await
}
