//! Kernel primitives several actions share, named as the kernel names them: `ptep_clear_flush`,
//! `set_page_dirty`, the pending counter, the locks, and what a user store does to data (the verdict
//! checks live here, in [`store_to`], because every store goes through it).

use crate::model::effect::{Bad, Blocked, Hinge, LockKind, LossHow, StepError};
use crate::model::scenario::StepCtx;
use crate::model::state::{CpuSet, FrameStatus, Pte, State};
use crate::model::variant::{Fix, Variant};

/// How strictly a step honours the locks: the search only takes steps that could run
/// ([`Locking::Strict`]); a hand-drawn timeline runs as drawn and notes each lock it ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locking {
    /// A step that would wait fails with [`StepError::Blocked`].
    Strict,
    /// A step that would wait runs anyway; the wait is reported on its effect.
    AsDrawn,
}

/// What a step is doing while it runs: the state, its context, the variant, and the lock waits it
/// ignored (as drawn).
pub struct Run<'a> {
    /// The state, changed in place.
    pub s: &'a mut State,
    /// Where the step is in its lane.
    pub ctx: &'a StepCtx,
    /// The kernel.
    pub v: &'a Variant,
    /// Whether locks make a step wait.
    pub locking: Locking,
    /// The first lock wait ignored (as drawn).
    pub waited: Option<Blocked>,
    /// The harm done.
    pub bad: Option<Bad>,
    /// The fix that decided the step.
    pub hinge: Option<Hinge>,
    /// The fixes the step asked about: a variant that agrees on these runs the step identically.
    pub consulted: std::cell::Cell<crate::model::variant::FixSet>,
}

impl Run<'_> {
    /// The step's CPU.
    pub fn cpu(&self) -> usize {
        self.ctx.cpu
    }

    /// The step's virtual page.
    pub fn vpage(&self) -> usize {
        self.ctx.page
    }

    /// Whether `fix` is on (and remembers that the step asked).
    pub fn has(&self, fix: Fix) -> bool {
        self.consulted.set(self.consulted.get().with(fix));
        self.v.has(fix)
    }

    /// Records that `fix` decided this step (the step would have gone the other way with it flipped).
    pub fn decided_by(&mut self, fix: Fix) {
        self.hinge = Some(Hinge {
            fix,
            on: self.has(fix),
        });
    }

    /// Records harm done (the first one counts).
    pub fn harm(&mut self, bad: Option<Bad>) {
        if self.bad.is_none() {
            self.bad = bad;
        }
    }

    /// A lock held by `holder` that this step needs: an error when strict, else noted.
    pub fn wait(&mut self, lock: LockKind, holder: usize) -> Result<(), StepError> {
        let b = Blocked { lock, holder };
        match self.locking {
            Locking::Strict => Err(StepError::Blocked(b)),
            Locking::AsDrawn => {
                self.waited.get_or_insert(b);
                Ok(())
            }
        }
    }

    /// Takes the page-table lock for the length of this step (waits if another CPU holds it).
    pub fn ptl(&mut self) -> Result<(), StepError> {
        match self.s.ptl_held_by_other(self.cpu()) {
            Some(h) => self.wait(LockKind::Ptl, h),
            None => Ok(()),
        }
    }

    /// Takes `mmap_lock` for reading for the length of this step.
    pub fn mmap_read(&mut self) -> Result<(), StepError> {
        match self.s.mmap_writer_other(self.cpu()) {
            Some(h) => self.wait(LockKind::MmapWrite, h),
            None => Ok(()),
        }
    }

    /// Takes `mmap_lock` for reading and keeps it after this step (a path holding it across steps).
    pub fn hold_mmap_read(&mut self) -> Result<(), StepError> {
        self.mmap_read()?;
        self.s.locks.mmap_readers |= 1 << self.cpu();
        Ok(())
    }

    /// Takes `mmap_lock` for writing; `hold` keeps it after this step.
    pub fn mmap_write(&mut self, hold: bool) -> Result<(), StepError> {
        if let Some(h) = self.s.mmap_holder_other(self.cpu()) {
            self.wait(LockKind::MmapRead, h)?;
        }
        if hold {
            self.s.locks.mmap_writer = Some(self.cpu() as u8);
        }
        Ok(())
    }

    /// Drops whatever `mmap_lock` this CPU holds across steps.
    pub fn mmap_unlock(&mut self) {
        let c = self.cpu();
        self.s.locks.mmap_readers &= !(1 << c);
        if self.s.locks.mmap_writer == Some(c as u8) {
            self.s.locks.mmap_writer = None;
        }
    }

    /// Takes page `p`'s page lock; `hold` keeps it after this step.
    pub fn lock_page(&mut self, p: usize, hold: bool) -> Result<(), StepError> {
        if let Some(h) = self.s.page_lock_other(p, self.cpu()) {
            self.wait(LockKind::Page { page: p as u8 }, h)?;
        }
        if hold {
            self.s.locks.page[p] = Some(self.cpu() as u8);
        }
        Ok(())
    }

    /// Releases page `p`'s page lock if this CPU holds it.
    pub fn unlock_page(&mut self, p: usize) {
        if self.s.locks.page[p] == Some(self.cpu() as u8) {
            self.s.locks.page[p] = None;
        }
    }

    /// `inc_tlb_flush_pending(mm)`; before 16af97dc5a89, `set_tlb_flush_pending` (a flag).
    pub fn raise_pending(&mut self) -> Result<u32, StepError> {
        self.s.tlb_flush_pending = if self.has(Fix::PendingCounter) {
            self.s
                .tlb_flush_pending
                .checked_add(1)
                .ok_or(StepError::Overflow)?
        } else {
            1
        };
        Ok(self.s.tlb_flush_pending)
    }

    /// `dec_tlb_flush_pending(mm)`; before 16af97dc5a89, `clear_tlb_flush_pending` (the flag is
    /// cleared even if another batcher set it).
    pub fn lower_pending(&mut self) -> Result<u32, StepError> {
        self.s.tlb_flush_pending = if self.has(Fix::PendingCounter) {
            self.s
                .tlb_flush_pending
                .checked_sub(1)
                .ok_or(StepError::PendingBelowZero)?
        } else {
            0
        };
        Ok(self.s.tlb_flush_pending)
    }

    /// `ptep_clear_flush` on virtual page `v`: clears the PTE, then flushes every CPU's entry for the
    /// page if `pte_accessible` says the hardware may hold one. Returns the old PTE, whether it
    /// flushed, and who lost an entry.
    pub fn ptep_clear_flush(&mut self, v: usize) -> (Pte, bool, CpuSet) {
        self.has(Fix::PteAccessiblePending);
        self.has(Fix::Arm64AccessibleOld);
        let accessible = self.s.pte_accessible(v, self.v);
        let old = self.s.pte[v];
        self.s.pte[v] = Pte::NONE;
        let held = if accessible {
            let all = self.s.all_cpus();
            self.s.flush_page(v, all)
        } else {
            CpuSet::EMPTY
        };
        (old, accessible, held)
    }

    /// `flush_tlb_batched_pending(mm)` (3ea277194daa): if reclaim batched a flush of this mm, flush
    /// the whole mm now. Returns who lost an entry, or `None` when there was nothing to do.
    pub fn flush_tlb_batched_pending(&mut self) -> Option<CpuSet> {
        if !(self.has(Fix::FlushBatchedPending) && self.s.tlb_flush_batched) {
            return None;
        }
        self.s.tlb_flush_batched = false;
        let all = self.s.all_cpus();
        Some(self.s.flush_mm(all))
    }
}

/// `set_page_dirty` on the frame holding virtual page `v`'s data.
pub fn set_page_dirty(s: &mut State, frame: u8) {
    s.frame[usize::from(frame)].pg_dirty = true;
}

/// Drops one mapping of `frame` from its rmap (`page_remove_rmap`).
pub fn page_remove_rmap(s: &mut State, frame: u8) {
    let f = &mut s.frame[usize::from(frame)];
    f.mapcount = f.mapcount.saturating_sub(1);
}

/// A user store of virtual page `v`'s data landing in `frame`: the new version, and the harm if
/// the frame no longer holds the page, is free, or the store broke a promise a syscall made
/// (docs/model.md §6). `faulted`: the store went through a fault handler, which keeps every promise.
pub fn store_to(
    s: &mut State,
    v: usize,
    frame: u8,
    faulted: bool,
) -> Result<(u32, Option<Bad>), StepError> {
    let p = s.page_of(v);
    let version = s.page[p].writes.checked_add(1).ok_or(StepError::Overflow)?;
    s.page[p].writes = version;
    let f = usize::from(frame);
    // An unmap still under way: the store is one the user cannot tell from a store made before the
    // call, whatever it reaches.
    let unmapping = s.map[v].zapping;
    let bad = if s.frame[f].status == FrameStatus::Freed {
        Some(Bad::UseAfterFree { frame })
    } else if !faulted && s.map[v].unmapped {
        Some(Bad::WriteAfterUnmap)
    } else if unmapping {
        None
    } else if s.page[p].frame != Some(frame) {
        let kept = s.page[p]
            .frame
            .map_or(s.page[p].disk, |b| s.frame[usize::from(b)].data);
        Some(Bad::Lost {
            how: LossHow::StaleFrame { frame },
            lost: version,
            kept,
        })
    } else if !faulted && s.map[v].write_revoked {
        Some(Bad::WriteAfterProtect)
    } else if !faulted && s.map[v].soft_dirty_armed && !s.pte[v].soft_dirty {
        Some(Bad::SoftDirtyMiss)
    } else {
        None
    };
    s.frame[f].data = version;
    if s.page[p].frame == Some(frame) && s.page[p].madv_freed {
        s.page[p].rewritten = true;
    }
    Ok((version, bad))
}
