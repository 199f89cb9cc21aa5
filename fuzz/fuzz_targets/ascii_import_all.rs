//! `ascii::import_all` on any text: never a panic; it agrees with `import` on the first diagram, the
//! diagrams it finds are in order, and each survives export → import.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlbrace_core::ascii;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ascii::import_all(text) {
        Ok(all) => {
            assert!(!all.is_empty());
            assert_eq!(ascii::import(text).as_ref(), Ok(&all[0].scenario));
            for pair in all.windows(2) {
                assert!(pair[0].last_line < pair[1].header_line, "diagrams overlap");
            }
            for d in &all {
                assert!(d.header_line <= d.last_line);
                let diagram = ascii::export(&d.scenario);
                assert_eq!(ascii::import(&diagram).as_ref(), Ok(&d.scenario), "{diagram}");
            }
        }
        Err(_) => {
            // The first diagram may read fine while a later one does not; no diagram at all is an
            // error for both.
            if ascii::import(text).is_ok() {
                assert!(text.lines().count() > 1);
            }
        }
    }
});
