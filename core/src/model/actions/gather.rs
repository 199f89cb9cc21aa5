//! The mmu_gather (mm/mmu_gather.c, include/asm-generic/tlb.h): `tlb_gather_mmu` opens a batch of
//! PTE changes whose flush `tlb_finish_mmu` owes, raising `mm->tlb_flush_pending` meanwhile (since
//! 99baac21e458). clear_refs, MADV_FREE, the zap of munmap and MADV_DONTNEED, and the OOM reaper take
//! one; what the finish flushes depends on who took it, what it recorded, whether another batcher is
//! pending, whether it is fullmm, and the architecture (docs/model.md §3.3).

use super::clear_refs::clear_refs_enter;
use super::kernel::Run;
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{FinishFlush, GatherRole, StepError, What};
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::state::{CpuSet, Gather, GatherKind};
use crate::model::variant::{Arch, Fix};

/// What clear_refs' gather steps stand for in a kernel (docs/model.md §4).
pub(super) fn clear_refs_role(r: &Run, kind: GatherKind) -> GatherRole {
    if r.has(Fix::YuNoGather) {
        GatherRole::NoGather
    } else if r.has(Fix::ClearRefsFlush) {
        if kind == GatherKind::ClearRefsSoftDirty {
            GatherRole::IncPending
        } else {
            GatherRole::NoGather
        }
    } else if r.has(Fix::KsmChecksPending) || r.has(Fix::WillRecords) {
        GatherRole::Gather
    } else {
        GatherRole::FlushAtEnd
    }
}

/// What a gather of `kind` does in this run's kernel.
fn role(r: &Run, kind: GatherKind) -> GatherRole {
    if kind.is_clear_refs() {
        clear_refs_role(r, kind)
    } else {
        GatherRole::Gather
    }
}

/// Opens a gather of `kind` on this CPU; what `tlb_gather_mmu` (or a step that opens one itself) does.
pub(super) fn open_gather(r: &mut Run, kind: GatherKind) -> Result<What, StepError> {
    let c = r.cpu();
    if r.s.kernel[c].gather.is_some() {
        return Err(StepError::GatherAlreadyOpen);
    }
    if kind.is_clear_refs() {
        clear_refs_enter(r)?;
    } else {
        if r.ctx.keeps_locks {
            r.hold_mmap_read()?;
        } else {
            r.mmap_read()?;
        }
    }
    let role = role(r, kind);
    let fullmm = match kind {
        GatherKind::ClearRefsSoftDirty | GatherKind::ClearRefsAging => !r.has(Fix::WillRanged),
        GatherKind::OomReaper => !r.has(Fix::OomReaperRanged),
        GatherKind::MadvFree | GatherKind::Zap => false,
    };
    let raise = match role {
        GatherRole::Gather => r.has(Fix::NestedFlush),
        GatherRole::IncPending => true,
        GatherRole::NoGather | GatherRole::FlushAtEnd => false,
    };
    let raised = if raise {
        Some(r.raise_pending()?)
    } else {
        None
    };
    r.s.kernel[c].gather = Some(Gather {
        kind,
        raised_pending: raised.is_some(),
        fullmm,
        cleared: false,
        frees: 0,
        zapped: 0,
        refs: 0,
    });
    Ok(What::GatherOpened {
        kind,
        role,
        fullmm,
        raised,
    })
}

/// The gather a madvise or zap step adds to: this CPU's open one, else one it opens itself (the
/// diagram did not draw `tlb_gather_mmu()`).
pub(super) fn ensure_gather(r: &mut Run, kind: GatherKind) -> Result<(), StepError> {
    if r.s.kernel[r.cpu()].gather.is_none() {
        open_gather(r, kind)?;
    }
    Ok(())
}

/// What opening a gather may touch.
pub(super) fn open_footprint(cpu: usize) -> Footprint {
    Footprint::of(
        &[Var::Kernel(cpu), Var::Pending, Var::Mmap],
        &[Var::Kernel(cpu), Var::Pending, Var::Mmap],
    )
}

/// `tlb_gather_mmu()`: begin a batch of PTE changes whose flush comes at `tlb_finish_mmu()`.
pub(super) const TLB_GATHER_MMU: ActionDef = ActionDef {
    action: Action::TlbGatherMmu,
    id: "tlb_gather_mmu",
    label: "tlb_gather_mmu()",
    aliases: &["tlb_gather_mmu_fullmm", "set_mm_tlb_flush_pending"],
    path: KernelPath::MmuGather,
    summary:
        "Open an mmu_gather: raises tlb_flush_pending (since 99baac21e458). Whose gather it is \
              (clear_refs, MADV_FREE, a zap) comes from the steps after it; clear_refs' depends on \
              the kernel.",
    code: 7,
    per_page: false,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| open_footprint(ctx.cpu),
    apply: |r| open_gather(r, r.ctx.gather),
};

/// `__oom_reap_task_mm()`: the OOM reaper starts tearing down a live mm.
pub(super) const OOM_REAP_TASK_MM: ActionDef = ActionDef {
    action: Action::OomReapTaskMm,
    id: "oom_reap_task_mm",
    label: "__oom_reap_task_mm()",
    aliases: &["__oom_reap_task_mm", "oom_reaper", "oom_reap_task"],
    path: KernelPath::Unmap,
    summary:
        "The OOM reaper opens its mmu_gather over the whole mm (fullmm) before 687cb0884a71, over \
              each VMA after; its zap_pte_range steps free the pages at tlb_finish_mmu.",
    code: 18,
    per_page: false,
    opens_gather: Some(GatherKind::OomReaper),
    types_gather: None,
    footprint: |ctx, _| open_footprint(ctx.cpu),
    apply: |r| {
        r.decided_by(Fix::OomReaperRanged);
        open_gather(r, GatherKind::OomReaper)
    },
};

/// `tlb_finish_mmu()`: end the batch, flushing as the kernel decides, freeing what it gathered.
pub(super) const TLB_FINISH_MMU: ActionDef = ActionDef {
    action: Action::TlbFinishMmu,
    id: "tlb_finish_mmu",
    label: "tlb_finish_mmu()",
    aliases: &["tlb_flush_mmu"],
    path: KernelPath::MmuGather,
    summary: "Close the mmu_gather: flush if another batcher is pending (99baac21e458), or what it \
              cleared, or (x86, before 0758cd830494) any fullmm gather; arm64 skips fullmm; free the \
              gathered pages; lower tlb_flush_pending. The syscall returns.",
    code: 11,
    per_page: false,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| {
        let mut pages = VarSet::memory();
        for v in 0..crate::model::state::MAX_PAGES {
            pages = pages.with(Var::Map(v));
        }
        open_footprint(ctx.cpu)
            .touching(pages)
            .writing(VarSet::all_tlbs())
    },
    apply: finish,
};

fn finish(r: &mut Run) -> Result<What, StepError> {
    let c = r.cpu();
    let g = r.s.kernel[c]
        .gather
        .take()
        .ok_or(StepError::FinishWithoutGather)?;
    let arm64 = r.v.arch == Arch::Arm64;
    let flush = match role(r, g.kind) {
        GatherRole::NoGather => FinishFlush::NoGather,
        GatherRole::IncPending | GatherRole::FlushAtEnd => FinishFlush::FlushMm,
        GatherRole::Gather => {
            // Without another batcher pending (or before 99baac21e458): arm64 invalidates nothing
            // for fullmm; what was cleared is flushed; an empty fullmm finish flushed on x86 until
            // 0758cd830494.
            let plain = |r: &mut Run| {
                if arm64 && g.fullmm {
                    FinishFlush::FullmmElided
                } else if g.cleared {
                    FinishFlush::Cleared { fullmm: g.fullmm }
                } else if g.fullmm && !r.has(Fix::ElideEmptyFinish) {
                    FinishFlush::FullmmAlways
                } else {
                    FinishFlush::NothingCleared
                }
            };
            // Another batcher pending: the forced flush, which before 7a30df49f63a kept fullmm
            // without freed_tables, which arm64 does not invalidate.
            let forced = |r: &mut Run| {
                if arm64 && g.fullmm && !r.has(Fix::NestedFullmm) {
                    FinishFlush::FullmmElided
                } else {
                    FinishFlush::Nested
                }
            };
            let from_plain = |r: &mut Run, f: FinishFlush| {
                if g.fullmm && !g.cleared && !arm64 {
                    r.decided_by(Fix::ElideEmptyFinish);
                }
                f
            };
            if r.s.mm_tlb_flush_nested() {
                let (p, f) = (plain(r), forced(r));
                // A fix decides the step only if flipping it changes whether the finish flushes.
                if p.flushes() != f.flushes() {
                    r.decided_by(Fix::NestedFlush);
                }
                if r.has(Fix::NestedFlush) {
                    if arm64 && g.fullmm {
                        r.decided_by(Fix::NestedFullmm);
                    }
                    f
                } else {
                    from_plain(r, p)
                }
            } else {
                let p = plain(r);
                from_plain(r, p)
            }
        }
    };
    if flush.flushes() {
        let all = r.s.all_cpus();
        r.s.flush_mm(all);
    }
    for f in CpuSet(g.frees).iter() {
        r.s.free_frame(f as u8);
    }
    let pending = if g.raised_pending {
        Some(r.lower_pending()?)
    } else {
        None
    };
    // The syscall returns: what it promised user space holds from now on.
    match g.kind {
        GatherKind::ClearRefsSoftDirty => {
            for v in 0..r.s.vpage_count() {
                r.s.map[v].soft_dirty_armed = true;
            }
        }
        GatherKind::Zap => {
            for v in 0..r.s.vpage_count() {
                // Only a page no fault has mapped again since the zap stays unmapped.
                if g.zapped & (1 << v) != 0 && r.s.map[v].zapping {
                    r.s.map[v].zapping = false;
                    r.s.map[v].unmapped = true;
                }
            }
        }
        GatherKind::MadvFree => {
            for p in 0..usize::from(r.s.pages) {
                let lazy = r.s.page[p]
                    .frame
                    .is_some_and(|f| r.s.frame[usize::from(f)].lazyfree);
                if lazy {
                    r.s.page[p].madv_freed = true;
                    r.s.page[p].rewritten = false;
                }
            }
        }
        _ => {}
    }
    r.mmap_unlock();
    Ok(What::GatherFinished {
        flush,
        pending,
        freed: g.frees,
    })
}
