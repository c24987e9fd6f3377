//! TOTP second factor (RFC 6238 over RFC 4226: HMAC-SHA1, 30-second steps, 6 digits — what every
//! authenticator app on an official's phone speaks). A code is accepted one step early or late
//! for clock drift, and never twice: the step it matched is kept and a later login must match a
//! newer one.

use ring::hmac;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Bytes of a secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;
/// The issuer authenticator apps show beside the account.
const ISSUER: &str = "Qianpi";

/// A new random secret.
pub fn new_secret() -> Result<Vec<u8>, String> {
    qianpi_protocol::crypto::random_bytes::<SECRET_BYTES>()
        .map(|b| b.to_vec())
        .map_err(|e| e.to_string())
}

/// The 6-digit code of `secret` at step `counter`.
pub fn code_at(secret: &[u8], counter: u64) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let digest = tag.as_ref();
    // Dynamic truncation (RFC 4226 §5.3); a SHA-1 tag has 20 bytes, so both reads are in range.
    let offset = usize::from(digest.get(19).copied().unwrap_or(0) & 0x0f);
    let mut word = [0u8; 4];
    word.copy_from_slice(digest.get(offset..offset + 4).unwrap_or(&[0; 4]));
    (u32::from_be_bytes(word) & 0x7fff_ffff) % 1_000_000
}

/// The step a Unix time falls in.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The step `code` matches at `unix_seconds` (one step either side), if it is newer than
/// `last_step`; `None` for a wrong, malformed or replayed code.
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64, last_step: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let presented: u32 = code.parse().ok()?;
    let now = step_of(unix_seconds);
    let mut matched = None;
    // Every candidate is computed, matched or not, so timing tells nothing about which one.
    for step in [now - 1, now, now + 1] {
        let Ok(counter) = u64::try_from(step) else {
            continue;
        };
        let equal = qianpi_protocol::crypto::constant_time_eq(
            &code_at(secret, counter).to_be_bytes(),
            &presented.to_be_bytes(),
        );
        if equal && step > last_step {
            matched = Some(step);
        }
    }
    matched
}

/// RFC 4648 base32 without padding: how authenticator apps take a secret typed by hand.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `otpauth://` URI an authenticator app scans (Google Authenticator's key URI format).
pub fn otpauth_uri(secret: &[u8], login: &str) -> String {
    let label: String = serde_urlencoded::to_string([("", format!("{ISSUER}:{login}"))])
        .unwrap_or_default()
        .trim_start_matches('=')
        .to_owned();
    format!(
        "otpauth://totp/{label}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        base32(secret)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 column, last six digits.
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59_i64, 287_082_u32),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
            (20_000_000_000, 353_130),
        ] {
            assert_eq!(code_at(secret, step_of(time) as u64), code, "at {time}");
        }
    }

    #[test]
    fn a_code_is_taken_once_and_within_one_step() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_111;
        let code = format!("{:06}", code_at(secret, step_of(now) as u64));
        let step = verify(secret, &code, now, 0).unwrap();
        assert_eq!(verify(secret, &code, now, step), None, "a replayed code");
        assert!(verify(secret, &code, now + 30, 0).is_some(), "a step late");
        assert_eq!(verify(secret, &code, now + 90, 0), None, "three steps late");
        assert_eq!(verify(secret, "12345", now, 0), None);
        assert_eq!(verify(secret, "abcdef", now, 0), None);
    }

    #[test]
    fn base32_and_uri() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        let uri = otpauth_uri(b"12345678901234567890", "zhang.san");
        assert!(uri.starts_with("otpauth://totp/Qianpi%3Azhang.san?secret=GEZDGNBV"));
    }
}
