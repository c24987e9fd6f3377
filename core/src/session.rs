//! The phone's data folder as one unit: unlocking it (finish a pending wipe, settle a key rotation
//! a crash interrupted, unwrap the data key, open the store and the file vault), rotating the data
//! key (rekey) and the wrapping key (re-wrap), and wiping it.
//!
//! Wipe is crypto-shredding first: once the wrapped data key and the keystore keys are gone,
//! nothing left on disk can be decrypted, whatever remains of the database files. It is written as
//! a list of steps, each idempotent, announced by a note on disk; the next unlock finishes a wipe
//! that a crash interrupted before it opens anything.
//!
//! Folder layout: `data-key.wrapped` (and `data-key.next` during a rotation), `qianpi.db` with its
//! `-wal` / `-shm`, `files/` (encrypted bodies and attachments), `wipe.pending` during a wipe.

use crate::files::{FileError, FileVault};
use crate::keys::{
    self, KeyError, KeyFile, KeyStore, PlatformKeyError, APPROVAL_KEY_ALIAS, NEXT_KEY_FILE,
    REQUEST_KEY_ALIAS, WRAPPED_KEY_FILE,
};
use crate::store::{Store, StoreError};
use std::fs;
use std::path::Path;

/// File name of the encrypted database inside the data folder.
pub const DATABASE_FILE: &str = "qianpi.db";
/// Folder of the encrypted files inside the data folder.
pub const FILES_DIR: &str = "files";
/// The note announcing a wipe under way; it lists the keystore aliases still to destroy.
pub const WIPE_NOTE: &str = "wipe.pending";

/// Errors of the data folder.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The data key could not be loaded, stored or rotated.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file vault failed.
    #[error(transparent)]
    Files(#[from] FileError),
    /// The platform keystore failed.
    #[error(transparent)]
    Platform(#[from] PlatformKeyError),
    /// A file of the data folder could not be accessed.
    #[error("the data folder could not be accessed: {0}")]
    Io(#[from] std::io::Error),
    /// The wipe stopped before its end (a test's injected crash); the next unlock finishes it.
    #[error("the wipe was interrupted after {0:?}; it finishes when the app next starts")]
    WipeInterrupted(WipeStep),
}

/// The unlocked data: the store and the file vault. Dropping it closes the database and drops
/// the keys (zeroized).
pub struct Unlocked {
    /// The encrypted store.
    pub store: Store,
    /// The encrypted files.
    pub files: FileVault,
}

/// Opens the data folder `dir` with the data key unwrapped through `keystore` (created on first
/// use). A wipe that was under way is finished first; a data-key rotation a crash interrupted is
/// completed or rolled back, whichever the database says.
pub fn unlock(dir: &Path, keystore: &dyn KeyStore) -> Result<Unlocked, SessionError> {
    fs::create_dir_all(dir)?;
    if wipe_pending(dir) {
        finish_wipe(dir, keystore, &mut |_| Ok(()))?;
    }
    let database = dir.join(DATABASE_FILE);
    let next = KeyFile::read(dir, NEXT_KEY_FILE)?;
    let mut store = match KeyFile::read(dir, WRAPPED_KEY_FILE)? {
        None => Store::open(&database, &keys::load_or_create_data_key(keystore, dir)?)?,
        Some(current) => {
            let key = current.unwrap(keystore)?;
            match (Store::open(&database, &key), next) {
                (Ok(store), Some(_)) => {
                    // The rotation stopped before the database moved: the old key still rules.
                    keys::discard_next_data_key(dir)?;
                    store
                }
                (Ok(store), None) => store,
                (Err(StoreError::WrongKey), Some(next)) => {
                    // The database moved to the next key, the key file did not follow yet.
                    let store = Store::open(&database, &next.unwrap(keystore)?)?;
                    keys::commit_next_data_key(dir)?;
                    store
                }
                (Err(e), _) => return Err(e.into()),
            }
        }
    };
    let root = store.file_root_key()?;
    let files = FileVault::open(&dir.join(FILES_DIR), root)?;
    Ok(Unlocked { store, files })
}

/// Rotates the data key: a new key is wrapped and kept as the next key file, the database is
/// re-encrypted under it, then the key file is replaced. A crash at any point leaves the folder
/// openable by [`unlock`]. Encrypted files need no rewrite: their keys derive from a root kept
/// inside the database.
pub fn rotate_data_key(
    dir: &Path,
    keystore: &dyn KeyStore,
    unlocked: &mut Unlocked,
) -> Result<(), SessionError> {
    let next = keys::stage_next_data_key(keystore, dir)?;
    unlocked.store.rekey(&next)?;
    keys::commit_next_data_key(dir)?;
    Ok(())
}

/// Rotates the wrapping key: the data key is re-wrapped under a new keystore key and the old one
/// is destroyed. Returns the new alias.
pub fn rewrap(dir: &Path, keystore: &dyn KeyStore) -> Result<String, SessionError> {
    Ok(keys::rewrap_data_key(keystore, dir)?)
}

/// The steps of a wipe, in order; each is announced to the hook once done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WipeStep {
    /// The note listing what to destroy is on disk.
    NoteWritten,
    /// The wrapped data key files are deleted: from here on nothing can be decrypted.
    KeyFilesDeleted,
    /// The wrapping key and the device's signing keys are destroyed in the keystore.
    KeystoreKeysDeleted,
    /// The database and its journal files are deleted.
    DatabaseDeleted,
    /// The encrypted files are deleted.
    FilesDeleted,
    /// The note is removed: the folder is empty of Qianpi data.
    Finished,
}

/// Wipes the data folder. The caller drops its [`Unlocked`] first.
pub fn wipe(dir: &Path, keystore: &dyn KeyStore) -> Result<(), SessionError> {
    wipe_with(dir, keystore, &mut |_| Ok(()))
}

/// [`wipe`] with a hook told after each step; an error from the hook stops the wipe there, as a
/// crash would (the tests inject crashes this way).
pub fn wipe_with(
    dir: &Path,
    keystore: &dyn KeyStore,
    hook: &mut dyn FnMut(WipeStep) -> Result<(), ()>,
) -> Result<(), SessionError> {
    if !dir.join(WIPE_NOTE).exists() {
        // The wrapping keys named by the key files; the device's signing keys are always
        // destroyed, so the note need not list them.
        let mut aliases = Vec::new();
        for name in [WRAPPED_KEY_FILE, NEXT_KEY_FILE] {
            // A damaged key file protects nothing any more; its alias cannot be read either.
            if let Ok(Some(file)) = KeyFile::read(dir, name) {
                aliases.push(file.alias);
            }
        }
        keys::write_atomically(dir, WIPE_NOTE, aliases.join("\n").as_bytes())?;
        step(hook, WipeStep::NoteWritten)?;
    }
    finish_wipe(dir, keystore, hook)
}

/// Whether a wipe is under way: its note is there, or data is left without its key file (the key
/// file is written before the database is created, so only a shredded key explains that; the
/// data can no longer be read and is removed).
pub fn wipe_pending(dir: &Path) -> bool {
    dir.join(WIPE_NOTE).exists()
        || (!dir.join(WRAPPED_KEY_FILE).exists()
            && (dir.join(DATABASE_FILE).exists() || dir.join(FILES_DIR).exists()))
}

/// Runs the wipe's steps after the note; each is idempotent, so a resumed wipe repeats none
/// harmfully.
fn finish_wipe(
    dir: &Path,
    keystore: &dyn KeyStore,
    hook: &mut dyn FnMut(WipeStep) -> Result<(), ()>,
) -> Result<(), SessionError> {
    let note = match fs::read_to_string(dir.join(WIPE_NOTE)) {
        Ok(note) => note,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e.into()),
    };
    for name in [WRAPPED_KEY_FILE, NEXT_KEY_FILE] {
        remove_file(&dir.join(name))?;
    }
    keys::sync_dir(dir)?;
    step(hook, WipeStep::KeyFilesDeleted)?;
    let mut aliases: Vec<&str> = note.lines().filter(|l| !l.is_empty()).collect();
    aliases.extend([REQUEST_KEY_ALIAS, APPROVAL_KEY_ALIAS]);
    aliases.sort_unstable();
    aliases.dedup();
    for alias in aliases {
        keystore.delete(alias.to_owned())?;
    }
    step(hook, WipeStep::KeystoreKeysDeleted)?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        remove_file(&dir.join(format!("{DATABASE_FILE}{suffix}")))?;
    }
    keys::sync_dir(dir)?;
    step(hook, WipeStep::DatabaseDeleted)?;
    match fs::remove_dir_all(dir.join(FILES_DIR)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    step(hook, WipeStep::FilesDeleted)?;
    remove_file(&dir.join(WIPE_NOTE))?;
    keys::sync_dir(dir)?;
    step(hook, WipeStep::Finished)?;
    Ok(())
}

fn step(
    hook: &mut dyn FnMut(WipeStep) -> Result<(), ()>,
    done: WipeStep,
) -> Result<(), SessionError> {
    hook(done).map_err(|()| SessionError::WipeInterrupted(done))
}

fn remove_file(path: &Path) -> Result<(), std::io::Error> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests;
