//! The data folder's life: unlock, key rotation and re-wrap (each surviving a crash at any point),
//! and the wipe (security.md S-5): crypto-shred first, idempotent, finished on the next start
//! after a crash at every step.

use super::*;
use crate::keys::KeyFile;
use crate::software::SoftwareKeyVault;
use crate::store::Policy;

fn vault(dir: &Path) -> SoftwareKeyVault {
    SoftwareKeyVault::open(&dir.join("vault"), "测试口令 passphrase").unwrap()
}

/// Unlocks `data`, stores a marker policy and a file, and returns what identifies them.
fn fill(data: &Path, keystore: &dyn KeyStore) -> Vec<u8> {
    let mut unlocked = unlock(data, keystore).unwrap();
    unlocked
        .store
        .save_policy(&Policy {
            version: 7,
            ..Policy::default()
        })
        .unwrap();
    let body = "正文：关于春耕备耕的通知 MARKER-body".as_bytes().to_vec();
    unlocked
        .files
        .write("body-1", body.as_slice(), None)
        .unwrap();
    body
}

fn policy_version(data: &Path, keystore: &dyn KeyStore) -> u64 {
    unlock(data, keystore)
        .unwrap()
        .store
        .policy()
        .unwrap()
        .version
}

#[test]
fn a_locked_folder_unlocks_to_the_same_data() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let keys = vault(root.path());
    fill(&data, &keys);
    assert_eq!(policy_version(&data, &keys), 7);
    let other = SoftwareKeyVault::open(&root.path().join("other"), "x").unwrap();
    assert!(matches!(unlock(&data, &other), Err(SessionError::Key(_))));
}

#[test]
fn a_rotated_data_key_replaces_the_old_one_and_files_stay_readable() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let keys = vault(root.path());
    let body = fill(&data, &keys);
    let before = KeyFile::read(&data, WRAPPED_KEY_FILE).unwrap().unwrap();
    let old_key = before.unwrap(&keys).unwrap();
    let mut unlocked = unlock(&data, &keys).unwrap();
    rotate_data_key(&data, &keys, &mut unlocked).unwrap();
    drop(unlocked);
    assert!(!data.join(NEXT_KEY_FILE).exists());
    assert!(matches!(
        Store::open(&data.join(DATABASE_FILE), &old_key),
        Err(StoreError::WrongKey)
    ));
    let unlocked = unlock(&data, &keys).unwrap();
    assert_eq!(unlocked.store.policy().unwrap().version, 7);
    let sha = crate::crypto::sha256(&body);
    let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        unlocked
            .files
            .read_to_vec("body-1", &hex)
            .unwrap()
            .as_slice(),
        body
    );
}

#[test]
fn a_rotation_cut_short_at_any_point_leaves_a_folder_that_opens() {
    let root = tempfile::tempdir().unwrap();
    let keys = vault(root.path());
    // Crash after the next key was staged, before the database moved.
    let data = root.path().join("staged");
    fill(&data, &keys);
    keys::stage_next_data_key(&keys, &data).unwrap();
    assert_eq!(policy_version(&data, &keys), 7);
    assert!(
        !data.join(NEXT_KEY_FILE).exists(),
        "the unused next key is dropped"
    );
    // Crash after the database moved, before the key file followed.
    let data = root.path().join("moved");
    fill(&data, &keys);
    let current = KeyFile::read(&data, WRAPPED_KEY_FILE).unwrap().unwrap();
    let next = keys::stage_next_data_key(&keys, &data).unwrap();
    let mut store =
        Store::open(&data.join(DATABASE_FILE), &current.unwrap(&keys).unwrap()).unwrap();
    store.rekey(&next).unwrap();
    drop(store);
    assert_eq!(policy_version(&data, &keys), 7);
    assert!(
        !data.join(NEXT_KEY_FILE).exists(),
        "the next key became current"
    );
    assert_eq!(policy_version(&data, &keys), 7);
}

#[test]
fn a_rewrap_moves_to_a_new_keystore_key_and_destroys_the_old_one() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let keys = vault(root.path());
    fill(&data, &keys);
    let before = KeyFile::read(&data, WRAPPED_KEY_FILE).unwrap().unwrap();
    let alias = rewrap(&data, &keys).unwrap();
    assert_ne!(alias, before.alias);
    assert!(
        before.unwrap(&keys).is_err(),
        "the old wrapping key still works"
    );
    assert_eq!(policy_version(&data, &keys), 7);
}

const STEPS: [WipeStep; 6] = [
    WipeStep::NoteWritten,
    WipeStep::KeyFilesDeleted,
    WipeStep::KeystoreKeysDeleted,
    WipeStep::DatabaseDeleted,
    WipeStep::FilesDeleted,
    WipeStep::Finished,
];

/// Every file under `dir` and its bytes.
fn all_files(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_files(&path));
        } else if let Ok(bytes) = fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

#[test]
fn a_wipe_interrupted_after_any_step_shreds_first_and_finishes_on_the_next_start() {
    for (crash_at, crash_step) in STEPS.iter().enumerate() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        let keys = vault(root.path());
        fill(&data, &keys);
        let wrapped = KeyFile::read(&data, WRAPPED_KEY_FILE).unwrap().unwrap();
        let result = wipe_with(&data, &keys, &mut |step| {
            if step == *crash_step {
                Err(())
            } else {
                Ok(())
            }
        });
        assert!(
            matches!(result, Err(SessionError::WipeInterrupted(s)) if s == *crash_step),
            "{crash_step:?}: {result:?}"
        );
        if crash_at >= 1 {
            // Shredded: no key file left to unwrap, and from the keystore step on, the wrapped
            // bytes (had anyone copied them) can no longer be unwrapped either.
            assert!(!data.join(WRAPPED_KEY_FILE).exists(), "{crash_step:?}");
        }
        if crash_at >= 2 {
            assert!(wrapped.unwrap(&keys).is_err(), "{crash_step:?}");
        }
        if *crash_step != WipeStep::Finished {
            assert!(
                wipe_pending(&data),
                "{crash_step:?}: the next start would not finish it"
            );
        }
        // The next start finishes the wipe and begins afresh.
        let fresh = unlock(&data, &keys).unwrap();
        assert_eq!(
            fresh.store.policy().unwrap(),
            Policy::default(),
            "{crash_step:?}"
        );
        assert!(fresh.store.account().unwrap().is_none());
        assert!(!fresh.files.contains("body-1"), "{crash_step:?}");
        assert!(
            wrapped.unwrap(&keys).is_err(),
            "{crash_step:?}: the old key survived"
        );
        drop(fresh);
        assert!(!data.join(WIPE_NOTE).exists());
    }
}

#[test]
fn a_wipe_twice_in_a_row_is_harmless_and_leaves_no_qianpi_data() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let keys = vault(root.path());
    fill(&data, &keys);
    keys.create_key(REQUEST_KEY_ALIAS.to_owned()).unwrap();
    wipe(&data, &keys).unwrap();
    wipe(&data, &keys).unwrap();
    assert!(all_files(&data).is_empty(), "{:?}", all_files(&data));
    use crate::keys::DeviceSigner as _;
    assert!(
        keys.public_key(REQUEST_KEY_ALIAS.to_owned()).is_err(),
        "the device key survived"
    );
}

#[test]
fn damaged_key_or_database_files_are_typed_errors_never_panics() {
    let root = tempfile::tempdir().unwrap();
    let keys = vault(root.path());
    // A key file of garbage.
    let data = root.path().join("bad-key");
    fill(&data, &keys);
    fs::write(data.join(WRAPPED_KEY_FILE), b"not a key file").unwrap();
    assert!(matches!(
        unlock(&data, &keys),
        Err(SessionError::Key(KeyError::BadKeyFile))
    ));
    // A database file of garbage, and one cut short.
    for damage in [&b"SQLite format 3\0 but nothing else"[..], &[0u8; 5000][..]] {
        let data = root.path().join(format!("bad-db-{}", damage.len()));
        fill(&data, &keys);
        fs::write(data.join(DATABASE_FILE), damage).unwrap();
        let _ = fs::remove_file(data.join(format!("{DATABASE_FILE}-wal")));
        assert!(matches!(
            unlock(&data, &keys),
            Err(SessionError::Store(
                StoreError::WrongKey | StoreError::Corrupted(_)
            ))
        ));
    }
    let data = root.path().join("cut-db");
    fill(&data, &keys);
    let bytes = fs::read(data.join(DATABASE_FILE)).unwrap();
    fs::write(data.join(DATABASE_FILE), &bytes[..bytes.len() / 2]).unwrap();
    let _ = fs::remove_file(data.join(format!("{DATABASE_FILE}-wal")));
    match unlock(&data, &keys) {
        Err(SessionError::Store(StoreError::WrongKey | StoreError::Corrupted(_))) => {}
        Ok(unlocked) => assert!(unlocked.store.check_integrity().is_err()),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}
