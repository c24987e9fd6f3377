//! The steps of one signed request timed one at a time, on one thread and without HTTP.
//!
//! The load figures say how fast the whole request is; these say where its time goes (signing,
//! verification, the device lookup, the nonce insert and the feed glance), using the same
//! statements the gateway runs, so a slow backend can be traced to the step that is slow.

use crate::setup::Device;
use crate::{round, BenchResult};
use chrono::Utc;
use qianpi_core::link::sign_request;
use qianpi_gateway::auth::AuthedDevice;
use qianpi_gateway::db::Db;
use qianpi_gateway::sql::args;
use qianpi_gateway::{checkpoints, feed};
use serde_json::json;
use std::time::Instant;

/// Each step of a signed request timed one at a time, in microseconds.
pub(crate) struct Costs {
    sign: f64,
    verify: f64,
    empty_tx: f64,
    device_lookup: f64,
    nonce_insert: f64,
    delta_glance: f64,
}

impl Costs {
    pub(crate) fn into_figure(self, backend: &str) -> serde_json::Value {
        let ping = self.device_lookup + self.verify + self.nonce_insert;
        let sync = ping + self.delta_glance;
        json!({
            "bench": "gateway_request_steps",
            "backend": backend,
            "value": round(sync, 1),
            "unit": "µs per delta sync, its database and signature steps one at a time",
            "reference": round(ping, 1),
            "ratio": round(sync / ping, 3),
            "sign_request_us": round(self.sign, 1),
            "verify_p256_us": round(self.verify, 1),
            "empty_tx_us": round(self.empty_tx, 1),
            "device_lookup_us": round(self.device_lookup, 1),
            "nonce_insert_us": round(self.nonce_insert, 1),
            "delta_glance_us": round(self.delta_glance, 1),
            "note": "one thread, no HTTP; sign_request is the client's cost, the rest the gateway's \
                     (verify + lookup + nonce = the ping; + the glance at feed head, policy and \
                     checkpoint = a delta sync with nothing new)",
        })
    }
}

/// Times the steps of a signed delta sync one at a time, with the same statements the gateway
/// runs (auth.rs and feed.rs), on the database as the load left it.
pub(crate) fn component_costs(db: &Db, base: &str, device: &Device) -> BenchResult<Costs> {
    const ROUNDS: u32 = 1000;
    let time = |step: &mut dyn FnMut(u32) -> BenchResult<()>| -> BenchResult<f64> {
        let started = Instant::now();
        for i in 0..ROUNDS {
            step(i)?;
        }
        Ok(started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS))
    };
    let api = |e: qianpi_gateway::ApiError| e.message;
    let url = format!("{base}v1/sync?cursor={}&limit=200", device.cursor);
    let signer = &device.credentials.signer;
    let spki = signer
        .public_key(qianpi_core::keys::REQUEST_KEY_ALIAS.into())
        .map_err(|e| e.to_string())?;
    let message = format!("\"@method\": GET\n\"@target-uri\": {url}\n").repeat(4);
    let der = signer
        .sign(
            qianpi_core::keys::REQUEST_KEY_ALIAS.into(),
            message.clone().into_bytes(),
        )
        .map_err(|e| e.to_string())?;
    let raw = qianpi_core::crypto::der_to_raw_signature(&der).map_err(|e| e.to_string())?;
    let key_id = device.credentials.request_key_id.clone();
    let user_id = format!("user-{}", device.login);
    let after = feed::Cursor::parse(&device.cursor).map_err(api)?;
    let authed = db
        .once_blocking(|sql| {
            let row = sql.query_one(
                "SELECT id FROM devices WHERE request_key_id = ?1",
                args![&key_id],
            )?;
            Ok(AuthedDevice {
                device_id: row.text(0)?,
                user_id: user_id.clone(),
                unit_id: "unit-sxnyt".into(),
            })
        })
        .map_err(api)?;
    let now = Utc::now().timestamp();
    Ok(Costs {
        sign: time(&mut |_| {
            sign_request("GET", &url, &[], &device.credentials, Utc::now())
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?,
        verify: time(&mut |_| {
            qianpi_core::crypto::verify_p256(&spki, message.as_bytes(), &raw)
                .map_err(|e| format!("verification failed: {e}"))
        })?,
        empty_tx: time(&mut |_| {
            db.tx_blocking(|sql| Ok(sql.query_one("SELECT 1", args![])?.int(0)?))
                .map(|_| ())
                .map_err(api)
        })?,
        device_lookup: time(&mut |_| {
            db.once_blocking(|sql| {
                Ok(sql.query_opt(
                    "SELECT d.id, d.user_id, u.unit_id, d.request_key_spki, d.token_hash, d.state
                     FROM devices d JOIN users u ON u.id = d.user_id WHERE d.request_key_id = ?1",
                    args![&key_id],
                )?)
            })
            .map(|_| ())
            .map_err(api)
        })?,
        nonce_insert: time(&mut |i| {
            let nonce = format!("bench-{}-{i}", uuid::Uuid::now_v7().simple());
            db.once_blocking(|sql| {
                Ok(sql.execute(
                    "INSERT INTO nonces (key_id, nonce, expires_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                    args![&key_id, &nonce, now + 120],
                )?)
            })
            .map(|_| ())
            .map_err(api)
        })?,
        // What a delta sync with nothing new reads: the glance (feed head, policy, checkpoint).
        delta_glance: time(&mut |_| {
            db.once_blocking(|sql| checkpoints::glance(sql, &authed, Utc::now()))
                .map(|glance| debug_assert!(after.has_seen(glance.head)))
                .map_err(api)
        })?,
    })
}
