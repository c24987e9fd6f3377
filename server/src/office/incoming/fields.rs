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

pub use super::faults::{Faults, Field, FieldError, Problem};

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
