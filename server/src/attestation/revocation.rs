//! Google's attestation certificate status list (the JSON of
//! `https://android.googleapis.com/attestation/status`), loaded from a file the operator keeps
//! current, since the gateway is air-gapped: `{"entries": {"<serial, lowercase hex>": {"status":
//! "REVOKED" | "SUSPENDED", "reason": …}}}`. A certificate named there fails verification.

use super::AttestationError;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// The revoked and suspended certificates, by serial number.
#[derive(Debug, Clone, Default)]
pub struct RevocationList {
    entries: HashMap<String, String>,
}

#[derive(Deserialize)]
struct StatusFile {
    entries: HashMap<String, Entry>,
}

#[derive(Deserialize)]
struct Entry {
    status: String,
}

impl RevocationList {
    /// Parses the status list's JSON.
    pub fn parse(json: &str) -> Result<RevocationList, AttestationError> {
        let file: StatusFile = serde_json::from_str(json).map_err(|e| {
            AttestationError::Config(format!(
                "the revocation list is not Google's status JSON: {e}"
            ))
        })?;
        let entries = file
            .entries
            .into_iter()
            .map(|(serial, entry)| (normalise(&serial), entry.status))
            .collect();
        Ok(RevocationList { entries })
    }

    /// Reads the status list from `path`.
    pub fn load(path: &Path) -> Result<RevocationList, AttestationError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AttestationError::Config(format!(
                "the revocation list {} cannot be read: {e}",
                path.display()
            ))
        })?;
        RevocationList::parse(&text)
    }

    /// The status of the certificate with serial `serial_hex`, when listed.
    pub fn status(&self, serial_hex: &str) -> Option<String> {
        self.entries.get(&normalise(serial_hex)).cloned()
    }

    /// How many certificates are listed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn normalise(serial: &str) -> String {
    let lower = serial.trim().to_ascii_lowercase();
    let trimmed = lower.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    }
}
