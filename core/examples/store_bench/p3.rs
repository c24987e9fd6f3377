//! P-3: cold start (unwrap the key, open the store, read the first page), each in a fresh
//! process.

use super::*;

/// P-3: runs the child `P3_RUNS` times and reports the medians.
pub(crate) fn cold_start(data_dir: &Path, vault_dir: &Path) {
    eprintln!("P-3: {P3_RUNS} cold starts, each in a fresh process …");
    let exe = std::env::current_exe().expect("this program");
    let mut runs: Vec<[f64; 5]> = Vec::new();
    for _ in 0..P3_RUNS {
        let out = Process::new(&exe)
            .arg("--cold-start")
            .arg(data_dir)
            .arg(vault_dir)
            .output()
            .expect("the child runs");
        assert!(out.status.success(), "the cold-start child failed");
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let fields: Vec<f64> = text
            .split_whitespace()
            .map(|f| f.parse().expect("a number"))
            .collect();
        runs.push(fields.try_into().expect("five timings"));
    }
    let median = |i: usize| {
        let mut v: Vec<f64> = runs.iter().map(|r| r[i]).collect();
        v.sort_by(f64::total_cmp);
        quantile(&v, 0.5)
    };
    let max = runs.iter().map(|r| r[0]).fold(0.0, f64::max);
    line(
        "store_cold_start_unlock_open_first_page",
        median(0),
        "ms",
        None,
        &[
            ("max", format!("{max:.3}")),
            ("unwrap_key_ms", format!("{:.3}", median(1))),
            ("unlock_ms", format!("{:.3}", median(2))),
            ("first_page_ms", format!("{:.3}", median(3))),
            ("vault_open_ms", format!("{:.1}", median(4))),
            ("runs", P3_RUNS.to_string()),
            (
                "note",
                json_str(
                    "median of fresh processes on the P-2 store; the OS page cache is warm \
                     (the file was just written); value = session::unlock (key unwrap, store \
                     open, file vault) + first 待办 page; unwrap_key_ms is measured alone after \
                     it in the same process; vault_open_ms is the software vault's Argon2id passphrase derivation \
                     (a hardware keystore on phones), not in the value",
                ),
            ),
        ],
    );
}

/// One cold start in this fresh process; prints `total unwrap unlock first_page vault_open` in ms.
pub(crate) fn cold_start_child(data_dir: &Path, vault_dir: &Path) {
    let start = Instant::now();
    let vault = SoftwareKeyVault::open(vault_dir, PASSPHRASE).expect("vault");
    let vault_open = ms(start.elapsed());

    // The app's cold start, first in this process: unlock (key unwrap, store open, file vault),
    // then the first page.
    let start = Instant::now();
    let unlocked = session::unlock(data_dir, &vault).expect("unlock");
    let unlock = ms(start.elapsed());
    let page = unlocked.store.list(ListKind::Todo, 50, 0).expect("list");
    let total = ms(start.elapsed());
    assert_eq!(page.len(), 50);
    drop(unlocked);

    // The unwrap alone, afterwards (so the figure above stays cold): what the platform keystore
    // does; the key is dropped, zeroized.
    let start = Instant::now();
    let file = keys::KeyFile::read(data_dir, keys::WRAPPED_KEY_FILE)
        .expect("key file")
        .expect("a key file");
    drop(file.unwrap(&vault).expect("unwrap"));
    let unwrap = ms(start.elapsed());
    println!("{total} {unwrap} {unlock} {} {vault_open}", total - unlock);
}
