//! What a real 公文 must never be. [`Document::validate`] refuses malformed documents — a blank
//! title, a number that cannot be printed, a file whose hash cannot be checked, dates out of
//! order — and names the first fault it finds. It does not refuse incomplete ones: a draft without
//! a body file or a 成文日期 is normal, and which elements a stage of the flow requires is the
//! flow's business.

use super::{Attachment, BodyFormat, Document, SealVerification, SecrecyLevel, SecrecyPeriod};
use chrono::DateTime;
use std::collections::HashSet;
use thiserror::Error;

/// Why an attachment (of a document or a notice) is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AttachmentError {
    /// An attachment without an id.
    #[error("an attachment (附件) has no id")]
    EmptyId,
    /// Two attachments with the same id.
    #[error("two attachments (附件) share the id {0}")]
    DuplicateId(String),
    /// An attachment without a name: 附件说明 would print nothing.
    #[error("attachment {0} (附件) has no name")]
    EmptyName(String),
    /// A media type that is not `type/subtype`.
    #[error("attachment {id} (附件) has the media type {media_type:?}, not type/subtype")]
    BadMediaType {
        /// The attachment id.
        id: String,
        /// The refused media type.
        media_type: String,
    },
    /// An empty file.
    #[error("attachment {0} (附件) is an empty file")]
    EmptyFile(String),
    /// A hash that is not 64 lowercase hex digits, so the file can never be checked.
    #[error("attachment {0} (附件) has a hash that is not 64 lowercase hex digits")]
    BadHash(String),
}

/// Checks a list of attachments: each complete and checkable, ids unique.
pub(crate) fn validate_attachments(attachments: &[Attachment]) -> Result<(), AttachmentError> {
    let mut ids = HashSet::new();
    for a in attachments {
        if a.id.trim().is_empty() {
            return Err(AttachmentError::EmptyId);
        }
        if !ids.insert(a.id.as_str()) {
            return Err(AttachmentError::DuplicateId(a.id.clone()));
        }
        if a.name.trim().is_empty() {
            return Err(AttachmentError::EmptyName(a.id.clone()));
        }
        let well_formed = a
            .media_type
            .split_once('/')
            .is_some_and(|(t, s)| !t.trim().is_empty() && !s.trim().is_empty());
        if !well_formed {
            return Err(AttachmentError::BadMediaType {
                id: a.id.clone(),
                media_type: a.media_type.clone(),
            });
        }
        if a.size == 0 {
            return Err(AttachmentError::EmptyFile(a.id.clone()));
        }
        if !is_sha256_hex(&a.sha256) {
            return Err(AttachmentError::BadHash(a.id.clone()));
        }
    }
    Ok(())
}

/// Why a document is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocumentError {
    /// A document without an id.
    #[error("the document has no id")]
    EmptyId,
    /// A document owned by no unit.
    #[error("the document has no unit (单位)")]
    EmptyUnit,
    /// A blank title.
    #[error("the title (标题) is empty")]
    EmptyTitle,
    /// A title longer than [`super::MAX_TITLE_CHARS`].
    #[error(
        "the title (标题) is longer than {} characters",
        super::MAX_TITLE_CHARS
    )]
    TitleTooLong,
    /// A document number without the organ code.
    #[error("the document number (发文字号) has no organ code (机关代字)")]
    NumberWithoutOrgan,
    /// A document number whose year is not written in full (GB/T 9704: four digits).
    #[error("the document number (发文字号) has the year {0}, not a four-digit year")]
    NumberYear(i32),
    /// A document number with sequence 0: numbering starts at 1 and has no leading zeros.
    #[error("the document number (发文字号) has the sequence 0")]
    NumberSequenceZero,
    /// A 份号 that is not one to six digits.
    #[error("the copy number (份号) {0:?} is not one to six digits")]
    BadCopyNumber(String),
    /// A 保密期限 on a document that is not classified.
    #[error("an unclassified document (密级 无) carries a secrecy period (保密期限)")]
    SecrecyPeriodWithoutSecrecy,
    /// A 保密期限 of zero years or months.
    #[error("the secrecy period (保密期限) is zero")]
    SecrecyPeriodZero,
    /// A blank entry in a list of organs or names; the field names the list.
    #[error("a blank entry in {0}")]
    BlankEntry(&'static str),
    /// A body version without an id.
    #[error("a body version (正文) has no id")]
    EmptyVersionId,
    /// Two body versions with the same id.
    #[error("two body versions (正文) share the id {0}")]
    DuplicateVersionId(String),
    /// A body version whose hash is not 64 lowercase hex digits, so the file can never be checked.
    #[error("body version {0} (正文) has a hash that is not 64 lowercase hex digits")]
    BadBodyHash(String),
    /// An empty body file.
    #[error("body version {0} (正文) is an empty file")]
    EmptyBodyFile(String),
    /// A body version said to have no pages.
    #[error("body version {0} (正文) has zero pages")]
    ZeroPages(String),
    /// A rendition that is not a PDF of a version in another format, or whose file is empty or
    /// not named by a SHA-256.
    #[error("body version {0} (正文) has a rendition that is not a non-empty PDF of another format named by its SHA-256")]
    BadRendition(String),
    /// A faulty attachment.
    #[error(transparent)]
    Attachment(#[from] AttachmentError),
    /// A seal without its name, organ or certificate serial: it cannot be shown or checked.
    #[error("a seal (印章) lacks its name, organ or certificate serial")]
    IncompleteSeal,
    /// A seal that failed verification without saying why.
    #[error("seal {0} (印章) failed verification without a reason")]
    InvalidSealWithoutReason(String),
    /// 印发日期 before 成文日期.
    #[error("printed (印发日期) before the document was made (成文日期)")]
    PrintedBeforeMade,
    /// A 收文时间 that is not RFC 3339.
    #[error("the received time (收文时间) {0:?} is not an RFC 3339 time")]
    BadReceivedAt(String),
    /// 登记时间 before 收文时间.
    #[error("registered (登记时间) before it was received (收文时间)")]
    RegisteredBeforeReceived,
    /// A 督办 whose 反馈时限 comes before the supervision started.
    #[error("the supervision (督办) must report back before it started")]
    SupervisionReportBeforeStart,
}

/// Refuses a blank entry in `names`, naming the list as `field`.
fn no_blank(names: &[String], field: &'static str) -> Result<(), DocumentError> {
    if names.iter().any(|n| n.trim().is_empty()) {
        return Err(DocumentError::BlankEntry(field));
    }
    Ok(())
}

impl Document {
    /// Checks the document is well formed; the first fault found is returned.
    pub fn validate(&self) -> Result<(), DocumentError> {
        if self.id.trim().is_empty() {
            return Err(DocumentError::EmptyId);
        }
        if self.unit_id.trim().is_empty() {
            return Err(DocumentError::EmptyUnit);
        }
        if self.title.trim().is_empty() {
            return Err(DocumentError::EmptyTitle);
        }
        if self.title.chars().count() > super::MAX_TITLE_CHARS {
            return Err(DocumentError::TitleTooLong);
        }
        self.validate_head()?;
        self.validate_body()?;
        self.validate_after_body()
    }

    fn validate_head(&self) -> Result<(), DocumentError> {
        let number = &self.number;
        if number.organ.trim().is_empty() {
            return Err(DocumentError::NumberWithoutOrgan);
        }
        if !(1000..=9999).contains(&number.year) {
            return Err(DocumentError::NumberYear(number.year));
        }
        if number.sequence == 0 {
            return Err(DocumentError::NumberSequenceZero);
        }
        if let Some(copy) = &self.head.copy_number {
            if copy.is_empty() || copy.len() > 6 || !copy.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DocumentError::BadCopyNumber(copy.clone()));
            }
        }
        if let Some(period) = &self.head.secrecy_period {
            if self.secrecy == SecrecyLevel::None {
                return Err(DocumentError::SecrecyPeriodWithoutSecrecy);
            }
            match period {
                SecrecyPeriod::Years(0) | SecrecyPeriod::Months(0) => {
                    return Err(DocumentError::SecrecyPeriodZero)
                }
                SecrecyPeriod::Condition(text) if text.trim().is_empty() => {
                    return Err(DocumentError::BlankEntry("保密期限"))
                }
                _ => {}
            }
        }
        no_blank(&self.head.issuing_organs, "发文机关")?;
        no_blank(&self.head.signers, "签发人")
    }

    fn validate_body(&self) -> Result<(), DocumentError> {
        let body = &self.body;
        no_blank(&body.main_recipients, "主送机关")?;
        no_blank(&body.signature_organs, "发文机关署名")?;
        let mut ids = HashSet::new();
        for v in &body.versions {
            if v.id.trim().is_empty() {
                return Err(DocumentError::EmptyVersionId);
            }
            if !ids.insert(v.id.as_str()) {
                return Err(DocumentError::DuplicateVersionId(v.id.clone()));
            }
            if !is_sha256_hex(&v.sha256) {
                return Err(DocumentError::BadBodyHash(v.id.clone()));
            }
            if v.size == 0 {
                return Err(DocumentError::EmptyBodyFile(v.id.clone()));
            }
            if v.pages == Some(0) {
                return Err(DocumentError::ZeroPages(v.id.clone()));
            }
            if let Some(r) = &v.rendition {
                // A rendition exists for viewers that cannot show the original: a PDF of an OFD.
                if r.format != BodyFormat::Pdf
                    || v.format == BodyFormat::Pdf
                    || r.size == 0
                    || !is_sha256_hex(&r.sha256)
                {
                    return Err(DocumentError::BadRendition(v.id.clone()));
                }
            }
        }
        validate_attachments(&body.attachments)?;
        for seal in &body.seals {
            if [&seal.name, &seal.organ, &seal.certificate_serial]
                .iter()
                .any(|s| s.trim().is_empty())
            {
                return Err(DocumentError::IncompleteSeal);
            }
            if let SealVerification::Invalid { reason } = &seal.verification {
                if reason.trim().is_empty() {
                    return Err(DocumentError::InvalidSealWithoutReason(seal.name.clone()));
                }
            }
        }
        Ok(())
    }

    fn validate_after_body(&self) -> Result<(), DocumentError> {
        no_blank(&self.footer.copy_to, "抄送机关")?;
        if let (Some(made), Some(printed)) = (self.body.date, self.footer.printed_on) {
            if printed < made {
                return Err(DocumentError::PrintedBeforeMade);
            }
        }
        if let Some(received) = &self.received_at {
            let received_at = DateTime::parse_from_rfc3339(received)
                .map_err(|_| DocumentError::BadReceivedAt(received.clone()))?;
            if let Some(registered) = self.receiving.registered_at {
                if registered < received_at {
                    return Err(DocumentError::RegisteredBeforeReceived);
                }
            }
        }
        if let Some(s) = &self.handling.supervision {
            if s.supervisor.trim().is_empty() {
                return Err(DocumentError::BlankEntry("督办单位"));
            }
            if s.report_by.is_some_and(|by| by < s.started_at) {
                return Err(DocumentError::SupervisionReportBeforeStart);
            }
        }
        no_blank(&self.handling.instruction_task_ids, "领导批示")
    }
}

/// Whether `text` is a SHA-256 in canonical form: exactly 64 lowercase hex digits (how every file
/// of a document is named).
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
