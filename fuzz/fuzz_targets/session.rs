//! The session reader: what `replay FILE` parses before it runs anything.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pbi_doctor::session::Session;
use pbi_doctor::settings::Settings;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(session) = Session::parse(&text, "fuzz") {
        let _ = session.recorded_instant();
        let _ = Settings::from_session(&session.settings, "fuzz");
    }
});
