//! `share::decode` on any text: never a panic, and whatever opens re-encodes to a link that opens to
//! the same scenario.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlbrace_core::formats::share;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = share::looks_like_link(text);
    if let Ok(s) = share::decode(text) {
        let again = share::decode(&share::encode(&s));
        assert_eq!(again.as_ref(), Ok(&s), "re-encoded link opens differently");
    }
});
