//! The enums of the document detail as the shells see them — 紧急程度, 密级, 公文类型, 文种, body
//! stage and format, 流程状态 and what a step of the 流转记录 did — and their conversions from the
//! core's types.

use qianpi_core::model;
use qianpi_core::screens as core;
use qianpi_core::workflow::InstanceState as CoreInstanceState;

/// 紧急程度.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Urgency {
    /// 平件.
    Normal,
    /// 加急.
    Urgent,
    /// 特急.
    ExtraUrgent,
}

/// 密级 (a phone only ever holds 无).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SecrecyLevel {
    /// 无.
    None,
    /// 秘密.
    Secret,
    /// 机密.
    Confidential,
    /// 绝密.
    TopSecret,
}

/// 公文类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DocumentKind {
    /// 发文.
    Outgoing,
    /// 收文.
    Incoming,
    /// 签报.
    InternalRequest,
    /// 请示.
    Request,
}

/// 文种 — the 15 kinds of 公文.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DocumentGenre {
    /// 决议.
    Resolution,
    /// 决定.
    Decision,
    /// 命令（令）.
    Order,
    /// 公报.
    Communique,
    /// 公告.
    Announcement,
    /// 通告.
    PublicNotice,
    /// 意见.
    Opinions,
    /// 通知.
    Notice,
    /// 通报.
    Bulletin,
    /// 报告.
    Report,
    /// 请示.
    Request,
    /// 批复.
    Reply,
    /// 议案.
    Motion,
    /// 函.
    Letter,
    /// 纪要.
    Minutes,
}

/// 正文版本阶段.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BodyStage {
    /// 草稿.
    Draft,
    /// 核稿.
    Reviewed,
    /// 定稿.
    Final,
    /// 盖章版.
    Sealed,
}

/// 版式格式.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BodyFormat {
    /// OFD (GB/T 33190).
    Ofd,
    /// PDF.
    Pdf,
    /// DOCX.
    Docx,
}

/// 流程状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InstanceState {
    /// 草稿.
    Draft,
    /// 流转中.
    Running,
    /// 办结.
    Completed,
    /// 驳回.
    Rejected,
    /// 撤销.
    Revoked,
    /// 终止.
    Terminated,
    /// 挂起.
    Suspended,
}

/// What a step of the 流转记录 did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FlowAction {
    /// 同意.
    Approve,
    /// 不同意.
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
    /// 挂起.
    Suspend,
    /// 恢复.
    Resume,
    /// 打开.
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

impl FlowAction {
    /// The action a signed record names by its stable name (`Command::name`: `approve`,
    /// `disagree`, `add_signer` …); none for a name this build does not know.
    pub(crate) fn named(name: &str) -> Option<FlowAction> {
        Some(match name {
            "approve" => FlowAction::Approve,
            "disagree" => FlowAction::Disagree,
            "batch_approve" => FlowAction::BatchApprove,
            "mark_read" => FlowAction::MarkRead,
            "reject" => FlowAction::Reject,
            "return" => FlowAction::Return,
            "transfer" => FlowAction::Transfer,
            "delegate" => FlowAction::Delegate,
            "resolve" => FlowAction::Resolve,
            "add_signer" => FlowAction::AddSigner,
            "remove_signer" => FlowAction::RemoveSigner,
            "circulate" => FlowAction::Circulate,
            "recall" => FlowAction::Recall,
            "revoke" => FlowAction::Revoke,
            "terminate" => FlowAction::Terminate,
            "urge" => FlowAction::Urge,
            "suspend" => FlowAction::Suspend,
            "resume" => FlowAction::Resume,
            "open" => FlowAction::Open,
            "save" => FlowAction::Save,
            "claim" => FlowAction::Claim,
            "release" => FlowAction::Release,
            "take_back" => FlowAction::TakeBack,
            _ => return None,
        })
    }
}

impl From<model::Urgency> for Urgency {
    fn from(u: model::Urgency) -> Self {
        match u {
            model::Urgency::Normal => Urgency::Normal,
            model::Urgency::Urgent => Urgency::Urgent,
            model::Urgency::ExtraUrgent => Urgency::ExtraUrgent,
        }
    }
}

impl From<model::SecrecyLevel> for SecrecyLevel {
    fn from(s: model::SecrecyLevel) -> Self {
        match s {
            model::SecrecyLevel::None => SecrecyLevel::None,
            model::SecrecyLevel::Secret => SecrecyLevel::Secret,
            model::SecrecyLevel::Confidential => SecrecyLevel::Confidential,
            model::SecrecyLevel::TopSecret => SecrecyLevel::TopSecret,
        }
    }
}

impl From<model::DocumentKind> for DocumentKind {
    fn from(k: model::DocumentKind) -> Self {
        match k {
            model::DocumentKind::Outgoing => DocumentKind::Outgoing,
            model::DocumentKind::Incoming => DocumentKind::Incoming,
            model::DocumentKind::InternalRequest => DocumentKind::InternalRequest,
            model::DocumentKind::Request => DocumentKind::Request,
        }
    }
}

impl From<model::DocumentGenre> for DocumentGenre {
    fn from(g: model::DocumentGenre) -> Self {
        use model::DocumentGenre as G;
        match g {
            G::Resolution => DocumentGenre::Resolution,
            G::Decision => DocumentGenre::Decision,
            G::Order => DocumentGenre::Order,
            G::Communique => DocumentGenre::Communique,
            G::Announcement => DocumentGenre::Announcement,
            G::PublicNotice => DocumentGenre::PublicNotice,
            G::Opinions => DocumentGenre::Opinions,
            G::Notice => DocumentGenre::Notice,
            G::Bulletin => DocumentGenre::Bulletin,
            G::Report => DocumentGenre::Report,
            G::Request => DocumentGenre::Request,
            G::Reply => DocumentGenre::Reply,
            G::Motion => DocumentGenre::Motion,
            G::Letter => DocumentGenre::Letter,
            G::Minutes => DocumentGenre::Minutes,
        }
    }
}

impl From<model::BodyStage> for BodyStage {
    fn from(s: model::BodyStage) -> Self {
        match s {
            model::BodyStage::Draft => BodyStage::Draft,
            model::BodyStage::Reviewed => BodyStage::Reviewed,
            model::BodyStage::Final => BodyStage::Final,
            model::BodyStage::Sealed => BodyStage::Sealed,
        }
    }
}

impl From<model::BodyFormat> for BodyFormat {
    fn from(f: model::BodyFormat) -> Self {
        match f {
            model::BodyFormat::Ofd => BodyFormat::Ofd,
            model::BodyFormat::Pdf => BodyFormat::Pdf,
            model::BodyFormat::Docx => BodyFormat::Docx,
        }
    }
}

impl From<CoreInstanceState> for InstanceState {
    fn from(s: CoreInstanceState) -> Self {
        match s {
            CoreInstanceState::Draft => InstanceState::Draft,
            CoreInstanceState::Running => InstanceState::Running,
            CoreInstanceState::Completed => InstanceState::Completed,
            CoreInstanceState::Rejected => InstanceState::Rejected,
            CoreInstanceState::Revoked => InstanceState::Revoked,
            CoreInstanceState::Terminated => InstanceState::Terminated,
            CoreInstanceState::Suspended => InstanceState::Suspended,
        }
    }
}

impl From<core::FlowAction> for FlowAction {
    fn from(a: core::FlowAction) -> Self {
        use core::FlowAction as A;
        match a {
            A::Approve => FlowAction::Approve,
            A::Disagree => FlowAction::Disagree,
            A::BatchApprove => FlowAction::BatchApprove,
            A::MarkRead => FlowAction::MarkRead,
            A::Reject => FlowAction::Reject,
            A::Return => FlowAction::Return,
            A::Transfer => FlowAction::Transfer,
            A::Delegate => FlowAction::Delegate,
            A::Resolve => FlowAction::Resolve,
            A::AddSigner => FlowAction::AddSigner,
            A::RemoveSigner => FlowAction::RemoveSigner,
            A::Circulate => FlowAction::Circulate,
            A::Recall => FlowAction::Recall,
            A::Revoke => FlowAction::Revoke,
            A::Terminate => FlowAction::Terminate,
            A::Urge => FlowAction::Urge,
            A::Suspend => FlowAction::Suspend,
            A::Resume => FlowAction::Resume,
            A::Open => FlowAction::Open,
            A::Save => FlowAction::Save,
            A::Claim => FlowAction::Claim,
            A::Release => FlowAction::Release,
            A::TakeBack => FlowAction::TakeBack,
        }
    }
}
