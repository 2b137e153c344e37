//! The token endpoint's error answer, and AADSTS codes in free text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pbi_doctor::entra_error;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = entra_error::parse(&text);
    let _ = entra_error::aadsts_codes_in(&text);
});
