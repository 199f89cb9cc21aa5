//! The history of TLB-flush races (docs/model.md §8): each built-in history example does harm under
//! the kernel before its fix and none after, as drawn (`trace::run`) and in every interleaving of its
//! programs (the explorer); and flipping the one fix its commit names is what flips the verdict.

use std::ops::ControlFlow;

use tlbrace_core::examples::{Origin, EXAMPLES};
use tlbrace_core::search::explore::{explore, Finding, Options, Report};
use tlbrace_core::{run, Fix, Preset, Scenario, Trace, Variant, Verdict};

fn variant(spec: &str) -> Variant {
    Variant::parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn search(s: &Scenario, v: &Variant) -> Report {
    explore(s, v, &Options::default(), |_| ControlFlow::Continue(())).expect("valid")
}

fn harmed(t: &Trace) -> bool {
    matches!(t.verdict, Verdict::Harmed { .. } | Verdict::AtRisk { .. })
}

/// The fix row a history example's commit names.
fn fix_of(commit: &str) -> Option<Fix> {
    Fix::ALL.iter().copied().find(|f| f.def().commit == commit)
}

#[test]
fn every_history_example_does_harm_before_its_fix_and_none_after() {
    let history: Vec<_> = EXAMPLES
        .iter()
        .filter(|e| e.origin == Origin::History)
        .collect();
    assert!(history.len() >= 12, "one per race of the model v2 table");
    for e in history {
        let s = e.scenario();
        let c = e.contrast.expect("a history example names its two kernels");
        let (before, after) = (variant(c.harmed), variant(c.holds));
        let t = run(&s, &before).unwrap();
        assert!(harmed(&t), "{}: {} {:?}", e.name, c.harmed, t.verdict);
        let t = run(&s, &after).unwrap();
        // As drawn, the fixed kernel either keeps the data or cannot run the timeline in that order
        // (a step would wait for a lock: the race is gone because the order is).
        assert!(
            !harmed(&t) || !t.waits.is_empty(),
            "{}: {} {:?}",
            e.name,
            c.holds,
            t.verdict
        );
        assert_eq!(
            search(&s, &before).finding(),
            Finding::Unsafe,
            "{} {}",
            e.name,
            c.harmed
        );
        assert!(
            tlbrace_core::model::paths::irregular(&s).is_empty(),
            "{}",
            e.name
        );
    }
}

#[test]
fn every_interleaving_holds_once_the_race_and_its_residue_are_fixed() {
    // Where a fix closed the drawn order but left a neighbouring one open, the search finds the
    // residue and names the later fix: 1cf35d47712d flushed under the page-table lock, but the zap
    // still removed the rmap first, which 5df397dec7c4 (v6.2) fixed.
    let residue = [("zap-vs-writeback", "v6.2")];
    for e in EXAMPLES.iter().filter(|e| e.origin == Origin::History) {
        let s = e.scenario();
        let c = e.contrast.unwrap();
        match residue.iter().find(|(name, _)| *name == e.name) {
            None => assert_eq!(
                search(&s, &variant(c.holds)).finding(),
                Finding::Safe,
                "{} {}",
                e.name,
                c.holds
            ),
            Some((_, settled)) => {
                let r = search(&s, &variant(c.holds));
                assert_eq!(r.finding(), Finding::Unsafe, "{}", e.name);
                let cex = r.counterexample.unwrap();
                let hinges: Vec<Fix> = run(&cex.scenario, &variant(c.holds))
                    .unwrap()
                    .events
                    .iter()
                    .filter_map(|ev| ev.effect.hinge.map(|h| h.fix))
                    .collect();
                assert!(hinges.contains(&Fix::DelayRmap), "{hinges:?}");
                assert_eq!(
                    search(&s, &variant(settled)).finding(),
                    Finding::Safe,
                    "{} {settled}",
                    e.name
                );
            }
        }
    }
}

#[test]
fn the_commits_fix_is_what_flips_the_verdict() {
    // The kernel before the fix plus that one fix holds the timeline; the kernel after minus it does
    // harm again: the verdict hinges on the commit, not on anything else between the two releases.
    // One fix leans on another of the same release: KSM's pending check (b3a81d0841a9) sees the
    // count only because 99baac21e458 made tlb_gather_mmu() raise it.
    // And 99baac21e458's nested check counts two gathers only with 16af97dc5a89's counter.
    let leans_on = [
        ("ksm", Fix::NestedFlush),
        ("nested-madv-free", Fix::PendingCounter),
    ];
    for e in EXAMPLES.iter().filter(|e| e.origin == Origin::History) {
        let Some(fix) = e.commit.and_then(fix_of) else {
            continue;
        };
        let s = e.scenario();
        let c = e.contrast.unwrap();
        let (before, after) = (variant(c.harmed), variant(c.holds));
        assert!(!before.has(fix) && after.has(fix), "{}: {fix:?}", e.name);
        let mut with = before;
        with.fixes = with.fixes.with(fix);
        for (name, other) in leans_on {
            if name == e.name {
                assert!(!before.has(other) && after.has(other));
                assert!(
                    harmed(&run(&s, &with).unwrap()),
                    "{name} needs {other:?} too"
                );
                with.fixes = with.fixes.with(other);
            }
        }
        let t = run(&s, &with).unwrap();
        assert!(!harmed(&t) || !t.waits.is_empty(), "{} +{fix:?}", e.name);
        let mut without = after;
        without.fixes = without.fixes.without(fix);
        assert!(harmed(&run(&s, &without).unwrap()), "{} -{fix:?}", e.name);
    }
}

#[test]
fn the_fullmm_finish_change_opened_the_soft_dirty_hole() {
    // 0758cd830494 (v5.6) is a change, not a fix: before it x86 flushed every fullmm finish, so
    // clear_refs' unrecorded write-protects were flushed; after it nothing did until 912efa17e512.
    let s = tlbrace_core::examples::example("soft-dirty").unwrap();
    let label = |p: Preset| run(&s, &p.variant()).unwrap().verdict.label();
    assert_eq!(label(Preset::V5_2), "guaranteed");
    assert_eq!(label(Preset::V5_10Rc4), "soft-dirty-miss");
    assert_eq!(label(Preset::V5_11), "soft-dirty-miss");
    assert_eq!(label(Preset::V5_12), "guaranteed");
    let mut v = Preset::V5_10Rc4.variant();
    v.fixes = v.fixes.without(Fix::ElideEmptyFinish);
    assert_eq!(run(&s, &v).unwrap().verdict.label(), "guaranteed");
}

#[test]
fn every_verdict_kind_appears_in_the_history() {
    let mut seen: Vec<&str> = EXAMPLES
        .iter()
        .filter_map(|e| {
            let c = e.contrast?;
            Some(
                run(&e.scenario(), &variant(c.harmed))
                    .unwrap()
                    .verdict
                    .label(),
            )
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    for kind in [
        "lost",
        "use-after-free",
        "write-after-protect",
        "write-after-unmap",
        "soft-dirty-miss",
    ] {
        assert!(seen.contains(&kind), "{kind}: {seen:?}");
    }
}
