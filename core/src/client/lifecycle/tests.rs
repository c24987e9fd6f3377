//! The client's lock, inactivity lock, rotation and wipe, as a shell drives them.

use crate::client::{Client, ClientError};
use crate::files::FileError;
use crate::software::SoftwareKeyVault;
use crate::store::{ListKind, StoreError};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn client(root: &Path) -> Client {
    let vault = Arc::new(SoftwareKeyVault::open(&root.join("vault"), "口令 pass").unwrap());
    Client::open(&root.join("data"), vault.clone(), vault).unwrap()
}

const BODY: &[u8] = "关于春耕备耕工作的通知（正文）".as_bytes();

fn sha_hex(bytes: &[u8]) -> String {
    crate::crypto::sha256(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn read(client: &Client, sha: &str) -> Result<Vec<u8>, ClientError> {
    let mut out = Vec::new();
    client.read_file(sha, &mut out)?;
    Ok(out)
}

fn is_locked_error<T: std::fmt::Debug>(result: Result<T, ClientError>) -> bool {
    matches!(result, Err(ClientError::Store(StoreError::Locked)))
}

#[test]
fn an_idle_client_locks_itself_and_unlocks_through_the_keystore() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    client.store_file(&sha_hex(BODY), BODY).unwrap();
    client.set_inactivity_lock(Duration::from_millis(50));
    assert!(
        client.list(ListKind::Todo, 10, 0).is_ok(),
        "used within the limit"
    );
    std::thread::sleep(Duration::from_millis(120));
    assert!(is_locked_error(client.list(ListKind::Todo, 10, 0)));
    assert!(is_locked_error(read(&client, &sha_hex(BODY))));
    assert!(client.is_locked());
    client.unlock().unwrap();
    assert_eq!(read(&client, &sha_hex(BODY)).unwrap(), BODY);
}

#[test]
fn asking_whether_the_client_is_locked_does_not_keep_it_unlocked() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    client.set_inactivity_lock(Duration::from_millis(100));
    for _ in 0..6 {
        std::thread::sleep(Duration::from_millis(30));
        client.is_locked();
    }
    assert!(client.is_locked(), "polling kept the data unlocked");
}

#[test]
fn a_locked_client_refuses_everything_until_unlocked() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    client.lock();
    assert!(is_locked_error(client.account()));
    assert!(is_locked_error(client.outbox()));
    assert!(is_locked_error(client.rotate_data_key()));
    client.unlock().unwrap();
    client.unlock().unwrap();
    assert!(client.account().unwrap().is_none());
}

#[test]
fn files_survive_a_data_key_rotation_and_a_rewrap() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    client.store_file(&sha_hex(BODY), BODY).unwrap();
    client.rotate_data_key().unwrap();
    client.rewrap_data_key().unwrap();
    assert_eq!(read(&client, &sha_hex(BODY)).unwrap(), BODY);
    drop(client);
    let reopened = self::client(root.path());
    assert_eq!(read(&reopened, &sha_hex(BODY)).unwrap(), BODY);
}

#[test]
fn a_file_that_does_not_match_its_hash_is_not_kept() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let wrong = sha_hex(b"something else");
    assert!(matches!(
        client.store_file(&wrong, BODY),
        Err(ClientError::Files(FileError::HashMismatch { .. }))
    ));
    assert!(matches!(
        read(&client, &wrong),
        Err(ClientError::Files(FileError::NotFound))
    ));
}

#[test]
fn after_a_wipe_the_client_is_locked_and_unlocks_to_an_empty_store() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    client.store_file(&sha_hex(BODY), BODY).unwrap();
    client.wipe().unwrap();
    assert!(client.is_locked());
    client.unlock().unwrap();
    assert!(client.account().unwrap().is_none());
    assert!(matches!(
        read(&client, &sha_hex(BODY)),
        Err(ClientError::Files(FileError::NotFound))
    ));
}
