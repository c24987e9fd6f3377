//! The calls around activation besides `activate` itself: the one-time challenge a platform
//! attestation binds (unsigned, like activation: the device has no registered key yet), and a
//! signed ping that tells a device waiting for approval whether it may come in (`device_pending`
//! until an administrator approves).

use super::{parse, Credentials, GatewayClient, LinkError};
use crate::protocol::{ActivationChallenge, ACTIVATION_CHALLENGE_PATH, PING_PATH};
use chrono::{DateTime, Utc};
use reqwest::Method;

/// The gateway's answer to a ping.
#[derive(Debug, serde::Deserialize)]
pub struct Pong {
    /// The gateway's clock.
    pub server_time: DateTime<Utc>,
}

impl GatewayClient {
    /// A one-time challenge for the attestation of the keys about to be created.
    pub async fn activation_challenge(&self) -> Result<ActivationChallenge, LinkError> {
        let url = self.url(ACTIVATION_CHALLENGE_PATH)?;
        let request = self
            .http
            .post(url)
            .header("content-type", super::JSON)
            .body("{}");
        parse(self.send(request).await?).await
    }

    /// A signed request that does nothing: it succeeds once the device may sync.
    pub async fn ping(&self, credentials: &Credentials) -> Result<Pong, LinkError> {
        let url = self.url(PING_PATH)?;
        self.send_signed(Method::GET, url, Vec::new(), credentials)
            .await
    }
}
