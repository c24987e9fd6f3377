//! A gateway killed (SIGKILL) in the middle of a push loses and duplicates nothing. A batch is
//! decided in one transaction, so the kill, landing while the batch's transaction is open, leaves
//! none of that batch decided and every command of an earlier push with its verdict; the phone
//! resends everything after the restart (the earlier push's commands get their stored verdicts),
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
use qianpi_core::protocol::{CommandBatch, SignedCommand};
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::workflow::Command;
use qianpi_gateway::db::Db;
use qianpi_gateway::{admin, audit, start, GatewayConfig, Location};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The phone's saves: the most one push may carry, nearly.
const COMMANDS: usize = 60;
/// Of them, pushed and decided before the push that is killed.
const EARLIER: usize = 10;
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

/// Waits until the gateway has a write transaction open (the push's batch being decided), at most
/// 30 s; whether it saw one. On SQLite a `BEGIN IMMEDIATE` that finds the write lock taken says
/// so; on PostgreSQL, a lock on the verdicts table held by another session (a verdict inserted and
/// not yet committed).
async fn batch_in_progress(db: &Db, location: &Location) -> bool {
    let started = Instant::now();
    match location {
        Location::Folder(dir) => {
            let file = dir.join(qianpi_gateway::db::DATABASE_FILE);
            tokio::task::spawn_blocking(move || {
                let conn = rusqlite::Connection::open(file).unwrap();
                conn.busy_timeout(Duration::ZERO).unwrap();
                while started.elapsed() < Duration::from_secs(30) {
                    if conn.execute_batch("BEGIN IMMEDIATE").is_err() {
                        return true;
                    }
                    conn.execute_batch("ROLLBACK").unwrap();
                    std::thread::sleep(Duration::from_micros(200));
                }
                false
            })
            .await
            .unwrap()
        }
        Location::Postgres(_) => {
            while started.elapsed() < Duration::from_secs(30) {
                let held = db
                    .tx(|sql| {
                        Ok(sql
                            .query_one(
                                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                                 JOIN pg_database d ON d.oid = l.database
                                 WHERE c.relname = 'verdicts' AND l.mode = 'RowExclusiveLock'
                                   AND d.datname = current_database()
                                   AND l.pid <> pg_backend_pid()",
                                &[],
                            )?
                            .int(0)?)
                    })
                    .await
                    .unwrap();
                if held > 0 {
                    return true;
                }
            }
            false
        }
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

    // Push the first saves and let them be decided, then push the whole outbox in one batch and
    // kill the gateway while that batch is being decided.
    let account = phone.account().unwrap().unwrap();
    let credentials = Credentials {
        signer: vault.clone() as Arc<dyn DeviceSigner>,
        request_key_id: account.request_key_id.clone(),
        access_token: account.access_token.clone(),
        clock_offset_ms: 0,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let push = |commands: &[SignedCommand]| {
        let body = serde_json::to_vec(&CommandBatch {
            commands: commands.to_vec(),
        })
        .unwrap();
        let push_url = format!("{url}v1/commands");
        let headers =
            sign_request("POST", &push_url, &body, &credentials, chrono::Utc::now()).unwrap();
        let mut request = reqwest::Client::new()
            .post(&push_url)
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    let commands: Vec<_> = outbox.iter().map(|row| row.command.clone()).collect();
    let pushed_at = Instant::now();
    let earlier = push(&commands[..EARLIER]).await.unwrap();
    let earlier_took = pushed_at.elapsed();
    assert!(earlier.status().is_success(), "{}", earlier.status());
    assert_eq!(count(&db, "verdicts").await, EARLIER as i64);
    let whole = tokio::spawn(push(&commands));
    assert!(
        batch_in_progress(&db, &location).await,
        "the batch was never seen being decided"
    );
    // Some way into the batch: about twice the earlier push's commands, had each its own commit.
    tokio::time::sleep(earlier_took * 2).await;
    gateway.kill();
    let decided_at_kill = count(&db, "verdicts").await;
    // The answer got through, or the batch was committed before the kill landed: no kill
    // mid-batch happened this round.
    if whole.await.unwrap().is_ok() || decided_at_kill == COMMANDS as i64 {
        return false;
    }
    assert_eq!(
        decided_at_kill, EARLIER as i64,
        "a batch killed while being decided leaves none of it decided, and the earlier push whole"
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
