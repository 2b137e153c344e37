//! Embeds the cause catalogue (`checks/*.toml`), the message index (`checks/messages.toml`) and
//! the shipped scenario sessions (`fixtures/*/session.json`) in the binary, so `pbi-doctor` needs
//! no files at run time.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

/// The message index's file in `checks/`: data beside the causes, not a cause.
const MESSAGES: &str = "messages.toml";

fn sorted_entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

fn main() {
    // Read when the script runs, not when it was compiled: a target folder shared between two
    // checkouts would otherwise embed the other checkout's files (or find none).
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir);
    let mut out = String::from(
        "/// Cause files: (file stem, contents).\npub(crate) static CAUSE_FILES: &[(&str, &str)] = &[\n",
    );
    println!("cargo:rerun-if-changed=checks");
    for path in sorted_entries(&root.join("checks")) {
        if path.extension().is_some_and(|e| e == "toml") && !path.ends_with(MESSAGES) {
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
    let messages = root.join("checks").join(MESSAGES);
    assert!(messages.is_file(), "checks/{MESSAGES} is missing");
    writeln!(
        out,
        "];\n/// The message index (`checks/{MESSAGES}`).\npub(crate) static MESSAGES: &str = include_str!({:?});",
        messages.display().to_string()
    )
    .unwrap();
    out.push_str("/// Shipped scenario sessions: (folder name, session JSON).\npub static SCENARIOS: &[(&str, &str)] = &[\n");
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
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    fs::write(Path::new(&out_dir).join("embedded.rs"), out).unwrap();
    fs::write(
        Path::new(&out_dir).join("fixture_tests.rs"),
        fixture_tests(root),
    )
    .unwrap();
}

/// One integration test per fixture folder, so each scenario runs, fails and is reported alone.
fn fixture_tests(root: &Path) -> String {
    let mut out = String::new();
    for dir in sorted_entries(&root.join("fixtures")) {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let ident = name.replace(['-', '.'], "_");
        if dir.join("session.json").is_file() {
            writeln!(
                out,
                "#[tokio::test]\nasync fn scenario_{ident}() {{\n    session_scenario({name:?}).await;\n}}"
            )
            .unwrap();
        } else if dir.join("paste.txt").is_file() {
            println!("cargo:rerun-if-changed={}", dir.display());
            writeln!(
                out,
                "#[test]\nfn paste_{ident}() {{\n    paste_scenario({name:?});\n}}"
            )
            .unwrap();
        }
    }
    out
}
