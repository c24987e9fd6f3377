//! Writes the seed inputs of every target under `fuzz/corpus/<target>/seed-<name>`; existing
//! files are left alone, so run it once when a target or a wire type is added.

use std::path::Path;

fn main() -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, name, bytes) in qianpi_fuzz::seeds::all()? {
        let folder = root.join(target.name());
        std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
        let file = folder.join(format!("seed-{name}"));
        if !file.exists() {
            std::fs::write(&file, bytes).map_err(|e| e.to_string())?;
            println!("{}", file.display());
        }
    }
    Ok(())
}
