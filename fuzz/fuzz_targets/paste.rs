//! The paste reader: `explain`'s extraction of a pasted error and its explanation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pbi_doctor::catalogue::Catalogue;
use pbi_doctor::explain::{explain, extract::extract};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let extracted = extract(&text);
    let catalogue = Catalogue::embedded().expect("the embedded catalogue");
    let _ = explain(&extracted, None, catalogue);
});
