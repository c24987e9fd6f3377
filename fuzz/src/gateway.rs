//! What the gateway parses from its callers besides headers: the feed cursor a phone sends back,
//! the 通讯录 CSV an administrator uploads, and a gzip-encoded request body.

use crate::Outcome;
use qianpi_gateway::admin::address_book::parse_csv;
use qianpi_gateway::admin::people::MAX_IMPORT_ROWS;
use qianpi_gateway::feed::Cursor;
use qianpi_gateway::routes::gunzip;

/// A feed cursor, as the `cursor` query parameter carries it.
///
/// Invariant: a cursor the gateway takes prints as one it takes back unchanged.
pub fn cursor(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Refused("not UTF-8".into());
    };
    match Cursor::parse(text) {
        Ok(cursor) => {
            let _ = cursor.has_seen(i64::MAX);
            let _ = cursor.has_seen(i64::MIN);
            match Cursor::parse(&cursor.to_string()) {
                Ok(again) if again == cursor => Outcome::Accepted,
                _ => Outcome::Broken(format!("{cursor:?} does not survive its own text")),
            }
        }
        Err(error) => Outcome::Refused(error.to_string()),
    }
}

/// An address-book CSV.
///
/// Invariant: an accepted import holds between one and [`MAX_IMPORT_ROWS`] rows, each from a
/// line after the header, in file order.
pub fn address_book(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Refused("not UTF-8".into());
    };
    match parse_csv(text) {
        Ok(rows) => {
            let lines: Vec<usize> = rows.iter().map(|(line, _, _)| *line).collect();
            let ordered = lines.first().is_some_and(|first| *first >= 2)
                && lines.windows(2).all(|pair| pair[0] < pair[1]);
            if rows.len() <= MAX_IMPORT_ROWS && ordered {
                Outcome::Accepted
            } else {
                Outcome::Broken(format!("{} rows from lines {lines:?}", rows.len()))
            }
        }
        Err(error) => Outcome::Refused(error.to_string()),
    }
}

/// The bound the body target decodes under: small, so the fuzzer meets it often.
const BODY_LIMIT: usize = 4096;

/// A request body sent with `Content-Encoding: gzip`, decoded as the gateway's body reader does.
///
/// Invariant: what is decoded never exceeds the bound; an input that would is refused.
pub fn gzip_body(data: &[u8]) -> Outcome {
    match gunzip(data, BODY_LIMIT) {
        Ok(content) if content.len() <= BODY_LIMIT => Outcome::Accepted,
        Ok(content) => Outcome::Broken(format!(
            "{} bytes decoded under a bound of {BODY_LIMIT}",
            content.len()
        )),
        Err(error) => Outcome::Refused(error.code.to_owned()),
    }
}
