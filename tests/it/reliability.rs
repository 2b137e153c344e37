//! RELIABILITY.md's tables are written by the suites that measure them: the fault-injection suite
//! and the seeded fuzz run each hand their table to [`sync_section`], which compares it with the
//! section between `<!-- BEGIN name -->` and `<!-- END name -->`. A stale section fails the test;
//! `PBI_DOCTOR_BLESS=1 cargo test` writes the new one. Digits are ignored in the comparison (a
//! drip's byte count depends on timing), the words are not.

use std::path::Path;
use std::sync::Mutex;

/// The suites run in parallel in one binary: one writer at a time.
static DOC: Mutex<()> = Mutex::new(());

fn without_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

/// Makes the section `name` of RELIABILITY.md hold `body`, or fails when it differs.
pub fn sync_section(name: &str, body: &str) {
    sync_section_in("RELIABILITY.md", name, body);
}

/// [`sync_section`] for another document of the repository.
pub fn sync_section_in(file: &str, name: &str, body: &str) {
    let _guard = DOC.lock().unwrap_or_else(|p| p.into_inner());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let begin = format!("<!-- BEGIN {name} -->\n");
    let end = format!("<!-- END {name} -->");
    let start = doc
        .find(&begin)
        .unwrap_or_else(|| panic!("{file} has no {begin:?} marker"))
        + begin.len();
    let stop = doc[start..]
        .find(&end)
        .unwrap_or_else(|| panic!("{file} has no {end:?} marker"))
        + start;
    let current = &doc[start..stop];
    if current == body {
        return;
    }
    if std::env::var_os("PBI_DOCTOR_BLESS").is_some() {
        let updated = format!("{}{body}{}", &doc[..start], &doc[stop..]);
        std::fs::write(&path, updated).unwrap_or_else(|e| panic!("{file}: {e}"));
        return;
    }
    if without_digits(current) == without_digits(body) {
        return;
    }
    panic!(
        "{file}'s {name} table is stale; regenerate it with `PBI_DOCTOR_BLESS=1 cargo test`.\n\
         --- in the file ---\n{current}\n--- from this run ---\n{body}"
    );
}

/// A Markdown table from tab-separated rows, the first being the header. Cell text is escaped
/// for Markdown (`|`).
pub fn markdown_table(tsv: &str) -> String {
    let mut out = String::new();
    for (i, line) in tsv.lines().enumerate() {
        let cells: Vec<String> = line.split('\t').map(|c| c.replace('|', "\\|")).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
        if i == 0 {
            out.push_str(&format!("|{}\n", "---|".repeat(cells.len())));
        }
    }
    out
}
