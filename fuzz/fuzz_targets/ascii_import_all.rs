//! `ascii::import_all` on any text: never a panic; it agrees with `import` on the first diagram, the
//! diagrams it finds are in order, and each keeps the §3.3 round-trip promise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlbrace_core::formats::ascii;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(all) = ascii::import_all(text) {
        assert!(!all.is_empty());
        assert_eq!(ascii::import(text).as_ref(), Ok(&all[0].scenario));
        for pair in all.windows(2) {
            assert!(pair[0].last_line < pair[1].header_line, "diagrams overlap");
        }
        for d in &all {
            assert!(d.header_line <= d.last_line);
            tlbrace_fuzz::ascii_round_trip(&d.scenario);
        }
    }
});
