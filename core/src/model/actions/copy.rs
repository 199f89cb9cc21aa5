//! Paths that switch a page to another frame after copying or comparing it, with a window between:
//! KSM (mm/ksm.c `try_to_merge_one_page`: `write_protect_page`, `pages_identical`, `replace_page`,
//! page lock held) and the COW copy of a write fault (mm/memory.c `do_wp_page`: `wp_page_copy`, then
//! `set_pte_at_notify`). A store reaching the old frame after the copy was taken is lost when the page
//! switches (docs/model.md §6).

use super::kernel::{page_remove_rmap, set_page_dirty, Run};
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{Bad, LossHow, StepError, What};
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::state::{Copy, CopyKind, PageKind, Pte};
use crate::model::variant::Fix;

/// What a step of these paths may touch.
fn copy_footprint(cpu: usize, v: usize) -> Footprint {
    let rw = VarSet::pte(v)
        .union(VarSet::memory())
        .with(Var::Kernel(cpu))
        .with(Var::Pending)
        .with(Var::Ptl)
        .with(Var::Mmap)
        .with(Var::PageLock(0))
        .with(Var::PageLock(1));
    Footprint::new(rw, rw.union(VarSet::tlbs_of_page(v)))
}

/// Switches virtual page `v` to the copy in `copy.to`: flushes every CPU's entry for it, maps the
/// copy, and charges a loss if the old frame was written after the copy was taken.
fn switch_to_copy(r: &mut Run, copy: Copy, pte: Pte) {
    let v = usize::from(copy.vpage);
    let p = r.s.page_of(v);
    let (from, to) = (
        r.s.frame[usize::from(copy.from)],
        r.s.frame[usize::from(copy.to)],
    );
    let all = r.s.all_cpus();
    r.s.flush_page(v, all);
    if from.data != to.data {
        r.harm(Some(Bad::Lost {
            how: LossHow::Remapped {
                from: copy.from,
                to: copy.to,
            },
            lost: from.data,
            kept: to.data,
        }));
    }
    r.s.pte[v] = pte;
    r.s.page[p].frame = Some(copy.to);
    let f = &mut r.s.frame[usize::from(copy.to)];
    f.mapcount = f.mapcount.saturating_add(1);
    page_remove_rmap(r.s, copy.from);
    let old = r.s.frame[usize::from(copy.from)];
    if old.mapcount == 0 && !old.shared {
        r.s.free_frame(copy.from);
    }
}

/// KSM's `write_protect_page()`.
pub(super) const WRITE_PROTECT_PAGE: ActionDef = ActionDef {
    action: Action::WriteProtectPage,
    id: "write_protect_page",
    label: "write_protect_page()",
    aliases: &["ksm", "try_to_merge_one_page", "try_to_merge_with_ksm_page"],
    path: KernelPath::Ksm,
    summary:
        "KSM (page lock held until replace_page): a PTE that is writable or dirty -- or, since \
              b3a81d0841a9, any PTE while a flush is pending -- is cleared and flushed \
              (ptep_clear_flush), its dirty bit moved to the page, and made read-only and clean; a \
              clean read-only PTE is left alone, without a flush.",
    code: 31,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| copy_footprint(ctx.cpu, ctx.page),
    apply: |r| {
        let v = r.vpage();
        let p = r.s.page_of(v);
        // try_to_merge_one_page: `if (!PageAnon(page)) goto out;`
        if r.s.page[p].kind != PageKind::Anon {
            return Ok(What::AnonOnly {
                path: KernelPath::Ksm,
            });
        }
        r.lock_page(p, r.ctx.keeps_locks)?;
        r.ptl()?;
        let pte = r.s.pte[v];
        let Some(frame) = r.s.page[p].frame.filter(|&f| pte.present && pte.frame == f) else {
            return Ok(What::NoPte);
        };
        let pending = r.s.tlb_flush_pending;
        let looks_clean = !pte.write && !pte.dirty;
        if looks_clean && pending > 0 {
            r.decided_by(Fix::KsmChecksPending);
        }
        if looks_clean && !(r.has(Fix::KsmChecksPending) && pending > 0) {
            return Ok(What::KsmProtected {
                skipped: true,
                pending,
                stale: r.s.stale_cpus(v),
            });
        }
        let (old, _, _) = r.ptep_clear_flush(v);
        if old.dirty {
            set_page_dirty(r.s, frame);
        }
        r.s.pte[v] = Pte {
            write: false,
            dirty: false,
            ..old
        };
        Ok(What::KsmProtected {
            skipped: false,
            pending,
            stale: r.s.stale_cpus(v),
        })
    },
};

/// KSM's `pages_identical()`.
pub(super) const PAGES_IDENTICAL: ActionDef = ActionDef {
    action: Action::PagesIdentical,
    id: "pages_identical",
    label: "pages_identical()",
    aliases: &["pages_indentical", "memcmp_pages", "checksum"],
    path: KernelPath::Ksm,
    summary:
        "KSM compares the page with a stable page and finds them identical: the stable page is a \
              frame holding the same data, which replace_page() will map instead.",
    code: 32,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| copy_footprint(ctx.cpu, ctx.page),
    apply: |r| {
        let (c, v) = (r.cpu(), r.vpage());
        let p = r.s.page_of(v);
        if r.s.page[p].kind != PageKind::Anon {
            return Ok(What::AnonOnly {
                path: KernelPath::Ksm,
            });
        }
        if r.s.kernel[c].copy.is_some() {
            return Err(StepError::CopyInProgress);
        }
        let Some(from) = r.s.page[p].frame else {
            return Ok(What::NotCached);
        };
        let to = r.s.alloc_frame(p).ok_or(StepError::OutOfFrames)?;
        let data = r.s.frame[usize::from(from)].data;
        let stable = &mut r.s.frame[usize::from(to)];
        stable.data = data;
        stable.shared = true;
        r.s.kernel[c].copy = Some(Copy {
            kind: CopyKind::Ksm,
            vpage: v as u8,
            from,
            to,
            orig: r.s.pte[v],
        });
        Ok(What::KsmCompared { to })
    },
};

/// KSM's `replace_page()`.
pub(super) const REPLACE_PAGE: ActionDef = ActionDef {
    action: Action::ReplacePage,
    id: "replace_page",
    label: "replace_page()",
    aliases: &["merge", "ksm_merge"],
    path: KernelPath::Ksm,
    summary:
        "If the PTE is unchanged since pages_identical (pte_same) and still read-only and clean, \
              flush it and map the stable page read-only instead; the old frame is freed.",
    code: 33,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| copy_footprint(ctx.cpu, ctx.page),
    apply: |r| {
        let c = r.cpu();
        let Some(copy) = r.s.kernel[c]
            .copy
            .filter(|k| k.kind == CopyKind::Ksm && usize::from(k.vpage) == r.ctx.page)
        else {
            return Ok(What::NothingToDo);
        };
        r.s.kernel[c].copy = None;
        let v = usize::from(copy.vpage);
        let p = r.s.page_of(v);
        r.ptl()?;
        let pte = r.s.pte[v];
        r.unlock_page(p);
        // pte_same(*ptep, orig_pte): a fault since write_protect_page made it writable or dirty.
        if pte != copy.orig || !pte.present || pte.write || pte.dirty {
            r.s.free_frame(copy.to);
            return Ok(What::KsmBailed);
        }
        switch_to_copy(
            r,
            copy,
            Pte {
                write: false,
                dirty: false,
                frame: copy.to,
                ..pte
            },
        );
        Ok(What::KsmReplaced {
            from: copy.from,
            to: copy.to,
        })
    },
};

/// `wp_page_copy()`: the COW copy of a write fault on a shared anonymous page.
pub(super) const WP_PAGE_COPY: ActionDef = ActionDef {
    action: Action::WpPageCopy,
    id: "wp_page_copy",
    label: "wp_page_copy()",
    aliases: &["do_wp_page", "cow_user_page", "copy_page_(cow)"],
    path: KernelPath::Cow,
    summary:
        "The write fault on a present, write-protected PTE of a shared anonymous page copies it \
              (cow_user_page) with the page-table lock dropped; since 6ce64428d621 it first flushes \
              the page when a flush is pending.",
    code: 34,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| copy_footprint(ctx.cpu, ctx.page),
    apply: |r| {
        let (c, v) = (r.cpu(), r.vpage());
        let p = r.s.page_of(v);
        // A write fault on a shared file mapping never copies (do_wp_page → wp_page_shared).
        if r.s.page[p].kind != PageKind::Anon {
            return Ok(What::AnonOnly { path: KernelPath::Cow });
        }
        if r.s.kernel[c].copy.is_some() {
            return Err(StepError::CopyInProgress);
        }
        r.mmap_read()?;
        r.ptl()?;
        let pte = r.s.pte[v];
        let Some(from) = r.s.page[p].frame.filter(|&f| pte.present && pte.frame == f) else {
            return Ok(What::NoPte);
        };
        // do_wp_page() runs for a write fault on a present, write-protected PTE; a writable one
        // takes no fault (a stale read-only TLB entry's spurious fault only flushes it).
        if pte.write {
            return Ok(What::NothingToDo);
        }
        let pending = r.s.mm_tlb_flush_pending();
        if pending {
            r.decided_by(Fix::WpCopyFlushesPending);
        }
        let flushed_first = pending && r.has(Fix::WpCopyFlushesPending);
        if flushed_first {
            let all = r.s.all_cpus();
            r.s.flush_page(v, all);
        }
        let to = r.s.alloc_frame(p).ok_or(StepError::OutOfFrames)?;
        r.s.frame[usize::from(to)].data = r.s.frame[usize::from(from)].data;
        r.s.kernel[c].copy = Some(Copy {
            kind: CopyKind::Cow,
            vpage: v as u8,
            from,
            to,
            orig: pte,
        });
        Ok(What::CowCopied {
            from,
            to,
            flushed_first,
        })
    },
};

/// `set_pte_at_notify()`: the COW copy is mapped.
pub(super) const SET_PTE_AT_NOTIFY: ActionDef = ActionDef {
    action: Action::SetPteAtNotify,
    id: "set_pte_at_notify",
    label: "set_pte_at_notify()",
    aliases: &["ptep_clear_flush_notify"],
    path: KernelPath::Cow,
    summary:
        "With the page-table lock retaken: if the PTE is unchanged since the fault (pte_same), \
              ptep_clear_flush_notify and a writable, dirty PTE for the copy, else the fault retries. \
              A store that reached the old page after the copy is lost.",
    code: 35,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| copy_footprint(ctx.cpu, ctx.page),
    apply: |r| {
        let c = r.cpu();
        let Some(copy) = r.s.kernel[c]
            .copy
            .filter(|k| k.kind == CopyKind::Cow && usize::from(k.vpage) == r.ctx.page)
        else {
            return Ok(What::NothingToDo);
        };
        r.s.kernel[c].copy = None;
        r.ptl()?;
        let v = usize::from(copy.vpage);
        let pte = r.s.pte[v];
        // pte_same(*vmf->pte, vmf->orig_pte): anything changed since the fault, and the fault retries.
        if pte != copy.orig {
            r.s.free_frame(copy.to);
            return Ok(What::CowRetried);
        }
        switch_to_copy(r, copy, Pte::mapping(copy.to, true, true));
        Ok(What::CowMapped {
            from: copy.from,
            to: copy.to,
        })
    },
};
