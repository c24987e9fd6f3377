//! The PouchDB peer (`scripts/bench-pouchdb/peer.js`, run with node): a PouchDB server and client,
//! both in memory on loopback, gzip on, replicating the leader's feed items as the gateway sent
//! them, one PouchDB document each, at a few batch sizes; the best batch size is the peer's
//! figure, as performance.md's peer paragraph measured it.

use crate::BenchResult;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Where the peer's script and its installed packages are.
pub(crate) fn peer_dir() -> PathBuf {
    std::env::var_os("QIANPI_POUCHDB_PEER").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench-pouchdb"),
        PathBuf::from,
    )
}

/// Why the peer cannot run here, if it cannot.
pub(crate) fn missing() -> Option<String> {
    let dir = peer_dir();
    if !dir.join("node_modules/pouchdb-core").is_dir() {
        return Some(format!(
            "the PouchDB peer's packages are not installed in {} (scripts/bench-first-sync.sh runs npm ci there)",
            dir.display()
        ));
    }
    None
}

/// Runs the peer on the documents of `docs` (JSON lines); its report.
pub(crate) async fn run(docs: &Path) -> BenchResult<Value> {
    let dir = peer_dir();
    let batches = std::env::var("QIANPI_POUCHDB_BATCHES").unwrap_or_else(|_| "500,1000".to_owned());
    let output = tokio::process::Command::new(
        std::env::var_os("QIANPI_NODE").unwrap_or_else(|| "node".into()),
    )
    // The documents of 100k flows do not fit node's default heap twice (server and client).
    .arg("--max-old-space-size=12288")
    .arg(dir.join("peer.js"))
    .arg(docs)
    .arg(batches)
    .current_dir(&dir)
    .stderr(std::process::Stdio::inherit())
    .output()
    .await
    .map_err(|e| format!("cannot run node: {e}"))?;
    if !output.status.success() {
        return Err(format!("the PouchDB peer failed ({})", output.status));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .last()
        .ok_or("the PouchDB peer printed nothing")?;
    serde_json::from_str(line).map_err(|e| format!("the PouchDB peer's line: {e}"))
}
