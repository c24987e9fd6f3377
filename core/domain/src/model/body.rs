//! 主体 — the body of a 公文 (GB/T 9704 and the electronic-公文 standards GB/T 33476 / 33480):
//! 主送机关, the 正文 file in its successive versions, 附件, 发文机关署名, 成文日期, 印章 and
//! 附注. Files are described, never held: each carries its SHA-256 so a downloaded copy can be
//! checked before it is shown. 标题 stays on the document itself.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// 正文版本阶段 — where a body version stands in drafting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BodyStage {
    /// 草稿 — draft.
    Draft,
    /// 核稿 — reviewed.
    Reviewed,
    /// 定稿 — final text.
    Final,
    /// 盖章版 — sealed, as issued.
    Sealed,
}

impl BodyStage {
    /// The Chinese name shown next to a version.
    pub fn label_zh(self) -> &'static str {
        match self {
            BodyStage::Draft => "草稿",
            BodyStage::Reviewed => "核稿",
            BodyStage::Final => "定稿",
            BodyStage::Sealed => "盖章版",
        }
    }
}

/// 版式格式 — the file format of a body version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    /// OFD — the national fixed-layout format (GB/T 33190), the format of sealed electronic 公文.
    Ofd,
    /// PDF.
    Pdf,
    /// DOCX — an editable draft.
    Docx,
}

impl BodyFormat {
    /// The media type a viewer is opened with.
    pub fn media_type(self) -> &'static str {
        match self {
            BodyFormat::Ofd => "application/ofd",
            BodyFormat::Pdf => "application/pdf",
            BodyFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

/// 正文版本 — one version of the body file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BodyVersion {
    /// Stable version id (the file's id on the gateway).
    pub id: String,
    /// 阶段 — draft, reviewed, final or sealed.
    pub stage: BodyStage,
    /// 格式 — OFD, PDF or DOCX.
    pub format: BodyFormat,
    /// SHA-256 of the file, 64 lowercase hex digits.
    pub sha256: String,
    /// 大小 — size in bytes.
    pub size: u64,
    /// 页数 — page count, when known (an editable DOCX has none until laid out).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub pages: Option<u32>,
    /// When this version was made.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub created_at: Option<DateTime<Utc>>,
    /// 版式转换件 — a PDF the office made of an OFD version, for viewers that cannot show OFD.
    /// The version stays the original: records name the original's hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub rendition: Option<Rendition>,
}

impl BodyVersion {
    /// The file a viewer should open: the rendition when the office provided one, else the
    /// original.
    pub fn viewer_file(&self) -> (BodyFormat, &str, u64) {
        match &self.rendition {
            Some(r) => (r.format, r.sha256.as_str(), r.size),
            None => (self.format, self.sha256.as_str(), self.size),
        }
    }
}

/// 版式转换件 — another format of the same body version (a PDF beside an OFD), served beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rendition {
    /// 格式 — PDF.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^pdf$"))]
    pub format: BodyFormat,
    /// SHA-256 of the rendition's file, 64 lowercase hex digits.
    pub sha256: String,
    /// 大小 — size in bytes.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub size: u64,
}

/// 附件 — an attachment; its name is what 附件说明 lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// Stable attachment id.
    pub id: String,
    /// 附件名称 — the name printed in 附件说明, e.g. `2026年春耕备耕任务分解表`.
    pub name: String,
    /// 类型 — media type, e.g. `application/pdf`.
    pub media_type: String,
    /// 大小 — size in bytes.
    pub size: u64,
    /// SHA-256 of the file, 64 lowercase hex digits.
    pub sha256: String,
}

/// 验章结果 — what checking an electronic seal (GB/T 38540) found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum SealVerification {
    /// 未验证 — not checked yet.
    #[default]
    NotChecked,
    /// 验证通过 — signature, certificate and document hash all hold.
    Valid,
    /// 验证失败 — the check failed, and why.
    Invalid {
        /// 原因 — what failed (certificate revoked, document altered …).
        reason: String,
    },
}

/// 印章 — an electronic seal on the sealed body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Seal {
    /// 印章名称 — the seal's name, e.g. `山西省农业农村厅`.
    pub name: String,
    /// 用印机关 — the organ the seal belongs to.
    pub organ: String,
    /// 签章人证书序列号 — serial number of the signer's certificate.
    pub certificate_serial: String,
    /// 签章时间 — when it was applied.
    pub signed_at: DateTime<Utc>,
    /// 验章结果 — the verification result.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub verification: SealVerification,
}

/// 主体 — the body elements not kept directly on the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DocumentBody {
    /// 主送机关 — the main recipients.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub main_recipients: Vec<String>,
    /// 正文 — the body file's versions, oldest first; the last one is current.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub versions: Vec<BodyVersion>,
    /// 附件 — the attachments, in the order 附件说明 lists them.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub attachments: Vec<Attachment>,
    /// 发文机关署名 — the signing organ(s); several for a joint issue.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub signature_organs: Vec<String>,
    /// 成文日期 — the date the document was made (the signing leader's date).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub date: Option<NaiveDate>,
    /// 印章 — the electronic seals.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub seals: Vec<Seal>,
    /// 附注 — the note under the date (e.g. `此件公开发布`, a contact person).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
}
