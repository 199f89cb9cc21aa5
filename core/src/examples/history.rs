//! The races behind a decade of `mm->tlb_flush_pending` fixes, one scenario each, laid out as the
//! commit message draws its race where it draws one (lanes in the same order), with the steps named
//! as the model names the kernel's functions and notes in our own words. docs/model.md §8 lists the
//! sources.

use crate::model::action::Action::*;
use crate::model::initial::{PageInitial, PageSpec};
use crate::model::scenario::{Scenario, Step};
use crate::model::state::PageKind;

fn scenario(title: &str, labels: &[&str], pages: Vec<PageSpec>, steps: Vec<Step>) -> Scenario {
    Scenario {
        title: Some(title.to_string()),
        labels: labels.iter().map(|l| l.to_string()).collect(),
        pages,
        steps,
        ..Scenario::new(labels.len())
    }
}

fn anon() -> PageSpec {
    PageSpec::new(PageKind::Anon)
}

fn file() -> PageSpec {
    PageSpec::new(PageKind::File)
}

/// 20841405940e: NUMA hinting makes the PTE PROT_NONE and defers its flush; migration's
/// ptep_clear_flush() thinks the PTE unreachable and does not flush.
pub(super) fn numa_migration() -> Scenario {
    scenario(
        "NUMA hinting vs migration (20841405940e)",
        &["NUMA scan", "NUMA fault", "userspace"],
        vec![anon()],
        vec![
            Step::new(2, CachePteInTlb).note("writable entry cached"),
            Step::new(0, ChangeProtNuma).note("PTE made PROT_NONE, flush later"),
            Step::new(1, DoNumaPage).note("hinting fault: migrate"),
            Step::new(1, TryToMigrateOne).note("is the PTE reachable?"),
            Step::new(1, MoveToNewPage).note("copied, old frame freed"),
            Step::new(2, WriteToPage).note("the old frame may have a new owner"),
            Step::new(0, FlushTlbRange).note("too late"),
        ],
    )
}

/// 1cf35d47712d: zap_pte_range() moves the dirty bit to the page but flushes only after dropping
/// the page-table lock, so writeback can clean the page while a CPU still writes through its entry.
pub(super) fn zap_vs_writeback() -> Scenario {
    scenario(
        "munmap vs writeback: flush before the page-table lock goes (1cf35d47712d)",
        &["userspace", "munmap", "writeback"],
        vec![file()],
        vec![
            Step::new(0, CachePteInTlb).note("writable, dirty entry cached"),
            Step::new(1, TlbGatherMmu),
            Step::new(1, ZapPteRange).note("dirty bit moved to the page"),
            Step::new(1, PteUnmapUnlock),
            Step::new(2, PageMkcleanOne).note("no mapping left to clean"),
            Step::new(2, WritePageToDisk),
            Step::new(0, WriteToPage).note("through the stale entry"),
            Step::new(1, TlbFinishMmu).note("the flush comes too late"),
            Step::new(2, DropCleanPage).note("the page looks clean"),
        ],
    )
}

/// 5df397dec7c4: with the flush under the lock, the zap still removed the rmap before flushing, so
/// page_mkclean() found no mapping and did not wait for the lock.
pub(super) fn delayed_rmap() -> Scenario {
    scenario(
        "zap vs writeback: remove the rmap only after the flush (5df397dec7c4)",
        &["userspace", "munmap", "writeback"],
        vec![file()],
        vec![
            Step::new(0, CachePteInTlb).note("writable, dirty entry cached"),
            Step::new(1, TlbGatherMmu),
            Step::new(1, ZapPteRange).note("rmap gone, flush owed at unlock"),
            Step::new(2, PageMkcleanOne).note("page not mapped: nothing to do"),
            Step::new(2, WritePageToDisk),
            Step::new(0, WriteToPage).note("through the stale entry"),
            Step::new(1, PteUnmapUnlock).note("flush, then unlock"),
            Step::new(1, TlbFinishMmu),
            Step::new(2, DropCleanPage).note("the page looks clean"),
        ],
    )
}

/// 3ea277194daa: reclaim clears the PTE and batches its flush; mprotect finds nothing present to
/// flush and returns while the stale writable entry lives on.
pub(super) fn reclaim_vs_mprotect() -> Scenario {
    scenario(
        "batched reclaim vs mprotect (3ea277194daa)",
        &["reclaim", "userspace"],
        vec![file()],
        vec![
            Step::new(1, CachePteInTlb).note("writable entry cached"),
            Step::new(0, TryToUnmapOne).note("PTE cleared, flush batched"),
            Step::new(1, Mprotect).note("PROT_READ: no PTE, no flush"),
            Step::new(1, WriteToPage).note("mprotect has returned"),
            Step::new(0, TryToUnmapFlush),
        ],
    )
}

/// 16af97dc5a89: while the pending state was a flag, one deferred flush finishing cleared it for
/// another still outstanding, and migration trusted the cleared flag.
pub(super) fn pending_counter() -> Scenario {
    scenario(
        "two deferred flushes and one flag (16af97dc5a89)",
        &["userspace", "NUMA scan", "NUMA scan", "migration"],
        vec![anon(), anon()],
        vec![
            Step::new(0, CachePteInTlb).note("writable entry for page 0"),
            Step::new(1, ChangeProtNuma).note("page 0: flush pending"),
            Step::new(2, ChangeProtNuma).on(1).note("page 1"),
            Step::new(2, FlushTlbRange).note("page 1 flushed: pending cleared"),
            Step::new(3, DoNumaPage),
            Step::new(3, TryToMigrateOne).note("nothing pending: no flush"),
            Step::new(3, MoveToNewPage),
            Step::new(0, WriteToPage).note("into the old frame"),
            Step::new(1, FlushTlbRange),
        ],
    )
}

/// b3a81d0841a9: KSM's write_protect_page() skips the flush for a clean read-only PTE, but another
/// CPU's deferred flush may leave a writable dirty entry behind it.
pub(super) fn ksm() -> Scenario {
    scenario(
        "KSM merges a page still being written (b3a81d0841a9)",
        &["userspace", "MADV_FREE", "clear_refs", "KSM"],
        vec![anon()],
        vec![
            Step::new(0, CachePteInTlb).note("dirty, writable entry cached"),
            Step::new(1, TlbGatherMmu),
            Step::new(1, MadviseFreePteRange).note("PTE made clean"),
            Step::new(2, TlbGatherMmu),
            Step::new(2, ClearRefsWrite),
            Step::new(2, PteWrprotect).note("PTE made read-only"),
            Step::new(3, WriteProtectPage).note("clean and read-only: no flush"),
            Step::new(3, PagesIdentical),
            Step::new(0, WriteToPage).note("through the stale entry"),
            Step::new(3, ReplacePage),
            Step::new(1, TlbFinishMmu),
            Step::new(2, TlbFinishMmu),
        ],
    )
}

/// 99baac21e458: a second MADV_FREE finds the PTE already clean, records nothing, and returns
/// without a flush while the first one's flush is still to come.
pub(super) fn nested_madv_free() -> Scenario {
    scenario(
        "two MADV_FREEs, one flush (99baac21e458)",
        &["userspace", "MADV_FREE", "MADV_FREE", "reclaim"],
        vec![anon()],
        vec![
            Step::new(0, CachePteInTlb).note("dirty, writable entry cached"),
            Step::new(1, TlbGatherMmu),
            Step::new(1, MadviseFreePteRange).note("PTE cleaned, recorded"),
            Step::new(2, TlbGatherMmu),
            Step::new(2, MadviseFreePteRange).note("already clean: nothing recorded"),
            Step::new(2, TlbFinishMmu).note("nothing to flush? madvise returns"),
            Step::new(0, WriteToPage).note("the write should cancel the free"),
            Step::new(3, DropCleanPage).note("still clean: discarded"),
            Step::new(1, TlbFinishMmu),
        ],
    )
}

/// 687cb0884a71: the OOM reaper's gather covered the whole mm, which arm64 does not flush, though
/// the victim's threads may still run.
pub(super) fn oom_reaper() -> Scenario {
    scenario(
        "the OOM reaper's fullmm gather on arm64 (687cb0884a71)",
        &["victim thread", "oom_reaper"],
        vec![anon()],
        vec![
            Step::new(0, CachePteInTlb).note("writable entry cached"),
            Step::new(1, OomReapTaskMm).note("one gather for the whole mm"),
            Step::new(1, ZapPteRange),
            Step::new(1, TlbFinishMmu).note("pages freed"),
            Step::new(0, WriteToPage).note("the thread has not exited yet"),
        ],
    )
}

/// 0758cd830494 and 912efa17e512: clear_refs write-protects for soft-dirty without recording the
/// PTEs; once x86 stopped flushing an empty fullmm gather, nothing flushed them.
pub(super) fn soft_dirty() -> Scenario {
    scenario(
        "clear_refs soft-dirty: the flush that stopped happening (0758cd830494, 912efa17e512)",
        &["userspace", "clear_refs"],
        vec![file()],
        vec![
            Step::new(0, CachePteInTlb).note("writable entry cached"),
            Step::new(1, TlbGatherMmu),
            Step::new(1, ClearRefsWrite).note("echo 4 > clear_refs"),
            Step::new(1, PteWrprotect).note("soft-dirty cleared, not recorded"),
            Step::new(1, TlbFinishMmu).note("clear_refs returns"),
            Step::new(0, WriteToPage).note("soft-dirty should catch this"),
        ],
    )
}

/// ff1712f953e2: arm64's pte_wrprotect() dropped the dirty state the hardware had set, so writeback
/// saw a clean page.
pub(super) fn arm64_wrprotect() -> Scenario {
    scenario(
        "arm64: write-protect forgets the hardware dirty bit (ff1712f953e2)",
        &["userspace", "clear_refs", "writeback"],
        vec![PageSpec {
            initial: PageInitial {
                dirty: Some(false),
                pg_dirty: Some(false),
                disk: Some(1),
                ..PageInitial::default()
            },
            ..file()
        }],
        vec![
            Step::new(0, WriteToPage).note("the hardware sets the dirty bit"),
            Step::new(1, TlbGatherMmu),
            Step::new(1, ClearRefsWrite),
            Step::new(1, PteWrprotect).note("dirty state kept?"),
            Step::new(1, TlbFinishMmu),
            Step::new(2, PageMkcleanOne),
            Step::new(2, WritePageToDisk),
            Step::new(2, DropCleanPage),
        ],
    )
}

/// 07509e10dcc7: arm64's pte_accessible() called an old PTE unreachable, so ptep_clear_flush() did
/// not flush a PTE that a TLB still held.
pub(super) fn arm64_accessible() -> Scenario {
    scenario(
        "arm64: an old PTE is still in the TLB (07509e10dcc7)",
        &["userspace", "clear_refs", "migration"],
        vec![anon()],
        vec![
            Step::new(0, CachePteInTlb).note("writable entry cached"),
            Step::new(1, TlbGatherMmu),
            Step::new(1, ClearRefsWrite).note("echo 1 > clear_refs"),
            Step::new(1, PteMkold).note("young cleared, no flush needed"),
            Step::new(1, TlbFinishMmu),
            Step::new(2, TryToMigrateOne).note("old, so not accessible?"),
            Step::new(2, MoveToNewPage),
            Step::new(0, WriteToPage).note("into the old frame"),
        ],
    )
}

/// 6ce64428d621: userfaultfd write-(un)protect defers its flush; a COW fault copies the page while
/// another CPU still writes the old one.
pub(super) fn uffd_wp_cow() -> Scenario {
    scenario(
        "userfaultfd write-protect vs a COW fault (6ce64428d621)",
        &["uffd", "page fault", "userspace"],
        vec![PageSpec {
            initial: PageInitial {
                shared: Some(true),
                ..PageInitial::default()
            },
            ..anon()
        }],
        vec![
            Step::new(2, CachePteInTlb).note("writable entry cached"),
            Step::new(0, MwriteprotectRange).note("write-unprotect clears W, flush later"),
            Step::new(1, WpPageCopy).note("copy page"),
            Step::new(2, WriteToPage).note("write to the old page"),
            Step::new(1, SetPteAtNotify),
            Step::new(0, FlushTlbRange),
        ],
    )
}

/// 60bae7370896: migrate_vma_collect_pmd() dropped the page-table lock before flushing, so
/// MADV_DONTNEED found no present PTE, flushed nothing and returned.
pub(super) fn migrate_vma() -> Scenario {
    scenario(
        "device migration vs MADV_DONTNEED (60bae7370896)",
        &["migrate_vma", "madvise", "userspace"],
        vec![anon()],
        vec![
            Step::new(2, CachePteInTlb).note("writable entry cached"),
            Step::new(0, MigrateVmaCollectPmd),
            Step::new(0, PteUnmapUnlock),
            Step::new(1, TlbGatherMmu).note("MADV_DONTNEED"),
            Step::new(1, ZapPteRange).note("PTE not present, TLB not flushed"),
            Step::new(1, PteUnmapUnlock),
            Step::new(1, TlbFinishMmu).note("madvise returns"),
            Step::new(2, WriteToPage).note("page still reachable"),
            Step::new(0, FlushTlbRange),
        ],
    )
}
