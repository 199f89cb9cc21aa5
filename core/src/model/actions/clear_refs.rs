//! /proc/PID/clear_refs (fs/proc/task_mmu.c, `clear_refs_write`): soft-dirty clearing write-protects
//! PTEs, aging makes them old, and the mmu_gather around the walk decides whether a flush follows:
//! that decision is what the variants of the seed thread differ in (docs/model.md §4).

use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{Effect, FinishFlush, StepError};
use crate::model::footprint::{Footprint, Var};
use crate::model::state::{CpuSet, MmuGather};
use crate::model::variant::{Arch, Batching, GatherMode};

/// `tlb_gather_mmu()`: begin clear_refs' TLB batching.
pub(super) const TLB_GATHER_MMU: ActionDef = ActionDef {
    action: Action::TlbGatherMmu,
    id: "tlb_gather_mmu",
    label: "tlb_gather_mmu()",
    aliases: &[],
    path: KernelPath::ClearRefs,
    summary:
        "Open clear_refs' mmu_gather: raises tlb_flush_pending unless the variant takes no gather.",
    share_code: 7,
    footprint: |cpu, v| {
        if v.batching == Batching::None {
            Footprint::new(&[Var::Gather(cpu)], &[Var::Gather(cpu)])
        } else {
            Footprint::new(
                &[Var::Gather(cpu), Var::Pending],
                &[Var::Gather(cpu), Var::Pending],
            )
        }
    },
    apply: |s, cpu, v| {
        if s.deferred[cpu].gather.is_some() {
            return Err(StepError::GatherAlreadyOpen);
        }
        let raised = v.batching != Batching::None;
        if raised {
            s.tlb_flush_pending += 1;
        }
        s.deferred[cpu].gather = Some(MmuGather {
            raised_pending: raised,
        });
        Ok(Effect::GatherOpened {
            raised,
            pending: s.tlb_flush_pending,
        })
    },
};

/// `clear_refs_write()`: the write to /proc/PID/clear_refs begins.
pub(super) const CLEAR_REFS_WRITE: ActionDef = ActionDef {
    action: Action::ClearRefsWrite,
    id: "clear_refs_write",
    label: "clear_refs_write()",
    aliases: &[],
    path: KernelPath::ClearRefs,
    summary: "The write to /proc/PID/clear_refs starts (no state change).",
    share_code: 8,
    footprint: |_, _| Footprint::default(),
    apply: |_, _, _| Ok(Effect::ClearRefsBegun),
};

/// `pte_wrprotect()`: clear W (and soft-dirty) for soft-dirty tracking, without a flush.
pub(super) const PTE_WRPROTECT: ActionDef = ActionDef {
    action: Action::PteWrprotect,
    id: "pte_wrprotect",
    label: "pte_wrprotect()",
    aliases: &[],
    path: KernelPath::ClearRefs,
    summary: "Clear W and soft-dirty to catch the next write; D is kept and nothing is flushed.",
    share_code: 9,
    footprint: |_, _| Footprint::new(&[Var::Present], &[Var::Write, Var::SoftDirty]),
    apply: |s, _, _| {
        if !s.pte.present {
            return Ok(Effect::NoPte);
        }
        s.pte.write = false;
        s.pte.soft_dirty = false;
        let stale = (0..s.cpu_count())
            .filter(|&c| s.tlb[c].is_some_and(|e| e.writable))
            .fold(CpuSet::EMPTY, CpuSet::with);
        Ok(Effect::Wrprotected {
            dirty: s.pte.dirty,
            stale,
        })
    },
};

/// `pte_mkold()`: clear the young bit (page aging), without a flush.
pub(super) const PTE_MKOLD: ActionDef = ActionDef {
    action: Action::PteMkold,
    id: "pte_mkold",
    label: "pte_mkold()",
    aliases: &[],
    path: KernelPath::ClearRefs,
    summary: "Clear the young bit (page aging); nothing is flushed.",
    share_code: 10,
    footprint: |_, _| Footprint::new(&[Var::Present], &[Var::Young]),
    apply: |s, _, _| {
        if !s.pte.present {
            return Ok(Effect::NoPte);
        }
        s.pte.young = false;
        Ok(Effect::MadeOld)
    },
};

/// `tlb_finish_mmu()`: end clear_refs' batching, flushing as the variant decides.
pub(super) const TLB_FINISH_MMU: ActionDef = ActionDef {
    action: Action::TlbFinishMmu,
    id: "tlb_finish_mmu",
    label: "tlb_finish_mmu()",
    aliases: &[],
    path: KernelPath::ClearRefs,
    summary:
        "Close clear_refs' mmu_gather: flush as the variant decides, then lower tlb_flush_pending.",
    share_code: 11,
    footprint: |cpu, v| {
        // The count goes down whenever the gather raised it, whichever variant opened it.
        let f = Footprint::new(
            &[Var::Gather(cpu), Var::Pending],
            &[Var::Gather(cpu), Var::Pending],
        );
        if v.batching == Batching::None {
            f
        } else {
            f.flushing_all()
        }
    },
    apply: |s, cpu, v| {
        let gather = s.deferred[cpu]
            .gather
            .take()
            .ok_or(StepError::FinishWithoutGather)?;
        let fullmm = v.gather_mode == GatherMode::Fullmm;
        let flush = match v.batching {
            Batching::None => FinishFlush::NoGather,
            Batching::Mm => FinishFlush::Mm,
            Batching::NestedOnly | Batching::Recorded if s.mm_tlb_flush_nested() => {
                FinishFlush::Nested
            }
            Batching::NestedOnly => FinishFlush::NothingRecorded,
            Batching::Recorded if fullmm && v.arch == Arch::Arm64 => FinishFlush::FullmmElided,
            Batching::Recorded => FinishFlush::Recorded { fullmm },
        };
        let held = if flush.flushes() {
            s.flush(CpuSet::first(s.cpu_count()))
        } else {
            CpuSet::EMPTY
        };
        let pending = if gather.raised_pending {
            s.tlb_flush_pending = s
                .tlb_flush_pending
                .checked_sub(1)
                .ok_or(StepError::PendingBelowZero)?;
            Some(s.tlb_flush_pending)
        } else {
            None
        };
        Ok(Effect::GatherFinished {
            flush,
            held,
            pending,
        })
    },
};
