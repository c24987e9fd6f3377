//! How the driver tells the engine what went wrong: the link's typed errors, and the phone's own,
//! sorted into the few kinds the engine decides on (retry smaller, retry at once with the
//! gateway's clock, back off, or stop and say why).

use crate::client::ClientError;
use crate::engine::{BlockedKind, Failure, FailureKind};
use crate::link::LinkError;

/// The code of a refusal for a request signed at a time the gateway does not accept.
pub(super) const OUTSIDE_WINDOW: &str = "outside_window";
/// The code of a refusal for a device an administrator has not approved yet.
const DEVICE_PENDING: &str = "device_pending";

/// The engine's view of `error`.
pub(super) fn failure_of(error: &ClientError) -> Failure {
    let kind = match error {
        ClientError::Link(link) => link_kind(link),
        // A wipe obeyed, an unverifiable answer, a store failure: nothing a retry soon fixes
        // on the network's side.
        ClientError::Wiped(_) => FailureKind::Blocked(BlockedKind::DeviceRevoked),
        _ => FailureKind::Local,
    };
    Failure::new(kind)
}

/// The engine's kind of a link error.
fn link_kind(error: &LinkError) -> FailureKind {
    match error {
        LinkError::Unreachable(_) if !error.is_cut() => FailureKind::Unreachable,
        LinkError::Unreachable(reason) if reason == "timed out" => FailureKind::Timeout,
        LinkError::Unreachable(_) => FailureKind::Cut,
        LinkError::Refused { code, .. } if code == OUTSIDE_WINDOW => FailureKind::Clock,
        LinkError::Refused { code, .. } if code == DEVICE_PENDING => {
            FailureKind::Blocked(BlockedKind::DevicePending)
        }
        LinkError::Refused {
            status: 401 | 403,
            wipe: Some(_),
            ..
        } => FailureKind::Blocked(BlockedKind::DeviceRevoked),
        LinkError::Refused { status, code, .. } => FailureKind::Refused {
            status: *status,
            code: code.clone(),
        },
        LinkError::Protocol(_) => FailureKind::Blocked(BlockedKind::ServerError),
        LinkError::CaptivePortal(_) => FailureKind::Blocked(BlockedKind::CaptivePortal),
        LinkError::Interception(_) => FailureKind::Blocked(BlockedKind::TlsIntercepted),
        LinkError::UnknownCa(_)
        | LinkError::PinMismatch
        | LinkError::CertificateExpired(_)
        | LinkError::WrongHost(_) => FailureKind::Blocked(BlockedKind::TlsUntrusted),
        LinkError::ProxyRefused(_) | LinkError::ProxyAuthRequired => {
            FailureKind::Blocked(BlockedKind::Proxy)
        }
        LinkError::ClockSkew { .. } => FailureKind::Blocked(BlockedKind::Clock),
        LinkError::InsecureUrl(_)
        | LinkError::Settings(_)
        | LinkError::Key(_)
        | LinkError::Crypto(_) => FailureKind::Local,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn refused(status: u16, code: &str) -> ClientError {
        ClientError::Link(LinkError::Refused {
            status,
            code: code.into(),
            message: String::new(),
            wipe: None,
            server_time: Utc::now(),
        })
    }

    #[test]
    fn each_link_error_has_the_kind_the_engine_acts_on() {
        let kind = |e: ClientError| failure_of(&e).kind;
        let unreachable = |r: &str| ClientError::Link(LinkError::Unreachable(r.into()));
        assert_eq!(
            kind(unreachable("connection failed")),
            FailureKind::Unreachable
        );
        assert_eq!(kind(unreachable("timed out")), FailureKind::Timeout);
        assert_eq!(kind(unreachable("the connection broke")), FailureKind::Cut);
        assert_eq!(kind(refused(401, OUTSIDE_WINDOW)), FailureKind::Clock);
        // A device waiting for approval is not a revoked one: it says so and keeps trying.
        assert_eq!(
            kind(refused(401, "device_pending")),
            FailureKind::Blocked(BlockedKind::DevicePending)
        );
        assert_eq!(
            kind(refused(503, "unavailable")),
            FailureKind::Refused {
                status: 503,
                code: "unavailable".into()
            }
        );
        assert_eq!(
            kind(ClientError::Link(LinkError::CaptivePortal("html".into()))),
            FailureKind::Blocked(BlockedKind::CaptivePortal)
        );
        assert_eq!(
            kind(ClientError::Link(LinkError::Interception("ca".into()))),
            FailureKind::Blocked(BlockedKind::TlsIntercepted)
        );
        assert_eq!(
            kind(ClientError::Link(LinkError::PinMismatch)),
            FailureKind::Blocked(BlockedKind::TlsUntrusted)
        );
        assert_eq!(
            kind(ClientError::Link(LinkError::ProxyAuthRequired)),
            FailureKind::Blocked(BlockedKind::Proxy)
        );
        assert_eq!(
            kind(ClientError::Link(LinkError::ClockSkew { offset_ms: 1 })),
            FailureKind::Blocked(BlockedKind::Clock)
        );
        assert_eq!(
            kind(ClientError::BadStatement("checksum".into())),
            FailureKind::Local
        );
    }
}
