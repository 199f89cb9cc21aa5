//! Reclaim (mm/vmscan.c `shrink_page_list`, mm/rmap.c `try_to_unmap_one`): the page lock held,
//! every PTE mapping the page is cleared (the dirty bit moves to PG_dirty), the flush is batched since
//! 72b252aed506 (`set_tlb_ubc_flush_pending`, `mm->tlb_flush_batched`) and done by
//! `try_to_unmap_flush` before the page is freed; a dirty page is kept for writeback, a clean one is
//! dropped (a file page) or discarded (a lazily freed anonymous page).

use super::kernel::{page_remove_rmap, set_page_dirty, Run};
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{Bad, LossHow, StepError, What};
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::state::{PageKind, Pte};
use crate::model::variant::{Arch, Fix};

/// What unmapping and dropping may touch: every PTE and TLB entry (the page may be mapped twice),
/// memory, this CPU's batch, the batch flag, the page locks and the page-table lock.
fn reclaim_footprint(cpu: usize) -> Footprint {
    let rw = VarSet::all_ptes()
        .union(VarSet::memory())
        .with(Var::Kernel(cpu))
        .with(Var::Batched)
        .with(Var::PageLock(0))
        .with(Var::PageLock(1));
    // It reads every CPU's kernel state: a page another path holds a reference to is not freed.
    Footprint::new(
        rw.with(Var::Pending)
            .with(Var::Ptl)
            .union(VarSet::all_kernels()),
        rw.union(VarSet::all_tlbs()),
    )
}

/// `try_to_unmap_one()`: reclaim clears one PTE of the page.
pub(super) const TRY_TO_UNMAP_ONE: ActionDef = ActionDef {
    action: Action::TryToUnmapOne,
    id: "try_to_unmap_one",
    label: "try_to_unmap_one()",
    aliases: &["try_to_unmap", "ptep_get_and_clear", "set_tlb_ubc_flush_pending", "shrink_page_list"],
    path: KernelPath::Reclaim,
    summary: "Reclaim (page lock held) clears the PTE: batched on x86 since 72b252aed506 \
              (ptep_get_and_clear + set_tlb_ubc_flush_pending, and mm->tlb_flush_batched since \
              3ea277194daa), else ptep_clear_flush; the dirty bit moves to PG_dirty; a clean lazily \
              freed page is discarded.",
    code: 19,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| reclaim_footprint(ctx.cpu),
    apply: |r| {
        let v = r.vpage();
        let p = r.s.page_of(v);
        r.lock_page(p, r.ctx.keeps_locks)?;
        r.ptl()?;
        let pte = r.s.pte[v];
        let Some(frame) = r.s.page[p].frame.filter(|&f| pte.mapped_frame() == Some(f)) else {
            return Ok(What::Unmapped {
                mapped: false,
                batched: false,
                dirty: false,
                discarded: false,
            });
        };
        let batched = r.v.arch == Arch::X86 && r.has(Fix::BatchedUnmapFlush);
        // Only x86 batches reclaim's flushes (ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH).
        if r.v.arch == Arch::X86 {
            r.decided_by(Fix::BatchedUnmapFlush);
        }
        let old = if batched {
            r.s.pte[v] = Pte::NONE;
            let c = r.cpu();
            r.s.kernel[c].ubc.flush_required = true;
            r.s.kernel[c].ubc.writable |= pte.dirty;
            // The flag 3ea277194daa added; before it nothing reads it.
            r.s.tlb_flush_batched = true;
            pte
        } else {
            r.ptep_clear_flush(v).0
        };
        if old.dirty {
            set_page_dirty(r.s, frame);
        }
        page_remove_rmap(r.s, frame);
        let discarded = discard_if_lazy(r, p, frame, old.dirty);
        if !discarded && r.s.page[p].kind == PageKind::Anon {
            // Off to swap: a later fault maps the page back from the swap cache.
        }
        Ok(What::Unmapped {
            mapped: true,
            batched,
            dirty: old.dirty,
            discarded,
        })
    },
};

/// A lazily freed anonymous page that is still clean is discarded (MADV_FREE's promise); one dirtied
/// again is kept (SetPageSwapBacked). Discarding a page written after MADV_FREE returned loses that
/// write.
fn discard_if_lazy(r: &mut Run, p: usize, frame: u8, pte_dirty: bool) -> bool {
    let f = r.s.frame[usize::from(frame)];
    if r.s.page[p].kind != PageKind::Anon || !f.lazyfree {
        return false;
    }
    if pte_dirty || f.pg_dirty {
        r.s.frame[usize::from(frame)].lazyfree = false;
        return false;
    }
    if r.s.page[p].rewritten {
        r.harm(Some(Bad::Lost {
            how: LossHow::Discarded,
            lost: f.data,
            kept: 0,
        }));
    }
    r.s.page[p].frame = None;
    r.s.page[p].madv_freed = false;
    r.s.page[p].rewritten = false;
    true
}

/// `try_to_unmap_flush()`: the batched flush of reclaim.
pub(super) const TRY_TO_UNMAP_FLUSH: ActionDef = ActionDef {
    action: Action::TryToUnmapFlush,
    id: "try_to_unmap_flush",
    label: "try_to_unmap_flush()",
    aliases: &["try_to_unmap_flush_dirty", "arch_tlbbatch_flush"],
    path: KernelPath::Reclaim,
    summary: "Reclaim's batched flush: if this CPU's unmap batch owes one, flush every CPU.",
    code: 20,
    per_page: false,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| {
        Footprint::of(&[Var::Kernel(ctx.cpu)], &[Var::Kernel(ctx.cpu)]).writing(VarSet::all_tlbs())
    },
    apply: |r| {
        let c = r.cpu();
        let required = r.s.kernel[c].ubc.flush_required;
        if required {
            let all = r.s.all_cpus();
            r.s.flush_mm(all);
        }
        r.s.kernel[c].ubc = Default::default();
        Ok(What::UnmapFlushed { required })
    },
};

/// Reclaim of a page it believes clean: `shrink_page_list` on one page.
pub(super) const DROP_CLEAN_PAGE: ActionDef = ActionDef {
    action: Action::DropCleanPage,
    id: "drop_clean_page",
    label: "drop clean page",
    aliases: &["reclaim", "drop_page", "remove_mapping", "discard_page", "discard_clean_page"],
    path: KernelPath::Reclaim,
    summary: "Reclaim one page (page lock held): unmap every PTE (ptep_clear_flush; dirty bits move to \
              PG_dirty) and flush; a dirty page is kept for writeback, and so is a page a kernel path \
              still holds a reference to; a clean file page is dropped from the page cache, a clean \
              lazily freed page discarded.",
    code: 14,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| reclaim_footprint(ctx.cpu),
    apply: drop_clean_page,
};

fn drop_clean_page(r: &mut Run) -> Result<What, StepError> {
    let v = r.vpage();
    let p = r.s.page_of(v);
    r.lock_page(p, false)?;
    let Some(frame) = r.s.page[p].frame else {
        r.unlock_page(p);
        return Ok(What::NotCached);
    };
    // try_to_unmap: every PTE mapping the page, then the batched flush before anything is freed.
    let mut pte_dirty = false;
    let mapped = (0..r.s.vpage_count())
        .filter(|&w| r.s.pte[w].mapped_frame() == Some(frame))
        .collect::<Vec<_>>();
    if !mapped.is_empty() {
        r.ptl()?;
    }
    for w in mapped {
        let (old, _, _) = r.ptep_clear_flush(w);
        pte_dirty |= old.dirty;
        if old.dirty {
            set_page_dirty(r.s, frame);
        }
        page_remove_rmap(r.s, frame);
    }
    r.unlock_page(p);
    let f = r.s.frame[usize::from(frame)];
    if r.s.frame_referenced(frame) && !f.pg_dirty {
        return Ok(What::ReclaimReferenced);
    }
    if r.s.page[p].kind == PageKind::Anon {
        if discard_if_lazy(r, p, frame, pte_dirty) {
            r.s.free_frame(frame);
            return Ok(What::Discarded { version: f.data });
        }
        return Ok(What::ReclaimKept {
            pg_dirty: true,
            pte_dirty,
        });
    }
    if f.pg_dirty {
        return Ok(What::ReclaimKept {
            pg_dirty: f.pg_dirty,
            pte_dirty,
        });
    }
    let disk = r.s.page[p].disk;
    if f.data != disk {
        r.harm(Some(Bad::Lost {
            how: LossHow::Dropped,
            lost: f.data,
            kept: disk,
        }));
    }
    r.s.page[p].frame = None;
    r.s.free_frame(frame);
    Ok(What::Dropped { mem: f.data, disk })
}
