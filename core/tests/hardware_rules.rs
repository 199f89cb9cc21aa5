//! MODEL.md §2 and §3 one rule at a time, on the smallest scenarios that show each.

use tlbrace_core::model::{FaultCause, StorePath};
use tlbrace_core::{
    run, Action::*, Effect, InitialState, Preset, Scenario, Step, TlbEntry, Verdict,
};

fn scenario(initial: InitialState, steps: &[(usize, tlbrace_core::Action)]) -> Scenario {
    Scenario {
        initial,
        steps: steps.iter().map(|&(c, a)| Step::new(c, a)).collect(),
        ..Scenario::new(2)
    }
}

fn v510() -> tlbrace_core::Variant {
    Preset::V5_10Rc4.variant()
}

#[test]
fn fill_snapshots_w_and_d_and_marks_young() {
    let s = scenario(
        InitialState {
            dirty: Some(false),
            young: Some(false),
            ..Default::default()
        },
        &[(1, CachePteInTlb)],
    );
    let t = run(&s, &v510()).unwrap();
    assert_eq!(
        t.states[0].tlb[1],
        Some(TlbEntry {
            writable: true,
            dirty: false
        })
    );
    assert!(t.states[0].pte.young);
}

#[test]
fn fill_of_a_non_present_pte_does_nothing() {
    let s = scenario(
        InitialState {
            present: Some(false),
            write: Some(false),
            dirty: Some(false),
            ..Default::default()
        },
        &[(0, CachePteInTlb)],
    );
    let t = run(&s, &v510()).unwrap();
    assert_eq!(t.events[0].effect, Effect::NoPte);
    assert_eq!(t.states[0], t.initial);
}

#[test]
fn store_through_a_dirty_entry_does_not_touch_the_pte() {
    // Clean the PTE behind CPU0's back, then store: memory changes, the PTE stays clean.
    let s = scenario(
        Default::default(),
        &[(0, CachePteInTlb), (1, PteMkclean), (0, WriteToPage)],
    );
    let t = run(&s, &v510()).unwrap();
    assert_eq!(
        t.events[2].effect,
        Effect::Stored {
            version: 2,
            path: StorePath::Entry { stale: true }
        }
    );
    assert!(!t.states[2].pte.dirty);
    assert_eq!(t.states[2].pte, t.states[1].pte);
}

#[test]
fn store_through_a_clean_writable_entry_walks_and_sets_d() {
    let s = scenario(
        InitialState {
            dirty: Some(false),
            ..Default::default()
        },
        &[(0, CachePteInTlb), (0, WriteToPage)],
    );
    let t = run(&s, &v510()).unwrap();
    assert_eq!(
        t.events[1].effect,
        Effect::Stored {
            version: 2,
            path: StorePath::DirtyWalk
        }
    );
    assert!(t.states[1].pte.dirty);
    assert_eq!(
        t.states[1].tlb[0],
        Some(TlbEntry {
            writable: true,
            dirty: true
        })
    );
}

#[test]
fn dirty_bit_walk_that_sees_a_write_protected_pte_faults() {
    // Seed case 2b: a writable but clean entry, the PTE write-protected meanwhile.
    let s = scenario(
        InitialState {
            dirty: Some(false),
            pg_dirty: Some(false),
            mem: Some(1),
            disk: Some(1),
            ..Default::default()
        },
        &[(0, CachePteInTlb), (1, PteWrprotect), (0, WriteToPage)],
    );
    let t = run(&s, &v510()).unwrap();
    assert!(matches!(
        t.events[2].effect,
        Effect::Faulted {
            cause: FaultCause::DirtyWalkSawReadOnly,
            read_back: false,
            version: 2
        }
    ));
    let after = t.states[2];
    assert!(after.page.pg_dirty && after.pte.write && after.pte.dirty && after.pte.soft_dirty);
}

#[test]
fn store_without_entry_on_a_read_only_pte_faults() {
    let s = scenario(Default::default(), &[(1, PteWrprotect), (0, WriteToPage)]);
    let t = run(&s, &v510()).unwrap();
    assert!(matches!(
        t.events[1].effect,
        Effect::Faulted {
            cause: FaultCause::ReadOnly,
            ..
        }
    ));
}

#[test]
fn fault_after_reclaim_reads_the_page_back_from_disk() {
    // Write back, drop, then store: the fault brings disk's version back and adds to it.
    let s = scenario(
        Default::default(),
        &[
            (1, PageMkcleanOne),
            (1, WritePageToDisk),
            (1, DropCleanPage),
            (0, WriteToPage),
        ],
    );
    let t = run(&s, &v510()).unwrap();
    assert!(!t.states[2].page.in_page_cache);
    assert!(!t.states[2].pte.present);
    assert!(matches!(
        t.events[3].effect,
        Effect::Faulted {
            cause: FaultCause::NotPresent,
            read_back: true,
            version: 2
        }
    ));
    assert!(t.states[3].page.in_page_cache && t.states[3].page.pg_dirty);
    assert_eq!(t.verdict, Verdict::Guaranteed);
}

#[test]
fn a_flush_is_the_only_way_a_stale_entry_disappears() {
    let s = scenario(
        Default::default(),
        &[
            (0, CachePteInTlb),
            (1, PteMkclean),
            (1, PteWrprotect),
            (1, FlushTlbRange),
        ],
    );
    let t = run(&s, &v510()).unwrap();
    assert!(t.states[2].tlb[0].is_some());
    assert!(t.states[3].tlb[0].is_none());
}

#[test]
fn local_flush_reaches_only_its_own_cpu() {
    let s = scenario(
        Default::default(),
        &[
            (0, CachePteInTlb),
            (1, CachePteInTlb),
            (1, LocalFlushTlbPage),
        ],
    );
    let t = run(&s, &v510()).unwrap();
    assert!(t.states[2].tlb[0].is_some());
    assert!(t.states[2].tlb[1].is_none());
}

#[test]
fn reclaim_keeps_a_dirty_page() {
    let s = scenario(Default::default(), &[(1, DropCleanPage)]);
    let t = run(&s, &v510()).unwrap();
    assert_eq!(
        t.events[0].effect,
        Effect::DropKept {
            pg_dirty: true,
            pte_dirty: true
        }
    );
    assert!(t.states[0].page.in_page_cache);
}

#[test]
fn writeback_writes_only_a_dirty_page() {
    let s = scenario(
        Default::default(),
        &[(1, WritePageToDisk), (1, WritePageToDisk)],
    );
    let t = run(&s, &v510()).unwrap();
    assert_eq!(t.events[0].effect, Effect::WrittenBack { version: 1 });
    assert_eq!(t.events[1].effect, Effect::WritebackClean);
}

#[test]
fn page_mkclean_one_redirties_the_page_before_writeback_tests_it() {
    let s = scenario(
        InitialState {
            pg_dirty: Some(false),
            ..Default::default()
        },
        &[(1, PageMkcleanOne), (1, WritePageToDisk)],
    );
    let t = run(&s, &v510()).unwrap();
    assert!(t.states[0].page.pg_dirty);
    assert!(!t.states[0].pte.write && !t.states[0].pte.dirty);
    assert_eq!(t.events[1].effect, Effect::WrittenBack { version: 1 });
}

#[test]
fn a_store_nobody_records_is_at_risk() {
    // The store escapes through a stale entry after writeback; nothing reclaims the page afterwards.
    let s = scenario(
        Default::default(),
        &[
            (0, CachePteInTlb),
            (1, PteMkclean),
            (1, PteWrprotect),
            (1, PageMkcleanOne),
            (1, WritePageToDisk),
            (0, WriteToPage),
        ],
    );
    let t = run(&s, &v510()).unwrap();
    match t.verdict {
        Verdict::AtRisk {
            mem_version: 2,
            disk_version: 1,
            culprit,
        } => {
            assert_eq!(culprit.store, Some(5));
            assert_eq!(culprit.stale_fill, Some(0));
            assert_eq!(culprit.skipped_flush, Some(3));
        }
        other => panic!("expected at risk, got {other:?}"),
    }
}

#[test]
fn impossible_scenarios_are_errors_not_verdicts() {
    let below = scenario(Default::default(), &[(0, DecTlbFlushPending)]);
    let e = run(&below, &v510()).unwrap_err();
    assert_eq!(e.step, Some(0));
    assert!(e.message.contains("below zero"), "{e}");

    let finish = scenario(Default::default(), &[(0, TlbFinishMmu)]);
    assert!(run(&finish, &v510())
        .unwrap_err()
        .message
        .contains("without a tlb_gather_mmu"));

    let twice = scenario(Default::default(), &[(0, TlbGatherMmu), (0, TlbGatherMmu)]);
    assert_eq!(run(&twice, &v510()).unwrap_err().step, Some(1));

    let cpu = scenario(Default::default(), &[(7, PteMkold)]);
    assert!(run(&cpu, &v510()).unwrap_err().to_string().contains("CPU7"));

    let mut many = Scenario::new(9);
    assert!(run(&many, &v510()).is_err());
    many.cpus = 0;
    assert!(run(&many, &v510()).is_err());

    let unmapped_cached = scenario(
        InitialState {
            in_page_cache: Some(false),
            ..Default::default()
        },
        &[],
    );
    assert!(run(&unmapped_cached, &v510()).is_err());
}

#[test]
fn no_gather_variant_still_pairs_gather_and_finish() {
    let s = scenario(Default::default(), &[(0, TlbGatherMmu), (0, TlbFinishMmu)]);
    let t = run(&s, &Preset::YuFix.variant()).unwrap();
    assert_eq!(t.states[0].tlb_flush_pending, 0);
    assert!(t.events[1].text().contains("took no gather"));
}

#[test]
fn data_at_risk_from_the_start_is_named_without_a_store() {
    // Memory newer than disk, and nothing records it: the scenario starts at risk, and a drop loses it.
    let initial = InitialState {
        pg_dirty: Some(false),
        dirty: Some(false),
        ..Default::default()
    };
    let quiet = scenario(initial.clone(), &[]);
    let t = run(&quiet, &v510()).unwrap();
    assert_eq!(t.verdict.summary(&quiet), "at risk: version 1 is in memory (disk has 0) but neither PG_dirty nor the PTE's dirty bit records it");
    let dropped = scenario(initial, &[(1, DropCleanPage)]);
    let t = run(&dropped, &v510()).unwrap();
    assert_eq!(t.verdict.decisive_steps(), vec![0]);
    assert!(t
        .verdict
        .summary(&dropped)
        .starts_with("lost: step 1 (CPU1 drop clean page) dropped version 1 (disk has 0)"));
}
