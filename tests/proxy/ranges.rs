//! The `Range` headers of the requests a proxy forwards, noted so a test can tell where a
//! download resumed.

use super::State;
use parking_lot::Mutex;

/// Records the start of every `Range` header in the request bytes seen so far on a connection.
pub(super) fn note(seen: &mut String, bytes: &[u8], state: &Mutex<State>) {
    seen.push_str(&String::from_utf8_lossy(bytes).to_ascii_lowercase());
    while let Some(at) = seen.find("\r\nrange: bytes=") {
        let rest = &seen[at + "\r\nrange: bytes=".len()..];
        let Some(end) = rest.find('-') else {
            // The header is split across reads: wait for the rest.
            return;
        };
        if let Ok(start) = rest[..end].trim().parse() {
            state.lock().range_starts.push(start);
        }
        let consumed = at + "\r\nrange: bytes=".len() + end;
        seen.drain(..consumed);
    }
    // Keep only a tail long enough to hold a header split across reads.
    if seen.len() > 64 {
        let keep = seen.len() - 64;
        let cut = (keep..seen.len())
            .find(|i| seen.is_char_boundary(*i))
            .unwrap_or(seen.len());
        seen.drain(..cut);
    }
}
