//! 公文详情 as the shells show it: the document's head, files, opinions by 意见栏, the 流转记录
//! and the viewer's own task, read from the store on the phone (offline too). The types say what
//! they hold: enums for urgency, secrecy, kind, 文种, stage, format, attitude, state and action;
//! times as timestamps and dates as calendar dates, never strings. The enums are in `enums`, the
//! conversions from the core's screen model in `convert`.

mod convert;
mod enums;
mod labels;

use crate::bodies::{BodyReading, RenditionFile, UnopenedBodyCheck};
use crate::convert::{Attitude, InboxItem};
use crate::{runtime, QianpiClient, QianpiError};
pub use enums::{
    BodyFormat, BodyStage, DocumentGenre, DocumentKind, FlowAction, InstanceState, SecrecyLevel,
    Urgency,
};
use std::sync::Arc;
use std::time::SystemTime;

/// A calendar date (成文日期, 印发日期): a day, not an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CalendarDate {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

/// Someone named in the flow; name and post are known for the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Person {
    /// User id.
    pub user_id: String,
    /// 姓名, when known on this phone.
    pub name: Option<String>,
    /// 职务, when known on this phone.
    pub post: Option<String>,
}

/// 版头 and the other descriptive fields.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DocumentHead {
    /// 标题.
    pub title: String,
    /// 发文字号, as printed: 晋农办〔2026〕12号.
    pub number: String,
    /// 公文类型.
    pub kind: DocumentKind,
    /// 文种.
    pub genre: Option<DocumentGenre>,
    /// 紧急程度.
    pub urgency: Urgency,
    /// 密级.
    pub secrecy: SecrecyLevel,
    /// 保密期限, worded.
    pub secrecy_period: Option<String>,
    /// 份号.
    pub copy_number: Option<String>,
    /// 发文机关, the lead organ first.
    pub issuing_organs: Vec<String>,
    /// 签发人.
    pub signers: Vec<String>,
    /// 来文单位.
    pub from_organ: Option<String>,
    /// 来文字号.
    pub from_number: Option<String>,
    /// 收文时间.
    pub received_at: Option<SystemTime>,
    /// 收文编号.
    pub registration_number: Option<String>,
    /// 主送机关.
    pub main_recipients: Vec<String>,
    /// 发文机关署名.
    pub signature_organs: Vec<String>,
    /// 成文日期.
    pub date: Option<CalendarDate>,
    /// 抄送机关.
    pub copy_to: Vec<String>,
    /// 印发机关.
    pub printed_by: Option<String>,
    /// 印发日期.
    pub printed_on: Option<CalendarDate>,
    /// 附注.
    pub note: Option<String>,
}

/// 正文 — one body version.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BodyFile {
    /// Version id.
    pub id: String,
    /// 阶段.
    pub stage: BodyStage,
    /// 格式.
    pub format: BodyFormat,
    /// The media type to open it with.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex (what `download` and `read_file` take).
    pub sha256: String,
    /// 页数, when known.
    pub pages: Option<u32>,
    /// When this version was made.
    pub created_at: Option<SystemTime>,
    /// The file is on this phone.
    pub held: bool,
    /// The current (latest) version.
    pub current: bool,
    /// 版式转换件 — the PDF the office made of it, when there is one.
    pub rendition: Option<RenditionFile>,
    /// The file a viewer should open: the rendition when there is one, else this version.
    pub view_sha256: String,
    /// The media type of that file.
    pub view_media_type: String,
}

/// 附件.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AttachmentFile {
    /// Attachment id.
    pub id: String,
    /// 附件名称.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// The file is on this phone.
    pub held: bool,
}

/// A 办理时限 and whether it passed unfinished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Deadline {
    /// When handling must be finished.
    pub due: SystemTime,
    /// 超期.
    pub overdue: bool,
}

/// 意见 / 批示.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpinionEntry {
    /// The task it was written on.
    pub task_id: String,
    /// The node's name.
    pub node_name: String,
    /// Whose opinion it is.
    pub author: Person,
    /// 委托 — the principal the author handled the task for.
    pub on_behalf_of: Option<Person>,
    /// 代签 — the secretary who entered it.
    pub entered_by: Option<Person>,
    /// When it was written.
    pub at: Option<SystemTime>,
    /// 态度.
    pub attitude: Attitude,
    /// 意见正文.
    pub text: String,
    /// A handwriting image is attached.
    pub has_handwriting: bool,
    /// An audio note is attached.
    pub has_audio: bool,
    /// 手写签批 — the handwriting image (download it by its hash with `download`).
    pub handwriting: Option<crate::phrases::OpinionFileInfo>,
    /// 语音 — the voice clip.
    pub voice: Option<crate::phrases::OpinionFileInfo>,
    /// Written on this phone, not yet confirmed by the gateway.
    pub pending: bool,
}

/// 意见栏 and its opinions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpinionColumn {
    /// 拟办, 领导批示, 会签 …
    pub name: String,
    /// The opinions.
    pub opinions: Vec<OpinionEntry>,
}

/// 流转记录 — one step.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FlowStep {
    /// Its place in the order (the instance version it produced).
    pub version: u64,
    /// What happened.
    pub action: FlowAction,
    /// Who did it.
    pub actor: Person,
    /// 代签 — the secretary who entered it.
    pub entered_by: Option<Person>,
    /// 委托 — the principal whose task the actor handled.
    pub on_behalf_of: Option<Person>,
    /// When.
    pub at: SystemTime,
    /// The node, by name.
    pub node_name: Option<String>,
    /// The task or read item.
    pub task_id: Option<String>,
    /// Who it went to (转交, 委派, 加签, 传阅).
    pub to: Vec<Person>,
    /// 退回 — the node returned to, by name.
    pub returned_to: Option<String>,
    /// Done on this phone, not yet confirmed by the gateway.
    pub pending: bool,
}

/// The viewer's own task: its state and flags, and its 办理时限.
#[derive(Debug, Clone, uniffi::Record)]
pub struct MyTask {
    /// The task as the inbox shows it, with what may be done now.
    pub item: InboxItem,
    /// Its 办理时限.
    pub deadline: Option<Deadline>,
    /// What approving it meets under the unit's rule for a body never opened here: ask for a
    /// confirmation on `Confirm`; the approving actions fail on `Refused`.
    pub unopened_body: UnopenedBodyCheck,
}

/// 公文详情.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DocumentDetail {
    /// The document.
    pub document_id: String,
    /// 版头.
    pub head: DocumentHead,
    /// 正文 versions, oldest first.
    pub bodies: Vec<BodyFile>,
    /// 附件.
    pub attachments: Vec<AttachmentFile>,
    /// The body version an approval names, whether it was opened here, and the unit's rule.
    pub reading: BodyReading,
    /// 办理时限 of the document.
    pub deadline: Option<Deadline>,
    /// 办结时间.
    pub finished_at: Option<SystemTime>,
    /// The flow instance shown.
    pub instance_id: Option<String>,
    /// 流程名称.
    pub flow_name: Option<String>,
    /// 流程状态, with this phone's queued actions applied.
    pub instance_state: Option<InstanceState>,
    /// 发起人.
    pub initiator: Option<Person>,
    /// 当前环节.
    pub current_nodes: Vec<String>,
    /// 意见, by 意见栏 in flow order.
    pub opinion_columns: Vec<OpinionColumn>,
    /// 流转记录, in order.
    pub flow_record: Vec<FlowStep>,
    /// The viewer's own task in this flow.
    pub my_task: Option<MyTask>,
}

#[uniffi::export]
impl QianpiClient {
    /// 公文详情 of a task, read item, 已发 instance or document id, from the store on this phone
    /// (offline too). Read on a worker thread: the shell's thread never waits on the disk.
    /// `InvalidInput` when nothing with that id is on the phone.
    pub async fn document_detail(&self, id: String) -> Result<DocumentDetail, QianpiError> {
        let inner = Arc::clone(&self.inner);
        let detail = runtime()?
            .spawn_blocking(move || inner.document_detail(&id))
            .await
            .map_err(|e| QianpiError::Internal {
                reason: e.to_string(),
            })??;
        Ok(detail.into())
    }
}
