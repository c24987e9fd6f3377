//! The at-rest test's scanner: the run's markers (and the search index's tokens of them), and a
//! search for their bytes in files, trees of files and captured logs.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Files in the temp folder larger than this are not read.
const MAX_SCANNED: u64 = 200 * 1024 * 1024;

/// The run's two markers, and the search index's tokens made from them.
pub(super) struct Markers {
    pub(super) ascii: String,
    pub(super) chinese: String,
    /// The index tokens only this run can produce: the bigrams touching the Chinese marker's
    /// random part, all of them as the index spells them in a row, and the ASCII marker's random
    /// word.
    pub(super) tokens: Vec<String>,
}

impl Markers {
    pub(super) fn fresh() -> Markers {
        let nonce = qianpi_core::crypto::random_bytes::<6>().unwrap();
        let hex: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        // Random CJK ideographs (U+4E00 onwards), so the Chinese marker is unique too.
        let han: String = nonce
            .iter()
            .map(|b| char::from_u32(0x4e00 + u32::from(*b) * 37).unwrap())
            .collect();
        let chinese = format!("绝密测试标记一二三{han}");
        // The bigrams from 三 on: each holds a random character. (Single characters are too short
        // to tell apart from chance bytes.)
        let random_run = format!("三{han}");
        let bigrams: Vec<String> = qianpi_core::store::index_tokens_of(&random_run)
            .split(' ')
            .filter(|t| t.chars().count() == 2)
            .map(str::to_owned)
            .collect();
        assert_eq!(bigrams.len(), han.chars().count(), "{bigrams:?}");
        let mut tokens = vec![bigrams.join(" "), hex.clone()];
        tokens.extend(bigrams);
        Markers {
            ascii: format!("QIANPI-MARKER-7f3a-{hex}"),
            chinese,
            tokens,
        }
    }

    /// Both markers in one piece of text, as a person would type them among other words.
    pub(super) fn text(&self, before: &str) -> String {
        format!("{before}{} {}。", self.ascii, self.chinese)
    }

    /// The byte patterns searched for: each marker in UTF-8 and in UTF-16LE.
    pub(super) fn patterns(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for (name, marker) in [("ASCII", &self.ascii), ("Chinese", &self.chinese)] {
            out.push((format!("{name} marker (UTF-8)"), marker.as_bytes().to_vec()));
            let utf16: Vec<u8> = marker.encode_utf16().flat_map(u16::to_le_bytes).collect();
            out.push((format!("{name} marker (UTF-16LE)"), utf16));
        }
        // The search index keeps UTF-8 tokens.
        for token in &self.tokens {
            out.push((
                format!("search index token {token:?} (UTF-8)"),
                token.as_bytes().to_vec(),
            ));
        }
        out
    }
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let first = needle[0];
    let last_start = match haystack.len().checked_sub(needle.len()) {
        Some(n) => n,
        None => return false,
    };
    let mut i = 0;
    while i <= last_start {
        match haystack[i..=last_start].iter().position(|b| *b == first) {
            None => return false,
            Some(p) => {
                let at = i + p;
                if &haystack[at..at + needle.len()] == needle {
                    return true;
                }
                i = at + 1;
            }
        }
    }
    false
}

/// Where markers were found: one line per place and pattern.
#[derive(Default)]
pub(super) struct Findings(pub(super) Vec<String>);

impl Findings {
    pub(super) fn check_bytes(&mut self, place: &str, bytes: &[u8], markers: &Markers) {
        for (name, pattern) in markers.patterns() {
            if contains(bytes, &pattern) {
                self.0.push(format!("{name} in {place}"));
            }
        }
    }

    /// Searches every regular file under `dir` (symbolic links not followed), skipping
    /// `skip`, unreadable entries, large files and files not modified since `since`. Returns how
    /// many files were read.
    pub(super) fn check_tree(
        &mut self,
        dir: &Path,
        markers: &Markers,
        since: Option<SystemTime>,
        skip: &[&Path],
    ) -> usize {
        let mut read = 0;
        let Ok(listing) = fs::read_dir(dir) else {
            return 0;
        };
        for item in listing.flatten() {
            let path = item.path();
            if skip.iter().any(|s| path.starts_with(s)) {
                continue;
            }
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                read += self.check_tree(&path, markers, since, skip);
                continue;
            }
            if !meta.is_file() || meta.len() > MAX_SCANNED {
                continue;
            }
            if let Some(since) = since {
                match meta.modified() {
                    Ok(modified) if modified >= since => {}
                    _ => continue,
                }
            }
            let Ok(bytes) = fs::read(&path) else {
                continue;
            };
            read += 1;
            self.check_bytes(&path.display().to_string(), &bytes, markers);
        }
        read
    }
}

/// The captured log output, shared with the subscriber.
#[derive(Clone, Default)]
pub(super) struct LogBuffer(pub(super) Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
