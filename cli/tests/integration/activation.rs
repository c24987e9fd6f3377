//! `qianpi activate --invite` and `qianpi device` against a demo gateway serving HTTPS: the
//! activation QR code's text the gateway makes carries the CA and pins, the terminal binds with
//! it alone and waits for approval showing the words the administrator's listing shows, and
//! `device --check` finds it approved once the administrator has approved it.

use super::bodies::{qianpi, succeeded, text};
use qianpi_gateway::admin::devices::{list_devices, transition, Transition};
use qianpi_gateway::admin::invite::activation_invite;
use qianpi_gateway::admin::{demo, find_identity, issue_code, AdminActor};
use qianpi_gateway::tls::init::generate;
use qianpi_gateway::{open_database, start, GatewayConfig, Location};
use std::net::SocketAddr;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_activates_from_the_invite_and_waits_for_approval() {
    let dir = tempfile::tempdir().unwrap();
    let tls = generate(
        &dir.path().join("tls"),
        &["localhost".to_owned()],
        30,
        false,
    )
    .unwrap();
    let mut config = GatewayConfig::new(
        Location::Folder(dir.path().join("gateway")),
        SocketAddr::from(([127, 0, 0, 1], 0)),
        true,
    );
    config.tls = Some(tls.files());
    let gateway = start(config.clone()).await.unwrap();
    let db = open_database(&config).await.unwrap();
    let admin = AdminActor::cli();
    let user = find_identity(&db, demo::LEADER, None, None).await.unwrap();
    let now = chrono::Utc::now().timestamp();
    let issued = issue_code(&db, &admin, None, &user, true, now)
        .await
        .unwrap();
    let url = format!("https://localhost:{}/", gateway.addr().port());
    let invite = activation_invite(
        &url,
        Some(demo::LEADER),
        &issued.code,
        Some(&tls.files().cert),
    )
    .unwrap();
    let phone = dir.path().join("phone");

    let bad = qianpi(&phone, &["activate", "--invite", "https://example.com/"]).await;
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("二维码"),
        "{}",
        text(&bad.stderr)
    );

    let activated = qianpi(&phone, &["activate", "--invite", &invite]).await;
    succeeded(&activated);
    let out = text(&activated.stdout);
    assert!(out.contains("待管理员批准"), "{out}");
    let listed = list_devices(&db, &admin, "unit-sxnyt").await.unwrap();
    let device = listed.iter().find(|d| d.state == "pending").unwrap();
    let words = device.fingerprint_words.join(" ");
    assert!(out.contains(&words), "{out}");

    let page = qianpi(&phone, &["device", "--check"]).await;
    succeeded(&page);
    let page = text(&page.stdout);
    assert!(
        page.contains(&words) && page.contains("waiting for approval"),
        "{page}"
    );
    let refused = qianpi(&phone, &["sync"]).await;
    assert!(!refused.status.success());
    // The status says it waits for approval, not that the device was revoked.
    let said = format!("{}{}", text(&refused.stdout), text(&refused.stderr));
    assert!(
        said.contains("待管理员批准本机") && !said.contains("停用"),
        "{said}"
    );

    transition(
        &db,
        &admin,
        None,
        &device.id,
        Transition::Approve,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let page = qianpi(&phone, &["device", "--check"]).await;
    succeeded(&page);
    assert!(
        text(&page.stdout).contains("已启用 (active)"),
        "{}",
        text(&page.stdout)
    );
    succeeded(&qianpi(&phone, &["sync"]).await);
    drop(db);
}
