//! Which fix closes a race (search/fix.rs): the answers for the seed's diagrams, derived from
//! docs/model.md, and on random scenarios the two properties every answer must have: each reported set
//! is safe in every interleaving, and minimal.

use std::ops::ControlFlow;

use proptest::prelude::*;
use tlbrace_core::examples::example;
use tlbrace_core::search::explore::{explore, Finding, Options, Outcome};
use tlbrace_core::search::fix::{find_fixes, Change, FixOptions, FixReport};
use tlbrace_core::{Fix, Preset, Scenario, Variant};

mod common;
use common::small_scenario;

fn fixes(s: &Scenario, base: &Variant) -> FixReport {
    find_fixes(s, base, &FixOptions::default(), |_| {
        ControlFlow::Continue(())
    })
    .unwrap()
}

fn names(changes: &[Change]) -> Vec<(&'static str, bool)> {
    changes.iter().map(|c| (c.fix.name(), c.on)).collect()
}

fn safe(s: &Scenario, v: &Variant) -> bool {
    let r = explore(s, v, &Options::default(), |_| ControlFlow::Continue(())).unwrap();
    r.outcome == Outcome::Complete && r.finding() == Finding::Safe
}

#[test]
fn example_1_from_v5_10_rc4_needs_the_pending_check_and_a_flush_after_clear_refs() {
    // docs/model.md §3.10: page_mkclean_one skips a clean read-only PTE without a flush while CPU0
    // still writes through its stale entry, so every closing set changes that skip (Yu Zhao's
    // pending check, or never skipping). §4 and §6: clear_refs' fullmm gather records nothing and
    // x86 elides its flush, so a write after clear_refs returns misses soft-dirty; a closing set also
    // makes clear_refs flush (912efa17e512, Will's 4/6 recording, the pre-v5.6 finish, or the
    // pre-b3a81d0841a9 flush_tlb_mm). Will's patch 4 alone (recording) closes nothing.
    let s = example("example-1").unwrap();
    let r = fixes(&s, &Preset::V5_10Rc4.variant());
    assert!(r.base_unsafe);
    assert_eq!(r.outcome, Outcome::Complete);
    assert!(!r.closing.is_empty());
    for c in &r.closing {
        assert!(
            c.changes
                .iter()
                .any(|x| x.on && matches!(x.fix, Fix::YuMkcleanPending | Fix::MkcleanNeverSkips)),
            "{:?}",
            names(&c.changes)
        );
        assert_eq!(c.changes.len(), 2, "{:?}", names(&c.changes));
    }
    let thread = r
        .closing
        .iter()
        .find(|c| names(&c.changes) == [("clear-refs-flush", true), ("yu-mkclean-pending", true)])
        .expect("Yu Zhao's check with the final flush");
    assert!(thread.presets.contains(&Preset::YuFixFlush));
    assert!(!r
        .closing
        .iter()
        .any(|c| names(&c.changes) == [("will-records", true)]));
    // Yu Zhao's check alone holds the drawn timeline but leaves the soft-dirty miss: tempting.
    let alone = r
        .tempting
        .iter()
        .find(|t| names(&t.changes) == [("yu-mkclean-pending", true)])
        .expect("the check alone is tempting");
    assert_eq!(alone.counterexample.verdict.label(), "soft-dirty-miss");
}

#[test]
fn example_2a_needs_only_the_pending_check() {
    // Example 2a has no clear_refs gather, so nothing promises soft-dirty: the only race is
    // page_mkclean_one's skip while CPU1's deferred flush is pending.
    let s = example("example-2a").unwrap();
    let r = fixes(&s, &Preset::V5_10Rc4.variant());
    let got: Vec<_> = r.closing.iter().map(|c| names(&c.changes)).collect();
    assert_eq!(
        got,
        vec![
            vec![("yu-mkclean-pending", true)],
            vec![("mkclean-never-skips", true)]
        ]
    );
    assert!(r.closing[0].presets.contains(&Preset::YuFix));
}

#[test]
fn examples_2b_and_2c_have_nothing_to_fix() {
    // The PTE was clean at write-protect (2b: the stale entry faults) or dirty (2c: mkclean flushes):
    // safe in every order under the base, so the search stops there.
    for name in ["example-2b", "example-2c"] {
        let r = fixes(&example(name).unwrap(), &Preset::V5_10Rc4.variant());
        assert!(!r.base_unsafe, "{name}");
        assert!(r.closing.is_empty() && r.tempting.is_empty());
        assert_eq!(r.explored, 1);
    }
}

#[test]
fn a_history_race_is_closed_by_its_own_commit() {
    let s = example("reclaim-vs-mprotect").unwrap();
    let r = fixes(&s, &Preset::V4_12.variant());
    assert!(r
        .closing
        .iter()
        .any(|c| names(&c.changes) == [("flush-batched-pending", true)]));
}

#[test]
fn cancelling_stops_the_search() {
    let s = example("example-1").unwrap();
    let mut calls = 0;
    let r = find_fixes(
        &s,
        &Preset::V5_10Rc4.variant(),
        &FixOptions::default(),
        |_| {
            calls += 1;
            if calls > 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .unwrap();
    assert_eq!(r.outcome, Outcome::Cancelled);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn every_closing_set_is_safe_and_minimal(s in small_scenario(), preset in 0..Preset::ALL.len()) {
        let base = Preset::ALL[preset].variant();
        let options = FixOptions { max_changes: 2, ..FixOptions::default() };
        let r = find_fixes(&s, &base, &options, |_| ControlFlow::Continue(())).unwrap();
        for c in &r.closing {
            prop_assert!(safe(&s, &c.variant), "{:?}", names(&c.changes));
            // Minimal: undoing any one change leaves some interleaving harmful.
            for undo in &c.changes {
                let weaker = c.variant.with(undo.fix, !undo.on);
                prop_assert!(!safe(&s, &weaker), "{:?} without {:?}", names(&c.changes), undo.fix);
            }
            // The variant is the base with exactly these changes.
            for f in Fix::ALL {
                let changed = c.changes.iter().find(|x| x.fix == f);
                prop_assert_eq!(c.variant.fixes.has(f), changed.map_or(base.fixes.has(f), |x| x.on));
            }
        }
        for t in &r.tempting {
            prop_assert!(!safe(&s, &t.variant));
        }
    }
}
