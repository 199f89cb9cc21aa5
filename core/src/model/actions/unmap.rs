//! Unmapping under an mmu_gather: madvise(MADV_FREE) (mm/madvise.c `madvise_free_pte_range`) and the
//! zap of munmap, madvise(MADV_DONTNEED) and the OOM reaper (mm/memory.c `zap_pte_range`), with the
//! page-table lock they hold (`pte_unmap_unlock`). Both add to this CPU's open gather, or open one
//! themselves when the diagram does not draw `tlb_gather_mmu()`.

use super::gather::ensure_gather;
use super::kernel::{page_remove_rmap, set_page_dirty, Run};
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{StepError, What};
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::state::{GatherKind, PageKind, Pte};
use crate::model::variant::Fix;

/// What a step of a gathering unmap may touch.
fn unmap_footprint(cpu: usize, v: usize) -> Footprint {
    let rw = VarSet::pte(v)
        .union(VarSet::memory())
        .with(Var::Map(v))
        .with(Var::Kernel(cpu))
        .with(Var::Pending)
        .with(Var::Batched)
        .with(Var::Ptl)
        .with(Var::Mmap);
    Footprint::new(rw, rw.union(VarSet::all_tlbs()))
}

/// `madvise_free_pte_range()`: MADV_FREE on the PTE.
pub(super) const MADVISE_FREE_PTE_RANGE: ActionDef = ActionDef {
    action: Action::MadviseFreePteRange,
    id: "madvise_free_pte_range",
    label: "madvise_free_pte_range()",
    aliases: &["madv_free", "madvise_free", "madvise(madv_free)"],
    path: KernelPath::Unmap,
    summary: "MADV_FREE on an anonymous page: flush_tlb_batched_pending (3ea277194daa); a young or \
              dirty PTE is made clean and old and recorded in the gather (flushed at tlb_finish_mmu); \
              the page is marked lazily freeable. File pages are refused.",
    code: 21,
    per_page: true,
    opens_gather: None,
    types_gather: Some(GatherKind::MadvFree),
    footprint: |ctx, _| unmap_footprint(ctx.cpu, ctx.page),
    apply: |r| {
        let v = r.vpage();
        let p = r.s.page_of(v);
        if r.s.page[p].kind != PageKind::Anon {
            return Ok(What::MadvFreeRefused);
        }
        ensure_gather(r, GatherKind::MadvFree)?;
        r.ptl()?;
        let batched_flush = r.flush_tlb_batched_pending().is_some();
        let pte = r.s.pte[v];
        let cleaned = pte.present && (pte.young || pte.dirty);
        if cleaned {
            r.s.pte[v].dirty = false;
            r.s.pte[v].young = false;
            if let Some(g) = r.s.kernel[r.cpu()].gather.as_mut() {
                g.cleared = true;
            }
        }
        let mut lazyfree = false;
        if let Some(f) = pte.mapped_frame() {
            let frame = &mut r.s.frame[usize::from(f)];
            if frame.mapcount == 1 && !frame.shared {
                frame.pg_dirty = false;
                frame.lazyfree = true;
                lazyfree = true;
                // A new MADV_FREE of the page: what was written before it is again the kernel's to
                // discard, and its promise starts when it returns.
                let page = &mut r.s.page[p];
                page.madv_freed = false;
                page.rewritten = false;
            }
        }
        Ok(What::MadvFreed {
            cleaned,
            lazyfree,
            batched_flush,
        })
    },
};

/// `zap_pte_range()`: munmap, MADV_DONTNEED or the OOM reaper clears the PTE.
pub(super) const ZAP_PTE_RANGE: ActionDef = ActionDef {
    action: Action::ZapPteRange,
    id: "zap_pte_range",
    label: "zap_pte_range()",
    aliases: &[
        "madv_dontneed",
        "madvise(madv_dontneed)",
        "zap_page_range",
        "unmap_page_range",
        "munmap",
        "ptep_get_and_clear_full",
    ],
    path: KernelPath::Unmap,
    summary: "Under the page-table lock: flush_tlb_batched_pending (3ea277194daa); clear the PTE; a \
              dirty file PTE dirties the page and forces a flush before the unlock (1cf35d47712d), \
              whose rmap removal then waits for it (5df397dec7c4); an anonymous page is freed after \
              the gather's flush. Followed by pte_unmap_unlock() on its lane, it keeps the lock until \
              that step.",
    code: 22,
    per_page: true,
    opens_gather: None,
    types_gather: Some(GatherKind::Zap),
    footprint: |ctx, _| unmap_footprint(ctx.cpu, ctx.page),
    apply: zap_pte_range,
};

fn zap_pte_range(r: &mut Run) -> Result<What, StepError> {
    let (c, v) = (r.cpu(), r.vpage());
    let p = r.s.page_of(v);
    ensure_gather(r, GatherKind::Zap)?;
    r.ptl()?;
    let holds_ptl = r.ctx.next == Some(Action::PteUnmapUnlock);
    let batched_flush = r.flush_tlb_batched_pending().is_some();
    let pte = r.s.pte[v];
    let done = |r: &mut Run, present, dirtied, rmap_delayed, flushed| {
        if holds_ptl {
            r.s.locks.ptl = Some(c as u8);
        }
        What::Zapped {
            present,
            dirtied,
            rmap_delayed,
            flushed,
            holds_ptl,
            batched_flush,
        }
    };
    let Some(f) = pte.mapped_frame() else {
        // Not present (a migration entry, or nothing): nothing the TLB could hold, nothing to flush.
        if pte.migration {
            if let Some(g) = r.s.kernel[c].gather.as_mut() {
                g.zapped |= 1 << v;
                r.s.map[v].zapping = true;
            }
            if r.s.page[p].kind == PageKind::Anon {
                // MADV_DONTNEED drops the page from the mm; the migration keeps the frame.
                r.s.page[p].frame = None;
            }
        }
        r.s.pte[v] = Pte::NONE;
        return Ok(done(r, false, false, false, false));
    };
    r.s.pte[v] = Pte::NONE;
    if let Some(g) = r.s.kernel[c].gather.as_mut() {
        g.cleared = true;
        g.zapped |= 1 << v;
        r.s.map[v].zapping = true;
    }
    let file = r.s.page[p].kind == PageKind::File;
    let dirtied = file && pte.dirty;
    if dirtied {
        set_page_dirty(r.s, f);
    }
    // 1cf35d47712d: a dirty file PTE forces the flush before the page-table lock goes;
    // 5df397dec7c4: its rmap removal waits for that flush.
    let forced = dirtied && r.has(Fix::ZapFlushUnderPtl);
    if dirtied {
        r.decided_by(Fix::ZapFlushUnderPtl);
    }
    let delay = forced && r.has(Fix::DelayRmap);
    if forced {
        r.decided_by(Fix::DelayRmap);
    }
    if !delay {
        page_remove_rmap(r.s, f);
    }
    if let Some(g) = r.s.kernel[c].gather.as_mut() {
        if file {
            g.refs |= 1 << f;
        } else {
            g.frees |= 1 << f;
        }
    }
    if !file {
        r.s.page[p].frame = None;
    }
    let mut flushed = false;
    if forced {
        if holds_ptl {
            r.s.kernel[c].owed_flush = true;
            if delay {
                r.s.kernel[c].delayed_rmap = Some(f);
            }
        } else {
            let all = r.s.all_cpus();
            r.s.flush_mm(all);
            flushed = true;
            if delay {
                page_remove_rmap(r.s, f);
            }
        }
    }
    Ok(done(r, true, dirtied, delay, flushed))
}

/// `pte_unmap_unlock()`: the end of a page-table lock section.
pub(super) const PTE_UNMAP_UNLOCK: ActionDef = ActionDef {
    action: Action::PteUnmapUnlock,
    id: "pte_unmap_unlock",
    label: "pte_unmap_unlock()",
    aliases: &["spin_unlock(ptl)", "unlock_ptl"],
    path: KernelPath::Unmap,
    summary:
        "Release the page-table lock the step before it kept, after the flush the kernel owes \
              before it (zap: 1cf35d47712d; migrate_vma: 60bae7370896) and the rmap removal that \
              waits for that flush (5df397dec7c4).",
    code: 23,
    per_page: false,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| {
        Footprint::of(
            &[Var::Kernel(ctx.cpu), Var::Ptl],
            &[Var::Kernel(ctx.cpu), Var::Ptl],
        )
        .touching(VarSet::memory())
        .writing(VarSet::all_tlbs())
    },
    apply: |r| {
        let c = r.cpu();
        if r.s.locks.ptl != Some(c as u8) {
            return Ok(What::Unlocked {
                held: false,
                flushed: false,
                rmap: false,
            });
        }
        let k = r.s.kernel[c];
        if k.owed_flush {
            let all = r.s.all_cpus();
            r.s.flush_mm(all);
        }
        if let Some(f) = k.delayed_rmap {
            page_remove_rmap(r.s, f);
        }
        r.s.kernel[c].owed_flush = false;
        r.s.kernel[c].delayed_rmap = None;
        r.s.locks.ptl = None;
        Ok(What::Unlocked {
            held: true,
            flushed: k.owed_flush,
            rmap: k.delayed_rmap.is_some(),
        })
    },
};
