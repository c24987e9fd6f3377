//! Observers for the screens that show one thing: a document's detail (it moves when its flow
//! or document changes, when an action on it is queued here or decided at the gateway, and at a
//! lock or unlock) and the people picker (it moves when the address book is fetched anew).

use super::{observe, TaskHandle};
use crate::detail::DocumentDetail;
use crate::people::DepartmentGroup;
use crate::{QianpiClient, QianpiError};
use qianpi_core::client::Generations;
use qianpi_core::Client;
use std::sync::Arc;

/// Follows one document's detail screen.
#[uniffi::export(with_foreign)]
pub trait DocumentObserver: Send + Sync {
    /// The detail, now.
    fn on_update(&self, detail: DocumentDetail);
    /// It cannot be read now: the data is locked, or the document left the phone.
    fn on_error(&self, error: QianpiError);
}

/// Follows the people picker.
#[uniffi::export(with_foreign)]
pub trait PeopleObserver: Send + Sync {
    /// Departments with their people, now.
    fn on_update(&self, groups: Vec<DepartmentGroup>);
    /// They cannot be read now (most often: the data is locked).
    fn on_error(&self, error: QianpiError);
}

#[uniffi::export]
impl QianpiClient {
    /// Follows the detail screen of `id` (a task, read item, 已发 instance or document id, as
    /// `document_detail` takes): `observer` gets the detail now and after each change to it.
    pub fn observe_document(
        &self,
        id: String,
        observer: Arc<dyn DocumentObserver>,
    ) -> Result<Arc<TaskHandle>, QianpiError> {
        observe(
            &self.inner,
            Generations::shows_detail,
            move |c: &Client| c.document_overview(&id),
            move |result| match result {
                Ok(detail) => observer.on_update(DocumentDetail::from(detail)),
                Err(error) => observer.on_error(error),
            },
        )
    }

    /// Follows the people picker: departments with their people now and after each fetch that
    /// changed the address book; `exclude_self` leaves out this user.
    pub fn observe_people(
        &self,
        exclude_self: bool,
        observer: Arc<dyn PeopleObserver>,
    ) -> Result<Arc<TaskHandle>, QianpiError> {
        observe(
            &self.inner,
            Generations::shows_people,
            move |c: &Client| c.people_overview(exclude_self),
            move |result| match result {
                Ok(groups) => observer.on_update(groups.into_iter().map(Into::into).collect()),
                Err(error) => observer.on_error(error),
            },
        )
    }
}
