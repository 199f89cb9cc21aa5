//! The actions a CPU lane can hold, named as the kernel names them so that a timeline reads like the
//! diagrams on the mailing lists.

use serde::{Deserialize, Serialize};

/// One step a CPU performs. Kernel functions keep their kernel names; the two user-space accesses and
/// the two writeback steps keep the wording of the seed's diagrams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A user access that walks the page table and caches the PTE in this CPU's TLB.
    CachePteInTlb,
    /// A user store to the page.
    WriteToPage,
    /// `inc_tlb_flush_pending()`: announce PTE changes whose flush comes later.
    IncTlbFlushPending,
    /// `clean_record_pte()`: clean the PTE and record it for a later flush.
    CleanRecordPte,
    /// `pte_mkclean()`: clear the PTE's dirty bit.
    PteMkclean,
    /// `flush_tlb_range()`: flush the page from every CPU's TLB.
    FlushTlbRange,
    /// `dec_tlb_flush_pending()`: the deferred flush is done.
    DecTlbFlushPending,
    /// `tlb_gather_mmu()`: begin clear_refs' TLB batching.
    TlbGatherMmu,
    /// `clear_refs_write()`: the write to /proc/PID/clear_refs begins.
    ClearRefsWrite,
    /// `pte_wrprotect()`: clear W (and soft-dirty) for soft-dirty tracking, without a flush.
    PteWrprotect,
    /// `pte_mkold()`: clear the young bit (page aging), without a flush.
    PteMkold,
    /// `tlb_finish_mmu()`: end clear_refs' batching, flushing as the variant decides.
    TlbFinishMmu,
    /// `page_mkclean_one()`: writeback write-protects and cleans the PTE, unless it looks clean already.
    PageMkcleanOne,
    /// Writeback's I/O: `TestClearPageDirty`, then write the page if it was dirty.
    WritePageToDisk,
    /// Reclaim of a page it believes clean.
    DropCleanPage,
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
    /// Cleaning PTEs with a deferred flush: mm/mapping_dirty_helpers.c, and MADV_FREE for anonymous memory.
    DeferredClean,
    /// /proc/PID/clear_refs (fs/proc/task_mmu.c).
    ClearRefs,
    /// Writeback and reclaim of the page (mm/rmap.c, mm/page-writeback.c, mm/vmscan.c).
    WritebackReclaim,
    /// Explicit TLB flushes.
    Tlb,
}

impl KernelPath {
    /// Every path, in palette order.
    pub const ALL: [KernelPath; 5] = [
        KernelPath::UserSpace,
        KernelPath::DeferredClean,
        KernelPath::ClearRefs,
        KernelPath::WritebackReclaim,
        KernelPath::Tlb,
    ];

    /// The heading a palette shows.
    pub fn title(self) -> &'static str {
        match self {
            KernelPath::UserSpace => "user space",
            KernelPath::DeferredClean => "MADV_FREE / clean_record",
            KernelPath::ClearRefs => "clear_refs (soft-dirty)",
            KernelPath::WritebackReclaim => "writeback and reclaim",
            KernelPath::Tlb => "TLB",
        }
    }
}

impl Action {
    /// Every action, in palette order.
    pub const ALL: [Action; 17] = [
        Action::CachePteInTlb,
        Action::WriteToPage,
        Action::IncTlbFlushPending,
        Action::CleanRecordPte,
        Action::PteMkclean,
        Action::FlushTlbRange,
        Action::DecTlbFlushPending,
        Action::TlbGatherMmu,
        Action::ClearRefsWrite,
        Action::PteWrprotect,
        Action::PteMkold,
        Action::TlbFinishMmu,
        Action::PageMkcleanOne,
        Action::WritePageToDisk,
        Action::DropCleanPage,
        Action::FlushTlbMm,
        Action::LocalFlushTlbPage,
    ];

    /// The stable identifier used in the scenario format (`snake_case`, as serialised).
    pub fn id(self) -> &'static str {
        match self {
            Action::CachePteInTlb => "cache_pte_in_tlb",
            Action::WriteToPage => "write_to_page",
            Action::IncTlbFlushPending => "inc_tlb_flush_pending",
            Action::CleanRecordPte => "clean_record_pte",
            Action::PteMkclean => "pte_mkclean",
            Action::FlushTlbRange => "flush_tlb_range",
            Action::DecTlbFlushPending => "dec_tlb_flush_pending",
            Action::TlbGatherMmu => "tlb_gather_mmu",
            Action::ClearRefsWrite => "clear_refs_write",
            Action::PteWrprotect => "pte_wrprotect",
            Action::PteMkold => "pte_mkold",
            Action::TlbFinishMmu => "tlb_finish_mmu",
            Action::PageMkcleanOne => "page_mkclean_one",
            Action::WritePageToDisk => "write_page_to_disk",
            Action::DropCleanPage => "drop_clean_page",
            Action::FlushTlbMm => "flush_tlb_mm",
            Action::LocalFlushTlbPage => "local_flush_tlb_page",
        }
    }

    /// How the action is written in a diagram: `name()` for kernel functions, plain words for the rest.
    pub fn label(self) -> &'static str {
        match self {
            Action::CachePteInTlb => "cache PTE in TLB",
            Action::WriteToPage => "Write to page",
            Action::IncTlbFlushPending => "inc_tlb_flush_pending()",
            Action::CleanRecordPte => "clean_record_pte()",
            Action::PteMkclean => "pte_mkclean()",
            Action::FlushTlbRange => "flush_tlb_range()",
            Action::DecTlbFlushPending => "dec_tlb_flush_pending()",
            Action::TlbGatherMmu => "tlb_gather_mmu()",
            Action::ClearRefsWrite => "clear_refs_write()",
            Action::PteWrprotect => "pte_wrprotect()",
            Action::PteMkold => "pte_mkold()",
            Action::TlbFinishMmu => "tlb_finish_mmu()",
            Action::PageMkcleanOne => "page_mkclean_one()",
            Action::WritePageToDisk => "write page to disk",
            Action::DropCleanPage => "drop clean page",
            Action::FlushTlbMm => "flush_tlb_mm()",
            Action::LocalFlushTlbPage => "local_flush_tlb_page()",
        }
    }

    /// The kernel path the action belongs to.
    pub fn path(self) -> KernelPath {
        match self {
            Action::CachePteInTlb | Action::WriteToPage => KernelPath::UserSpace,
            Action::IncTlbFlushPending
            | Action::CleanRecordPte
            | Action::PteMkclean
            | Action::FlushTlbRange
            | Action::DecTlbFlushPending => KernelPath::DeferredClean,
            Action::TlbGatherMmu
            | Action::ClearRefsWrite
            | Action::PteWrprotect
            | Action::PteMkold
            | Action::TlbFinishMmu => KernelPath::ClearRefs,
            Action::PageMkcleanOne | Action::WritePageToDisk | Action::DropCleanPage => {
                KernelPath::WritebackReclaim
            }
            Action::FlushTlbMm | Action::LocalFlushTlbPage => KernelPath::Tlb,
        }
    }

    /// One line on what the action does in this model (tooltips, `tlbrace actions`).
    pub fn summary(self) -> &'static str {
        match self {
            Action::CachePteInTlb => "Walk the page table and keep a snapshot of W and D in this CPU's TLB; marks the PTE young.",
            Action::WriteToPage => "User store: straight through a writable, dirty TLB entry; otherwise a walk sets D, or the store faults.",
            Action::IncTlbFlushPending => "mm->tlb_flush_pending += 1: PTEs are about to change and the flush will come later.",
            Action::CleanRecordPte => "Clear the PTE's D bit and record the PTE for a later flush; PG_dirty untouched, no flush now.",
            Action::PteMkclean => "Clear the PTE's D bit (the primitive clean_record_pte uses).",
            Action::FlushTlbRange => "Flush the page from every CPU's TLB, and forget the recorded range.",
            Action::DecTlbFlushPending => "mm->tlb_flush_pending -= 1, after the deferred flush.",
            Action::TlbGatherMmu => "Open clear_refs' mmu_gather: raises tlb_flush_pending unless the variant takes no gather.",
            Action::ClearRefsWrite => "The write to /proc/PID/clear_refs starts (no state change).",
            Action::PteWrprotect => "Clear W and soft-dirty to catch the next write; D is kept and nothing is flushed.",
            Action::PteMkold => "Clear the young bit (page aging); nothing is flushed.",
            Action::TlbFinishMmu => "Close clear_refs' mmu_gather: flush as the variant decides, then lower tlb_flush_pending.",
            Action::PageMkcleanOne => "Writeback: unless the skip test holds, flush every CPU, clear W and D, and re-dirty the page.",
            Action::WritePageToDisk => "TestClearPageDirty; if the page was dirty, write memory's version to disk.",
            Action::DropCleanPage => "Reclaim: if neither PG_dirty nor D is set, unmap, flush and drop the page.",
            Action::FlushTlbMm => "Flush the whole mm on every CPU.",
            Action::LocalFlushTlbPage => "Flush the page from this CPU's TLB only.",
        }
    }

    /// Reads an action from its identifier, its diagram label, or the wording the seed uses, ignoring
    /// case, `()` and surrounding brackets: `pte_mkclean()`, `Write to page`, `[cache writable PTE in TLB]`.
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
        let alias = match key.as_str() {
            "cache_writable_pte_in_tlb" | "cache_pte" | "tlb_fill" => Some(Action::CachePteInTlb),
            "write" | "store" => Some(Action::WriteToPage),
            "writeback" | "write_to_disk" => Some(Action::WritePageToDisk),
            "reclaim" | "drop_page" => Some(Action::DropCleanPage),
            _ => None,
        };
        alias.or_else(|| Action::ALL.into_iter().find(|a| a.id() == key))
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
        assert_eq!(Action::parse("madvise_free()"), None);
    }

    #[test]
    fn ids_match_serde() {
        for a in Action::ALL {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.id()));
        }
    }
}
