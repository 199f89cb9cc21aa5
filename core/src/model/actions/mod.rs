//! Every action, one row each: its names, its kernel path, what it does (the `apply` function right
//! below its row), what it may read and write (its footprint), and its share-link code. One file per
//! kernel path. Adding an action is the checklist in ARCHITECTURE.md: a variant of
//! [`Action`], a row here in [`DEFS`] (in the enum's order), and its definition in the path's file.

use strum::EnumCount;

use crate::model::action::{Action, KernelPath};
use crate::model::effect::{Effect, StepError};
use crate::model::footprint::Footprint;
use crate::model::state::State;
use crate::model::variant::Variant;

mod clear_refs;
mod tlb;
mod user;
mod wp_clean;
mod writeback;

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
    /// Its code in `v1.` share links: frozen, never reused (docs/scenario-format.md §2).
    pub share_code: u8,
    /// What the action may read and write on `cpu` under a variant (see [`Footprint`]).
    pub footprint: fn(cpu: usize, variant: &Variant) -> Footprint,
    /// The semantics: changes `state` as the action run on `cpu` does, and says what happened.
    /// Called by [`crate::model::step`], which checks the CPU first.
    pub apply: fn(state: &mut State, cpu: usize, variant: &Variant) -> Result<Effect, StepError>,
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
    &wp_clean::INC_TLB_FLUSH_PENDING,
    &wp_clean::CLEAN_RECORD_PTE,
    &wp_clean::PTE_MKCLEAN,
    &wp_clean::FLUSH_TLB_RANGE,
    &wp_clean::DEC_TLB_FLUSH_PENDING,
    &clear_refs::TLB_GATHER_MMU,
    &clear_refs::CLEAR_REFS_WRITE,
    &clear_refs::PTE_WRPROTECT,
    &clear_refs::PTE_MKOLD,
    &clear_refs::TLB_FINISH_MMU,
    &writeback::PAGE_MKCLEAN_ONE,
    &writeback::WRITE_PAGE_TO_DISK,
    &writeback::DROP_CLEAN_PAGE,
    &tlb::FLUSH_TLB_MM,
    &tlb::LOCAL_FLUSH_TLB_PAGE,
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
