//! Well-formed inputs to start each corpus from: what the phone and the gateway really send,
//! signed by the harness key where a signature is checked, so the fuzzer begins past the first
//! refusal. `cargo run -p qianpi-fuzz --example seed_corpora` writes them under `fuzz/corpus/`.

use crate::activation;
use crate::keys::HarnessKey;
use crate::Target;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use qianpi_domain::model::{Identity, RecipientStatus};
use qianpi_domain::workflow::{Command, InstanceState};
use qianpi_gateway::attestation::x509;
use qianpi_protocol::crypto;
use qianpi_protocol::invite::Invite;
use qianpi_protocol::record::{RecordDevice, RecordTime, Signer, RECORD_VERSION, SUITE_P256};
use qianpi_protocol::signature::{content_digest, signature_header, SignatureParams};
use qianpi_protocol::{
    cbor, ActivateRequest, Change, Checkpoint, CommandBatch, CommandReceipt, CommandRecord,
    CommandVerdict, ErrorBody, NoticeStatus, OfflinePolicy, PushResponse, ReceiptBatch,
    ReceiptUpdate, SignedCommand, SyncPage, VerdictOutcome, WipeCommand,
};

/// One seed: its target, a file name, the bytes.
pub type Seed = (Target, &'static str, Vec<u8>);

fn at(seconds: i64) -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp(seconds, 0).ok_or_else(|| format!("no instant {seconds}"))
}

fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, String> {
    serde_json::to_vec_pretty(value).map_err(|e| e.to_string())
}

/// A 已阅 record of the demo leader, first of his device's chain.
fn record(key: &HarnessKey) -> Result<CommandRecord, String> {
    let identity = Identity {
        user_id: "u-wangjianguo".into(),
        name: "王建国".into(),
        post: "厅长".into(),
        unit_id: "unit-sxnyt".into(),
    };
    Ok(CommandRecord {
        v: RECORD_VERSION,
        suite: SUITE_P256.into(),
        command_id: "0196a3c0-7d1e-7c3a-9f00-000000000001".into(),
        tenant: identity.unit_id.clone(),
        instance_id: "inst-2026-0012".into(),
        instance_version: 3,
        task_id: "inst-2026-0012-t1".into(),
        document_hash: "a".repeat(64),
        attachments_hash: "b".repeat(64),
        action: "mark_read".into(),
        route: None,
        opinion_hash: String::new(),
        on_behalf_of: None,
        signer: Signer {
            user_id: identity.user_id.clone(),
            identity,
        },
        device: RecordDevice {
            key_id: key.approval_key_id.clone(),
            counter: 1,
        },
        time: RecordTime {
            created_at: at(1_770_000_000)?,
            since_checkpoint_ms: 0,
            checkpoint_hash: String::new(),
        },
        prev_record_hash: String::new(),
        app_version: "0.1.0".into(),
        policy_version: 1,
        command: Command::MarkRead {
            task_id: "inst-2026-0012-t1".into(),
        },
        acting_for: None,
    })
}

fn signed_record(key: &HarnessKey, record: &CommandRecord) -> Result<SignedCommand, String> {
    let unsigned = record.to_be_signed().map_err(|e| e.to_string())?;
    let raw: [u8; 64] = key
        .sign(unsigned.to_be_signed())?
        .try_into()
        .map_err(|_| "a P-256 signature is 64 bytes".to_owned())?;
    SignedCommand::assemble(unsigned, &raw).map_err(|e| e.to_string())
}

fn with_mode(mode: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![mode];
    out.extend_from_slice(bytes);
    out
}

/// Every seed of every target.
pub fn all() -> Result<Vec<Seed>, String> {
    let key = HarnessKey::load()?;
    let record = record(&key)?;
    let signed = signed_record(&key, &record)?;
    let cose = STANDARD.decode(&signed.cose).map_err(|e| e.to_string())?;
    let payload = cbor::to_vec(&record).map_err(|e| e.to_string())?;

    let receipt = CommandReceipt {
        command_id: record.command_id.clone(),
        device_id: "dev-1".into(),
        record_hash: signed.record_hash().map_err(|e| e.to_string())?,
        accepted: true,
        code: None,
        instance_id: record.instance_id.clone(),
        instance_version: Some(4),
        decided_at: at(1_770_000_005)?,
    };
    let checkpoint = Checkpoint {
        device_id: "dev-1".into(),
        user_id: record.signer.user_id.clone(),
        issued_at: at(1_770_000_010)?,
        policy: OfflinePolicy::default(),
    };
    let wipe = WipeCommand {
        device_id: "dev-1".into(),
        issued_at: at(1_770_000_020)?,
        reason: "设备已挂失".into(),
    };
    let status = NoticeStatus {
        notice_id: "notice-1".into(),
        user_id: record.signer.user_id.clone(),
        status: RecipientStatus {
            delivered_at: Some(at(1_770_000_030)?),
            read_at: None,
            replied_at: None,
            reply: None,
        },
    };
    let gateway = &key.gateway;
    let sign = |e: qianpi_protocol::statement::StatementError| e.to_string();
    let signed_receipt = gateway.sign(&receipt).map_err(sign)?;
    let signed_checkpoint = gateway.sign(&checkpoint).map_err(sign)?;
    let signed_wipe = gateway.sign(&wipe).map_err(sign)?;
    let signed_status = gateway.sign(&status).map_err(sign)?;
    let bytes_of = |b64: &str| STANDARD.decode(b64).map_err(|e| e.to_string());
    let statement_payload = |b64: &str| -> Result<Vec<u8>, String> {
        let sign1 = qianpi_protocol::cose::parse(&bytes_of(b64)?).map_err(|e| format!("{e:?}"))?;
        sign1.payload.ok_or_else(|| "no payload".to_owned())
    };

    let verdict = CommandVerdict {
        command_id: record.command_id.clone(),
        task_id: record.task_id.clone(),
        outcome: VerdictOutcome::Accepted {
            instance_version: 4,
            instance_state: InstanceState::Running,
            current_node_name: Some("办公室主任审核".into()),
        },
        decided_at: at(1_770_000_005)?,
        receipt: Some(signed_receipt.clone()),
    };
    let page = SyncPage {
        changes: vec![Change::Verdict {
            verdict: verdict.clone(),
        }],
        next_cursor: "v2.1.0.0.0".into(),
        has_more: false,
        checksum: String::new(),
        checkpoint: Some(signed_checkpoint.clone()),
        server_time: at(1_770_000_040)?,
        phrases: None,
    };
    let params = SignatureParams {
        created: 1_770_000_000,
        expires: 1_770_000_060,
        nonce: "AAECAwQFBgcICQoLDA0ODw".into(),
        key_id: "dk_47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU".into(),
    };

    let mut seeds = vec![
        (
            Target::WireGateway,
            "activate.json",
            json(&ActivateRequest {
                login: "wangjianguo".into(),
                code: "K7PM2QXD".into(),
                request_key_spki: STANDARD.encode(&key.spki),
                approval_key_spki: STANDARD.encode(&key.spki),
                device_name: "华为 Mate 60 (Android 15)".into(),
                platform: "android".into(),
                challenge: None,
                attestation: None,
            })?,
        ),
        (
            Target::WireGateway,
            "commands.json",
            json(&CommandBatch {
                commands: vec![signed.clone()],
            })?,
        ),
        (
            Target::WireGateway,
            "receipts.json",
            json(&ReceiptBatch {
                receipts: vec![ReceiptUpdate {
                    notice_id: "notice-1".into(),
                    status: status.status.clone(),
                }],
            })?,
        ),
        (Target::WirePhone, "sync_page.json", json(&page)?),
        (
            Target::WirePhone,
            "push_response.json",
            json(&PushResponse {
                verdicts: vec![verdict],
                held: vec!["0196a3c0-7d1e-7c3a-9f00-000000000002".into()],
                server_time: at(1_770_000_040)?,
            })?,
        ),
        (
            Target::WirePhone,
            "error_wipe.json",
            json(&ErrorBody {
                code: "device_revoked".into(),
                message: "this device was revoked".into(),
                wipe: Some(signed_wipe.clone()),
                server_time: at(1_770_000_040)?,
            })?,
        ),
        (Target::Cbor, "record_payload.cbor", payload.clone()),
        (
            Target::Cbor,
            "checkpoint_payload.cbor",
            statement_payload(signed_checkpoint.as_base64())?,
        ),
        (Target::Cbor, "record_envelope.cbor", cose.clone()),
        (Target::CoseRecord, "envelope", with_mode(0, &cose)),
        (Target::CoseRecord, "payload", with_mode(1, &payload)),
        (
            Target::CoseStatement,
            "receipt_envelope",
            with_mode(0, &bytes_of(signed_receipt.as_base64())?),
        ),
        (
            Target::CoseStatement,
            "receipt_payload",
            with_mode(1, &statement_payload(signed_receipt.as_base64())?),
        ),
        (
            Target::CoseStatement,
            "checkpoint_envelope",
            with_mode(2, &bytes_of(signed_checkpoint.as_base64())?),
        ),
        (
            Target::CoseStatement,
            "checkpoint_payload",
            with_mode(3, &statement_payload(signed_checkpoint.as_base64())?),
        ),
        (
            Target::CoseStatement,
            "notice_status_payload",
            with_mode(7, &statement_payload(signed_status.as_base64())?),
        ),
        (
            Target::CoseStatement,
            "wipe_envelope",
            with_mode(8, &bytes_of(signed_wipe.as_base64())?),
        ),
        (
            Target::SignatureHeaders,
            "profile",
            format!(
                "{}\n{}",
                params.header_value(),
                signature_header(&[7u8; 64])
            )
            .into_bytes(),
        ),
        (
            Target::SignatureHeaders,
            "digest",
            format!("{}\n{}", params.header_value(), content_digest(b"{}")).into_bytes(),
        ),
        (Target::Range, "first_piece", b"bytes=0-131071\n\n".to_vec()),
        (
            Target::Range,
            "resume_if_range",
            b"bytes=131072-\n\"5d41402abc4b2a76b9719d911017c592\"\nW/\"x\", \"y\"".to_vec(),
        ),
        (Target::Range, "suffix", b"bytes=-500".to_vec()),
        (Target::Cursor, "start", Vec::new()),
        (Target::Cursor, "lanes", b"v2.4.9.2.7".to_vec()),
        (Target::Cursor, "single", b"17".to_vec()),
        (Target::GzipBody, "push", vec![31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 171, 86, 74, 206, 207, 205, 77, 204, 75, 41, 86, 178, 138, 142, 173, 5, 0, 73, 105, 62, 108, 15, 0, 0, 0]),
        (Target::ContentRange, "piece", b"bytes 131072-262143/1048576".to_vec()),
        (Target::ContentRange, "unsatisfied", b"bytes */1048576".to_vec()),
        (
            Target::AddressBook,
            "english",
            "login,name,post,role\nwangjianguo,王建国,厅长,leader\n\"li,xm\",\"李\"\"晓梅\",秘书科科员,staff\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            Target::AddressBook,
            "chinese",
            "\u{feff}登录名,姓名,职务,角色\r\nzhaowen,赵文,办公室主任,unit_admin\r\n"
                .as_bytes()
                .to_vec(),
        ),
    ];
    seeds.extend(activation()?);
    Ok(seeds)
}

/// The recorded attestation evidence as each attestation target takes it, Google's status list
/// sample, and activation QR codes as the gateway prints them.
fn activation() -> Result<Vec<Seed>, String> {
    let pem = |text: &str| x509::pem_certificates(text).map_err(|e| e.to_string());
    let chain = pem(activation::ANDROID_CHAIN_PEM)?;
    let root = chain.last().ok_or("the recorded chain is empty")?.clone();
    let spki = x509::spki_of(&chain[0]).map_err(|e| e.to_string())?;
    let invite = |invite: Invite| invite.to_text().into_bytes();
    Ok(vec![
        (Target::AttestationAndroid, "tee_rsa_root.der", chain.concat()),
        (Target::AttestationApple, "ios14_4.cbor", activation::apple_seed()?),
        (
            Target::AttestationStatus,
            "google_sample.json",
            activation::STATUS_SAMPLE.as_bytes().to_vec(),
        ),
        (
            Target::ActivationInvite,
            "pinned",
            invite(Invite {
                server_url: "https://qianpi.sxnyt.gov.cn:8443/".into(),
                login: Some("wangjianguo".into()),
                code: "K7PM2QXD".into(),
                pins: vec![crypto::sha256(&spki), [7; 32]],
                ca_certificates: vec![root],
            }),
        ),
        (
            Target::ActivationInvite,
            "loopback",
            invite(Invite {
                server_url: "http://127.0.0.1:8080".into(),
                login: None,
                code: "K7PM2QXD".into(),
                pins: Vec::new(),
                ca_certificates: Vec::new(),
            }),
        ),
        (
            Target::ActivationInvite,
            "scanned",
            b"qianpi://activate?v=1&url=https%3A%2F%2F%5B%3A%3A1%5D%2F&login=li.xm&code=Q3+9/ab&pin=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n".to_vec(),
        ),
    ])
}
