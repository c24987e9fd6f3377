//! The registrar's form checked field by field: every fault of every field is collected (a
//! registrar fixes them all in one go), each named by the form field it concerns and by a text
//! key whose Chinese and English wording lives in the console's `incoming` string table. What
//! passes is turned into the GB/T 9704 values of a [`Document`](qianpi_domain::model::Document).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use qianpi_domain::model::{DocumentGenre, DocumentNumber, SecrecyLevel, Urgency, MAX_TITLE_CHARS};

/// Longest 来文单位, in characters (an organ's full name).
pub const MAX_ORGAN_CHARS: usize = 100;
/// Longest 收文编号, in characters.
pub const MAX_REGISTRATION_CHARS: usize = 50;
/// Most pages a body may be said to have.
pub const MAX_PAGES: u32 = 9999;

/// A form field of the registration, by its HTML `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 来文单位.
    FromOrgan,
    /// 文号 (来文字号).
    Number,
    /// 标题.
    Title,
    /// 紧急程度.
    Urgency,
    /// 密级.
    Secrecy,
    /// 文种.
    Genre,
    /// 成文日期.
    MadeOn,
    /// 收文日期.
    ReceivedOn,
    /// 份号.
    CopyNumber,
    /// 页数.
    Pages,
    /// 收文编号.
    RegistrationNumber,
    /// 办理时限.
    Deadline,
    /// 流程.
    Definition,
    /// 正文 (PDF).
    BodyPdf,
    /// 正文 (OFD).
    BodyOfd,
    /// 附件.
    Attachments,
}

impl Field {
    /// Every field, in the order of the form.
    pub const ALL: [Field; 16] = [
        Field::FromOrgan,
        Field::Number,
        Field::Title,
        Field::Urgency,
        Field::Secrecy,
        Field::Genre,
        Field::MadeOn,
        Field::ReceivedOn,
        Field::CopyNumber,
        Field::Pages,
        Field::RegistrationNumber,
        Field::Deadline,
        Field::Definition,
        Field::BodyPdf,
        Field::BodyOfd,
        Field::Attachments,
    ];

    /// The field's HTML `name` (and, prefixed with `incoming-`, its element id).
    pub fn name(self) -> &'static str {
        match self {
            Field::FromOrgan => "from_organ",
            Field::Number => "number",
            Field::Title => "title",
            Field::Urgency => "urgency",
            Field::Secrecy => "secrecy",
            Field::Genre => "genre",
            Field::MadeOn => "made_on",
            Field::ReceivedOn => "received_on",
            Field::CopyNumber => "copy_number",
            Field::Pages => "pages",
            Field::RegistrationNumber => "registration_number",
            Field::Deadline => "deadline",
            Field::Definition => "definition",
            Field::BodyPdf => "body_pdf",
            Field::BodyOfd => "body_ofd",
            Field::Attachments => "attachments",
        }
    }
}

/// What is wrong with a field; [`Problem::key`] names its wording in the string table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A required field left empty.
    Required,
    /// Longer than the field allows.
    TooLong,
    /// Control characters (line breaks, tabs) in a one-line field.
    ControlCharacters,
    /// A 文号 not written as `机关代字〔年份〕序号号`.
    NumberFormat,
    /// A 文号 with sequence 0 or a leading zero (GB/T 9704: 不编虚位).
    NumberSequence,
    /// Not one of the choices offered.
    NotAChoice,
    /// Not a date `YYYY-MM-DD`.
    NotADate,
    /// 收文日期 after today.
    ReceivedInFuture,
    /// 成文日期 after 收文日期.
    MadeAfterReceived,
    /// 办理时限 before 收文日期.
    DeadlineBeforeReceived,
    /// 份号 not one to six digits.
    CopyNumberDigits,
    /// 页数 not a whole number from 1 to [`MAX_PAGES`].
    PagesRange,
    /// Not a process definition of the registrar's unit.
    NoSuchDefinition,
    /// The definition cannot start a flow (its first step has no one to handle it).
    DefinitionCannotStart,
    /// Neither a PDF nor an OFD body.
    BodyMissing,
    /// A file said to be PDF that does not start with `%PDF-`.
    NotPdf,
    /// A file said to be OFD that is not a zip package holding `OFD.xml`.
    NotOfd,
    /// An empty file.
    EmptyFile,
    /// A file over the size limit.
    FileTooLarge,
    /// More attachments than allowed.
    TooManyAttachments,
    /// An attachment whose name is empty or too long.
    AttachmentName,
    /// The files together over the request's limit.
    TooMuchInTotal,
}

impl Problem {
    /// The string-table key of the problem's wording (`incoming.error.*`).
    pub fn key(self) -> &'static str {
        match self {
            Problem::Required => "incoming.error.required",
            Problem::TooLong => "incoming.error.too_long",
            Problem::ControlCharacters => "incoming.error.control_characters",
            Problem::NumberFormat => "incoming.error.number_format",
            Problem::NumberSequence => "incoming.error.number_sequence",
            Problem::NotAChoice => "incoming.error.not_a_choice",
            Problem::NotADate => "incoming.error.not_a_date",
            Problem::ReceivedInFuture => "incoming.error.received_in_future",
            Problem::MadeAfterReceived => "incoming.error.made_after_received",
            Problem::DeadlineBeforeReceived => "incoming.error.deadline_before_received",
            Problem::CopyNumberDigits => "incoming.error.copy_number_digits",
            Problem::PagesRange => "incoming.error.pages_range",
            Problem::NoSuchDefinition => "incoming.error.no_such_definition",
            Problem::DefinitionCannotStart => "incoming.error.definition_cannot_start",
            Problem::BodyMissing => "incoming.error.body_missing",
            Problem::NotPdf => "incoming.error.not_pdf",
            Problem::NotOfd => "incoming.error.not_ofd",
            Problem::EmptyFile => "incoming.error.empty_file",
            Problem::FileTooLarge => "incoming.error.file_too_large",
            Problem::TooManyAttachments => "incoming.error.too_many_attachments",
            Problem::AttachmentName => "incoming.error.attachment_name",
            Problem::TooMuchInTotal => "incoming.error.too_much_in_total",
        }
    }

    /// Every problem (the string table must word each).
    pub const ALL: [Problem; 22] = [
        Problem::Required,
        Problem::TooLong,
        Problem::ControlCharacters,
        Problem::NumberFormat,
        Problem::NumberSequence,
        Problem::NotAChoice,
        Problem::NotADate,
        Problem::ReceivedInFuture,
        Problem::MadeAfterReceived,
        Problem::DeadlineBeforeReceived,
        Problem::CopyNumberDigits,
        Problem::PagesRange,
        Problem::NoSuchDefinition,
        Problem::DefinitionCannotStart,
        Problem::BodyMissing,
        Problem::NotPdf,
        Problem::NotOfd,
        Problem::EmptyFile,
        Problem::FileTooLarge,
        Problem::TooManyAttachments,
        Problem::AttachmentName,
        Problem::TooMuchInTotal,
    ];
}

/// One fault: the field and what is wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: Field,
    /// What is wrong.
    pub problem: Problem,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field.name(), self.problem.key())
    }
}

/// Collects the faults of a form.
#[derive(Debug, Default)]
pub struct Faults(pub Vec<FieldError>);

impl Faults {
    /// Records that `field` has `problem`.
    pub fn add(&mut self, field: Field, problem: Problem) {
        self.0.push(FieldError { field, problem });
    }

    /// `value` of `field` unless it is faulty (the fault recorded).
    pub fn keep<T>(&mut self, field: Field, value: Result<T, Problem>) -> Option<T> {
        value.map_err(|problem| self.add(field, problem)).ok()
    }
}

/// A one-line text: trimmed, required or not, at most `max` characters, no control characters.
pub fn line(text: &str, required: bool, max: usize) -> Result<Option<String>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return if required {
            Err(Problem::Required)
        } else {
            Ok(None)
        };
    }
    if text.chars().any(char::is_control) {
        return Err(Problem::ControlCharacters);
    }
    if text.chars().count() > max {
        return Err(Problem::TooLong);
    }
    Ok(Some(text.to_owned()))
}

/// The title: required, at most [`MAX_TITLE_CHARS`]; a title may run over two lines on paper,
/// but it is one line here.
pub fn title(text: &str) -> Result<String, Problem> {
    line(text, true, MAX_TITLE_CHARS).and_then(|t| t.ok_or(Problem::Required))
}

/// A 文号 as printed, `晋农办〔2026〕12号`. The year's brackets are often typed as `[]`, `［］` or
/// `()`: those are read as 〔〕.
pub fn number(text: &str) -> Result<DocumentNumber, Problem> {
    let text: String = text.split_whitespace().collect();
    if text.is_empty() {
        return Err(Problem::Required);
    }
    let open = text
        .find(['〔', '[', '［', '(', '（'])
        .ok_or(Problem::NumberFormat)?;
    let organ = &text[..open];
    let rest = &text[open..];
    let after_open = rest.chars().next().map_or(0, char::len_utf8);
    let rest = &rest[after_open..];
    let close = rest
        .find(['〕', ']', '］', ')', '）'])
        .ok_or(Problem::NumberFormat)?;
    let year_text = &rest[..close];
    let after_close = rest[close..].chars().next().map_or(0, char::len_utf8);
    let sequence_text = rest[close + after_close..]
        .strip_suffix('号')
        .ok_or(Problem::NumberFormat)?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if organ.is_empty()
        || organ.chars().any(char::is_control)
        || organ.chars().count() > MAX_ORGAN_CHARS
        || year_text.len() != 4
        || !digits(year_text)
        || !digits(sequence_text)
    {
        return Err(Problem::NumberFormat);
    }
    if sequence_text.starts_with('0') {
        return Err(Problem::NumberSequence);
    }
    let year = year_text.parse().map_err(|_| Problem::NumberFormat)?;
    let sequence = sequence_text.parse().map_err(|_| Problem::NumberFormat)?;
    Ok(DocumentNumber {
        organ: organ.to_owned(),
        year,
        sequence,
    })
}

/// 紧急程度 by its form value.
pub fn urgency(text: &str) -> Result<Urgency, Problem> {
    match text.trim() {
        "normal" => Ok(Urgency::Normal),
        "urgent" => Ok(Urgency::Urgent),
        "extra_urgent" => Ok(Urgency::ExtraUrgent),
        "" => Err(Problem::Required),
        _ => Err(Problem::NotAChoice),
    }
}

/// 密级 by its form value.
pub fn secrecy(text: &str) -> Result<SecrecyLevel, Problem> {
    match text.trim() {
        "none" => Ok(SecrecyLevel::None),
        "secret" => Ok(SecrecyLevel::Secret),
        "confidential" => Ok(SecrecyLevel::Confidential),
        "top_secret" => Ok(SecrecyLevel::TopSecret),
        "" => Err(Problem::Required),
        _ => Err(Problem::NotAChoice),
    }
}

/// The form value of a 文种 (its name in the stored JSON, `notice`).
pub fn genre_value(genre: DocumentGenre) -> String {
    serde_json::to_value(genre)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// 文种 by its form value; empty for none.
pub fn genre(text: &str) -> Result<Option<DocumentGenre>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    DocumentGenre::ALL
        .into_iter()
        .find(|g| genre_value(*g) == text)
        .map(Some)
        .ok_or(Problem::NotAChoice)
}

/// A date `YYYY-MM-DD` (what a date input sends); empty for none.
pub fn date(text: &str) -> Result<Option<NaiveDate>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| Problem::NotADate)
}

/// 份号: one to six digits as printed; empty for none.
pub fn copy_number(text: &str) -> Result<Option<String>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() <= 6 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Some(text.to_owned()))
    } else {
        Err(Problem::CopyNumberDigits)
    }
}

/// 页数: a whole number from 1 to [`MAX_PAGES`]; empty for unknown.
pub fn pages(text: &str) -> Result<Option<u32>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(n) if (1..=MAX_PAGES).contains(&n) => Ok(Some(n)),
        _ => Err(Problem::PagesRange),
    }
}

/// The start of `day` in the deployment's zone, as a UTC instant.
pub fn start_of(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    // A zone that skips midnight (none of China's; some elsewhere on a DST change) starts the
    // day at the earliest time that exists.
    zone.from_local_datetime(&midnight)
        .earliest()
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight).with_timezone(&zone))
        .with_timezone(&Utc)
}

/// The last second of `day` in the deployment's zone (a 办理时限 runs to the end of its day).
pub fn end_of(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    match day.succ_opt() {
        Some(next) => start_of(next, zone) - chrono::Duration::seconds(1),
        None => start_of(day, zone),
    }
}
