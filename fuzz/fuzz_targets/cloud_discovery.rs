//! The OpenID configuration answer that tells which cloud a tenant lives in.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pbi_doctor::cloud_discovery;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(discovery) = cloud_discovery::parse(&text) {
        let _ = discovery.signals();
    }
});
