//! The gateway's statement key: the P-256 key that signs command receipts, checkpoints, notices
//! and wipe commands (core's `protocol::statement`). Phones learn its public half at activation
//! and believe nothing the gateway states without it.
//!
//! The private half lives in a PKCS#8 file (mode 0600), by default `statement-key.p8` in the
//! data folder, created on first start. Its public half is registered in the database, so every
//! replica of a PostgreSQL deployment must run with the same file: a replica holding another key
//! refuses to start rather than sign statements the phones would reject.

use crate::db::Db;
use crate::error::ApiError;
use crate::sql::args;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qianpi_protocol::statement::{GatewayKey, StatementError};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

/// The key file's name inside a data folder.
pub const KEY_FILE: &str = "statement-key.p8";

/// Errors loading the statement key.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file cannot be read or written.
    #[error("cannot use the statement key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds no usable key.
    #[error("the statement key file {path} is damaged: {source}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Why.
        source: StatementError,
    },
    /// The database already knows another key.
    #[error(
        "this database's statement key is {registered}, but {path} holds {found}: give every \
         replica a copy of the same key file (--statement-key)"
    )]
    Mismatch {
        /// The key registered in the database.
        registered: String,
        /// The key in the file.
        found: String,
        /// The file.
        path: PathBuf,
    },
    /// The database could not be read or written.
    #[error("cannot register the statement key: {0}")]
    Database(#[from] ApiError),
}

/// Loads the key at `path`, creating it first if there is none, and registers its public half in
/// the database (or checks it against the one registered there).
pub async fn load_or_create(db: &Db, path: &Path) -> Result<Arc<GatewayKey>, KeyFileError> {
    let key = {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || read_or_create(&path))
            .await
            .map_err(|e| ApiError::internal(format!("loading the key failed: {e}")))??
    };
    let public = key.public().clone();
    let registered = db
        .tx(move |sql| {
            let found = sql
                .query_opt(
                    "SELECT key_id FROM gateway_keys ORDER BY created_at LIMIT 1",
                    &[],
                )?
                .map(|row| row.text(0))
                .transpose()?;
            if found.is_none() {
                let spki = STANDARD
                    .decode(&public.spki)
                    .map_err(|_| ApiError::internal("the key's public half is not base64"))?;
                sql.execute(
                    "INSERT INTO gateway_keys (key_id, spki, created_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                    args![&public.key_id, spki, chrono::Utc::now().to_rfc3339()],
                )?;
            }
            Ok(found.unwrap_or(public.key_id.clone()))
        })
        .await?;
    if registered != key.public().key_id {
        return Err(KeyFileError::Mismatch {
            registered,
            found: key.public().key_id.clone(),
            path: path.to_owned(),
        });
    }
    Ok(Arc::new(key))
}

fn read_or_create(path: &Path) -> Result<GatewayKey, KeyFileError> {
    let io = |source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    };
    if !path.exists() {
        create(path).map_err(io)?;
        tracing::info!(path = %path.display(), "created the gateway statement key");
    }
    let pkcs8 = Zeroizing::new(std::fs::read(path).map_err(io)?);
    GatewayKey::from_pkcs8(&pkcs8).map_err(|source| KeyFileError::Damaged {
        path: path.to_owned(),
        source,
    })
}

/// Writes a new key next to `path` and links it into place only if nothing is there yet, so two
/// processes starting at once end up with one key, never a torn file.
fn create(path: &Path) -> std::io::Result<()> {
    let pkcs8 = GatewayKey::generate_pkcs8().map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // A folder made for the key is the gateway account's alone, like the data folder.
        let mut folder = std::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            folder.mode(0o700);
        }
        folder.create(dir)?;
    }
    let staging = path.with_extension(format!("tmp-{}", uuid::Uuid::now_v7().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let written = (|| {
        let mut file = options.open(&staging)?;
        file.write_all(&pkcs8)?;
        file.sync_all()
    })();
    let linked = written.and_then(|()| match std::fs::hard_link(&staging, path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    });
    let _ = std::fs::remove_file(&staging);
    linked
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_key_is_created_once_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join(KEY_FILE);
        let first = read_or_create(&path).unwrap();
        let second = read_or_create(&path).unwrap();
        assert_eq!(first.public(), second.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the key file is readable by others");
        }
    }

    #[test]
    fn a_damaged_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        std::fs::write(&path, b"not a key").unwrap();
        assert!(matches!(
            read_or_create(&path),
            Err(KeyFileError::Damaged { .. })
        ));
    }
}
