//! The vault's promises: what goes in comes out, nothing readable ever reaches the disk, and any
//! damage, cut, splice or wrong key is reported as such — never as wrong content, never a panic.

use super::format::{CHUNK_SIZE, HEADER_LEN, TAG_LEN};
use super::*;
use proptest::prelude::*;
use std::collections::HashSet;
use std::io::Cursor;

/// A sealed full chunk on disk.
const SEALED: usize = CHUNK_SIZE + TAG_LEN;

fn vault() -> (tempfile::TempDir, FileVault) {
    let dir = tempfile::tempdir().unwrap();
    let vault = FileVault::open(dir.path(), FileRootKey::generate().unwrap()).unwrap();
    (dir, vault)
}

fn sha(data: &[u8]) -> String {
    crypto::sha256_hex(data)
}

/// Varied bytes, so a chunk spliced from elsewhere in the file would not happen to decrypt equal.
fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}

fn store(vault: &FileVault, id: &str, data: &[u8]) -> FileMeta {
    vault.write(id, Cursor::new(data), None).unwrap()
}

fn stored_bytes(vault: &FileVault, id: &str) -> Vec<u8> {
    fs::read(vault.path_of(id).unwrap()).unwrap()
}

fn replace_stored(vault: &FileVault, id: &str, bytes: &[u8]) {
    fs::write(vault.path_of(id).unwrap(), bytes).unwrap();
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn contents_of_every_size_around_the_chunk_boundary_round_trip() {
    let (_dir, vault) = vault();
    for len in [
        0,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE,
        3 * CHUNK_SIZE + 4321,
    ] {
        let data = content(len);
        let id = format!("body-{len}");
        let meta = store(&vault, &id, &data);
        assert_eq!(meta.sha256, sha(&data));
        assert_eq!(meta.size, len as u64);
        let back = vault.read_to_vec(&id, &meta.sha256).unwrap();
        assert_eq!(back.as_slice(), data.as_slice(), "length {len}");
        let mut streamed = Vec::new();
        assert_eq!(
            vault.read_to(&id, &meta.sha256, &mut streamed).unwrap(),
            len as u64
        );
        assert_eq!(streamed, data);
        // One tag per chunk, the last chunk possibly empty but always present.
        let chunks = len / CHUNK_SIZE + usize::from(len % CHUNK_SIZE != 0 || len == 0);
        assert_eq!(
            stored_bytes(&vault, &id).len(),
            HEADER_LEN + chunks * TAG_LEN + len
        );
    }
}

#[test]
fn the_header_names_the_format_and_every_write_uses_a_fresh_nonce_prefix() {
    let (_dir, vault) = vault();
    store(&vault, "a", b"same content");
    let first = stored_bytes(&vault, "a");
    store(&vault, "a", b"same content");
    let second = stored_bytes(&vault, "a");
    assert_eq!(&first[..4], b"QPF1");
    assert_eq!(first[4], 1);
    assert_eq!(&first[5..9], &65536u32.to_be_bytes());
    assert_ne!(first[9..16], second[9..16]);
    assert_ne!(first, second);
}

#[test]
fn a_reader_that_trickles_bytes_gives_the_same_file() {
    /// Hands out at most 7 bytes per call and is interrupted every third call.
    struct Trickle(Cursor<Vec<u8>>, u32);
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.1 += 1;
            if self.1 % 3 == 0 {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(7);
            self.0.read(&mut buf[..n])
        }
    }
    let (_dir, vault) = vault();
    let data = content(CHUNK_SIZE + 99);
    let meta = vault
        .write(
            "t",
            Trickle(Cursor::new(data.clone()), 0),
            Some(&sha(&data)),
        )
        .unwrap();
    assert_eq!(meta.size, data.len() as u64);
    assert_eq!(
        vault.read_to_vec("t", &meta.sha256).unwrap().as_slice(),
        data.as_slice()
    );
}

const ASCII_MARKER: &str = "MARKER-ascii-7f3a";
const CHINESE_MARKER: &str = "绝密测试标记";

fn holds_marker(bytes: &[u8]) -> bool {
    [ASCII_MARKER, CHINESE_MARKER]
        .iter()
        .any(|m| bytes.windows(m.len()).any(|w| w == m.as_bytes()))
}

/// Every file under `path` (recursively) whose name or bytes hold a marker. Files that vanish
/// meanwhile (other tests' temp dirs) are skipped.
fn files_with_marker(path: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if holds_marker(path.to_string_lossy().as_bytes()) {
        found.push(path.to_path_buf());
    }
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            for entry in fs::read_dir(path).into_iter().flatten().flatten() {
                found.extend(files_with_marker(&entry.path()));
            }
        }
        Ok(meta) if meta.is_file() && fs::read(path).is_ok_and(|b| holds_marker(&b)) => {
            found.push(path.to_path_buf());
        }
        _ => {}
    }
    found
}

#[test]
fn markers_written_through_the_vault_appear_in_no_file_on_disk_nor_in_the_system_temp_dir() {
    let temp = std::env::temp_dir();
    let before: HashSet<_> = fs::read_dir(&temp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();

    let (dir, vault) = vault();
    let small = format!("{ASCII_MARKER} {CHINESE_MARKER}");
    let large = small.repeat(3 * CHUNK_SIZE / small.len());
    let id = format!("正文/{CHINESE_MARKER}/{ASCII_MARKER}");

    /// Checks the vault directory for plaintext while the write is still under way.
    struct Spy<'a> {
        inner: Cursor<&'a [u8]>,
        dir: &'a Path,
        checked: bool,
    }
    impl Read for Spy<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.checked && self.inner.position() > 2 * CHUNK_SIZE as u64 {
                self.checked = true;
                let names = names_in(self.dir);
                assert!(names.iter().any(|n| n.ends_with(".qpf.tmp")), "{names:?}");
                assert_eq!(files_with_marker(self.dir), Vec::<PathBuf>::new());
            }
            self.inner.read(buf)
        }
    }
    let spy = Spy {
        inner: Cursor::new(large.as_bytes()),
        dir: dir.path(),
        checked: false,
    };
    let meta_large = vault.write(&id, spy, None).unwrap();
    let meta_small = store(&vault, ASCII_MARKER, small.as_bytes());
    let back = vault.read_to_vec(&id, &meta_large.sha256).unwrap();
    assert_eq!(back.as_slice(), large.as_bytes());
    let mut sink = Vec::new();
    vault
        .read_to(ASCII_MARKER, &meta_small.sha256, &mut sink)
        .unwrap();

    assert_eq!(files_with_marker(dir.path()), Vec::<PathBuf>::new());
    for name in names_in(dir.path()) {
        assert!(is_vault_name(&name), "{name}");
    }
    let leaked: Vec<PathBuf> = fs::read_dir(&temp)
        .unwrap()
        .flatten()
        .filter(|e| !before.contains(&e.file_name()))
        .flat_map(|e| files_with_marker(&e.path()))
        .collect();
    assert_eq!(leaked, Vec::<PathBuf>::new());
}

#[test]
fn a_wrong_root_key_is_reported_as_damage_never_as_other_content() {
    let (dir, vault) = vault();
    let data = content(CHUNK_SIZE + 10);
    let meta = store(&vault, "doc", &data);
    let other = FileVault::open(dir.path(), FileRootKey::generate().unwrap()).unwrap();
    let mut sink = Vec::new();
    assert!(matches!(
        other.read_to("doc", &meta.sha256, &mut sink),
        Err(FileError::Corrupted)
    ));
    assert!(sink.is_empty());
}

#[test]
fn a_file_copied_over_another_ids_name_does_not_open() {
    let (_dir, vault) = vault();
    let a = store(&vault, "attachment-a", &content(5000));
    let b = store(&vault, "attachment-b", b"the other one");
    replace_stored(
        &vault,
        "attachment-b",
        &stored_bytes(&vault, "attachment-a"),
    );
    for expected in [&a.sha256, &b.sha256] {
        let mut sink = Vec::new();
        assert!(matches!(
            vault.read_to("attachment-b", expected, &mut sink),
            Err(FileError::Corrupted)
        ));
        assert!(sink.is_empty());
    }
}

/// Four chunks: three full ones and a partial last one.
fn four_chunk_file() -> (tempfile::TempDir, FileVault, FileMeta, Vec<u8>) {
    let (dir, vault) = vault();
    let meta = store(&vault, "doc", &content(3 * CHUNK_SIZE + 100));
    let bytes = stored_bytes(&vault, "doc");
    assert_eq!(bytes.len(), HEADER_LEN + 3 * SEALED + 100 + TAG_LEN);
    (dir, vault, meta, bytes)
}

fn assert_corrupted(vault: &FileVault, meta: &FileMeta, bytes: &[u8], what: &str) {
    replace_stored(vault, "doc", bytes);
    let result = vault.read_to("doc", &meta.sha256, io::sink());
    assert!(
        matches!(result, Err(FileError::Corrupted)),
        "{what}: {result:?}"
    );
}

fn chunk(bytes: &[u8], i: usize) -> &[u8] {
    &bytes[HEADER_LEN + i * SEALED..(HEADER_LEN + (i + 1) * SEALED).min(bytes.len())]
}

#[test]
fn a_file_cut_at_any_chunk_boundary_or_inside_a_chunk_is_damaged() {
    let (_dir, vault, meta, bytes) = four_chunk_file();
    let cuts = [
        0,
        3,
        HEADER_LEN - 1,
        HEADER_LEN,
        HEADER_LEN + 1,
        HEADER_LEN + TAG_LEN,
        HEADER_LEN + SEALED / 2,
        HEADER_LEN + SEALED,
        HEADER_LEN + 2 * SEALED,
        HEADER_LEN + 3 * SEALED,
        HEADER_LEN + 3 * SEALED + TAG_LEN,
        bytes.len() - 1,
    ];
    for cut in cuts {
        assert_corrupted(&vault, &meta, &bytes[..cut], &format!("cut at {cut}"));
    }
}

#[test]
fn a_file_of_whole_chunks_cut_after_its_first_chunk_is_damaged() {
    // Here the cut leaves a full-size chunk at the end, so only the last-chunk flag can tell.
    let (_dir, vault) = vault();
    let meta = store(&vault, "doc", &content(2 * CHUNK_SIZE));
    let bytes = stored_bytes(&vault, "doc");
    assert_corrupted(
        &vault,
        &meta,
        &bytes[..HEADER_LEN + SEALED],
        "cut after chunk 0",
    );
}

#[test]
fn dropped_swapped_and_appended_chunks_are_damage() {
    let (_dir, vault, meta, bytes) = four_chunk_file();
    let header = &bytes[..HEADER_LEN];
    let [c0, c1, c2, c3] = [0, 1, 2, 3].map(|i| chunk(&bytes, i));
    let splice = |parts: &[&[u8]]| parts.concat();
    let cases = [
        ("dropped chunk 1", splice(&[header, c0, c2, c3])),
        ("dropped last chunk", splice(&[header, c0, c1, c2])),
        ("swapped chunks 0 and 1", splice(&[header, c1, c0, c2, c3])),
        ("last chunk moved first", splice(&[header, c3, c1, c2, c0])),
        ("chunk 0 appended", splice(&[&bytes, c0])),
        ("last chunk repeated", splice(&[&bytes, c3])),
        ("one byte appended", splice(&[&bytes, &[0]])),
        ("chunk 1 twice", splice(&[header, c0, c1, c1, c3])),
    ];
    for (what, spliced) in cases {
        assert_corrupted(&vault, &meta, &spliced, what);
    }
}

#[test]
fn chunks_from_another_write_of_the_same_id_do_not_splice_in() {
    let (_dir, vault) = vault();
    let data = content(2 * CHUNK_SIZE + 7);
    let meta = store(&vault, "doc", &data);
    let first = stored_bytes(&vault, "doc");
    store(&vault, "doc", &data);
    let second = stored_bytes(&vault, "doc");
    let mixed = [
        &first[..HEADER_LEN + SEALED],
        &second[HEADER_LEN + SEALED..],
    ]
    .concat();
    assert_corrupted(&vault, &meta, &mixed, "chunks of two writes");
}

#[test]
fn a_flipped_bit_anywhere_is_damage() {
    let (_dir, vault) = vault();
    let meta = store(&vault, "doc", &content(2 * CHUNK_SIZE + 100));
    let bytes = stored_bytes(&vault, "doc");
    proptest!(|(position in 0..bytes.len(), bit in 0u8..8)| {
        let mut flipped = bytes.clone();
        flipped[position] ^= 1 << bit;
        replace_stored(&vault, "doc", &flipped);
        let result = vault.read_to("doc", &meta.sha256, io::sink());
        prop_assert!(matches!(result, Err(FileError::Corrupted)), "{:?}", result);
    });
}

/// Arbitrary bytes, or arbitrary bytes behind a well-formed header (so the chunk reader runs).
fn arbitrary_file() -> impl Strategy<Value = Vec<u8>> {
    let raw = proptest::collection::vec(any::<u8>(), 0..200);
    let headed = (
        0u32..300,
        any::<[u8; 7]>(),
        proptest::collection::vec(any::<u8>(), 0..400),
    )
        .prop_map(|(chunk_size, prefix, rest)| {
            [&b"QPF1\x01"[..], &chunk_size.to_be_bytes(), &prefix, &rest].concat()
        });
    prop_oneof![raw, headed]
}

proptest! {
    #[test]
    fn arbitrary_bytes_as_a_vault_file_are_an_error_never_a_panic(bytes in arbitrary_file()) {
        let (_dir, vault) = vault();
        replace_stored(&vault, "doc", &bytes);
        let mut sink = Vec::new();
        let result = vault.read_to("doc", &sha(b""), &mut sink);
        prop_assert!(matches!(result, Err(FileError::Corrupted)), "{:?}", result);
        prop_assert!(sink.is_empty());
    }
}

#[test]
fn a_write_with_the_wrong_expected_hash_stores_nothing_and_keeps_the_previous_version() {
    let (dir, vault) = vault();
    let v1 = store(&vault, "doc", b"version 1");
    let claimed = sha(b"what the gateway announced");
    let data = content(CHUNK_SIZE + 5);
    match vault.write("doc", Cursor::new(&data), Some(&claimed)) {
        Err(FileError::HashMismatch { expected, actual }) => {
            assert_eq!(expected, claimed);
            assert_eq!(actual, sha(&data));
        }
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
    assert!(matches!(
        vault.write("new", Cursor::new(&data), Some(&claimed)),
        Err(FileError::HashMismatch { .. })
    ));
    assert!(!vault.contains("new"));
    assert_eq!(
        vault.read_to_vec("doc", &v1.sha256).unwrap().as_slice(),
        b"version 1"
    );
    assert_eq!(names_in(dir.path()).len(), 1, "no temporary file is left");
    // The right hash is accepted.
    let meta = vault
        .write("doc", Cursor::new(&data), Some(&sha(&data)))
        .unwrap();
    assert_eq!(meta.sha256, sha(&data));
}

#[test]
fn a_read_whose_content_is_not_the_expected_hash_is_a_mismatch() {
    let (_dir, vault) = vault();
    let actual = store(&vault, "doc", b"stored content").sha256;
    let expected = sha(b"announced content");
    match vault.read_to_vec("doc", &expected) {
        Err(FileError::HashMismatch {
            expected: e,
            actual: a,
        }) => assert_eq!((e, a), (expected, actual)),
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
}

#[test]
fn a_reader_failing_midway_stores_nothing() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("network dropped"));
            }
            let n = buf.len().min(self.0);
            buf[..n].fill(b'x');
            self.0 -= n;
            Ok(n)
        }
    }
    let (dir, vault) = vault();
    assert!(matches!(
        vault.write("doc", Failing(CHUNK_SIZE + 3), None),
        Err(FileError::Io(_))
    ));
    assert!(!vault.contains("doc"));
    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

#[test]
fn a_missing_file_is_not_found() {
    let (_dir, vault) = vault();
    assert!(matches!(
        vault.read_to_vec("never-written", &sha(b"")),
        Err(FileError::NotFound)
    ));
}

#[test]
fn opening_removes_stale_temporary_files_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let root = [9u8; 32];
    let vault = FileVault::open(dir.path(), FileRootKey::from_bytes(&root).unwrap()).unwrap();
    let meta = store(&vault, "doc", b"kept");
    drop(vault);
    fs::write(dir.path().join("0123456789abcdef.qpf.tmp"), b"half a file").unwrap();
    fs::write(dir.path().join("fedcba9876543210.qpf.tmp"), b"").unwrap();
    fs::write(dir.path().join("readme.txt"), b"not the vault's").unwrap();

    let vault = FileVault::open(dir.path(), FileRootKey::from_bytes(&root).unwrap()).unwrap();
    let names = names_in(dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"readme.txt".to_owned()));
    assert_eq!(
        vault.read_to_vec("doc", &meta.sha256).unwrap().as_slice(),
        b"kept"
    );
}

#[test]
fn remove_and_remove_all_are_idempotent_and_leave_foreign_files() {
    let (dir, vault) = vault();
    for id in ["a", "b", "c"] {
        store(&vault, id, id.as_bytes());
    }
    fs::write(dir.path().join("00ff.qpf.tmp"), b"leftover").unwrap();
    fs::write(dir.path().join("readme.txt"), b"not the vault's").unwrap();

    vault.remove("a").unwrap();
    vault.remove("a").unwrap();
    assert!(!vault.contains("a") && vault.contains("b"));

    vault.remove_all().unwrap();
    assert_eq!(names_in(dir.path()), vec!["readme.txt".to_owned()]);
    vault.remove_all().unwrap();
    assert!(matches!(
        vault.read_to_vec("b", &sha(b"b")),
        Err(FileError::NotFound)
    ));

    fs::remove_dir_all(dir.path()).unwrap();
    vault.remove_all().unwrap();
    vault.remove("c").unwrap();
}

#[test]
fn ids_with_slashes_and_dots_stay_inside_the_vault_and_the_empty_id_is_refused() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("vault");
    let vault = FileVault::open(&dir, FileRootKey::generate().unwrap()).unwrap();
    let ids = ["/", "..", "../../escape", "a/b", ".", "正文/版本 1", "x\0y"];
    for id in ids {
        let meta = store(&vault, id, id.as_bytes());
        assert_eq!(
            vault.read_to_vec(id, &meta.sha256).unwrap().as_slice(),
            id.as_bytes()
        );
        assert!(vault.contains(id));
    }
    assert_eq!(names_in(parent.path()), vec!["vault".to_owned()]);
    let names = names_in(&dir);
    assert_eq!(names.len(), ids.len());
    assert!(names.iter().all(|n| is_vault_name(n)), "{names:?}");
    assert!(names.contains(&format!("{}.qpf", sha(b"a/b"))));

    assert!(matches!(
        vault.write("", Cursor::new(b"x"), None),
        Err(FileError::InvalidId)
    ));
    assert!(matches!(
        vault.read_to_vec("", &sha(b"x")),
        Err(FileError::InvalidId)
    ));
    assert!(matches!(vault.remove(""), Err(FileError::InvalidId)));
    assert!(!vault.contains(""));
}

#[test]
fn the_root_key_is_never_printed() {
    let key = FileRootKey::from_bytes(&[0xab; 32]).unwrap();
    let printed = format!("{key:?}");
    assert!(
        !printed.contains("ab") && !printed.contains("171"),
        "{printed}"
    );
    let dir = tempfile::tempdir().unwrap();
    let vault = FileVault::open(dir.path(), key).unwrap();
    let printed = format!("{vault:?}");
    assert!(
        !printed.contains("171") && !printed.contains("0xab"),
        "{printed}"
    );
    assert!(FileRootKey::from_bytes(&[0; 31]).is_none());
    assert_ne!(
        FileRootKey::generate().unwrap().as_bytes(),
        FileRootKey::generate().unwrap().as_bytes()
    );
}

#[test]
fn every_error_message_says_what_to_do() {
    let damaged = FileError::Corrupted.to_string();
    assert!(
        damaged.contains("damaged") && damaged.contains("fetched again"),
        "{damaged}"
    );
    let mismatch = FileError::HashMismatch {
        expected: "e".into(),
        actual: "a".into(),
    }
    .to_string();
    assert!(
        mismatch.contains("expected e") && mismatch.contains("got a"),
        "{mismatch}"
    );
}
