//! `ascii::import` on any text: never a panic; whatever it reads is valid, survives JSON, and
//! export → import keeps what docs/scenario-format.md §3.3 promises (exactly, for representable texts)
//! and is stable from the first round on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlbrace_core::{formats::ascii, formats::json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(s) = ascii::import(text) {
        assert!(s.validate().is_ok());
        assert_eq!(json::from_json(&json::to_json(&s)).as_ref(), Ok(&s));
        tlbrace_fuzz::ascii_round_trip(&s);
    }
});
