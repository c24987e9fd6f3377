//! The data's lock and key as a shell drives them: lock now, unlock through the keystore, the
//! inactivity limit, a new data key, and the wipe. Unlocking, rotating and wiping open, rewrite
//! or erase the store, so they are async; locking and asking only touch memory.

use crate::{blocking, QianpiClient, QianpiError};

#[uniffi::export]
impl QianpiClient {
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
    pub async fn unlock(&self) -> Result<(), QianpiError> {
        blocking(&self.inner, |client| Ok(client.unlock()?)).await
    }

    /// Sets how long the data stays unlocked without use.
    pub fn set_inactivity_lock_seconds(&self, seconds: u64) {
        self.inner
            .set_inactivity_lock(std::time::Duration::from_secs(seconds));
    }

    /// Rotates the data key (the database is re-encrypted under a new one).
    pub async fn rotate_data_key(&self) -> Result<(), QianpiError> {
        blocking(&self.inner, |client| Ok(client.rotate_data_key()?)).await
    }

    /// Wipes this phone's Qianpi data, crypto-shredding first (the keystore's keys are deleted
    /// through `KeyStore.delete`). The client stays locked; unlocking starts afresh.
    pub async fn wipe(&self) -> Result<(), QianpiError> {
        blocking(&self.inner, |client| Ok(client.wipe()?)).await
    }
}
