//! P-3: cold start (unwrap the key, open the store, read the first page), each in a fresh
//! process.

use super::*;
use qianpi_core::files::FileVault;

/// P-3: runs the child `P3_RUNS` times for each of its two ways and reports the medians.
pub(crate) fn cold_start(data_dir: &Path, vault_dir: &Path) {
    eprintln!("P-3: {P3_RUNS} cold starts of each way, each in a fresh process …");
    let exe = std::env::current_exe().expect("this program");
    let run = |way: &str| -> Vec<f64> {
        let out = Process::new(&exe)
            .arg("--cold-start")
            .arg(data_dir)
            .arg(vault_dir)
            .arg(way)
            .output()
            .expect("the child runs");
        assert!(out.status.success(), "the cold-start child failed");
        String::from_utf8(out.stdout)
            .expect("UTF-8")
            .split_whitespace()
            .map(|f| f.parse().expect("a number"))
            .collect()
    };
    // Alternated, so that both ways see the same machine.
    let (mut parts, mut whole) = (Vec::new(), Vec::new());
    for _ in 0..P3_RUNS {
        let p: [f64; 5] = run("parts").try_into().expect("five timings");
        parts.push(p);
        let w: [f64; 2] = run("unlock").try_into().expect("two timings");
        whole.push(w);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        quantile(&v, 0.5)
    };
    let part = |i: usize| median(parts.iter().map(|r| r[i]).collect());
    let max = parts.iter().map(|r| r[0]).fold(0.0, f64::max);
    line(
        "store_cold_start_unwrap_open_first_page",
        part(0),
        "ms",
        None,
        &[
            ("max", format!("{max:.3}")),
            ("unwrap_key_ms", format!("{:.3}", part(1))),
            ("open_ms", format!("{:.3}", part(2))),
            ("first_page_ms", format!("{:.3}", part(3))),
            (
                "session_unlock_and_first_page_ms",
                format!("{:.3}", median(whole.iter().map(|r| r[0]).collect())),
            ),
            (
                "session_unlock_ms",
                format!("{:.3}", median(whole.iter().map(|r| r[1]).collect())),
            ),
            ("vault_open_ms", format!("{:.1}", part(4))),
            ("runs", P3_RUNS.to_string()),
            ("target_ms", "100".to_owned()),
            (
                "note",
                json_str(
                    "median of fresh processes on the P-2 store, the OS file cache warm (the file \
                     was just written); value = unwrap (the wrapped data key read and unwrapped \
                     through the key vault, as a phone's keystore unwraps it) + open (the store \
                     with that key, its file vault) + the first 待办 page, in that order, each \
                     first in its process; session_unlock_* is the same start through \
                     session::unlock as the app calls it, in other fresh processes alternated \
                     with these; vault_open_ms is the software vault's Argon2id passphrase \
                     derivation (a hardware keystore on phones needs none), not in the value",
                ),
            ),
        ],
    );
}

/// One cold start in this fresh process. `parts`: the steps of `session::unlock` one by one,
/// printing `total unwrap open first_page vault_open` in ms; `unlock`: `session::unlock` itself,
/// printing `total unlock`.
pub(crate) fn cold_start_child(data_dir: &Path, vault_dir: &Path, way: &str) {
    let start = Instant::now();
    let vault = SoftwareKeyVault::open(vault_dir, PASSPHRASE).expect("vault");
    let vault_open = ms(start.elapsed());

    if way == "unlock" {
        let start = Instant::now();
        let unlocked = session::unlock(data_dir, &vault).expect("unlock");
        let unlock = ms(start.elapsed());
        let page = unlocked.store.list(ListKind::Todo, 50, 0).expect("list");
        let total = ms(start.elapsed());
        assert_eq!(page.len(), 50);
        println!("{total} {unlock}");
        return;
    }

    // What the keystore does: the wrapped data key unwrapped.
    let start = Instant::now();
    let file = keys::KeyFile::read(data_dir, keys::WRAPPED_KEY_FILE)
        .expect("key file")
        .expect("a key file");
    let key = file.unwrap(&vault).expect("unwrap");
    let unwrap = ms(start.elapsed());

    // The store and its file vault, as `session::unlock` opens them.
    let start = Instant::now();
    let mut store = Store::open(&data_dir.join(session::DATABASE_FILE), &key).expect("open");
    drop(key);
    let root = store.file_root_key().expect("file root key");
    let files = FileVault::open(&data_dir.join(session::FILES_DIR), root).expect("file vault");
    let open = ms(start.elapsed());

    let start = Instant::now();
    let page = store.list(ListKind::Todo, 50, 0).expect("list");
    let first_page = ms(start.elapsed());
    assert_eq!(page.len(), 50);
    drop((files, store));
    println!(
        "{} {unwrap} {open} {first_page} {vault_open}",
        unwrap + open + first_page
    );
}
