//! The link's connection failures as the shells see them: one variant per thing the user can do
//! about it (fetch the right settings, leave the network, sign in to it, fix the proxy or the
//! clock), so the app can say which.

use super::QianpiError;
use qianpi_core::link::{LinkError, SettingsError};

/// The variant of a link error not mapped before (`reason` is its English sentence).
pub(super) fn from_link(error: LinkError, reason: String) -> QianpiError {
    match error {
        LinkError::UnknownCa(_) => QianpiError::UnknownCa { reason },
        LinkError::PinMismatch => QianpiError::PinMismatch { reason },
        LinkError::CertificateExpired(_) => QianpiError::CertificateExpired { reason },
        LinkError::WrongHost(_) => QianpiError::WrongHost { reason },
        LinkError::Interception(_) => QianpiError::Interception { reason },
        LinkError::CaptivePortal(_) => QianpiError::CaptivePortal { reason },
        LinkError::ProxyRefused(_) => QianpiError::ProxyRefused { reason },
        LinkError::ProxyAuthRequired => QianpiError::ProxyAuthRequired { reason },
        LinkError::ClockSkew { .. } => QianpiError::ClockSkew { reason },
        LinkError::Settings(e) => invalid_settings(&e),
        LinkError::Unreachable(_) => QianpiError::Unreachable { reason },
        LinkError::Refused {
            status,
            code,
            message,
            ..
        } => QianpiError::Refused {
            status,
            code,
            reason: message,
        },
        LinkError::Protocol(_) => QianpiError::UnexpectedAnswer { reason },
        LinkError::InsecureUrl(_) => QianpiError::InvalidInput {
            reason,
            reason_zh: "网关地址须为 https 地址（http 只用于本机的开发网关），请核对后重试。"
                .into(),
        },
        LinkError::Key(_) | LinkError::Crypto(_) => QianpiError::Platform { reason },
    }
}

/// The settings' problem with its code.
pub(crate) fn invalid_settings(error: &SettingsError) -> QianpiError {
    let code = match error {
        SettingsError::NoBackupPin => "no_backup_pin",
        SettingsError::BadPin(_) => "bad_pin",
        SettingsError::PinsWithoutAnchor => "pins_without_anchor",
        SettingsError::BadTrustAnchor(_) => "bad_trust_anchor",
        SettingsError::BadProxy(_) => "bad_proxy",
    };
    QianpiError::InvalidSettings {
        code: code.into(),
        reason: error.to_string(),
    }
}
