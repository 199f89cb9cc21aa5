//! Cleaning PTEs with a deferred flush, as mm/mapping_dirty_helpers.c does
//! (`clean_record_shared_mapping_range`, used by the vmwgfx GPU driver: `wp_clean_pre_vma` raises
//! `mm->tlb_flush_pending`, the walk cleans and records PTEs, `wp_clean_post_vma` flushes the recorded
//! range and lowers the count), and the explicit TLB flushes.

use super::kernel::Run;
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{FlushScope, StepError, What};
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::state::CpuSet;

/// `inc_tlb_flush_pending()`: announce PTE changes whose flush comes later.
pub(super) const INC_TLB_FLUSH_PENDING: ActionDef = ActionDef {
    action: Action::IncTlbFlushPending,
    id: "inc_tlb_flush_pending",
    label: "inc_tlb_flush_pending()",
    aliases: &["set_tlb_flush_pending", "wp_clean_pre_vma"],
    path: KernelPath::MappingDirty,
    summary: "mm->tlb_flush_pending += 1: PTEs are about to change and the flush will come later \
              (before 16af97dc5a89: set a flag).",
    code: 2,
    per_page: false,
    opens_gather: None,
    types_gather: None,
    footprint: |_, _| Footprint::of(&[Var::Pending], &[Var::Pending]),
    apply: |r| {
        let pending = r.raise_pending()?;
        Ok(What::PendingRaised { pending })
    },
};

/// `clean_record_pte()`: clean the PTE and record it for a later flush.
pub(super) const CLEAN_RECORD_PTE: ActionDef = ActionDef {
    action: Action::CleanRecordPte,
    id: "clean_record_pte",
    label: "clean_record_pte()",
    aliases: &[],
    path: KernelPath::MappingDirty,
    summary: "Clear the PTE's D bit and record the PTE for a later flush; PG_dirty untouched, no \
              flush now.",
    code: 3,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| {
        Footprint::of(
            &[Var::PteBits(ctx.page), Var::Kernel(ctx.cpu)],
            &[Var::PteDirty(ctx.page), Var::Kernel(ctx.cpu)],
        )
    },
    apply: |r| Ok(clean(r, true)),
};

/// `pte_mkclean()`: clear the PTE's dirty bit.
pub(super) const PTE_MKCLEAN: ActionDef = ActionDef {
    action: Action::PteMkclean,
    id: "pte_mkclean",
    label: "pte_mkclean()",
    aliases: &[],
    path: KernelPath::MappingDirty,
    summary: "Clear the PTE's D bit (the primitive clean_record_pte uses).",
    code: 4,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| Footprint::of(&[Var::PteBits(ctx.page)], &[Var::PteDirty(ctx.page)]),
    apply: |r| Ok(clean(r, false)),
};

/// D = 0 without a flush; `recorded` for `clean_record_pte`, which owes a `flush_tlb_range`.
fn clean(r: &mut Run, recorded: bool) -> What {
    let v = r.vpage();
    if !r.s.pte[v].present {
        return What::NoPte;
    }
    let was_dirty = r.s.pte[v].dirty;
    r.s.pte[v].dirty = false;
    if recorded {
        r.s.kernel[r.ctx.cpu].defer(v, true, false);
    }
    What::Cleaned {
        was_dirty,
        recorded,
        stale: r.s.stale_cpus(v),
    }
}

/// What a flush of every CPU that settles this CPU's deferred flush may touch.
fn flush_footprint(cpu: usize) -> Footprint {
    Footprint::of(
        &[Var::Kernel(cpu), Var::Pending],
        &[Var::Kernel(cpu), Var::Pending],
    )
    .writing(VarSet::all_tlbs())
}

/// `flush_tlb_range()`: flush the pages from every CPU's TLB.
pub(super) const FLUSH_TLB_RANGE: ActionDef = ActionDef {
    action: Action::FlushTlbRange,
    id: "flush_tlb_range",
    label: "flush_tlb_range()",
    aliases: &["flush_tlb", "wp_clean_post_vma", "flush_tlb_page"],
    path: KernelPath::MappingDirty,
    summary:
        "Flush the range this CPU's walk changed (every page, if it walked nothing) from every \
              CPU's TLB; settles this CPU's deferred flush, lowering mm->tlb_flush_pending if its \
              walk raised it.",
    code: 5,
    per_page: false,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| flush_footprint(ctx.cpu),
    apply: |r| flush_everywhere(r, FlushScope::Range),
};

/// A flush on every CPU -- of the whole mm, or of the range this CPU's walk changed -- which also
/// settles what this CPU deferred.
pub(super) fn flush_everywhere(r: &mut Run, scope: FlushScope) -> Result<What, StepError> {
    let all = r.s.all_cpus();
    let deferred = r.s.kernel[r.ctx.cpu].deferred.take();
    let every = ((1u16 << r.s.vpage_count()) - 1) as u8;
    let pages = match (scope, deferred) {
        (FlushScope::Range, Some(d)) => d.pages,
        _ => every,
    };
    for v in 0..r.s.vpage_count() {
        if pages & (1 << v) != 0 {
            r.s.flush_page(v, all);
        }
    }
    let lowered = match deferred {
        Some(d) if d.raised => Some(r.lower_pending()?),
        _ => None,
    };
    Ok(What::Flushed {
        scope,
        pages,
        lowered,
    })
}

/// `dec_tlb_flush_pending()`: the deferred flush is done.
pub(super) const DEC_TLB_FLUSH_PENDING: ActionDef = ActionDef {
    action: Action::DecTlbFlushPending,
    id: "dec_tlb_flush_pending",
    label: "dec_tlb_flush_pending()",
    aliases: &["clear_tlb_flush_pending"],
    path: KernelPath::MappingDirty,
    summary:
        "mm->tlb_flush_pending -= 1, after the deferred flush (before 16af97dc5a89: clear the \
              flag).",
    code: 6,
    per_page: false,
    opens_gather: None,
    types_gather: None,
    footprint: |_, _| Footprint::of(&[Var::Pending], &[Var::Pending]),
    apply: |r| {
        let pending = r.lower_pending()?;
        Ok(What::PendingLowered { pending })
    },
};

/// `flush_tlb_mm()`: flush the whole address space on every CPU.
pub(super) const FLUSH_TLB_MM: ActionDef = ActionDef {
    action: Action::FlushTlbMm,
    id: "flush_tlb_mm",
    label: "flush_tlb_mm()",
    aliases: &[],
    path: KernelPath::Tlb,
    summary: "Flush the whole mm on every CPU; settles this CPU's deferred flush.",
    code: 15,
    per_page: false,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| flush_footprint(ctx.cpu),
    apply: |r| flush_everywhere(r, FlushScope::Mm),
};

/// `local_flush_tlb_page()`: flush the page from this CPU's TLB only.
pub(super) const LOCAL_FLUSH_TLB_PAGE: ActionDef = ActionDef {
    action: Action::LocalFlushTlbPage,
    id: "local_flush_tlb_page",
    label: "local_flush_tlb_page()",
    aliases: &[],
    path: KernelPath::Tlb,
    summary: "Flush the page from this CPU's TLB only.",
    code: 16,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| Footprint::of(&[], &[Var::Tlb(ctx.cpu, ctx.page)]),
    apply: |r| {
        r.s.flush_page(r.vpage(), CpuSet::only(r.cpu()));
        Ok(What::Flushed {
            scope: FlushScope::Local,
            pages: 1 << r.vpage(),
            lowered: None,
        })
    },
};
