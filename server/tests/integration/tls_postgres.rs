//! PostgreSQL over TLS, asked for by the database URL: with `sslmode=verify-full` and the
//! server's CA as `sslrootcert` the gateway connects (and the server sees TLS sessions); with
//! another CA it is refused with an error that says the certificate is the problem; a URL asking
//! for a check without a root, or naming an unreadable one, is refused before connecting.
//!
//! The connecting part needs the local PostgreSQL of `scripts/postgres.sh` (which turns TLS on
//! and keeps its CA beside the server's certificate) named by `QIANPI_TEST_POSTGRES`; on SQLite
//! runs only the refusals that need no server are checked.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_gateway::db::create_postgres_database;
use qianpi_gateway::Location;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `qianpi-gateway init` on the database at `url`, the statement key in `dir`.
fn init(dir: &Path, url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qianpi-gateway"))
        .arg("init")
        .arg("--database-url")
        .arg(url)
        .arg("--statement-key")
        .arg(dir.join("statement-key.p8"))
        .env_remove("DATABASE_URL")
        .env_remove("QIANPI_STATEMENT_KEY")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_url_asking_for_a_checked_tls_without_a_usable_root_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens there: the refusal must come from the URL itself.
    let server = "postgres://qianpi@127.0.0.1:9/none";
    let no_root = init(dir.path(), &format!("{server}?sslmode=verify-full"));
    assert!(!no_root.status.success());
    assert!(
        stderr(&no_root).contains("sslrootcert"),
        "{}",
        stderr(&no_root)
    );

    let missing = dir.path().join("no-such-ca.pem");
    let unreadable = init(
        dir.path(),
        &format!(
            "{server}?sslmode=verify-full&sslrootcert={}",
            missing.display()
        ),
    );
    assert!(!unreadable.status.success());
    assert!(
        stderr(&unreadable).contains("no-such-ca.pem"),
        "{}",
        stderr(&unreadable)
    );

    let unknown = init(dir.path(), &format!("{server}?sslmode=sometimes"));
    assert!(
        stderr(&unknown).contains("verify-full"),
        "{}",
        stderr(&unknown)
    );
}

/// The CA of the test server's certificate: `ca.pem` beside the chain it serves.
fn server_ca(server: &str) -> PathBuf {
    let mut client =
        postgres::Client::connect(&format!("{server}/postgres"), postgres::NoTls).unwrap();
    let ssl: String = client.query_one("SHOW ssl", &[]).unwrap().get(0);
    assert_eq!(
        ssl, "on",
        "TLS is off on the test PostgreSQL: run ./scripts/postgres.sh, which turns it on"
    );
    let chain: String = client.query_one("SHOW ssl_cert_file", &[]).unwrap().get(0);
    Path::new(&chain).with_file_name("ca.pem")
}

/// Sessions of database `name` the server holds over TLS.
fn tls_sessions(server: &str, name: &str) -> i64 {
    let mut client =
        postgres::Client::connect(&format!("{server}/postgres"), postgres::NoTls).unwrap();
    client
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) \
             WHERE datname = $1 AND ssl",
            &[&name],
        )
        .unwrap()
        .get(0)
}

// Shown as ignored in the SQLite run; the PostgreSQL pass of scripts/test-all.sh runs ignored
// tests too, and there a missing server is a failure.
#[test]
#[ignore = "needs the PostgreSQL server named by QIANPI_TEST_POSTGRES"]
fn the_gateway_reaches_postgresql_over_verified_tls_and_refuses_a_server_its_root_does_not_vouch_for(
) {
    let server = std::env::var("QIANPI_TEST_POSTGRES")
        .expect("QIANPI_TEST_POSTGRES names the PostgreSQL server this test connects to");
    let server = server.trim_end_matches('/').to_owned();
    let ca = server_ca(&server);
    let dir = tempfile::tempdir().unwrap();
    let (location, name) = create_postgres_database(&server, "qianpi_test").unwrap();
    let Location::Postgres(url) = location else {
        unreachable!()
    };

    let verified = format!("{url}?sslmode=verify-full&sslrootcert={}", ca.display());
    let made = init(dir.path(), &verified);
    assert!(made.status.success(), "{}", stderr(&made));

    // A gateway holding the pool open: its sessions are TLS sessions.
    let mut child = Command::new(env!("CARGO_BIN_EXE_qianpi-gateway"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &verified,
        ])
        .arg("--statement-key")
        .arg(dir.path().join("statement-key.p8"))
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let sessions = tls_sessions(&server, &name);
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("listening on "), "{line:?}");
    assert!(sessions >= 1, "no TLS session to {name}");

    // Encrypted without a check.
    let required = init(dir.path(), &format!("{url}?sslmode=require"));
    assert!(required.status.success(), "{}", stderr(&required));

    // A root that is not the server's CA.
    let other = tempfile::tempdir().unwrap();
    let stranger =
        qianpi_gateway::tls::init::generate(other.path(), &["localhost".to_owned()], 30, false)
            .unwrap();
    let refused = init(
        dir.path(),
        &format!(
            "{url}?sslmode=verify-full&sslrootcert={}",
            stranger.ca_cert().display()
        ),
    );
    assert!(
        !refused.status.success(),
        "a server the root does not vouch for"
    );
    let message = stderr(&refused);
    assert!(
        message.contains("TLS") && message.contains("certificate"),
        "{message}"
    );
}
