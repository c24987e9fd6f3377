//! Everything before the load but the feed (`seed`): the gateway's database, and the activated
//! devices with their first full sync done (a cursor at the head, and one [`TAIL`] changes
//! before it).
//!
//! Setup goes through the same paths a real deployment does (admin-issued codes, the activation
//! endpoint, a first signed sync and ping), and refuses to continue on any non-200, so the load
//! that follows measures served requests rather than refusals.

use crate::load::signed_get;
use crate::signer::MemorySigner;
use crate::BenchResult;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::Utc;
use qianpi_core::keys::DeviceSigner;
use qianpi_core::link::Credentials;
use qianpi_core::protocol::{self, ActivateRequest, ActivateResponse, SyncPage};
use qianpi_gateway::db::Db;
use qianpi_gateway::{admin, Location};
use ring::rand::SystemRandom;
use std::sync::Arc;
use std::time::Instant;

/// Changes each device's delta sync finds new in the tail variant of the load: its tail cursor
/// stands this many changes before the head of its feed.
pub(crate) const TAIL: usize = 3;
/// Activations in flight at once during setup.
const SETUP_CONCURRENCY: usize = 32;

/// An activated simulated phone.
pub(crate) struct Device {
    pub(crate) login: String,
    pub(crate) credentials: Credentials,
    /// After the whole feed: a delta sync finds nothing new.
    pub(crate) cursor: String,
    /// [`TAIL`] changes before the head: a delta sync returns the feed's last changes.
    pub(crate) tail_cursor: String,
}

/// The database the gateway uses: a SQLite folder, or a fresh PostgreSQL database on `server`.
pub(crate) async fn database(
    backend: &str,
    dir: &tempfile::TempDir,
) -> BenchResult<(Location, Option<String>)> {
    if backend == "sqlite" {
        return Ok((Location::Folder(dir.path().join("gateway")), None));
    }
    let server = std::env::var("QIANPI_BENCH_POSTGRES")
        .map_err(|_| "QIANPI_BENCH_POSTGRES is not set".to_owned())?;
    let (location, name) = tokio::task::spawn_blocking(move || {
        qianpi_gateway::db::create_postgres_database(&server, "qianpi_bench")
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot create the bench database: {e}"))?;
    Ok((location, Some(name)))
}

pub(crate) async fn drop_database(name: String) {
    let Ok(server) = std::env::var("QIANPI_BENCH_POSTGRES") else {
        return;
    };
    let admin_url = format!("{}/postgres", server.trim_end_matches('/'));
    let outcome = tokio::task::spawn_blocking(move || -> BenchResult<()> {
        let mut client =
            postgres::Client::connect(&admin_url, postgres::NoTls).map_err(|e| e.to_string())?;
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .map_err(|e| e.to_string())
    })
    .await;
    if let Ok(Err(e)) | Err(e) = outcome.map_err(|e| e.to_string()) {
        eprintln!("[bench] could not drop the bench database: {e}");
    }
}

/// Activates one device for `login` through the gateway, as a phone does.
async fn activate(
    http: reqwest::Client,
    base: String,
    login: String,
    code: String,
    rng: SystemRandom,
) -> BenchResult<Device> {
    let signer = MemorySigner::generate(&rng)?;
    let request = ActivateRequest {
        login: login.clone(),
        code,
        request_key_spki: STANDARD.encode(
            signer
                .create_key(qianpi_core::keys::REQUEST_KEY_ALIAS.into())
                .map_err(|e| e.to_string())?,
        ),
        approval_key_spki: STANDARD.encode(
            signer
                .create_key(qianpi_core::keys::APPROVAL_KEY_ALIAS.into())
                .map_err(|e| e.to_string())?,
        ),
        device_name: format!("bench phone {login}"),
        platform: "terminal".into(),
        challenge: None,
        attestation: None,
    };
    let url = format!("{base}{}", protocol::ACTIVATE_PATH.trim_start_matches('/'));
    let response = http
        .post(&url)
        .json(&request)
        .send()
        .await
        .map_err(|e| format!("activating {login} failed: {e}"))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!(
            "activating {login} was refused ({status}): {}",
            String::from_utf8_lossy(&body)
        ));
    }
    let bound: ActivateResponse = serde_json::from_slice(&body)
        .map_err(|e| format!("the activation answer for {login} is not understood: {e}"))?;
    if bound.pending_approval {
        return Err(format!("the device of {login} waits for approval"));
    }
    Ok(Device {
        login,
        credentials: Credentials {
            signer: Arc::new(signer),
            request_key_id: bound.request_key_id,
            access_token: bound.access_token,
            clock_offset_ms: 0,
        },
        cursor: String::new(),
        tail_cursor: String::new(),
    })
}

/// Issues codes, activates every device, and does each device's first full sync and first ping
/// (each must answer 200, or the benchmark would measure refusals).
pub(crate) async fn prepare_devices(
    db: &Db,
    http: &reqwest::Client,
    base: &str,
    logins: Vec<String>,
    per_user: usize,
) -> BenchResult<Vec<Arc<Device>>> {
    let started = Instant::now();
    let now = Utc::now().timestamp();
    let mut codes = Vec::with_capacity(logins.len());
    for login in logins {
        let code = admin::issue_activation_code(db, &login, now)
            .await
            .map_err(|e| format!("cannot issue a code for {login}: {}", e.message))?;
        codes.push((login, code));
    }
    eprintln!(
        "[bench]   issued {} activation codes in {:.1} s",
        codes.len(),
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let rng = SystemRandom::new();
    let mut devices = Vec::with_capacity(codes.len());
    for chunk in codes.chunks(SETUP_CONCURRENCY) {
        let mut set = tokio::task::JoinSet::new();
        for (i, (login, code)) in chunk.iter().enumerate() {
            let job = activate(
                http.clone(),
                base.to_owned(),
                login.clone(),
                code.clone(),
                rng.clone(),
            );
            set.spawn(async move { (i, job.await) });
        }
        let mut done: Vec<(usize, Device)> = Vec::with_capacity(chunk.len());
        while let Some(joined) = set.join_next().await {
            let (i, device) = joined.map_err(|e| format!("an activation task failed: {e}"))?;
            done.push((i, device?));
        }
        done.sort_by_key(|(i, _)| *i);
        devices.extend(done.into_iter().map(|(_, d)| d));
    }
    eprintln!(
        "[bench]   activated {} devices in {:.1} s",
        devices.len(),
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let mut pulled = 0usize;
    let mut ready = Vec::with_capacity(devices.len());
    let mut devices = devices.into_iter();
    loop {
        let chunk: Vec<Device> = devices.by_ref().take(SETUP_CONCURRENCY).collect();
        if chunk.is_empty() {
            break;
        }
        let mut set = tokio::task::JoinSet::new();
        for (i, device) in chunk.into_iter().enumerate() {
            let (http, base) = (http.clone(), base.to_owned());
            set.spawn(async move { (i, first_sync(http, base, device, per_user).await) });
        }
        let mut done: Vec<(usize, Device)> = Vec::new();
        while let Some(joined) = set.join_next().await {
            let (i, device) = joined.map_err(|e| format!("a first sync task failed: {e}"))?;
            done.push((i, device?));
        }
        done.sort_by_key(|(i, _)| *i);
        pulled += done.len() * per_user;
        ready.extend(done.into_iter().map(|(_, d)| Arc::new(d)));
    }
    eprintln!(
        "[bench]   first full sync and ping of every device ({pulled} changes) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ready)
}

/// Pulls one page of `device`'s feed after `cursor`, at most `limit` changes; refuses anything
/// but a 200 with a page.
async fn pull(
    http: &reqwest::Client,
    base: &str,
    device: &Device,
    cursor: &str,
    limit: usize,
) -> BenchResult<SyncPage> {
    let url = format!(
        "{base}{}?cursor={cursor}&limit={limit}",
        protocol::SYNC_PATH.trim_start_matches('/')
    );
    let (status, body) = signed_get(http, &url, &device.credentials).await?;
    if status != 200 {
        return Err(format!(
            "the first sync of {} was refused ({status}): {}; aborting rather than measuring refusals",
            device.login,
            String::from_utf8_lossy(&body)
        ));
    }
    serde_json::from_slice(&body)
        .map_err(|e| format!("the first sync of {} is not understood: {e}", device.login))
}

/// A device's first sync, page by page as a phone pulls it: up to [`TAIL`] changes before the
/// head (its tail cursor), then the rest (its cursor); then its first ping. Each page must come
/// back whole: the feed holds exactly `per_user` changes.
async fn first_sync(
    http: reqwest::Client,
    base: String,
    mut device: Device,
    per_user: usize,
) -> BenchResult<Device> {
    let mut cursor = String::new();
    let mut pulled = 0usize;
    let mut has_more = true;
    while has_more {
        let before_tail = per_user.saturating_sub(TAIL);
        let limit = if pulled < before_tail {
            before_tail - pulled
        } else {
            200
        };
        let page = pull(&http, &base, &device, &cursor, limit.min(500)).await?;
        if page.changes.is_empty() && page.has_more {
            return Err(format!("the first sync of {} stalled", device.login));
        }
        pulled += page.changes.len();
        has_more = page.has_more;
        cursor = page.next_cursor;
        if pulled == before_tail {
            device.tail_cursor = cursor.clone();
        }
    }
    if pulled != per_user {
        return Err(format!(
            "the first sync of {} returned {pulled} changes, expected {per_user}",
            device.login
        ));
    }
    device.cursor = cursor;

    let url = format!("{base}{}", protocol::PING_PATH.trim_start_matches('/'));
    let (status, body) = signed_get(&http, &url, &device.credentials).await?;
    if status != 200 {
        return Err(format!(
            "the first ping of {} was refused ({status}): {}; aborting rather than measuring refusals",
            device.login,
            String::from_utf8_lossy(&body)
        ));
    }
    Ok(device)
}
