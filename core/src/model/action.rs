//! The actions a CPU lane can hold, named as the kernel names them so that a timeline reads like the
//! diagrams on the mailing lists.

use serde::{Deserialize, Serialize};
use strum::EnumCount;

pub use crate::model::actions::{ActionDef, DEFS};

/// One step a CPU performs. Kernel functions keep their kernel names; the two user-space accesses and
/// the two writeback steps keep the wording of the seed's diagrams.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, EnumCount,
)]
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
        assert_eq!(Action::parse("madvise_free()"), None);
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
