//! Prepare, sign elsewhere, complete: what a shell with a biometric prompt relies on.

use super::super::test_support::{apply, offline_client, ME};
use crate::client::ClientError;
use crate::keys::{DeviceSigner, APPROVAL_KEY_ALIAS};
use crate::model::Opinion;
use crate::protocol::{Change, InboxEntry};
use crate::software::SoftwareKeyVault;
use crate::store::StoreError;
use crate::workflow::{Command, Env, Instance};
use chrono::Utc;
use qianpi_domain::fixtures;

/// [`ME`]'s pending task on a fresh one-step flow, filed on `client`.
fn pending(client: &crate::Client, id: &str) -> String {
    let definition = fixtures::one_step_flow(&format!("flow-{id}"), ME);
    let instance = Instance::start(Env::new(&definition), id, id, "initiator", Utc::now()).unwrap();
    let entry = InboxEntry {
        task_id: instance.tasks[0].id.clone(),
        document: fixtures::incoming(id, "unit", "关于春耕的请示"),
        instance,
        definition,
    };
    let task = entry.task_id.clone();
    apply(
        client,
        vec![Change::Inbox {
            entry: Box::new(entry),
        }],
    );
    task
}

fn approve(task: &str) -> Command {
    Command::Approve {
        task_id: task.to_owned(),
        route: None,
        opinion: Opinion::agree("同意。"),
    }
}

/// The shell's side: the keystore signs after the user confirmed.
fn sign(root: &std::path::Path, bytes: &[u8]) -> Vec<u8> {
    let vault = SoftwareKeyVault::open(&root.join("vault"), "口令 pass").unwrap();
    vault
        .sign(APPROVAL_KEY_ALIAS.to_owned(), bytes.to_vec())
        .unwrap()
}

#[test]
fn a_prepared_action_signed_by_the_shell_is_queued_as_signed() {
    let (root, client, _) = offline_client();
    let task = pending(&client, "doc-1");
    let prepared = client.prepare_action(&task, &approve(&task), None).unwrap();
    assert_eq!(prepared.action(), "approve");
    assert!(
        client.outbox().unwrap().is_empty(),
        "preparing writes nothing"
    );
    let signature = sign(root.path(), prepared.to_be_signed());
    let command_id = prepared.command_id().to_owned();
    let queued = client.complete_action(prepared, &signature).unwrap();
    assert_eq!(queued.command_id, command_id);
    let outbox = client.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    let vault = SoftwareKeyVault::open(&root.path().join("vault"), "口令 pass").unwrap();
    let spki = vault.public_key(APPROVAL_KEY_ALIAS.to_owned()).unwrap();
    let record = outbox[0].command.verify(&spki).unwrap();
    assert_eq!(record.command_id, command_id);
}

#[test]
fn a_cancelled_prompt_leaves_nothing_and_the_next_action_goes_through() {
    let (root, client, _) = offline_client();
    let task = pending(&client, "doc-1");
    // The user cancels the prompt: the shell drops what it prepared.
    drop(client.prepare_action(&task, &approve(&task), None).unwrap());
    assert!(client.outbox().unwrap().is_empty());
    let prepared = client.prepare_action(&task, &approve(&task), None).unwrap();
    let signature = sign(root.path(), prepared.to_be_signed());
    client.complete_action(prepared, &signature).unwrap();
    assert_eq!(client.outbox().unwrap().len(), 1);
}

#[test]
fn a_signature_over_other_bytes_is_refused_and_nothing_is_queued() {
    let (root, client, _) = offline_client();
    let task = pending(&client, "doc-1");
    let prepared = client.prepare_action(&task, &approve(&task), None).unwrap();
    let signature = sign(root.path(), b"something else");
    let refused = client.complete_action(prepared, &signature);
    assert!(
        matches!(refused, Err(ClientError::Crypto(_))),
        "{refused:?}"
    );
    assert!(client.outbox().unwrap().is_empty());
}

#[test]
fn an_action_prepared_before_another_was_queued_must_be_prepared_again() {
    let (root, client, _) = offline_client();
    let first = pending(&client, "doc-1");
    let second = pending(&client, "doc-2");
    let early = client
        .prepare_action(&second, &approve(&second), None)
        .unwrap();
    client.act(approve(&first)).unwrap();
    let signature = sign(root.path(), early.to_be_signed());
    let stale = client.complete_action(early, &signature);
    assert!(
        matches!(stale, Err(ClientError::Store(StoreError::Contended))),
        "{stale:?}"
    );
    assert_eq!(client.outbox().unwrap().len(), 1, "only the first action");
    let again = client
        .prepare_action(&second, &approve(&second), None)
        .unwrap();
    let signature = sign(root.path(), again.to_be_signed());
    client.complete_action(again, &signature).unwrap();
    assert_eq!(client.outbox().unwrap().len(), 2);
}
