//! docs/model.md §2 and §6 one rule at a time, on the smallest scenarios that show each: what the
//! hardware does with a TLB entry, what a fault handler does, what reclaim and writeback do to the page,
//! which verdict a timeline gets, and which scenarios are refused as impossible instead of judged.

use tlbrace_core::model::effect::{FaultFix, Hinge, Refusal};
use tlbrace_core::model::initial::PageInitial;
use tlbrace_core::model::state::FrameStatus;
use tlbrace_core::model::{FaultCause, FinishFlush, FlushScope, StepError, StorePath, What};
use tlbrace_core::{
    run, step, Action, Action::*, Bad, CpuSet, Fix, InitialState, LossHow, PageKind, PageSpec,
    Preset, Pte, Scenario, Step, TlbEntry, Trace, Variant, Verdict,
};

/// A scenario of `cpus` CPUs mapping one file page with `page`'s overrides, running `steps` (on page 0).
fn scenario(cpus: usize, page: PageInitial, steps: &[(usize, Action)]) -> Scenario {
    Scenario {
        pages: vec![PageSpec {
            initial: page,
            ..PageSpec::default()
        }],
        steps: steps.iter().map(|&(c, a)| Step::new(c, a)).collect(),
        ..Scenario::new(cpus)
    }
}

/// Two CPUs, one file page in the default state (written earlier through a fault: PTE present, W, D).
fn simple(steps: &[(usize, Action)]) -> Scenario {
    scenario(2, PageInitial::default(), steps)
}

fn v510() -> Variant {
    Preset::V5_10Rc4.variant()
}

fn go(s: &Scenario, v: &Variant) -> Trace {
    run(s, v).unwrap_or_else(|e| panic!("the scenario runs under {}: {e}", v.name()))
}

fn entry(writable: bool, dirty: bool, frame: u8) -> Option<TlbEntry> {
    Some(TlbEntry {
        writable,
        dirty,
        frame,
    })
}

// ---- The TLB fill --------------------------------------------------------------------------------

#[test]
fn fill_snapshots_w_d_and_the_frame_and_marks_young() {
    // Page 0 a file page (frame F0) with a clean, old PTE; page 1 an anonymous page (frame F1).
    let s = Scenario {
        pages: vec![
            PageSpec {
                initial: PageInitial {
                    dirty: Some(false),
                    young: Some(false),
                    ..PageInitial::default()
                },
                ..PageSpec::default()
            },
            PageSpec::new(PageKind::Anon),
        ],
        steps: vec![
            Step::new(1, CachePteInTlb),
            Step::new(0, CachePteInTlb).on(1),
        ],
        ..Scenario::new(2)
    };
    let t = go(&s, &v510());
    assert!(!t.initial.pte[0].young);
    assert_eq!(t.states[0].tlb[1][0], entry(true, false, 0));
    assert_eq!(
        t.events[0].effect.what,
        What::Filled {
            entry: TlbEntry {
                writable: true,
                dirty: false,
                frame: 0
            }
        }
    );
    assert!(t.states[0].pte[0].young, "the walk sets A");
    // The fill changes nothing but the entry and A.
    let mut expected = t.initial;
    expected.tlb[1][0] = entry(true, false, 0);
    expected.pte[0].young = true;
    assert_eq!(t.states[0], expected);
    // The second page's entry names its own frame.
    assert_eq!(t.states[1].tlb[0][1], entry(true, true, 1));
    assert_eq!(
        t.states[1].tlb[0][0], None,
        "a fill of page 1 leaves page 0 alone"
    );
}

#[test]
fn fill_of_a_non_present_pte_does_nothing() {
    let s = scenario(
        2,
        PageInitial {
            present: Some(false),
            write: Some(false),
            dirty: Some(false),
            ..PageInitial::default()
        },
        &[(0, CachePteInTlb)],
    );
    let t = go(&s, &v510());
    assert_eq!(t.events[0].effect.what, What::NoPte);
    assert_eq!(t.states[0], t.initial);
}

#[test]
fn a_stale_entry_outlives_every_pte_change_until_a_flush() {
    // The hardware never refreshes an entry: cleaning, write-protecting and aging the PTE leave CPU0's
    // snapshot exactly as it was; only the flush removes it.
    let s = simple(&[
        (0, CachePteInTlb),
        (1, PteMkclean),
        (1, PteWrprotect),
        (1, PteMkold),
        (1, FlushTlbRange),
    ]);
    let t = go(&s, &v510());
    let snapshot = entry(true, true, 0);
    for i in 0..4 {
        assert_eq!(t.states[i].tlb[0][0], snapshot, "after step {i}");
        assert!(t.events[i].effect.flushed.is_empty());
    }
    let pte = t.states[3].pte[0];
    assert!(pte.present && !pte.write && !pte.dirty && !pte.young);
    assert_eq!(t.states[4].tlb[0][0], None);
    assert_eq!(t.events[4].effect.flushed, CpuSet::only(0));
    assert_eq!(
        t.events[4].effect.what,
        What::Flushed {
            scope: FlushScope::Range,
            // No walk of this CPU's deferred a flush: flush_tlb_range() covers every page.
            pages: 0b1,
            lowered: None
        }
    );
}

#[test]
fn a_local_flush_reaches_only_its_own_cpu_and_page() {
    let s = Scenario {
        pages: vec![PageSpec::default(), PageSpec::new(PageKind::Anon)],
        steps: vec![
            Step::new(0, CachePteInTlb),
            Step::new(1, CachePteInTlb),
            Step::new(1, CachePteInTlb).on(1),
            Step::new(1, LocalFlushTlbPage),
        ],
        ..Scenario::new(2)
    };
    let t = go(&s, &v510());
    let end = t.last();
    assert!(
        end.tlb[0][0].is_some(),
        "CPU0's entry survives CPU1's local flush"
    );
    assert!(end.tlb[1][0].is_none());
    assert!(end.tlb[1][1].is_some(), "the other page's entry survives");
    assert_eq!(t.events[3].effect.flushed, CpuSet::only(1));
}

// ---- Stores --------------------------------------------------------------------------------------

#[test]
fn a_store_through_a_dirty_entry_does_not_touch_the_pte() {
    // Clean the PTE behind CPU0's back, then store: memory changes, the PTE stays clean.
    let s = simple(&[(0, CachePteInTlb), (1, PteMkclean), (0, WriteToPage)]);
    let t = go(&s, &v510());
    assert_eq!(
        t.events[2].effect.what,
        What::Stored {
            version: 2,
            frame: 0,
            path: StorePath::Entry { stale: true }
        }
    );
    assert_eq!(t.states[2].pte, t.states[1].pte);
    assert!(!t.states[2].pte[0].dirty);
    assert_eq!(t.states[2].frame[0].data, 2);
}

#[test]
fn a_store_through_a_clean_writable_entry_walks_and_sets_d() {
    let s = scenario(
        2,
        PageInitial {
            dirty: Some(false),
            ..PageInitial::default()
        },
        &[(0, CachePteInTlb), (0, WriteToPage)],
    );
    let t = go(&s, &v510());
    assert!(!t.states[0].pte[0].dirty);
    assert_eq!(
        t.events[1].effect.what,
        What::Stored {
            version: 2,
            frame: 0,
            path: StorePath::DirtyWalk
        }
    );
    assert!(t.states[1].pte[0].dirty);
    assert_eq!(t.states[1].tlb[0][0], entry(true, true, 0));
}

#[test]
fn a_dirty_bit_walk_that_sees_a_write_protected_pte_faults() {
    // Seed case 2b: a writable but clean entry, the PTE write-protected meanwhile. The walk that would
    // set D sees W clear and faults; the shared-file fault handler dirties the page and the PTE.
    let s = scenario(
        2,
        PageInitial {
            dirty: Some(false),
            pg_dirty: Some(false),
            mem: Some(1),
            disk: Some(1),
            ..PageInitial::default()
        },
        &[(0, CachePteInTlb), (1, PteWrprotect), (0, WriteToPage)],
    );
    let t = go(&s, &v510());
    assert_eq!(
        t.events[2].effect.what,
        What::Faulted {
            version: 2,
            frame: 0,
            cause: FaultCause::DirtyWalkSawReadOnly,
            handler: FaultFix::SharedFile { read_back: false },
        }
    );
    let after = t.states[2];
    assert!(after.frame[0].pg_dirty);
    let pte = after.pte[0];
    assert!(pte.write && pte.dirty && pte.soft_dirty);
    assert_eq!(after.tlb[0][0], entry(true, true, 0));
    // The fault recorded the store, and the fault itself kept the data.
    assert_eq!(t.verdict, Verdict::Guaranteed { saved_by: Some(2) });
}

#[test]
fn a_store_without_an_entry_on_a_read_only_pte_faults() {
    let s = simple(&[(1, PteWrprotect), (0, WriteToPage)]);
    let t = go(&s, &v510());
    assert!(matches!(
        t.events[1].effect.what,
        What::Faulted {
            cause: FaultCause::ReadOnly,
            handler: FaultFix::SharedFile { read_back: false },
            ..
        }
    ));
    assert!(t.states[1].pte[0].write);
}

#[test]
fn a_fault_after_reclaim_reads_the_page_back_from_disk() {
    // Write back, drop, then store: the fault brings disk's version back into a new frame and adds to it.
    let s = simple(&[
        (1, PageMkcleanOne),
        (1, WritePageToDisk),
        (1, DropCleanPage),
        (0, WriteToPage),
    ]);
    let t = go(&s, &v510());
    let dropped = t.states[2];
    assert_eq!(dropped.page[0].frame, None);
    assert!(!dropped.pte[0].present);
    assert_eq!(dropped.frame[0].status, FrameStatus::Freed);
    assert_eq!(t.events[2].effect.what, What::Dropped { mem: 1, disk: 1 });
    let what = t.events[3].effect.what;
    let What::Faulted {
        version: 2,
        frame,
        cause: FaultCause::NotPresent,
        handler: FaultFix::SharedFile { read_back: true },
    } = what
    else {
        panic!("expected a fault reading the page back, got {what:?}");
    };
    let end = t.states[3];
    assert_eq!(end.page[0].frame, Some(frame));
    assert_eq!(end.frame[usize::from(frame)].status, FrameStatus::Used);
    assert!(end.frame[usize::from(frame)].pg_dirty);
    assert_eq!(end.frame[usize::from(frame)].data, 2);
    assert_eq!(end.pte[0].frame, frame);
    assert!(matches!(t.verdict, Verdict::Guaranteed { .. }));
}

// ---- Reclaim and writeback -----------------------------------------------------------------------

#[test]
fn reclaim_of_a_dirty_mapped_page_unmaps_it_first_and_keeps_it() {
    // Correction (model v1 -> v2): v1's `drop clean page` kept a dirty page without touching its PTE,
    // so the PTE and every CPU's entry stayed in place. shrink_page_list() unmaps a mapped page before
    // it looks at PG_dirty: try_to_unmap_one() clears the PTE and flushes (ptep_clear_flush), moving a
    // dirty PTE's D bit to the page (set_page_dirty); only then does the dirty page go to pageout()
    // instead of being freed. Here PG_dirty starts clear, so the PTE's D bit is the only record.
    let s = scenario(
        2,
        PageInitial {
            pg_dirty: Some(false),
            ..PageInitial::default()
        },
        &[(0, CachePteInTlb), (1, DropCleanPage)],
    );
    let t = go(&s, &v510());
    assert_eq!(
        t.events[1].effect.what,
        What::ReclaimKept {
            pg_dirty: true,
            pte_dirty: true
        }
    );
    let after = t.states[1];
    assert_eq!(after.pte[0], Pte::NONE, "the PTE is cleared");
    assert_eq!(after.tlb[0][0], None, "and flushed");
    assert_eq!(t.events[1].effect.flushed, CpuSet::only(0));
    assert!(after.frame[0].pg_dirty, "the D bit moved to PG_dirty");
    assert_eq!(after.frame[0].mapcount, 0);
    assert_eq!(
        after.page[0].frame,
        Some(0),
        "the page stays in the page cache"
    );
    assert_eq!(after.frame[0].data, 1);
    assert!(matches!(t.verdict, Verdict::Guaranteed { .. }));
    // The text says so.
    let text = t.events[1].text();
    assert!(
        text.contains("unmaps") && text.contains("keeps the page"),
        "{text}"
    );
}

#[test]
fn writeback_writes_only_a_dirty_page() {
    let s = simple(&[(1, WritePageToDisk), (1, WritePageToDisk)]);
    let t = go(&s, &v510());
    assert_eq!(t.events[0].effect.what, What::WrittenBack { version: 1 });
    assert_eq!(t.states[0].page[0].disk, 1);
    assert!(!t.states[0].frame[0].pg_dirty);
    assert_eq!(t.events[1].effect.what, What::WritebackClean);
    assert_eq!(t.states[1], t.states[0]);
}

#[test]
fn page_mkclean_one_redirties_the_page_before_writeback_tests_it() {
    let s = scenario(
        2,
        PageInitial {
            pg_dirty: Some(false),
            ..PageInitial::default()
        },
        &[
            (0, CachePteInTlb),
            (1, PageMkcleanOne),
            (1, WritePageToDisk),
        ],
    );
    let t = go(&s, &v510());
    assert!(matches!(
        t.events[1].effect.what,
        What::MkcleanDone {
            dirty: true,
            write: true,
            flushed: true,
            ..
        }
    ));
    let cleaned = t.states[1];
    assert!(
        cleaned.frame[0].pg_dirty,
        "set_page_dirty before TestClearPageDirty"
    );
    let pte = cleaned.pte[0];
    assert!(pte.present && !pte.write && !pte.dirty);
    assert_eq!(cleaned.tlb[0][0], None, "ptep_clear_flush flushed CPU0");
    assert_eq!(t.events[2].effect.what, What::WrittenBack { version: 1 });
    assert_eq!(t.states[2].page[0].disk, 1);
    assert_eq!(t.verdict, Verdict::Guaranteed { saved_by: None });
}

#[test]
fn a_store_nobody_records_is_at_risk() {
    // The store escapes through a stale entry after writeback; nothing reclaims the page afterwards.
    let s = simple(&[
        (0, CachePteInTlb),
        (1, PteMkclean),
        (1, PteWrprotect),
        (1, PageMkcleanOne),
        (1, WritePageToDisk),
        (0, WriteToPage),
    ]);
    let t = go(&s, &v510());
    assert!(matches!(
        t.events[3].effect.what,
        What::MkcleanSkipped { pending: 0, .. }
    ));
    match t.verdict {
        Verdict::AtRisk {
            page: 0,
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
    assert!(t.verdict.is_bad());
    assert_eq!(t.verdict.decisive_steps(), vec![0, 3, 5]);
}

#[test]
fn data_at_risk_from_the_start_is_named_without_a_store() {
    // Memory newer than disk, and nothing records it: the scenario starts at risk, and a drop loses it.
    let initial = PageInitial {
        pg_dirty: Some(false),
        dirty: Some(false),
        ..PageInitial::default()
    };
    let quiet = scenario(2, initial.clone(), &[]);
    let t = go(&quiet, &v510());
    assert_eq!(
        t.verdict.summary(&quiet),
        "at risk: version 1 is in memory (disk has 0) but neither PG_dirty nor the PTE's dirty bit \
         records it"
    );
    let dropped = scenario(2, initial, &[(1, DropCleanPage)]);
    let t = go(&dropped, &v510());
    assert_eq!(
        t.verdict,
        Verdict::Harmed {
            step: 0,
            bad: Bad::Lost {
                how: LossHow::Dropped,
                lost: 1,
                kept: 0
            },
            culprit: Default::default(),
        }
    );
    assert_eq!(t.verdict.decisive_steps(), vec![0]);
    assert!(t
        .verdict
        .summary(&dropped)
        .starts_with("lost: step 1 (CPU1 drop clean page) dropped version 1 (disk has 0)"));
}

// ---- Harm that is not lost data (model v2) ------------------------------------------------------

/// NUMA hinting makes the PTE PROT_NONE with its flush deferred; migration unmaps it, copies the page
/// and frees the old frame; CPU0 still holds a writable, dirty entry for the old frame and stores.
fn numa_migration_race() -> Scenario {
    simple3(&[
        (0, CachePteInTlb),
        (1, ChangeProtNuma),
        (2, TryToMigrateOne),
        (2, MoveToNewPage),
        (0, WriteToPage),
    ])
}

fn simple3(steps: &[(usize, Action)]) -> Scenario {
    scenario(3, PageInitial::default(), steps)
}

#[test]
fn a_store_through_a_stale_entry_to_a_freed_frame_is_a_use_after_free() {
    // 20841405940e's race: before it, pte_accessible() is false for a PROT_NONE PTE, so
    // try_to_migrate_one's ptep_clear_flush does not flush, and move_to_new_page frees F0 while CPU0
    // can still write there.
    let s = numa_migration_race();
    let t = go(&s, &Preset::V3_12.variant());
    assert_eq!(
        t.events[2].effect.what,
        What::MigrationUnmapped {
            mapped: true,
            flushed: false
        }
    );
    assert_eq!(t.events[3].effect.what, What::Migrated { from: 0, to: 1 });
    assert_eq!(t.states[3].frame[0].status, FrameStatus::Freed);
    assert_eq!(t.states[3].tlb[0][0], entry(true, true, 0));
    assert_eq!(t.events[4].effect.bad, Some(Bad::UseAfterFree { frame: 0 }));
    let Verdict::Harmed {
        step: 4,
        bad: Bad::UseAfterFree { frame: 0 },
        culprit,
    } = t.verdict
    else {
        panic!("expected a use-after-free at step 5, got {:?}", t.verdict);
    };
    assert_eq!((culprit.store, culprit.stale_fill), (Some(4), Some(0)));
    assert_eq!(t.verdict.label(), "use-after-free");
    assert!(t.verdict.is_bad());
    assert!(
        t.events[4].text().contains("USE-AFTER-FREE"),
        "{}",
        t.events[4].text()
    );

    // With the fix the raised count makes the PROT_NONE PTE accessible: the unmap flushes, and the
    // store walks to the new frame.
    let t = go(&s, &Preset::V3_13.variant());
    assert_eq!(
        t.events[2].effect.what,
        What::MigrationUnmapped {
            mapped: true,
            flushed: true
        }
    );
    assert_eq!(t.events[2].effect.flushed, CpuSet::only(0));
    assert!(t.events[4].effect.bad.is_none());
    assert!(matches!(
        t.events[4].effect.what,
        What::Stored { frame: 1, .. }
    ));
    assert!(matches!(t.verdict, Verdict::Guaranteed { .. }));
}

#[test]
fn a_store_after_mprotect_returned_is_a_write_after_protect() {
    // Reclaim clears the PTE and batches its flush (72b252aed506); mprotect(PROT_READ) finds no present
    // PTE, so it changes nothing and flushes nothing, and returns while CPU0 still holds a writable
    // entry. 3ea277194daa makes change_pte_range flush what reclaim batched (flush_tlb_batched_pending).
    let s = simple3(&[
        (0, CachePteInTlb),
        (1, TryToUnmapOne),
        (2, Mprotect),
        (0, WriteToPage),
    ]);
    let t = go(&s, &Preset::V4_12.variant());
    assert!(matches!(
        t.events[1].effect.what,
        What::Unmapped {
            mapped: true,
            batched: true,
            ..
        }
    ));
    assert_eq!(
        t.events[2].effect.what,
        What::Mprotected {
            changed: false,
            batched_flush: false
        }
    );
    assert!(t.states[2].map[0].write_revoked);
    assert_eq!(t.events[3].effect.bad, Some(Bad::WriteAfterProtect));
    match t.verdict {
        Verdict::Harmed {
            step: 3,
            bad: Bad::WriteAfterProtect,
            culprit,
        } => {
            assert_eq!(culprit.store, Some(3));
            assert_eq!(culprit.stale_fill, Some(0));
            assert_eq!(culprit.skipped_flush, Some(2));
        }
        other => panic!("expected write-after-protect, got {other:?}"),
    }
    assert_eq!(t.verdict.label(), "write-after-protect");

    let t = go(&s, &Preset::V4_13.variant());
    assert_eq!(
        t.events[2].effect.what,
        What::Mprotected {
            changed: false,
            batched_flush: true
        }
    );
    assert_eq!(t.events[2].effect.flushed, CpuSet::only(0));
    assert_eq!(
        t.events[3].effect.what,
        What::Refused { why: Refusal::Segv }
    );
    assert!(matches!(t.verdict, Verdict::Guaranteed { .. }));
}

#[test]
fn a_store_after_clear_refs_returned_without_a_flush_misses_soft_dirty() {
    // clear_refs write-protects and clears soft-dirty but, in v5.10-rc4, its fullmm gather recorded
    // nothing, so tlb_finish_mmu elides the flush (0758cd830494): CPU0's write goes through its old
    // entry, sets no soft-dirty bit and does not fault. 912efa17e512 (v5.12) flushes with flush_tlb_mm.
    let s = simple(&[
        (0, CachePteInTlb),
        (1, ClearRefsWrite),
        (1, TlbGatherMmu),
        (1, PteWrprotect),
        (1, TlbFinishMmu),
        (0, WriteToPage),
    ]);
    let t = go(&s, &v510());
    assert!(matches!(
        t.events[4].effect.what,
        What::GatherFinished {
            flush: FinishFlush::NothingCleared,
            ..
        }
    ));
    assert!(matches!(
        t.verdict,
        Verdict::Harmed {
            step: 5,
            bad: Bad::SoftDirtyMiss,
            ..
        }
    ));
    let t = go(&s, &Preset::V5_12.variant());
    assert!(matches!(
        t.events[4].effect.what,
        What::GatherFinished {
            flush: FinishFlush::FlushMm,
            ..
        }
    ));
    assert!(matches!(
        t.events[5].effect.what,
        What::Faulted {
            cause: FaultCause::ReadOnly,
            ..
        }
    ));
    assert!(t.last().pte[0].soft_dirty);
    assert!(matches!(t.verdict, Verdict::Guaranteed { .. }));
}

#[test]
fn a_stale_writable_entry_nothing_will_flush_is_latent() {
    // The PTE is cleaned behind CPU0's back and nobody owes a flush: no harm yet, nothing at risk
    // (PG_dirty records the data), but the next store through CPU0's entry escapes the kernel.
    let s = simple(&[(0, CachePteInTlb), (1, PteMkclean)]);
    let t = go(&s, &v510());
    assert_eq!(
        t.verdict,
        Verdict::Latent {
            page: 0,
            cpus: CpuSet::only(0),
            since: Some(1)
        }
    );
    assert_eq!(t.hazard, Some(1));
    assert!(!t.verdict.is_bad());
    assert_eq!(t.verdict.label(), "latent");
    assert_eq!(t.verdict.decisive_steps(), vec![1]);

    // The same stale entry while CPU1 owes the flush (clean_record_pte records the PTE for the
    // flush_tlb_range that wp_clean_post_vma does) is not latent: the owed flush will remove it.
    let owed = simple(&[
        (0, CachePteInTlb),
        (1, IncTlbFlushPending),
        (1, CleanRecordPte),
    ]);
    let t = go(&owed, &v510());
    assert!(!t.last().stale_cpus(0).is_empty(), "the entry is stale now");
    assert_eq!(t.hazard, None);
    assert!(
        matches!(t.verdict, Verdict::Guaranteed { .. }),
        "{:?}",
        t.verdict
    );
}

// ---- The words ------------------------------------------------------------------------------------

#[test]
fn the_explanation_names_the_fix_that_decided_a_step() {
    // A clean, read-only PTE while a flush is pending and CPU0 still holds a writable, dirty entry:
    // page_mkclean_one's skip test is where Yu Zhao's proposal differs from mainline.
    let s = Scenario {
        pages: vec![PageSpec {
            initial: PageInitial {
                write: Some(false),
                dirty: Some(false),
                tlb: Some(vec![entry(true, true, 0)]),
                ..PageInitial::default()
            },
            ..PageSpec::default()
        }],
        initial: InitialState {
            tlb_flush_pending: Some(1),
            ..InitialState::default()
        },
        steps: vec![Step::new(1, PageMkcleanOne)],
        ..Scenario::new(2)
    };
    let t = go(&s, &v510());
    assert!(matches!(
        t.events[0].effect.what,
        What::MkcleanSkipped { pending: 1, .. }
    ));
    assert_eq!(
        t.events[0].effect.hinge,
        Some(Hinge {
            fix: Fix::YuMkcleanPending,
            on: false
        })
    );
    let text = t.events[0].text();
    assert!(
        text.contains("[yu-mkclean-pending off, proposed:"),
        "{text}"
    );
    assert!(t.consulted.has(Fix::YuMkcleanPending));

    let t = go(&s, &Preset::YuFix.variant());
    assert!(matches!(
        t.events[0].effect.what,
        What::MkcleanDone { pending: 1, .. }
    ));
    assert_eq!(t.events[0].effect.flushed, CpuSet::only(0));
    let text = t.events[0].text();
    assert!(text.contains("[yu-mkclean-pending on, proposed:"), "{text}");

    // A merged fix names its release.
    let t = go(&numa_migration_race(), &Preset::V3_13.variant());
    assert_eq!(
        t.events[2].effect.hinge,
        Some(Hinge {
            fix: Fix::PteAccessiblePending,
            on: true
        })
    );
    let text = t.events[2].text();
    assert!(
        text.contains("[pte-accessible-pending on, v3.13:"),
        "{text}"
    );
    // A step no fix decides says nothing of fixes.
    assert_eq!(t.events[0].effect.hinge, None);
    assert!(!t.events[0].text().contains('['), "{}", t.events[0].text());
}

#[test]
fn a_no_gather_variant_still_pairs_gather_and_finish() {
    let s = simple(&[(0, TlbGatherMmu), (0, TlbFinishMmu)]);
    let t = go(&s, &Preset::YuFix.variant());
    assert_eq!(t.states[0].tlb_flush_pending, 0);
    assert!(
        t.events[0].text().contains("takes no mmu_gather"),
        "{}",
        t.events[0].text()
    );
    assert!(matches!(
        t.events[1].effect.what,
        What::GatherFinished {
            flush: FinishFlush::NoGather,
            pending: None,
            ..
        }
    ));
    // Mainline's gather raises the count and its finish lowers it.
    let t = go(&s, &v510());
    assert_eq!(t.states[0].tlb_flush_pending, 1);
    assert_eq!(t.states[1].tlb_flush_pending, 0);
}

// ---- Impossible scenarios -------------------------------------------------------------------------

fn err(s: &Scenario) -> tlbrace_core::ScenarioError {
    match run(s, &v510()) {
        Ok(t) => panic!("expected an error, got {:?}", t.verdict),
        Err(e) => e,
    }
}

#[test]
fn impossible_timelines_are_errors_not_verdicts() {
    let below = simple(&[(0, DecTlbFlushPending)]);
    let e = err(&below);
    assert_eq!(e.step, Some(0));
    assert!(e.message.contains("below zero"), "{e}");

    let e = err(&simple(&[(0, CachePteInTlb), (1, TlbFinishMmu)]));
    assert_eq!(e.step, Some(1));
    assert!(e.message.contains("without a tlb_gather_mmu"), "{e}");

    let e = err(&simple(&[(0, TlbGatherMmu), (0, TlbGatherMmu)]));
    assert_eq!(e.step, Some(1));
    assert!(e.message.contains("already has one open"), "{e}");

    let e = err(&simple(&[(0, CachePteInTlb), (7, PteMkold)]));
    assert_eq!(e.step, Some(1));
    assert!(e.to_string().contains("CPU7"), "{e}");

    // A step on a page the scenario does not map, and a whole-mm action given a page.
    let e = err(&Scenario {
        steps: vec![Step::new(0, WriteToPage).on(1)],
        ..Scenario::new(2)
    });
    assert!(e.message.contains("acts on page 1"), "{e}");
    let two = vec![PageSpec::default(), PageSpec::new(PageKind::Anon)];
    let e = err(&Scenario {
        pages: two.clone(),
        steps: vec![Step::new(0, TlbGatherMmu).on(1)],
        ..Scenario::new(2)
    });
    assert!(e.message.contains("whole mm"), "{e}");
    assert!(run(
        &Scenario {
            pages: two,
            steps: vec![Step::new(0, WriteToPage).on(1)],
            ..Scenario::new(2)
        },
        &v510()
    )
    .is_ok());

    // The model's own entry point refuses what no scenario can name.
    let state = simple(&[]).validate().unwrap();
    assert_eq!(
        step(&state, 2, WriteToPage, &v510()).unwrap_err(),
        StepError::NoSuchCpu { cpu: 2, cpus: 2 }
    );
}

#[test]
fn impossible_machines_are_errors_not_verdicts() {
    for cpus in [0, 9] {
        let e = err(&Scenario::new(cpus));
        assert!(e.message.contains("1 to 8 CPUs"), "{cpus}: {e}");
    }
    assert!(run(&Scenario::new(8), &v510()).is_ok());
    let e = err(&Scenario {
        pages: vec![],
        ..Scenario::new(2)
    });
    assert!(e.message.contains("1 to 2 virtual pages"), "{e}");
    let e = err(&Scenario {
        pages: vec![PageSpec::default(); 3],
        ..Scenario::new(2)
    });
    assert!(e.message.contains("1 to 2 virtual pages"), "{e}");

    // Initial overrides that contradict each other.
    let page = |initial: PageInitial| scenario(2, initial, &[]);
    let cases = [
        (
            PageInitial {
                in_page_cache: Some(false),
                ..PageInitial::default()
            },
            "mem must equal disk",
        ),
        (
            PageInitial {
                in_page_cache: Some(false),
                mem: Some(0),
                ..PageInitial::default()
            },
            "cannot be present",
        ),
        (
            PageInitial {
                present: Some(false),
                ..PageInitial::default()
            },
            "no W or D bit",
        ),
        (
            PageInitial {
                present: Some(false),
                write: Some(false),
                dirty: Some(false),
                tlb: Some(vec![entry(false, false, 0)]),
                ..PageInitial::default()
            },
            "cannot cache",
        ),
        (
            PageInitial {
                tlb: Some(vec![None, None, entry(true, true, 0)]),
                ..PageInitial::default()
            },
            "3 TLB entries",
        ),
    ];
    for (initial, want) in cases {
        let e = err(&page(initial.clone()));
        assert!(e.message.contains(want), "{initial:?}: {e}");
        assert_eq!(e.step, None);
    }
    // The same overrides with their contradiction removed build.
    assert!(run(
        &page(PageInitial {
            in_page_cache: Some(false),
            present: Some(false),
            write: Some(false),
            dirty: Some(false),
            mem: Some(0),
            ..PageInitial::default()
        }),
        &v510()
    )
    .is_ok());

    // A second mapping must name an earlier page, and cannot restate the page's own fields.
    let e = err(&Scenario {
        pages: vec![
            PageSpec {
                same_as: Some(1),
                ..PageSpec::default()
            },
            PageSpec::default(),
        ],
        ..Scenario::new(2)
    });
    assert!(e.message.contains("must come before it"), "{e}");
    let e = err(&Scenario {
        pages: vec![
            PageSpec::default(),
            PageSpec {
                same_as: Some(0),
                initial: PageInitial {
                    pg_dirty: Some(false),
                    ..PageInitial::default()
                },
                ..PageSpec::default()
            },
        ],
        ..Scenario::new(2)
    });
    assert!(e.message.contains("set pg_dirty on page 0"), "{e}");
}

#[test]
fn counters_at_the_top_of_their_range_fail_with_a_message() {
    // A version or count that would pass 2^32 - 1 is an error naming the step, never a wrap (a wrong
    // verdict in release builds) or a panic (debug builds).
    let mut s = Scenario::new(2);
    s.pages[0].initial.mem = Some(u32::MAX);
    s.steps = vec![Step::new(0, WriteToPage)];
    let e = run(&s, &v510()).unwrap_err();
    assert_eq!(e.step, Some(0));
    assert!(e.message.contains("2^32"), "{e}");
    let mut s = Scenario::new(1);
    s.initial.tlb_flush_pending = Some(u32::MAX);
    s.steps = vec![Step::new(0, IncTlbFlushPending)];
    assert!(run(&s, &v510()).unwrap_err().message.contains("2^32"));
}
