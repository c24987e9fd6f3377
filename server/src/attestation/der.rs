//! A small DER reader: just what certificates, Android's KeyDescription and Apple's nonce
//! extension need (definite lengths, multi-byte tag numbers), over borrowed bytes, so a
//! signature is checked over exactly the bytes the device signed.
//!
//! Certificates are read as strict DER. Android's KeyDescription is read with [`lenient`]:
//! some devices' firmware writes it with lengths, tag numbers or integers longer than DER's
//! shortest form, which changes no value, so those devices are not refused for it.

use super::AttestationError;

/// BOOLEAN.
pub const BOOLEAN: u8 = 0x01;
/// INTEGER.
pub const INTEGER: u8 = 0x02;
/// BIT STRING.
pub const BIT_STRING: u8 = 0x03;
/// OCTET STRING.
pub const OCTET_STRING: u8 = 0x04;
/// OBJECT IDENTIFIER.
pub const OID: u8 = 0x06;
/// ENUMERATED.
pub const ENUMERATED: u8 = 0x0a;
/// UTCTime.
pub const UTC_TIME: u8 = 0x17;
/// GeneralizedTime.
pub const GENERALIZED_TIME: u8 = 0x18;
/// SEQUENCE (constructed).
pub const SEQUENCE: u8 = 0x30;

/// One element: its identifier octet, tag number (for high tag numbers), contents, and the
/// whole encoding.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The first identifier octet (class, constructed bit, low tag number or 0x1f).
    pub ident: u8,
    /// The tag number (the low five bits, or the long form's value).
    pub number: u32,
    /// The contents octets.
    pub value: &'a [u8],
    /// The identifier, length and contents together.
    pub raw: &'a [u8],
    /// Whether lengths, tag numbers and integers must be in their shortest form.
    pub strict: bool,
}

impl<'a> Tlv<'a> {
    /// Whether this is a context-specific element with tag `number` (either form).
    pub fn is_context(&self, number: u32) -> bool {
        self.ident & 0xc0 == 0x80 && self.number == number
    }

    /// The elements inside a constructed element.
    pub fn reader(&self) -> Reader<'a> {
        Reader {
            data: self.value,
            strict: self.strict,
        }
    }

    /// A non-negative INTEGER or ENUMERATED value that fits 64 bits.
    pub fn small_uint(&self) -> Result<u64, AttestationError> {
        let bytes = match self.value {
            [] => return Err(malformed("an integer is empty")),
            [first, ..] if first & 0x80 != 0 => return Err(malformed("an integer is negative")),
            // DER writes a leading zero only to keep the next byte's high bit from reading as a
            // sign.
            [0, next, ..] if self.strict && next & 0x80 == 0 => {
                return Err(malformed("an integer is not in its shortest form"))
            }
            bytes => bytes,
        };
        let bytes = match bytes.iter().position(|b| *b != 0) {
            Some(first) => bytes.get(first..).unwrap_or_default(),
            None => &[],
        };
        if bytes.len() > 8 {
            return Err(malformed("an integer is too large"));
        }
        Ok(bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b)))
    }

    /// The contents of a BIT STRING without unused bits.
    pub fn bits(&self) -> Result<&'a [u8], AttestationError> {
        match self.value.split_first() {
            Some((0, rest)) if self.ident == BIT_STRING => Ok(rest),
            _ => Err(malformed("a bit string is not whole bytes")),
        }
    }
}

/// Reads elements one after another from a slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    strict: bool,
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, strict: true }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next element, if any.
    pub fn next_tlv(&mut self) -> Result<Option<Tlv<'a>>, AttestationError> {
        if self.data.is_empty() {
            return Ok(None);
        }
        let data = self.data;
        let ident = data[0];
        let mut at = 1;
        let mut number = u32::from(ident & 0x1f);
        if number == 0x1f {
            number = 0;
            loop {
                let byte = *data
                    .get(at)
                    .ok_or_else(|| malformed("a tag is cut short"))?;
                if self.strict && number == 0 && byte == 0x80 {
                    return Err(malformed("a tag number is not in its shortest form"));
                }
                at += 1;
                if number > (u32::MAX >> 7) {
                    return Err(malformed("a tag number is too large"));
                }
                number = (number << 7) | u32::from(byte & 0x7f);
                if byte & 0x80 == 0 {
                    break;
                }
            }
            if self.strict && number < 0x1f {
                return Err(malformed("a tag number is not in its shortest form"));
            }
        }
        let first = *data
            .get(at)
            .ok_or_else(|| malformed("a length is missing"))?;
        at += 1;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 {
                return Err(malformed("an indefinite or oversized length"));
            }
            let bytes = data
                .get(at..at + count)
                .ok_or_else(|| malformed("a length is cut short"))?;
            at += count;
            // DER: no leading zero byte, and the long form only for lengths over 127.
            let len = bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
            if self.strict && (bytes.first() == Some(&0) || len < 0x80) {
                return Err(malformed("a length is not in its shortest form"));
            }
            len
        };
        let end = at
            .checked_add(len)
            .filter(|end| *end <= data.len())
            .ok_or_else(|| malformed("an element runs past its container"))?;
        self.data = &data[end..];
        Ok(Some(Tlv {
            ident,
            number,
            value: &data[at..end],
            raw: &data[..end],
            strict: self.strict,
        }))
    }

    /// The next element, which must exist.
    pub fn any(&mut self) -> Result<Tlv<'a>, AttestationError> {
        self.next_tlv()?
            .ok_or_else(|| malformed("an element is missing"))
    }

    /// The next element, which must carry identifier `ident`.
    pub fn expect(&mut self, ident: u8) -> Result<Tlv<'a>, AttestationError> {
        let tlv = self.any()?;
        if tlv.ident != ident {
            return Err(malformed("an element has an unexpected type"));
        }
        Ok(tlv)
    }

    /// The next element if it is context-specific `[number]`; otherwise nothing is read.
    pub fn optional_context(&mut self, number: u32) -> Result<Option<Tlv<'a>>, AttestationError> {
        let mut peek = self.clone();
        match peek.next_tlv()? {
            Some(tlv) if tlv.is_context(number) => {
                *self = peek;
                Ok(Some(tlv))
            }
            _ => Ok(None),
        }
    }
}

/// Reads exactly one element from `data`.
pub fn single(data: &[u8], ident: u8) -> Result<Tlv<'_>, AttestationError> {
    one_of(Reader::new(data), ident)
}

/// [`single`], and everything inside it, accepting lengths, tag numbers and integers written
/// longer than needed (BER's definite forms).
pub fn lenient(data: &[u8], ident: u8) -> Result<Tlv<'_>, AttestationError> {
    one_of(
        Reader {
            data,
            strict: false,
        },
        ident,
    )
}

fn one_of(mut reader: Reader<'_>, ident: u8) -> Result<Tlv<'_>, AttestationError> {
    let tlv = reader.expect(ident)?;
    if !reader.is_empty() {
        return Err(malformed("bytes follow the element"));
    }
    Ok(tlv)
}

/// Seconds since the epoch of a UTCTime (`YYMMDDhhmmssZ`) or GeneralizedTime
/// (`YYYYMMDDhhmmssZ`), read digit by digit: no signs, spaces, fractions, offsets or leap
/// seconds, and a real calendar date.
pub fn time(tlv: &Tlv<'_>) -> Result<i64, AttestationError> {
    let digits = tlv
        .value
        .strip_suffix(b"Z")
        .filter(|d| d.iter().all(u8::is_ascii_digit))
        .ok_or_else(|| malformed("a time is not in UTC to the second"))?;
    let pairs: Vec<u32> = digits
        .chunks_exact(2)
        .map(|p| p.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
        .collect();
    let (year, rest) = match (tlv.ident, pairs.as_slice()) {
        // RFC 5280: a two-digit UTCTime year below 50 is 20xx, otherwise 19xx.
        (UTC_TIME, [yy, rest @ ..]) if digits.len() == 12 => {
            (if *yy < 50 { 2000 + yy } else { 1900 + yy }, rest)
        }
        (GENERALIZED_TIME, [cc, yy, rest @ ..]) if digits.len() == 14 => (cc * 100 + yy, rest),
        _ => return Err(malformed("a time is not in UTC to the second")),
    };
    let moment = match rest {
        [month, day, hour, minute, second] => i32::try_from(year)
            .ok()
            .and_then(|year| chrono::NaiveDate::from_ymd_opt(year, *month, *day))
            .and_then(|date| date.and_hms_opt(*hour, *minute, *second)),
        _ => None,
    };
    let moment = moment.ok_or_else(|| malformed("a time is not a real moment"))?;
    Ok(moment.and_utc().timestamp())
}

pub(super) fn malformed(what: &str) -> AttestationError {
    AttestationError::Malformed(what.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn one(bytes: &[u8]) -> Result<Tlv<'_>, AttestationError> {
        let mut reader = Reader::new(bytes);
        let tlv = reader.any()?;
        assert!(reader.is_empty(), "the test element is the whole input");
        Ok(tlv)
    }

    fn time_of(ident: u8, text: &str) -> Result<i64, AttestationError> {
        let tlv = Tlv {
            ident,
            number: u32::from(ident),
            value: text.as_bytes(),
            raw: text.as_bytes(),
            strict: true,
        };
        time(&tlv)
    }

    #[test]
    fn a_length_in_more_bytes_than_needed_is_refused() {
        assert!(one(&[OCTET_STRING, 0x81, 0x01, 0xaa]).is_err());
        let mut padded = vec![OCTET_STRING, 0x82, 0x00, 0x80];
        padded.extend([0u8; 128]);
        assert!(one(&padded).is_err());
        let mut minimal = vec![OCTET_STRING, 0x81, 0x80];
        minimal.extend([0u8; 128]);
        assert_eq!(one(&minimal).unwrap().value.len(), 128);
    }

    #[test]
    fn indefinite_and_overlong_lengths_are_refused() {
        assert!(one(&[SEQUENCE, 0x80, 0x00, 0x00]).is_err());
        assert!(one(&[OCTET_STRING, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]).is_err());
        assert!(one(&[OCTET_STRING, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00]).is_err());
        assert!(one(&[OCTET_STRING, 0x03, 0x00]).is_err());
        assert!(one(&[OCTET_STRING]).is_err());
        assert!(one(&[OCTET_STRING, 0x82, 0x01]).is_err());
    }

    #[test]
    fn a_tag_number_in_more_bytes_than_needed_is_refused() {
        // [702] as Android writes it: 0xbf 0x85 0x3e.
        let tag = one(&[0xbf, 0x85, 0x3e, 0x00]).unwrap();
        assert!(tag.is_context(702));
        // The same number behind a zero group, and a low number in the long form.
        assert!(one(&[0xbf, 0x80, 0x85, 0x3e, 0x00]).is_err());
        assert!(one(&[0x9f, 0x05, 0x00]).is_err());
        // Too large for 32 bits, and cut short.
        assert!(one(&[0x9f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00]).is_err());
        assert!(one(&[0x9f, 0x85]).is_err());
    }

    #[test]
    fn the_lenient_reader_takes_longer_forms_of_the_same_values() {
        let padded = [
            SEQUENCE, 0x82, 0x00, 0x0d, // length 13 in three bytes
            0xbf, 0x80, 0x85, 0x3e, 0x04, // [702] behind a zero group
            INTEGER, 0x02, 0x00, 0x01, // 1 with a needless zero
            INTEGER, 0x81, 0x01, 0x07, // 7 behind a long-form length
        ];
        assert!(single(&padded, SEQUENCE).is_err());
        let outer = lenient(&padded, SEQUENCE).unwrap();
        let mut fields = outer.reader();
        let tagged = fields.any().unwrap();
        assert!(tagged.is_context(702));
        let one = single_in(tagged);
        assert_eq!(one.small_uint(), Ok(1));
        assert_eq!(fields.expect(INTEGER).unwrap().small_uint(), Ok(7));
        assert!(fields.is_empty());
        // Still no indefinite lengths or values past the data.
        assert!(lenient(&[SEQUENCE, 0x80, 0x00, 0x00], SEQUENCE).is_err());
        assert!(lenient(&[SEQUENCE, 0x82, 0x00, 0x03, 0x05, 0x00], SEQUENCE).is_err());
        let mut wide = vec![INTEGER, 0x0a, 0x00, 0x01];
        wide.extend([0x00; 8]);
        assert!(lenient(&wide, INTEGER).unwrap().small_uint().is_err());
        let mut zeros = vec![INTEGER, 0x0a, 0x00, 0x00];
        zeros.extend([0xff; 8]);
        assert_eq!(lenient(&zeros, INTEGER).unwrap().small_uint(), Ok(u64::MAX));
    }

    fn single_in(tagged: Tlv<'_>) -> Tlv<'_> {
        let mut inner = tagged.reader();
        let tlv = inner.expect(INTEGER).unwrap();
        assert!(inner.is_empty());
        tlv
    }

    #[test]
    fn integers_are_read_only_in_their_shortest_form() {
        assert_eq!(
            one(&[INTEGER, 0x02, 0x00, 0x80]).unwrap().small_uint(),
            Ok(128)
        );
        assert_eq!(one(&[INTEGER, 0x01, 0x00]).unwrap().small_uint(), Ok(0));
        let mut max = vec![INTEGER, 0x09, 0x00];
        max.extend([0xff; 8]);
        assert_eq!(one(&max).unwrap().small_uint(), Ok(u64::MAX));
        assert!(one(&[INTEGER, 0x02, 0x00, 0x01])
            .unwrap()
            .small_uint()
            .is_err());
        assert!(one(&[INTEGER, 0x03, 0x00, 0x00, 0x80])
            .unwrap()
            .small_uint()
            .is_err());
        assert!(one(&[INTEGER, 0x01, 0x80]).unwrap().small_uint().is_err());
        assert!(one(&[INTEGER, 0x00]).unwrap().small_uint().is_err());
        let mut wide = vec![INTEGER, 0x09, 0x01];
        wide.extend([0x00; 8]);
        assert!(one(&wide).unwrap().small_uint().is_err());
    }

    #[test]
    fn times_read_in_utc_to_the_second() {
        assert_eq!(time_of(UTC_TIME, "491231235959Z"), Ok(2_524_607_999));
        assert_eq!(time_of(UTC_TIME, "500101000000Z"), Ok(-631_152_000));
        assert_eq!(time_of(UTC_TIME, "700101000000Z"), Ok(0));
        assert_eq!(
            time_of(GENERALIZED_TIME, "99991231235959Z"),
            Ok(253_402_300_799)
        );
    }

    #[test]
    fn a_time_with_a_wide_character_is_refused_without_panicking() {
        // 13 bytes, as a UTCTime is, whose second byte is inside a character.
        assert!(time_of(UTC_TIME, "中010100000Z").is_err());
        assert!(time_of(GENERALIZED_TIME, "中中0101000000Z").is_err());
    }

    #[test]
    fn a_time_that_is_not_digits_or_not_a_real_moment_is_refused() {
        for text in [
            "240101000060Z",
            "240101240000Z",
            "240230000000Z",
            "241301000000Z",
            "240001000000Z",
            "24010100000+Z",
            "2401 1000000Z",
            "+40101000000Z",
            "240101000000z",
            "2401010000000",
        ] {
            assert!(time_of(UTC_TIME, text).is_err(), "{text}");
        }
        for text in ["20240101000060Z", "+0240101000000Z", "2024 101000000Z"] {
            assert!(time_of(GENERALIZED_TIME, text).is_err(), "{text}");
        }
        assert!(time_of(OCTET_STRING, "240101000000Z").is_err());
    }
}
