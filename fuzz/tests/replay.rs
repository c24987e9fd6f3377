//! Replays every corpus file of every fuzz target on the stable toolchain (security.md C-1):
//! each input must get a typed answer (accepted or refused), never a panic or a broken
//! invariant. The corpora grow under `cargo fuzz` (see `fuzz/cargo-fuzz`); this test keeps every
//! input they ever found interesting in the README's test command.

use qianpi_fuzz::{Outcome, Target};
use std::path::{Path, PathBuf};

fn corpus(target: Target) -> std::io::Result<Vec<PathBuf>> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target.name());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[test]
fn every_corpus_file_gets_a_typed_answer() {
    let mut failures = Vec::new();
    for target in Target::ALL {
        let files = corpus(target).unwrap();
        assert!(!files.is_empty(), "{} has no corpus", target.name());
        let mut accepted = 0;
        for file in &files {
            let data = std::fs::read(file).unwrap();
            let outcome = std::panic::catch_unwind(|| target.run(&data));
            match outcome {
                Ok(Outcome::Accepted) => accepted += 1,
                Ok(Outcome::Refused(_)) => {}
                Ok(Outcome::Broken(why)) => failures.push(format!("{}: {why}", file.display())),
                Err(_) => failures.push(format!("{}: panicked", file.display())),
            }
        }
        // The seeds are well formed: a target that accepts nothing is testing nothing.
        assert!(
            accepted > 0,
            "{} accepted none of its corpus",
            target.name()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_seeds_are_accepted_by_their_targets() {
    for (target, name, bytes) in qianpi_fuzz::seeds::all().unwrap() {
        assert_eq!(
            target.run(&bytes),
            Outcome::Accepted,
            "{}/{name}",
            target.name()
        );
    }
}
