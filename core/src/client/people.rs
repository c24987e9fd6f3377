//! 通讯录 on the phone: fetching the unit's address book from the gateway (a bodiless 304 while it
//! is unchanged), and searching it and building pickers offline from the copy in the store
//! (indexed once per directory version and kept until the data locks, `lifecycle.rs`).

use super::lifecycle::Access;
use super::{Client, ClientError};
use crate::link::Credentials;
use crate::screens::people::{Contact, DepartmentGroup};
use std::sync::Arc;

/// What fetching the address book did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleSync {
    /// Whether a new directory arrived (false: the one held was current).
    pub changed: bool,
    /// How many people the phone now holds.
    pub people: usize,
}

impl Client {
    /// Fetches the unit's address book when it changed since the copy held. Needs the gateway.
    pub async fn sync_people(&self) -> Result<PeopleSync, ClientError> {
        let (gateway, credentials, known) = {
            let store = self.store()?;
            let (account, device) = store.account()?.ok_or(ClientError::NotActivated)?;
            let known = store.directory_version()?;
            let gateway = self.link(&store, &account, &device)?;
            let credentials = Credentials {
                signer: Arc::clone(&self.signer),
                request_key_id: account.request_key_id,
                access_token: account.access_token,
                clock_offset_ms: device.clock_offset_ms,
            };
            (gateway, credentials, known)
        };
        let fetched = gateway.people(&credentials, known.as_deref()).await?;
        let mut store = self.store()?;
        match fetched {
            Some(directory) => {
                let now = self.device_now();
                store.save_directory(&directory, now)?;
                Ok(PeopleSync {
                    changed: true,
                    people: directory.people.len(),
                })
            }
            None => Ok(PeopleSync {
                changed: false,
                people: store.directory()?.map_or(0, |d| d.people.len()),
            }),
        }
    }

    /// The people of the address book held on this phone matching `query` (name, full pinyin,
    /// pinyin initials, post or department), best first, at most `limit`. Works offline.
    pub fn search_people(&self, query: &str, limit: usize) -> Result<Vec<Contact>, ClientError> {
        Ok(self.people_index()?.search(query, limit))
    }

    /// The picker: departments with their people; `exclude_self` leaves out this user (for
    /// 转办, 加签 and 委托, where picking oneself makes no sense). Works offline.
    pub fn people_picker(&self, exclude_self: bool) -> Result<Vec<DepartmentGroup>, ClientError> {
        self.people_picker_as(exclude_self, Access::Use)
    }

    /// The picker, read as a use of the data or as a screen's own refresh.
    pub(super) fn people_picker_as(
        &self,
        exclude_self: bool,
        access: Access,
    ) -> Result<Vec<DepartmentGroup>, ClientError> {
        let index = self.people_index_as(access)?;
        let me = if exclude_self {
            let (account, _) = self
                .store_as(access)?
                .account()?
                .ok_or(ClientError::NotActivated)?;
            Some(account.identity.user_id)
        } else {
            None
        };
        Ok(index.picker(me.as_deref()))
    }
}
