//! Writeback of a file page: `clear_page_dirty_for_io` (mm/page-writeback.c) holds the page lock,
//! calls `page_mkclean` (mm/rmap.c; `page_mkclean_one` for each PTE) and `TestClearPageDirty`, and the
//! I/O writes memory's version to disk.

use super::kernel::Run;
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{StepError, What};
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::variant::{Arch, Fix};

/// `page_mkclean_one()`: writeback write-protects and cleans the PTE, unless it looks clean already.
pub(super) const PAGE_MKCLEAN_ONE: ActionDef = ActionDef {
    action: Action::PageMkcleanOne,
    id: "page_mkclean_one",
    label: "page_mkclean_one()",
    aliases: &["page_mkclean", "folio_mkclean", "page_vma_mkclean_one", "clear_page_dirty_for_io"],
    path: KernelPath::Writeback,
    summary: "Writeback (page lock held until the I/O): unless the skip test holds (!pte_dirty && \
              !pte_write), ptep_clear_flush, make the PTE read-only and clean, and re-dirty the page. \
              A page mapped nowhere is skipped at once.",
    code: 12,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| {
        let v = ctx.page;
        Footprint::new(
            VarSet::pte(v)
                .union(VarSet::memory())
                .with(Var::Pending)
                .with(Var::Ptl)
                .with(Var::PageLock(0))
                .with(Var::PageLock(1)),
            VarSet::of(&[
                Var::PteBits(v),
                Var::PteDirty(v),
                Var::PageLock(0),
                Var::PageLock(1),
            ])
            .union(VarSet::memory())
            .union(VarSet::tlbs_of_page(v)),
        )
    },
    apply: page_mkclean_one,
};

fn page_mkclean_one(r: &mut Run) -> Result<What, StepError> {
    let v = r.vpage();
    let p = r.s.page_of(v);
    r.lock_page(p, r.ctx.keeps_locks)?;
    let Some(frame) = r.s.page[p].frame else {
        return Ok(What::NotCached);
    };
    if r.s.frame[usize::from(frame)].mapcount == 0 {
        // page_mkclean: `if (!page_mapped(page)) return 0;` -- no rmap walk, no lock.
        return Ok(What::MkcleanUnmapped);
    }
    // page_vma_mapped_walk takes the page-table lock.
    r.ptl()?;
    let pte = r.s.pte[v];
    if !(pte.present && pte.frame == frame) {
        return Ok(What::NoPte);
    }
    let pending = r.s.tlb_flush_pending;
    let checks_pending = r.has(Fix::YuMkcleanPending);
    let never_skips = r.has(Fix::MkcleanNeverSkips);
    // The kernel's form: `if (!pte_dirty(*pte) && !pte_write(*pte)) continue;`, Yu Zhao's adds
    // `&& !mm_tlb_flush_pending(mm)`.
    let looks_clean = !pte.dirty && !pte.write;
    if looks_clean && pending > 0 && !never_skips {
        r.decided_by(Fix::YuMkcleanPending);
    }
    if looks_clean && !never_skips && !(checks_pending && pending > 0) {
        return Ok(What::MkcleanSkipped {
            checks_pending,
            pending,
            stale: r.s.stale_cpus(v),
        });
    }
    if r.v.arch == Arch::Arm64 && !pte.young && pending == 0 {
        r.decided_by(Fix::Arm64AccessibleOld);
    }
    let (old, flushed, _) = r.ptep_clear_flush(v);
    r.s.pte[v] = old;
    r.s.pte[v].write = false;
    r.s.pte[v].dirty = false;
    // clear_page_dirty_for_io: a cleaned PTE re-dirties the page (set_page_dirty), so that the
    // TestClearPageDirty that follows writes it.
    r.s.frame[usize::from(frame)].pg_dirty = true;
    Ok(What::MkcleanDone {
        dirty: pte.dirty,
        write: pte.write,
        pending,
        never_skips,
        flushed,
    })
}

/// Writeback's I/O: `TestClearPageDirty`, then write the page if it was dirty.
pub(super) const WRITE_PAGE_TO_DISK: ActionDef = ActionDef {
    action: Action::WritePageToDisk,
    id: "write_page_to_disk",
    label: "write page to disk",
    aliases: &["writeback", "write_to_disk", "pageout", "writepage"],
    path: KernelPath::Writeback,
    summary:
        "TestClearPageDirty; if the page was dirty, write memory's version to disk; the page lock \
              writeback took is released.",
    code: 13,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |_, _| {
        let locks = VarSet::of(&[Var::PageLock(0), Var::PageLock(1)]);
        Footprint::new(VarSet::memory().union(locks), VarSet::memory().union(locks))
    },
    apply: |r| {
        let p = r.s.page_of(r.vpage());
        r.lock_page(p, false)?;
        r.unlock_page(p);
        let Some(f) = r.s.page[p].frame else {
            return Ok(What::NotCached);
        };
        let frame = &mut r.s.frame[usize::from(f)];
        if !frame.pg_dirty {
            return Ok(What::WritebackClean);
        }
        frame.pg_dirty = false;
        let version = frame.data;
        r.s.page[p].disk = version;
        Ok(What::WrittenBack { version })
    },
};
