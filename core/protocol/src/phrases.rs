//! 常用意见 and opinion files on the wire: the phrases a person picks an opinion from (their own,
//! kept by the gateway so every device of theirs has the same list, and the unit's defaults an
//! administrator sets), and the handwriting images and voice clips a phone uploads before the
//! command whose opinion names them.
//!
//! - `GET /v1/phrases` — signed → [`PhraseBook`] with a strong `ETag` (its
//!   [`version`](PhraseBook::version), quoted); `If-None-Match` with the version held answers a
//!   bodiless `304 Not Modified`.
//! - `PUT /v1/phrases` — signed, [`PhraseEdit`] → [`PhraseBook`]: replaces the person's own list
//!   if `base_version` is still [`PhraseBook::own_version`]; otherwise `409 stale_phrases` and
//!   nothing changes (another device of theirs edited first: fetch, then edit again).
//! - `PUT /v1/blobs/<sha256>?media_type=<type>` — signed; the raw bytes of a handwriting image
//!   or voice clip (at most [`MAX_OPINION_FILE_BYTES`], `413 body_too_large` beyond), stored if
//!   they hash to the path's SHA-256 (`400 hash_mismatch` otherwise) and recorded as uploaded by
//!   the signer. A command whose opinion names a file the signer has not uploaded is refused with
//!   [`OPINION_FILE_MISSING`], not stored: the phone uploads and sends it again.
//!
//! Why whole lists with a version rather than per-phrase operations: a list is a few dozen short
//! lines, and "last writer wins unless it did not see the previous write" is what a person
//! editing on two phones expects; the refused device shows the list that won.

use serde::{Deserialize, Serialize};

pub use qianpi_domain::workflow::MAX_OPINION_FILE_BYTES;

/// Path of the phrases endpoint.
pub const PHRASES_PATH: &str = "/v1/phrases";
/// Most phrases in a person's own list, and in a unit's defaults.
pub const MAX_PHRASES: usize = 50;
/// The longest phrase, in characters.
pub const MAX_PHRASE_CHARS: usize = 200;
/// The refusal code of a command whose opinion names a file its signer has not uploaded. Not a
/// verdict the gateway keeps: the phone uploads the file and pushes the command again.
pub const OPINION_FILE_MISSING: &str = "opinion_file_missing";
/// The refusal code of an edit made on an older version of the person's list.
pub const STALE_PHRASES: &str = "stale_phrases";

/// The phrases a person may pick an opinion from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhraseBook {
    /// Changes whenever either list changes; also sent as the `ETag`.
    pub version: String,
    /// The person's own phrases, in their order.
    pub own: Vec<String>,
    /// The version of the person's own list (0 before they ever saved one); an edit names it.
    pub own_version: u64,
    /// The unit's defaults, in the administrator's order.
    pub unit: Vec<String>,
}

/// A new own list, made on `base_version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PhraseEdit {
    /// The [`PhraseBook::own_version`] the edit was made on.
    // The gateway keeps versions as signed 64-bit numbers.
    #[cfg_attr(feature = "openapi", schema(maximum = 9223372036854775807_u64))]
    pub base_version: u64,
    /// The whole list as it should be.
    #[cfg_attr(feature = "openapi", schema(schema_with = schema::phrase_list))]
    pub phrases: Vec<String>,
}

/// The unit's default phrases, as an administrator sets and reads them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UnitPhrases {
    /// The phrases, in order.
    #[cfg_attr(feature = "openapi", schema(schema_with = schema::phrase_list))]
    pub phrases: Vec<String>,
}

#[cfg(feature = "openapi")]
mod schema {
    use super::{MAX_PHRASES, MAX_PHRASE_CHARS};
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};

    /// A list of phrases as an edit sends it: its bounds are the ones [`super::check_phrases`]
    /// enforces (a derived `Vec<String>` could not carry the items' length).
    pub fn phrase_list() -> ArrayBuilder {
        let phrase = ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX_PHRASE_CHARS));
        ArrayBuilder::new()
            .items(phrase)
            .max_items(Some(MAX_PHRASES))
            .description(Some("The phrases, in order."))
    }
}

/// Why a list of phrases is not acceptable, if it is not: too many, an empty or blank one, one
/// too long, one holding control characters, or the same one twice.
pub fn check_phrases(phrases: &[String]) -> Result<(), String> {
    if phrases.len() > MAX_PHRASES {
        return Err(format!("at most {MAX_PHRASES} phrases"));
    }
    for (i, phrase) in phrases.iter().enumerate() {
        if phrase.trim().is_empty() {
            return Err(format!("phrase {} is empty", i + 1));
        }
        if phrase.chars().count() > MAX_PHRASE_CHARS {
            return Err(format!(
                "phrase {} is longer than {MAX_PHRASE_CHARS} characters",
                i + 1
            ));
        }
        if phrase.chars().any(char::is_control) {
            return Err(format!("phrase {} holds control characters", i + 1));
        }
        if phrases[..i].contains(phrase) {
            return Err(format!("phrase {} is listed twice", i + 1));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_bounded_in_count_and_length_and_hold_no_blank_or_repeated_line() {
        let ok: Vec<String> = ["同意。", "已阅。", "拟同意，请领导审定。"]
            .map(String::from)
            .to_vec();
        assert!(check_phrases(&ok).is_ok());
        assert!(check_phrases(&[]).is_ok());
        let many = (0..=MAX_PHRASES)
            .map(|i| format!("意见{i}"))
            .collect::<Vec<_>>();
        assert!(check_phrases(&many).is_err());
        assert!(check_phrases(&["同".repeat(MAX_PHRASE_CHARS)]).is_ok());
        assert!(check_phrases(&["同".repeat(MAX_PHRASE_CHARS + 1)]).is_err());
        assert!(check_phrases(&["  ".into()]).is_err());
        assert!(check_phrases(&["同意\n".into()]).is_err());
        assert!(check_phrases(&["同意".into(), "同意".into()]).is_err());
    }
}
