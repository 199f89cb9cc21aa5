//! Built-in scenarios: the seed thread's diagrams (the model's acceptance tests) and the history of
//! TLB-flush races behind `mm->tlb_flush_pending`, each with the kernel that does harm and the one
//! that does not. One table, so the CLI's `examples`, the page's menu and the tests list the same.

mod history;
mod seed;

use crate::model::action::KernelPath;
use crate::model::scenario::Scenario;

/// Where a built-in scenario comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The seed thread (linux-arm-kernel, November 2020): the diagrams tlbrace started from.
    Seed,
    /// A kernel commit whose message describes a race.
    History,
}

/// Two kernels to put side by side: one under which the scenario does harm, one under which it
/// does not, as variant specs (`v4.12`, `v5.10-rc4@arm64`, `will-4+6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contrast {
    /// A kernel that does harm.
    pub harmed: &'static str,
    /// A kernel that does not.
    pub holds: &'static str,
}

/// A built-in scenario.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    /// Its name on the command line and in the page's menu.
    pub name: &'static str,
    /// What it shows, in one line.
    pub description: &'static str,
    /// Where it comes from.
    pub origin: Origin,
    /// The commit it is about (the fix, or the change that opened the race), 12 hex digits.
    pub commit: Option<&'static str>,
    /// The year of the commit or thread, for the gallery's order.
    pub year: u16,
    /// The kernel path the race is about, for grouping.
    pub path: KernelPath,
    /// The race in a paragraph, in our words.
    pub story: &'static str,
    /// The kernels to show first, when the verdict differs between two.
    pub contrast: Option<Contrast>,
    build: fn() -> Scenario,
}

impl Example {
    /// A fresh copy of the scenario.
    pub fn scenario(&self) -> Scenario {
        (self.build)()
    }
}

const fn contrast(harmed: &'static str, holds: &'static str) -> Option<Contrast> {
    Some(Contrast { harmed, holds })
}

/// Every built-in example: the seed's first, then the history by year.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "example-1",
        description: "Yu Zhao's Example 1: memory corruption is still possible with patches 4 and 6",
        origin: Origin::Seed,
        commit: None,
        year: 2020,
        path: KernelPath::Writeback,
        story: "Two deferred flushes (a GPU driver cleaning PTEs, clear_refs write-protecting them) \
                leave CPU0 a writable, dirty TLB entry over a clean, read-only PTE. page_mkclean_one \
                finds nothing to clean and skips its flush, writeback writes the page, CPU0 writes \
                again without touching the PTE, and reclaim drops the page as clean.",
        contrast: contrast("will-4+6", "yu-fix"),
        build: seed::example_1,
    },
    Example {
        name: "example-2a",
        description: "Example 2, case a: with the mm_tlb_flush_pending() fix, a pending flush forces page_mkclean_one to flush",
        origin: Origin::Seed,
        commit: None,
        year: 2020,
        path: KernelPath::Writeback,
        story: "Example 1 without clear_refs' gather: the only pending flush is the cleaner's, and \
                page_mkclean_one flushes because of it under Yu Zhao's fix.",
        contrast: contrast("will-4+6", "yu-fix"),
        build: seed::example_2a,
    },
    Example {
        name: "example-2b",
        description: "Example 2, case b: the PTE was clean at write-protect, so the stale clean entry faults",
        origin: Origin::Seed,
        commit: None,
        year: 2020,
        path: KernelPath::Writeback,
        story: "The cached entry is writable but clean: the store has to walk to set the dirty bit, \
                finds the PTE write-protected, and faults. Safe under every kernel.",
        contrast: None,
        build: seed::example_2b,
    },
    Example {
        name: "example-2c",
        description: "Example 2, case c: the PTE was dirty at write-protect, so page_mkclean_one flushes",
        origin: Origin::Seed,
        commit: None,
        year: 2020,
        path: KernelPath::Writeback,
        story: "clear_refs write-protects a dirty PTE, so page_mkclean_one finds it dirty and \
                flushes. Safe under every kernel.",
        contrast: None,
        build: seed::example_2c,
    },
    Example {
        name: "example-1-early-finish",
        description: "Example 1 with CPU2's tlb_finish_mmu moved just before CPU0's write: the nested flush saves it",
        origin: Origin::Seed,
        commit: None,
        year: 2020,
        path: KernelPath::MmuGather,
        story: "Example 1 with clear_refs finishing before the write: with another flush pending, \
                tlb_finish_mmu flushes (mm_tlb_flush_nested), and the write faults.",
        contrast: None,
        build: seed::example_1_early_finish,
    },
    Example {
        name: "numa-migration",
        description: "NUMA hinting defers its flush; migration thinks the PROT_NONE PTE unreachable",
        origin: Origin::History,
        commit: Some("20841405940e"),
        year: 2013,
        path: KernelPath::Migration,
        story: "The NUMA scanner turns a PTE into a PROT_NONE hinting entry and flushes only at the \
                end of its walk. Meanwhile a hinting fault migrates the page: ptep_clear_flush asks \
                pte_accessible whether anyone can still reach the PTE, x86 says no for PROT_NONE, and \
                the page is copied and freed while a CPU still writes the old frame. The fix raises \
                mm->tlb_flush_pending around the walk and makes pte_accessible answer yes while it is \
                raised.",
        contrast: contrast("v3.12", "v3.13"),
        build: history::numa_migration,
    },
    Example {
        name: "zap-vs-writeback",
        description: "munmap moves the dirty bit to the page but flushes after dropping the page-table lock",
        origin: Origin::History,
        commit: Some("1cf35d47712d"),
        year: 2014,
        path: KernelPath::Unmap,
        story: "zap_pte_range clears a dirty shared-file PTE and marks the page dirty, but the TLB \
                flush waits for tlb_finish_mmu, after the page-table lock is gone. Writeback cleans \
                and writes the page in between, a CPU keeps writing through its entry without dirtying \
                anything, and reclaim drops the page. The fix flushes before the lock goes whenever \
                the zap dirtied a page.",
        contrast: contrast("v3.12", "v3.15"),
        build: history::zap_vs_writeback,
    },
    Example {
        name: "reclaim-vs-mprotect",
        description: "reclaim batches its flush; mprotect finds no present PTE and returns",
        origin: Origin::History,
        commit: Some("3ea277194daa"),
        year: 2017,
        path: KernelPath::Reclaim,
        story: "Since v4.3 reclaim on x86 clears PTEs under the lock but batches the flush. An \
                mprotect(PROT_READ) running meanwhile sees no present PTE, has nothing to flush and \
                returns, while another CPU goes on writing through its cached writable entry. The fix: \
                paths that change PTEs flush first if reclaim may be batching \
                (flush_tlb_batched_pending).",
        contrast: contrast("v4.12", "v4.13"),
        build: history::reclaim_vs_mprotect,
    },
    Example {
        name: "pending-counter",
        description: "two deferred flushes share one flag: the first to finish clears it for both",
        origin: Origin::History,
        commit: Some("16af97dc5a89"),
        year: 2017,
        path: KernelPath::Protection,
        story: "Two walks defer their flushes at once, over different pages. While the pending state \
                was a flag, the first to flush cleared it, and migration of the other walk's page saw \
                nothing pending, skipped its flush, and freed a frame still in a TLB. The fix makes \
                mm->tlb_flush_pending a counter.",
        contrast: contrast("v4.12", "v4.13"),
        build: history::pending_counter,
    },
    Example {
        name: "ksm",
        description: "KSM skips the flush for a clean read-only PTE that a CPU still writes through",
        origin: Origin::History,
        commit: Some("b3a81d0841a9"),
        year: 2017,
        path: KernelPath::Ksm,
        story: "MADV_FREE cleans the PTE and clear_refs write-protects it, both deferring their \
                flushes. KSM's write_protect_page sees a clean read-only PTE, decides no flush is \
                needed, finds the page identical to a stable one and replaces it, while a CPU's write \
                through its stale dirty entry lands in the old page. The fix: KSM flushes whenever a \
                flush is pending, and clear_refs announces its flush with a gather.",
        contrast: contrast("v4.12", "v4.13"),
        build: history::ksm,
    },
    Example {
        name: "nested-madv-free",
        description: "a second MADV_FREE finds the PTE clean, flushes nothing and returns",
        origin: Origin::History,
        commit: Some("99baac21e458"),
        year: 2017,
        path: KernelPath::MmuGather,
        story: "Two threads MADV_FREE the same range. The first cleans the PTE and will flush at its \
                tlb_finish_mmu; the second finds the PTE already clean, records nothing, and returns \
                without a flush. A write after that return should cancel the free, but goes through \
                the stale dirty entry without dirtying the PTE, and reclaim discards the page. The \
                fix: every gather raises the pending count, and tlb_finish_mmu flushes when another \
                is pending (mm_tlb_flush_nested).",
        contrast: contrast("v4.12", "v4.13"),
        build: history::nested_madv_free,
    },
    Example {
        name: "oom-reaper",
        description: "the OOM reaper's fullmm gather flushes nothing on arm64 while the victim still runs",
        origin: Origin::History,
        commit: Some("687cb0884a71"),
        year: 2017,
        path: KernelPath::Unmap,
        story: "The OOM reaper unmapped a victim's memory with a gather over the whole mm. arm64 \
                skips the flush for a fullmm gather, since a dying mm's ASID is never reused without \
                a full invalidation, but the victim's threads may still be running and writing into \
                freed pages. The fix gathers each VMA's range, which arm64 does flush.",
        contrast: contrast("v4.13@arm64", "v4.15@arm64"),
        build: history::oom_reaper,
    },
    Example {
        name: "zap-delayed-rmap",
        description: "the zap removes the rmap before its flush, so page_mkclean does not wait",
        origin: Origin::History,
        commit: Some("5df397dec7c4"),
        year: 2022,
        path: KernelPath::Unmap,
        story: "After 1cf35d47712d the zap flushes before dropping the page-table lock, but it has \
                already removed the page's rmap. page_mkclean finds the page unmapped, so it neither \
                takes the lock nor waits for the flush; writeback cleans the page while a CPU still \
                writes through its entry. The fix delays the rmap removal until after the flush.",
        contrast: contrast("v6.0", "v6.2"),
        build: history::delayed_rmap,
    },
    Example {
        name: "soft-dirty",
        description: "clear_refs write-protects for soft-dirty and nothing flushes on x86",
        origin: Origin::History,
        commit: Some("912efa17e512"),
        year: 2021,
        path: KernelPath::ClearRefs,
        story: "clear_refs clears soft-dirty by write-protecting PTEs but records none in its gather. \
                Since 0758cd830494 (v5.6) x86 skips the flush of a fullmm gather that recorded \
                nothing, so a write through a cached writable entry after clear_refs returns neither \
                faults nor sets soft-dirty, and the next reader misses it. Before v5.6 the empty \
                finish still flushed; 912efa17e512 raises the pending count and flushes explicitly.",
        contrast: contrast("v5.11", "v5.12"),
        build: history::soft_dirty,
    },
    Example {
        name: "arm64-wrprotect-dirty",
        description: "arm64's pte_wrprotect forgot the dirty state the hardware had set",
        origin: Origin::History,
        commit: Some("ff1712f953e2"),
        year: 2020,
        path: KernelPath::ClearRefs,
        story: "With hardware dirty-bit management, an arm64 PTE is dirty when it is writable and not \
                read-only. pte_wrprotect made it read-only without saving that state in the software \
                dirty bit, so page_mkclean found a clean PTE, writeback skipped the page, and reclaim \
                dropped the only copy of the write.",
        contrast: contrast("v5.10-rc4@arm64", "v5.10@arm64"),
        build: history::arm64_wrprotect,
    },
    Example {
        name: "arm64-accessible-old",
        description: "arm64's pte_accessible called an old PTE unreachable, so nothing flushed it",
        origin: Origin::History,
        commit: Some("07509e10dcc7"),
        year: 2020,
        path: KernelPath::Migration,
        story: "arm64's pte_accessible answered no for a valid PTE with the access flag clear, as if \
                no TLB could hold it. After clear_refs aged the PTE, migration's ptep_clear_flush \
                skipped the flush and freed a frame that a CPU's TLB still mapped.",
        contrast: contrast("v5.10-rc4@arm64", "v5.10@arm64"),
        build: history::arm64_accessible,
    },
    Example {
        name: "uffd-wp-cow",
        description: "userfaultfd write-protect defers its flush; a COW copies the page while it is written",
        origin: Origin::History,
        commit: Some("6ce64428d621"),
        year: 2021,
        path: KernelPath::Cow,
        story: "userfaultfd write-(un)protect changes PTEs under the mmap lock held for reading and \
                flushes at the end. A write fault on the now read-only PTE copies the shared page \
                with the page-table lock dropped, while a CPU still writes the old page through its \
                writable entry; the copy is mapped and that write is gone. The fix: do_wp_page \
                flushes first when a flush is pending.",
        contrast: contrast("v5.11", "v5.12"),
        build: history::uffd_wp_cow,
    },
    Example {
        name: "migrate-vma",
        description: "device migration drops the page-table lock before flushing; MADV_DONTNEED returns",
        origin: Origin::History,
        commit: Some("60bae7370896"),
        year: 2022,
        path: KernelPath::Migration,
        story: "migrate_vma_collect_pmd replaces PTEs with migration entries and flushed only after \
                dropping the page-table lock. A MADV_DONTNEED in between finds no present PTE, owes \
                no flush, and returns while a CPU can still write the page through its entry. The \
                fix flushes before the unlock.",
        contrast: contrast("v5.12", "v6.0"),
        build: history::migrate_vma,
    },
];

/// Finds a built-in example by name.
pub fn example(name: &str) -> Option<Scenario> {
    find(name).map(Example::scenario)
}

/// A built-in example's entry, by name.
pub fn find(name: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.name == name)
}
