//! Locking and unlocking the phone's data, the inactivity lock, key rotation and wipe: the
//! [`Client`]'s side of `crate::session`. Every other method reaches the store through
//! [`Client::store`], which locks first if the data sat idle for too long.
//!
//! No Rust lock is held while the keystore runs (it may show a biometric prompt).

use super::observe::{publish, publish_lock, ChangeSender};
use super::{Client, ClientError};
use crate::files::FileVault;
use crate::screens::people::PeopleIndex;
use crate::session::{self, Unlocked};
use crate::store::{Store, StoreError};
use parking_lot::{MappedMutexGuard, MutexGuard};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The unlocked data, if any, and when it was last used.
/// Whether a read is a use of the data (it restarts the inactivity clock) or a look by a screen
/// refreshing on its own (it does not, so the lock still falls on an idle phone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// The person asked: restarts the inactivity clock.
    Use,
    /// A screen refreshed itself: locks first if the data sat idle too long.
    Peek,
}

pub(super) struct Session {
    unlocked: Option<Unlocked>,
    /// 通讯录 indexed for search, with the directory version it was built from: kept between
    /// searches (a keystroke each), dropped with the keys when the data locks.
    people: Option<(String, Arc<PeopleIndex>)>,
    last_used: Instant,
    lock_after: Duration,
    /// The policy (version, minutes) `lock_after` last followed: a newer one from the gateway
    /// replaces what a shell set, the same one does not.
    followed_policy: (u64, u32),
    /// Where lock changes and the store's committed writes are told.
    changes: ChangeSender,
}

impl Session {
    /// The session over freshly unlocked data; its store tells `changes` what each committed
    /// write touched.
    pub(super) fn new(
        mut unlocked: Unlocked,
        changes: ChangeSender,
    ) -> Result<Session, ClientError> {
        let policy = unlocked.store.policy()?;
        let minutes = policy.inactivity_lock_minutes;
        let sink = changes.clone();
        unlocked
            .store
            .watch_changes(Arc::new(move |topics| publish(&sink, topics)))?;
        Ok(Session {
            unlocked: Some(unlocked),
            people: None,
            last_used: Instant::now(),
            lock_after: Duration::from_secs(u64::from(minutes) * 60),
            followed_policy: (policy.version, minutes),
            changes,
        })
    }

    /// Locks (drops the store, its keys and the file keys) once idle for too long. Measured on
    /// the monotonic clock, which the user cannot set back.
    fn expire(&mut self) {
        if self.unlocked.is_some() && self.last_used.elapsed() >= self.lock_after {
            self.close();
        }
    }

    /// Drops the unlocked data, telling the watchers if it was open.
    fn close(&mut self) {
        self.people = None;
        if self.unlocked.take().is_some() {
            publish_lock(&self.changes);
        }
    }

    /// When the data locks itself if left alone; none while locked, or when the inactivity
    /// limit is too far off for the clock to name (a shell may set any number of seconds).
    pub(super) fn deadline(&mut self) -> Option<Instant> {
        self.expire();
        self.unlocked
            .as_ref()
            .and_then(|_| self.last_used.checked_add(self.lock_after))
    }

    /// A use of the data: expires it if idle too long, else restarts the inactivity clock.
    fn touch(&mut self) {
        self.expire();
        self.last_used = Instant::now();
    }
}

impl Client {
    /// Locks now: the store closes and every key in memory is dropped (zeroized). Everything
    /// but [`Client::unlock`] then fails with [`StoreError::Locked`].
    pub fn lock(&self) {
        self.session.lock().close();
    }

    /// Whether the data is locked (on request or after inactivity). Asking is not a use: a shell
    /// polling this does not keep the data unlocked.
    pub fn is_locked(&self) -> bool {
        let mut session = self.session.lock();
        session.expire();
        session.unlocked.is_none()
    }

    /// Unlocks through the keystore (which may ask the user for a fingerprint: no lock is held
    /// while it runs). Unlocking an unlocked client changes nothing.
    pub fn unlock(&self) -> Result<(), ClientError> {
        if !self.is_locked() {
            return Ok(());
        }
        let unlocked = session::unlock(&self.data_dir, self.keystore.as_ref())?;
        let fresh = Session::new(unlocked, self.changes.clone())?;
        {
            let mut session = self.session.lock();
            if session.unlocked.is_none() {
                *session = fresh;
                publish_lock(&self.changes);
            }
        }
        self.enforce_wipe_limit()
    }

    /// Sets how long the data stays unlocked without use, until the gateway sends another
    /// policy (the policy's value applies again at unlock).
    pub fn set_inactivity_lock(&self, after: Duration) {
        self.session.lock().lock_after = after;
    }

    /// How long the data stays unlocked without use now: the unit's policy as last received,
    /// or what [`Client::set_inactivity_lock`] set since.
    pub fn inactivity_lock(&self) -> Duration {
        self.session.lock().lock_after
    }

    /// Follows the stored policy's inactivity lock if it changed since the session last
    /// followed one (a sync stored a newer policy). Nothing to do while locked: the policy
    /// applies at unlock.
    pub(super) fn follow_policy(&self) -> Result<(), ClientError> {
        let mut session = self.session.lock();
        let Some(unlocked) = session.unlocked.as_ref() else {
            return Ok(());
        };
        let policy = unlocked.store.policy()?;
        let current = (policy.version, policy.inactivity_lock_minutes);
        if current != session.followed_policy {
            session.followed_policy = current;
            session.lock_after = Duration::from_secs(u64::from(current.1) * 60);
        }
        Ok(())
    }

    /// Wipes this phone's Qianpi data: crypto-shredding first (the wrapped data key and the
    /// keystore keys), then the files. A crash midway is finished at the next open. The client
    /// stays locked; unlocking starts an empty, unactivated store.
    pub fn wipe(&self) -> Result<(), ClientError> {
        self.lock();
        session::wipe(&self.data_dir, self.keystore.as_ref())?;
        Ok(())
    }

    /// Rotates the data key: the database is re-encrypted under a new key and the old one is
    /// forgotten. Crash-safe; the next open settles an interrupted rotation.
    pub fn rotate_data_key(&self) -> Result<(), ClientError> {
        // Wrapping the new key calls the keystore: take the data out of the session meanwhile.
        let mut unlocked = self.take_unlocked()?;
        let result =
            session::rotate_data_key(&self.data_dir, self.keystore.as_ref(), &mut unlocked);
        self.session.lock().unlocked = Some(unlocked);
        Ok(result?)
    }

    /// Rotates the keystore key that wraps the data key (re-wrap); the data stays as it is.
    pub fn rewrap_data_key(&self) -> Result<(), ClientError> {
        session::rewrap(&self.data_dir, self.keystore.as_ref())?;
        Ok(())
    }

    fn take_unlocked(&self) -> Result<Unlocked, ClientError> {
        let mut session = self.session.lock();
        session.touch();
        session
            .unlocked
            .take()
            .ok_or(ClientError::Store(StoreError::Locked))
    }

    /// The store, if unlocked (locking it first if it sat idle too long).
    pub(super) fn store(&self) -> Result<MappedMutexGuard<'_, Store>, ClientError> {
        let mut session = self.session.lock();
        session.touch();
        MutexGuard::try_map(session, |s| s.unlocked.as_mut().map(|u| &mut u.store))
            .map_err(|_| ClientError::Store(StoreError::Locked))
    }

    /// The store for a use ([`Access::Use`], as [`Client::store`]) or a look that is not one
    /// ([`Access::Peek`], as [`Client::store_peek`]).
    pub(super) fn store_as(
        &self,
        access: Access,
    ) -> Result<MappedMutexGuard<'_, Store>, ClientError> {
        match access {
            Access::Use => self.store(),
            Access::Peek => self.store_peek(),
        }
    }

    /// The store for a look that is not a use (a screen refreshing on its own): locks it first
    /// if it sat idle too long, but does not restart the inactivity clock.
    pub(super) fn store_peek(&self) -> Result<MappedMutexGuard<'_, Store>, ClientError> {
        let mut session = self.session.lock();
        session.expire();
        MutexGuard::try_map(session, |s| s.unlocked.as_mut().map(|u| &mut u.store))
            .map_err(|_| ClientError::Store(StoreError::Locked))
    }

    /// The address book's search index, built again only when the stored directory changed.
    pub(super) fn people_index(&self) -> Result<Arc<PeopleIndex>, ClientError> {
        self.people_index_as(Access::Use)
    }

    /// The address book's index for a use, or for a look that is not one ([`Access::Peek`]: a
    /// screen refreshing on its own does not hold off the inactivity lock).
    pub(super) fn people_index_as(&self, access: Access) -> Result<Arc<PeopleIndex>, ClientError> {
        let mut session = self.session.lock();
        match access {
            Access::Use => session.touch(),
            Access::Peek => session.expire(),
        }
        let Session {
            unlocked, people, ..
        } = &mut *session;
        let store = &unlocked
            .as_ref()
            .ok_or(ClientError::Store(StoreError::Locked))?
            .store;
        let version = store.directory_version()?;
        if let (Some(version), Some((built, index))) = (&version, people.as_ref()) {
            if version == built {
                return Ok(Arc::clone(index));
            }
        }
        let index = Arc::new(
            store
                .directory()?
                .as_ref()
                .map(PeopleIndex::new)
                .unwrap_or_default(),
        );
        *people = version.map(|v| (v, Arc::clone(&index)));
        Ok(index)
    }

    /// The encrypted files, if unlocked.
    pub(super) fn files(&self) -> Result<MappedMutexGuard<'_, FileVault>, ClientError> {
        let mut session = self.session.lock();
        session.touch();
        MutexGuard::try_map(session, |s| s.unlocked.as_mut().map(|u| &mut u.files))
            .map_err(|_| ClientError::Store(StoreError::Locked))
    }
}

#[cfg(test)]
mod tests;
