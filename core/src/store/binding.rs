//! What the phone knows of its own binding besides the account (store version 13): whether it
//! still waits for an administrator's approval, the name and platform it registered, the
//! assurance of its keys as far as the phone knows, and when it was bound. Written with the
//! account at activation, in the same transaction; the waiting flag cleared once the gateway
//! lets the device in.

use super::account::replace_account;
use super::{Account, Store, StoreError};
use crate::link::Trust;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// The device's own description of its binding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Binding {
    /// Whether every signed request is still refused until an administrator approves.
    pub pending_approval: bool,
    /// The device name it registered (None for a device bound before the store kept it).
    pub device_name: Option<String>,
    /// `android`, `ios` or `terminal`.
    pub platform: Option<String>,
    /// How its keys are held, as the phone knows it (`software`, `unattested`,
    /// `attestation_sent`).
    pub assurance: Option<String>,
    /// When the gateway bound it (the gateway's clock).
    pub activated_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Stores a freshly activated device's account, trust and binding in one transaction,
    /// replacing any earlier binding and all of its data.
    pub fn save_activation(
        &mut self,
        account: &Account,
        clock_offset_ms: i64,
        trust: &Trust,
        binding: &Binding,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        replace_account(&tx, account, clock_offset_ms, trust)?;
        tx.execute(
            "UPDATE account SET pending_approval = ?1, device_name = ?2, platform = ?3,
                assurance = ?4, activated_at = ?5 WHERE id = 1",
            params![
                binding.pending_approval,
                binding.device_name,
                binding.platform,
                binding.assurance,
                binding.activated_at.map(|t| t.to_rfc3339()),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The binding, once activated.
    pub fn binding(&self) -> Result<Option<Binding>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT pending_approval, device_name, platform, assurance, activated_at
                 FROM account WHERE id = 1",
            )?
            .query_row([], |r| {
                Ok((
                    r.get::<_, bool>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .optional()?;
        let Some((pending_approval, device_name, platform, assurance, at)) = row else {
            return Ok(None);
        };
        let activated_at = at
            .map(|t| DateTime::parse_from_rfc3339(&t).map(|t| t.with_timezone(&Utc)))
            .transpose()
            .map_err(|e| StoreError::Corrupted(format!("activation time: {e}")))?;
        Ok(Some(Binding {
            pending_approval,
            device_name,
            platform,
            assurance,
            activated_at,
        }))
    }

    /// Records whether the device still waits for an administrator's approval.
    pub fn set_pending_approval(&mut self, pending: bool) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE account SET pending_approval = ?1 WHERE id = 1",
            [pending],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{account, store_in};
    use super::*;
    use crate::keys::DataKey;

    #[test]
    fn the_binding_is_kept_with_the_account_and_the_wait_ends_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
        let binding = Binding {
            pending_approval: true,
            device_name: Some("华为 Mate 60".into()),
            platform: Some("android".into()),
            assurance: Some("attestation_sent".into()),
            activated_at: Some(DateTime::from_timestamp(1_800_000_000, 0).unwrap()),
        };
        store
            .save_activation(&account(), 0, &Trust::default(), &binding)
            .unwrap();
        assert_eq!(store.binding().unwrap(), Some(binding.clone()));
        store.set_pending_approval(false).unwrap();
        let approved = store.binding().unwrap().unwrap();
        assert!(!approved.pending_approval);
        assert_eq!(approved.device_name, binding.device_name);
        // A binding saved the old way knows nothing of itself and does not wait.
        store.save_account(&account(), 0).unwrap();
        assert_eq!(store.binding().unwrap(), Some(Binding::default()));
    }
}
