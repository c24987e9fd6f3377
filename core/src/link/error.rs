//! What can go wrong on the link to the gateway, and how a transport failure is told apart from a
//! refusal: the sync loop keeps its outbox on the one and shows the other. A secure connection
//! refused (unknown CA, pin, expiry, host name, interception, clock), a captive portal or a proxy
//! that will not connect are neither: each has its own variant, found by walking the error chain
//! reqwest hands back (`classify.rs`), because each asks the user for something different.

use crate::crypto::CryptoError;
use crate::keys::PlatformKeyError;
use crate::protocol::{Signed, WipeCommand};
use chrono::{DateTime, Utc};

use super::settings::SettingsError;

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
    /// The connection settings (CA certificates, pins, proxy) are not usable.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The gateway's certificate is not issued by the deployment's CA.
    #[error("the gateway's certificate is not issued by this deployment's CA ({0})")]
    UnknownCa(String),
    /// The certificate chain is valid but none of its keys matches the deployment's pins.
    #[error("the gateway's certificate does not match this deployment's pins")]
    PinMismatch,
    /// The gateway's certificate has expired (or is not valid yet).
    #[error("the gateway's certificate has expired or is not valid yet ({0})")]
    CertificateExpired(String),
    /// The certificate was issued for another name than the gateway address.
    #[error("the gateway's certificate is for another name than the address used ({0})")]
    WrongHost(String),
    /// A certificate from another CA where this phone knows the gateway's, through a proxy or
    /// for a deployment it has already reached: something on the way is reading secure
    /// connections.
    #[error("the network is intercepting secure connections: a certificate from another CA was presented ({0})")]
    Interception(String),
    /// HTML or a redirect where the gateway's JSON was expected: a captive portal (hotel or
    /// guest Wi-Fi login) or a web filter answered instead of the gateway.
    #[error("this network answered instead of the gateway (sign in to the network first): {0}")]
    CaptivePortal(String),
    /// The proxy refused to connect to the gateway (CONNECT answered with an error).
    #[error("the proxy refused to connect to the gateway ({0})")]
    ProxyRefused(String),
    /// The proxy asks for credentials, and those given (if any) were refused.
    #[error("the proxy asks for a user name and password, and refused those given")]
    ProxyAuthRequired,
    /// The phone's clock is too far from the gateway's for a secure connection.
    #[error("this phone's clock is off by about {} minutes from the gateway's; set the time and try again", offset_ms.unsigned_abs() / 60_000)]
    ClockSkew {
        /// Server time minus device time, in milliseconds, as last learned.
        offset_ms: i64,
    },
    /// The device key failed to sign.
    #[error(transparent)]
    Key(#[from] PlatformKeyError),
    /// The signature from the device key was malformed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// The reason of an [`LinkError::Unreachable`] where no connection could be made at all.
pub(super) const NO_CONNECTION: &str = "connection failed";

impl LinkError {
    /// Whether this is a transport failure after a connection was made (cut, reset, timed out):
    /// a smaller request may pass where this one did not. A connection that could not be made
    /// at all says nothing about size.
    pub fn is_cut(&self) -> bool {
        matches!(self, LinkError::Unreachable(reason) if !reason.starts_with(NO_CONNECTION))
    }
}

/// The reason of an [`LinkError::Unreachable`] for a transport failure.
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
