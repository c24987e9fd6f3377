//! Request headers read before anything else: the `Signature-Input` and `Signature` headers of
//! every signed request, and the conditional and range headers of a blob download.
//!
//! Header values arrive as bytes; the gateway reads them as text (non-UTF-8 is refused before
//! any parser sees it), so the targets do too.

use crate::Outcome;
use qianpi_gateway::blobs::range::{none_match, plan, Plan};
use qianpi_protocol::content_range::{parse_content_range, ContentRange};
use qianpi_protocol::signature::{
    self, parse_signature_header, signature_header, CoveredValues, SignatureParams,
};

/// `Signature-Input` on the first line, `Signature` on the rest.
///
/// Invariants: parsed parameters serialise to a header that parses to the same parameters (the
/// gateway builds the signature base from that serialisation), and a parsed signature survives
/// its own header form.
pub fn signature(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Refused("not UTF-8".into());
    };
    let (input, sig) = text.split_once('\n').unwrap_or((text, ""));
    let params = match SignatureParams::parse_header(input) {
        Ok(params) => {
            let values = CoveredValues {
                method: "POST",
                target_uri: "https://oa.example.gov.cn/v1/commands",
                content_digest: sig,
                content_type: "application/json",
                authorization: input,
            };
            let _ = signature::signature_base(&values, &params);
            match SignatureParams::parse_header(&params.header_value()) {
                Ok(again) if again == params => Outcome::Accepted,
                Ok(again) => Outcome::Broken(format!("{params:?} came back as {again:?}")),
                Err(error) => Outcome::Broken(format!(
                    "{params:?} serialises to a header the parser refuses: {error}"
                )),
            }
        }
        Err(error) => Outcome::Refused(error.to_string()),
    };
    let raw = match parse_signature_header(sig) {
        Ok(raw) => match parse_signature_header(&signature_header(&raw)) {
            Ok(again) if again == raw => Outcome::Accepted,
            _ => Outcome::Broken("a parsed signature does not survive its header".into()),
        },
        Err(error) => Outcome::Refused(error.to_string()),
    };
    Outcome::worst([params, raw])
}

/// The blob sizes each range is planned against: empty, one byte, a small file, a 64 MiB file
/// (the largest the gateway keeps) and the largest size a number can say.
const SIZES: [u64; 5] = [0, 1, 100, 64 * 1024 * 1024, u64::MAX];

/// `Range` on the first line, `If-Range` on the second (absent when empty), `If-None-Match` on
/// the third.
///
/// Invariant: a partial answer names bytes inside the blob, first before last.
pub fn range(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Refused("not UTF-8".into());
    };
    let mut lines = text.splitn(3, '\n');
    let range = lines.next().unwrap_or_default();
    let if_range = lines.next().filter(|line| !line.is_empty());
    let if_none_match = lines.next().unwrap_or_default();
    const ETAG: &str = "\"5d41402abc4b2a76b9719d911017c592\"";
    let _ = none_match(if_none_match, ETAG);
    Outcome::worst(
        SIZES.map(|size| match plan(Some(range), if_range, ETAG, size) {
            Plan::Partial { start, end } if start <= end && end < size => Outcome::Accepted,
            Plan::Partial { start, end } => Outcome::Broken(format!(
                "bytes {start}-{end} planned for a blob of {size} bytes from {range:?}"
            )),
            Plan::Full => Outcome::Refused("the whole blob".into()),
            Plan::Unsatisfiable => Outcome::Refused("416".into()),
        }),
    )
}

/// The `Content-Range` of a download's answer, as the phone reads it.
///
/// Invariant: a range taken names bytes inside the file, first before last.
pub fn content_range(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Refused("not UTF-8".into());
    };
    match parse_content_range(text) {
        Some(ContentRange::Bytes { start, end, total }) if start <= end && end < total => {
            Outcome::Accepted
        }
        Some(ContentRange::Bytes { start, end, total }) => {
            Outcome::Broken(format!("{text:?} taken as bytes {start}-{end} of {total}"))
        }
        Some(ContentRange::Unsatisfied { .. }) => Outcome::Accepted,
        None => Outcome::Refused("not a range of the file".into()),
    }
}
