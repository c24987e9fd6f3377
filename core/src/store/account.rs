//! The device's binding to a user at a gateway, its signing chain (next counter, last record
//! hash), connectivity and clock offset; the sync cursors; the policy the gateway sets; and the
//! store's own secrets (the root of the file keys), which live only inside the encrypted file.

use super::{decode, encode, Store, StoreError};
use crate::crypto;
use crate::files::FileRootKey;
use crate::link::Trust;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// The feed the phone pulls its changes from.
pub(super) const CHANGES_FEED: &str = "changes";
/// Name of the file-key root among the store's secrets.
const FILE_ROOT: &str = "file_root.v1";

/// The device's binding to a user at a gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The gateway's base URL.
    pub server_url: String,
    /// The device id the gateway assigned.
    pub device_id: String,
    /// The user.
    pub identity: crate::model::Identity,
    /// The unit's name.
    pub unit_name: String,
    /// Key id of the request key.
    pub request_key_id: String,
    /// Key id of the approval key.
    pub approval_key_id: String,
    /// The access token (bound to the request key).
    pub access_token: String,
    /// The gateway's statement key, learned at activation: receipts, checkpoints, notices and
    /// wipe commands verify under it. None only for a device bound before the gateway signed
    /// anything; such a device must be activated again.
    pub gateway_key: Option<crate::protocol::GatewayPublicKey>,
}

/// The device's signing state and connectivity, kept beside the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceState {
    /// The counter the next command record gets.
    pub next_counter: u64,
    /// Base64 hash of the last record; empty before the first.
    pub last_record_hash: String,
    /// Server time minus device time, in milliseconds, learned from the last response.
    pub clock_offset_ms: i64,
    /// Whether the last attempt to reach the gateway succeeded.
    pub online: bool,
    /// The pull cursor.
    pub cursor: String,
}

/// What the gateway's policy asks of this phone. Until a policy arrives, the defaults hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// The policy's version (0: the built-in defaults).
    pub version: u64,
    /// Finished items are kept this many days; pending ones always.
    pub retention_days: u32,
    /// The app locks after this many minutes without use.
    pub inactivity_lock_minutes: u32,
    /// Approving a document whose body was never opened here: allowed, warned or refused.
    pub unopened_body: crate::protocol::UnopenedBodyRule,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            version: 0,
            retention_days: 30,
            inactivity_lock_minutes: 5,
            unopened_body: crate::protocol::UnopenedBodyRule::Allow,
        }
    }
}

/// The signed-in user's id, if the device is activated.
pub(super) fn signed_in_user(conn: &Connection) -> Result<Option<String>, rusqlite::Error> {
    conn.prepare_cached("SELECT json_extract(identity, '$.user_id') FROM account WHERE id = 1")?
        .query_row([], |r| r.get::<_, String>(0))
        .optional()
}

impl Store {
    /// The signed-in user's id (empty before activation).
    pub(super) fn user_id(&self) -> Result<String, StoreError> {
        Ok(signed_in_user(&self.conn)?.unwrap_or_default())
    }

    /// The account, once the device is activated.
    pub fn account(&self) -> Result<Option<(Account, DeviceState)>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT server_url, device_id, identity, unit_name, request_key_id, approval_key_id,
                        access_token, next_counter, last_record_hash, clock_offset_ms, online,
                        (SELECT cursor FROM sync_cursors WHERE feed = ?1), gateway_key
                 FROM account WHERE id = 1",
            )?
            .query_row([CHANGES_FEED], |row| {
                let account = (
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                );
                let state = DeviceState {
                    next_counter: row.get::<_, i64>(7)?.try_into().unwrap_or(0),
                    last_record_hash: row.get(8)?,
                    clock_offset_ms: row.get(9)?,
                    online: row.get(10)?,
                    cursor: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
                };
                Ok((account, state, row.get::<_, Option<String>>(12)?))
            })
            .optional()?;
        let Some((fields, state, gateway_key)) = row else {
            return Ok(None);
        };
        let (server_url, device_id, identity, unit_name, request_key_id, approval_key_id, token) =
            fields;
        let account = Account {
            server_url,
            device_id,
            identity: decode(&identity)?,
            unit_name,
            request_key_id,
            approval_key_id,
            access_token: token,
            gateway_key: gateway_key.as_deref().map(decode).transpose()?,
        };
        Ok(Some((account, state)))
    }

    /// Stores the account of a freshly activated device, replacing any earlier binding and all
    /// of its data (another user's documents must not stay on the phone).
    pub fn save_account(
        &mut self,
        account: &Account,
        clock_offset_ms: i64,
    ) -> Result<(), StoreError> {
        self.save_account_with_trust(account, clock_offset_ms, &Trust::default())
    }

    /// [`Store::save_account`] with the deployment's trust (CA certificates and pins) the
    /// activation went through, kept with the account in the same transaction: every later
    /// connection checks the gateway against them.
    pub fn save_account_with_trust(
        &mut self,
        account: &Account,
        clock_offset_ms: i64,
        trust: &Trust,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        replace_account(&tx, account, clock_offset_ms, trust)?;
        tx.commit()?;
        Ok(())
    }

    /// The deployment's trust kept with the account: empty before activation, for an account
    /// bound before the store kept it, or for a development gateway on plain http.
    pub fn trust(&self) -> Result<Trust, StoreError> {
        let trust: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT trust FROM account WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        trust
            .flatten()
            .as_deref()
            .map(decode)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// Records whether the gateway answered, and the clock offset it implied.
    pub fn set_network(
        &mut self,
        online: bool,
        clock_offset_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE account SET online = ?1, clock_offset_ms = COALESCE(?2, clock_offset_ms) WHERE id = 1",
            params![online, clock_offset_ms],
        )?;
        Ok(())
    }

    /// The policy in force (the defaults until the gateway sends one).
    pub fn policy(&self) -> Result<Policy, StoreError> {
        let body: Option<String> = self
            .conn
            .prepare_cached("SELECT body FROM policy WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        body.as_deref()
            .map(decode)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// Stores a policy from the gateway; an older version than the stored one is ignored.
    pub fn save_policy(&mut self, policy: &Policy) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO policy (id, version, body) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body
             WHERE excluded.version >= policy.version",
            params![
                i64::try_from(policy.version).unwrap_or(i64::MAX),
                encode(policy)?
            ],
        )?;
        Ok(())
    }

    /// The root of the per-file keys, created on first use. It lives only inside the encrypted
    /// database, so the data key protects it, rekeying re-protects it, and shredding the data key
    /// shreds every file with it.
    pub fn file_root_key(&mut self) -> Result<FileRootKey, StoreError> {
        let stored: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT value FROM secrets WHERE name = ?1",
                [FILE_ROOT],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(bytes) = stored {
            let bytes = zeroize::Zeroizing::new(bytes);
            return FileRootKey::from_bytes(&bytes).ok_or_else(|| {
                StoreError::Corrupted("the file key root has the wrong size".into())
            });
        }
        let fresh = zeroize::Zeroizing::new(
            crypto::random_bytes::<32>().map_err(|e| StoreError::Corrupted(e.to_string()))?,
        );
        self.conn.execute(
            "INSERT INTO secrets (name, value) VALUES (?1, ?2)",
            params![FILE_ROOT, fresh.as_slice()],
        )?;
        FileRootKey::from_bytes(fresh.as_slice())
            .ok_or_else(|| StoreError::Corrupted("the file key root has the wrong size".into()))
    }
}

/// Replaces the binding and all data of the one before with `account`, inside `tx`.
pub(super) fn replace_account(
    tx: &rusqlite::Transaction<'_>,
    account: &Account,
    clock_offset_ms: i64,
    trust: &Trust,
) -> Result<(), StoreError> {
    tx.execute_batch(
        "DELETE FROM tasks; DELETE FROM read_items; DELETE FROM trace; DELETE FROM opinions;
         DELETE FROM instances; DELETE FROM body_versions; DELETE FROM attachments;
         DELETE FROM documents; DELETE FROM definitions; DELETE FROM notices;
         DELETE FROM receipts; DELETE FROM drafts; DELETE FROM outbox; DELETE FROM verdicts;
         DELETE FROM sync_cursors; DELETE FROM policy; DELETE FROM checkpoint;
         DELETE FROM opened_files; DELETE FROM account;",
    )?;
    tx.execute(
        "INSERT INTO account (id, server_url, device_id, identity, unit_name, request_key_id,
        approval_key_id, access_token, next_counter, last_record_hash, clock_offset_ms, online,
        gateway_key, trust)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, '', ?8, 1, ?9, ?10)",
        params![
            account.server_url,
            account.device_id,
            encode(&account.identity)?,
            account.unit_name,
            account.request_key_id,
            account.approval_key_id,
            account.access_token,
            clock_offset_ms,
            account.gateway_key.as_ref().map(encode).transpose()?,
            encode(trust)?
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{account, store_in};
    use crate::keys::DataKey;
    use crate::link::Trust;

    #[test]
    fn the_deployment_trust_is_kept_with_the_account_and_replaced_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path(), &DataKey::generate().unwrap());
        assert_eq!(store.trust().unwrap(), Trust::default());
        let trust = Trust {
            anchors_pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into(),
            pins: vec!["sha256/a".into(), "sha256/b".into()],
        };
        store
            .save_account_with_trust(&account(), 0, &trust)
            .unwrap();
        assert_eq!(store.trust().unwrap(), trust);
        // A plain binding (a development gateway) leaves no trust of the one before.
        store.save_account(&account(), 0).unwrap();
        assert_eq!(store.trust().unwrap(), Trust::default());
    }
}
