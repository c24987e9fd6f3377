//! The delivery worker, run by every replica beside the housekeeping: each tick it dispatches the
//! audit log's new entries ([`super::events`]) and sends the deliveries that are due.
//!
//! A delivery is claimed with a lease (a conditional update, so two replicas never send it at
//! once), POSTed as JSON with `Qianpi-Timestamp` and `Qianpi-Signature: v1=<hex HMAC-SHA256 of
//! "<timestamp>.<body>" under the subscription's secret>`, and every attempt is recorded with its
//! status or error. A 2xx answer delivers it; anything else (a redirect included: redirects are
//! never followed) is retried after 2, 4, 8 … seconds, [`MAX_ATTEMPTS`] times in all. A replica
//! that dies mid-send leaves the lease to run out, and another sends it again: receivers dedupe
//! by the event id, which every attempt repeats.

use super::events;
use crate::db::Db;
use crate::error::ApiError;
use crate::sql::{args, Sql};
use chrono::Utc;
use ring::hmac;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often the worker looks for work.
pub const TICK: Duration = Duration::from_secs(1);
/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// The wait after the first failed attempt; it doubles after each further one.
pub const FIRST_RETRY_SECS: i64 = 2;
/// How long a claim keeps other replicas off a delivery (well above a request's timeout).
const LEASE_SECS: i64 = 120;
/// Deliveries sent per tick.
const BATCH: i64 = 16;
/// Time allowed to connect to a receiver.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for a whole delivery.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest error text kept per attempt.
const MAX_ERROR_CHARS: usize = 500;
/// The trust anchors for https receivers: a PEM bundle (the deployment's own CA belongs in it).
const CA_FILE_ENV: &str = "QIANPI_WEBHOOK_CA_FILE";
const SYSTEM_CA_FILE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Errors building the worker's HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// The trust anchors could not be read.
    #[error("the webhook trust anchors could not be read: {0}")]
    Anchors(#[from] crate::tls::TlsError),
    /// rustls or reqwest refused the configuration.
    #[error("the webhook client could not be built: {0}")]
    Client(String),
}

/// Runs the worker until the returned task is aborted.
pub fn spawn(db: Db) -> JoinHandle<()> {
    tokio::spawn(async move {
        let client = match client() {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "webhooks will not be delivered");
                return;
            }
        };
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = events::dispatch(&db).await {
                tracing::warn!(error = %e, "queueing webhook events failed; trying again later");
            }
            if let Err(e) = send_due(&db, &client).await {
                tracing::warn!(error = %e, "sending webhooks failed; trying again later");
            }
        }
    })
}

/// The client deliveries go out with: rustls on ring, the configured anchors, no redirects, no
/// proxy guessed from the environment, timeouts on connecting and on the whole request.
pub fn client() -> Result<reqwest::Client, DeliverError> {
    let path = std::env::var_os(CA_FILE_ENV)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| SYSTEM_CA_FILE.into());
    let mut roots = rustls::RootCertStore::empty();
    if path.exists() {
        for cert in crate::tls::read_certificates(&path)? {
            // One unusable certificate in a system bundle must not stop the others.
            let _ = roots.add(cert);
        }
    }
    let mut tls = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| DeliverError::Client(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // reqwest does not set ALPN on a preconfigured config.
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| DeliverError::Client(e.to_string()))
}

/// A delivery claimed for sending.
#[derive(Debug, Clone)]
struct Claimed {
    id: String,
    event_type: String,
    payload: String,
    attempts: i64,
    url: String,
    secret: String,
}

/// Sends the deliveries that are due; returns how many were attempted.
pub async fn send_due(db: &Db, client: &reqwest::Client) -> Result<usize, ApiError> {
    let now = Utc::now().timestamp();
    let claimed = db.tx(move |sql| claim(sql, now)).await?;
    let count = claimed.len();
    let sends = claimed.into_iter().map(|c| async move {
        let outcome = send(client, &c).await;
        (c, outcome)
    });
    for (claimed, outcome) in futures_util::future::join_all(sends).await {
        record(db, claimed, outcome).await?;
    }
    Ok(count)
}

fn claim(sql: &mut dyn Sql, now: i64) -> Result<Vec<Claimed>, ApiError> {
    let rows = sql.query(
        "SELECT d.id, d.event_type, d.payload, d.attempts, s.url, s.secret
         FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
         WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 AND d.lease_until <= ?1
         ORDER BY d.next_attempt_at, d.id LIMIT ?2",
        args![now, BATCH],
    )?;
    let lease = now.saturating_add(LEASE_SECS);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row.text(0)?;
        // Another replica that claimed it first changed the lease: this update then finds no row.
        let won = sql.execute(
            "UPDATE webhook_deliveries SET lease_until = ?1
             WHERE id = ?2 AND state = 'pending' AND lease_until <= ?3",
            args![lease, &id, now],
        )? == 1;
        if won {
            out.push(Claimed {
                id,
                event_type: row.text(1)?,
                payload: row.text(2)?,
                attempts: row.int(3)?,
                url: row.text(4)?,
                secret: row.text(5)?,
            });
        }
    }
    Ok(out)
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{timestamp}.{body}").as_bytes());
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

/// The receiver's status, or why there was none.
async fn send(client: &reqwest::Client, claimed: &Claimed) -> Result<u16, String> {
    let timestamp = Utc::now().timestamp();
    let response = client
        .post(&claimed.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Qianpi-Timestamp", timestamp.to_string())
        .header(
            "Qianpi-Signature",
            signature(&claimed.secret, timestamp, &claimed.payload),
        )
        .header("Qianpi-Event", &claimed.event_type)
        .header("Qianpi-Delivery", &claimed.id)
        .body(claimed.payload.clone())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    Ok(response.status().as_u16())
}

/// An error and its causes on one line, bounded.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(MAX_ERROR_CHARS).collect()
}

/// The wait before attempt `attempts + 1` after `attempts` failed ones.
pub fn backoff_secs(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    FIRST_RETRY_SECS.saturating_mul(1_i64 << doublings)
}

async fn record(db: &Db, claimed: Claimed, outcome: Result<u16, String>) -> Result<(), ApiError> {
    let now = Utc::now();
    db.tx(move |sql| {
        let attempt = claimed.attempts.saturating_add(1);
        let delivered = matches!(&outcome, Ok(status) if (200..300).contains(status));
        let (state, next) = if delivered {
            ("delivered", 0)
        } else if attempt >= MAX_ATTEMPTS {
            ("failed", 0)
        } else {
            (
                "pending",
                now.timestamp().saturating_add(backoff_secs(attempt)),
            )
        };
        // Only the holder of this attempt records it: a replica whose lease ran out and whose
        // delivery was sent again by another finds the count moved on.
        let current = sql.execute(
            "UPDATE webhook_deliveries SET state = ?1, attempts = ?2, next_attempt_at = ?3,
                 lease_until = 0
             WHERE id = ?4 AND attempts = ?5 AND state = 'pending'",
            args![state, attempt, next, &claimed.id, claimed.attempts],
        )? == 1;
        if !current {
            return Ok(());
        }
        let (status, error) = match &outcome {
            Ok(status) if delivered => (Some(i64::from(*status)), None),
            Ok(status) => (
                Some(i64::from(*status)),
                Some(format!("the receiver answered {status}")),
            ),
            Err(e) => (None, Some(e.clone())),
        };
        sql.execute(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            args![
                &claimed.id,
                attempt,
                now.to_rfc3339(),
                status,
                error.clone()
            ],
        )?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time() {
        assert_eq!(backoff_secs(1), 2);
        assert_eq!(backoff_secs(2), 4);
        assert_eq!(backoff_secs(7), 128);
        assert!(backoff_secs(i64::MAX) > 0);
    }

    #[test]
    fn the_signature_covers_timestamp_and_body() {
        let one = signature("whsec_a", 1_700_000_000, "{}");
        assert!(one.starts_with("v1=") && one.len() == 3 + 64);
        assert_ne!(one, signature("whsec_a", 1_700_000_001, "{}"));
        assert_ne!(one, signature("whsec_a", 1_700_000_000, "{ }"));
        assert_ne!(one, signature("whsec_b", 1_700_000_000, "{}"));
    }
}
