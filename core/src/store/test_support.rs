//! Fixtures shared by the store's tests: a fresh store with an activated account, and inbox
//! entries for a two-step 收文 flow handled by the signed-in user.

use super::*;
use crate::model::{Document, Identity, Urgency};
use crate::protocol::{Change, InboxEntry, SyncPage};
use crate::workflow::{self, Actor, Command, Env, Instance, Opinion, ProcessDefinition};
use chrono::{DateTime, Duration, Utc};
use qianpi_domain::fixtures;

/// The signed-in user of every fixture store.
pub(super) const ME: &str = "wang";

/// A fixed time.
pub(super) fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// `t0()` plus some days.
pub(super) fn days(n: i64) -> DateTime<Utc> {
    t0() + Duration::days(n)
}

/// The account of [`ME`].
pub(super) fn account() -> Account {
    Account {
        server_url: "http://127.0.0.1:1/".into(),
        device_id: "dev-1".into(),
        identity: Identity {
            user_id: ME.into(),
            name: "王局长".into(),
            post: "局长".into(),
            unit_id: "unit".into(),
        },
        unit_name: "山西省农业厅办公室".into(),
        request_key_id: "dk_x".into(),
        approval_key_id: "ak_x".into(),
        access_token: "token-secret".into(),
        gateway_key: None,
    }
}

/// A new store in `dir` with [`ME`] signed in.
pub(super) fn store_in(dir: &std::path::Path, key: &crate::keys::DataKey) -> Store {
    let mut store = Store::open(&dir.join("t.db"), key).unwrap();
    store.save_account(&account(), 0).unwrap();
    store
}

/// 拟办 by [`ME`], then 办结 by `li`.
pub(super) fn definition() -> ProcessDefinition {
    fixtures::receiving_flow(ME, "li")
}

/// A document `id`, titled `title`, at `urgency`, with one final PDF body version.
pub(super) fn document(id: &str, title: &str, urgency: Urgency) -> Document {
    Document {
        urgency,
        ..fixtures::with_pdf_body(fixtures::incoming(id, "unit", title))
    }
}

/// The entry of [`ME`]'s task on a freshly started instance `id`, started at `at`.
pub(super) fn fresh_entry(
    id: &str,
    title: &str,
    urgency: Urgency,
    at: DateTime<Utc>,
) -> InboxEntry {
    let definition = definition();
    let instance = Instance::start(Env::new(&definition), id, id, "initiator", at).unwrap();
    InboxEntry {
        task_id: instance.tasks[0].id.clone(),
        document: document(id, title, urgency),
        instance,
        definition,
    }
}

/// The same entry after [`ME`] approved it at `at` with `text`.
pub(super) fn approved(entry: &InboxEntry, text: &str, at: DateTime<Utc>) -> InboxEntry {
    let submission = workflow::Submission {
        command_id: format!("{}-approve", entry.task_id),
        actor: Actor::user(ME),
        acting_for: None,
        base_version: entry.instance.version,
        command: Command::Approve {
            task_id: entry.task_id.clone(),
            route: None,
            opinion: Opinion::agree(text),
        },
        at,
    };
    let instance =
        match workflow::execute(Env::new(&entry.definition), &entry.instance, &submission).unwrap()
        {
            workflow::Outcome::Applied { instance, .. } => *instance,
            workflow::Outcome::Duplicate { .. } => unreachable!("fresh command id"),
        };
    InboxEntry {
        instance,
        ..entry.clone()
    }
}

/// A page carrying `entries`.
pub(super) fn page(entries: Vec<InboxEntry>, cursor: &str) -> SyncPage {
    SyncPage {
        changes: entries
            .into_iter()
            .map(|e| Change::Inbox { entry: Box::new(e) })
            .collect(),
        next_cursor: cursor.into(),
        has_more: false,
        checksum: String::new(),
        checkpoint: None,
        server_time: t0(),
        phrases: None,
    }
}
