//! 委托代理 on the link: a standing delegation set, listed and revoked by the signer, each call
//! signed like every other (the gateway keeps the rules and audits them).

use super::{Credentials, GatewayClient, LinkError};
use crate::protocol::delegations::{DelegationView, NewDelegation, DELEGATIONS_PATH};
use reqwest::Method;

impl GatewayClient {
    /// 委托代理 — sets a standing delegation for the signer.
    pub async fn create_delegation(
        &self,
        credentials: &Credentials,
        request: &NewDelegation,
    ) -> Result<DelegationView, LinkError> {
        self.post_signed(DELEGATIONS_PATH, request, credentials)
            .await
    }

    /// The standing delegations naming the signer, as principal or deputy.
    pub async fn delegations(
        &self,
        credentials: &Credentials,
    ) -> Result<Vec<DelegationView>, LinkError> {
        let url = self.url(DELEGATIONS_PATH)?;
        self.send_signed(Method::GET, url, Vec::new(), credentials)
            .await
    }

    /// Ends the signer's own standing delegation `id` now.
    pub async fn revoke_delegation(
        &self,
        credentials: &Credentials,
        id: &str,
    ) -> Result<DelegationView, LinkError> {
        let mut url = self.url(DELEGATIONS_PATH)?;
        url.path_segments_mut()
            .map_err(|()| LinkError::Protocol("the gateway URL cannot take a path".into()))?
            .push(id)
            .push("revoke");
        self.send_signed(Method::POST, url, Vec::new(), credentials)
            .await
    }
}
