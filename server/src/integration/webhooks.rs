//! Webhook subscriptions of an API key: a URL (http or https), the events it wants, and a signing
//! secret (`whsec_…`) shown once at creation. The secret is kept as is, since signing each
//! delivery needs it. A subscription receives events of the key's units that happen after it was
//! made; deleting it stops its pending deliveries. Its deliveries, with every attempt, are
//! readable by the key that made it (and by administrators on the console).

use super::{IntegrationKey, EVENT_TYPES};
use crate::actor::not_found;
use crate::db::{decode, encode, Db};
use crate::error::ApiError;
use crate::sql::{args, Sql};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use qianpi_protocol::crypto;
use serde::{Deserialize, Serialize};

/// Prefix of signing secrets.
pub const SECRET_PREFIX: &str = "whsec_";
/// Longest URL accepted.
const MAX_URL_LEN: usize = 2048;
/// Most live subscriptions per key.
const MAX_SUBSCRIPTIONS: i64 = 20;
/// Deliveries listed per page.
const MAX_LISTED: i64 = 100;

/// A subscription to make.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = WebhookSubscriptionRequest)]
pub struct NewSubscription {
    /// Where deliveries are POSTed: an absolute http:// or https:// URL (at most 2048
    /// characters).
    pub url: String,
    /// The events wanted (`flow.moved`, `task.done`, `flow.completed`, `notice.receipt`).
    #[schema(schema_with = crate::openapi::integration::events_wanted)]
    pub events: Vec<String>,
}

/// A subscription as listed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookSubscription)]
pub struct SubscriptionView {
    /// Its id.
    pub id: String,
    /// The key it belongs to.
    pub key_id: String,
    /// Where deliveries go.
    pub url: String,
    /// The events it receives.
    #[schema(schema_with = crate::openapi::integration::events_received)]
    pub events: Vec<String>,
    /// When it was made (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The signing secret: only in the answer that made the subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^whsec_[A-Za-z0-9_-]{43}$")]
    pub secret: Option<String>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookAttempt)]
pub struct AttemptView {
    /// 1 for the first.
    #[schema(minimum = 1)]
    pub attempt: u32,
    /// When it was made.
    #[schema(format = DateTime)]
    pub at: String,
    /// The receiver's HTTP status, if it answered.
    #[schema(required = true)]
    pub status: Option<u16>,
    /// Why it failed, if it did.
    #[schema(required = true)]
    pub error: Option<String>,
}

/// A delivery and its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookDelivery)]
pub struct DeliveryView {
    /// Its id (also sent in the `Qianpi-Delivery` header).
    pub id: String,
    /// The event's id, the same in every attempt.
    pub event_id: String,
    /// The event's type.
    #[schema(schema_with = crate::openapi::integration::event_type)]
    pub event_type: String,
    /// `pending`, `delivered` or `failed` (gave up after the last retry).
    #[schema(schema_with = crate::openapi::integration::delivery_state)]
    pub state: String,
    /// When the event was queued.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The JSON sent.
    #[schema(value_type = super::events::WebhookEvent)]
    pub payload: serde_json::Value,
    /// Every attempt, oldest first.
    pub attempts: Vec<AttemptView>,
}

fn check(new: &NewSubscription) -> Result<(), ApiError> {
    let url = new.url.trim();
    let parsed_ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() <= MAX_URL_LEN
        && url
            .parse::<axum::http::Uri>()
            .is_ok_and(|u| u.host().is_some_and(|h| !h.is_empty()) && u.scheme_str().is_some());
    if !parsed_ok {
        return Err(ApiError::bad_request(
            "invalid_url",
            "a webhook URL is an absolute http:// or https:// URL",
        ));
    }
    if new.events.is_empty()
        || new
            .events
            .iter()
            .any(|e| !EVENT_TYPES.contains(&e.as_str()))
    {
        return Err(ApiError::bad_request(
            "invalid_events",
            format!("events are one or more of {}", EVENT_TYPES.join(", ")),
        ));
    }
    Ok(())
}

/// Makes a subscription for `key`; its answer holds the secret, once.
pub async fn subscribe(
    db: &Db,
    key: &IntegrationKey,
    new: NewSubscription,
    now: DateTime<Utc>,
) -> Result<SubscriptionView, ApiError> {
    check(&new)?;
    let mut events = new.events.clone();
    events.sort();
    events.dedup();
    let bytes = crypto::random_bytes::<32>().map_err(|e| ApiError::internal(e.to_string()))?;
    let secret = format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let view = SubscriptionView {
        id: format!("whk-{}", uuid::Uuid::now_v7()),
        key_id: key.id.clone(),
        url: new.url.trim().to_owned(),
        events,
        created_at: now.to_rfc3339(),
        secret: Some(secret),
    };
    let (key, out) = (key.clone(), view.clone());
    db.tx(move |sql| {
        let live = sql
            .query_one(
                "SELECT count(*) FROM webhook_subscriptions
                 WHERE key_id = ?1 AND revoked_at IS NULL",
                args![&key.id],
            )?
            .int(0)?;
        if live >= MAX_SUBSCRIPTIONS {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "too_many_subscriptions",
                format!("a key may hold at most {MAX_SUBSCRIPTIONS} subscriptions"),
            ));
        }
        // Audited once per unit of the key; the first entry's sequence is where its events
        // begin, so nothing from before it is ever sent.
        let mut from_seq = None;
        for unit in &key.units {
            let seq = crate::audit::append(
                sql,
                &crate::audit::Event {
                    unit_id: Some(unit),
                    actor: &key.actor_name(),
                    kind: "webhook.subscribed",
                    subject: &view.id,
                    detail: serde_json::json!({ "events": view.events }),
                },
                now,
            )?;
            from_seq.get_or_insert(seq);
        }
        sql.execute(
            "INSERT INTO webhook_subscriptions
                (id, key_id, url, events, secret, from_seq, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            args![
                &view.id,
                &key.id,
                &view.url,
                encode(&view.events)?,
                view.secret.clone(),
                from_seq.unwrap_or(0),
                &view.created_at
            ],
        )?;
        Ok(())
    })
    .await?;
    Ok(out)
}

fn read_subscription(row: &crate::sql::Row) -> Result<SubscriptionView, ApiError> {
    Ok(SubscriptionView {
        id: row.text(0)?,
        key_id: row.text(1)?,
        url: row.text(2)?,
        events: decode(&row.text(3)?)?,
        created_at: row.text(4)?,
        secret: None,
    })
}

/// The live subscriptions of key `key_id`, oldest first.
pub fn subscriptions_of(
    sql: &mut dyn Sql,
    key_id: &str,
) -> Result<Vec<SubscriptionView>, ApiError> {
    sql.query(
        "SELECT id, key_id, url, events, created_at FROM webhook_subscriptions
         WHERE key_id = ?1 AND revoked_at IS NULL ORDER BY created_at, id",
        args![key_id],
    )?
    .iter()
    .map(read_subscription)
    .collect()
}

/// The live subscriptions of `key`.
pub async fn list(db: &Db, key: &IntegrationKey) -> Result<Vec<SubscriptionView>, ApiError> {
    let key_id = key.id.clone();
    db.once(move |sql| subscriptions_of(sql, &key_id)).await
}

/// Deletes subscription `id` of `key` (404 `no_such_subscription` for another key's); its
/// pending deliveries are given up.
pub async fn unsubscribe(
    db: &Db,
    key: &IntegrationKey,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let (key, id) = (key.clone(), id.to_owned());
    db.tx(move |sql| {
        let changed = sql.execute(
            "UPDATE webhook_subscriptions SET revoked_at = ?1
             WHERE id = ?2 AND key_id = ?3 AND revoked_at IS NULL",
            args![now.to_rfc3339(), &id, &key.id],
        )?;
        if changed == 0 {
            return Err(no_such_subscription(&id));
        }
        sql.execute(
            "UPDATE webhook_deliveries SET state = 'failed'
             WHERE subscription_id = ?1 AND state = 'pending'",
            args![&id],
        )?;
        for unit in &key.units {
            crate::audit::append(
                sql,
                &crate::audit::Event {
                    unit_id: Some(unit),
                    actor: &key.actor_name(),
                    kind: "webhook.unsubscribed",
                    subject: &id,
                    detail: serde_json::json!({}),
                },
                now,
            )?;
        }
        Ok(())
    })
    .await
}

fn no_such_subscription(id: &str) -> ApiError {
    not_found("no_such_subscription", format!("no subscription {id}"))
}

/// The newest deliveries of subscription `id` of `key`, newest first, with their attempts.
pub async fn deliveries(
    db: &Db,
    key: &IntegrationKey,
    id: &str,
) -> Result<Vec<DeliveryView>, ApiError> {
    let (key_id, id) = (key.id.clone(), id.to_owned());
    db.once(move |sql| {
        let owned = sql
            .query_opt(
                "SELECT id FROM webhook_subscriptions WHERE id = ?1 AND key_id = ?2",
                args![&id, &key_id],
            )?
            .is_some();
        if !owned {
            return Err(no_such_subscription(&id));
        }
        deliveries_of(sql, &id)
    })
    .await
}

/// The newest deliveries of subscription `id`, with their attempts (no scope check: callers
/// check who asks).
pub fn deliveries_of(sql: &mut dyn Sql, id: &str) -> Result<Vec<DeliveryView>, ApiError> {
    let rows = sql.query(
        "SELECT id, event_id, event_type, state, created_at, payload FROM webhook_deliveries
         WHERE subscription_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2",
        args![id, MAX_LISTED],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let delivery_id = row.text(0)?;
        let attempts = sql
            .query(
                "SELECT attempt, at, status, error FROM webhook_attempts
                 WHERE delivery_id = ?1 ORDER BY attempt",
                args![&delivery_id],
            )?
            .iter()
            .map(|a| {
                Ok(AttemptView {
                    attempt: u32::try_from(a.int(0)?).unwrap_or(u32::MAX),
                    at: a.text(1)?,
                    status: a.opt_int(2)?.and_then(|s| u16::try_from(s).ok()),
                    error: a.opt_text(3)?,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        out.push(DeliveryView {
            id: delivery_id,
            event_id: row.text(1)?,
            event_type: row.text(2)?,
            state: row.text(3)?,
            created_at: row.text(4)?,
            payload: decode(&row.text(5)?)?,
            attempts,
        });
    }
    Ok(out)
}
