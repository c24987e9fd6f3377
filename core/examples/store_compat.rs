//! Check: a store written by one build of the phone core opens in another build, both ways.
//! scripts/bench-mobile-size.sh builds this program twice, with the vendored full OpenSSL
//! (release) and with the phone library's trimmed libcrypto and SQLite flags (`mobile` profile,
//! scripts/mobile-openssl.sh), and runs `write` in one and `read` in the other.
//!
//! `write <path>` creates the store (every migration, the FTS5 search index included) under a
//! fixed data key, keeps a 暂存 opinion in it and checkpoints it into the main file. `read <path>`
//! opens it with that key, reads the opinion back, checks every page's HMAC and the structure,
//! and makes sure another key is refused. Prints one JSON line; exits non-zero on any failure.
//!
//! Run: `cargo run --release -p qianpi-core --example store_compat -- write /tmp/a.db`

use chrono::{TimeZone, Utc};
use qianpi_core::keys::DataKey;
use qianpi_core::model::{Attitude, Opinion};
use qianpi_core::store::{Store, StoreError};
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

const TASK: &str = "t-compat";

/// A fixed key: the check needs the same key in two processes, and the file holds nothing secret.
fn data_key(fill: u8) -> Option<DataKey> {
    DataKey::from_bytes(&[fill; DataKey::LEN])
}

fn opinion() -> Opinion {
    Opinion {
        attitude: Attitude::Agree,
        text: "同意，请按规定办理。".to_owned(),
        handwriting: None,
        audio: None,
        column: None,
        on_behalf_of: None,
    }
}

fn write(path: &Path) -> Result<i64, String> {
    let key = data_key(0x5a).ok_or("key length")?;
    let mut store = Store::open(path, &key).map_err(|e| format!("create: {e}"))?;
    let at = Utc
        .with_ymd_and_hms(2026, 12, 6, 9, 0, 0)
        .single()
        .ok_or("time")?;
    store
        .save_draft(TASK, &opinion(), at)
        .map_err(|e| format!("save draft: {e}"))?;
    store.checkpoint().map_err(|e| format!("checkpoint: {e}"))?;
    store.schema_version().map_err(|e| e.to_string())
}

fn read(path: &Path) -> Result<i64, String> {
    let header = std::fs::read(path).map_err(|e| format!("read file: {e}"))?;
    if header.starts_with(b"SQLite format 3") {
        return Err("the file is not encrypted".to_owned());
    }
    let key = data_key(0x5a).ok_or("key length")?;
    let store = Store::open(path, &key).map_err(|e| format!("open: {e}"))?;
    match store.draft(TASK).map_err(|e| format!("draft: {e}"))? {
        Some(found) if found == opinion() => {}
        Some(_) => return Err("the draft read back differs".to_owned()),
        None => return Err("the draft is missing".to_owned()),
    }
    store
        .check_integrity()
        .map_err(|e| format!("integrity: {e}"))?;
    let version = store.schema_version().map_err(|e| e.to_string())?;
    drop(store);
    let other = data_key(0xa5).ok_or("key length")?;
    match Store::open(path, &other) {
        Err(StoreError::WrongKey) => {}
        Err(e) => return Err(format!("another key: {e}")),
        Ok(_) => return Err("another key opened the store".to_owned()),
    }
    Ok(version)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (step, path) = match args.as_slice() {
        [_, step, path] if step == "write" || step == "read" => (step.as_str(), Path::new(path)),
        _ => {
            eprintln!("usage: store_compat write|read <path>");
            return ExitCode::from(2);
        }
    };
    let result = if step == "write" {
        write(path)
    } else {
        read(path)
    };
    let (line, code) = match result {
        Ok(version) => (
            json!({"check": "store_compat", "step": step, "ok": true, "schema_version": version}),
            ExitCode::SUCCESS,
        ),
        Err(reason) => (
            json!({"check": "store_compat", "step": step, "ok": false, "reason": reason}),
            ExitCode::FAILURE,
        ),
    };
    println!("{line}");
    code
}
