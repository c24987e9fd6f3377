//! The registration form's faults: each names the form field it concerns ([`Field`]) and what is
//! wrong ([`Problem`], whose text key words it in Chinese and English in the console's `incoming`
//! string table); a form's faults are all collected ([`Faults`]) so a registrar fixes them in one
//! go.

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
    /// 处理人 — the handlers chosen for the process's steps that take a choice.
    Handlers,
    /// 正文 (PDF).
    BodyPdf,
    /// 正文 (OFD).
    BodyOfd,
    /// 附件.
    Attachments,
}

impl Field {
    /// Every field, in the order of the form.
    pub const ALL: [Field; 17] = [
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
        Field::Handlers,
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
            Field::Handlers => "handlers",
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
    /// A step that takes a choice of handlers got none.
    HandlersMissing,
    /// One person chosen twice for a step.
    HandlersTwice,
    /// Several chosen for a step one person handles.
    HandlersOnlyOne,
    /// The chosen handlers' weights cannot reach the step's vote.
    HandlersVote,
    /// Someone chosen who is not a person of the unit, or for a step that takes no choice.
    HandlersNotAllowed,
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
            Problem::HandlersMissing => "incoming.error.handlers_missing",
            Problem::HandlersTwice => "incoming.error.handlers_twice",
            Problem::HandlersOnlyOne => "incoming.error.handlers_only_one",
            Problem::HandlersVote => "incoming.error.handlers_vote",
            Problem::HandlersNotAllowed => "incoming.error.handlers_not_allowed",
        }
    }

    /// Every problem (the string table must word each).
    pub const ALL: [Problem; 27] = [
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
        Problem::HandlersMissing,
        Problem::HandlersTwice,
        Problem::HandlersOnlyOne,
        Problem::HandlersVote,
        Problem::HandlersNotAllowed,
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
