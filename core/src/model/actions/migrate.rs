//! Page migration (mm/migrate.c, mm/migrate_device.c): NUMA balancing's hinting fault
//! (`do_numa_page`) and compaction move a page with the page lock held: unmap (`try_to_migrate_one`,
//! `ptep_clear_flush` behind a migration entry), copy (`move_to_new_page`), map the copy
//! (`remove_migration_ptes`), free the old frame. `migrate_vma_collect_pmd` takes a device
//! migration's PTEs.

use super::kernel::{page_remove_rmap, set_page_dirty};
use super::ActionDef;
use crate::model::action::{Action, KernelPath};
use crate::model::effect::{StepError, What};
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::state::{Copy, CopyKind, Pte};
use crate::model::variant::{Arch, Fix};

/// What a migration step may touch.
fn migrate_footprint(cpu: usize, v: usize) -> Footprint {
    let rw = VarSet::pte(v)
        .union(VarSet::memory())
        .with(Var::Map(v))
        .with(Var::Kernel(cpu))
        .with(Var::Pending)
        .with(Var::Ptl)
        .with(Var::PageLock(0))
        .with(Var::PageLock(1));
    Footprint::new(rw, rw.union(VarSet::tlbs_of_page(v)))
}

/// `do_numa_page()`: the NUMA hinting fault that decides to migrate (the diagrams' "fault on entry").
pub(super) const DO_NUMA_PAGE: ActionDef = ActionDef {
    action: Action::DoNumaPage,
    id: "do_numa_page",
    label: "do_numa_page()",
    aliases: &[
        "fault_on_entry",
        "numa_hinting_fault",
        "migrate_misplaced_page",
    ],
    path: KernelPath::Migration,
    summary:
        "The NUMA hinting fault on a PROT_NONE PTE decides to migrate the page (a marker: the \
              steps that follow do the work).",
    code: 27,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |_, _| Footprint::default(),
    apply: |_| Ok(What::Marker),
};

/// `try_to_migrate_one()`: migration unmaps the page behind a migration entry.
pub(super) const TRY_TO_MIGRATE_ONE: ActionDef = ActionDef {
    action: Action::TryToMigrateOne,
    id: "try_to_migrate_one",
    label: "try_to_migrate_one()",
    aliases: &[
        "start_migrating_page",
        "migrate_pages",
        "unmap_and_move",
        "try_to_unmap_one(migration)",
    ],
    path: KernelPath::Migration,
    summary:
        "Migration (page lock held until the copy is mapped): ptep_clear_flush, which flushes \
              only if pte_accessible() (a PROT_NONE PTE only while a flush is pending, since \
              20841405940e); a migration entry replaces the PTE.",
    code: 28,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| migrate_footprint(ctx.cpu, ctx.page),
    apply: |r| {
        let (c, v) = (r.cpu(), r.vpage());
        let p = r.s.page_of(v);
        r.lock_page(p, r.ctx.keeps_locks)?;
        let pte = r.s.pte[v];
        let Some(frame) = r.s.page[p].frame.filter(|&f| pte.mapped_frame() == Some(f)) else {
            return Ok(What::MigrationUnmapped {
                mapped: false,
                flushed: false,
            });
        };
        if r.s.kernel[c].copy.is_some() {
            return Err(StepError::CopyInProgress);
        }
        r.ptl()?;
        // 20841405940e changed x86's pte_accessible(); arm64's already counted a PROT_NONE PTE while
        // a flush was pending.
        if pte.protnone && r.s.mm_tlb_flush_pending() && r.v.arch == Arch::X86 {
            r.decided_by(Fix::PteAccessiblePending);
        }
        let (old, flushed, _) = r.ptep_clear_flush(v);
        if old.dirty {
            set_page_dirty(r.s, frame);
        }
        // The migration entry keeps the soft-dirty bit (pte_swp_mksoft_dirty).
        r.s.pte[v] = Pte {
            migration: true,
            write: old.write || old.protnone,
            soft_dirty: old.soft_dirty,
            frame,
            ..Pte::NONE
        };
        r.s.kernel[c].copy = Some(Copy {
            kind: CopyKind::Migration,
            vpage: v as u8,
            from: frame,
            to: frame,
            orig: r.s.pte[v],
        });
        Ok(What::MigrationUnmapped {
            mapped: true,
            flushed,
        })
    },
};

/// `move_to_new_page()` and `remove_migration_ptes()`: copy the page and map the copy.
pub(super) const MOVE_TO_NEW_PAGE: ActionDef = ActionDef {
    action: Action::MoveToNewPage,
    id: "move_to_new_page",
    label: "move_to_new_page()",
    aliases: &[
        "remove_migration_ptes",
        "change_pte/pmd_to_new_page",
        "change_pte_to_new_page",
        "migrate_page_copy",
        "copy_page",
    ],
    path: KernelPath::Migration,
    summary: "Copy the page to a new frame, replace the migration entry by a PTE for the copy, free \
              the old frame and drop the page lock: a store still going to the old frame now reaches \
              a freed frame. A page with another user (a second mapping, a copy in progress) fails \
              with -EAGAIN and gets its PTE back.",
    code: 29,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    // It reads the other CPUs' copies in progress: one holding the old page makes it fail.
    footprint: |ctx, _| migrate_footprint(ctx.cpu, ctx.page).reading(VarSet::all_kernels()),
    apply: |r| {
        let c = r.cpu();
        // The copy of the page this step names: a second half that names another page has no copy
        // to finish (its footprint is its own page's).
        let Some(copy) = r.s.kernel[c]
            .copy
            .filter(|k| k.kind == CopyKind::Migration && usize::from(k.vpage) == r.ctx.page)
        else {
            return Ok(What::NothingToDo);
        };
        let v = usize::from(copy.vpage);
        let p = r.s.page_of(v);
        let old = r.s.frame[usize::from(copy.from)];
        // migrate_page_move_mapping(): a page with a user besides the migration (another mapping
        // try_to_migrate left, or a COW/KSM copy holding a reference) fails with -EAGAIN, and
        // remove_migration_ptes(page, page) restores the PTE.
        let mapped_elsewhere = old.mapcount > 1;
        let copied = (0..r.s.cpu_count())
            .any(|d| d != c && r.s.kernel[d].copy.is_some_and(|k| k.from == copy.from));
        if mapped_elsewhere || copied {
            let write = r.s.pte[v].write;
            r.s.pte[v] = Pte {
                soft_dirty: r.s.pte[v].soft_dirty,
                ..Pte::mapping(copy.from, write, false)
            };
            r.s.kernel[c].copy = None;
            r.unlock_page(p);
            return Ok(What::MigrationAborted {
                frame: copy.from,
                mapped_elsewhere,
            });
        }
        let to = r.s.alloc_frame(p).ok_or(StepError::OutOfFrames)?;
        let new = &mut r.s.frame[usize::from(to)];
        new.data = old.data;
        new.pg_dirty = old.pg_dirty;
        new.mapcount = 1;
        r.s.page[p].frame = Some(to);
        let write = r.s.pte[v].write;
        // remove_migration_pte(): the soft-dirty bit comes back from the migration entry.
        r.s.pte[v] = Pte {
            soft_dirty: r.s.pte[v].soft_dirty,
            ..Pte::mapping(to, write, false)
        };
        r.s.free_frame(copy.from);
        r.s.kernel[c].copy = None;
        r.unlock_page(p);
        Ok(What::Migrated {
            from: copy.from,
            to,
        })
    },
};

/// `migrate_vma_collect_pmd()`: a device migration takes the PTE.
pub(super) const MIGRATE_VMA_COLLECT_PMD: ActionDef = ActionDef {
    action: Action::MigrateVmaCollectPmd,
    id: "migrate_vma_collect_pmd",
    label: "migrate_vma_collect_pmd()",
    aliases: &["migrate_vma_setup", "migrate_vma_collect"],
    path: KernelPath::Migration,
    summary:
        "Under the page-table lock, replace the PTE by a migration entry and drop the mapping; \
              since 60bae7370896 flush before the unlock, before it the flush comes later \
              (flush_tlb_range()). Followed by pte_unmap_unlock() on its lane, it keeps the lock \
              until that step.",
    code: 30,
    per_page: true,
    opens_gather: None,
    types_gather: None,
    footprint: |ctx, _| migrate_footprint(ctx.cpu, ctx.page).writing(VarSet::all_tlbs()),
    apply: |r| {
        let (c, v) = (r.cpu(), r.vpage());
        r.ptl()?;
        let holds_ptl = r.ctx.next == Some(Action::PteUnmapUnlock);
        if holds_ptl {
            r.s.locks.ptl = Some(c as u8);
        }
        let pte = r.s.pte[v];
        let Some(frame) = pte.mapped_frame() else {
            return Ok(What::VmaCollected {
                mapped: false,
                flushed: false,
                holds_ptl,
            });
        };
        if pte.dirty {
            set_page_dirty(r.s, frame);
        }
        r.s.pte[v] = Pte {
            migration: true,
            soft_dirty: pte.soft_dirty,
            frame,
            ..Pte::NONE
        };
        page_remove_rmap(r.s, frame);
        r.decided_by(Fix::MigrateVmaFlushUnderPtl);
        let mut flushed = false;
        if r.has(Fix::MigrateVmaFlushUnderPtl) {
            if holds_ptl {
                r.s.kernel[c].owed_flush = true;
            } else {
                let all = r.s.all_cpus();
                r.s.flush_page(v, all);
                flushed = true;
            }
        } else {
            r.s.kernel[c].defer(v, true, false);
        }
        Ok(What::VmaCollected {
            mapped: true,
            flushed,
            holds_ptl,
        })
    },
};
