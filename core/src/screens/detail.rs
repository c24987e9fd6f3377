//! 公文详情 — the document detail screen: for a task, a read item, an 已发 instance or a document,
//! everything the phone holds about the 公文: the GB/T 9704 head, the body versions and
//! attachments (and whether each file is on this phone), the opinions grouped by 意见栏 in flow
//! order, the 流转记录 in order, the 办理时限 and whether it is overdue, the instance state, and the
//! viewer's own task with what they may do on it. Built from the store alone, so it works offline.
//!
//! The viewer's own queued actions show at once: their opinion and flow steps come from the copy
//! the action left on the phone, marked `pending` until the gateway's verdict arrives.
//!
//! The types are here; `build` makes the head, files and deadlines, `flow` the opinions and the
//! flow record.

mod build;
mod flow;
mod names;
mod reading;

pub(crate) use build::build;
pub use reading::{BodyReading, UnopenedBodyCheck};

use crate::client::InboxItem;
use crate::model::{
    Attitude, BodyFormat, BodyStage, DocumentGenre, DocumentKind, Identity, SecrecyLevel, Urgency,
};
use crate::workflow::InstanceState;
use chrono::{DateTime, NaiveDate, Utc};

/// 公文详情 — one document as its detail screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentDetail {
    /// The document.
    pub document_id: String,
    /// 版头 and the other descriptive fields.
    pub head: DetailHead,
    /// 正文 — the body versions, oldest first; the last one is current.
    pub bodies: Vec<BodyFile>,
    /// 附件 — in the order 附件说明 lists them.
    pub attachments: Vec<AttachmentFile>,
    /// The body version an approval made now names, whether it was opened here, and the unit's
    /// rule for approving one never opened.
    pub reading: BodyReading,
    /// 办理时限 of the document, and whether handling is late now.
    pub deadline: Option<Deadline>,
    /// 办结时间 — when handling was finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// The flow instance shown (none when no flow reached the phone).
    pub instance_id: Option<String>,
    /// 流程名称 — the name of the flow's definition.
    pub flow_name: Option<String>,
    /// 流程状态 — as this phone sees it (its own queued actions applied).
    pub instance_state: Option<InstanceState>,
    /// 发起人.
    pub initiator: Option<Person>,
    /// 当前环节 — the names of the nodes the flow is at now.
    pub current_nodes: Vec<String>,
    /// 意见 — grouped by 意见栏, columns in the order the flow first wrote in them.
    pub opinion_columns: Vec<OpinionColumn>,
    /// 流转记录 — every accepted step, oldest first, then this phone's queued ones.
    pub flow_record: Vec<FlowStep>,
    /// The viewer's own task in this flow: the one opened, or their most pressing one.
    pub my_task: Option<MyTask>,
}

/// 版头 and the descriptive fields of the body, footer and receiving register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailHead {
    /// 标题.
    pub title: String,
    /// 发文字号, formatted as printed: `晋农办〔2026〕12号`.
    pub number: String,
    /// 公文类型 — handling kind.
    pub kind: DocumentKind,
    /// 文种.
    pub genre: Option<DocumentGenre>,
    /// 紧急程度.
    pub urgency: Urgency,
    /// 密级 (always 无 on a phone).
    pub secrecy: SecrecyLevel,
    /// 保密期限, worded (`1年`, `长期`).
    pub secrecy_period: Option<String>,
    /// 份号.
    pub copy_number: Option<String>,
    /// 发文机关 — the lead organ first.
    pub issuing_organs: Vec<String>,
    /// 签发人.
    pub signers: Vec<String>,
    /// 来文单位 (收文).
    pub from_organ: Option<String>,
    /// 来文字号 (收文), as printed by the sender.
    pub from_number: Option<String>,
    /// 收文时间 (收文).
    pub received_at: Option<DateTime<Utc>>,
    /// 收文编号 (收文).
    pub registration_number: Option<String>,
    /// 主送机关.
    pub main_recipients: Vec<String>,
    /// 发文机关署名.
    pub signature_organs: Vec<String>,
    /// 成文日期.
    pub date: Option<NaiveDate>,
    /// 抄送机关.
    pub copy_to: Vec<String>,
    /// 印发机关.
    pub printed_by: Option<String>,
    /// 印发日期.
    pub printed_on: Option<NaiveDate>,
    /// 附注.
    pub note: Option<String>,
}

/// 正文 — one body version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyFile {
    /// Version id.
    pub id: String,
    /// 阶段.
    pub stage: BodyStage,
    /// 格式.
    pub format: BodyFormat,
    /// The media type a viewer opens it with.
    pub media_type: String,
    /// 大小 in bytes.
    pub size: u64,
    /// SHA-256, hex: what `download` and `read_file` take.
    pub sha256: String,
    /// 页数, when known.
    pub pages: Option<u32>,
    /// When this version was made.
    pub created_at: Option<DateTime<Utc>>,
    /// Its file is in this phone's vault (it opens offline).
    pub held: bool,
    /// 当前版本 — the latest version.
    pub current: bool,
    /// 版式转换件 — the PDF the office made of it, when there is one.
    pub rendition: Option<RenditionFile>,
    /// The file a viewer should open: the rendition's hash when there is one, else this
    /// version's own.
    pub view_sha256: String,
    /// The media type of that file.
    pub view_media_type: String,
}

/// 版式转换件 — a PDF of an OFD body version, served beside it for viewers that cannot show OFD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenditionFile {
    /// 格式 — PDF.
    pub format: BodyFormat,
    /// The media type a viewer opens it with.
    pub media_type: String,
    /// 大小 in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Its file is in this phone's vault.
    pub held: bool,
}

/// 附件 — one attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFile {
    /// Attachment id.
    pub id: String,
    /// 附件名称.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// 大小 in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Its file is in this phone's vault.
    pub held: bool,
}

/// A 办理时限 and whether it has passed unfinished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// When handling must be finished.
    pub due: DateTime<Utc>,
    /// 超期 — it has passed and handling is not finished.
    pub overdue: bool,
}

/// Someone named in the flow: the signed-in user by name, everyone else by the name the unit's
/// address book on the phone gives them (`DocumentDetail::name_people`); the id is always there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The user id.
    pub user_id: String,
    /// 姓名, when known here.
    pub name: Option<String>,
    /// 职务, when known here.
    pub post: Option<String>,
}

impl Person {
    /// `user_id`, named when it is the viewer.
    pub(crate) fn known(user_id: &str, viewer: &Identity) -> Person {
        let me = user_id == viewer.user_id;
        Person {
            user_id: user_id.to_owned(),
            name: me.then(|| viewer.name.clone()),
            post: me.then(|| viewer.post.clone()),
        }
    }

    /// The name to print: the name when known, else the id.
    pub fn display(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.user_id)
    }
}

/// 意见栏 — one opinion column and the opinions written in it, in flow order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpinionColumn {
    /// The column's name (拟办, 领导批示, 会签 …).
    pub name: String,
    /// Its opinions, oldest first.
    pub opinions: Vec<OpinionEntry>,
}

/// 意见 / 批示 — one opinion as the column shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpinionEntry {
    /// The task it was written on.
    pub task_id: String,
    /// The node's name.
    pub node_name: String,
    /// Whose opinion it is.
    pub author: Person,
    /// 委托 — the principal the author handled the task for (a standing delegation).
    pub on_behalf_of: Option<Person>,
    /// 代签 — the secretary who entered it for the author.
    pub entered_by: Option<Person>,
    /// When it was written.
    pub at: Option<DateTime<Utc>>,
    /// 态度.
    pub attitude: Attitude,
    /// 意见正文.
    pub text: String,
    /// A handwriting image is attached.
    pub has_handwriting: bool,
    /// An audio note is attached.
    pub has_audio: bool,
    /// 手写签批 — the handwriting image: its hash (download it by that), media type and size.
    pub handwriting: Option<crate::model::OpinionFile>,
    /// 语音 — the voice clip: its hash, media type, size and length.
    pub audio: Option<crate::model::OpinionFile>,
    /// Written on this phone and not yet confirmed by the gateway.
    pub pending: bool,
}

/// What a step of the flow record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowAction {
    /// 同意.
    Approve,
    /// 不同意 (the flow continues).
    Disagree,
    /// 批量同意.
    BatchApprove,
    /// 已阅.
    MarkRead,
    /// 驳回.
    Reject,
    /// 退回.
    Return,
    /// 转交.
    Transfer,
    /// 委派.
    Delegate,
    /// 委派办结.
    Resolve,
    /// 加签.
    AddSigner,
    /// 减签.
    RemoveSigner,
    /// 传阅.
    Circulate,
    /// 撤回.
    Recall,
    /// 撤销.
    Revoke,
    /// 终止.
    Terminate,
    /// 催办.
    Urge,
    /// 挂起 / 暂停.
    Suspend,
    /// 恢复.
    Resume,
    /// 打开 (未读 → 已读).
    Open,
    /// 暂存.
    Save,
    /// 签收.
    Claim,
    /// 签退.
    Release,
    /// 收回委托.
    TakeBack,
}

/// 流转记录 — one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStep {
    /// The instance version the step produced (its place in the order).
    pub version: u64,
    /// What happened.
    pub action: FlowAction,
    /// Who did it (the person it counts as).
    pub actor: Person,
    /// 代签 — the secretary who entered it.
    pub entered_by: Option<Person>,
    /// 委托 — the principal whose task the actor handled.
    pub on_behalf_of: Option<Person>,
    /// When.
    pub at: DateTime<Utc>,
    /// The node it happened at, by name.
    pub node_name: Option<String>,
    /// The task or read item it acted on.
    pub task_id: Option<String>,
    /// Who it went to: the new handler of a 转交 or 委派, the added signers, the readers of a 传阅.
    pub to: Vec<Person>,
    /// 退回 — the node it was returned to, by name.
    pub returned_to: Option<String>,
    /// Done on this phone and not yet confirmed by the gateway.
    pub pending: bool,
}

/// The viewer's own task: where it stands, its 办理时限, and what they may do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyTask {
    /// The task with its state here and the workflow's control flags and routes.
    pub item: InboxItem,
    /// Its 办理时限 and whether it is late now.
    pub deadline: Option<Deadline>,
    /// What approving it now meets under the unit's rule for a body never opened here (the shell
    /// asks for a confirmation on `Confirm`; the approving actions fail on `Refused`).
    pub unopened_body: UnopenedBodyCheck,
}
