//! Activation at the terminal beyond the bare code: binding from the activation QR code's text
//! (`qianpi activate --invite 'qianpi://activate?…'`), and `qianpi device`, the device page —
//! its binding, whether it still waits for the administrator's approval (asked of the gateway
//! with `--check`), and the fingerprint words the administrator sees beside it.

use qianpi_core::client::{fingerprint_words, Client};
use qianpi_core::link::Trust;
use qianpi_core::protocol::invite::Invite;
use qianpi_core::store::{Account, Binding};
use std::path::Path;

/// Binds this terminal with what an activation QR code says; `login` when the code names none.
pub async fn activate_invite(
    data_dir: &Path,
    text: &str,
    login: Option<&str>,
) -> Result<(), String> {
    let invite = Invite::parse(text).map_err(|e| format!("{} ({e})", e.message_zh()))?;
    let trust =
        Trust::new(&invite.anchors_pem(), &invite.pin_strings()).map_err(|e| e.to_string())?;
    let login = invite
        .login
        .as_deref()
        .or(login)
        .ok_or("this activation code names no login: add --login")?;
    let client = crate::phone::open(data_dir)?;
    client
        .activate_with(
            &invite.server_url,
            &trust,
            login,
            &invite.code,
            "terminal",
            "terminal",
        )
        .await
        .map_err(|e| e.to_string())?;
    print_activated(&client)
}

/// What `activate` prints: who, the device, the words, and whether it waits for approval.
pub fn print_activated(client: &Client) -> Result<(), String> {
    let (account, binding) = activation(client)?;
    println!(
        "activated: {} · {} · {} (device {})",
        account.identity.name, account.identity.post, account.unit_name, account.device_id
    );
    print_words(&account);
    if binding.pending_approval {
        println!("待管理员批准 — waiting for the administrator's approval: read them the words above, then run `qianpi device --check`");
    }
    Ok(())
}

/// The device page; with `check`, asks the gateway whether the administrator approved first.
pub async fn device(data_dir: &Path, check: bool) -> Result<(), String> {
    let client = crate::phone::open(data_dir)?;
    if check {
        client.check_activation().await.map_err(|e| e.to_string())?;
    }
    let info = client
        .device_info()
        .map_err(|e| e.to_string())?
        .ok_or("this terminal is not activated: run `qianpi activate`")?;
    let unknown = || "(unknown)".to_owned();
    println!("device:     {}", info.account.device_id);
    println!(
        "name:       {} ({})",
        info.binding.device_name.unwrap_or_else(unknown),
        info.binding.platform.unwrap_or_else(unknown)
    );
    println!(
        "assurance:  {}",
        info.binding.assurance.unwrap_or_else(unknown)
    );
    println!(
        "bound:      {}",
        info.binding
            .activated_at
            .map(|t| t
                .with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string())
            .unwrap_or_else(unknown)
    );
    println!("gateway:    {}", info.account.server_url);
    println!(
        "keys:       {} {}",
        info.account.request_key_id, info.account.approval_key_id
    );
    println!(
        "指纹词:     {}  ({})",
        info.fingerprint_words.join(" "),
        info.fingerprint_digits
    );
    println!(
        "state:      {}",
        if info.binding.pending_approval {
            "待管理员批准 (waiting for approval)"
        } else {
            "已启用 (active)"
        }
    );
    println!(
        "lock after: {} s without use",
        client.inactivity_lock().as_secs()
    );
    Ok(())
}

fn activation(client: &Client) -> Result<(Account, Binding), String> {
    client
        .activation()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the activation was not stored".to_owned())
}

fn print_words(account: &Account) {
    println!(
        "指纹词 (fingerprint words, as the administrator sees them): {}",
        fingerprint_words(account).join(" ")
    );
}
