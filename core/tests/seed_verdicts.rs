//! docs/model.md §7: the verdicts the seed thread fixes, for every diagram under each of its five
//! variants.

use tlbrace_core::examples::example;
use tlbrace_core::model::effect::{Bad, LossHow};
use tlbrace_core::model::trace::Culprit;
use tlbrace_core::model::What;
use tlbrace_core::{run, Action, Arch, Preset, Verdict};

const L: &str = "lost";
const G: &str = "guaranteed";

/// Rows of docs/model.md §7, columns in `Preset::SEED` order.
const TABLE: [(&str, [&str; 5]); 5] = [
    ("example-1", [L, L, G, G, L]),
    ("example-2a", [L, L, G, G, L]),
    ("example-2b", [G, G, G, G, G]),
    ("example-2c", [G, G, G, G, G]),
    ("example-1-early-finish", [G, G, G, G, G]),
];

#[test]
fn all_25_seed_verdicts() {
    assert_eq!(
        Preset::SEED.map(Preset::name),
        ["v5.10-rc4", "will-4+6", "yu-fix", "yu-fix+flush", "v5.12"]
    );
    let mut checked = 0;
    for (name, row) in TABLE {
        let scenario = example(name).unwrap();
        for (preset, want) in Preset::SEED.into_iter().zip(row) {
            let trace = run(&scenario, &preset.variant().on(Arch::X86))
                .unwrap_or_else(|e| panic!("{name} under {}: {e}", preset.name()));
            assert_eq!(
                trace.verdict.label(),
                want,
                "{name} under {}: {}",
                preset.name(),
                trace.verdict.summary(&scenario)
            );
            // The identifier the UI and SVG use is the label with its space hyphenated.
            assert_eq!(trace.verdict.id(), want.replace(' ', "-"));
            checked += 1;
        }
    }
    assert_eq!(checked, 25);
}

#[test]
fn example_1_under_will_names_the_decisive_steps() {
    let s = example("example-1").unwrap();
    let t = run(&s, &Preset::Will4And6.variant()).unwrap();
    // Steps (from 0): 0 fill, 7 page_mkclean_one, 9 write through the stale entry, 10 drop.
    assert_eq!(
        t.verdict,
        Verdict::Harmed {
            step: 10,
            bad: Bad::Lost {
                how: LossHow::Dropped,
                lost: 2,
                kept: 1,
            },
            culprit: Culprit {
                store: Some(9),
                stale_fill: Some(0),
                skipped_flush: Some(7)
            },
        }
    );
    assert_eq!(t.verdict.decisive_steps(), vec![0, 7, 9, 10]);
    // The skipped flush says why, with the pending count the mainline test ignored.
    match t.events[7].effect.what {
        What::MkcleanSkipped {
            checks_pending,
            pending,
            stale,
        } => {
            assert!(!checks_pending);
            assert_eq!(pending, 2);
            assert!(stale.contains(0));
        }
        other => panic!("step 8 should skip its flush, got {other:?}"),
    }
    assert!(t.events[7]
        .text()
        .contains("does not check mm_tlb_flush_pending (= 2): no flush"));
    assert!(t.events[7]
        .text()
        .contains("CPU0 keeps a writable, dirty entry"));
    assert!(t.events[9].text().contains("stale"));
    assert!(t.events[10].text().contains("LOST"));
    let summary = t.verdict.summary(&s);
    assert!(
        summary.contains("step 11 (CPU3 drop clean page) dropped version 2"),
        "{summary}"
    );
}

#[test]
fn every_lost_seed_case_names_its_store_and_skip() {
    for name in ["example-1", "example-2a"] {
        let s = example(name).unwrap();
        for preset in [Preset::V5_10Rc4, Preset::Will4And6, Preset::V5_12] {
            let t = run(&s, &preset.variant()).unwrap();
            let Verdict::Harmed {
                step: drop,
                bad: Bad::Lost { .. },
                culprit,
            } = t.verdict
            else {
                panic!("{name} under {} should lose data", preset.name())
            };
            assert_eq!(s.steps[drop].action, Action::DropCleanPage);
            assert_eq!(s.steps[culprit.store.unwrap()].action, Action::WriteToPage);
            assert_eq!(
                s.steps[culprit.stale_fill.unwrap()].action,
                Action::CachePteInTlb
            );
            assert_eq!(
                s.steps[culprit.skipped_flush.unwrap()].action,
                Action::PageMkcleanOne
            );
        }
    }
}

#[test]
fn the_fix_flushes_because_a_flush_is_pending() {
    let s = example("example-1").unwrap();
    let t = run(&s, &Preset::YuFix.variant()).unwrap();
    assert!(matches!(
        t.events[7].effect.what,
        What::MkcleanDone {
            dirty: false,
            write: false,
            pending: 1,
            ..
        }
    ));
    assert!(t.events[9].text().contains("page fault"));
    assert!(matches!(
        t.events[10].effect.what,
        What::ReclaimKept {
            pte_dirty: true,
            ..
        }
    ));
}

#[test]
fn the_nested_finish_flushes_under_v5_10() {
    let s = example("example-1-early-finish").unwrap();
    let t = run(&s, &Preset::V5_10Rc4.variant()).unwrap();
    let finish = s
        .steps
        .iter()
        .position(|st| st.action == Action::TlbFinishMmu)
        .unwrap();
    assert!(
        t.events[finish].text().contains("mm_tlb_flush_nested"),
        "{}",
        t.events[finish].text()
    );
    assert!(t.states[finish].tlb[0][0].is_none());
}

#[test]
fn arm64_fullmm_elision_loses_what_x86_keeps() {
    // Will's original concern: a recorded but fullmm gather on arm64 invalidates nothing. Example 1 with
    // the finish moved early, under recorded batching with a fullmm gather and only CPU2 pending.
    use tlbrace_core::{Fix, Scenario, Step, Variant};
    let s = Scenario {
        steps: vec![
            Step::new(0, Action::CachePteInTlb),
            Step::new(2, Action::TlbGatherMmu),
            Step::new(2, Action::PteWrprotect),
            Step::new(2, Action::TlbFinishMmu),
            Step::new(3, Action::PageMkcleanOne),
            Step::new(3, Action::WritePageToDisk),
            Step::new(0, Action::WriteToPage),
            Step::new(3, Action::DropCleanPage),
        ],
        ..Scenario::new(4)
    };
    let v = Variant::parse("v5.10-rc4+will-records").unwrap();
    assert!(!v.fixes.has(Fix::WillRanged));
    // The PTE is still dirty at page_mkclean_one, so writeback flushes anyway: guaranteed on both.
    assert_eq!(run(&s, &v).unwrap().verdict.label(), G);
    let arm = run(&s, &v.on(Arch::Arm64)).unwrap();
    assert!(arm.events[3].text().contains("invalidates nothing"));
    assert!(
        arm.states[3].tlb[0][0].is_some(),
        "arm64 keeps CPU0's entry after a fullmm finish"
    );
    assert!(
        run(&s, &v).unwrap().states[3].tlb[0][0].is_none(),
        "x86 flushes it"
    );
}
