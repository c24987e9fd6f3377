//! More gateways on the harness's database: the replicas of a deployment on PostgreSQL, which
//! share the database and the statement key file (a replica holding another key refuses to
//! start), and which a [`crate::proxy::Proxy`] started with all their addresses balances, one
//! connection to each in turn.

use crate::Harness;
use qianpi_gateway::{start, GatewayConfig, Location, RunningGateway};
use std::net::SocketAddr;

/// A replica of the harness's gateway that can be stopped and brought back on its address.
pub struct Replica {
    gateway: Option<RunningGateway>,
    config: GatewayConfig,
}

impl Harness {
    /// Whether the gateway's database is PostgreSQL, which several gateways may share.
    pub fn shares_its_database(&self) -> bool {
        matches!(self.config.database, Location::Postgres(_))
    }

    /// Starts another gateway on a free loopback port, on the same database with the same
    /// statement key file and settings.
    pub async fn replica(&self) -> Result<Replica, String> {
        let mut config = self.config.clone();
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        let gateway = start(config.clone()).await.map_err(|e| e.to_string())?;
        config.listen = gateway.addr();
        Ok(Replica {
            gateway: Some(gateway),
            config,
        })
    }
}

impl Replica {
    /// Its address, also while it is stopped.
    pub fn addr(&self) -> SocketAddr {
        self.config.listen
    }

    /// Makes it unreachable.
    pub async fn stop(&mut self) -> Result<(), String> {
        if let Some(gateway) = self.gateway.take() {
            gateway.stop().await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Brings it back on the same address.
    pub async fn restart(&mut self) -> Result<(), String> {
        self.stop().await?;
        let gateway = start(self.config.clone())
            .await
            .map_err(|e| e.to_string())?;
        self.gateway = Some(gateway);
        Ok(())
    }
}
