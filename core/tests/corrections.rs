//! The places where model v1 departed from the kernel (found in review, docs/model.md §7), one test
//! each: what v2 does instead, and the kernel source that says so.

use tlbrace_core::examples::example;
use tlbrace_core::model::What;
use tlbrace_core::{
    run, Action::*, KernelPath, PageKind, PageSpec, Scenario, Step, Trace, Variant,
};

fn variant(spec: &str) -> Variant {
    Variant::parse(spec).unwrap()
}

fn trace(s: &Scenario, spec: &str) -> Trace {
    run(s, &variant(spec)).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

/// CPU0 caches a writable entry; CPU1 runs clear_refs with `walk` inside its gather.
fn clear_refs(walk: tlbrace_core::Action) -> Scenario {
    let mut s = Scenario::new(2);
    s.steps = vec![
        Step::new(0, CachePteInTlb),
        Step::new(1, TlbGatherMmu),
        Step::new(1, ClearRefsWrite),
        Step::new(1, walk),
        Step::new(1, TlbFinishMmu),
    ];
    s
}

#[test]
fn the_finish_flushes_what_was_recorded_not_whatever_was_walked() {
    // v1 flushed at tlb_finish_mmu under "recorded" batching whenever the walk touched a PTE. In
    // Will Deacon's 4/6 only soft-dirty clearing records (tlb_remove_tlb_entry in clear_soft_dirty);
    // aging records nothing, and a finish that cleared nothing flushes nothing (0758cd830494).
    let aging = trace(&clear_refs(PteMkold), "will-4+6");
    assert!(
        aging.states[4].tlb[0][0].is_some(),
        "aging: the entry stays"
    );
    let soft_dirty = trace(&clear_refs(PteWrprotect), "will-4+6");
    assert!(
        soft_dirty.states[4].tlb[0][0].is_none(),
        "soft-dirty: flushed"
    );
}

#[test]
fn clear_refs_raises_the_count_and_flushes_only_for_soft_dirty_since_912efa17e512() {
    // fs/proc/task_mmu.c after 912efa17e512: `if (type == CLEAR_REFS_SOFT_DIRTY) {
    // inc_tlb_flush_pending(mm); ... }` and the flush_tlb_mm/dec only for soft-dirty.
    let aging = trace(&clear_refs(PteMkold), "v5.12");
    assert_eq!(aging.states[1].tlb_flush_pending, 0);
    assert!(aging.states[4].tlb[0][0].is_some());
    let soft_dirty = trace(&clear_refs(PteWrprotect), "v5.12");
    assert_eq!(soft_dirty.states[1].tlb_flush_pending, 1);
    assert!(soft_dirty.states[4].tlb[0][0].is_none());
    // And the words say there is no mmu_gather in this kernel.
    let words = soft_dirty.events[1].text();
    assert!(
        words.contains("no mmu_gather") && words.contains("inc_tlb_flush_pending"),
        "{words}"
    );
    assert!(soft_dirty.events[4].text().contains("flush_tlb_mm"));
}

#[test]
fn arm64_before_v5_10_rc6_is_its_own_column() {
    // v1's arm64 was the post-v5.10-rc6 one. Before 07509e10dcc7 arm64's pte_accessible() was false
    // for an old PTE, so page_mkclean_one's ptep_clear_flush did not flush it.
    let mut s = Scenario::new(2);
    s.steps = vec![
        Step::new(0, CachePteInTlb),
        Step::new(1, PteMkold),
        Step::new(1, PageMkcleanOne),
    ];
    let before = trace(&s, "v5.10-rc4@arm64");
    assert!(before.states[2].tlb[0][0].is_some());
    assert!(before.events[2]
        .text()
        .contains("pte_accessible() is false"));
    assert_eq!(before.verdict.label(), "latent");
    let after = trace(&s, "v5.10@arm64");
    assert!(after.states[2].tlb[0][0].is_none());
    assert_eq!(after.verdict.label(), "guaranteed");
    // x86's pte_accessible never looked at the young bit.
    assert!(trace(&s, "v5.10-rc4").states[2].tlb[0][0].is_none());
}

#[test]
fn reclaim_of_a_dirty_mapped_page_unmaps_it_first() {
    // v1's drop left the PTE and the stale entries in place when it kept a dirty page. mm/vmscan.c
    // shrink_page_list: try_to_unmap (ptep_clear_flush, the dirty bit to the page) before deciding.
    let mut s = Scenario::new(2);
    s.steps = vec![Step::new(0, CachePteInTlb), Step::new(1, DropCleanPage)];
    let t = trace(&s, "v5.12");
    let after = t.states[1];
    assert!(!after.pte[0].present, "the PTE is gone");
    assert!(after.tlb[0][0].is_none(), "and so is CPU0's entry");
    let frame = after.page[0].frame.expect("a dirty page is kept");
    assert!(after.frame[usize::from(frame)].pg_dirty);
    assert!(matches!(t.events[1].effect.what, What::ReclaimKept { .. }));
}

#[test]
fn madv_free_refuses_a_file_page_and_the_cleaner_is_a_gpu_driver() {
    // v1's palette grouped "MADV_FREE / clean_record" as one path for a file page. madvise_free
    // refuses file VMAs (madvise_free_single_vma: !vma_is_anonymous → -EINVAL), and
    // clean_record_shared_mapping_range's only user is the vmwgfx driver.
    let mut s = Scenario::new(1);
    s.steps = vec![
        Step::new(0, TlbGatherMmu),
        Step::new(0, MadviseFreePteRange),
        Step::new(0, TlbFinishMmu),
    ];
    let t = trace(&s, "v5.12");
    assert!(matches!(t.events[1].effect.what, What::MadvFreeRefused));
    assert!(t.events[1].text().contains("anonymous memory only"));
    assert_eq!(t.states[1].pte[0], t.initial.pte[0]);
    s.pages = vec![PageSpec::new(PageKind::Anon)];
    let t = trace(&s, "v5.12");
    assert!(matches!(t.events[1].effect.what, What::MadvFreed { .. }));
    assert!(KernelPath::MappingDirty.title().contains("GPU"));
    assert_ne!(MadviseFreePteRange.path(), CleanRecordPte.path());
}

#[test]
fn a_clean_entry_over_a_vanished_pte_is_not_called_write_protected() {
    // The dirty-bit walk of a writable, clean entry that finds the PTE gone faults for that reason,
    // not because the PTE is write-protected (v1's words for both).
    let mut s = Scenario::new(2);
    s.pages[0].initial.dirty = Some(false);
    s.steps = vec![
        Step::new(0, CachePteInTlb),
        Step::new(1, TlbGatherMmu),
        Step::new(1, ZapPteRange),
        Step::new(0, WriteToPage),
        Step::new(1, TlbFinishMmu),
    ];
    let words = trace(&s, "v5.12").events[3].text();
    assert!(!words.contains("write-protected"), "{words}");
    assert!(words.contains("no longer maps"), "{words}");
    // Seed case 2b keeps its words: there the PTE is write-protected.
    let b = example("example-2b").unwrap();
    let words = trace(&b, "v5.12").events[5].text();
    assert!(words.contains("write-protected PTE"), "{words}");
}

#[test]
fn nested_only_flushing_is_x86_since_0758cd830494() {
    // v1's "nested-only" batching was x86's behaviour from v5.6 on: before 0758cd830494 an empty
    // fullmm finish still flushed on x86; arm64 never flushed a fullmm finish (its tlb_flush returns
    // early for fullmm) unless nested.
    let s = clear_refs(PteWrprotect);
    let flushed = |spec: &str| trace(&s, spec).states[4].tlb[0][0].is_none();
    assert!(flushed("v5.2"));
    assert!(!flushed("v5.10-rc4"));
    assert!(!flushed("v5.2@arm64"));
}
