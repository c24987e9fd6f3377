//! A renewed certificate without a restart: the resolver rustls asks for a certificate at every
//! handshake looks at the files' modification times (at most every `check_every`) and loads them
//! again when they changed. Until a new pair loads and matches, the old certificate keeps being
//! served: a renewal half written, or a key that belongs to another certificate, costs a warning,
//! not the gateway. Connections already open keep the session they made.

use super::{load, TlsError, TlsFiles};
use parking_lot::Mutex;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// What the files looked like: modification time and length of the chain and of the key.
type Stamp = [(Option<SystemTime>, u64); 2];

/// The certificate resolver that follows renewals of its files.
#[derive(Debug)]
pub struct Reloading {
    files: TlsFiles,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    current: Arc<CertifiedKey>,
    /// The files' stamp when `current` was loaded.
    loaded: Stamp,
    /// The stamp whose failure was last reported, so a broken renewal warns once.
    reported: Option<Stamp>,
    checked: Instant,
}

impl Reloading {
    /// Loads the files now; fails when they are not a usable pair.
    pub fn new(files: TlsFiles) -> Result<Reloading, TlsError> {
        let loaded = stamp(&files);
        let current = load(&files)?;
        Ok(Reloading {
            files,
            state: Mutex::new(State {
                current,
                loaded,
                reported: None,
                checked: Instant::now(),
            }),
        })
    }

    /// The certificate to serve now, loading a renewal first if the files changed.
    pub fn current(&self) -> Arc<CertifiedKey> {
        let mut state = self.state.lock();
        if state.checked.elapsed() >= self.files.check_every {
            state.checked = Instant::now();
            let now = stamp(&self.files);
            if now != state.loaded {
                match load(&self.files) {
                    Ok(renewed) => {
                        tracing::info!(cert = %self.files.cert.display(), "serving the renewed certificate");
                        state.current = renewed;
                        state.loaded = now;
                        state.reported = None;
                    }
                    // Tried again at the next check: the renewal may still be being written.
                    Err(e) => {
                        if state.reported != Some(now) {
                            tracing::warn!(error = %e, "the renewed certificate files are not usable; still serving the previous certificate");
                            state.reported = Some(now);
                        }
                    }
                }
            }
        }
        state.current.clone()
    }
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

fn stamp(files: &TlsFiles) -> Stamp {
    let one = |path: &std::path::Path| match std::fs::metadata(path) {
        Ok(meta) => (meta.modified().ok(), meta.len()),
        Err(_) => (None, 0),
    };
    [one(&files.cert), one(&files.key)]
}
