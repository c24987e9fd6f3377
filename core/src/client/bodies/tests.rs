//! Bodies on one phone without a gateway: the record names the version held, the unit's rule on
//! unopened bodies (allow, warn, refuse) as the actions and the detail meet it, the stream
//! handing out exactly the file and refusing a damaged one, and a prefetch that does nothing on
//! a metered network.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::super::test_support::{apply, offline_client, ME};
use super::{is_approving, Network, PREFETCH_BUDGET};
use crate::client::ClientError;
use crate::crypto;
use crate::files::FileError;
use crate::model::{BodyFormat, BodyStage, BodyVersion, Document, Opinion, Rendition};
use crate::protocol::{Change, InboxEntry, UnopenedBodyRule};
use crate::screens::UnopenedBodyCheck;
use crate::store::Policy;
use crate::workflow::{Command, Env, Instance};
use crate::Client;
use chrono::Utc;
use qianpi_domain::fixtures;

const OLD: &[u8] = b"%PDF-1.4 draft of the notice";
const NEW: &[u8] = b"%PDF-1.4 the notice as sealed";

fn version(id: &str, bytes: &[u8]) -> BodyVersion {
    BodyVersion {
        id: id.into(),
        stage: BodyStage::Final,
        format: BodyFormat::Pdf,
        sha256: crypto::sha256_hex(bytes),
        size: bytes.len() as u64,
        pages: Some(1),
        created_at: None,
        rendition: None,
    }
}

/// [`ME`]'s pending task on a one-step flow over a document with two body versions.
fn pending(client: &Client, id: &str) -> (String, Document) {
    let definition = fixtures::one_step_flow(&format!("flow-{id}"), ME);
    let instance = Instance::start(Env::new(&definition), id, id, "initiator", Utc::now()).unwrap();
    let mut document = fixtures::incoming(id, "unit", "关于春耕的请示");
    document.body.versions = vec![version("v1", OLD), version("v2", NEW)];
    let entry = InboxEntry {
        task_id: instance.tasks[0].id.clone(),
        document: document.clone(),
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
    (task, document)
}

fn approve(task: &str) -> Command {
    Command::Approve {
        task_id: task.to_owned(),
        route: None,
        opinion: Opinion::agree("同意。"),
    }
}

fn set_rule(client: &Client, rule: UnopenedBodyRule) {
    client
        .store()
        .unwrap()
        .save_policy(&Policy {
            version: 9,
            unopened_body: rule,
            ..Policy::default()
        })
        .unwrap();
}

fn queued_hash(client: &Client) -> String {
    let outbox = client.outbox().unwrap();
    outbox
        .last()
        .unwrap()
        .command
        .record_unverified()
        .unwrap()
        .document_hash
}

#[test]
fn the_record_names_the_version_held_and_the_newest_when_none_is() {
    let (_root, client, _) = offline_client();
    let (task, _) = pending(&client, "doc-1");
    let (other, _) = pending(&client, "doc-2");
    client.act(approve(&task)).unwrap();
    assert_eq!(queued_hash(&client), crypto::sha256_hex(NEW));

    // The older version is on the phone, the newer is not: the person read the older one.
    client.store_file(&crypto::sha256_hex(OLD), OLD).unwrap();
    client.act(approve(&other)).unwrap();
    assert_eq!(queued_hash(&client), crypto::sha256_hex(OLD));
}

#[test]
fn refused_until_the_body_is_opened_then_it_goes_through() {
    let (_root, client, _) = offline_client();
    set_rule(&client, UnopenedBodyRule::Refuse);
    let (task, document) = pending(&client, "doc-1");
    let detail = client.document_detail(&task).unwrap();
    assert_eq!(
        detail.my_task.unwrap().unopened_body,
        UnopenedBodyCheck::Refused
    );
    assert_eq!(
        client.unopened_body_check(&task).unwrap(),
        UnopenedBodyCheck::Refused
    );
    match client.act(approve(&task)) {
        Err(ClientError::UnopenedBody(id)) => assert_eq!(id, document.id),
        other => panic!("{other:?}"),
    }
    assert!(client.outbox().unwrap().is_empty(), "nothing was queued");
    // Routing it on is no approval: a 退回 is not held back.
    assert!(!is_approving(&Command::Return {
        task_id: task.clone(),
        target: "n1".into(),
        opinion: Opinion::disagree("请补充材料。"),
    }));

    let sha = crypto::sha256_hex(NEW);
    client.store_file(&sha, NEW).unwrap();
    let mut read = Vec::new();
    client.read_file(&sha, &mut read).unwrap();
    assert!(client.first_opened(&sha).unwrap().is_some());
    let detail = client.document_detail(&task).unwrap();
    assert!(detail.reading.opened);
    assert_eq!(
        detail.my_task.unwrap().unopened_body,
        UnopenedBodyCheck::Clear
    );
    client.act(approve(&task)).unwrap();
    assert_eq!(client.outbox().unwrap().len(), 1);
}

#[test]
fn warned_asks_for_a_confirmation_and_allowed_says_nothing() {
    let (_root, client, _) = offline_client();
    set_rule(&client, UnopenedBodyRule::Warn);
    let (task, _) = pending(&client, "doc-1");
    let detail = client.document_detail(&task).unwrap();
    assert_eq!(detail.reading.rule, UnopenedBodyRule::Warn);
    assert_eq!(
        detail.my_task.unwrap().unopened_body,
        UnopenedBodyCheck::Confirm
    );
    // The prompt of a prepared approval says so too; a draft (暂存) decides nothing.
    let prepared = client.prepare_action(&task, &approve(&task), None).unwrap();
    assert_eq!(prepared.unopened_body(), UnopenedBodyCheck::Confirm);
    let draft = Command::Save {
        task_id: task.clone(),
        opinion: Opinion::agree("拟同意。"),
    };
    let prepared = client.prepare_action(&task, &draft, None).unwrap();
    assert_eq!(prepared.unopened_body(), UnopenedBodyCheck::Clear);
    client.act(approve(&task)).unwrap();

    set_rule(&client, UnopenedBodyRule::Allow);
    let (other, _) = pending(&client, "doc-2");
    let detail = client.document_detail(&other).unwrap();
    assert_eq!(
        detail.my_task.unwrap().unopened_body,
        UnopenedBodyCheck::Clear
    );
    client.act(approve(&other)).unwrap();
    assert_eq!(client.outbox().unwrap().len(), 2);
}

#[test]
fn the_detail_points_a_viewer_at_the_pdf_rendition_of_an_ofd_body() {
    let (_root, client, _) = offline_client();
    let definition = fixtures::one_step_flow("flow-ofd", ME);
    let instance =
        Instance::start(Env::new(&definition), "ofd", "ofd", "initiator", Utc::now()).unwrap();
    let mut document = fixtures::incoming("ofd", "unit", "关于春耕的请示");
    let mut sealed = version("v1", b"OFD bytes");
    sealed.format = BodyFormat::Ofd;
    sealed.rendition = Some(Rendition {
        format: BodyFormat::Pdf,
        sha256: crypto::sha256_hex(NEW),
        size: NEW.len() as u64,
    });
    document.body.versions = vec![sealed.clone()];
    let task = instance.tasks[0].id.clone();
    apply(
        &client,
        vec![Change::Inbox {
            entry: Box::new(InboxEntry {
                task_id: task.clone(),
                document,
                instance,
                definition,
            }),
        }],
    );
    client.store_file(&crypto::sha256_hex(NEW), NEW).unwrap();
    let detail = client.document_detail(&task).unwrap();
    let body = &detail.bodies[0];
    assert_eq!(body.media_type, "application/ofd");
    assert_eq!(body.view_sha256, crypto::sha256_hex(NEW));
    assert_eq!(body.view_media_type, "application/pdf");
    assert!(body.rendition.as_ref().unwrap().held && !body.held);
    assert!(detail.reading.held);
    // Holding the rendition is holding the version, but the record names the original.
    client.act(approve(&task)).unwrap();
    assert_eq!(queued_hash(&client), sealed.sha256);
}

#[test]
fn a_stream_hands_out_the_file_exactly_and_refuses_a_damaged_one() {
    let (root, client, _) = offline_client();
    // Several vault chunks and a ragged end.
    let bytes: Vec<u8> = (0..200_003u32).map(|i| (i % 251) as u8).collect();
    let sha = crypto::sha256_hex(&bytes);
    client.store_file(&sha, bytes.as_slice()).unwrap();
    let mut stream = client.open_file(&sha).unwrap();
    assert_eq!(stream.size(), bytes.len() as u64);
    let mut read = Vec::new();
    loop {
        let piece = stream.read(7_000).unwrap();
        if piece.is_empty() {
            break;
        }
        assert!(piece.len() <= 7_000);
        read.extend_from_slice(&piece);
    }
    assert_eq!(read, bytes);
    assert!(stream.read(10).unwrap().is_empty(), "the end stays the end");

    // Locking ends an open stream: it holds the file's key.
    let mut open = client.open_file(&sha).unwrap();
    assert!(!open.read(10).unwrap().is_empty());
    client.lock();
    assert!(matches!(
        open.read(10),
        Err(ClientError::Store(crate::store::StoreError::Locked))
    ));
    client.unlock().unwrap();

    // Flip one byte of the encrypted file in the middle: the stream fails there.
    let vault = root.path().join("data");
    let name = format!("{}.qpf", crypto::sha256_hex(sha.as_bytes()));
    let path = walk(&vault, &name).expect("the vault file");
    let mut sealed = std::fs::read(&path).unwrap();
    let middle = sealed.len() / 2;
    sealed[middle] ^= 1;
    std::fs::write(&path, sealed).unwrap();
    let mut stream = client.open_file(&sha).unwrap();
    let failed = loop {
        match stream.read(1 << 20) {
            Ok(piece) if piece.is_empty() => panic!("a damaged file was read to its end"),
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert!(
        matches!(failed, ClientError::Files(FileError::Corrupted)),
        "{failed:?}"
    );
    let mut sink = Vec::new();
    assert!(client.read_file(&sha, &mut sink).is_err());
}

fn walk(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).ok()? {
        let path = entry.ok()?.path();
        if path.is_dir() {
            if let Some(found) = walk(&path, name) {
                return Some(found);
            }
        } else if path.file_name().and_then(|n| n.to_str()) == Some(name) {
            return Some(path);
        }
    }
    None
}

#[tokio::test]
async fn a_prefetch_on_a_metered_network_fetches_nothing_and_says_so() {
    let (_root, client, _) = offline_client();
    pending(&client, "doc-1");
    let report = client
        .prefetch_pending(Network::Metered, PREFETCH_BUDGET, None)
        .await
        .unwrap();
    assert!(report.metered);
    assert_eq!((report.downloaded, report.failures.len()), (0, 0));
    // On Wi-Fi it tries (the gateway is unreachable here): the newest body first, then stops.
    let report = client
        .prefetch_pending(Network::Unmetered, PREFETCH_BUDGET, None)
        .await
        .unwrap();
    assert!(!report.metered);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].sha256, crypto::sha256_hex(NEW));
    // Nothing fits a budget of one byte.
    let report = client
        .prefetch_pending(Network::Unmetered, 1, None)
        .await
        .unwrap();
    assert_eq!((report.over_budget, report.failures.len()), (1, 0));
}
