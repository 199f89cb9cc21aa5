//! Writeback and reclaim of the page: `page_mkclean_one` (mm/rmap.c, called through
//! `clear_page_dirty_for_io`), the I/O after `TestClearPageDirty` (mm/page-writeback.c), and reclaim
//! of a page it believes clean (mm/vmscan.c).

use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::Effect;
use crate::model::footprint::{Footprint, Var};
use crate::model::state::{CpuSet, Pte};
use crate::model::variant::SkipTest;

/// `page_mkclean_one()`: writeback write-protects and cleans the PTE, unless it looks clean already.
pub(super) const PAGE_MKCLEAN_ONE: ActionDef = ActionDef {
    action: Action::PageMkcleanOne,
    id: "page_mkclean_one",
    label: "page_mkclean_one()",
    aliases: &[],
    path: KernelPath::WritebackReclaim,
    summary: "Writeback: unless the skip test holds, flush every CPU, clear W and D, and re-dirty the page.",
    share_code: 12,
    footprint: |_, v| {
        let reads = [Var::Present, Var::Write, Var::Dirty, Var::Pending];
        // The count matters only to a skip test that checks it.
        let reads = if v.skip_test == SkipTest::ChecksPending {
            &reads[..]
        } else {
            &reads[..3]
        };
        Footprint::new(reads, &[Var::Write, Var::Dirty, Var::PgDirty]).flushing_all()
    },
    apply: |s, _, v| {
        if !s.pte.present {
            return Ok(Effect::NoPte);
        }
        let checks_pending = v.skip_test == SkipTest::ChecksPending;
        let pending = s.tlb_flush_pending;
        // The kernel's form: `if (pte_dirty(*pte) || pte_write(*pte) [|| mm_tlb_flush_pending(mm)])`.
        let must_clean = v.skip_test == SkipTest::Never
            || s.pte.dirty
            || s.pte.write
            || (checks_pending && s.mm_tlb_flush_pending());
        if !must_clean {
            return Ok(Effect::MkcleanSkipped {
                checks_pending,
                pending,
                stale: s.stale_cpus(),
            });
        }
        let (dirty, write) = (s.pte.dirty, s.pte.write);
        let held = s.flush(CpuSet::first(s.cpu_count()));
        s.pte.write = false;
        s.pte.dirty = false;
        s.page.pg_dirty = true;
        Ok(Effect::MkcleanDone {
            dirty,
            write,
            pending,
            never_skips: v.skip_test == SkipTest::Never,
            held,
        })
    },
};

/// Writeback's I/O: `TestClearPageDirty`, then write the page if it was dirty.
pub(super) const WRITE_PAGE_TO_DISK: ActionDef = ActionDef {
    action: Action::WritePageToDisk,
    id: "write_page_to_disk",
    label: "write page to disk",
    aliases: &["writeback", "write_to_disk"],
    path: KernelPath::WritebackReclaim,
    summary: "TestClearPageDirty; if the page was dirty, write memory's version to disk.",
    share_code: 13,
    footprint: |_, _| {
        Footprint::new(
            &[Var::InCache, Var::PgDirty, Var::Mem],
            &[Var::PgDirty, Var::Disk],
        )
    },
    apply: |s, _, _| {
        Ok(if !s.page.in_page_cache {
            Effect::NotCached
        } else if s.page.pg_dirty {
            s.page.pg_dirty = false;
            s.disk = s.page.mem;
            Effect::WrittenBack { version: s.disk }
        } else {
            Effect::WritebackClean
        })
    },
};

/// Reclaim of a page it believes clean.
pub(super) const DROP_CLEAN_PAGE: ActionDef = ActionDef {
    action: Action::DropCleanPage,
    id: "drop_clean_page",
    label: "drop clean page",
    aliases: &["reclaim", "drop_page"],
    path: KernelPath::WritebackReclaim,
    summary: "Reclaim: if neither PG_dirty nor D is set, unmap, flush and drop the page.",
    share_code: 14,
    footprint: |_, _| {
        Footprint::new(
            &[Var::InCache, Var::PgDirty, Var::Dirty, Var::Mem, Var::Disk],
            &[
                Var::Present,
                Var::Write,
                Var::Dirty,
                Var::Young,
                Var::SoftDirty,
                Var::InCache,
                Var::Mem,
            ],
        )
        .flushing_all()
    },
    apply: |s, _, _| {
        if !s.page.in_page_cache {
            return Ok(Effect::NotCached);
        }
        if s.page.pg_dirty || s.pte.dirty {
            return Ok(Effect::DropKept {
                pg_dirty: s.page.pg_dirty,
                pte_dirty: s.pte.dirty,
            });
        }
        let held = s.flush(CpuSet::first(s.cpu_count()));
        let mem = s.page.mem;
        s.pte = Pte::NONE;
        s.page.in_page_cache = false;
        // What memory held is gone; a later fault reads disk's version back.
        s.page.mem = s.disk;
        Ok(Effect::Dropped {
            mem,
            disk: s.disk,
            held,
        })
    },
};
