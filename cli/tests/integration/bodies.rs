//! `qianpi body` and `qianpi prefetch` against the demo gateway: the leader's terminal writes his
//! document's PDF body and its attachment to stdout (progress and the checked hash on stderr),
//! says which attachment does not exist, and fetches nothing ahead on a metered network.

use qianpi_core::crypto::sha256_hex;
use qianpi_gateway::admin::{demo, issue_activation_code};
use qianpi_gateway::{open_database, start, GatewayConfig, Location};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `qianpi <args> --data-dir <dir>` with the vault passphrase set, off the async workers
/// (the gateway serves from this process meanwhile).
pub(crate) async fn qianpi(dir: &Path, args: &[&str]) -> Output {
    let (dir, args): (PathBuf, Vec<String>) = (
        dir.to_owned(),
        args.iter().map(|a| (*a).to_owned()).collect(),
    );
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_qianpi"))
            .args(&args)
            .arg("--data-dir")
            .arg(&dir)
            .env("QIANPI_PASSPHRASE", "终端口令 test")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "stdout: {}\nstderr: {}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_writes_the_body_and_an_attachment_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let config = GatewayConfig::new(
        Location::Folder(dir.path().join("gateway")),
        SocketAddr::from(([127, 0, 0, 1], 0)),
        true,
    );
    let gateway = start(config.clone()).await.unwrap();
    let db = open_database(&config).await.unwrap();
    let code = issue_activation_code(&db, demo::LEADER, chrono::Utc::now().timestamp())
        .await
        .unwrap();
    let phone = dir.path().join("phone");
    let url = gateway.url();
    succeeded(
        &qianpi(
            &phone,
            &[
                "activate",
                "--server",
                &url,
                "--login",
                demo::LEADER,
                "--code",
                &code,
            ],
        )
        .await,
    );
    succeeded(&qianpi(&phone, &["sync"]).await);
    let task = format!("{}-t1", demo::INSTANCE);

    let body = qianpi(&phone, &["body", &task]).await;
    succeeded(&body);
    assert!(body.stdout.starts_with(b"%PDF-"), "{}", text(&body.stdout));
    let stderr = text(&body.stderr);
    assert!(stderr.contains("下载"), "{stderr}");
    assert!(
        stderr.contains(&format!("SHA-256 {} 核验通过", sha256_hex(&body.stdout))),
        "{stderr}"
    );

    let attachment = qianpi(&phone, &["body", &task, "--attachment", "1"]).await;
    succeeded(&attachment);
    assert!(attachment.stdout.starts_with(b"%PDF-"));
    assert_ne!(attachment.stdout, body.stdout);

    let missing = qianpi(&phone, &["body", &task, "--attachment", "2"]).await;
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("没有附件 2"),
        "{}",
        text(&missing.stderr)
    );
    assert!(missing.stdout.is_empty());

    // Reading it at the terminal counts as opening it on this phone.
    let shown = qianpi(&phone, &["show", &task]).await;
    succeeded(&shown);
    assert!(
        text(&shown.stdout).contains("已在本机打开"),
        "{}",
        text(&shown.stdout)
    );

    let metered = qianpi(&phone, &["prefetch", "--metered"]).await;
    succeeded(&metered);
    assert!(
        text(&metered.stdout).contains("按流量计费"),
        "{}",
        text(&metered.stdout)
    );
    let wifi = qianpi(&phone, &["prefetch"]).await;
    succeeded(&wifi);
    assert!(
        text(&wifi.stdout).contains("2 个已在本机"),
        "{}",
        text(&wifi.stdout)
    );
    gateway.stop().await.unwrap();
}
