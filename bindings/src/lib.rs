//! qianpi-ffi: the uniffi surface over `qianpi-core` for the Kotlin and Swift shells. Thin on
//! purpose: it converts types, owns the one tokio runtime, and adapts the platform key services
//! (implemented in Kotlin or Swift as foreign traits) to the core's traits. No logic lives here.

mod actions;
mod convert;
mod detail;
mod error;
mod lists;
mod notices;
mod observe;
mod people;
mod platform;
mod presence;
#[cfg(feature = "software-vault")]
mod software;

use actions::TaskAction;
use convert::{AccountInfo, ApprovalQueued, Attitude, InboxItem, SyncSummary, Verdict};
pub use error::QianpiError;
use lists::{ListEntry, ListKind};
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

/// The phone core, as a shell holds it: one per data folder.
#[derive(uniffi::Object)]
pub struct QianpiClient {
    inner: Arc<Client>,
}

#[uniffi::export]
impl QianpiClient {
    /// Opens the encrypted store in `data_dir`; its data key is unwrapped through `key_store`, and
    /// the device keys live in `signer`.
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

    /// Binds this device to `login` with the administrator's one-time `code`.
    pub async fn activate(
        &self,
        server_url: String,
        login: String,
        code: String,
        device_name: String,
        platform: String,
    ) -> Result<AccountInfo, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let account = runtime()?
            .spawn(async move {
                inner
                    .activate(&server_url, &login, &code, &device_name, &platform)
                    .await
            })
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })??;
        Ok(account.into())
    }

    /// The account, once activated.
    pub fn account(&self) -> Result<Option<AccountInfo>, QianpiError> {
        Ok(self.inner.account()?.map(Into::into))
    }

    /// 待办 and the rest of the inbox, pending first.
    pub fn inbox(&self) -> Result<Vec<InboxItem>, QianpiError> {
        Ok(self.inner.inbox()?.into_iter().map(Into::into).collect())
    }

    /// Approves a pending task with an opinion (批示). Works offline; the command waits in the
    /// outbox until `sync` delivers it.
    pub fn approve(
        &self,
        task_id: String,
        attitude: Attitude,
        opinion: String,
    ) -> Result<ApprovalQueued, QianpiError> {
        Ok(self
            .inner
            .approve(&task_id, attitude.into(), &opinion)?
            .into())
    }

    /// Any action on a task (approve with a route, mark read, reject, return, recall, transfer).
    /// Works offline like `approve`.
    pub fn act(&self, task_id: String, action: TaskAction) -> Result<ApprovalQueued, QianpiError> {
        Ok(self.inner.act(action.into_command(task_id))?.into())
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

    /// A page of one of the phone's lists.
    pub fn list(
        &self,
        kind: ListKind,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ListEntry>, QianpiError> {
        Ok(self
            .inner
            .list(kind.into(), limit as usize, offset as usize)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Locks now: the store closes and the keys leave memory. Everything but `unlock` then
    /// fails with `Locked`.
    pub fn lock(&self) {
        self.inner.lock();
    }

    /// Whether the data is locked (on request or after inactivity).
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Unlocks through the keystore (the shell has confirmed the user first).
    pub fn unlock(&self) -> Result<(), QianpiError> {
        Ok(self.inner.unlock()?)
    }

    /// Sets how long the data stays unlocked without use.
    pub fn set_inactivity_lock_seconds(&self, seconds: u64) {
        self.inner
            .set_inactivity_lock(std::time::Duration::from_secs(seconds));
    }

    /// Rotates the data key (the database is re-encrypted under a new one).
    pub fn rotate_data_key(&self) -> Result<(), QianpiError> {
        Ok(self.inner.rotate_data_key()?)
    }

    /// Wipes this phone's Qianpi data, crypto-shredding first (the keystore's keys are deleted
    /// through `KeyStore.delete`). The client stays locked; unlocking starts afresh.
    pub fn wipe(&self) -> Result<(), QianpiError> {
        Ok(self.inner.wipe()?)
    }

    /// How many commands wait for the gateway.
    pub fn outbox_count(&self) -> Result<u32, QianpiError> {
        Ok(u32::try_from(self.inner.outbox()?.len()).unwrap_or(u32::MAX))
    }

    /// Verdicts on this device's commands, newest first (refused ones stay, with their reason).
    pub fn verdicts(&self) -> Result<Vec<Verdict>, QianpiError> {
        Ok(self.inner.verdicts()?.into_iter().map(Into::into).collect())
    }
}
