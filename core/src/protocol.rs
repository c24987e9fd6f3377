//! Wire types of the sync API, shared by the phone and the gateway so both sides always agree on
//! the shape of every message. No IO.
//!
//! - `POST /v1/devices/activate` — [`ActivateRequest`] → [`ActivateResponse`] (unsigned: the device
//!   has no registered key yet; the one-time code authenticates it).
//! - `GET /v1/sync?cursor=<c>&limit=<n>` — signed → [`SyncPage`].
//! - `POST /v1/commands` — signed, [`CommandBatch`] → [`PushResponse`], one verdict per command.
//! - Any failure → [`ErrorBody`] with a stable code.

pub mod cbor;
pub mod record;
pub mod signature;

use crate::model::{Document, Identity};
use crate::workflow::{Instance, InstanceState, ProcessDefinition, RejectionCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use record::{CommandRecord, SignedCommand, UnsignedRecord};

/// Path of the activation endpoint.
pub const ACTIVATE_PATH: &str = "/v1/devices/activate";
/// Path of the pull endpoint.
pub const SYNC_PATH: &str = "/v1/sync";
/// Path of the push endpoint.
pub const COMMANDS_PATH: &str = "/v1/commands";
/// Path of the unauthenticated liveness probe.
pub const HEALTH_PATH: &str = "/v1/health";
/// Signed; answers the server time and nothing else (credentials and clock check).
pub const PING_PATH: &str = "/v1/ping";

/// The phone asks to bind itself to a user with a one-time activation code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivateRequest {
    /// The user's login name.
    pub login: String,
    /// The one-time activation code the administrator issued.
    pub code: String,
    /// Request-signing key (DSK), SPKI DER, base64.
    pub request_key_spki: String,
    /// Approval-signing key (ASK), SPKI DER, base64.
    pub approval_key_spki: String,
    /// A human description, e.g. "华为 Mate 60 (Android 15)".
    pub device_name: String,
    /// `android`, `ios` or `terminal`.
    pub platform: String,
    /// Platform attestation evidence (Android Key Attestation chain, Apple App Attest object),
    /// base64; the terminal shell has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<String>,
}

/// The gateway bound the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivateResponse {
    /// The device id the gateway assigned.
    pub device_id: String,
    /// Who the device now belongs to.
    pub identity: Identity,
    /// 单位名称 — the unit's name.
    pub unit_name: String,
    /// The access token, bound to the request key id: useless with any other key.
    pub access_token: String,
    /// Key id of the request key as the gateway computed it.
    pub request_key_id: String,
    /// Key id of the approval key as the gateway computed it.
    pub approval_key_id: String,
    /// Whether the binding still waits for an administrator's approval: until then every
    /// signed request is refused with `device_pending`.
    #[serde(default)]
    pub pending_approval: bool,
    /// The gateway's clock, for the phone's offset.
    pub server_time: DateTime<Utc>,
}

/// One item of a user's inbox (待办) as the feed carries it: the task with everything needed to
/// show it and to preview an action offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct CommandVerdict {
    /// The command this verdict is for.
    pub command_id: String,
    /// The task the command acted on.
    pub task_id: String,
    /// Accepted or refused.
    pub outcome: VerdictOutcome,
    /// When the gateway decided.
    pub decided_at: DateTime<Utc>,
}

/// Accepted (with the resulting state) or refused (with the reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum VerdictOutcome {
    /// Applied; the instance moved to this version and state.
    Accepted {
        /// The new instance version.
        instance_version: u64,
        /// The new instance state.
        instance_state: InstanceState,
        /// 当前节点 — the node now open, if any.
        current_node_name: Option<String>,
    },
    /// Not applied; nothing changed.
    Refused {
        /// Stable reason code (a workflow code or a protocol code such as `bad_record_signature`).
        code: String,
        /// The reason in Chinese.
        message_zh: String,
        /// The reason in English.
        message_en: String,
        /// The instance version at the gateway, when known.
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
}

/// One entry of a user's change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Change {
    /// An inbox item appeared or changed (e.g. its instance moved on).
    Inbox {
        /// The item.
        entry: Box<InboxEntry>,
    },
    /// A verdict on a command this user's device pushed.
    Verdict {
        /// The verdict.
        verdict: CommandVerdict,
    },
}

/// A page of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPage {
    /// Changes after the cursor, in the gateway's order.
    pub changes: Vec<Change>,
    /// The cursor to send next time (opaque to the phone).
    pub next_cursor: String,
    /// Whether more pages follow right away.
    pub has_more: bool,
    /// The gateway's clock.
    pub server_time: DateTime<Utc>,
}

/// A batch of signed command records, in device counter order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandBatch {
    /// The commands.
    pub commands: Vec<SignedCommand>,
}

/// One verdict per pushed command, in the order pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The verdicts, one per decided command.
    pub verdicts: Vec<CommandVerdict>,
    /// Commands held, undecided, because an earlier record of the device has not arrived: they
    /// stay in the outbox and are decided once the gap closes.
    #[serde(default)]
    pub held: Vec<String>,
    /// The gateway's clock.
    pub server_time: DateTime<Utc>,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `bad_signature`.
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// The gateway's clock.
    pub server_time: DateTime<Utc>,
}
