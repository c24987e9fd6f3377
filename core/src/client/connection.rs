//! How the client reaches its gateway: with the deployment's trust kept at activation (CA
//! certificates and pins) and the proxy the shell found on the current network. The proxy is
//! not kept: it changes with the network, and the shell knows which one the phone is on.

use super::{Client, ClientError};
use crate::link::{GatewayClient, LinkState, Proxy};
use crate::store::{Account, DeviceState, Store};

impl Client {
    /// Sets the HTTP(S) proxy of the network the phone is on now (`None`: connect directly).
    /// Every connection from now on goes through it; a shell calls this whenever the network
    /// changes. Credentials, if the proxy wants them, travel inside the [`Proxy`].
    pub fn set_proxy(&self, proxy: Option<Proxy>) {
        *self.proxy.lock() = proxy;
    }

    /// The proxy connections go through now.
    pub fn proxy(&self) -> Option<Proxy> {
        self.proxy.lock().clone()
    }

    /// [`Client::link`], taking the store for the moment it reads the trust.
    pub(super) fn link_now(
        &self,
        account: &Account,
        device: &DeviceState,
    ) -> Result<GatewayClient, ClientError> {
        let store = self.store()?;
        self.link(&store, account, device)
    }

    /// A link to the account's gateway, verified against the trust kept in `store` and going
    /// through the current proxy, on this client's clock.
    pub(super) fn link(
        &self,
        store: &Store,
        account: &Account,
        device: &DeviceState,
    ) -> Result<GatewayClient, ClientError> {
        let settings = crate::link::ConnectionSettings {
            trust: store.trust()?,
            proxy: self.proxy(),
        };
        let state = LinkState {
            clock: self.clock.clone(),
            learned_offset_ms: Some(device.clock_offset_ms),
            // Activated: these anchors verified this gateway once already.
            established: true,
        };
        Ok(GatewayClient::connect(
            &account.server_url,
            &settings,
            state,
        )?)
    }
}
