//! A small DER reader: just what certificates, Android's KeyDescription and Apple's nonce
//! extension need (definite lengths, multi-byte tag numbers), over borrowed bytes, so a
//! signature is checked over exactly the bytes the device signed.

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
}

impl<'a> Tlv<'a> {
    /// Whether this is a context-specific element with tag `number` (either form).
    pub fn is_context(&self, number: u32) -> bool {
        self.ident & 0xc0 == 0x80 && self.number == number
    }

    /// The elements inside a constructed element.
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.value)
    }

    /// A non-negative INTEGER or ENUMERATED value that fits 64 bits.
    pub fn small_uint(&self) -> Result<u64, AttestationError> {
        let bytes = self.value;
        if bytes.is_empty() || bytes[0] & 0x80 != 0 {
            return Err(malformed("an integer is negative or empty"));
        }
        let bytes = if bytes.len() > 1 && bytes[0] == 0 {
            &bytes[1..]
        } else {
            bytes
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
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data }
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
                at += 1;
                if number > (u32::MAX >> 7) {
                    return Err(malformed("a tag number is too large"));
                }
                number = (number << 7) | u32::from(byte & 0x7f);
                if byte & 0x80 == 0 {
                    break;
                }
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
            bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b))
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
    let mut reader = Reader::new(data);
    let tlv = reader.expect(ident)?;
    if !reader.is_empty() {
        return Err(malformed("bytes follow the element"));
    }
    Ok(tlv)
}

/// Seconds since the epoch of a UTCTime or GeneralizedTime in UTC (`Z`).
pub fn time(tlv: &Tlv<'_>) -> Result<i64, AttestationError> {
    let text = std::str::from_utf8(tlv.value).map_err(|_| malformed("a time is not text"))?;
    // RFC 5280: a two-digit UTCTime year below 50 is 20xx, otherwise 19xx.
    let full = match (tlv.ident, text.len()) {
        (UTC_TIME, 13) if text[..2] < *"50" => format!("20{text}"),
        (UTC_TIME, 13) => format!("19{text}"),
        (GENERALIZED_TIME, 15) => text.to_owned(),
        _ => return Err(malformed("a time is not in UTC to the second")),
    };
    let parsed = chrono::NaiveDateTime::parse_from_str(&full, "%Y%m%d%H%M%SZ")
        .map_err(|_| malformed("a time does not parse"))?;
    Ok(parsed.and_utc().timestamp())
}

pub(super) fn malformed(what: &str) -> AttestationError {
    AttestationError::Malformed(what.to_owned())
}
