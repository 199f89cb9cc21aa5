//! Every action, one row each: its names, its kernel path, what it does (the `apply` function next to
//! its row), what it may read and write (its footprint), and its share-link code. One file per kernel
//! path. Adding an action is the checklist in ARCHITECTURE.md: a variant of [`Action`] and a row here
//! in [`DEFS`] (in the enum's order), with its definition in the path's file.

use strum::EnumCount;

use crate::model::action::{Action, KernelPath};
use crate::model::effect::{StepError, What};
use crate::model::footprint::Footprint;
use crate::model::scenario::StepCtx;
use crate::model::state::GatherKind;
use crate::model::variant::Variant;

mod clear_refs;
mod copy;
mod gather;
pub(crate) mod kernel;
mod migrate;
mod protect;
mod reclaim;
mod unmap;
mod user;
mod wp_clean;
mod writeback;

pub use kernel::Locking;

/// Everything about one action, declared once.
#[derive(Clone, Copy)]
pub struct ActionDef {
    /// The action this row describes.
    pub action: Action,
    /// The stable identifier of the scenario format (`snake_case`, as serialised).
    pub id: &'static str,
    /// How the action is written in a diagram: `name()` for kernel functions, plain words otherwise.
    pub label: &'static str,
    /// Other ways diagrams write it (compared after lower-casing, with spaces and dashes as `_`).
    pub aliases: &'static [&'static str],
    /// The kernel path it belongs to; the palette groups by it.
    pub path: KernelPath,
    /// One line on what it does in this model (tooltips, `tlbrace actions`).
    pub summary: &'static str,
    /// Its code in share links: frozen, never reused; `v1.` links know codes 0 to 16
    /// (docs/scenario-format.md §2).
    pub code: u8,
    /// It acts on one virtual page (a step names which); otherwise on the whole mm.
    pub per_page: bool,
    /// It opens an mmu_gather of this kind itself (`__oom_reap_task_mm`).
    pub opens_gather: Option<GatherKind>,
    /// A `tlb_gather_mmu()` before it on its lane is this kind of gather.
    pub types_gather: Option<GatherKind>,
    /// What the action may read and write in its context under a variant (see [`Footprint`]).
    pub footprint: fn(ctx: &StepCtx, variant: &Variant) -> Footprint,
    /// The semantics: changes the state as the action does, and says what happened. Called by
    /// [`crate::model::step_in`], which checks the CPU and page first.
    pub apply: fn(run: &mut kernel::Run) -> Result<What, StepError>,
}

impl std::fmt::Debug for ActionDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionDef").field("id", &self.id).finish()
    }
}

/// Every action's row, in the order of [`Action`]'s variants (checked when this crate compiles).
pub const DEFS: [&ActionDef; Action::COUNT] = [
    &user::CACHE_PTE_IN_TLB,
    &user::WRITE_TO_PAGE,
    &user::READ_PAGE,
    &wp_clean::INC_TLB_FLUSH_PENDING,
    &wp_clean::CLEAN_RECORD_PTE,
    &wp_clean::PTE_MKCLEAN,
    &wp_clean::FLUSH_TLB_RANGE,
    &wp_clean::DEC_TLB_FLUSH_PENDING,
    &clear_refs::CLEAR_REFS_WRITE,
    &clear_refs::PTE_WRPROTECT,
    &clear_refs::PTE_MKOLD,
    &gather::TLB_GATHER_MMU,
    &gather::TLB_FINISH_MMU,
    &unmap::MADVISE_FREE_PTE_RANGE,
    &unmap::ZAP_PTE_RANGE,
    &unmap::PTE_UNMAP_UNLOCK,
    &gather::OOM_REAP_TASK_MM,
    &protect::MPROTECT,
    &protect::CHANGE_PROT_NUMA,
    &protect::MWRITEPROTECT_RANGE,
    &migrate::DO_NUMA_PAGE,
    &migrate::TRY_TO_MIGRATE_ONE,
    &migrate::MOVE_TO_NEW_PAGE,
    &migrate::MIGRATE_VMA_COLLECT_PMD,
    &reclaim::TRY_TO_UNMAP_ONE,
    &reclaim::TRY_TO_UNMAP_FLUSH,
    &reclaim::DROP_CLEAN_PAGE,
    &writeback::PAGE_MKCLEAN_ONE,
    &writeback::WRITE_PAGE_TO_DISK,
    &copy::WRITE_PROTECT_PAGE,
    &copy::PAGES_IDENTICAL,
    &copy::REPLACE_PAGE,
    &copy::WP_PAGE_COPY,
    &copy::SET_PTE_AT_NOTIFY,
    &wp_clean::FLUSH_TLB_MM,
    &wp_clean::LOCAL_FLUSH_TLB_PAGE,
];

// Row i describes the i-th variant: `Action::def` indexes DEFS by discriminant, and a row in the wrong
// place or a missing one stops the build here.
const _: () = {
    let mut i = 0;
    while i < DEFS.len() {
        assert!(
            DEFS[i].action as usize == i,
            "DEFS is out of Action's order"
        );
        i += 1;
    }
};
