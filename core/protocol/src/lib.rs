//! Qianpi protocol (签批): what crosses the wire between a phone and its gateway, and the crypto
//! suite that signs and checks it. Shared by the phone core and the gateway so both sides always
//! agree on the shape of every message. No IO: no files, no sockets, no clock reads.
//!
//! | module | role |
//! | --- | --- |
//! | this root | wire types of the sync API, below |
//! | [`signature`] | RFC 9421 request signatures (security.md profile) |
//! | [`record`] | signed approval records: COSE_Sign1 over deterministic CBOR ([`cbor`], [`cose`]) |
//! | [`statement`] | what the gateway signs: receipts, checkpoints, notices, wipe orders |
//! | [`crypto`] | P-256, SHA-256, AES-GCM, HKDF, DER↔raw signatures |
//! | [`content_range`] | the `Content-Range` of a blob download's answer |
//! | [`fingerprint`] | the words a phone and its administrator compare at activation |
//! | [`invite`] | the activation QR code's text: gateway, login, code, CA and pins |
//!
//! - `POST /v1/devices/activate` — [`ActivateRequest`] → [`ActivateResponse`] (unsigned: the device
//!   has no registered key yet; the one-time code authenticates it).
//! - `GET /v1/sync?cursor=<c>&limit=<n>` — signed → [`SyncPage`].
//! - `GET /v1/sync?cursor=<c>&limit=<n>[&wait=<s>]` — signed → [`SyncPage`], with a signed
//!   [`Checkpoint`] and a page checksum.
//! - `POST /v1/commands` — signed, [`CommandBatch`] → [`PushResponse`], one verdict per command,
//!   each with the gateway's signed [`CommandReceipt`].
//! - `POST /v1/receipts` — signed, [`ReceiptBatch`] → [`ReceiptResponse`]: 回执 of notices.
//! - `GET /v1/blobs/<sha256>` — signed; a body or attachment file, with `Range` and a strong
//!   `ETag`.
//! - `POST /v1/delegations`, `GET /v1/delegations`, `POST /v1/delegations/{id}/revoke` — signed;
//!   standing delegations (委托代理) a person sets from the phone ([`delegations`]).
//! - `GET /v1/people` — signed; the unit's address book ([`people`]), with an `ETag`.
//! - `GET /v1/phrases`, `PUT /v1/phrases` — signed; 常用意见, and `PUT /v1/blobs/<sha256>` for
//!   an opinion's handwriting or voice ([`phrases`]).
//! - Any failure → [`ErrorBody`] with a stable code (and, to a revoked device, a signed
//!   [`WipeCommand`]).

pub mod activation;
pub mod body_policy;
pub mod cbor;
pub mod content_range;
pub mod cose;
pub mod crypto;
pub mod delegations;
pub mod fingerprint;
pub mod invite;
pub mod people;
pub mod phrases;
pub mod record;
pub mod signature;
pub mod statement;

// The domain's modules under the names the wire types use for them.
use qianpi_domain::{model, workflow};

use crate::model::{Document, Notice, RecipientStatus};
use crate::workflow::{Instance, InstanceState, ProcessDefinition, RejectionCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use activation::{
    app_attest_client_data, ActivateRequest, ActivateResponse, ActivationChallenge,
    AttestationEvidence,
};
pub use body_policy::UnopenedBodyRule;
pub use record::{CommandRecord, SignedCommand, UnsignedRecord};
pub use statement::{
    Checkpoint, CommandReceipt, GatewayPublicKey, NoticeStatus, OfflinePolicy, Signed, WipeCommand,
};

/// Path of the activation endpoint.
pub const ACTIVATE_PATH: &str = "/v1/devices/activate";
/// Where a phone asks for the one-time challenge its attestation binds (unsigned, like
/// activation: the device has no registered key yet).
pub const ACTIVATION_CHALLENGE_PATH: &str = "/v1/devices/challenge";
/// Path of the pull endpoint.
pub const SYNC_PATH: &str = "/v1/sync";
/// Path of the push endpoint.
pub const COMMANDS_PATH: &str = "/v1/commands";
/// Path of the unauthenticated liveness probe.
pub const HEALTH_PATH: &str = "/v1/health";
/// Signed; answers the server time and nothing else (credentials and clock check).
pub const PING_PATH: &str = "/v1/ping";
/// Path of the receipts (回执) endpoint.
pub const RECEIPTS_PATH: &str = "/v1/receipts";
/// Most receipts in one push.
pub const MAX_RECEIPT_BATCH: usize = 64;
/// Prefix of the blob endpoint: `GET /v1/blobs/<sha256, lowercase hex>`.
pub const BLOBS_PATH: &str = "/v1/blobs";
/// The largest body or attachment file the gateway takes and a phone accepts.
pub const MAX_BLOB_BYTES: u64 = 64 * 1024 * 1024;

/// The assurance level a gateway records for a device whose keys live in a software vault (the
/// terminal shell, tests) rather than in a phone's keystore.
pub const SOFTWARE_ASSURANCE: &str = "software";

/// One item of a user's inbox (待办) as the feed carries it: the task with everything needed to
/// show it and to preview an action offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxEntry {
    /// The task id.
    pub task_id: String,
    /// The document.
    pub document: Document,
    /// The instance as of this change.
    pub instance: Instance,
    /// The definition the instance follows.
    pub definition: ProcessDefinition,
}

/// The outcome of one pushed command, stored under its command id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandVerdict {
    /// The command this verdict is for.
    pub command_id: String,
    /// The task the command acted on.
    pub task_id: String,
    /// Accepted or refused.
    pub outcome: VerdictOutcome,
    /// When the gateway decided.
    pub decided_at: DateTime<Utc>,
    /// The gateway's signed `CommandReceipt` `{command_id, device_id, record_hash, accepted,
    /// code, instance_id, instance_version, decided_at}` (kind `command_receipt`) of this
    /// verdict: standard base64 of a tagged COSE_Sign1 (ES256, deterministic CBOR payload `{v,
    /// kind, body}`) made by the statement key; it verifies under ActivateResponse.gateway_key.
    /// The phone verifies it before the command leaves its outbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Za-z0-9+/]+={0,2}$"))]
    pub receipt: Option<Signed<CommandReceipt>>,
}

/// Accepted (with the resulting state) or refused (with the reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum VerdictOutcome {
    /// Applied; the instance moved to this version and state.
    #[cfg_attr(feature = "openapi", schema(title = "AcceptedOutcome"))]
    Accepted {
        /// The new instance version.
        instance_version: u64,
        /// The new instance state.
        instance_state: InstanceState,
        /// 当前节点 — the node now open, if any.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        current_node_name: Option<String>,
    },
    /// Not applied; nothing changed.
    #[cfg_attr(feature = "openapi", schema(title = "RefusedOutcome"))]
    Refused {
        /// Stable reason code (a workflow code or a protocol code such as `bad_record_signature`).
        code: String,
        /// The reason in Chinese.
        message_zh: String,
        /// The reason in English.
        message_en: String,
        /// The instance version at the gateway, when known.
        #[cfg_attr(feature = "openapi", schema(required = true))]
        current_version: Option<u64>,
    },
}

impl VerdictOutcome {
    /// A refusal from the workflow's rules.
    pub fn refused_by_rule(code: RejectionCode, current_version: u64) -> VerdictOutcome {
        VerdictOutcome::Refused {
            code: code.as_str().to_owned(),
            message_zh: code.message_zh().to_owned(),
            message_en: code.message_en().to_owned(),
            current_version: Some(current_version),
        }
    }

    /// Whether the command was applied.
    pub fn is_accepted(&self) -> bool {
        matches!(self, VerdictOutcome::Accepted { .. })
    }

    /// What a receipt of this outcome states: applied or not, the refusal's code, and the
    /// instance version (after an acceptance; at the gateway for a refusal, when known).
    pub fn receipt_terms(&self) -> (bool, Option<&str>, Option<u64>) {
        match self {
            VerdictOutcome::Accepted {
                instance_version, ..
            } => (true, None, Some(*instance_version)),
            VerdictOutcome::Refused {
                code,
                current_version,
                ..
            } => (false, Some(code), *current_version),
        }
    }
}

/// One entry of a user's change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Change {
    /// An inbox item appeared or changed (e.g. its instance moved on).
    #[cfg_attr(feature = "openapi", schema(title = "InboxChange"))]
    Inbox {
        /// The item.
        entry: Box<InboxEntry>,
    },
    /// A verdict on a command this user's device pushed.
    #[cfg_attr(feature = "openapi", schema(title = "VerdictChange"))]
    Verdict {
        /// The verdict.
        verdict: CommandVerdict,
    },
    /// 通知公告 — a notice addressed to this user, new or re-published.
    #[cfg_attr(feature = "openapi", schema(title = "NoticeChange"))]
    Notice {
        /// The notice.
        notice: Box<Notice>,
        /// The gateway's signed `Notice` (kind `notice`), the same notice: standard base64 of a
        /// tagged COSE_Sign1 (ES256, deterministic CBOR payload `{v, kind, body}`) made by the
        /// statement key; it verifies under ActivateResponse.gateway_key. The phone keeps it and
        /// checks it at display time, so a tampered local copy is detected.
        #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Za-z0-9+/]+={0,2}$"))]
        signed: Signed<Notice>,
    },
    /// 回执 — this user's state for a notice as the gateway holds it (e.g. read on another of
    /// the user's phones).
    #[cfg_attr(feature = "openapi", schema(title = "ReceiptChange"))]
    Receipt {
        /// The state.
        status: NoticeStatus,
    },
}

/// A page of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncPage {
    /// Changes after the cursor. Inside a backlog they come by priority: verdicts first, then
    /// pending items (待办), then notices, then history.
    pub changes: Vec<Change>,
    /// The cursor to send as `cursor` next time (opaque to the phone).
    pub next_cursor: String,
    /// Whether more pages follow right away.
    pub has_more: bool,
    /// `sha-256=:<base64>:` over the JSON of each change, each followed by a newline
    /// ([`page_checksum`]): the phone checks it, on the decoded changes, before applying the page.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, pattern = "^sha-256=:[A-Za-z0-9+/]+={0,2}:$")
    )]
    pub checksum: String,
    /// The gateway's signed `Checkpoint` `{device_id, user_id, issued_at, policy: OfflinePolicy}`
    /// (kind `checkpoint`) for this device, with its offline limits: standard base64 of a tagged
    /// COSE_Sign1 (ES256, deterministic CBOR payload `{v, kind, body}`) made by the statement
    /// key; it verifies under ActivateResponse.gateway_key. The phone's records name the last
    /// checkpoint they were made under; the gateway reuses one younger than five minutes under an
    /// unchanged policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Za-z0-9+/]+={0,2}$"))]
    pub checkpoint: Option<Signed<Checkpoint>>,
    /// The gateway's clock.
    pub server_time: DateTime<Utc>,
    /// The version of the person's 常用意见 book as the gateway holds it
    /// ([`phrases::PhraseBook::version`]): the phone fetches the book only when its copy's
    /// version differs, so a sync with nothing new stays one request (performance.md P-5).
    /// Absent from gateways older than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9a-f]{32}$"))]
    pub phrases: Option<String>,
}

/// The checksum of a page's changes: `sha-256=:<base64>:` over the JSON of each change, each
/// followed by a newline. Both sides compute it from the decoded changes, so it holds whatever
/// whitespace or compression the transport used.
pub fn page_checksum(changes: &[Change]) -> Result<String, serde_json::Error> {
    let mut canonical = Vec::new();
    for change in changes {
        serde_json::to_writer(&mut canonical, change)?;
        canonical.push(b'\n');
    }
    Ok(format!(
        "sha-256=:{}:",
        STANDARD.encode(crypto::sha256(&canonical))
    ))
}

/// A batch of signed command records, in device counter order. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandBatch {
    /// The commands: at most 64, in device counter order.
    pub commands: Vec<SignedCommand>,
}

/// One verdict per pushed command, in the order pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// The verdicts, one per decided command.
    pub verdicts: Vec<CommandVerdict>,
    /// Commands held, undecided, because an earlier record of the device has not arrived: they
    /// stay in the outbox and are decided once the gap closes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub held: Vec<String>,
    /// The gateway's clock.
    pub server_time: DateTime<Utc>,
}

/// A batch of 回执: this user's state for each notice, as changed on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptBatch {
    /// One state per notice, in the order the phone changed them; at most 64 (more is a 413
    /// `batch_too_large`).
    pub receipts: Vec<ReceiptUpdate>,
}

/// This user's state for one notice (read and reply with their device-clock times corrected by
/// the gateway offset). Sending a state again changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptUpdate {
    /// The notice.
    pub notice_id: String,
    /// Read, replied, and the reply.
    pub status: RecipientStatus,
}

/// One result per receipt, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptResponse {
    /// The results.
    pub results: Vec<ReceiptResult>,
    /// The gateway's clock.
    pub server_time: DateTime<Utc>,
}

/// What became of one receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptResult {
    /// The notice.
    pub notice_id: String,
    /// Accepted (with the state the gateway now holds) or refused.
    pub outcome: ReceiptOutcome,
}

/// Accepted or refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum ReceiptOutcome {
    /// Recorded; this is the recipient's state at the gateway now.
    Accepted {
        /// The state.
        status: RecipientStatus,
    },
    /// Not recorded (not a recipient, after the deadline, a reply that does not fit the form).
    Refused {
        /// Stable reason code.
        #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_]+$"))]
        code: String,
        /// The reason in Chinese.
        message_zh: String,
        /// The reason in English.
        message_en: String,
        /// The recipient's state the gateway holds after the refusal, when the phone is a
        /// recipient: a refused reply still records the read that came with it, and the phone
        /// returns to this state (keeping the refusal visible) so the person can reply again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(nullable = false))]
        status: Option<RecipientStatus>,
    },
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `bad_signature`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_]+$"))]
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// The gateway's signed `WipeCommand` `{device_id, issued_at, reason: revoked |
    /// wipe_requested}` (kind `wipe`): standard base64 of a tagged COSE_Sign1 (ES256,
    /// deterministic CBOR payload `{v, kind, body}`) made by the statement key; it verifies under
    /// ActivateResponse.gateway_key. Sent only with a 401 `device_revoked` or `wipe_requested` to
    /// a device that proved it holds its key: the order to crypto-shred its data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, pattern = "^[A-Za-z0-9+/]+={0,2}$")
    )]
    pub wipe: Option<Signed<WipeCommand>>,
    /// The gateway's clock.
    pub server_time: DateTime<Utc>,
}
