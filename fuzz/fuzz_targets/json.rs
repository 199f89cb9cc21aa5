//! `json::from_json` on any text: never a panic; whatever it accepts is valid and survives JSON
//! (pretty and compact) and a share link unchanged, and renders as SVG.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlbrace_core::{formats::json, formats::share, formats::svg, Arch};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(s) = json::from_json(text) {
        assert!(s.validate().is_ok());
        assert_eq!(json::from_json(&json::to_json(&s)).as_ref(), Ok(&s));
        assert_eq!(
            json::from_json(&json::to_json_compact(&s)).as_ref(),
            Ok(&s)
        );
        assert_eq!(share::decode(&share::encode(&s)).as_ref(), Ok(&s));
        let _ = svg::export(&s, Arch::X86);
    }
});
