//! /proc/PID/clear_refs (fs/proc/task_mmu.c, `clear_refs_write`): soft-dirty clearing write-protects
//! PTEs (`clear_soft_dirty`), aging makes them old (`clear_refs_pte_range`); the mmu_gather around the
//! walk (`gather.rs`) decides whether a flush follows, which is what the seed thread's variants differ
//! in (docs/model.md §4).

use super::kernel::Run;
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{StepError, What};
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::state::GatherKind;
use crate::model::variant::Arch;
use crate::model::variant::Fix;

/// Enters clear_refs' walk on this CPU: the first clear_refs step takes `mmap_lock` for the walk,
/// for writing since 29a951dfb3c3, for reading before, and holds it until the walk's end.
pub(super) fn clear_refs_enter(r: &mut Run) -> Result<bool, StepError> {
    let c = r.cpu() as u8;
    let held = r.s.locks.mmap_writer == Some(c) || r.s.locks.mmap_readers & 1 << c != 0;
    let write = r.has(Fix::ClearRefsWriteLock);
    if !held {
        let keep = r.ctx.keeps_locks;
        match (write, keep) {
            (true, _) => r.mmap_write(keep)?,
            (false, true) => r.hold_mmap_read()?,
            (false, false) => r.mmap_read()?,
        }
    }
    Ok(write)
}

/// What entering clear_refs' walk may touch: `mmap_lock`.
fn enter_footprint() -> Footprint {
    Footprint::of(&[Var::Mmap], &[Var::Mmap])
}

/// `clear_refs_write()`: the write to /proc/PID/clear_refs begins.
pub(super) const CLEAR_REFS_WRITE: ActionDef = ActionDef {
    action: Action::ClearRefsWrite,
    id: "clear_refs_write",
    label: "clear_refs_write()",
    aliases: &[
        "4_>_clear_refs",
        "echo_4_>_clear_refs",
        "clear_refs",
        "clear_soft_dirty",
    ],
    path: KernelPath::ClearRefs,
    summary:
        "The write to /proc/PID/clear_refs begins: it takes mmap_lock for the walk (for writing \
              since 29a951dfb3c3).",
    code: 8,
    per_page: false,
    opens_gather: None,
    types_gather: None,
    footprint: |_, _| enter_footprint(),
    apply: |r| {
        let write_lock = clear_refs_enter(r)?;
        Ok(What::ClearRefsBegun { write_lock })
    },
};

/// `pte_wrprotect()`: clear W (and soft-dirty) for soft-dirty tracking, without a flush.
pub(super) const PTE_WRPROTECT: ActionDef = ActionDef {
    action: Action::PteWrprotect,
    id: "pte_wrprotect",
    label: "pte_wrprotect()",
    aliases: &["clear_soft_dirty_pte"],
    path: KernelPath::ClearRefs,
    summary: "Clear W and soft-dirty so that the next write faults; D is kept (on arm64 only since \
              ff1712f953e2) and nothing is flushed; Will Deacon's 4/6 records the PTE in the gather.",
    code: 9,
    per_page: true,
    opens_gather: None,
    types_gather: Some(GatherKind::ClearRefsSoftDirty),
    footprint: |ctx, _| {
        let v = ctx.page;
        enter_footprint()
            .union(Footprint::of(
                &[Var::PteBits(v), Var::PteDirty(v), Var::Kernel(ctx.cpu)],
                &[
                    Var::PteBits(v),
                    Var::PteDirty(v),
                    Var::PteSoftDirty(v),
                    Var::Kernel(ctx.cpu),
                ],
            ))
    },
    apply: |r| {
        clear_refs_enter(r)?;
        let v = r.vpage();
        let pte = r.s.pte[v];
        if !pte.present {
            return Ok(What::NoPte);
        }
        // arm64 with DBM: a writable PTE is hardware-dirty when D is set; before ff1712f953e2
        // pte_wrprotect() set PTE_RDONLY without moving that state to the software dirty bit.
        let hw_dirty = r.v.arch == Arch::Arm64 && pte.write && pte.dirty;
        let lost_dirty = hw_dirty && !r.has(Fix::Arm64WrprotectKeepsDirty);
        if hw_dirty {
            r.decided_by(Fix::Arm64WrprotectKeepsDirty);
        }
        let p = &mut r.s.pte[v];
        p.write = false;
        p.soft_dirty = false;
        if lost_dirty {
            p.dirty = false;
        }
        if r.has(Fix::WillRecords) {
            if let Some(g) = r.s.kernel[r.ctx.cpu].gather.as_mut() {
                g.cleared = true;
            }
        }
        Ok(What::Wrprotected {
            dirty: r.s.pte[v].dirty,
            lost_dirty,
            stale: r.s.permissive_cpus(v),
        })
    },
};

/// `pte_mkold()`: clear the young bit (page aging), without a flush.
pub(super) const PTE_MKOLD: ActionDef = ActionDef {
    action: Action::PteMkold,
    id: "pte_mkold",
    label: "pte_mkold()",
    aliases: &["ptep_test_and_clear_young", "clear_refs_pte_range"],
    path: KernelPath::ClearRefs,
    summary:
        "Clear the young bit (page aging: clear_refs 1-3, or reclaim's page_referenced); nothing \
              is flushed.",
    code: 10,
    per_page: true,
    opens_gather: None,
    types_gather: Some(GatherKind::ClearRefsAging),
    footprint: |ctx, _| {
        let v = ctx.page;
        enter_footprint().union(Footprint::new(
            VarSet::of(&[Var::PteBits(v)]),
            VarSet::of(&[Var::PteYoung(v)]),
        ))
    },
    apply: |r| {
        clear_refs_enter(r)?;
        let v = r.vpage();
        if !r.s.pte[v].present {
            return Ok(What::NoPte);
        }
        r.s.pte[v].young = false;
        Ok(What::MadeOld)
    },
};
