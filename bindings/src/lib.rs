//! qianpi-ffi: the uniffi surface over `qianpi-core` for the Kotlin and Swift shells. Thin on
//! purpose: it converts types, owns the one tokio runtime, and adapts the platform key services
//! (implemented in Kotlin or Swift as foreign traits) to the core's traits. No logic lives here.

mod actions;
mod activation;
mod bodies;
mod connection;
mod convert;
mod detail;
mod error;
mod inbox;
mod lifecycle;
mod lists;
mod notices;
mod observe;
mod people;
mod phrases;
mod platform;
mod presence;
mod search;
#[cfg(feature = "software-vault")]
mod software;

pub use activation::{
    parse_activation_invite, ActivationInvite, Attester, DeviceInfo, PlatformAttestation,
};
pub use connection::{ConnectionSettings, ProxySettings};
pub use convert::{AccountInfo, SyncSummary};
pub use error::QianpiError;
pub use platform::{DeviceSigner, KeyStore};
use qianpi_core::Client;
#[cfg(feature = "software-vault")]
pub use software::{software_device_signer, software_key_store};
use std::path::Path;
use std::sync::{Arc, OnceLock};

uniffi::setup_scaffolding!();

/// The tokio runtime that runs every network call. uniffi has no runtime of its own, and a
/// foreign thread has none either; futures are spawned here and awaited from the shell.
fn runtime() -> Result<&'static tokio::runtime::Runtime, QianpiError> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("qianpi-io")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| QianpiError::Internal {
            reason: format!("cannot start the IO runtime: {e}"),
        })
}

/// Runs `work` on the IO runtime's blocking pool: the store and the platform signer may block,
/// and a shell awaits the result instead of blocking its main thread.
pub(crate) async fn blocking<T, F>(client: &Arc<Client>, work: F) -> Result<T, QianpiError>
where
    T: Send + 'static,
    F: FnOnce(&Client) -> Result<T, QianpiError> + Send + 'static,
{
    let client = Arc::clone(client);
    runtime()?
        .spawn_blocking(move || work(&client))
        .await
        .map_err(|e| QianpiError::Internal {
            reason: e.to_string(),
        })?
}

/// The phone core, as a shell holds it: one per data folder.
#[derive(uniffi::Object)]
pub struct QianpiClient {
    inner: Arc<Client>,
}

#[uniffi::export]
impl QianpiClient {
    /// Opens the encrypted store in `data_dir`; its data key is unwrapped through `key_store`, and
    /// the device keys live in `signer`. Blocks while the store opens (and, after an app update,
    /// migrates): a screen calls `open` instead.
    #[uniffi::constructor]
    pub fn new(
        data_dir: String,
        key_store: Arc<dyn KeyStore>,
        signer: Arc<dyn DeviceSigner>,
    ) -> Result<Arc<QianpiClient>, QianpiError> {
        let client = Client::open(
            Path::new(&data_dir),
            Arc::new(platform::ForeignKeyStore(key_store)),
            Arc::new(platform::ForeignSigner(signer)),
        )?;
        Ok(Arc::new(QianpiClient {
            inner: Arc::new(client),
        }))
    }

    /// `new` off the caller's thread: the store is opened (and migrated, which after an update
    /// may build an index over everything it holds) on the IO runtime's blocking pool.
    #[uniffi::constructor]
    pub async fn open(
        data_dir: String,
        key_store: Arc<dyn KeyStore>,
        signer: Arc<dyn DeviceSigner>,
    ) -> Result<Arc<QianpiClient>, QianpiError> {
        runtime()?
            .spawn_blocking(move || QianpiClient::new(data_dir, key_store, signer))
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })?
    }

    /// Binds this device to `login` with the administrator's one-time `code` at the gateway
    /// `server_url` (`https://…`; plain `http://` only for a development gateway on this
    /// machine). `settings` are what the activation QR code carries: the deployment's CA
    /// certificates and pins (kept with the account for every later sync), and the current
    /// network's proxy (kept as by `set_proxy`). Without settings (a development gateway) no
    /// certificate is trusted. The connection failures each have their variant:
    /// `UnknownCa`, `PinMismatch`, `CertificateExpired`, `WrongHost`, `Interception`,
    /// `CaptivePortal`, `ProxyRefused`, `ProxyAuthRequired`, `ClockSkew`, `Unreachable`;
    /// settings that cannot be used (one pin without a backup, say) are `InvalidSettings`.
    ///
    /// With an `attester` (the platform's attestation service) the gateway's challenge is
    /// fetched first and the keys are attested; its failure, or a gateway offering no
    /// attestation, is `AttestationFailed` and nothing is registered. The answer's
    /// `pending_approval` says whether the device waits for an administrator
    /// (`check_activation`), and `fingerprint_words` are the words the administrator sees.
    #[uniffi::method(default(settings = None, attester = None))]
    #[allow(clippy::too_many_arguments)]
    pub async fn activate(
        &self,
        server_url: String,
        login: String,
        code: String,
        device_name: String,
        platform: String,
        settings: Option<ConnectionSettings>,
        attester: Option<Arc<dyn Attester>>,
    ) -> Result<AccountInfo, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let trust = match &settings {
            Some(settings) => settings.trust()?,
            None => qianpi_core::link::Trust::default(),
        };
        if let Some(settings) = settings {
            inner.set_proxy(connection::proxy(settings.proxy)?);
        }
        let attester = attester.map(|a| {
            Arc::new(activation::ForeignAttester(a)) as Arc<dyn qianpi_core::client::Attester>
        });
        let activation = runtime()?
            .spawn(async move {
                inner
                    .activate_attested(
                        &server_url,
                        &trust,
                        &login,
                        &code,
                        &device_name,
                        &platform,
                        attester,
                    )
                    .await?;
                inner
                    .activation()?
                    .ok_or(qianpi_core::ClientError::NotActivated)
            })
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })??;
        Ok(activation.into())
    }

    /// Pushes the outbox, then pulls every change.
    pub async fn sync(&self) -> Result<SyncSummary, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let report = runtime()?
            .spawn(async move { inner.sync().await })
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })??;
        Ok(report.into())
    }
}
