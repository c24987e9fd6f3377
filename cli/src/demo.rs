//! The end-to-end demo, the README's main job: a gateway on loopback with a fresh data folder,
//! serving HTTPS under a private CA made for it (as `qianpi-gateway tls init` makes one), a
//! leader's phone activated with a one-time code, that CA and its pins, the document's body downloaded and read, the
//! gateway taken away, an instruction (批示) approved offline, the gateway brought back on the
//! same address, and the verdict synced.
//! Every step is real: the same core, store, signatures and gateway the phones use.

use crate::phone::{inbox_line, open_with, verdict_line};
use chrono::{DateTime, Local, Utc};
use qianpi_core::link::Trust;
use qianpi_core::model::Attitude;
use qianpi_core::ClientError;
use qianpi_gateway::admin::{demo, describe_instance, issue_activation_code};
use qianpi_gateway::tls::init::generate;
use qianpi_gateway::{open_database, start, GatewayConfig, Location, RunningGateway};
use std::net::SocketAddr;

const OPINION: &str =
    "同意。请厅办公室牵头，会同种植业处于3月10日前拿出春耕备耕工作方案，确保农资供应不断档。";

fn step(actor: &str, text: impl AsRef<str>) {
    println!("[{actor:<7}] {}", text.as_ref());
}

fn local(t: &DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

async fn start_gateway(config: &GatewayConfig) -> Result<RunningGateway, String> {
    start(config.clone()).await.map_err(|e| e.to_string())
}

/// Runs the demo and prints its transcript.
pub async fn run() -> Result<(), String> {
    let gateway_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let phone_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    println!("签批 Qianpi — one approval, decided offline, end to end\n");

    let mut config = GatewayConfig::new(
        Location::Folder(gateway_dir.path().join("gateway")),
        SocketAddr::from(([127, 0, 0, 1], 0)),
        true,
    );
    // The bureau has no CA of its own: the gateway makes one, and a server certificate for the
    // names phones use to reach it. The phone is given the CA and both pins, never the system's
    // trust store.
    let names = ["localhost".to_owned(), "127.0.0.1".to_owned()];
    let tls =
        generate(&gateway_dir.path().join("tls"), &names, 30, false).map_err(|e| e.to_string())?;
    config.tls = Some(tls.files());
    let gateway = start_gateway(&config).await?;
    // Come back on the same port later, as a real gateway would after an outage.
    config.listen = gateway.addr();
    let url = gateway.url();
    step(
        "gateway",
        format!("listening on {url} with a new SQLite database"),
    );
    step(
        "gateway",
        format!(
            "HTTPS under its own private CA; pins for the phones: {} (server key), {} (CA key, the backup)",
            tls.server_pin, tls.ca_pin
        ),
    );
    step(
        "gateway",
        "seeded 山西省农业厅办公室: 王建国 (厅长), 李晓梅 (秘书科科员), 赵文 (办公室主任)",
    );
    let db = open_database(&config).await.map_err(|e| e.to_string())?;
    let code = issue_activation_code(&db, demo::LEADER, Utc::now().timestamp())
        .await
        .map_err(|e| e.message)?;
    step(
        "admin",
        format!(
            "issued a one-time activation code for {} ({} characters, valid 24 h)",
            demo::LEADER,
            code.len()
        ),
    );

    let phone = open_with(
        &phone_dir.path().join("phone"),
        "demo passphrase — software vault",
    )
    .map_err(|e| e.to_string())?;
    step(
        "phone",
        "opened the encrypted store (SQLCipher, data key wrapped by the software key vault)",
    );
    let trust = Trust::new(&tls.ca_pem, &tls.pins()).map_err(|e| e.to_string())?;
    let account = phone
        .activate_with(
            &url,
            &trust,
            demo::LEADER,
            &code,
            "demo terminal",
            "terminal",
        )
        .await
        .map_err(|e| e.to_string())?;
    step(
        "phone",
        format!(
            "activated over HTTPS (CA and pin checked): {} · {} · {} (device {})",
            account.identity.name, account.identity.post, account.unit_name, account.device_id
        ),
    );
    let report = phone.sync().await.map_err(|e| e.to_string())?;
    step(
        "phone",
        format!(
            "synced: {} change(s) pulled with signed requests",
            report.pulled
        ),
    );
    let inbox = phone.inbox().map_err(|e| e.to_string())?;
    step("phone", format!("待办 ({}):", inbox.len()));
    for item in &inbox {
        println!("          {}", inbox_line(item));
    }
    let task = inbox
        .iter()
        .find(|i| i.can_approve)
        .ok_or("the leader has nothing to approve")?
        .clone();
    // He reads the body before deciding: downloaded into the vault, read back through the stream.
    let detail = phone
        .document_detail(&task.task_id)
        .map_err(|e| e.to_string())?;
    let body = detail
        .bodies
        .iter()
        .find(|b| b.current)
        .ok_or("the demo document has no body")?;
    let size = phone
        .download(&body.view_sha256)
        .await
        .map_err(|e| e.to_string())?;
    let mut stream = phone
        .open_file(&body.view_sha256)
        .map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    loop {
        let piece = stream.read(64 * 1024).map_err(|e| e.to_string())?;
        if piece.is_empty() {
            break;
        }
        head.extend(piece.into_iter().take(8usize.saturating_sub(head.len())));
    }
    step(
        "phone",
        format!(
            "downloaded and read the body ({}, {size} bytes, starts {:?}), kept encrypted; its SHA-256 checks",
            body.view_media_type,
            String::from_utf8_lossy(&head)
        ),
    );

    gateway.stop().await.map_err(|e| e.to_string())?;
    step("network", "gateway stopped: the leader is on a plane");
    match phone.sync().await {
        Err(ClientError::Link(e)) => step("phone", format!("sync failed as expected: {e}")),
        Err(e) => return Err(e.to_string()),
        Ok(_) => return Err("the sync should have failed while the gateway is down".into()),
    }
    let queued = phone
        .approve(&task.task_id, Attitude::Agree, OPINION)
        .map_err(|e| e.to_string())?;
    step(
        "phone",
        format!(
            "批示 by {} at {}: “{OPINION}”",
            account.identity.name,
            local(&queued.created_at)
        ),
    );
    step(
        "phone",
        format!(
            "approved {} — signed with the approval key, queued as command {} (outbox: {})",
            if queued.decided_offline {
                "OFFLINE"
            } else {
                "online"
            },
            queued.command_id,
            phone.outbox().map_err(|e| e.to_string())?.len()
        ),
    );
    for item in phone.inbox().map_err(|e| e.to_string())? {
        println!("          {}", inbox_line(&item));
    }

    let gateway = start_gateway(&config).await?;
    step("network", format!("gateway back on {}", gateway.url()));
    let report = phone.sync().await.map_err(|e| e.to_string())?;
    step(
        "phone",
        format!(
            "synced: pushed {}, accepted {}, refused {}, pulled {}; outbox now {}",
            report.pushed, report.accepted, report.refused, report.pulled, report.outbox_remaining
        ),
    );
    let verdicts = phone.verdicts().map_err(|e| e.to_string())?;
    let verdict = verdicts
        .iter()
        .find(|v| v.verdict.command_id == queued.command_id)
        .ok_or("no verdict arrived for the approval")?;
    step("phone", format!("verdict: {}", verdict_line(verdict)));
    // The phone kept the verdict only after checking the gateway's receipt; show it again here.
    let key = account
        .gateway_key
        .as_ref()
        .ok_or("the phone holds no gateway key")?;
    let receipt = verdict
        .verdict
        .receipt
        .as_ref()
        .ok_or("the verdict came without a receipt")?
        .verify(key)
        .map_err(|e| format!("the receipt does not verify: {e}"))?;
    step(
        "phone",
        format!(
            "the gateway's signed receipt verifies under {} (learned at activation): command {}, {}",
            key.key_id,
            receipt.command_id,
            if receipt.accepted { "accepted" } else { "refused" }
        ),
    );
    if let Some(decided) = verdict.decided_locally_at {
        step(
            "phone",
            format!(
                "decided offline at {} by {}; accepted by the gateway at {}",
                local(&decided),
                account.identity.name,
                local(&verdict.verdict.decided_at)
            ),
        );
    }
    let summary = describe_instance(&db, demo::INSTANCE)
        .await
        .map_err(|e| e.message)?
        .ok_or("the demo instance is gone")?;
    step(
        "gateway",
        format!(
            "instance {}: version {}, {} ({:?}), now at {} with {}; {} trace record(s)",
            demo::INSTANCE,
            summary.version,
            summary.state.label_zh(),
            summary.state,
            summary.current_node.as_deref().unwrap_or("—"),
            summary.pending_with.join("、"),
            summary.trace_records
        ),
    );
    gateway.stop().await.map_err(|e| e.to_string())?;
    if !verdict.verdict.outcome.is_accepted() {
        return Err("the offline approval was refused".into());
    }
    println!(
        "\nThe approval made while the gateway was unreachable was accepted after reconnecting."
    );
    Ok(())
}
