//! Tests of the mapping from the core's errors to the bindings' typed errors: every failure a
//! shell must tell apart keeps its own variant.

use super::*;
use qianpi_core::model::ReceiptError;

#[test]
fn each_kind_a_shell_reacts_to_has_its_own_variant() {
    let since = chrono::Utc::now();
    let cases: Vec<(ClientError, &str)> = vec![
        (ClientError::GatewayKeyUnknown, "ReAuthenticate"),
        (
            ClientError::BadStatement("page checksum".into()),
            "Tampered",
        ),
        (
            ClientError::Notice(NoticeError::Tampered {
                notice_id: "n".into(),
                reason: "altered".into(),
            }),
            "Tampered",
        ),
        (
            ClientError::Blob(BlobError::Inconsistent("size".into())),
            "UnexpectedAnswer",
        ),
        (
            ClientError::Link(qianpi_core::link::LinkError::Protocol("HTML".into())),
            "UnexpectedAnswer",
        ),
        (ClientError::Blob(BlobError::InProgress), "Busy"),
        (ClientError::ReadOnly { since }, "ReadOnly"),
        (ClientError::Wiped("revoked".into()), "Wiped"),
        (
            ClientError::Notice(NoticeError::Reply(ReceiptError::NoteRequired)),
            "ReplyNotAllowed",
        ),
        (
            ClientError::Notice(NoticeError::NotFound("n".into())),
            "InvalidInput",
        ),
        (
            ClientError::Blob(BlobError::BadHash("x".into())),
            "InvalidInput",
        ),
        (
            ClientError::Link(LinkError::UnknownCa("x".into())),
            "UnknownCa",
        ),
        (ClientError::Link(LinkError::PinMismatch), "PinMismatch"),
        (
            ClientError::Link(LinkError::CertificateExpired("x".into())),
            "CertificateExpired",
        ),
        (
            ClientError::Link(LinkError::WrongHost("x".into())),
            "WrongHost",
        ),
        (
            ClientError::Link(LinkError::Interception("x".into())),
            "Interception",
        ),
        (
            ClientError::Link(LinkError::CaptivePortal("x".into())),
            "CaptivePortal",
        ),
        (
            ClientError::Link(LinkError::ProxyRefused("x".into())),
            "ProxyRefused",
        ),
        (
            ClientError::Link(LinkError::ProxyAuthRequired),
            "ProxyAuthRequired",
        ),
        (
            ClientError::Link(LinkError::ClockSkew { offset_ms: 1 }),
            "ClockSkew",
        ),
        // Still outside the window after the sync's retry with the learned offset.
        (
            ClientError::Link(LinkError::Refused {
                status: 401,
                code: "outside_window".into(),
                message: "m".into(),
                wipe: None,
                server_time: since,
            }),
            "ClockSkew",
        ),
        (
            ClientError::Link(LinkError::Settings(
                qianpi_core::link::SettingsError::NoBackupPin,
            )),
            "InvalidSettings",
        ),
    ];
    for (error, expected) in cases {
        let mapped = QianpiError::from(error);
        let name = format!("{mapped:?}");
        assert!(name.starts_with(expected), "{name} is not {expected}");
    }
    match QianpiError::from(ClientError::ReadOnly { since }) {
        QianpiError::ReadOnly { since: at, .. } => {
            assert_eq!(at, std::time::SystemTime::from(since))
        }
        other => panic!("{other:?}"),
    }
    match QianpiError::from(ClientError::Notice(NoticeError::Reply(
        ReceiptError::ChoiceRequired,
    ))) {
        QianpiError::ReplyNotAllowed { code, .. } => assert_eq!(code, "choice_required"),
        other => panic!("{other:?}"),
    }
}
