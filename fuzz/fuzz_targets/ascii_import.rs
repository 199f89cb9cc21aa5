//! The diagram importer on any text up to its cap (`ascii::MAX_INPUT_BYTES`; run with
//! `-max_len=1048576`): never a panic. Leniently: every line from the header to the last line is
//! accounted for (`Import::uses`), every index points at a step, resolving every unmapped line
//! (to its first suggestion, or to a remark) keeps the indexes right, and strict `import` agrees
//! with the lenient reading. Whatever `import` reads is valid, survives JSON, and export → import
//! keeps what docs/scenario-format.md §3.3 promises.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlbrace_core::formats::ascii::{self, Use};
use tlbrace_core::formats::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let strict = ascii::import(text);
    if let Ok(mut d) = ascii::import_lenient(text) {
        assert!(d.header_line <= d.last_line);
        let lines: Vec<&str> = text.split('\n').collect();
        for no in d.header_line..=d.last_line {
            let line = lines[no - 1].trim_start_matches(['>', ' ']).trim();
            if !line.is_empty() {
                assert!(d.uses.iter().any(|u| u.line == no), "line {no} unaccounted");
            }
        }
        let n = d.scenario.steps.len();
        for u in &d.uses {
            match u.what {
                Use::Step(s) | Use::Part(s) | Use::Note(s) => assert!(s < n),
                Use::Unmapped(j) | Use::UnmappedNote(j) => assert!(j < d.unmapped.len()),
                _ => {}
            }
        }
        for u in &d.unmapped {
            assert!(u.at <= n);
            assert!(u.cpu < d.scenario.cpus);
        }
        match (&strict, d.is_resolved()) {
            (Ok(s), true) => assert_eq!(s, &d.scenario),
            (Ok(_), false) => panic!("strict import passed over unmapped lines"),
            _ => {}
        }
        for k in (0..d.unmapped.len()).rev() {
            let pick = if k % 2 == 0 {
                d.unmapped[k].suggestions.first().copied()
            } else {
                None
            };
            if d.resolve(k, pick).is_err() {
                break;
            }
        }
        let n = d.scenario.steps.len();
        for u in &d.uses {
            if let Use::Step(s) | Use::Part(s) | Use::Note(s) = u.what {
                assert!(s < n);
            }
        }
        let _ = d.finish();
    }
    if let Ok(s) = strict {
        assert!(s.validate().is_ok());
        assert!(!s.steps.is_empty());
        assert_eq!(json::from_json(&json::to_json(&s)).as_ref(), Ok(&s));
        tlbrace_fuzz::ascii_round_trip(&s);
    }
});
