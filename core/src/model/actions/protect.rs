//! Changing protections (mm/mprotect.c `change_protection_range` / `change_pte_range`): mprotect
//! (whole, one step), NUMA hinting (`change_prot_numa`, PROT_NONE) and userfaultfd write-protect
//! (`mwriteprotect_range`), the last two with their flush deferred to a later `flush_tlb_range()`.
//! Since 20841405940e the walk raises `mm->tlb_flush_pending` until that flush.

use super::kernel::Run;
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{StepError, What};
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::variant::Fix;

/// What a protection change may touch.
fn protect_footprint(cpu: usize, v: usize) -> Footprint {
    let rw = VarSet::pte(v)
        .with(Var::Map(v))
        .with(Var::Kernel(cpu))
        .with(Var::Pending)
        .with(Var::Batched)
        .with(Var::Ptl)
        .with(Var::Mmap);
    Footprint::new(rw, rw.union(VarSet::all_tlbs()))
}

/// `mprotect(PROT_READ)`: the whole syscall, one step.
pub(super) const MPROTECT: ActionDef = ActionDef {
    action: Action::Mprotect,
    id: "mprotect",
    label: "mprotect(PROT_READ)",
    aliases: &[
        "mprotect(prot_read)",
        "mprotect(addr,_prot_read)",
        "change_pte_range",
        "change_protection",
        "change_protection_range",
    ],
    path: KernelPath::Protection,
    summary: "mmap_write_lock; change_protection_range: flush_tlb_batched_pending (3ea277194daa), \
              write-protect a present PTE, flush_tlb_range if it changed one; the VMA becomes \
              read-only and mprotect returns: every later store must fault.",
    code: 24,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| protect_footprint(ctx.cpu, ctx.page),
    apply: |r| {
        let v = r.vpage();
        r.mmap_write(false)?;
        let raised = r.has(Fix::PteAccessiblePending);
        if raised {
            r.raise_pending()?;
        }
        r.ptl()?;
        if r.s.tlb_flush_batched {
            r.decided_by(Fix::FlushBatchedPending);
        }
        let batched_flush = r.flush_tlb_batched_pending().is_some();
        let changed = r.s.pte[v].present;
        if changed {
            r.s.pte[v].write = false;
            let all = r.s.all_cpus();
            r.s.flush_page(v, all);
        }
        if raised {
            r.lower_pending()?;
        }
        r.s.map[v].vm_write = false;
        r.s.map[v].write_revoked = true;
        Ok(What::Mprotected {
            changed,
            batched_flush,
        })
    },
};

/// Shared by the two protection changes whose flush comes later: raise the count (20841405940e),
/// flush what reclaim batched (3ea277194daa), change a present PTE, and owe a `flush_tlb_range()`.
fn deferred_change(
    r: &mut Run,
    change: fn(&mut crate::model::state::Pte),
) -> Result<What, StepError> {
    let (c, v) = (r.cpu(), r.vpage());
    r.mmap_read()?;
    let raise = r.has(Fix::PteAccessiblePending) && r.s.kernel[c].deferred.is_none();
    let raised = if raise {
        Some(r.raise_pending()?)
    } else {
        None
    };
    r.ptl()?;
    r.flush_tlb_batched_pending();
    let changed = r.s.pte[v].present;
    if changed {
        change(&mut r.s.pte[v]);
    }
    r.s.kernel[c].defer(v, changed, raised.is_some());
    Ok(What::Protected { changed, raised })
}

/// `change_prot_numa()`: NUMA balancing makes the PTE PROT_NONE to catch the next access.
pub(super) const CHANGE_PROT_NUMA: ActionDef = ActionDef {
    action: Action::ChangeProtNuma,
    id: "change_prot_numa",
    label: "change_prot_numa()",
    aliases: &[
        "make_entry_pte/pmd_numa",
        "make_entry_pte_numa",
        "task_numa_work",
        "change_protection_numa",
    ],
    path: KernelPath::Protection,
    summary:
        "NUMA hinting: raise mm->tlb_flush_pending (20841405940e), make the PTE PROT_NONE; the \
              flush is deferred to flush_tlb_range(), which lowers the count.",
    code: 25,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| protect_footprint(ctx.cpu, ctx.page),
    apply: |r| {
        deferred_change(r, |pte| {
            pte.present = false;
            pte.protnone = true;
        })
    },
};

/// `mwriteprotect_range()`: userfaultfd write-(un)protect with a deferred flush.
pub(super) const MWRITEPROTECT_RANGE: ActionDef = ActionDef {
    action: Action::MwriteprotectRange,
    id: "mwriteprotect_range",
    label: "mwriteprotect_range()",
    aliases: &[
        "userfaultfd_writeprotect",
        "uffd_wp",
        "uffdio_writeprotect",
    ],
    path: KernelPath::Protection,
    summary: "userfaultfd write-unprotect as 6ce64428d621 found it: under mmap_read_lock, raise \
              mm->tlb_flush_pending and clear the PTE's write bit (and its uffd-wp bit); the flush is \
              deferred to flush_tlb_range(). A later write fault copies a shared page (do_wp_page).",
    code: 26,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| protect_footprint(ctx.cpu, ctx.page),
    apply: |r| {
        deferred_change(r, |pte| {
            pte.write = false;
            pte.uffd_wp = false;
        })
    },
};
