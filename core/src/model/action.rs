//! The actions a CPU lane can hold, named as the kernel names them so that a timeline reads like the
//! diagrams on the mailing lists.

use serde::{Deserialize, Serialize};
use strum::EnumCount;

pub use crate::model::actions::{ActionDef, DEFS};

/// One step a CPU performs. Kernel functions keep their kernel names; the user-space accesses and the
/// two writeback/reclaim steps of the seed keep its wording. The order is the palette's, grouped by
/// [`KernelPath`].
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, EnumCount,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A user access that walks the page table and caches the PTE in this CPU's TLB.
    CachePteInTlb,
    /// A user store to the page.
    WriteToPage,
    /// A user load from the page.
    ReadPage,
    /// `inc_tlb_flush_pending()`: announce PTE changes whose flush comes later.
    IncTlbFlushPending,
    /// `clean_record_pte()`: clean the PTE and record it for a later flush.
    CleanRecordPte,
    /// `pte_mkclean()`: clear the PTE's dirty bit.
    PteMkclean,
    /// `flush_tlb_range()`: flush the range from every CPU's TLB.
    FlushTlbRange,
    /// `dec_tlb_flush_pending()`: the deferred flush is done.
    DecTlbFlushPending,
    /// `clear_refs_write()`: the write to /proc/PID/clear_refs begins.
    ClearRefsWrite,
    /// `pte_wrprotect()`: clear W (and soft-dirty) for soft-dirty tracking, without a flush.
    PteWrprotect,
    /// `pte_mkold()`: clear the young bit (page aging), without a flush.
    PteMkold,
    /// `tlb_gather_mmu()`: begin an mmu_gather.
    TlbGatherMmu,
    /// `tlb_finish_mmu()`: end an mmu_gather, flushing as the kernel decides.
    TlbFinishMmu,
    /// `madvise_free_pte_range()`: MADV_FREE cleans the PTE and marks the page lazily freeable.
    MadviseFreePteRange,
    /// `zap_pte_range()`: munmap / MADV_DONTNEED / the OOM reaper clears the PTE.
    ZapPteRange,
    /// `pte_unmap_unlock()`: release the page-table lock.
    PteUnmapUnlock,
    /// `__oom_reap_task_mm()`: the OOM reaper opens its gather.
    OomReapTaskMm,
    /// `mprotect(PROT_READ)`: the whole syscall.
    Mprotect,
    /// `change_prot_numa()`: NUMA hinting makes the PTE PROT_NONE, flush deferred.
    ChangeProtNuma,
    /// `mwriteprotect_range()`: userfaultfd write-(un)protect, flush deferred.
    MwriteprotectRange,
    /// `do_numa_page()`: the NUMA hinting fault (a marker).
    DoNumaPage,
    /// `try_to_migrate_one()`: migration unmaps the page.
    TryToMigrateOne,
    /// `move_to_new_page()`: migration copies the page and maps the copy.
    MoveToNewPage,
    /// `migrate_vma_collect_pmd()`: a device migration takes the PTE.
    MigrateVmaCollectPmd,
    /// `try_to_unmap_one()`: reclaim clears one PTE.
    TryToUnmapOne,
    /// `try_to_unmap_flush()`: reclaim's batched flush.
    TryToUnmapFlush,
    /// Reclaim of a page it believes clean.
    DropCleanPage,
    /// `page_mkclean_one()`: writeback write-protects and cleans the PTE, unless it looks clean already.
    PageMkcleanOne,
    /// Writeback's I/O: `TestClearPageDirty`, then write the page if it was dirty.
    WritePageToDisk,
    /// KSM's `write_protect_page()`.
    WriteProtectPage,
    /// KSM's `pages_identical()`.
    PagesIdentical,
    /// KSM's `replace_page()`.
    ReplacePage,
    /// `wp_page_copy()`: a COW copy.
    WpPageCopy,
    /// `set_pte_at_notify()`: the COW copy is mapped.
    SetPteAtNotify,
    /// `flush_tlb_mm()`: flush the whole address space on every CPU.
    FlushTlbMm,
    /// `local_flush_tlb_page()`: flush the page from this CPU's TLB only.
    LocalFlushTlbPage,
}

/// The kernel path an action belongs to; the palette groups actions by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KernelPath {
    /// What user space does with the mapping.
    UserSpace,
    /// Cleaning PTEs with a deferred flush: mm/mapping_dirty_helpers.c
    /// (`clean_record_shared_mapping_range`, whose one user is the vmwgfx GPU driver).
    MappingDirty,
    /// /proc/PID/clear_refs (fs/proc/task_mmu.c).
    ClearRefs,
    /// The mmu_gather (mm/mmu_gather.c) that clear_refs, MADV_FREE, zaps and the OOM reaper take.
    MmuGather,
    /// MADV_FREE, munmap, MADV_DONTNEED, the OOM reaper (mm/madvise.c, mm/memory.c, mm/oom_kill.c).
    Unmap,
    /// mprotect, NUMA hinting, userfaultfd write-protect (mm/mprotect.c, mm/userfaultfd.c).
    Protection,
    /// Page migration (mm/migrate.c, mm/migrate_device.c).
    Migration,
    /// Reclaim (mm/vmscan.c, mm/rmap.c).
    Reclaim,
    /// Writeback of a file page (mm/page-writeback.c, mm/rmap.c).
    Writeback,
    /// KSM (mm/ksm.c).
    Ksm,
    /// The COW copy of a write fault (mm/memory.c).
    Cow,
    /// Explicit TLB flushes.
    Tlb,
}

impl KernelPath {
    /// Every path, in palette order.
    pub const ALL: [KernelPath; 12] = [
        KernelPath::UserSpace,
        KernelPath::MappingDirty,
        KernelPath::ClearRefs,
        KernelPath::MmuGather,
        KernelPath::Unmap,
        KernelPath::Protection,
        KernelPath::Migration,
        KernelPath::Reclaim,
        KernelPath::Writeback,
        KernelPath::Ksm,
        KernelPath::Cow,
        KernelPath::Tlb,
    ];

    /// The heading a palette shows.
    pub fn title(self) -> &'static str {
        match self {
            KernelPath::UserSpace => "user space",
            KernelPath::MappingDirty => "mapping_dirty_helpers (GPU drivers)",
            KernelPath::ClearRefs => "clear_refs",
            KernelPath::MmuGather => "mmu_gather",
            KernelPath::Unmap => "MADV_FREE, munmap, MADV_DONTNEED, OOM reaper",
            KernelPath::Protection => "mprotect, NUMA hinting, uffd-wp",
            KernelPath::Migration => "migration",
            KernelPath::Reclaim => "reclaim",
            KernelPath::Writeback => "writeback",
            KernelPath::Ksm => "KSM",
            KernelPath::Cow => "COW fault",
            KernelPath::Tlb => "TLB",
        }
    }
}

impl Action {
    /// Every action, in palette order (the order of [`DEFS`]).
    pub const ALL: [Action; Action::COUNT] = {
        let mut all = [Action::CachePteInTlb; Action::COUNT];
        let mut i = 0;
        while i < Action::COUNT {
            all[i] = DEFS[i].action;
            i += 1;
        }
        all
    };

    /// Everything about the action: names, path, summary, share code, footprint and semantics.
    pub fn def(self) -> &'static ActionDef {
        DEFS[self as usize]
    }

    /// The stable identifier used in the scenario format (`snake_case`, as serialised).
    pub fn id(self) -> &'static str {
        self.def().id
    }

    /// How the action is written in a diagram: `name()` for kernel functions, plain words for the rest.
    pub fn label(self) -> &'static str {
        self.def().label
    }

    /// The kernel path the action belongs to.
    pub fn path(self) -> KernelPath {
        self.def().path
    }

    /// One line on what the action does in this model (tooltips, `tlbrace actions`).
    pub fn summary(self) -> &'static str {
        self.def().summary
    }

    /// Reads an action from its identifier, its diagram label, or one of the wordings diagrams use,
    /// ignoring case, `()` and surrounding brackets: `pte_mkclean()`, `Write to page`,
    /// `[cache writable PTE in TLB]`.
    pub fn parse(text: &str) -> Option<Action> {
        let t = text
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim();
        let t = t.strip_suffix("()").unwrap_or(t).trim();
        let key: String = t
            .chars()
            .map(|c| {
                if c == ' ' || c == '-' {
                    '_'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        Action::ALL
            .into_iter()
            .find(|a| a.id() == key || a.def().aliases.contains(&key.as_str()))
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_parses_back_from_its_id_and_label() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.id()), Some(a), "{}", a.id());
            assert_eq!(Action::parse(a.label()), Some(a), "{}", a.label());
        }
    }

    #[test]
    fn the_seeds_wording_parses() {
        assert_eq!(
            Action::parse("[cache writable PTE in TLB]"),
            Some(Action::CachePteInTlb)
        );
        assert_eq!(Action::parse("Write to page"), Some(Action::WriteToPage));
        assert_eq!(
            Action::parse("write page to disk"),
            Some(Action::WritePageToDisk)
        );
        assert_eq!(Action::parse("pte_mkclean()"), Some(Action::PteMkclean));
        assert_eq!(Action::parse("madvise_frob()"), None);
    }

    #[test]
    fn all_lists_every_action_once_in_declaration_order() {
        // Action::COUNT is the number of variants (derived); ALL has that length by type, so listing
        // every discriminant 0..COUNT in order means no action is missing or repeated.
        assert_eq!(Action::ALL.len(), Action::COUNT);
        for (i, a) in Action::ALL.into_iter().enumerate() {
            assert_eq!(a as usize, i, "{a:?}");
            assert_eq!(a.def().action, a);
        }
        let mut labels: Vec<&str> = Action::ALL.iter().map(|a| a.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Action::COUNT, "two actions share a label");
    }

    #[test]
    fn ids_match_serde() {
        for a in Action::ALL {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.id()));
        }
    }
}
