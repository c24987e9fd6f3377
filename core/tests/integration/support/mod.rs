//! Fixtures for the integration tests, built through the public API only: the signed-in user's
//! account, a two-step 收文 flow whose first task is that user's, inbox entries on it, pulled
//! pages, the user's approval of an entry, and its signed record as the outbox keeps it.

// Each test module uses a different part of these fixtures.
#![allow(dead_code)]
// Fixture failures are test failures: they panic with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use qianpi_core::crypto;
use qianpi_core::keys::{DeviceSigner, APPROVAL_KEY_ALIAS};
use qianpi_core::model::{Document, Identity};
use qianpi_core::protocol::record::RecordContext;
use qianpi_core::protocol::{Change, CommandRecord, InboxEntry, SignedCommand, SyncPage};
use qianpi_core::store::{Account, OutboxRow};
use qianpi_core::workflow::{
    self, Actor, Command, Env, Instance, Opinion, Outcome, ProcessDefinition, Submission,
};
use qianpi_domain::fixtures;

/// The signed-in user of every fixture.
pub const ME: &str = "wang";

/// The passphrase of the tests' software key vaults.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// A fixed time.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap()
}

/// `t0()` plus some seconds.
pub fn seconds(n: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(n)
}

/// The account of [`ME`].
pub fn account() -> Account {
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

/// 拟办 by [`ME`], then 办结 by `li`.
pub fn definition() -> ProcessDefinition {
    fixtures::receiving_flow(ME, "li")
}

/// An unclassified incoming document `id`, titled `title`, with one final PDF body version.
pub fn document(id: &str, title: &str) -> Document {
    fixtures::with_pdf_body(fixtures::incoming(id, "unit", title))
}

/// The entry of [`ME`]'s task on a freshly started instance `id` carrying `document`.
pub fn entry_for(document: Document, at: DateTime<Utc>) -> InboxEntry {
    let definition = definition();
    let instance = Instance::start(
        Env::new(&definition),
        &document.id,
        &document.id,
        "initiator",
        at,
    )
    .unwrap();
    InboxEntry {
        task_id: instance.tasks[0].id.clone(),
        document,
        instance,
        definition,
    }
}

/// The entry of [`ME`]'s task on a freshly started instance `id`, document titled `title`.
pub fn fresh_entry(id: &str, title: &str, at: DateTime<Utc>) -> InboxEntry {
    entry_for(document(id, title), at)
}

/// The workflow command of [`ME`] approving `entry` with `text`.
pub fn approve_command(entry: &InboxEntry, text: &str) -> Command {
    Command::Approve {
        task_id: entry.task_id.clone(),
        route: None,
        opinion: Opinion::agree(text),
    }
}

/// The instance after [`ME`] approved `entry` with `text` at `at`: what a queued approval leaves
/// on the phone until the gateway's verdict.
pub fn approved(entry: &InboxEntry, text: &str, at: DateTime<Utc>) -> Instance {
    let submission = Submission {
        command_id: format!("{}-approve", entry.task_id),
        actor: Actor::user(ME),
        acting_for: None,
        base_version: entry.instance.version,
        command: approve_command(entry, text),
        at,
    };
    match workflow::execute(Env::new(&entry.definition), &entry.instance, &submission).unwrap() {
        Outcome::Applied { instance, .. } => *instance,
        Outcome::Duplicate { .. } => panic!("a fresh command id was taken for a duplicate"),
    }
}

/// A page carrying `entries`, ending at `cursor`.
pub fn page(entries: &[InboxEntry], cursor: &str) -> SyncPage {
    SyncPage {
        changes: entries
            .iter()
            .map(|e| Change::Inbox {
                entry: Box::new(e.clone()),
            })
            .collect(),
        next_cursor: cursor.into(),
        has_more: false,
        checksum: String::new(),
        checkpoint: None,
        server_time: t0(),
        phrases: None,
    }
}

/// The outbox entry of [`ME`] approving `entry` with `opinion`: a record taking device counter
/// `counter` after `prev_record_hash`, signed (as the client does) by `signer`'s approval key.
pub fn signed_approval(
    signer: &dyn DeviceSigner,
    entry: &InboxEntry,
    opinion: &str,
    counter: u64,
    prev_record_hash: &str,
    created_at: DateTime<Utc>,
) -> OutboxRow {
    let me = account();
    let record = CommandRecord::new(
        command_id(counter),
        approve_command(entry, opinion),
        None,
        RecordContext {
            identity: &me.identity,
            approval_key_id: &me.approval_key_id,
            counter,
            prev_record_hash,
            created_at,
            instance: &entry.instance,
            document: &entry.document,
            checkpoint: None,
        },
    )
    .unwrap();
    let unsigned = record.to_be_signed().unwrap();
    let der = signer
        .sign(
            APPROVAL_KEY_ALIAS.to_owned(),
            unsigned.to_be_signed().to_vec(),
        )
        .unwrap();
    let command =
        SignedCommand::assemble(unsigned, &crypto::der_to_raw_signature(&der).unwrap()).unwrap();
    OutboxRow {
        record_hash: command.record_hash().unwrap(),
        command,
        task_id: entry.task_id.clone(),
        counter,
        created_at,
        decided_offline: counter % 2 == 0,
    }
}

/// The command id of the record with device counter `counter` (fixed, so tests can predict it).
pub fn command_id(counter: u64) -> String {
    format!("cmd-{counter:08}")
}
