//! Everything before the load: the gateway's database, the bench users with their feeds, and the
//! activated devices with their first full sync done.
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
use qianpi_core::protocol::{self, ActivateRequest, ActivateResponse, Change, SyncPage};
use qianpi_gateway::db::{decode, Db};
use qianpi_gateway::sql::args;
use qianpi_gateway::{admin, feed, Location};
use ring::rand::SystemRandom;
use std::sync::Arc;
use std::time::Instant;

/// Changes put into each bench user's feed, so the first pull returns data.
pub(crate) const CHANGES_PER_USER: usize = 3;
/// Activations in flight at once during setup.
const SETUP_CONCURRENCY: usize = 32;

/// An activated simulated phone.
pub(crate) struct Device {
    pub(crate) login: String,
    pub(crate) credentials: Credentials,
    pub(crate) cursor: String,
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

/// Adds `count` staff users to the demo unit, each with a few changes in the feed (copies of the
/// demo flow's inbox change), and returns their logins.
pub(crate) async fn create_users(db: &Db, count: usize) -> BenchResult<Vec<String>> {
    let logins: Vec<String> = (0..count).map(|i| format!("bench{i:05}")).collect();
    let rows = logins.clone();
    db.tx(move |sql| {
        let template: Change = decode(
            &sql.query_one(
                "SELECT body FROM changes WHERE user_id = 'user-wang' ORDER BY seq LIMIT 1",
                args![],
            )?
            .text(0)?,
        )?;
        let now = Utc::now().to_rfc3339();
        for login in &rows {
            let user_id = format!("user-{login}");
            sql.execute(
                "INSERT INTO users (id, unit_id, login, name, post, role, roles, created_at)
                 VALUES (?1, 'unit-sxnyt', ?2, ?3, '科员', 'staff', '{}', ?4)",
                args![&user_id, login, format!("测试用户{login}"), &now],
            )?;
            // One change per task: the feed keeps only the newest change of an item.
            for i in 0..CHANGES_PER_USER {
                let mut change = template.clone();
                if let Change::Inbox { entry } = &mut change {
                    entry.task_id = format!("{}-{i}", entry.task_id);
                }
                feed::append_change(sql, &user_id, &change)?;
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| format!("cannot create the bench users: {}", e.message))?;
    Ok(logins)
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
    })
}

/// Issues codes, activates every device, and does each device's first full sync and first ping
/// (each must answer 200, or the benchmark would measure refusals).
pub(crate) async fn prepare_devices(
    db: &Db,
    http: &reqwest::Client,
    base: &str,
    logins: Vec<String>,
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
    for device in &mut devices {
        let url = format!(
            "{base}{}?cursor=&limit=200",
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
        let page: SyncPage = serde_json::from_slice(&body)
            .map_err(|e| format!("the first sync of {} is not understood: {e}", device.login))?;
        if page.changes.len() != CHANGES_PER_USER || page.has_more {
            return Err(format!(
                "the first sync of {} returned {} changes, expected {CHANGES_PER_USER}",
                device.login,
                page.changes.len()
            ));
        }
        pulled += page.changes.len();
        device.cursor = page.next_cursor;

        let url = format!("{base}{}", protocol::PING_PATH.trim_start_matches('/'));
        let (status, body) = signed_get(http, &url, &device.credentials).await?;
        if status != 200 {
            return Err(format!(
                "the first ping of {} was refused ({status}): {}; aborting rather than measuring refusals",
                device.login,
                String::from_utf8_lossy(&body)
            ));
        }
    }
    eprintln!(
        "[bench]   first full sync and ping of every device ({pulled} changes) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(devices.into_iter().map(Arc::new).collect())
}
