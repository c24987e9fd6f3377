//! What a shell shows for an error: a sentence in Chinese and one in English for every kind, so
//! an app never has to show a code or word one of its own. The English sentence carries the
//! detail the core gave (`reason`); the Chinese one says what happened and what to do, with the
//! workflow's or the gateway's own Chinese reason where there is one.

use super::QianpiError;

#[uniffi::export]
impl QianpiError {
    /// The message for people, in Chinese: what happened and what to do.
    pub fn message_zh(&self) -> String {
        match self {
            QianpiError::NotActivated { .. } => "本机尚未激活，请用管理员提供的激活码激活。".into(),
            QianpiError::WrongKey { .. } => {
                "本机数据无法用当前密钥打开，请联系管理员重新激活本机。".into()
            }
            QianpiError::Locked { .. } => "数据已锁定，请验证身份后解锁。".into(),
            QianpiError::Unreachable { .. } => {
                "暂时无法连接网关，已做的操作保存在本机，联网后自动发送。".into()
            }
            QianpiError::Refused { status, code, .. } => {
                format!("网关拒绝了请求（{status} {code}），请稍后重试或联系管理员。")
            }
            QianpiError::NotAllowed { reason_zh, .. } => reason_zh.clone(),
            QianpiError::BodyNotOpened { reason_zh, .. } => reason_zh.clone(),
            QianpiError::InvalidSearch { reason_zh, .. } => reason_zh.clone(),
            QianpiError::ReplyNotAllowed { code, .. } => match code.as_str() {
                "after_deadline" => "回执已过截止时间，不能再提交。".into(),
                "choice_required" => "请先选择回执选项。".into(),
                "unknown_choice" => "所选回执选项不在通知的选项中。".into(),
                "note_required" => "此回执须填写说明。".into(),
                "note_not_allowed" => "此回执不能填写说明。".into(),
                "receipt_not_required" => "此通知不需要回执。".into(),
                _ => "回执不符合通知的要求，未保存。".into(),
            },
            QianpiError::ReAuthenticate { .. } => {
                "本机的绑定早于网关签名，无法核验网关的答复，请重新激活本机。".into()
            }
            QianpiError::Tampered { .. } => {
                "数据校验未通过（可能被篡改），未显示也未保存，请重新同步并报告管理员。".into()
            }
            QianpiError::ReadOnly { .. } => {
                "离线时间超过单位规定，现在只能阅读，联网同步后才能审批。".into()
            }
            QianpiError::Wiped { .. } => "本机数据已按规定清除，请重新激活。".into(),
            QianpiError::Platform { .. } => "系统密钥服务出错（指纹或锁屏验证未完成），请重试。".into(),
            QianpiError::Storage { .. } => "本机存储出错，数据未改动，请重试。".into(),
            QianpiError::UnexpectedAnswer { .. } => {
                "收到的不是网关的答复（可能需要登录当前网络或代理），已收到的内容不保留，请换个网络重试。"
                    .into()
            }
            QianpiError::UnknownCa { .. } => {
                "网关证书不是本单位证书机构签发的，未建立连接。请重新扫描管理员提供的激活二维码，或联系管理员核对证书。"
                    .into()
            }
            QianpiError::PinMismatch { .. } => {
                "网关证书与本单位登记的证书指纹不符，未建立连接。请联系管理员。".into()
            }
            QianpiError::CertificateExpired { .. } => {
                "网关证书已过期（或尚未生效），未建立连接。请联系管理员更新证书。".into()
            }
            QianpiError::WrongHost { .. } => {
                "网关证书与所连接的地址不符，未建立连接。请核对网关地址或联系管理员。".into()
            }
            QianpiError::Interception { .. } => {
                "当前网络正在拦截安全连接（代理或网络设备出示了其他机构的证书），未发送任何内容。请换用其他网络或单位VPN，并报告管理员。"
                    .into()
            }
            QianpiError::CaptivePortal { .. } => {
                "当前网络要求先登录（如酒店或访客Wi-Fi），请在浏览器中完成登录后重试。".into()
            }
            QianpiError::ProxyRefused { .. } => {
                "代理服务器拒绝连接网关，请检查代理设置或换用其他网络。".into()
            }
            QianpiError::ProxyAuthRequired { .. } => {
                "代理服务器要求用户名和密码，或拒绝了所填写的用户名和密码，请检查代理设置。".into()
            }
            QianpiError::ClockSkew { .. } => {
                "本机时间与网关时间相差过大，无法安全连接。请将手机时间设为自动获取后重试。".into()
            }
            QianpiError::InvalidSettings { code, .. } => match code.as_str() {
                "no_backup_pin" => "连接设置只有一个证书指纹，须同时提供备用指纹，请联系管理员。".into(),
                "bad_pin" => "连接设置中的证书指纹格式有误，请重新扫描激活二维码。".into(),
                "pins_without_anchor" => "连接设置有证书指纹但缺少单位证书，请重新扫描激活二维码。".into(),
                "bad_trust_anchor" => "连接设置中的单位证书无法读取，请重新扫描激活二维码。".into(),
                "bad_proxy" => "代理地址有误，须为 http:// 或 https:// 开头的地址。".into(),
                _ => "连接设置有误，请核对后重试。".into(),
            },
            QianpiError::Busy { .. } => "同一项工作正在进行，请稍候。".into(),
            QianpiError::InvalidInput { reason_zh, .. } => reason_zh.clone(),
            QianpiError::AttestationFailed { code, .. } => match code.as_str() {
                "no_challenge" => "网关不支持设备认证，无法完成激活，请联系管理员升级网关。".into(),
                "bad_challenge" => "网关的设备认证请求有误，未激活，请稍后重试或联系管理员。".into(),
                _ => "本机系统未能完成设备认证，未激活，请重试。".into(),
            },
            QianpiError::Internal { .. } => "程序内部出错，请重试并报告管理员。".into(),
        }
    }

    /// The message for people, in English, with the detail the core gave.
    pub fn message_en(&self) -> String {
        match self {
            QianpiError::NotAllowed { reason_en, .. }
            | QianpiError::InvalidSearch { reason_en, .. }
            | QianpiError::BodyNotOpened { reason_en, .. } => reason_en.clone(),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_speaks_chinese_and_english() {
        let cases = [
            QianpiError::Locked {
                reason: "the data is locked".into(),
            },
            QianpiError::Unreachable {
                reason: "connection refused".into(),
            },
            QianpiError::NotAllowed {
                code: "stale_version".into(),
                reason_zh: "文件已被他人处理".into(),
                reason_en: "someone else acted first".into(),
                current_version: 3,
            },
            QianpiError::ReplyNotAllowed {
                code: "note_required".into(),
                reason: "a note is required".into(),
            },
            QianpiError::Interception {
                reason: "another CA".into(),
            },
            QianpiError::InvalidSettings {
                code: "no_backup_pin".into(),
                reason: "one pin".into(),
            },
        ];
        for error in cases {
            let zh = error.message_zh();
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(!error.message_en().is_empty());
        }
        let stale = QianpiError::NotAllowed {
            code: "stale_version".into(),
            reason_zh: "文件已被他人处理".into(),
            reason_en: "someone else acted first".into(),
            current_version: 3,
        };
        assert_eq!(stale.message_zh(), "文件已被他人处理");
        assert_eq!(stale.message_en(), "someone else acted first");
    }
}
