//! The conditional and range headers of a blob download (RFC 9110 §13 and §14), parsed without IO
//! so every form is tested on its own: `If-None-Match` (weak comparison, `*`), `If-Range` (strong
//! comparison with the entity tag; a date never matches, since a blob has no modification time to
//! compare), and a single `Range: bytes=a-b | a- | -n`.
//!
//! RFC 9110 lets a server ignore `Range`; the gateway does so for a malformed header, another
//! unit, or several ranges (a multipart answer would buy a phone nothing: it resumes one download
//! from where it stopped), and answers the whole file.

/// What to send for a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// The whole blob, 200.
    Full,
    /// Bytes `start..=end`, 206.
    Partial {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
    },
    /// 416: the range starts at or past the end.
    Unsatisfiable,
}

/// One range of a `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// `a-b` or `a-`.
    From(u64, Option<u64>),
    /// `-n`: the last n bytes.
    Suffix(u64),
}

/// Whether an `If-None-Match` header matches the entity tag `etag` (weak comparison: `W/"x"`
/// matches `"x"`; `*` matches any blob).
pub fn none_match(header: &str, etag: &str) -> bool {
    let header = header.trim();
    header == "*"
        || header
            .split(',')
            .map(|tag| tag.trim())
            .map(|tag| tag.strip_prefix("W/").unwrap_or(tag))
            .any(|tag| tag == etag)
}

/// What to answer for a blob of `size` bytes with entity tag `etag`, given its `Range` and
/// `If-Range` headers.
pub fn plan(range: Option<&str>, if_range: Option<&str>, etag: &str, size: u64) -> Plan {
    let Some(range) = range else {
        return Plan::Full;
    };
    // If-Range: the range holds only for the representation the client has, named by a strong
    // tag. A weak tag or a date means "I cannot tell", so the whole file goes.
    if if_range.is_some_and(|tag| tag.trim() != etag) {
        return Plan::Full;
    }
    match parse(range) {
        None => Plan::Full,
        Some(Spec::From(first, _)) if first >= size => Plan::Unsatisfiable,
        Some(Spec::From(first, last)) => Plan::Partial {
            start: first,
            end: last.map_or(size - 1, |last| last.min(size - 1)),
        },
        Some(Spec::Suffix(0)) => Plan::Unsatisfiable,
        Some(Spec::Suffix(_)) if size == 0 => Plan::Unsatisfiable,
        Some(Spec::Suffix(n)) => Plan::Partial {
            start: size - n.min(size),
            end: size - 1,
        },
    }
}

/// One byte range, or `None` for anything the gateway ignores.
fn parse(header: &str) -> Option<Spec> {
    let (unit, set) = header.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let set = set.trim();
    if set.contains(',') {
        return None;
    }
    let (first, last) = set.split_once('-')?;
    if first.is_empty() {
        return Some(Spec::Suffix(number(last)?));
    }
    let first = number(first)?;
    let last = if last.is_empty() {
        None
    } else {
        Some(number(last)?)
    };
    // `5-3` is not a range at all (RFC 9110 §14.1.1): the header is ignored.
    if last.is_some_and(|last| last < first) {
        return None;
    }
    Some(Spec::From(first, last))
}

/// A run of decimal digits; a number too large for u64 saturates (it lies past any blob anyway).
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TAG: &str = "\"abc\"";

    fn at(range: &str, size: u64) -> Plan {
        plan(Some(range), None, TAG, size)
    }

    #[test]
    fn each_range_form_selects_its_bytes() {
        assert_eq!(at("bytes=0-9", 100), Plan::Partial { start: 0, end: 9 });
        assert_eq!(at("bytes=90-", 100), Plan::Partial { start: 90, end: 99 });
        assert_eq!(at("bytes=-10", 100), Plan::Partial { start: 90, end: 99 });
        assert_eq!(
            at("bytes=95-200", 100),
            Plan::Partial { start: 95, end: 99 }
        );
        assert_eq!(at("bytes=-500", 100), Plan::Partial { start: 0, end: 99 });
        assert_eq!(at("Bytes=0-0", 1), Plan::Partial { start: 0, end: 0 });
    }

    #[test]
    fn a_range_past_the_end_is_unsatisfiable() {
        assert_eq!(at("bytes=100-", 100), Plan::Unsatisfiable);
        assert_eq!(at("bytes=100-200", 100), Plan::Unsatisfiable);
        assert_eq!(at("bytes=-0", 100), Plan::Unsatisfiable);
        assert_eq!(at("bytes=0-", 0), Plan::Unsatisfiable);
        assert_eq!(at("bytes=-5", 0), Plan::Unsatisfiable);
        assert_eq!(
            at("bytes=99999999999999999999999-", 100),
            Plan::Unsatisfiable
        );
    }

    #[test]
    fn malformed_or_multiple_ranges_are_ignored() {
        for header in [
            "bytes=5-3",
            "bytes=0-1,4-5",
            "bytes=a-b",
            "bytes=-",
            "bytes=1",
            "items=0-1",
            "bytes 0-1",
            "",
            "bytes=+1-2",
        ] {
            assert_eq!(at(header, 100), Plan::Full, "{header:?}");
        }
        assert_eq!(plan(None, None, TAG, 100), Plan::Full);
    }

    #[test]
    fn if_range_honours_the_range_only_for_the_same_strong_tag() {
        let range = Some("bytes=0-1");
        assert_eq!(
            plan(range, Some(TAG), TAG, 10),
            Plan::Partial { start: 0, end: 1 }
        );
        for other in [
            "\"other\"",
            "W/\"abc\"",
            "Tue, 01 Dec 2026 00:00:00 GMT",
            "",
        ] {
            assert_eq!(plan(range, Some(other), TAG, 10), Plan::Full, "{other:?}");
        }
    }

    #[test]
    fn if_none_match_uses_weak_comparison() {
        assert!(none_match(TAG, TAG));
        assert!(none_match("W/\"abc\"", TAG));
        assert!(none_match("\"x\", \"abc\"", TAG));
        assert!(none_match("*", TAG));
        assert!(!none_match("\"abcd\"", TAG));
        assert!(!none_match("abc", TAG));
    }

    proptest! {
        /// Any numbers in any range form, against any size: never a panic, and a partial answer
        /// always lies inside the blob (`end + 1` is the exclusive end the server computes).
        #[test]
        fn extreme_ranges_stay_inside_the_blob(
            first in prop_oneof![any::<u64>(), u64::MAX - 2..=u64::MAX],
            last in any::<u64>(),
            size in prop_oneof![any::<u64>(), 0..4_u64],
            form in 0..4_u8,
        ) {
            let header = match form {
                0 => format!("bytes={first}-{last}"),
                1 => format!("bytes={first}-"),
                2 => format!("bytes=-{last}"),
                _ => format!("bytes={first}{last}0000000000000000000000-"),
            };
            if let Plan::Partial { start, end } = at(&header, size) {
                prop_assert!(start <= end && end < size, "{header} of {size}");
            }
        }
    }
}
