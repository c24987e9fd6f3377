//! The terminal as a phone: opens the core with the software key vault and prints what a phone
//! screen would show. Shared by the subcommands and the demo.

use qianpi_core::client::{Client, InboxItem};
use qianpi_core::link::Trust;
use qianpi_core::model::{Attitude, Opinion};
use qianpi_core::protocol::VerdictOutcome;
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::store::{LocalTaskState, VerdictRow};
use qianpi_core::workflow::Command;
use std::path::Path;
use std::sync::Arc;

/// Environment variable holding the vault passphrase.
pub const PASSPHRASE_ENV: &str = "QIANPI_PASSPHRASE";

/// Opens the phone core in `data_dir` with the software vault in `data_dir/vault`.
pub fn open_with(data_dir: &Path, passphrase: &str) -> Result<Client, String> {
    let vault = Arc::new(
        SoftwareKeyVault::open(&data_dir.join("vault"), passphrase).map_err(|e| e.to_string())?,
    );
    let client = Client::open(data_dir, vault.clone(), vault).map_err(|e| e.to_string())?;
    client.set_proxy(crate::connection::proxy());
    Ok(client)
}

/// Opens the phone core in `data_dir` with the passphrase from the environment.
pub fn open(data_dir: &Path) -> Result<Client, String> {
    let passphrase = std::env::var(PASSPHRASE_ENV).map_err(|_| {
        format!("set {PASSPHRASE_ENV} to the passphrase that protects this terminal's keys")
    })?;
    open_with(data_dir, &passphrase)
}

/// Binds this terminal; the gateway is checked against `trust` (kept with the account).
pub async fn activate(
    data_dir: &Path,
    server: &str,
    trust: &Trust,
    login: &str,
    code: &str,
) -> Result<(), String> {
    let client = open(data_dir)?;
    client
        .activate_with(server, trust, login, code, "terminal", "terminal")
        .await
        .map_err(|e| e.to_string())?;
    crate::activation::print_activated(&client)
}

pub fn inbox(data_dir: &Path) -> Result<(), String> {
    let client = open(data_dir)?;
    let items = client.inbox().map_err(|e| e.to_string())?;
    if items.is_empty() {
        println!("(the inbox is empty — run `qianpi sync`)");
    }
    for item in &items {
        println!("{}", inbox_line(item));
    }
    Ok(())
}

pub fn approve(
    data_dir: &Path,
    task: &str,
    opinion: &str,
    disagree: bool,
    route: Option<String>,
) -> Result<(), String> {
    let client = open(data_dir)?;
    let attitude = if disagree {
        Attitude::Disagree
    } else {
        Attitude::Agree
    };
    let queued = client
        .act(Command::Approve {
            task_id: task.to_owned(),
            route,
            opinion: Opinion::new(attitude, opinion),
        })
        .map_err(|e| e.to_string())?;
    println!(
        "queued {} for task {} — run `qianpi sync` to deliver it",
        queued.command_id, queued.task_id
    );
    Ok(())
}

pub async fn sync(data_dir: &Path) -> Result<(), String> {
    let client = open(data_dir)?;
    let result = client.sync().await;
    // The status line either way: offline or blocked says why a sync failed.
    let status = client.sync_status().map(|s| crate::status::status_line(&s));
    let report = result.map_err(|e| match &status {
        Ok(line) => format!("{e}\n{line}"),
        Err(_) => e.to_string(),
    })?;
    println!(
        "pushed {}, accepted {}, refused {}, pulled {} changes; {} waiting; 回执 sent {}, refused {}",
        report.pushed,
        report.accepted,
        report.refused,
        report.pulled,
        report.outbox_remaining,
        report.receipts_sent,
        report.receipts_refused
    );
    if let Ok(line) = status {
        println!("{line}");
    }
    Ok(())
}

pub fn verdicts(data_dir: &Path) -> Result<(), String> {
    let client = open(data_dir)?;
    for row in client.verdicts().map_err(|e| e.to_string())? {
        println!("{}", verdict_line(&row));
    }
    Ok(())
}

/// One inbox row as a list shows it.
pub fn inbox_line(item: &InboxItem) -> String {
    let status = match item.state {
        LocalTaskState::Pending => "待办",
        LocalTaskState::Queued => "待同步",
        LocalTaskState::Waiting => "等待他人",
        LocalTaskState::Done => "已办",
    };
    let mut line = format!(
        "[{status}] [{}] {}  {}  {} · {}  (task {})",
        item.urgency.label_zh(),
        item.title,
        item.document_number,
        item.kind.label_zh(),
        item.node_name,
        item.task_id
    );
    // Several ways on: the person must pick one with --route.
    if item.routes.len() > 1 {
        let choices: Vec<String> = item
            .routes
            .iter()
            .map(|r| format!("{}={}", r.id, r.label))
            .collect();
        line.push_str(&format!("  routes: {}", choices.join(", ")));
    }
    // A finished row may still allow something (撤回 until the next handler acts, 催办).
    if item.state == LocalTaskState::Done {
        let allowed = crate::actions::allowed(&item.controls);
        if !allowed.is_empty() {
            line.push_str(&format!("  可以：{}", allowed.join("、")));
        }
    }
    line
}

/// One verdict as the phone shows it.
pub fn verdict_line(row: &VerdictRow) -> String {
    let offline = if row.decided_offline {
        ", decided offline"
    } else {
        ""
    };
    match &row.verdict.outcome {
        VerdictOutcome::Accepted { instance_version, current_node_name, .. } => format!(
            "ACCEPTED task {} (command {}{offline}): the flow is at version {instance_version}, now at {}",
            row.verdict.task_id,
            row.verdict.command_id,
            current_node_name.as_deref().unwrap_or("its end")
        ),
        VerdictOutcome::Refused { code, message_zh, message_en, .. } => format!(
            "REFUSED task {} (command {}{offline}): {message_zh} / {message_en} [{code}]",
            row.verdict.task_id, row.verdict.command_id
        ),
    }
}
