//! Cleaning PTEs with a deferred flush, as mm/mapping_dirty_helpers.c does
//! (`clean_record_shared_mapping_range`: `wp_clean_pre_vma` raises `mm->tlb_flush_pending`, the walk
//! cleans and records PTEs, `wp_clean_post_vma` flushes the recorded range and lowers the count).

use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{Effect, FlushScope, StepError};
use crate::model::footprint::{Footprint, Var};
use crate::model::state::{CpuSet, State};

/// `inc_tlb_flush_pending()`: announce PTE changes whose flush comes later.
pub(super) const INC_TLB_FLUSH_PENDING: ActionDef = ActionDef {
    action: Action::IncTlbFlushPending,
    id: "inc_tlb_flush_pending",
    label: "inc_tlb_flush_pending()",
    aliases: &[],
    path: KernelPath::DeferredClean,
    summary: "mm->tlb_flush_pending += 1: PTEs are about to change and the flush will come later.",
    share_code: 2,
    footprint: |_, _| Footprint::new(&[Var::Pending], &[Var::Pending]),
    apply: |s, _, _| {
        s.tlb_flush_pending += 1;
        Ok(Effect::PendingRaised {
            pending: s.tlb_flush_pending,
        })
    },
};

/// `clean_record_pte()`: clean the PTE and record it for a later flush.
pub(super) const CLEAN_RECORD_PTE: ActionDef = ActionDef {
    action: Action::CleanRecordPte,
    id: "clean_record_pte",
    label: "clean_record_pte()",
    aliases: &[],
    path: KernelPath::DeferredClean,
    summary: "Clear the PTE's D bit and record the PTE for a later flush; PG_dirty untouched, no flush now.",
    share_code: 3,
    footprint: |cpu, _| Footprint::new(&[Var::Present], &[Var::Dirty, Var::Recorded(cpu)]),
    apply: |s, cpu, _| Ok(clean(s, cpu, true)),
};

/// `pte_mkclean()`: clear the PTE's dirty bit.
pub(super) const PTE_MKCLEAN: ActionDef = ActionDef {
    action: Action::PteMkclean,
    id: "pte_mkclean",
    label: "pte_mkclean()",
    aliases: &[],
    path: KernelPath::DeferredClean,
    summary: "Clear the PTE's D bit (the primitive clean_record_pte uses).",
    share_code: 4,
    footprint: |_, _| Footprint::new(&[Var::Present], &[Var::Dirty]),
    apply: |s, cpu, _| Ok(clean(s, cpu, false)),
};

/// D = 0 without a flush; `recorded` for `clean_record_pte`.
fn clean(s: &mut State, cpu: usize, recorded: bool) -> Effect {
    if !s.pte.present {
        return Effect::NoPte;
    }
    let was_dirty = s.pte.dirty;
    s.pte.dirty = false;
    if recorded {
        s.deferred[cpu].recorded_pte = true;
    }
    Effect::Cleaned {
        was_dirty,
        recorded,
        stale: s.stale_cpus(),
    }
}

/// `flush_tlb_range()`: flush the page from every CPU's TLB.
pub(super) const FLUSH_TLB_RANGE: ActionDef = ActionDef {
    action: Action::FlushTlbRange,
    id: "flush_tlb_range",
    label: "flush_tlb_range()",
    aliases: &[],
    path: KernelPath::DeferredClean,
    summary: "Flush the page from every CPU's TLB, and forget the recorded range.",
    share_code: 5,
    footprint: |cpu, _| Footprint::new(&[], &[Var::Recorded(cpu)]).flushing_all(),
    apply: |s, cpu, _| Ok(flush_everywhere(s, cpu, FlushScope::Range)),
};

/// A flush of the page on every CPU, which also settles what this CPU recorded.
pub(super) fn flush_everywhere(s: &mut State, cpu: usize, scope: FlushScope) -> Effect {
    let held = s.flush(CpuSet::first(s.cpu_count()));
    s.deferred[cpu].recorded_pte = false;
    Effect::Flushed { scope, held }
}

/// `dec_tlb_flush_pending()`: the deferred flush is done.
pub(super) const DEC_TLB_FLUSH_PENDING: ActionDef = ActionDef {
    action: Action::DecTlbFlushPending,
    id: "dec_tlb_flush_pending",
    label: "dec_tlb_flush_pending()",
    aliases: &[],
    path: KernelPath::DeferredClean,
    summary: "mm->tlb_flush_pending -= 1, after the deferred flush.",
    share_code: 6,
    footprint: |_, _| Footprint::new(&[Var::Pending], &[Var::Pending]),
    apply: |s, _, _| {
        s.tlb_flush_pending = s
            .tlb_flush_pending
            .checked_sub(1)
            .ok_or(StepError::PendingBelowZero)?;
        Ok(Effect::PendingLowered {
            pending: s.tlb_flush_pending,
        })
    },
};
