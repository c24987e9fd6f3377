//! 通讯录 as the shells show it: fetching the unit's address book, the offline search (name, full
//! pinyin, pinyin initials) for the contacts screen, and the department picker for 转办, 加签,
//! 传阅 and 委托. Conversion only.

use crate::{blocking, runtime, QianpiClient, QianpiError};
use qianpi_core::client::PeopleSync as CorePeopleSync;
use qianpi_core::screens::people::{Contact as CoreContact, DepartmentGroup as CoreGroup};
use std::sync::Arc;

/// One person of the address book.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Contact {
    /// User id (what a transfer, added signer or delegation names).
    pub user_id: String,
    /// 姓名.
    pub name: String,
    /// 职务.
    pub post: String,
    /// 处室 (empty when none is recorded).
    pub department: String,
    /// 办公电话, when the unit shows them.
    pub office_phone: Option<String>,
    /// Full pinyin of the name, for an index bar.
    pub pinyin: String,
}

/// A department with its people, for a picker.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DepartmentGroup {
    /// The department (未分处室 for people without one).
    pub name: String,
    /// Its people, in pinyin order.
    pub people: Vec<Contact>,
}

/// What fetching the address book did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PeopleSync {
    /// Whether a new directory arrived (false: the phone's copy was current).
    pub changed: bool,
    /// How many people the phone now holds.
    pub people: u32,
}

impl From<CoreContact> for Contact {
    fn from(c: CoreContact) -> Contact {
        Contact {
            user_id: c.user_id,
            name: c.name,
            post: c.post,
            department: c.department,
            office_phone: c.office_phone,
            pinyin: c.pinyin,
        }
    }
}

impl From<CoreGroup> for DepartmentGroup {
    fn from(g: CoreGroup) -> DepartmentGroup {
        DepartmentGroup {
            name: g.name,
            people: g.people.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<CorePeopleSync> for PeopleSync {
    fn from(s: CorePeopleSync) -> PeopleSync {
        PeopleSync {
            changed: s.changed,
            people: u32::try_from(s.people).unwrap_or(u32::MAX),
        }
    }
}

#[uniffi::export]
impl QianpiClient {
    /// Fetches the unit's address book when it changed (an unchanged one costs an empty answer).
    pub async fn sync_people(&self) -> Result<PeopleSync, QianpiError> {
        let inner = Arc::clone(&self.inner);
        runtime()?
            .spawn(async move { inner.sync_people().await })
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })?
            .map(Into::into)
            .map_err(Into::into)
    }

    /// The people matching `query` (name, full pinyin, initials, post or department), best
    /// first; an empty query lists everyone. Offline, from the copy on the phone.
    pub async fn search_people(
        &self,
        query: String,
        limit: u32,
    ) -> Result<Vec<Contact>, QianpiError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        blocking(&self.inner, move |client| {
            Ok(client
                .search_people(&query, limit)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
    }

    /// The picker: departments with their people; `exclude_self` leaves out this user.
    pub async fn people_picker(
        &self,
        exclude_self: bool,
    ) -> Result<Vec<DepartmentGroup>, QianpiError> {
        blocking(&self.inner, move |client| {
            Ok(client
                .people_picker(exclude_self)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
    }
}
