//! 公文详情 on the phone: the detail screen of a task, read item, 已发 instance or document, built
//! from the store alone (offline too) at the gateway-corrected time, so 超期 agrees with the
//! gateway's clock.

use super::lifecycle::Access;
use super::views::inbox_item;
use super::{Client, ClientError};
use crate::screens::detail::{self, DocumentDetail};

impl Client {
    /// The detail screen of `id`: a task id (待办, 已办, 草稿), a read item id (待阅, 已阅), an
    /// instance id (已发) or a document id. Fails with [`ClientError::NoSuchDocument`] when
    /// nothing with that id is on this phone.
    pub fn document_detail(&self, id: &str) -> Result<DocumentDetail, ClientError> {
        self.document_detail_as(id, Access::Use)
    }

    /// The detail screen of `id`, read as a use of the data or as a screen's own refresh.
    pub(super) fn document_detail_as(
        &self,
        id: &str,
        access: Access,
    ) -> Result<DocumentDetail, ClientError> {
        let store = self.store_as(access)?;
        let (account, device) = store.account()?.ok_or(ClientError::NotActivated)?;
        let rows = store
            .detail_rows(id)?
            .ok_or_else(|| ClientError::NoSuchDocument(id.to_owned()))?;
        let directory = store.directory()?;
        drop(store);
        let now = self.device_now() + chrono::Duration::milliseconds(device.clock_offset_ms);
        let user_id = &account.identity.user_id;
        let my_task = rows
            .flow
            .as_ref()
            .and_then(|flow| flow.viewer_task.as_ref())
            .map(|row| inbox_item(row, user_id, now));
        let mut detail = detail::build(rows, &account.identity, my_task, now);
        if let Some(directory) = &directory {
            detail.name_people(directory);
        }
        Ok(detail)
    }
}

#[cfg(test)]
mod names_tests;
#[cfg(test)]
mod tests;
