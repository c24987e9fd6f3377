//! The `Content-Range` of a blob download's 206 or 416 (RFC 9110 §14.4), as the phone reads it:
//! the bytes an answer carries and the file's size, or none for a range the file cannot hold.
//! Parsed without IO, so the fuzz target reaches it as the phone does.

/// What `Content-Range` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentRange {
    /// `bytes start-end/total`.
    Bytes {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
        /// The file's size.
        total: u64,
    },
    /// `bytes */total` (on a 416).
    Unsatisfied {
        /// The file's size.
        total: u64,
    },
}

/// Parses a `Content-Range` value; a range the file cannot hold, or an unknown size, is none.
pub fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let total: u64 = total.trim().parse().ok()?;
    if range.trim() == "*" {
        return Some(ContentRange::Unsatisfied { total });
    }
    let (start, end) = range.split_once('-')?;
    let (start, end): (u64, u64) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    (start <= end && end < total).then_some(ContentRange::Bytes { start, end, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_are_read_strictly() {
        assert_eq!(
            parse_content_range("bytes 0-99/1000"),
            Some(ContentRange::Bytes {
                start: 0,
                end: 99,
                total: 1000
            })
        );
        assert_eq!(
            parse_content_range("bytes */1000"),
            Some(ContentRange::Unsatisfied { total: 1000 })
        );
        for bad in [
            "bytes 0-99/*",
            "bytes 100-99/1000",
            "bytes 0-1000/1000",
            "items 0-1/2",
            "bytes -1-5/10",
            "",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
        let huge = format!("bytes 0-{}/{}", u64::MAX, u64::MAX);
        assert_eq!(parse_content_range(&huge), None);
    }
}
