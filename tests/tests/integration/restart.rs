//! A gateway killed (SIGKILL) in the middle of a push loses and duplicates nothing: every command
//! decided before the kill keeps its verdict, the phone resends the whole batch after the restart,
//! and each command ends with exactly one verdict, one audit entry and at most one trace record.
//! Runs the real `qianpi-gateway` binary, on SQLite, or on PostgreSQL when `QIANPI_TEST_POSTGRES`
//! names a server.

// A failure must stop the test, loudly.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use qianpi_core::client::Client;
use qianpi_core::keys::DeviceSigner;
use qianpi_core::model::Opinion;
use qianpi_core::protocol::CommandBatch;
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::sync::{sign_request, Credentials};
use qianpi_core::workflow::Command;
use qianpi_gateway::db::Db;
use qianpi_gateway::{audit, Location};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_qianpi-gateway");
const COMMANDS: usize = 60;

/// The database arguments for the binary, and the location for opening it here.
fn database(dir: &std::path::Path) -> (Vec<String>, Location) {
    match std::env::var("QIANPI_TEST_POSTGRES") {
        Ok(server) => {
            // The blocking client must not run on an async worker.
            let (location, _) = std::thread::spawn(move || {
                qianpi_gateway::db::create_postgres_database(&server, "qianpi_restart")
            })
            .join()
            .unwrap()
            .unwrap();
            let Location::Postgres(url) = &location else {
                unreachable!("a PostgreSQL database has a URL")
            };
            // The data folder still holds the statement key.
            let folder = dir.join("gateway");
            let args = vec![
                "--database-url".into(),
                url.clone(),
                "--data-dir".into(),
                folder.display().to_string(),
            ];
            (args, location)
        }
        Err(_) => {
            let folder = dir.join("gateway");
            (
                vec!["--data-dir".into(), folder.display().to_string()],
                Location::Folder(folder),
            )
        }
    }
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

/// Starts the gateway binary and waits for its "listening on" line; returns it and its URL.
fn serve(db_args: &[String], listen: &str) -> (Gateway, String) {
    let mut child = Process::new(BINARY)
        .arg("serve")
        .arg("--demo")
        .args(db_args)
        .args(["--listen", listen])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let child = Gateway(child);
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (child, url)
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
    let (db_args, location) = database(dir.path());
    let (mut gateway, url) = serve(&db_args, "127.0.0.1:0");
    let listen = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();

    let code = Process::new(BINARY)
        .arg("issue-code")
        .args(&db_args)
        .args(["--login", "wangjianguo"])
        .output()
        .unwrap();
    assert!(code.status.success(), "{code:?}");
    let code = String::from_utf8(code.stdout).unwrap().trim().to_owned();

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
    let location_here = location.clone();
    let (db, _) = tokio::task::spawn_blocking(move || Db::open(&location_here))
        .await
        .unwrap()
        .unwrap();
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
    let (mut gateway, _) = serve(&db_args, &listen);
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
