//! `qianpi status`: the line a phone's status bar would show — idle, syncing, offline or blocked
//! (and why), when the phone last synced (local time), what waits and what the gateway refused.
//! `qianpi sync` prints it after its report.

use crate::phone::open;
use chrono::{DateTime, Local, Utc};
use qianpi_core::client::SyncStatus;
use qianpi_core::engine::{BlockedKind, SyncState};
use std::path::Path;

/// Prints the status line of the phone in `data_dir`.
pub fn status(data_dir: &Path) -> Result<(), String> {
    let client = open(data_dir)?;
    let status = client.sync_status().map_err(|e| e.to_string())?;
    println!("{}", status_line(&status));
    Ok(())
}

/// The status as one line.
pub fn status_line(status: &SyncStatus) -> String {
    let state = match status.state {
        SyncState::Idle => "空闲 (idle)".to_owned(),
        SyncState::Syncing(p) => format!(
            "同步中 (syncing): {} 页 pages, {} 条 items, {} KB",
            p.pages,
            p.items,
            p.bytes.div_ceil(1024)
        ),
        SyncState::Offline => "离线 (offline)".to_owned(),
        SyncState::Blocked(kind) => format!("受阻 (blocked): {}", blocked(kind)),
    };
    let last = status
        .last_success
        .map_or_else(|| "从未 (never)".to_owned(), when);
    let mut line = format!(
        "{state} · 上次同步 last sync {last} · 待发送 waiting {} · 被退回 refused {}",
        status.outbox, status.refused
    );
    if let Some(next) = status.next_attempt {
        line.push_str(&format!(" · 下次尝试 next try {}", when(next)));
    }
    line
}

/// Why the phone cannot sync, in words a person can act on.
fn blocked(kind: BlockedKind) -> &'static str {
    match kind {
        BlockedKind::Unreachable => "连不上网关 (the gateway cannot be reached)",
        BlockedKind::CaptivePortal => "请先登录当前网络 (sign in to this network first)",
        BlockedKind::TlsIntercepted => {
            "网络在拦截安全连接 (this network intercepts secure connections)"
        }
        BlockedKind::TlsUntrusted => "网关证书不受信任 (the gateway's certificate is not trusted)",
        BlockedKind::Proxy => "代理拒绝连接 (the proxy refused the connection)",
        BlockedKind::Clock => "手机时间不准 (set this phone's clock)",
        BlockedKind::DeviceRevoked => "本机已被停用 (this device was revoked)",
        BlockedKind::DevicePending => {
            "待管理员批准本机 (waiting for the administrator's approval: `qianpi device --check`)"
        }
        BlockedKind::ServerError => "网关出错 (the gateway answers with errors)",
    }
}

fn when(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use qianpi_core::engine::Progress;

    fn status(state: SyncState) -> SyncStatus {
        SyncStatus {
            state,
            last_success: None,
            next_attempt: None,
            outbox: 2,
            refused: 1,
        }
    }

    #[test]
    fn the_line_says_the_state_the_counts_and_the_last_sync_in_local_time() {
        let mut idle = status(SyncState::Idle);
        assert_eq!(
            status_line(&idle),
            "空闲 (idle) · 上次同步 last sync 从未 (never) · 待发送 waiting 2 · 被退回 refused 1"
        );
        let at = DateTime::parse_from_rfc3339("2026-12-06T14:05:09Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        idle.last_success = Some(at);
        let local = at.with_timezone(&Local).format("%H:%M:%S").to_string();
        assert!(
            status_line(&idle).contains(&local),
            "{}",
            status_line(&idle)
        );
        let syncing = status(SyncState::Syncing(Progress {
            pages: 3,
            items: 120,
            bytes: 4097,
        }));
        assert!(
            status_line(&syncing).starts_with("同步中 (syncing): 3 页 pages, 120 条 items, 5 KB")
        );
        let portal = status(SyncState::Blocked(BlockedKind::CaptivePortal));
        assert!(status_line(&portal).contains("请先登录当前网络"));
    }
}
