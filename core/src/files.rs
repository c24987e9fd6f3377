//! The encrypted file vault: 正文 versions and 附件 too large for the SQLCipher database live as
//! files, each encrypted under its own key and streamed in 64 KiB chunks, so a 50 MB body never
//! needs 50 MB of memory and nothing of it reaches disk in plaintext.
//!
//! The root key ([`FileRootKey`]) is the caller's: the store keeps it inside the encrypted
//! database, so wiping the database's key shreds every file as well. From it each file id gets its
//! own AES-256-GCM key by HKDF-SHA256 (salt empty, info `qianpi:file:v1|<file id>`). The chunk
//! format is in the private `format` submodule; on disk a file is named by the SHA-256 of its
//! id, so a directory listing reveals no id.
//!
//! Writes go to a temporary file in the vault directory, are synced, then renamed over the final
//! name: a crash leaves either the old file, the new one, or a stray temporary file that the next
//! [`FileVault::open`] removes — never half a file under the final name.

mod format;
mod reader;
#[cfg(test)]
mod tests;

use crate::crypto;
use ring::aead::{LessSafeKey, UnboundKey, AES_256_GCM};
use ring::hkdf::{Salt, HKDF_SHA256};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub use reader::FileReader;

/// Extension of a vault file.
const FILE_EXTENSION: &str = ".qpf";
/// Extension of a file being written; anything carrying it at open is a crash's leftover.
const TEMP_EXTENSION: &str = ".qpf.tmp";
/// HKDF info prefix of a file key; the file id follows it.
const KEY_INFO_PREFIX: &[u8] = b"qianpi:file:v1|";

/// Errors of the file vault.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// No file with this id is in the vault.
    #[error("the file is not on this device; fetch it from the gateway")]
    NotFound,
    /// The stored file is damaged, cut short, extended, or not written under this key and id.
    #[error(
        "the stored file is damaged and cannot be opened; it will be discarded and fetched again"
    )]
    Corrupted,
    /// The content's SHA-256 is not the one expected.
    #[error("the file's content does not match its expected SHA-256 (expected {expected}, got {actual}); discard it and fetch the file again")]
    HashMismatch {
        /// The hash the caller expected.
        expected: String,
        /// The hash of the content actually seen.
        actual: String,
    },
    /// The file id is empty.
    #[error("a file id must not be empty")]
    InvalidId,
    /// The file is beyond what the format can count (2³² chunks, 256 TiB).
    #[error("the file is too large for the vault")]
    TooLarge,
    /// Reading or writing the device's storage failed.
    #[error(
        "the file vault could not use the device storage: {0}; check the free space and try again"
    )]
    Io(#[from] io::Error),
    /// The random generator or the cipher failed.
    #[error("the encryption library failed; try again, and report it if it keeps happening")]
    Crypto,
}

/// What the vault learned about a file while writing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// SHA-256 of the plaintext, 64 lowercase hex digits (as [`crate::model::BodyVersion::sha256`]).
    pub sha256: String,
    /// Plaintext size in bytes.
    pub size: u64,
}

/// The vault's root secret, from which every file key is derived. Zeroized when dropped and never
/// printed: its `Debug` shows no byte.
pub struct FileRootKey(Zeroizing<[u8; FileRootKey::LEN]>);

impl FileRootKey {
    /// Length of the key in bytes.
    pub const LEN: usize = 32;

    /// A fresh random key from the system generator.
    pub fn generate() -> Result<FileRootKey, FileError> {
        let bytes =
            crypto::random_bytes::<{ FileRootKey::LEN }>().map_err(|_| FileError::Crypto)?;
        Ok(FileRootKey(Zeroizing::new(bytes)))
    }

    /// From raw bytes (e.g. read back from the store); refuses any other length.
    pub fn from_bytes(bytes: &[u8]) -> Option<FileRootKey> {
        let array: [u8; FileRootKey::LEN] = bytes.try_into().ok()?;
        Some(FileRootKey(Zeroizing::new(array)))
    }

    /// The raw bytes, for the caller to keep (inside the encrypted database only).
    pub fn as_bytes(&self) -> &[u8; FileRootKey::LEN] {
        &self.0
    }

    /// The AES-256-GCM key of `file_id`. ring expands the HKDF output straight into the cipher's
    /// key schedule, so no copy of the derived key is left in a buffer of ours; the returned key
    /// lives for one operation only.
    fn file_key(&self, file_id: &str) -> Result<LessSafeKey, FileError> {
        // The root is uniformly random, so the extract step needs no salt (RFC 5869 §3.1).
        let prk = Salt::new(HKDF_SHA256, &[]).extract(self.0.as_slice());
        let info = [KEY_INFO_PREFIX, file_id.as_bytes()];
        let okm = prk
            .expand(&info, &AES_256_GCM)
            .map_err(|_| FileError::Crypto)?;
        Ok(LessSafeKey::new(UnboundKey::from(okm)))
    }
}

impl std::fmt::Debug for FileRootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileRootKey(<secret>)")
    }
}

/// A directory of encrypted files, one per file id. One vault per directory at a time: opening
/// removes every temporary file in it.
#[derive(Debug)]
pub struct FileVault {
    dir: PathBuf,
    root: FileRootKey,
}

impl FileVault {
    /// Opens (creating it if needed) the vault in `dir` with `root`, and removes the temporary
    /// files a crash left behind. A wrong `root` is not detected here: each file then fails to open
    /// with [`FileError::Corrupted`].
    pub fn open(dir: &Path, root: FileRootKey) -> Result<FileVault, FileError> {
        fs::create_dir_all(dir)?;
        let vault = FileVault {
            dir: dir.to_path_buf(),
            root,
        };
        vault.remove_matching(is_temp_name)?;
        Ok(vault)
    }

    /// Encrypts everything `reader` yields as the file `file_id`, replacing any previous file of
    /// that id, and returns the plaintext's SHA-256 and size. With `expected_sha256` (64 hex
    /// digits), content of another hash is refused with [`FileError::HashMismatch`] and nothing is
    /// stored: a previous file of that id stays as it was. Memory use is one 64 KiB chunk.
    pub fn write(
        &self,
        file_id: &str,
        reader: impl Read,
        expected_sha256: Option<&str>,
    ) -> Result<FileMeta, FileError> {
        let path = self.path_of(file_id)?;
        let key = self.root.file_key(file_id)?;
        let prefix =
            crypto::random_bytes::<{ format::PREFIX_LEN }>().map_err(|_| FileError::Crypto)?;
        let (temp_path, mut temp) = self.create_temp()?;
        let written = format::seal_stream(&key, prefix, reader, &mut temp)
            .and_then(|meta| match expected_sha256 {
                Some(expected) if !expected.eq_ignore_ascii_case(&meta.sha256) => {
                    Err(FileError::HashMismatch {
                        expected: expected.to_owned(),
                        actual: meta.sha256,
                    })
                }
                _ => Ok(meta),
            })
            .and_then(|meta| {
                temp.sync_all()?;
                drop(temp);
                fs::rename(&temp_path, &path)?;
                Ok(meta)
            });
        match written {
            Ok(meta) => {
                self.sync_dir();
                Ok(meta)
            }
            Err(e) => {
                // Best effort: a leftover is ciphertext only, and the next open removes it anyway.
                let _ = fs::remove_file(&temp_path);
                Err(e)
            }
        }
    }

    /// Decrypts the file `file_id` into `writer`, chunk by chunk, then checks that the content's
    /// SHA-256 is `expected_sha256`; returns the size. Only authenticated chunks reach `writer`,
    /// but on any error it may already hold part of the file (or all of it, on a
    /// [`FileError::HashMismatch`]): the caller must then discard what it received. A damaged
    /// file, or one not written under this root key and id, is [`FileError::Corrupted`].
    pub fn read_to(
        &self,
        file_id: &str,
        expected_sha256: &str,
        mut writer: impl Write,
    ) -> Result<u64, FileError> {
        let path = self.path_of(file_id)?;
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(FileError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let key = self.root.file_key(file_id)?;
        let meta = format::open_stream(&key, file, &mut writer)?;
        if !expected_sha256.eq_ignore_ascii_case(&meta.sha256) {
            return Err(FileError::HashMismatch {
                expected: expected_sha256.to_owned(),
                actual: meta.sha256,
            });
        }
        writer.flush()?;
        Ok(meta.size)
    }

    /// [`FileVault::read_to`] into memory, for small files; the buffer is zeroized when dropped.
    /// On error nothing is returned.
    pub fn read_to_vec(
        &self,
        file_id: &str,
        expected_sha256: &str,
    ) -> Result<Zeroizing<Vec<u8>>, FileError> {
        let mut out = Zeroizing::new(Vec::new());
        self.read_to(file_id, expected_sha256, &mut *out)?;
        Ok(out)
    }

    /// Whether a file of this id is in the vault (not whether it is intact: reading tells that).
    pub fn contains(&self, file_id: &str) -> bool {
        self.path_of(file_id)
            .and_then(|path| Ok(fs::metadata(path)?.is_file()))
            .unwrap_or(false)
    }

    /// Removes the file `file_id`; removing a file that is not there is not an error.
    pub fn remove(&self, file_id: &str) -> Result<(), FileError> {
        let path = self.path_of(file_id)?;
        match fs::remove_file(path) {
            Ok(()) => {
                self.sync_dir();
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes every vault file and temporary file (for a wipe); files the vault did not name are
    /// left alone. Idempotent, and a vault directory that is already gone is not an error.
    pub fn remove_all(&self) -> Result<(), FileError> {
        self.remove_matching(|name| is_vault_name(name) || is_temp_name(name))
    }

    /// The path of the file `file_id`: the lowercase hex SHA-256 of the id, so the name reveals
    /// nothing and no id (`..`, `/`, …) can point outside the vault.
    fn path_of(&self, file_id: &str) -> Result<PathBuf, FileError> {
        if file_id.is_empty() {
            return Err(FileError::InvalidId);
        }
        let name = crypto::sha256_hex(file_id.as_bytes());
        Ok(self.dir.join(format!("{name}{FILE_EXTENSION}")))
    }

    /// Creates a new temporary file with a random name in the vault directory itself: the rename
    /// must stay on one file system to be atomic, and the system temp directory is not ours to
    /// leave ciphertext in.
    fn create_temp(&self) -> Result<(PathBuf, File), FileError> {
        let suffix = crypto::random_bytes::<8>().map_err(|_| FileError::Crypto)?;
        let path = self
            .dir
            .join(format!("{}{TEMP_EXTENSION}", crypto::hex(&suffix)));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let file = options.open(&path)?;
        Ok((path, file))
    }

    /// Removes every file in the vault directory whose name satisfies `matches`.
    fn remove_matching(&self, matches: impl Fn(&str) -> bool) -> Result<(), FileError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let mut removed = false;
        for entry in entries {
            let entry = entry?;
            if !entry.file_name().to_str().is_some_and(&matches) {
                continue;
            }
            match fs::remove_file(entry.path()) {
                Ok(()) => removed = true,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        if removed {
            self.sync_dir();
        }
        Ok(())
    }

    /// Syncs the directory so a rename or removal survives a power loss. Best effort: some
    /// platforms and file systems cannot sync a directory, and the file's own data is already
    /// synced by then.
    fn sync_dir(&self) {
        #[cfg(unix)]
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
    }
}

/// Whether `name` is a vault file's: 64 lowercase hex digits and the extension.
fn is_vault_name(name: &str) -> bool {
    name.strip_suffix(FILE_EXTENSION)
        .is_some_and(|stem| stem.len() == 64 && is_lower_hex(stem))
}

/// Whether `name` is a temporary file's: lowercase hex digits and the temporary extension.
fn is_temp_name(name: &str) -> bool {
    name.strip_suffix(TEMP_EXTENSION)
        .is_some_and(|stem| !stem.is_empty() && is_lower_hex(stem))
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
