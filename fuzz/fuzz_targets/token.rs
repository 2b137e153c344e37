//! The token reader: peeling what people paste around a token, then decoding it and profiling
//! its claims.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pbi_doctor::cloud::Cloud;
use pbi_doctor::{jwt, token_input, token_profile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let input = token_input::normalize(&text);
    if let Ok(token) = jwt::decode(&input.token) {
        let _ = token_profile::profile(&token.claims, Cloud::Public, 1_763_630_000);
    }
    let _ = jwt::decode(&text);
});
