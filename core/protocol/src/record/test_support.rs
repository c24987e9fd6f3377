//! Fixtures for the record tests: a P-256 key signing as a platform keystore does (DER, converted
//! to raw), a document, an instance with a delegated task, and commands with every optional field
//! filled so that every field of the payload is present to be tampered with.

use super::*;
use crate::model::{Attachment, BodyFormat, BodyStage, BodyVersion, Urgency};
use crate::workflow::{
    Attitude, Env, HandlerMode, Node, Opinion, OpinionFile, ProcessDefinition, SignPosition,
};
use qianpi_domain::fixtures;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};

/// A device approval key held in memory.
pub(super) struct TestKey {
    pair: EcdsaKeyPair,
    /// Its SPKI, as the gateway stores it.
    pub spki: Vec<u8>,
    /// Its key id (`ak_…`).
    pub key_id: String,
}

impl TestKey {
    /// A fresh key.
    pub fn generate() -> TestKey {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let spki = crypto::p256_spki_from_point(pair.public_key().as_ref()).unwrap();
        let key_id = crypto::key_id("ak", &spki);
        TestKey { pair, spki, key_id }
    }

    /// Signs arbitrary bytes, returning the raw `r||s` (through DER, as the client does).
    pub fn sign_bytes(&self, message: &[u8]) -> [u8; crypto::RAW_SIGNATURE_LEN] {
        let der = self.pair.sign(&SystemRandom::new(), message).unwrap();
        crypto::der_to_raw_signature(der.as_ref()).unwrap()
    }

    /// Signs a record the way the phone does: to-be-signed bytes, signature, assembly.
    pub fn sign(&self, record: &CommandRecord) -> SignedCommand {
        let unsigned = record.to_be_signed().unwrap();
        let raw = self.sign_bytes(unsigned.to_be_signed());
        SignedCommand::assemble(unsigned, &raw).unwrap()
    }
}

/// A fixed instant.
pub(super) fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

/// The secretary who signs.
pub(super) fn identity() -> Identity {
    Identity {
        user_id: "u-sec".into(),
        name: "李秘书".into(),
        post: "秘书".into(),
        unit_id: "unit-1".into(),
    }
}

/// A document with two body versions and two attachments.
pub(super) fn document() -> Document {
    let version = |id: &str, c: char| BodyVersion {
        id: id.into(),
        stage: BodyStage::Final,
        format: BodyFormat::Ofd,
        sha256: std::iter::repeat_n(c, 64).collect(),
        size: 1000,
        pages: Some(2),
        created_at: None,
        rendition: None,
    };
    let attachment = |id: &str, c: char| Attachment {
        id: id.into(),
        name: format!("附件{id}"),
        media_type: "application/pdf".into(),
        size: 10,
        sha256: std::iter::repeat_n(c, 64).collect(),
    };
    let mut document = Document {
        urgency: Urgency::Urgent,
        from_organ: None,
        received_at: None,
        ..fixtures::incoming("doc-1", "unit-1", "关于做好2026年春耕备耕工作的通知")
    };
    document.body.versions = vec![version("v1", 'a'), version("v2", 'b')];
    document.body.attachments = vec![attachment("1", 'c'), attachment("2", 'd')];
    document
}

/// An instance at its first node, whose task went to the secretary through the leader's standing
/// delegation.
pub(super) fn instance() -> Instance {
    let definition = ProcessDefinition::new(
        "def",
        "收文",
        "n1",
        vec![
            Node::manual("n1", "领导批示", &["u-sec"]).route("结束", "end"),
            Node::end("end"),
        ],
    );
    let mut instance = Instance::start(
        Env::new(&definition),
        "inst-1",
        "doc-1",
        "u-clerk",
        at("2026-03-02T09:00:00+08:00"),
    )
    .unwrap();
    instance.tasks[0].on_behalf_of = Some("u-leader".into());
    instance
}

/// The id of the fixture instance's task.
pub(super) fn task_id() -> String {
    instance().tasks[0].id.clone()
}

/// An opinion with every optional field set.
pub(super) fn full_opinion() -> Opinion {
    Opinion {
        attitude: Attitude::Agree,
        text: "同意，请抓紧落实。".into(),
        handwriting: Some(OpinionFile {
            sha256: "1a".repeat(32),
            media_type: "image/png".into(),
            size: 20_480,
            duration_ms: None,
        }),
        audio: Some(OpinionFile {
            sha256: "2b".repeat(32),
            media_type: "audio/aac".into(),
            size: 96_000,
            duration_ms: Some(12_500),
        }),
        column: Some("领导批示".into()),
        on_behalf_of: Some("u-sec".into()),
    }
}

/// Commands covering opinions, routes, lists, enums and commands without a task.
pub(super) fn commands() -> Vec<Command> {
    let task_id = task_id();
    vec![
        Command::Approve {
            task_id: task_id.clone(),
            route: Some("结束".into()),
            opinion: full_opinion(),
        },
        Command::AddSigner {
            task_id: task_id.clone(),
            signers: vec!["u-a".into(), "u-b".into()],
            position: SignPosition::After,
            mode: HandlerMode::Serial,
            route: Some("结束".into()),
            opinion: Some(full_opinion()),
        },
        Command::Return {
            task_id: task_id.clone(),
            target: "n0".into(),
            opinion: Opinion::disagree("请重新核实数据"),
        },
        Command::Circulate {
            task_id,
            recipients: vec!["u-c".into()],
        },
        Command::Suspend { task_id: None },
    ]
}

/// The record of `command` with fixed ids and time, signed for the leader (代签).
pub(super) fn record(command: Command, key_id: &str) -> CommandRecord {
    let identity = identity();
    let (instance, document) = (instance(), document());
    CommandRecord::new(
        "0195f0a0-0000-7000-8000-000000000001".into(),
        command,
        Some("u-leader".into()),
        RecordContext {
            identity: &identity,
            approval_key_id: key_id,
            counter: 7,
            prev_record_hash: "cHJldmlvdXMgcmVjb3JkIGhhc2g=",
            created_at: at("2026-03-02T10:15:30.250+08:00"),
            instance: &instance,
            document: &document,
            checkpoint: None,
        },
    )
    .unwrap()
}
