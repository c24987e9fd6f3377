//! The one error type the shells see, and how every error of the core maps onto it: each kind a
//! shell must react to differently (activate again, warn of tampering, offer only reading, start
//! afresh, show a refused reply) has its own variant; `reason` is always a sentence for people.

mod connection;
mod messages;

pub(crate) use connection::invalid_settings;

use qianpi_core::client::{BlobError, ClientError, NoticeError};
use qianpi_core::files::FileError;
use qianpi_core::keys::KeyError;
use qianpi_core::link::LinkError;
use qianpi_core::store::StoreError;

/// The one error type the shells see. Each variant says what happened; `reason` is for people.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum QianpiError {
    /// The device is not activated yet.
    #[error("not activated: {reason}")]
    NotActivated {
        /// What to do.
        reason: String,
    },
    /// The local store cannot be opened with the key the keystore returned.
    #[error("wrong key: {reason}")]
    WrongKey {
        /// What to do.
        reason: String,
    },
    /// The data is locked (on request or after inactivity): unlock to go on.
    #[error("locked: {reason}")]
    Locked {
        /// What to do.
        reason: String,
    },
    /// The gateway cannot be reached; nothing was lost, try again later.
    #[error("gateway unreachable: {reason}")]
    Unreachable {
        /// Why.
        reason: String,
    },
    /// The gateway refused the request.
    #[error("gateway refused ({status} {code}): {reason}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable code.
        code: String,
        /// The gateway's message.
        reason: String,
    },
    /// The workflow does not allow the action.
    #[error("not allowed ({code}): {reason_en}")]
    NotAllowed {
        /// Stable code.
        code: String,
        /// Reason in Chinese.
        reason_zh: String,
        /// Reason in English.
        reason_en: String,
        /// The instance version the decision saw.
        current_version: u64,
    },
    /// 回执 — the reply breaks the notice's receipt rules (deadline, choice, note); nothing was
    /// kept.
    #[error("reply not accepted ({code}): {reason}")]
    ReplyNotAllowed {
        /// Stable code: `after_deadline`, `choice_required`, `unknown_choice`, `note_required`,
        /// `note_not_allowed`, `receipt_not_required`.
        code: String,
        /// Why.
        reason: String,
    },
    /// The device was bound before the gateway signed its answers: nothing it states can be
    /// checked. Activate it again.
    #[error("activate again: {reason}")]
    ReAuthenticate {
        /// What to do.
        reason: String,
    },
    /// Something signed or hashed does not verify: a notice altered on the phone, a gateway
    /// answer that does not check out, a file that is not the one asked for. Nothing of it is
    /// shown or kept.
    #[error("does not verify: {reason}")]
    Tampered {
        /// What failed.
        reason: String,
    },
    /// The phone has been offline longer than the policy allows: it may read, not decide, until
    /// it syncs.
    #[error("read-only: {reason}")]
    ReadOnly {
        /// When the last checkpoint was issued.
        since: std::time::SystemTime,
        /// What to do.
        reason: String,
    },
    /// The phone erased its data (ordered by the gateway, or offline too long): activate again.
    #[error("wiped: {reason}")]
    Wiped {
        /// Why.
        reason: String,
    },
    /// A platform key service (keystore or signer) failed.
    #[error("key service failed: {reason}")]
    Platform {
        /// What the platform said.
        reason: String,
    },
    /// The local store failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// Why.
        reason: String,
    },
    /// Something on the way answered instead of the gateway (a captive portal, a proxy): the
    /// shell says so and tries again later, on another network.
    #[error("unexpected answer: {reason}")]
    UnexpectedAnswer {
        /// What arrived.
        reason: String,
    },
    /// The gateway's certificate is not from the deployment's CA (before activation, without a
    /// proxy): the CA certificate in the connection settings is wrong or missing. Scan the
    /// activation QR code again or ask the administrator.
    #[error("unknown certificate authority: {reason}")]
    UnknownCa {
        /// What failed.
        reason: String,
    },
    /// The gateway's certificate chain is valid but matches none of the deployment's pins.
    #[error("certificate pin mismatch: {reason}")]
    PinMismatch {
        /// What failed.
        reason: String,
    },
    /// The gateway's certificate has expired (or is not valid yet): the administrator renews it.
    #[error("certificate expired: {reason}")]
    CertificateExpired {
        /// What failed.
        reason: String,
    },
    /// The gateway's certificate is for another name than the address used.
    #[error("certificate for another name: {reason}")]
    WrongHost {
        /// What failed.
        reason: String,
    },
    /// Something on the way (a proxy, the network) presents its own certificate: secure
    /// connections are being intercepted. Nothing was sent; use another network.
    #[error("connection intercepted: {reason}")]
    Interception {
        /// What failed.
        reason: String,
    },
    /// A captive portal (guest Wi-Fi sign-in) or web filter answered instead of the gateway:
    /// sign in to the network (in a browser), then try again.
    #[error("captive portal: {reason}")]
    CaptivePortal {
        /// What arrived.
        reason: String,
    },
    /// The proxy refused to connect to the gateway.
    #[error("proxy refused: {reason}")]
    ProxyRefused {
        /// What the proxy did.
        reason: String,
    },
    /// The proxy wants a user name and password, and refused those given (if any).
    #[error("proxy credentials refused: {reason}")]
    ProxyAuthRequired {
        /// What the proxy did.
        reason: String,
    },
    /// The phone's clock is too far from the gateway's: set the time (automatic) and retry.
    #[error("clock off: {reason}")]
    ClockSkew {
        /// What failed.
        reason: String,
    },
    /// The connection settings (CA certificate, pins, proxy address) are not usable: one pin
    /// only (a backup pin is required), a malformed pin or certificate, a bad proxy address.
    #[error("connection settings not usable: {reason}")]
    InvalidSettings {
        /// Which problem: `no_backup_pin`, `bad_pin`, `pins_without_anchor`,
        /// `bad_trust_anchor`, `bad_proxy`.
        code: String,
        /// What is wrong.
        reason: String,
    },
    /// The same work is already under way (a file being downloaded): wait for it.
    #[error("busy: {reason}")]
    Busy {
        /// What is under way.
        reason: String,
    },
    /// 全文检索 — the query cannot be searched: nothing to look for, or too long.
    #[error("search not possible: {reason_en}")]
    InvalidSearch {
        /// Which problem.
        problem: crate::search::SearchProblem,
        /// Reason in Chinese.
        reason_zh: String,
        /// Reason in English.
        reason_en: String,
    },
    /// 未阅正文 — the unit requires the body to be opened on this phone before it is approved,
    /// and it was not: nothing was signed or queued. Open it (`read_file` or `open_file`) first.
    #[error("body not opened: {reason_en}")]
    BodyNotOpened {
        /// The document whose body was not opened.
        document_id: String,
        /// Reason in Chinese.
        reason_zh: String,
        /// Reason in English.
        reason_en: String,
    },
    /// An argument was not acceptable (an activation QR code that is not one, an id that is
    /// not on the phone).
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// Why, in English.
        reason: String,
        /// Why, in Chinese, with what to do.
        reason_zh: String,
    },
    /// An attested activation could not be completed; nothing was registered. `code`:
    /// `attester_failed` (the platform's attestation failed: try again), `no_challenge` (the
    /// gateway offers no attestation: the administrator updates it), `bad_challenge`.
    #[error("attestation failed ({code}): {reason}")]
    AttestationFailed {
        /// Stable code.
        code: String,
        /// What failed.
        reason: String,
    },
    /// Anything else.
    #[error("internal error: {reason}")]
    Internal {
        /// Why.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for QianpiError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> QianpiError {
        QianpiError::Platform { reason: e.reason }
    }
}

impl From<ClientError> for QianpiError {
    fn from(e: ClientError) -> Self {
        let reason = e.to_string();
        match e {
            ClientError::NotActivated => QianpiError::NotActivated { reason },
            ClientError::Store(StoreError::WrongKey) | ClientError::Key(KeyError::WrongDataKey) => {
                QianpiError::WrongKey { reason }
            }
            ClientError::Store(StoreError::Locked) => QianpiError::Locked { reason },
            ClientError::Store(_) => QianpiError::Storage { reason },
            ClientError::Link(LinkError::Unreachable(_)) => QianpiError::Unreachable { reason },
            // Refused as outside the signature window even after the sync's retry with the
            // offset it learned: the phone's clock keeps moving away from the gateway's.
            ClientError::Link(LinkError::Refused { ref code, .. }) if code == "outside_window" => {
                QianpiError::ClockSkew { reason }
            }
            ClientError::Link(LinkError::Refused {
                status,
                code,
                message,
                ..
            }) => QianpiError::Refused {
                status,
                code,
                reason: message,
            },
            ClientError::Link(LinkError::InsecureUrl(_))
            | ClientError::NoSuchTask(_)
            | ClientError::NoSuchDocument(_)
            | ClientError::NeedsTask
            | ClientError::Phrase(_)
            | ClientError::OpinionFile(_)
            | ClientError::Notice(NoticeError::NotFound(_))
            | ClientError::Blob(BlobError::BadHash(_))
            | ClientError::Files(FileError::NotFound) => invalid_input(reason),
            ClientError::Attestation(e) => QianpiError::AttestationFailed {
                code: e.code().to_owned(),
                reason,
            },
            ClientError::Rejected(r) => QianpiError::NotAllowed {
                code: r.code.as_str().to_owned(),
                reason_zh: r.code.message_zh().to_owned(),
                reason_en: r.code.message_en().to_owned(),
                current_version: r.current_version,
            },
            ClientError::Notice(e @ NoticeError::Reply(_)) => QianpiError::ReplyNotAllowed {
                code: e.code().to_owned(),
                reason,
            },
            ClientError::GatewayKeyUnknown => QianpiError::ReAuthenticate { reason },
            ClientError::BadStatement(_)
            | ClientError::Notice(NoticeError::Tampered { .. })
            | ClientError::Files(FileError::HashMismatch { .. } | FileError::Corrupted) => {
                QianpiError::Tampered { reason }
            }
            // Something on the way answered instead of the gateway (a captive portal's page, a
            // proxy that drops headers): a network condition, not tampering.
            ClientError::Link(LinkError::Protocol(_))
            | ClientError::Blob(BlobError::Inconsistent(_) | BlobError::TooLarge(_)) => {
                QianpiError::UnexpectedAnswer { reason }
            }
            ClientError::Blob(BlobError::InProgress) => QianpiError::Busy { reason },
            ClientError::Link(link) => connection::from_link(link, reason),
            ClientError::ReadOnly { since } => QianpiError::ReadOnly {
                since: since.into(),
                reason,
            },
            ClientError::Wiped(_) => QianpiError::Wiped { reason },
            ClientError::UnopenedBody(document_id) => QianpiError::BodyNotOpened {
                document_id,
                reason_zh: "本单位规定审批前须在本机打开公文正文，请先阅读正文再审批。".into(),
                reason_en: reason,
            },
            ClientError::Platform(_) | ClientError::Key(_) => QianpiError::Platform { reason },
            ClientError::Search(e) => crate::search::invalid_search(&e),
            _ => QianpiError::Internal { reason },
        }
    }
}

/// An argument that is not acceptable, with the general Chinese sentence.
pub(crate) fn invalid_input(reason: impl Into<String>) -> QianpiError {
    QianpiError::InvalidInput {
        reason: reason.into(),
        reason_zh: "输入有误或所指的内容不在本机上。".into(),
    }
}

#[cfg(test)]
mod tests;
