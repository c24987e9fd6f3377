//! The `Range` headers of the requests a proxy forwards, noted so a test can tell where a
//! download resumed; and every request's method and path, so a test can tell how many requests
//! a sync made.

use super::State;
use parking_lot::Mutex;

/// Records the start of every `Range` header in the request bytes seen so far on a connection.
pub(super) fn note(seen: &mut String, bytes: &[u8], state: &Mutex<State>) {
    seen.push_str(&String::from_utf8_lossy(bytes).to_ascii_lowercase());
    // Each request line ends with the version; what precedes it on its line is the method and
    // the target.
    while let Some(at) = seen.find(" http/1.1\r\n") {
        let line = seen[..at].rsplit('\n').next().unwrap_or_default();
        let request = ["get /", "post /", "put /", "delete /", "head /"]
            .iter()
            .filter_map(|method| line.rfind(method).map(|i| &line[i..]))
            .min_by_key(|found| found.len());
        if let Some(request) = request {
            let without_query = request.split('?').next().unwrap_or(request);
            state.lock().requests.push(uppercase_method(without_query));
        }
        seen.drain(..at + " http/1.1\r\n".len());
    }
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
    // Keep only a tail long enough to hold a request line or header split across reads.
    if seen.len() > 1024 {
        let keep = seen.len() - 1024;
        let cut = (keep..seen.len())
            .find(|i| seen.is_char_boundary(*i))
            .unwrap_or(seen.len());
        seen.drain(..cut);
    }
}

/// `get /v1/sync` as `GET /v1/sync`.
fn uppercase_method(request: &str) -> String {
    match request.split_once(' ') {
        Some((method, path)) => format!("{} {path}", method.to_ascii_uppercase()),
        None => request.to_owned(),
    }
}
