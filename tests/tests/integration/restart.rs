//! A gateway killed (SIGKILL) in the middle of a push loses and duplicates nothing: every command
//! decided before the kill keeps its verdict, the phone resends the whole batch after the restart,
//! and each command ends with exactly one verdict, one audit entry and at most one trace record.
//!
//! The gateway runs in a process of its own so that it can be killed: this test binary started
//! again with [`CHILD_LISTEN`] set, which serves the gateway until it is killed (as `qianpi-gateway
//! serve --demo` does). On SQLite, or on PostgreSQL when `QIANPI_TEST_POSTGRES` names a server.

// A failure must stop the test, loudly.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use qianpi_core::client::Client;
use qianpi_core::keys::DeviceSigner;
use qianpi_core::link::{sign_request, Credentials};
use qianpi_core::model::Opinion;
use qianpi_core::protocol::CommandBatch;
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::workflow::Command;
use qianpi_gateway::db::Db;
use qianpi_gateway::{admin, audit, start, GatewayConfig, Location};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const COMMANDS: usize = 60;
/// Set in the gateway's process: the address to listen on.
const CHILD_LISTEN: &str = "QIANPI_RESTART_LISTEN";
/// Set in the gateway's process: the SQLite data folder, or the PostgreSQL URL.
const CHILD_SQLITE: &str = "QIANPI_RESTART_SQLITE";
const CHILD_POSTGRES: &str = "QIANPI_RESTART_POSTGRES";
/// Set in the gateway's process: the statement key file.
const CHILD_KEY: &str = "QIANPI_RESTART_KEY";
/// This test's name, for starting this binary again as the gateway.
const TEST: &str = "restart::a_gateway_killed_mid_push_loses_and_duplicates_nothing";

/// Where the gateway keeps its data: a SQLite folder in `dir`, or a fresh PostgreSQL database.
fn database(dir: &Path) -> Location {
    match std::env::var("QIANPI_TEST_POSTGRES") {
        // The blocking client must not run on an async worker.
        Ok(server) => {
            std::thread::spawn(move || {
                qianpi_gateway::db::create_postgres_database(&server, "qianpi_restart")
            })
            .join()
            .unwrap()
            .unwrap()
            .0
        }
        Err(_) => Location::Folder(dir.join("gateway")),
    }
}

/// In the gateway's process: serve with the demo seed until killed; prints `listening on <url>`.
async fn serve_until_killed(listen: &str) -> ! {
    let location = match (std::env::var(CHILD_SQLITE), std::env::var(CHILD_POSTGRES)) {
        (Ok(folder), _) => Location::Folder(folder.into()),
        (_, Ok(url)) => Location::Postgres(url),
        _ => panic!("the gateway's process was given no database"),
    };
    let mut config = GatewayConfig::new(location, listen.parse().unwrap(), true);
    config.statement_key = Some(std::env::var(CHILD_KEY).unwrap().into());
    let gateway = start(config).await.unwrap();
    println!("listening on http://{}/", gateway.addr());
    std::future::pending().await
}

/// A gateway process, killed when dropped so a failing test leaves none behind.
struct Gateway(Child);

impl Gateway {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts the gateway's process and waits for its "listening on" line; returns it and its URL.
fn serve(location: &Location, key: &Path, listen: &str) -> (Gateway, String) {
    let mut process = Process::new(std::env::current_exe().unwrap());
    process
        .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_LISTEN, listen)
        .env(CHILD_KEY, key)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    match location {
        Location::Folder(folder) => process.env(CHILD_SQLITE, folder),
        Location::Postgres(url) => process.env(CHILD_POSTGRES, url),
    };
    let mut child = process.spawn().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let child = Gateway(child);
    // The test harness prints its own words first, on the same line too ("test … … ").
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some((_, url)) = line.rsplit_once("listening on ") {
            return (child, url.trim().to_owned());
        }
    }
    panic!("the gateway's process ended before it listened");
}

/// Verdicts stored so far, read without taking SQLite's write lock (which the handle's
/// transactions take), so watching does not slow the gateway down and the kill lands early.
async fn decided_so_far(db: &Db, location: &Location) -> i64 {
    match location {
        Location::Folder(dir) => {
            let file = dir.join(qianpi_gateway::db::DATABASE_FILE);
            tokio::task::spawn_blocking(move || {
                let conn = rusqlite::Connection::open(file).unwrap();
                conn.query_row("SELECT count(*) FROM verdicts", [], |r| r.get(0))
                    .unwrap()
            })
            .await
            .unwrap()
        }
        Location::Postgres(_) => count(db, "verdicts").await,
    }
}

async fn count(db: &Db, table: &'static str) -> i64 {
    db.tx(move |sql| {
        Ok(sql
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
            .int(0)?)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_killed_mid_push_loses_and_duplicates_nothing() {
    if let Ok(listen) = std::env::var(CHILD_LISTEN) {
        serve_until_killed(&listen).await;
    }
    // A fast gateway may decide the whole batch before the kill lands; such a round proves
    // nothing about a kill mid-push, so it is run again with a fresh gateway and phone.
    for _ in 0..40 {
        if killed_mid_push().await {
            return;
        }
    }
    panic!("in 40 rounds the kill never landed in the middle of a push");
}

/// One round; false if the push had finished before the kill.
async fn killed_mid_push() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let location = database(dir.path());
    let key = dir.path().join("statement-key.p8");
    let (mut gateway, url) = serve(&location, &key, "127.0.0.1:0");
    let listen = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();

    let location_here = location.clone();
    let (db, _) = tokio::task::spawn_blocking(move || Db::open(&location_here))
        .await
        .unwrap()
        .unwrap();
    let code = admin::issue_activation_code(&db, "wangjianguo", chrono::Utc::now().timestamp())
        .await
        .unwrap();

    let vault = Arc::new(SoftwareKeyVault::open(&dir.path().join("vault"), "test").unwrap());
    let phone = Client::open(&dir.path().join("phone"), vault.clone(), vault.clone()).unwrap();
    phone
        .activate(&url, "wangjianguo", &code, "restart test", "terminal")
        .await
        .unwrap();
    phone.sync().await.unwrap();
    let task = phone.inbox().unwrap()[0].task_id.clone();
    for i in 0..COMMANDS {
        phone
            .act(Command::Save {
                task_id: task.clone(),
                opinion: Opinion::agree(&format!("第{i}稿")),
            })
            .unwrap();
    }
    let outbox = phone.outbox().unwrap();
    assert_eq!(outbox.len(), COMMANDS);

    // Push the whole outbox in one batch and kill the gateway once some of it is decided.
    let account = phone.account().unwrap().unwrap();
    let credentials = Credentials {
        signer: vault.clone() as Arc<dyn DeviceSigner>,
        request_key_id: account.request_key_id.clone(),
        access_token: account.access_token.clone(),
        clock_offset_ms: 0,
    };
    let body = serde_json::to_vec(&CommandBatch {
        commands: outbox.iter().map(|row| row.command.clone()).collect(),
    })
    .unwrap();
    let push_url = format!("{url}v1/commands");
    let headers = sign_request("POST", &push_url, &body, &credentials, chrono::Utc::now()).unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let push = tokio::spawn(async move {
        let mut request = reqwest::Client::new()
            .post(&push_url)
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send().await.map(|r| r.status())
    });
    let started = Instant::now();
    let decided_at_kill = loop {
        let decided = decided_so_far(&db, &location).await;
        if decided > 0 {
            gateway.kill();
            break count(&db, "verdicts").await;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nothing was decided"
        );
        tokio::task::yield_now().await;
    };
    // The answer got through, or everything was decided before the kill landed: no kill
    // mid-push happened this round.
    if push.await.unwrap().is_ok() || decided_at_kill == COMMANDS as i64 {
        return false;
    }
    assert!(
        (1..COMMANDS as i64).contains(&decided_at_kill),
        "the kill did not land mid-push: {decided_at_kill} decided"
    );

    // Back on the same address: the phone resends everything and settles.
    let (mut gateway, _) = serve(&location, &key, &listen);
    let report = phone.sync().await.unwrap();
    assert!(phone.outbox().unwrap().is_empty(), "{report:?}");
    assert_eq!(count(&db, "verdicts").await, COMMANDS as i64);
    let accepted = phone
        .verdicts()
        .unwrap()
        .iter()
        .filter(|v| v.verdict.outcome.is_accepted())
        .count();
    assert_eq!(accepted, COMMANDS, "every save is allowed");
    assert_eq!(count(&db, "trace").await, COMMANDS as i64);
    match db.tx(|sql| audit::verify(sql)).await.unwrap() {
        audit::Verdict::Intact { entries, .. } => {
            assert_eq!(
                entries,
                2 + COMMANDS as i64,
                "the code, the activation, and one per command"
            )
        }
        broken => panic!("{broken:?}"),
    }
    gateway.kill();
    true
}
