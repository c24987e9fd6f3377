//! `qianpi activate --ca --pin` and the global `--proxy` against a demo gateway serving HTTPS
//! under a private CA: one pin is refused for want of a backup, no CA is an unknown CA, the CA
//! with both pins activates and syncs (the trust kept, not given again), and a proxy given on
//! the command line is the way every request goes.

use super::bodies::{qianpi, succeeded, text};
use qianpi_gateway::admin::{demo, issue_activation_code};
use qianpi_gateway::tls::init::generate;
use qianpi_gateway::{open_database, start, GatewayConfig, Location};
use std::net::SocketAddr;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_activates_over_https_with_the_ca_and_pins_and_honours_the_proxy_option() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["localhost".to_owned()];
    let tls = generate(&dir.path().join("tls"), &names, 30, false).unwrap();
    let mut config = GatewayConfig::new(
        Location::Folder(dir.path().join("gateway")),
        SocketAddr::from(([127, 0, 0, 1], 0)),
        true,
    );
    config.tls = Some(tls.files());
    let gateway = start(config.clone()).await.unwrap();
    let db = open_database(&config).await.unwrap();
    let code = issue_activation_code(&db, demo::LEADER, chrono::Utc::now().timestamp())
        .await
        .unwrap();
    let url = format!("https://localhost:{}/", gateway.addr().port());
    let ca = tls.ca_cert();
    let ca = ca.to_str().unwrap();
    let phone = dir.path().join("phone");
    let activate = |extra: Vec<String>| {
        let mut args = vec![
            "activate".to_owned(),
            "--server".to_owned(),
            url.clone(),
            "--login".to_owned(),
            demo::LEADER.to_owned(),
            "--code".to_owned(),
            code.clone(),
        ];
        args.extend(extra);
        args
    };
    let run = |args: Vec<String>| {
        let phone = phone.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            qianpi(&phone, &args).await
        }
    };

    let one_pin = run(activate(vec![
        "--ca".into(),
        ca.into(),
        "--pin".into(),
        tls.server_pin.clone(),
    ]))
    .await;
    assert!(!one_pin.status.success());
    assert!(
        text(&one_pin.stderr).contains("backup pin"),
        "{}",
        text(&one_pin.stderr)
    );

    let no_ca = run(activate(vec![])).await;
    assert!(!no_ca.status.success());
    assert!(
        text(&no_ca.stderr).contains("not issued by this deployment's CA"),
        "{}",
        text(&no_ca.stderr)
    );

    succeeded(
        &run(activate(vec![
            "--ca".into(),
            ca.into(),
            "--pin".into(),
            tls.server_pin.clone(),
            "--pin".into(),
            tls.ca_pin.clone(),
        ]))
        .await,
    );
    let synced = run(vec!["sync".into()]).await;
    succeeded(&synced);
    assert!(
        text(&synced.stdout).contains("pulled 1 changes"),
        "{}",
        text(&synced.stdout)
    );

    // A proxy nobody listens for: the sync goes its way and cannot get through.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let proxied = run(vec![
        "sync".into(),
        "--proxy".into(),
        format!("http://{closed}"),
    ])
    .await;
    assert!(!proxied.status.success());
    assert!(
        text(&proxied.stderr).contains("cannot be reached"),
        "{}",
        text(&proxied.stderr)
    );
    // Its password comes from the environment variable named, which must be set.
    let unset = run(vec![
        "sync".into(),
        "--proxy".into(),
        format!("http://{closed}"),
        "--proxy-user".into(),
        "zhangsan".into(),
        "--proxy-password-env".into(),
        "QIANPI_TEST_UNSET_PROXY_PASSWORD".into(),
    ])
    .await;
    assert!(!unset.status.success());
    assert!(
        text(&unset.stderr).contains("QIANPI_TEST_UNSET_PROXY_PASSWORD"),
        "{}",
        text(&unset.stderr)
    );
    gateway.stop().await.unwrap();
}
