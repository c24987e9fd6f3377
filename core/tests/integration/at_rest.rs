//! S-1 — what a person reads and writes on the phone never reaches the disk or the logs in
//! plaintext: someone who copies the app's folder, the temp folder or the logs off a lost phone
//! finds no document title, no 正文 text, no opinion, no notice, no name and no token.
//!
//! How: two markers unique to this run (one ASCII, one Chinese, each with a random suffix, so no
//! other file on the machine can hold them by chance) go through the public API into every kind
//! of thing the phone keeps: the title and body fields of 300 pulled documents (enough that pages
//! overflow and the write-ahead log holds data), the opinion of a queued approval, a 暂存 draft,
//! a 通知公告, the account's names and access token, an encrypted file, the person's 常用意见
//! and a handwriting image kept for an opinion; the search index is
//! built from the documents and the notice. Reading them back and finding them through the
//! search proves they are stored and indexed. Then, with the store still open (so `-wal` and `-shm`
//! exist and hold data), every byte of the data folder (database, `-wal`, `-shm`, `-journal`,
//! the file vault), of the key vault beside it, of the captured TRACE-level logs and of every
//! file the system temp folder got during the test is searched for the markers in UTF-8 and
//! UTF-16LE, and for the search index's own tokens of the markers (the bigrams touching the
//! Chinese marker's random part, alone and in a row, and the ASCII marker's random word) in
//! UTF-8; the database must not start with SQLite's plaintext header. The data folder is
//! searched again after the store is closed. The scanner first proves it finds the markers in
//! a file written in plaintext on purpose, so a blind scanner cannot pass the test.

// Test code: a failed expectation panics with its reason (clippy allows this inside `#[test]`
// functions only; the helpers here are test code too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use qianpi_core::crypto::sha256_hex;
use qianpi_core::keys::{DeviceSigner as _, APPROVAL_KEY_ALIAS};
use qianpi_core::model::{Identity, Notice, NoticeScope, Opinion, OpinionFile, SecrecyLevel};
use qianpi_core::protocol::InboxEntry;
use qianpi_core::session::{self, Unlocked, DATABASE_FILE};
use qianpi_core::software::SoftwareKeyVault;
use qianpi_core::store::{ListKind, SearchKind, SearchQuery};
use std::fs;
use std::time::SystemTime;

use crate::support;
use support::{
    account, approved, document, entry_for, page, seconds, signed_approval, t0, PASSPHRASE,
};

mod scan;

use scan::{Findings, LogBuffer, Markers};

const ENTRIES: usize = 300;
const PAGE: usize = 50;
const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";
/// An unclassified document whose title and body fields carry the markers; its 附注 is long
/// enough to spill over a database page.
fn marked_entry(i: usize, markers: &Markers) -> InboxEntry {
    let id = format!("doc-{i:04}");
    let mut document = document(&id, &markers.text(&format!("关于春耕备耕的通知（{i}）")));
    document.from_organ = Some(markers.text("来文单位"));
    document.body.main_recipients = vec![markers.text("主送"), "各市农业农村局".into()];
    document.body.signature_organs = vec![markers.text("署名")];
    document.body.note = Some(markers.text("附注：").repeat(120));
    entry_for(document, seconds(i64::try_from(i).unwrap()))
}

fn marked_notice(markers: &Markers, at: DateTime<Utc>) -> Notice {
    Notice {
        id: "notice-1".into(),
        title: markers.text("关于召开春耕工作会议的通知"),
        body: markers.text("请各单位负责同志准时参加。").repeat(50),
        attachments: Vec::new(),
        publisher: Identity {
            user_id: "office".into(),
            name: markers.text("办公室"),
            post: "主任".into(),
            unit_id: "unit".into(),
        },
        published_at: at,
        scope: NoticeScope {
            people: vec![support::ME.into()],
            ..NoticeScope::default()
        },
        receipt_required: false,
        receipt_form: None,
        receipt_deadline: None,
    }
}

#[test]
fn the_scanner_finds_markers_written_in_plaintext() {
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let markers = Markers::fresh();
    let mut noise = vec![b'x'; 100_000];
    noise.extend_from_slice(markers.text("plain ").as_bytes());
    fs::write(scratch.path().join("utf8.txt"), &noise).unwrap();
    let utf16: Vec<u8> = markers
        .chinese
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    fs::create_dir(scratch.path().join("nested")).unwrap();
    fs::write(scratch.path().join("nested/utf16.bin"), utf16).unwrap();
    // The search index's tokens of the marked text, as the index would spell them.
    let tokens = format!(
        "{} {}",
        qianpi_core::store::index_tokens_of(&markers.chinese),
        qianpi_core::store::index_tokens_of(&markers.ascii)
    );
    fs::write(scratch.path().join("tokens.bin"), tokens).unwrap();

    let mut findings = Findings::default();
    let read = findings.check_tree(scratch.path(), &markers, None, &[]);
    assert_eq!(read, 3);
    let of_markers = |f: &Findings| f.0.iter().filter(|f| f.contains(" marker (")).count();
    assert_eq!(of_markers(&findings), 3, "{:?}", findings.0);
    for token in &markers.tokens {
        assert!(
            findings.0.iter().any(|f| f
                == &format!(
                    "search index token {token:?} (UTF-8) in {}",
                    scratch.path().join("tokens.bin").display()
                )),
            "{token} not found: {:?}",
            findings.0
        );
    }
    assert!(findings
        .0
        .iter()
        .any(|f| f.starts_with("ASCII marker (UTF-8)")));
    assert!(findings
        .0
        .iter()
        .any(|f| f.starts_with("Chinese marker (UTF-8)")));
    assert!(findings
        .0
        .iter()
        .any(|f| f.starts_with("Chinese marker (UTF-16LE)")));

    // The temp-folder scan reads the files changed since the test began, and only those.
    let an_hour = std::time::Duration::from_secs(3600);
    let mut recent = Findings::default();
    let since = SystemTime::now() - an_hour;
    assert_eq!(
        recent.check_tree(scratch.path(), &markers, Some(since), &[]),
        3
    );
    assert_eq!(recent.0, findings.0);
    let mut later = Findings::default();
    let future = SystemTime::now() + an_hour;
    assert_eq!(
        later.check_tree(scratch.path(), &markers, Some(future), &[]),
        0
    );
    // And a skipped folder is skipped.
    let mut skipping = Findings::default();
    let nested = scratch.path().join("nested");
    assert_eq!(
        skipping.check_tree(scratch.path(), &markers, None, &[&nested]),
        2
    );
}

/// Set in the child process that runs the scan: the folder holding its data and its temp folder.
const CHILD_ROOT: &str = "QIANPI_AT_REST_ROOT";

/// The scan runs in a child process of its own with `TMPDIR` pointing at a fresh folder beside
/// the data folder: everything the process writes to its temp folder (SQLCipher's temp files
/// included) lands there and is searched whole, wherever the repository was cloned (under `/tmp`
/// too, where the system temp folder would otherwise contain the data folder).
#[test]
fn markers_put_through_the_api_appear_nowhere_in_plaintext() {
    if let Some(root) = std::env::var_os(CHILD_ROOT) {
        scan_everything_under(std::path::Path::new(&root));
        return;
    }
    let root = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let own_temp = root.path().join("tmp");
    fs::create_dir(&own_temp).unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "at_rest::markers_put_through_the_api_appear_nowhere_in_plaintext",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ROOT, root.path())
        .env("TMPDIR", &own_temp)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stderr);
    eprintln!("{report}");
    assert!(
        output.status.success(),
        "the scan failed:\n{}\n{report}",
        String::from_utf8_lossy(&output.stdout)
    );
    // The child really ran the scan (a test harness that filtered it out would also succeed).
    assert!(
        report.contains("no marker"),
        "the scan did not run:\n{report}"
    );
}

fn scan_everything_under(root: &std::path::Path) {
    // Slack for file systems whose timestamps are coarser than the clock.
    let started = SystemTime::now() - std::time::Duration::from_secs(2);
    let markers = Markers::fresh();
    let data = root.join("data");
    let vault_dir = root.join("vault");
    let temp_dir = std::env::temp_dir();
    assert_eq!(
        temp_dir,
        root.join("tmp"),
        "the scan must run with its own temp folder"
    );

    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);

    let vault = SoftwareKeyVault::open(&vault_dir, PASSPHRASE).unwrap();
    let Unlocked { mut store, files } = session::unlock(&data, &vault).unwrap();

    // The account: the user's name, the unit's name, the access token.
    let mut me = account();
    me.identity.name = markers.text("王");
    me.unit_name = markers.text("山西省农业厅办公室");
    me.access_token = format!("token-{}", markers.ascii);
    store.save_account(&me, 0).unwrap();

    // 300 pulled documents, in pages, and one classified document the secrecy gate refuses.
    let entries: Vec<InboxEntry> = (0..ENTRIES).map(|i| marked_entry(i, &markers)).collect();
    for (n, chunk) in entries.chunks(PAGE).enumerate() {
        store
            .apply_page_at(&page(chunk, &format!("cursor-{n}")), t0())
            .unwrap();
    }
    let mut classified = marked_entry(ENTRIES, &markers);
    classified.document.secrecy = SecrecyLevel::Secret;
    store
        .apply_page_at(&page(&[classified], "cursor-last"), t0())
        .unwrap();

    // A queued approval with its opinion, and a 暂存 draft on another task.
    let opinion = markers.text("同意。请办公室按程序办理，");
    let local = approved(&entries[0], &opinion, t0());
    vault.create_key(APPROVAL_KEY_ALIAS.to_owned()).unwrap();
    let queued = signed_approval(&vault, &entries[0], &opinion, 1, "", t0());
    store.enqueue(&queued, &local).unwrap();
    let draft = Opinion::agree(&markers.text("拟同意，"));
    store.save_draft(&entries[1].task_id, &draft, t0()).unwrap();

    // A notice, and an encrypted 正文 file.
    store
        .save_notice(&marked_notice(&markers, t0()), None, t0())
        .unwrap();
    let body = markers.text("正文第一段。").repeat(2_000);
    let meta = files.write("doc-0000-v1", body.as_bytes(), None).unwrap();
    // 常用意见 edited here, and a handwriting image kept for an opinion (its bytes carry the
    // markers, as a signature pad's text layer might).
    let phrase = markers.text("请办公室阅处，");
    store
        .edit_own_phrases(std::slice::from_ref(&phrase), t0())
        .unwrap();
    let handwriting = markers.text("手写签批").repeat(100);
    let kept = files
        .write(
            &sha256_hex(handwriting.as_bytes()),
            handwriting.as_bytes(),
            None,
        )
        .unwrap();
    store
        .add_opinion_file(
            &OpinionFile {
                sha256: kept.sha256.clone(),
                media_type: "image/png".into(),
                size: kept.size,
                duration_ms: None,
            },
            t0(),
        )
        .unwrap();

    // Everything is there, readable through the API.
    let (stored, _) = store.account().unwrap().unwrap();
    assert_eq!(stored, me);
    let todo = store.list(ListKind::Todo, 1000, 0).unwrap();
    assert_eq!(todo.len(), ENTRIES - 1, "one task was acted on");
    assert!(todo
        .iter()
        .all(|item| item.title.contains(&markers.chinese)));
    let row = store.inbox_row(&entries[0].task_id).unwrap().unwrap();
    assert_eq!(row.entry.document, entries[0].document);
    assert_eq!(row.local_instance, Some(local));
    assert_eq!(store.outbox().unwrap(), [queued]);
    assert_eq!(store.draft(&entries[1].task_id).unwrap(), Some(draft));
    let notices = store.notices(10, 0).unwrap();
    assert!(notices[0].notice.title.contains(&markers.ascii));
    assert_eq!(
        files
            .read_to_vec("doc-0000-v1", &meta.sha256)
            .unwrap()
            .as_slice(),
        body.as_bytes()
    );
    assert!(store.inbox_row("no-such-task").unwrap().is_none());
    assert_eq!(store.phrase_copy().unwrap().unwrap().own, [phrase]);
    assert_eq!(
        files
            .read_to_vec(&kept.sha256, &kept.sha256)
            .unwrap()
            .as_slice(),
        handwriting.as_bytes()
    );
    // The search index holds the marked words: every document and the notice are found by them.
    for marker in [&markers.chinese, &markers.ascii] {
        let found = store
            .search(&SearchQuery::parse(marker).unwrap(), 1000)
            .unwrap();
        let tasks = found.iter().filter(|h| h.kind == SearchKind::Task).count();
        let notices = found
            .iter()
            .filter(|h| h.kind == SearchKind::Notice)
            .count();
        assert_eq!((tasks, notices), (ENTRIES, 1), "searching {marker}");
    }

    // While the store is open: its journal files exist and hold data.
    let database = data.join(DATABASE_FILE);
    let wal = data.join(format!("{DATABASE_FILE}-wal"));
    let shm = data.join(format!("{DATABASE_FILE}-shm"));
    assert!(fs::metadata(&wal).unwrap().len() > 0, "the -wal is empty");
    assert!(fs::metadata(&shm).unwrap().len() > 0, "the -shm is empty");
    assert!(
        fs::metadata(&database).unwrap().len() > 1024 * 1024,
        "the store is too small to be a fair test"
    );
    let header = fs::read(&database).unwrap();
    assert_ne!(
        &header[..SQLITE_HEADER.len()],
        SQLITE_HEADER,
        "the database is plaintext"
    );

    let mut findings = Findings::default();
    let mut read = 0;
    for file in [
        &database,
        &wal,
        &shm,
        &data.join(format!("{DATABASE_FILE}-journal")),
    ] {
        if let Ok(bytes) = fs::read(file) {
            read += 1;
            findings.check_bytes(&file.display().to_string(), &bytes, &markers);
        }
    }
    assert!(read >= 3, "the database, -wal and -shm were not all read");
    let in_data = findings.check_tree(&data, &markers, None, &[]);
    assert!(in_data >= 5, "only {in_data} files in the data folder");
    findings.check_tree(&vault_dir, &markers, None, &[]);
    let in_temp = findings.check_tree(&temp_dir, &markers, Some(started), &[]);

    // The logs, at TRACE: the secrecy gate's warning was captured, and it names no marker.
    drop(guard);
    let captured = logs.0.lock().unwrap().clone();
    assert!(
        String::from_utf8_lossy(&captured).contains("refused to store a classified document"),
        "the log capture saw nothing"
    );
    findings.check_bytes("the captured logs", &captured, &markers);
    assert!(
        findings.0.is_empty(),
        "markers found in plaintext while the store was open:\n{}",
        findings.0.join("\n")
    );

    // Closed: the write-ahead log is folded into the file; still nothing readable.
    drop(files);
    drop(store);
    let mut after_close = Findings::default();
    let in_data_after = after_close.check_tree(&data, &markers, None, &[]);
    after_close.check_tree(&vault_dir, &markers, None, &[]);
    let header = fs::read(&database).unwrap();
    assert_ne!(&header[..SQLITE_HEADER.len()], SQLITE_HEADER);
    assert!(
        after_close.0.is_empty(),
        "markers found in plaintext after the store closed:\n{}",
        after_close.0.join("\n")
    );
    eprintln!(
        "searched {in_data} files in the data folder while open, {in_data_after} after closing, \
         {in_temp} new files in {}, {} bytes of logs: no marker",
        temp_dir.display(),
        captured.len()
    );
}
