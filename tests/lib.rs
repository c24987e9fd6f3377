//! Cross-part test harness: a real gateway on loopback with its own database, and phones made of
//! the real core with the software key vault. Used by the end-to-end tests in `tests/`.
//!
//! The gateway runs on embedded SQLite in a temporary folder, or — when `QIANPI_TEST_POSTGRES`
//! names a PostgreSQL server (`postgres://user@host:port`) — on a fresh database of its own on
//! that server, so the same tests run on both backends (`scripts/test-all.sh` runs them twice).
//!
//! [`Harness::start_tls`] runs the gateway over HTTPS with a private CA of its own (made by the
//! gateway's `tls init` code) and a certificate for `localhost` and 127.0.0.1: its
//! [`Harness::url`] is then `https://localhost:<port>/`, [`Harness::tls`] gives the CA PEM, the
//! pins and the files, and [`Harness::https_client`] is a client that trusts that CA only.

// A harness failure must stop the test that hit it, loudly.
#![allow(clippy::panic)]

pub mod admin_api;
pub mod fixtures;

pub mod intercept;
pub mod ledger;
pub mod office;
pub mod proxy;
pub mod replicas;
pub mod requests;

use qianpi_core::client::{Client, Clock};
use qianpi_core::keys::{DeviceSigner, APPROVAL_KEY_ALIAS};
use qianpi_core::link::Credentials;
use qianpi_core::protocol::record::CommandRecord;
use qianpi_core::protocol::statement::GatewayKey;
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::store::Account;
use qianpi_gateway::db::Db;
use qianpi_gateway::tls::init::Generated;
use qianpi_gateway::{admin, open_database, start, GatewayConfig, Location, RunningGateway};
use std::net::SocketAddr;
use std::sync::Arc;
use tempfile::TempDir;

pub use requests::*;

/// A gateway that can be stopped and brought back on the same address.
pub struct Harness {
    gateway: Option<RunningGateway>,
    config: GatewayConfig,
    /// The gateway's database, for inspecting authoritative state.
    pub db: Db,
    dir: TempDir,
    /// The private CA and certificate of a gateway started with [`Harness::start_tls`].
    tls: Option<Generated>,
}

/// The names the certificate of a [`Harness::start_tls`] gateway is valid for.
pub const TLS_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

/// A phone: the core and the vault holding its keys.
pub struct Phone {
    /// The phone core.
    pub client: Client,
    /// Its software key vault (also its signer).
    pub vault: Arc<SoftwareKeyVault>,
}

impl Harness {
    /// Starts a seeded gateway on a free loopback port.
    pub async fn start() -> Result<Harness, String> {
        Harness::start_with(|_| {}).await
    }

    /// [`Harness::start`] with the configuration changed by `configure` (short timeouts, a
    /// connection cap, trusted proxies).
    pub async fn start_with(configure: impl FnOnce(&mut GatewayConfig)) -> Result<Harness, String> {
        Harness::start_inner(false, configure).await
    }

    /// Starts a seeded gateway serving HTTPS on a free loopback port, with a private CA made for
    /// this harness alone and a certificate for [`TLS_NAMES`] (files in the harness's folder,
    /// re-read every 200 ms when a test writes a renewal over them). [`Harness::url`] is
    /// `https://localhost:<port>/`; [`Harness::tls`] has the CA PEM and the pins.
    pub async fn start_tls() -> Result<Harness, String> {
        Harness::start_tls_with(|_| {}).await
    }

    /// [`Harness::start_tls`] with the configuration changed by `configure` (its `tls` field
    /// already names the harness's certificate files).
    pub async fn start_tls_with(
        configure: impl FnOnce(&mut GatewayConfig),
    ) -> Result<Harness, String> {
        Harness::start_inner(true, configure).await
    }

    async fn start_inner(
        tls: bool,
        configure: impl FnOnce(&mut GatewayConfig),
    ) -> Result<Harness, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut config = GatewayConfig::new(
            test_database(&dir).await?,
            SocketAddr::from(([127, 0, 0, 1], 0)),
            true,
        );
        config.statement_key = Some(dir.path().join("statement-key.p8"));
        let tls = if tls {
            let names = TLS_NAMES.map(str::to_owned);
            let made =
                qianpi_gateway::tls::init::generate(&dir.path().join("tls"), &names, 30, false)
                    .map_err(|e| e.to_string())?;
            let mut files = made.files();
            files.check_every = std::time::Duration::from_millis(200);
            config.tls = Some(files);
            Some(made)
        } else {
            None
        };
        configure(&mut config);
        let gateway = start(config.clone()).await.map_err(|e| e.to_string())?;
        config.listen = gateway.addr();
        let db = open_database(&config).await.map_err(|e| e.to_string())?;
        Ok(Harness {
            gateway: Some(gateway),
            config,
            db,
            dir,
            tls,
        })
    }

    /// The gateway's base URL (valid while stopped too: it comes back on the same address):
    /// `http://127.0.0.1:<port>/`, or `https://localhost:<port>/` for [`Harness::start_tls`].
    pub fn url(&self) -> String {
        match self.tls {
            Some(_) => format!("https://localhost:{}/", self.config.listen.port()),
            None => format!("http://{}/", self.config.listen),
        }
    }

    /// The private CA, certificate files and pins of a [`Harness::start_tls`] gateway:
    /// `ca_pem` (the trust anchor), `server_pin` and `ca_pin` (`sha256/<base64>`; the CA's is the
    /// backup pin), `files()` (the chain and key the gateway serves and re-reads), `dir` (where
    /// `tls::init::renew` can issue a renewal under the same CA).
    pub fn tls(&self) -> Option<&Generated> {
        self.tls.as_ref()
    }

    /// A client trusting only this harness's CA (no other roots), for hand-made HTTPS requests
    /// to a [`Harness::start_tls`] gateway; a plain client ([`http`]) for a plain gateway.
    pub fn https_client(&self) -> reqwest::Client {
        let client = http();
        let Some(tls) = &self.tls else {
            return client;
        };
        let ca = match reqwest::Certificate::from_pem(tls.ca_pem.as_bytes()) {
            Ok(ca) => ca,
            Err(e) => panic!("the harness CA does not parse: {e}"),
        };
        match reqwest::Client::builder().tls_certs_only([ca]).build() {
            Ok(client) => client,
            Err(e) => panic!("no HTTPS client: {e}"),
        }
    }

    /// Makes the gateway unreachable.
    pub async fn stop_gateway(&mut self) -> Result<(), String> {
        if let Some(gateway) = self.gateway.take() {
            gateway.stop().await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Brings the gateway back on the same address with the same data.
    pub async fn restart_gateway(&mut self) -> Result<(), String> {
        self.stop_gateway().await?;
        self.gateway = Some(
            start(self.config.clone())
                .await
                .map_err(|e| e.to_string())?,
        );
        Ok(())
    }

    /// Issues a one-time activation code for `login`.
    pub async fn code(&self, login: &str) -> Result<String, String> {
        admin::issue_activation_code(&self.db, login, chrono::Utc::now().timestamp())
            .await
            .map_err(|e| e.message)
    }

    /// A new, not yet activated phone with its own data folder.
    pub fn phone(&self, name: &str) -> Result<Phone, String> {
        let dir = self.dir.path().join(name);
        let vault = Arc::new(
            SoftwareKeyVault::open(&dir.join("vault"), "test passphrase")
                .map_err(|e| e.to_string())?,
        );
        let client = Client::open(&dir.join("data"), vault.clone(), vault.clone())
            .map_err(|e| e.to_string())?;
        Ok(Phone { client, vault })
    }

    /// A new phone whose core reads time from `clock` instead of the system clock.
    pub fn phone_with_clock(&self, name: &str, clock: Clock) -> Result<Phone, String> {
        let Phone { client, vault } = self.phone(name)?;
        let client = client.with_clock(clock).map_err(|e| e.to_string())?;
        Ok(Phone { client, vault })
    }

    /// Where the gateway's statement key file is.
    pub fn statement_key_path(&self) -> Result<std::path::PathBuf, String> {
        self.config.statement_key_path().map_err(|e| e.to_string())
    }

    /// The gateway's statement key, as its key file holds it (for tests that act as the gateway).
    pub fn statement_key(&self) -> Result<GatewayKey, String> {
        let path = self.statement_key_path()?;
        let pkcs8 = std::fs::read(&path).map_err(|e| e.to_string())?;
        GatewayKey::from_pkcs8(&pkcs8).map_err(|e| e.to_string())
    }

    /// The gateway's address, also while it is stopped.
    pub fn addr(&self) -> SocketAddr {
        self.config.listen
    }

    /// The data folder of phone `name` (as [`Harness::phone`] made it).
    pub fn phone_dir(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// A phone activated for `login`.
    /// (Over HTTPS with [`Harness::trust`].)
    pub async fn activated_phone(&self, name: &str, login: &str) -> Result<Phone, String> {
        let phone = self.phone(name)?;
        let code = self.code(login).await?;
        phone
            .client
            .activate_with(&self.url(), &self.trust()?, login, &code, name, "terminal")
            .await
            .map_err(|e| e.to_string())?;
        Ok(phone)
    }

    /// What a phone of this gateway is given at activation: for [`Harness::start_tls`] its CA
    /// and both pins (server and CA), otherwise nothing (plain http on loopback).
    pub fn trust(&self) -> Result<qianpi_core::link::Trust, String> {
        match &self.tls {
            Some(tls) => {
                qianpi_core::link::Trust::new(&tls.ca_pem, &tls.pins()).map_err(|e| e.to_string())
            }
            None => Ok(qianpi_core::link::Trust::default()),
        }
    }
}

impl Harness {
    /// The demo leader's phone, activated and synced, and the id of the task waiting for him.
    pub async fn leader_with_task(&self) -> Result<(Phone, String), String> {
        let phone = self.activated_phone("leader", admin::demo::LEADER).await?;
        phone.client.sync().await.map_err(|e| e.to_string())?;
        let inbox = phone.client.inbox().map_err(|e| e.to_string())?;
        let task = inbox
            .first()
            .ok_or("the leader's inbox is empty")?
            .task_id
            .clone();
        Ok((phone, task))
    }

    /// The demo leader's phone with his approval (同意) of the waiting task queued, not yet sent,
    /// and the task's id.
    pub async fn leader_with_approval(&self) -> Result<(Phone, String), String> {
        let (phone, task) = self.leader_with_task().await?;
        phone
            .client
            .approve(&task, qianpi_core::model::Attitude::Agree, "同意")
            .map_err(|e| e.to_string())?;
        Ok((phone, task))
    }
}

impl Phone {
    /// The account of an activated phone.
    pub fn account(&self) -> Account {
        match self.client.account() {
            Ok(Some(account)) => account,
            other => panic!("phone is not activated: {other:?}"),
        }
    }

    /// The content of the oldest record in the outbox, verified under this phone's approval key:
    /// the starting point for tests that alter a record and sign it again.
    pub fn first_queued_record(&self) -> Result<CommandRecord, String> {
        let key = self
            .vault
            .public_key(APPROVAL_KEY_ALIAS.to_owned())
            .map_err(|e| e.to_string())?;
        let outbox = self.client.outbox().map_err(|e| e.to_string())?;
        let first = outbox.first().ok_or("the outbox is empty")?;
        first.command.verify(&key).map_err(|e| e.to_string())
    }

    /// The same phone after its app was stopped and started again: the core opens its data
    /// folder anew with the same keys.
    pub fn restart(self) -> Result<Phone, String> {
        let dir = self.client.data_dir().to_owned();
        drop(self.client);
        let client = Client::open(&dir, self.vault.clone(), self.vault.clone())
            .map_err(|e| e.to_string())?;
        Ok(Phone {
            client,
            vault: self.vault,
        })
    }

    /// Credentials for hand-made signed requests.
    pub fn credentials(&self) -> Credentials {
        let account = self.account();
        Credentials {
            signer: self.vault.clone() as Arc<dyn DeviceSigner>,
            request_key_id: account.request_key_id,
            access_token: account.access_token,
            clock_offset_ms: 0,
        }
    }
}

/// The database a test gateway uses: a new PostgreSQL database on the server named by
/// `QIANPI_TEST_POSTGRES`, or a SQLite folder inside `dir`.
pub async fn test_database(dir: &TempDir) -> Result<Location, String> {
    let Ok(server) = std::env::var("QIANPI_TEST_POSTGRES") else {
        return Ok(Location::Folder(dir.path().join("gateway")));
    };
    // The blocking client must not run on an async worker.
    let (location, _) = tokio::task::spawn_blocking(move || {
        qianpi_gateway::db::create_postgres_database(&server, "qianpi_test")
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    Ok(location)
}
