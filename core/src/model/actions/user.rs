//! What user space does with the mapping: a TLB fill and a store. The store's three hardware paths
//! and the kernel's write fault are docs/model.md §2.

use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{Effect, FaultCause, StepError, StorePath};
use crate::model::footprint::{Footprint, Var};
use crate::model::state::{Pte, State, TlbEntry};
use crate::model::variant::Variant;

/// A user access that walks the page table and caches the PTE in this CPU's TLB.
pub(super) const CACHE_PTE_IN_TLB: ActionDef = ActionDef {
    action: Action::CachePteInTlb,
    id: "cache_pte_in_tlb",
    label: "cache PTE in TLB",
    aliases: &["cache_writable_pte_in_tlb", "cache_pte", "tlb_fill"],
    path: KernelPath::UserSpace,
    summary:
        "Walk the page table and keep a snapshot of W and D in this CPU's TLB; marks the PTE young.",
    share_code: 0,
    footprint: |cpu, _| {
        Footprint::new(
            &[Var::Present, Var::Write, Var::Dirty],
            &[Var::Tlb(cpu), Var::Young],
        )
    },
    apply: cache_pte_in_tlb,
};

fn cache_pte_in_tlb(s: &mut State, cpu: usize, _: &Variant) -> Result<Effect, StepError> {
    if !s.pte.present {
        return Ok(Effect::NoPte);
    }
    let entry = TlbEntry::from_pte(s.pte);
    s.tlb[cpu] = Some(entry);
    s.pte.young = true;
    Ok(Effect::Filled { entry })
}

/// A user store to the page.
pub(super) const WRITE_TO_PAGE: ActionDef = ActionDef {
    action: Action::WriteToPage,
    id: "write_to_page",
    label: "Write to page",
    aliases: &["write", "store"],
    path: KernelPath::UserSpace,
    summary: "User store: straight through a writable, dirty TLB entry; otherwise a walk sets D, or the store faults.",
    share_code: 1,
    footprint: |cpu, _| {
        Footprint::new(
            &[
                Var::Tlb(cpu),
                Var::Present,
                Var::Write,
                Var::Dirty,
                Var::InCache,
                Var::Mem,
                Var::Disk,
            ],
            &[
                Var::Tlb(cpu),
                Var::Present,
                Var::Write,
                Var::Dirty,
                Var::Young,
                Var::SoftDirty,
                Var::PgDirty,
                Var::InCache,
                Var::Mem,
            ],
        )
    },
    apply: write_to_page,
};

/// The hardware's three store paths and the kernel's write fault.
fn write_to_page(s: &mut State, cpu: usize, _: &Variant) -> Result<Effect, StepError> {
    let pte = s.pte;
    let effect = match s.tlb[cpu] {
        Some(e) if e.writable && e.dirty => {
            s.page.mem += 1;
            let stale = !(pte.present && pte.write && pte.dirty);
            Effect::Stored {
                version: s.page.mem,
                path: StorePath::Entry { stale },
            }
        }
        Some(e) if e.writable => {
            if pte.allows_write() {
                store_after_walk(s, cpu, StorePath::DirtyWalk)
            } else {
                s.tlb[cpu] = None;
                write_fault(s, cpu, FaultCause::DirtyWalkSawReadOnly)
            }
        }
        _ if pte.allows_write() => store_after_walk(s, cpu, StorePath::Walk),
        _ => {
            let cause = if pte.present {
                FaultCause::ReadOnly
            } else {
                FaultCause::NotPresent
            };
            write_fault(s, cpu, cause)
        }
    };
    Ok(effect)
}

/// A walk found the PTE writable: it sets D, the entry becomes writable and dirty, the store lands.
fn store_after_walk(s: &mut State, cpu: usize, path: StorePath) -> Effect {
    s.pte.dirty = true;
    s.pte.young = true;
    s.tlb[cpu] = Some(TlbEntry {
        writable: true,
        dirty: true,
    });
    s.page.mem += 1;
    Effect::Stored {
        version: s.page.mem,
        path,
    }
}

/// The write-protect fault on a shared file mapping: page_mkwrite, set_page_dirty, a writable dirty PTE.
fn write_fault(s: &mut State, cpu: usize, cause: FaultCause) -> Effect {
    let read_back = !s.page.in_page_cache;
    if read_back {
        s.page.mem = s.disk;
        s.page.in_page_cache = true;
    }
    s.page.pg_dirty = true;
    s.pte = Pte {
        present: true,
        write: true,
        dirty: true,
        young: true,
        soft_dirty: true,
    };
    s.tlb[cpu] = Some(TlbEntry {
        writable: true,
        dirty: true,
    });
    s.page.mem += 1;
    Effect::Faulted {
        version: s.page.mem,
        cause,
        read_back,
    }
}
