//! Office passwords: Argon2id with OWASP's baseline parameters (19 MiB, 2 passes, 1 lane, the
//! same the terminal shell's key vault uses), stored as `argon2id$m$t$p$salt$hash` (base64), and
//! verified in constant time. Parameters travel with each hash, so raising them later leaves old
//! hashes verifiable.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine as _;
use qianpi_protocol::crypto;
use zeroize::Zeroizing;

/// Memory in KiB.
const MEMORY_KIB: u32 = 19 * 1024;
/// Passes.
const PASSES: u32 = 2;
/// Shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted (Argon2 takes any length; a bound keeps hashing cheap to refuse).
pub const MAX_LENGTH: usize = 128;

/// Why a password or a stored hash is not usable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    /// Shorter than [`MIN_LENGTH`] or longer than [`MAX_LENGTH`] characters.
    #[error("a password has {MIN_LENGTH} to {MAX_LENGTH} characters")]
    Length,
    /// The stored hash is not in our format.
    #[error("the stored password hash is malformed")]
    Malformed,
    /// Hashing failed (no randomness, bad parameters).
    #[error("hashing the password failed: {0}")]
    Hashing(String),
}

/// Checks a new password against the policy.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if (MIN_LENGTH..=MAX_LENGTH).contains(&chars) {
        Ok(())
    } else {
        Err(PasswordError::Length)
    }
}

/// Hashes a password with a fresh salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    check_policy(password)?;
    let salt = crypto::random_bytes::<16>().map_err(|e| PasswordError::Hashing(e.to_string()))?;
    let derived = derive(password, &salt, MEMORY_KIB, PASSES, 1)?;
    Ok(format!(
        "argon2id${MEMORY_KIB}${PASSES}$1${}${}",
        B64.encode(salt),
        B64.encode(derived.as_slice())
    ))
}

/// Whether `password` matches `stored`.
pub fn verify(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let parts: Vec<&str> = stored.split('$').collect();
    let [scheme, memory, passes, lanes, salt, expected] = parts.as_slice() else {
        return Err(PasswordError::Malformed);
    };
    if *scheme != "argon2id" {
        return Err(PasswordError::Malformed);
    }
    let number = |s: &str| s.parse::<u32>().map_err(|_| PasswordError::Malformed);
    let salt = B64.decode(salt).map_err(|_| PasswordError::Malformed)?;
    let expected = B64.decode(expected).map_err(|_| PasswordError::Malformed)?;
    if password.chars().count() > MAX_LENGTH {
        return Ok(false);
    }
    let derived = derive(
        password,
        &salt,
        number(memory)?,
        number(passes)?,
        number(lanes)?,
    )?;
    Ok(crypto::constant_time_eq(derived.as_slice(), &expected))
}

/// Spends the time a verification takes, for a login that does not exist: an attacker timing
/// the answer cannot tell unknown logins from wrong passwords.
pub fn waste_time(password: &str) {
    let _ = derive(password, &[0u8; 16], MEMORY_KIB, PASSES, 1);
}

fn derive(
    password: &str,
    salt: &[u8],
    memory: u32,
    passes: u32,
    lanes: u32,
) -> Result<Zeroizing<[u8; 32]>, PasswordError> {
    let params = Params::new(memory, passes, lanes, Some(32))
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, out.as_mut())
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("办公室口令2026!").unwrap();
        assert!(stored.starts_with("argon2id$19456$2$1$"));
        assert!(verify("办公室口令2026!", &stored).unwrap());
        assert!(!verify("办公室口令2026?", &stored).unwrap());
        // Two hashes of one password differ by their salt.
        assert_ne!(stored, hash("办公室口令2026!").unwrap());
    }

    #[test]
    fn short_long_and_malformed_are_typed_errors() {
        assert_eq!(hash("short"), Err(PasswordError::Length));
        assert_eq!(check_policy(&"长".repeat(129)), Err(PasswordError::Length));
        assert_eq!(
            verify("whatever-12", "md5$abc"),
            Err(PasswordError::Malformed)
        );
        assert_eq!(
            verify("whatever-12", "argon2id$x$2$1$AAAA$AAAA"),
            Err(PasswordError::Malformed)
        );
    }
}
