//! What user space does with a mapping: a TLB fill, a store and a read. The store's hardware paths
//! and the kernel's fault handlers are docs/model.md §2.

use super::kernel::{store_to, Run};
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{FaultCause, FaultFix, LockKind, Refusal, StepError, StorePath, What};
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::state::{PageKind, Pte, TlbEntry};

/// A user access that walks the page table and caches the PTE in this CPU's TLB.
pub(super) const CACHE_PTE_IN_TLB: ActionDef = ActionDef {
    action: Action::CachePteInTlb,
    id: "cache_pte_in_tlb",
    label: "cache PTE in TLB",
    aliases: &[
        "cache_writable_pte_in_tlb",
        "cache_pte",
        "tlb_fill",
        "load_tlb_entry",
        "cache_pte_as_dirty_in_tlb",
        "pte_now_cached_in_tlb",
        "writable_pte_cached_in_tlb",
    ],
    path: KernelPath::UserSpace,
    summary:
        "Walk the page table and keep a snapshot of W, D and the frame in this CPU's TLB; marks \
              the PTE young. A PTE that is not present caches nothing.",
    code: 0,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| {
        let v = ctx.page;
        Footprint::of(
            &[Var::PteBits(v), Var::PteDirty(v)],
            &[Var::Tlb(ctx.cpu, v), Var::PteYoung(v)],
        )
    },
    apply: |r| {
        let (c, v) = (r.cpu(), r.vpage());
        let pte = r.s.pte[v];
        if !pte.present {
            return Ok(What::NoPte);
        }
        let entry = TlbEntry::from_pte(pte);
        r.s.tlb[c][v] = Some(entry);
        r.s.pte[v].young = true;
        Ok(What::Filled { entry })
    },
};

/// What a store or a fault may touch: its CPU's entry, the page's PTE, every CPU's entry for the page
/// (a COW copy flushes them), the VMA, every page and frame (a fault may allocate), and the locks a
/// fault takes.
fn access_footprint(cpu: usize, v: usize) -> Footprint {
    // A fault that maps the page again ends an unmap's promise: it writes the mapping.
    let rw = VarSet::pte(v)
        .with(Var::Tlb(cpu, v))
        .with(Var::Map(v))
        .union(VarSet::memory());
    Footprint::new(rw, rw)
        .reading(VarSet::of(&[
            Var::Ptl,
            Var::Mmap,
            Var::PageLock(0),
            Var::PageLock(1),
        ]))
        .writing(VarSet::tlbs_of_page(v))
}

/// A user store to the page.
pub(super) const WRITE_TO_PAGE: ActionDef = ActionDef {
    action: Action::WriteToPage,
    id: "write_to_page",
    label: "Write to page",
    aliases: &[
        "write",
        "store",
        "user_writes",
        "user_writes_using_cached_rw_pte",
        "write_to_old_page",
        "read/write_old_page",
        "read/write_new_page",
        "write_to_page_using_stale_pte",
        "write_the_same_value_on_page",
        "write_to_page_different_value",
        "page_fault",
        "page-fault",
    ],
    path: KernelPath::UserSpace,
    summary:
        "User store: straight through a writable, dirty TLB entry; otherwise a walk sets D, or \
              the store faults and the fault handler (shared file page, anonymous page, COW copy, \
              NUMA hinting) makes it possible.",
    code: 1,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| access_footprint(ctx.cpu, ctx.page),
    apply: write_to_page,
};

/// The hardware's three store paths, and the fault.
fn write_to_page(r: &mut Run) -> Result<What, StepError> {
    let (c, v) = (r.cpu(), r.vpage());
    let pte = r.s.pte[v];
    match r.s.tlb[c][v] {
        Some(e) if e.writable && e.dirty => {
            let stale = e.stale_for(pte);
            let (version, bad) = store_to(r.s, v, e.frame, false)?;
            r.harm(bad);
            Ok(What::Stored {
                version,
                frame: e.frame,
                path: StorePath::Entry { stale },
            })
        }
        Some(e) if e.writable => {
            if pte.allows_write() {
                walk_and_store(r, StorePath::DirtyWalk)
            } else {
                r.s.tlb[c][v] = None;
                // What the walk finds decides the words: a write-protected PTE (seed case 2b) is
                // not the same as one that is gone or maps another frame.
                let cause = if pte.present && !pte.write {
                    FaultCause::DirtyWalkSawReadOnly
                } else {
                    FaultCause::DirtyWalkSawNoMapping
                };
                write_fault(r, cause)
            }
        }
        _ if pte.allows_write() => walk_and_store(r, StorePath::Walk),
        _ => {
            let cause = if pte.present {
                FaultCause::ReadOnly
            } else if pte.protnone {
                FaultCause::ProtNone
            } else {
                FaultCause::NotPresent
            };
            write_fault(r, cause)
        }
    }
}

/// A walk found the PTE writable: it sets D, the entry becomes writable and dirty, the store lands.
fn walk_and_store(r: &mut Run, path: StorePath) -> Result<What, StepError> {
    let (c, v) = (r.cpu(), r.vpage());
    let pte = &mut r.s.pte[v];
    pte.dirty = true;
    pte.young = true;
    let frame = pte.frame;
    r.s.tlb[c][v] = Some(TlbEntry {
        writable: true,
        dirty: true,
        frame,
    });
    let (version, bad) = store_to(r.s, v, frame, false)?;
    r.harm(bad);
    Ok(What::Stored {
        version,
        frame,
        path,
    })
}

/// Why an access cannot go on before the fault handler even runs: a migration entry (wait for the
/// page lock its migration holds), a read-only VMA, a userfaultfd write-protected PTE.
fn refused(r: &mut Run, write: bool) -> Result<Option<Refusal>, StepError> {
    let v = r.vpage();
    let pte = r.s.pte[v];
    if pte.migration {
        let p = r.s.page_of(v);
        if let Some(h) = r.s.page_lock_other(p, r.cpu()) {
            r.wait(LockKind::Page { page: p as u8 }, h)?;
        }
        return Ok(Some(Refusal::Migrating));
    }
    r.mmap_read()?;
    r.ptl()?;
    if write && !r.s.map[v].vm_write {
        return Ok(Some(Refusal::Segv));
    }
    if write && pte.uffd_wp {
        return Ok(Some(Refusal::Userfault));
    }
    Ok(None)
}

/// The page fault for a store: the handler the PTE and page call for (docs/model.md §2.2), then the
/// store through the new translation.
fn write_fault(r: &mut Run, cause: FaultCause) -> Result<What, StepError> {
    if let Some(why) = refused(r, true)? {
        return Ok(What::Refused { why });
    }
    let (c, v) = (r.cpu(), r.vpage());
    let p = r.s.page_of(v);
    let pte = r.s.pte[v];
    let (frame, handler) = if pte.protnone {
        // do_numa_page: the hinting fault restores the PTE.
        r.s.pte[v].protnone = false;
        r.s.pte[v].present = true;
        r.s.pte[v].write = true;
        (pte.frame, FaultFix::Numa)
    } else if !pte.present {
        let (f, handler) = fault_in(r)?;
        if r.s.page[p].kind == PageKind::File {
            r.s.frame[usize::from(f)].pg_dirty = true;
        }
        r.s.pte[v] = Pte::mapping(f, true, true);
        (f, handler)
    } else {
        match r.s.page[p].kind {
            // wp_page_shared: page_mkwrite, set_page_dirty, a writable PTE.
            PageKind::File => {
                r.s.frame[usize::from(pte.frame)].pg_dirty = true;
                r.s.pte[v].write = true;
                (pte.frame, FaultFix::SharedFile { read_back: false })
            }
            PageKind::Anon => {
                let f = pte.frame;
                let old = r.s.frame[usize::from(f)];
                if old.shared || old.mapcount > 1 {
                    // wp_page_copy, atomically: copy, flush, map the copy.
                    let g = r.s.alloc_frame(p).ok_or(StepError::OutOfFrames)?;
                    r.s.frame[usize::from(g)].data = old.data;
                    r.s.frame[usize::from(g)].mapcount = 1;
                    r.s.frame[usize::from(f)].mapcount = old.mapcount.saturating_sub(1);
                    r.s.page[p].frame = Some(g);
                    let all = r.s.all_cpus();
                    r.s.flush_page(v, all);
                    r.s.pte[v] = Pte::mapping(g, true, true);
                    (g, FaultFix::Cow { from: f, to: g })
                } else {
                    r.s.pte[v].write = true;
                    (f, FaultFix::Reuse)
                }
            }
        }
    };
    let pte = &mut r.s.pte[v];
    pte.dirty = true;
    pte.young = true;
    pte.soft_dirty = true;
    r.s.tlb[c][v] = Some(TlbEntry {
        writable: true,
        dirty: true,
        frame,
    });
    let (version, bad) = super::kernel::store_to(r.s, v, frame, true)?;
    r.harm(bad);
    Ok(What::Faulted {
        version,
        frame,
        cause,
        handler,
    })
}

/// Brings the page of a non-present PTE back: a file page from the page cache (read back from disk if
/// reclaim dropped it), an anonymous page mapped again, or a fresh zeroed one. Counts the new mapping.
fn fault_in(r: &mut Run) -> Result<(u8, FaultFix), StepError> {
    let p = r.s.page_of(r.vpage());
    let page = r.s.page[p];
    let (f, handler) = match (page.kind, page.frame) {
        (PageKind::File, Some(f)) => (f, FaultFix::SharedFile { read_back: false }),
        (PageKind::File, None) => {
            let f = r.s.alloc_frame(p).ok_or(StepError::OutOfFrames)?;
            r.s.frame[usize::from(f)].data = page.disk;
            r.s.page[p].frame = Some(f);
            (f, FaultFix::SharedFile { read_back: true })
        }
        (PageKind::Anon, Some(f)) => (f, FaultFix::MapBack),
        (PageKind::Anon, None) => {
            let f = r.s.alloc_frame(p).ok_or(StepError::OutOfFrames)?;
            r.s.page[p].frame = Some(f);
            r.s.page[p].madv_freed = false;
            r.s.page[p].rewritten = false;
            (f, FaultFix::NewAnon)
        }
    };
    let frame = &mut r.s.frame[usize::from(f)];
    frame.mapcount = frame.mapcount.saturating_add(1);
    // A fault maps the page again: an unmap that returned, or one still under way, promises nothing
    // about stores through the PTE it makes.
    let m = &mut r.s.map[r.vpage()];
    m.unmapped = false;
    m.zapping = false;
    Ok((f, handler))
}

/// A user read of the page.
pub(super) const READ_PAGE: ActionDef = ActionDef {
    action: Action::ReadPage,
    id: "read_page",
    label: "read page",
    aliases: &["read", "load", "read_from_page", "user_reads"],
    path: KernelPath::UserSpace,
    summary:
        "User load: through a TLB entry if there is one (a stale one reads a frame that may no \
              longer hold the page); otherwise a walk caches the PTE, or a fault maps the page \
              read-only.",
    code: 17,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| access_footprint(ctx.cpu, ctx.page),
    apply: read_page,
};

fn read_page(r: &mut Run) -> Result<What, StepError> {
    let (c, v) = (r.cpu(), r.vpage());
    let read = |r: &mut Run, frame: u8, fault| {
        let stale = r.s.backing(v) != Some(frame);
        What::Read {
            version: r.s.frame[usize::from(frame)].data,
            frame,
            stale,
            fault,
        }
    };
    if let Some(e) = r.s.tlb[c][v] {
        return Ok(read(r, e.frame, None));
    }
    let pte = r.s.pte[v];
    if pte.present {
        r.s.tlb[c][v] = Some(TlbEntry::from_pte(pte));
        r.s.pte[v].young = true;
        return Ok(read(r, pte.frame, None));
    }
    if let Some(why) = refused(r, false)? {
        return Ok(What::Refused { why });
    }
    let handler = if pte.protnone {
        let p = &mut r.s.pte[v];
        p.protnone = false;
        p.present = true;
        p.write = true;
        FaultFix::Numa
    } else {
        let (f, _) = fault_in(r)?;
        r.s.pte[v] = Pte {
            soft_dirty: r.s.pte[v].soft_dirty,
            ..Pte::mapping(f, false, false)
        };
        FaultFix::ReadOnlyMap
    };
    r.s.pte[v].young = true;
    let pte = r.s.pte[v];
    r.s.tlb[c][v] = Some(TlbEntry::from_pte(pte));
    Ok(read(r, pte.frame, Some(handler)))
}
