//! Embeds the cause catalogue (`checks/*.toml`) and the shipped scenario sessions
//! (`fixtures/*/session.json`) in the binary, so `pbi-doctor` needs no files at run time.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn sorted_entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = String::from(
        "/// Cause files: (file stem, contents).\npub static CAUSE_FILES: &[(&str, &str)] = &[\n",
    );
    println!("cargo:rerun-if-changed=checks");
    for path in sorted_entries(&root.join("checks")) {
        if path.extension().is_some_and(|e| e == "toml") {
            let stem = path.file_stem().unwrap().to_string_lossy();
            println!("cargo:rerun-if-changed={}", path.display());
            writeln!(
                out,
                "    ({stem:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
    }
    assert!(
        out.contains("include_str!"),
        "checks/ holds no cause files: the catalogue would be empty"
    );
    out.push_str("];\n/// Shipped scenario sessions: (folder name, session JSON).\npub static SCENARIOS: &[(&str, &str)] = &[\n");
    println!("cargo:rerun-if-changed=fixtures");
    for dir in sorted_entries(&root.join("fixtures")) {
        let session = dir.join("session.json");
        if session.is_file() {
            let name = dir.file_name().unwrap().to_string_lossy();
            println!("cargo:rerun-if-changed={}", dir.display());
            println!("cargo:rerun-if-changed={}", session.display());
            writeln!(
                out,
                "    ({name:?}, include_str!({:?})),",
                session.display().to_string()
            )
            .unwrap();
        }
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("embedded.rs"),
        out,
    )
    .unwrap();
}
