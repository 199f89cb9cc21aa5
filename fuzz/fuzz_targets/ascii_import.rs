//! `ascii::import` on any text: never a panic; whatever it reads is valid, and exporting it gives a
//! diagram that reads back to the same scenario and exports to the same text (import → export →
//! import is stable).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlbrace_core::{ascii, format};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(s) = ascii::import(text) {
        assert!(s.validate().is_ok());
        let diagram = ascii::export(&s);
        let again = match ascii::import(&diagram) {
            Ok(a) => a,
            Err(e) => panic!("the export of an import does not read back: {e}\n{diagram}"),
        };
        assert_eq!(ascii::export(&again), diagram, "export is not stable");
        assert_eq!(again, s, "a diagram's scenario changed through export:\n{diagram}");
        assert_eq!(format::from_json(&format::to_json(&s)).as_ref(), Ok(&s));
    }
});
