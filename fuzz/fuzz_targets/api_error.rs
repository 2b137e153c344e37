//! A Power BI or Fabric API answer: body, error-code headers, the WWW-Authenticate challenge.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pbi_doctor::api_error::{self, BodyKind};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first line doubles as a header value, the rest as the body.
    let (header, body) = text.split_once('\n').unwrap_or(("", &text));
    let _ = BodyKind::of(body);
    let _ = api_error::parse_body(body);
    let _ = api_error::parse(body, |_| Some(header.to_owned()));
    let _ = api_error::challenge_error(header);
});
