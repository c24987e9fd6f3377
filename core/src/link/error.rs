//! What can go wrong on the link to the gateway, and how a transport failure is told apart from a
//! refusal: the sync loop keeps its outbox on the one and shows the other.

use crate::crypto::CryptoError;
use crate::keys::PlatformKeyError;
use crate::protocol::{Signed, WipeCommand};
use chrono::{DateTime, Utc};

/// Errors talking to the gateway.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// No answer: no route, refused connection, timeout. Nothing was lost; try again later.
    #[error("the gateway cannot be reached: {0}")]
    Unreachable(String),
    /// The gateway answered with an error.
    #[error("the gateway refused the request ({status} {code}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable error code.
        code: String,
        /// The gateway's message.
        message: String,
        /// To a revoked device: the gateway's signed order to wipe (not yet verified).
        wipe: Option<Signed<WipeCommand>>,
        /// The gateway's clock when it refused.
        server_time: DateTime<Utc>,
    },
    /// The answer was not what the protocol promises (e.g. a captive portal's HTML page).
    #[error("the gateway's answer could not be understood: {0}")]
    Protocol(String),
    /// The gateway address is not acceptable.
    #[error(
        "the gateway address {0} is not allowed: use https (plain http only for this machine)"
    )]
    InsecureUrl(String),
    /// The device key failed to sign.
    #[error(transparent)]
    Key(#[from] PlatformKeyError),
    /// The signature from the device key was malformed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// The reason of an [`LinkError::Unreachable`] where no connection could be made at all.
const NO_CONNECTION: &str = "connection failed";

impl LinkError {
    /// Whether this is a transport failure after a connection was made (cut, reset, timed out):
    /// a smaller request may pass where this one did not. A connection that could not be made
    /// at all says nothing about size.
    pub fn is_cut(&self) -> bool {
        matches!(self, LinkError::Unreachable(reason) if reason != NO_CONNECTION)
    }
}

pub(super) fn transport_reason(error: &reqwest::Error) -> String {
    // A connect timeout is both: it is a connection that could not be made.
    if error.is_connect() {
        NO_CONNECTION.to_owned()
    } else if error.is_timeout() {
        "timed out".to_owned()
    } else {
        "the connection broke".to_owned()
    }
}
