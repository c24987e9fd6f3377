//! The sync engine's requests under its per-request deadlines (sync.md, the hostile-network
//! profile): connect is the HTTP client's own setting; the first byte (the answer's head) and
//! every read of the body in between have their own deadline here, and the whole exchange its
//! total, so a connection that hangs half way is torn down instead of waited on. The body is
//! read whole, its size counted (for the sync status), then read as every answer is read; a
//! refusal keeps the gateway's `Retry-After` for the engine's next wait.

use super::answer::parse;
use super::{transport_reason, Credentials, GatewayClient, LinkError};
use crate::engine::Deadlines;
use crate::protocol::{self, CommandBatch, PushResponse, ReceiptBatch, ReceiptResponse, SyncPage};
use chrono::{DateTime, Utc};
use reqwest::Method;
use std::time::Duration;
use tokio::time::{timeout, timeout_at, Instant};

/// An answer, with the size of its body as read (after decompression).
#[derive(Debug)]
pub struct Measured<T> {
    /// The answer.
    pub value: T,
    /// Bytes of its body.
    pub bytes: u64,
}

/// A request that failed, with the gateway's `Retry-After` if it sent one.
#[derive(Debug)]
pub struct Failed {
    /// What went wrong.
    pub error: LinkError,
    /// How long the gateway asked to be left alone, in milliseconds.
    pub retry_after_ms: Option<u64>,
}

impl Failed {
    /// The error, with the gateway's `Retry-After` left in `retry_after_ms` for the engine's
    /// next wait.
    pub fn keeping_retry_after(self, retry_after_ms: &mut Option<u64>) -> LinkError {
        *retry_after_ms = self.retry_after_ms;
        self.error
    }
}

impl From<LinkError> for Failed {
    fn from(error: LinkError) -> Failed {
        Failed {
            error,
            retry_after_ms: None,
        }
    }
}

impl GatewayClient {
    /// Pulls one page of at most `limit` changes after `cursor` within `deadlines`; with
    /// `wait_secs`, the gateway holds the request until something changes (long-poll). With
    /// `delivered` (two cursors, from and to), the gateway marks the notices of the pages
    /// between them delivered: this phone has stored them.
    pub async fn pull_within(
        &self,
        credentials: &Credentials,
        cursor: &str,
        delivered: Option<&(String, String)>,
        limit: usize,
        wait_secs: Option<u32>,
        deadlines: &Deadlines,
    ) -> Result<Measured<SyncPage>, Failed> {
        let mut url = self.url(protocol::SYNC_PATH)?;
        url.query_pairs_mut()
            .append_pair("cursor", cursor)
            .append_pair("limit", &limit.to_string());
        if let Some(wait) = wait_secs {
            url.query_pairs_mut().append_pair("wait", &wait.to_string());
        }
        if let Some((from, to)) = delivered {
            url.query_pairs_mut()
                .append_pair("delivered_from", from)
                .append_pair("delivered_to", to);
        }
        let request = self.signed(Method::GET, url, Vec::new(), credentials)?;
        self.exchange(request, deadlines).await
    }

    /// Pushes a batch of signed commands within `deadlines`; one verdict per command comes back.
    pub async fn push_within(
        &self,
        credentials: &Credentials,
        batch: &CommandBatch,
        deadlines: &Deadlines,
    ) -> Result<Measured<PushResponse>, Failed> {
        let url = self.url(protocol::COMMANDS_PATH)?;
        let json = serde_json::to_vec(batch).map_err(|e| LinkError::Protocol(e.to_string()))?;
        let request = self
            .signed(Method::POST, url, super::gzip(&json)?, credentials)?
            .header("content-encoding", "gzip");
        self.exchange(request, deadlines).await
    }

    /// Pushes a batch of 回执 (this user's read and reply states) within `deadlines`; one result
    /// per receipt comes back.
    pub async fn push_receipts_within(
        &self,
        credentials: &Credentials,
        batch: &ReceiptBatch,
        deadlines: &Deadlines,
    ) -> Result<Measured<ReceiptResponse>, Failed> {
        let url = self.url(protocol::RECEIPTS_PATH)?;
        let json = serde_json::to_vec(batch).map_err(|e| LinkError::Protocol(e.to_string()))?;
        let request = self
            .signed(Method::POST, url, super::gzip(&json)?, credentials)?
            .header("content-encoding", "gzip");
        self.exchange(request, deadlines).await
    }

    /// Sends `request` and reads its answer, each step under its deadline.
    async fn exchange<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        deadlines: &Deadlines,
    ) -> Result<Measured<T>, Failed> {
        let total = Duration::from_millis(deadlines.total_ms);
        let end = Instant::now() + total;
        let first_byte = Duration::from_millis(deadlines.first_byte_ms).min(total);
        let mut response = timeout(first_byte, self.send(request.timeout(total)))
            .await
            .map_err(|_| timed_out("no answer in time"))??;
        let idle = Duration::from_millis(deadlines.idle_ms);
        let mut body = Vec::new();
        loop {
            let read = timeout_at(end.min(Instant::now() + idle), response.chunk())
                .await
                .map_err(|_| timed_out("the answer stalled"))?;
            match read.map_err(|e| LinkError::Unreachable(transport_reason(&e)))? {
                Some(chunk) => body.extend_from_slice(&chunk),
                None => break,
            }
        }
        let bytes = body.len() as u64;
        let retry_after_ms = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, Utc::now()));
        let mut whole = http::Response::new(body);
        *whole.status_mut() = response.status();
        *whole.headers_mut() = response.headers().clone();
        match parse(reqwest::Response::from(whole)).await {
            Ok(value) => Ok(Measured { value, bytes }),
            Err(error) => Err(Failed {
                error,
                retry_after_ms,
            }),
        }
    }
}

/// A deadline passed: a transport failure after the connection was made (a smaller request,
/// or a fresh connection, may pass).
fn timed_out(what: &str) -> LinkError {
    tracing::info!(what, "a request passed its deadline");
    LinkError::Unreachable("timed out".to_owned())
}

/// A `Retry-After` value (seconds, or an HTTP date) as milliseconds from `now`.
fn retry_after(value: &str, now: DateTime<Utc>) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds.saturating_mul(1000));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    u64::try_from((at.with_timezone(&Utc) - now).num_milliseconds().max(0)).ok()
}

#[cfg(test)]
mod tests;
