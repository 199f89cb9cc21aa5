//! What a step did, in the kernel's terms: the [`Effect`] each action's semantics return (an event
//! [`What`], the CPUs that lost TLB entries, the harm done, the fix that decided it), the
//! [`StepError`] for a step that cannot happen, and [`explain`], which puts an effect into the words
//! the playground and the CLI show.

use serde::{Deserialize, Serialize};

use crate::model::action::{Action, KernelPath};
use crate::model::state::{CpuSet, GatherKind, TlbEntry};
use crate::model::variant::Fix;

/// How a store reached memory without faulting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StorePath {
    /// Through a writable, dirty TLB entry; the PTE is not touched. `stale` when the PTE no longer
    /// agrees (not present, read-only, clean or another frame): the store happened behind the
    /// kernel's back.
    Entry {
        /// The entry disagreed with the PTE.
        stale: bool,
    },
    /// The entry was writable but clean: the hardware walked the page table to set D.
    DirtyWalk,
    /// No usable entry: the walk found a writable PTE, set its D bit and cached it.
    Walk,
}

/// Why a store or read faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultCause {
    /// A writable but clean entry: the dirty-bit walk found the PTE write-protected (seed case 2b).
    DirtyWalkSawReadOnly,
    /// A writable but clean entry: the dirty-bit walk found no PTE for the entry's frame (not
    /// present, PROT_NONE, a migration entry, or another frame).
    DirtyWalkSawNoMapping,
    /// No writable entry, and the PTE is write-protected.
    ReadOnly,
    /// The PTE is not present.
    NotPresent,
    /// The PTE is PROT_NONE for NUMA hinting.
    ProtNone,
}

/// How the fault handler made the access possible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultFix {
    /// A shared file page: `page_mkwrite`, `set_page_dirty`, a writable dirty PTE.
    SharedFile {
        /// The page had to be read back from disk first.
        read_back: bool,
    },
    /// An anonymous page that was gone: `do_anonymous_page` maps a fresh zeroed page.
    NewAnon,
    /// An anonymous page mapped back (it was unmapped, not freed).
    MapBack,
    /// `do_wp_page` reuses the page: only this mm maps it.
    Reuse,
    /// `do_wp_page` copies the shared page (`wp_page_copy`) and maps the copy.
    Cow {
        /// The frame copied.
        from: u8,
        /// The copy.
        to: u8,
    },
    /// `do_numa_page` restores the PROT_NONE PTE.
    Numa,
    /// A read fault maps the page read-only.
    ReadOnlyMap,
}

/// Why a store did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// The VMA is read-only (mprotect): SIGSEGV.
    Segv,
    /// The PTE is userfaultfd write-protected: the fault goes to the monitor, which this timeline
    /// does not show answering.
    Userfault,
    /// The PTE is a migration entry: the fault waits for the move to finish.
    Migrating,
}

/// Which CPUs an explicit flush targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlushScope {
    /// `flush_tlb_range`: the page, on every CPU.
    Range,
    /// `flush_tlb_mm`: the whole mm, on every CPU.
    Mm,
    /// `local_flush_tlb_page`: the page, on the running CPU.
    Local,
}

/// What `tlb_gather_mmu` did, under the variant, in the path that took it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GatherRole {
    /// An mmu_gather opened.
    Gather,
    /// clear_refs takes no gather under this variant (Yu Zhao's proposal; aging under v5.12).
    NoGather,
    /// clear_refs does `inc_tlb_flush_pending` instead (912efa17e512, soft-dirty).
    IncPending,
    /// clear_refs before b3a81d0841a9: no gather, a `flush_tlb_mm` at the end.
    FlushAtEnd,
}

/// What `tlb_finish_mmu` (or what stands in for it) invalidated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FinishFlush {
    /// No gather was taken: nothing to finish.
    NoGather,
    /// Nothing was cleared and no other batcher is pending: the invalidation is elided.
    NothingCleared,
    /// Another batcher is pending (`mm_tlb_flush_nested`): the whole range is flushed.
    Nested,
    /// The cleared PTEs are flushed (a fullmm gather on x86 flushes the whole mm).
    Cleared {
        /// The gather was fullmm.
        fullmm: bool,
    },
    /// Before 0758cd830494 a fullmm finish flushed on x86 whether or not it cleared anything.
    FullmmAlways,
    /// arm64's fullmm finish that freed no page tables: invalidates nothing, assuming the ASID dies
    /// with the mm.
    FullmmElided,
    /// `flush_tlb_mm()` (clear_refs under 912efa17e512, or before b3a81d0841a9).
    FlushMm,
}

impl FinishFlush {
    /// Whether this finish flushed every CPU.
    pub fn flushes(self) -> bool {
        matches!(
            self,
            FinishFlush::Nested
                | FinishFlush::Cleared { .. }
                | FinishFlush::FullmmAlways
                | FinishFlush::FlushMm
        )
    }
}

/// A lock a step waited for (or, as drawn, ran without).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockKind {
    /// The page-table lock.
    Ptl,
    /// A page's page lock (a struct variant: serde's internal tag cannot hold a bare number).
    Page {
        /// The page.
        page: u8,
    },
    /// `mmap_lock`, held for writing by another CPU.
    MmapWrite,
    /// `mmap_lock`, held (for reading or writing) by another CPU, while this step wants to write.
    MmapRead,
}

/// A lock wait: which lock, held by whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocked {
    /// The lock.
    pub lock: LockKind,
    /// The CPU holding it.
    pub holder: usize,
}

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let h = self.holder;
        match self.lock {
            LockKind::Ptl => write!(f, "it needs the page-table lock, which CPU{h} holds"),
            LockKind::Page { page } => {
                write!(f, "it needs page {page}'s page lock, which CPU{h} holds")
            }
            LockKind::MmapWrite => {
                write!(f, "it needs mmap_lock, which CPU{h} holds for writing")
            }
            LockKind::MmapRead => write!(f, "it needs mmap_lock for writing, which CPU{h} holds"),
        }
    }
}

/// How data was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LossHow {
    /// Reclaim dropped a file page whose memory was newer than disk.
    Dropped,
    /// A store went to a frame that no longer holds the page (migrated, copied, merged, zapped).
    StaleFrame {
        /// The frame.
        frame: u8,
    },
    /// A page was switched to a copy taken before the latest store to the original.
    Remapped {
        /// The original frame.
        from: u8,
        /// The copy.
        to: u8,
    },
    /// Reclaim discarded a lazily freed page written after MADV_FREE returned.
    Discarded,
}

/// The harm a step did (docs/model.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bad {
    /// Data user space wrote is gone.
    Lost {
        /// How.
        how: LossHow,
        /// The version lost.
        lost: u32,
        /// The version the page keeps.
        kept: u32,
    },
    /// A store reached a freed frame, which may belong to someone else by now.
    UseAfterFree {
        /// The frame.
        frame: u8,
    },
    /// A store completed without a fault after mprotect(PROT_READ) returned.
    WriteAfterProtect,
    /// A store completed without a fault after munmap or MADV_DONTNEED returned: it reached a page
    /// the mm no longer maps, where the user's next access will not find it.
    WriteAfterUnmap,
    /// A store after clear_refs (soft-dirty) returned completed without a fault and without
    /// soft-dirty set: the next reader of soft-dirty misses it.
    SoftDirtyMiss,
}

impl Bad {
    /// Its identifier: `lost`, `use-after-free`, `write-after-protect`, `write-after-unmap`,
    /// `soft-dirty-miss`.
    pub fn id(self) -> &'static str {
        match self {
            Bad::Lost { .. } => "lost",
            Bad::UseAfterFree { .. } => "use-after-free",
            Bad::WriteAfterProtect => "write-after-protect",
            Bad::WriteAfterUnmap => "write-after-unmap",
            Bad::SoftDirtyMiss => "soft-dirty-miss",
        }
    }
}

/// The fix that decided a step, and whether it was on: the step would have gone the other way with
/// it flipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hinge {
    /// The fix.
    pub fix: Fix,
    /// Whether the variant has it.
    pub on: bool,
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effect {
    /// The event.
    pub what: What,
    /// CPUs that held a TLB entry before this step and lost it in it.
    pub flushed: CpuSet,
    /// The harm done, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bad: Option<Bad>,
    /// The fix that decided this step, if flipping it would have changed what it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hinge: Option<Hinge>,
    /// A lock the step needed and another CPU held: the timeline runs as drawn, but this order
    /// cannot happen in the kernel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waited: Option<Blocked>,
}

impl Effect {
    /// Whether this step destroyed data or broke a promise.
    pub fn is_bad(&self) -> bool {
        self.bad.is_some()
    }

    /// Whether this step lost data (model v1's only harm).
    pub fn loses_data(&self) -> bool {
        matches!(self.bad, Some(Bad::Lost { .. }))
    }
}

/// What happened, with what its words need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum What {
    /// The CPU cached the PTE.
    Filled {
        /// The new entry.
        entry: TlbEntry,
    },
    /// A step that needs a present PTE found none: nothing changed.
    NoPte,
    /// A store completed without a fault.
    Stored {
        /// The version it wrote.
        version: u32,
        /// The frame it landed in.
        frame: u8,
        /// How it got there.
        path: StorePath,
    },
    /// A store faulted; the fault handler made it possible and the store completed.
    Faulted {
        /// The version it wrote.
        version: u32,
        /// The frame it landed in.
        frame: u8,
        /// Why it faulted.
        cause: FaultCause,
        /// How the handler resolved it.
        handler: FaultFix,
    },
    /// A store did not happen.
    Refused {
        /// Why.
        why: Refusal,
    },
    /// A user read.
    Read {
        /// The version it read.
        version: u32,
        /// The frame it read.
        frame: u8,
        /// Through a stale entry (a frame that no longer holds the page).
        stale: bool,
        /// Whether it faulted first.
        fault: Option<FaultFix>,
    },
    /// `mm->tlb_flush_pending` went up.
    PendingRaised {
        /// The new count.
        pending: u32,
    },
    /// `mm->tlb_flush_pending` went down.
    PendingLowered {
        /// The new count.
        pending: u32,
    },
    /// The PTE's D bit was cleared without a flush.
    Cleaned {
        /// D was set before.
        was_dirty: bool,
        /// The PTE was recorded for a later flush (`clean_record_pte`).
        recorded: bool,
        /// CPUs that still hold writable, dirty entries.
        stale: CpuSet,
    },
    /// An explicit flush.
    Flushed {
        /// Which CPUs it targeted.
        scope: FlushScope,
        /// The virtual pages flushed, as a bitmask.
        pages: u8,
        /// The deferred flush it settled lowered `mm->tlb_flush_pending` to this.
        lowered: Option<u32>,
    },
    /// `tlb_gather_mmu` (or the step that opens a gather).
    GatherOpened {
        /// Whose gather.
        kind: GatherKind,
        /// What it did under the variant.
        role: GatherRole,
        /// The gather is fullmm.
        fullmm: bool,
        /// `mm->tlb_flush_pending` afterwards, if raised.
        raised: Option<u32>,
    },
    /// `clear_refs_write` began.
    ClearRefsBegun {
        /// It took `mmap_lock` for writing (29a951dfb3c3).
        write_lock: bool,
    },
    /// `pte_wrprotect` write-protected the PTE without a flush.
    Wrprotected {
        /// D afterwards.
        dirty: bool,
        /// arm64 before ff1712f953e2: the hardware dirty state was lost.
        lost_dirty: bool,
        /// CPUs that still hold writable entries.
        stale: CpuSet,
    },
    /// `pte_mkold` cleared the young bit.
    MadeOld,
    /// `tlb_finish_mmu` (or what stands in for it).
    GatherFinished {
        /// What it invalidated.
        flush: FinishFlush,
        /// The new `tlb_flush_pending`, if the gather had raised it.
        pending: Option<u32>,
        /// Frames it freed, as a bitmask.
        freed: u8,
    },
    /// `page_mkclean_one`'s skip test held: no flush, no change.
    MkcleanSkipped {
        /// The variant's test includes `!mm_tlb_flush_pending`.
        checks_pending: bool,
        /// `tlb_flush_pending` at the time.
        pending: u32,
        /// CPUs left holding writable, dirty entries.
        stale: CpuSet,
    },
    /// `page_mkclean_one` cleared, write-protected and cleaned the PTE, and counted it as cleaned.
    MkcleanDone {
        /// Why the skip test failed: the PTE was dirty…
        dirty: bool,
        /// …writable…
        write: bool,
        /// …or a flush was pending (under yu-mkclean-pending); the count.
        pending: u32,
        /// …or the variant never skips.
        never_skips: bool,
        /// `ptep_clear_flush` flushed (`pte_accessible`).
        flushed: bool,
    },
    /// `page_mkclean` found the page mapped nowhere and returned at once.
    MkcleanUnmapped,
    /// Writeback wrote the page.
    WrittenBack {
        /// The version now on disk.
        version: u32,
    },
    /// Writeback found PG_dirty clear: nothing written.
    WritebackClean,
    /// The page is not in memory: nothing to write or reclaim.
    NotCached,
    /// Reclaim found the page dirty and kept it (after unmapping it).
    ReclaimKept {
        /// PG_dirty was set (before or by the unmap).
        pg_dirty: bool,
        /// A PTE mapping it was dirty.
        pte_dirty: bool,
    },
    /// Reclaim unmapped the page but could not free it: a kernel path holds a reference to it
    /// (`__remove_mapping()`'s reference-count check fails).
    ReclaimReferenced,
    /// Reclaim discarded a lazily freed anonymous page that was still clean (MADV_FREE).
    Discarded {
        /// The version it held.
        version: u32,
    },
    /// Reclaim dropped the page.
    Dropped {
        /// The version memory held.
        mem: u32,
        /// The version on disk.
        disk: u32,
    },
    /// `madvise_free_pte_range` on the PTE.
    MadvFreed {
        /// It cleaned and aged the PTE (it was dirty or young) and recorded it in the gather.
        cleaned: bool,
        /// The page was marked lazily freeable.
        lazyfree: bool,
        /// `flush_tlb_batched_pending` flushed first.
        batched_flush: bool,
    },
    /// `zap_pte_range` on the PTE.
    Zapped {
        /// The PTE was present.
        present: bool,
        /// A dirty file PTE: the dirty bit went to the page (`set_page_dirty`).
        dirtied: bool,
        /// The page's rmap removal waits for the flush (5df397dec7c4).
        rmap_delayed: bool,
        /// The forced flush happened inside this step, before the unlock.
        flushed: bool,
        /// The page-table lock stays held for the next step's `pte_unmap_unlock`.
        holds_ptl: bool,
        /// `flush_tlb_batched_pending` flushed first.
        batched_flush: bool,
    },
    /// `pte_unmap_unlock`.
    Unlocked {
        /// This CPU held the page-table lock.
        held: bool,
        /// It flushed first (a forced flush the variant owes here).
        flushed: bool,
        /// It removed a delayed rmap after the flush.
        rmap: bool,
    },
    /// The whole of mprotect(PROT_READ).
    Mprotected {
        /// The PTE was present and write-protected (`pages` counted it).
        changed: bool,
        /// `flush_tlb_batched_pending` flushed first.
        batched_flush: bool,
    },
    /// A deferred-flush protection change: `change_prot_numa` (PROT_NONE) or `mwriteprotect_range`
    /// (userfaultfd write-protect).
    Protected {
        /// The PTE was present and changed.
        changed: bool,
        /// `mm->tlb_flush_pending` afterwards, if raised.
        raised: Option<u32>,
    },
    /// A marker step with no state change (the thread's diagrams show it).
    Marker,
    /// Migration unmapped the page (`try_to_migrate_one`): a migration entry replaces the PTE.
    MigrationUnmapped {
        /// The PTE mapped the page.
        mapped: bool,
        /// `ptep_clear_flush` flushed (`pte_accessible`).
        flushed: bool,
    },
    /// Migration copied the page and mapped the copy.
    Migrated {
        /// The old frame (freed).
        from: u8,
        /// The new frame.
        to: u8,
    },
    /// Migration gave up: the page had another user (`migrate_page_move_mapping()`'s reference
    /// count check), so `remove_migration_ptes(page, page)` put the old PTE back.
    MigrationAborted {
        /// The frame that stays.
        frame: u8,
        /// Another PTE still maps it (else a copy in progress holds a reference).
        mapped_elsewhere: bool,
    },
    /// `migrate_vma_collect_pmd` took the PTE.
    VmaCollected {
        /// The PTE mapped the page.
        mapped: bool,
        /// It flushed before dropping the page-table lock.
        flushed: bool,
        /// The page-table lock stays held for the next step's `pte_unmap_unlock`.
        holds_ptl: bool,
    },
    /// Reclaim's `try_to_unmap_one`.
    Unmapped {
        /// The PTE mapped the page.
        mapped: bool,
        /// The flush was batched (`set_tlb_ubc_flush_pending`); else `ptep_clear_flush`.
        batched: bool,
        /// The PTE was dirty (moved to PG_dirty).
        dirty: bool,
        /// A lazily freed, clean page was discarded.
        discarded: bool,
    },
    /// `try_to_unmap_flush`.
    UnmapFlushed {
        /// A flush was owed.
        required: bool,
    },
    /// KSM's `write_protect_page`.
    KsmProtected {
        /// The PTE looked clean and read-only, so it was left alone (no flush).
        skipped: bool,
        /// `tlb_flush_pending` at the time.
        pending: u32,
        /// CPUs left holding writable, dirty entries.
        stale: CpuSet,
    },
    /// KSM's `pages_identical`: a copy of the page to merge with.
    KsmCompared {
        /// The stable page's frame.
        to: u8,
    },
    /// KSM's `replace_page`.
    KsmReplaced {
        /// The page's old frame (freed).
        from: u8,
        /// The stable page now mapped.
        to: u8,
    },
    /// MADV_FREE on a file page: the kernel refuses file-backed mappings.
    MadvFreeRefused,
    /// A path that works on anonymous pages only met a (shared) file page: KSM does not merge it,
    /// and a write fault on a shared mapping does not copy it.
    AnonOnly {
        /// KSM or the COW fault.
        path: KernelPath,
    },
    /// `replace_page` bailed out: the PTE changed since `write_protect_page`.
    KsmBailed,
    /// The COW fault found the PTE changed since it started (`pte_same()` failed): the copy is
    /// freed and the fault will be retried.
    CowRetried,
    /// `wp_page_copy`: the COW copy.
    CowCopied {
        /// The frame copied.
        from: u8,
        /// The copy.
        to: u8,
        /// It flushed first (6ce64428d621).
        flushed_first: bool,
    },
    /// `set_pte_at_notify`: the copy is mapped.
    CowMapped {
        /// The old frame.
        from: u8,
        /// The copy now mapped.
        to: u8,
    },
    /// A step that needs work in progress found none (a `replace_page` without a compared page…).
    NothingToDo,
}

/// A step that cannot happen: the scenario is wrong, not the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepError {
    /// The step names a CPU the scenario does not have.
    NoSuchCpu {
        /// The CPU named.
        cpu: usize,
        /// How many CPUs there are.
        cpus: usize,
    },
    /// The step names a page the scenario does not map.
    NoSuchPage {
        /// The page named.
        page: usize,
        /// How many pages there are.
        pages: usize,
    },
    /// The step would lower `tlb_flush_pending` below zero.
    PendingBelowZero,
    /// `tlb_finish_mmu` with no gather open on that CPU.
    FinishWithoutGather,
    /// A second gather on a CPU that already has one open.
    GatherAlreadyOpen,
    /// A counter or data version would pass 2^32.
    Overflow,
    /// Every frame is in use: the model has four.
    OutOfFrames,
    /// A second copy while one is in progress on this CPU.
    CopyInProgress,
    /// The step must wait for a lock another CPU holds (only when locks are honoured).
    Blocked(Blocked),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::NoSuchCpu { cpu, cpus } => {
                write!(f, "CPU{cpu} does not exist (the scenario has {cpus} CPUs)")
            }
            StepError::NoSuchPage { page, pages } => {
                write!(f, "page {page} does not exist (the scenario maps {pages})")
            }
            StepError::PendingBelowZero => f.write_str("mm->tlb_flush_pending would go below zero"),
            StepError::FinishWithoutGather => {
                f.write_str("tlb_finish_mmu() without a tlb_gather_mmu() open on this CPU")
            }
            StepError::GatherAlreadyOpen => {
                f.write_str("a second mmu_gather while this CPU already has one open")
            }
            StepError::Overflow => f.write_str("a data version or counter would pass 2^32"),
            StepError::OutOfFrames => {
                f.write_str("every frame is in use (the model has four): no room for a copy")
            }
            StepError::CopyInProgress => f.write_str("this CPU is already copying a page"),
            StepError::Blocked(b) => write!(f, "cannot run here: {b}"),
        }
    }
}

impl std::error::Error for StepError {}

/// Puts a step into words, in kernel terms: the function, what happened, and the fix that decided it.
pub fn explain(cpu: usize, page: usize, action: Action, effect: &Effect) -> String {
    let name = action.label().strip_suffix("()").unwrap_or(action.label());
    let lost = dropped_entries(effect.flushed);
    let mut body = match effect.what {
        What::Filled { entry } => format!(
            "CPU{cpu} walks the page table and caches the PTE: TLB entry {}; PTE young",
            entry_words(entry)
        ),
        What::NoPte => "no PTE is present: nothing to do".to_string(),
        What::Stored {
            version,
            frame,
            path,
        } => match path {
            StorePath::Entry { stale: true } => format!(
                "the store goes straight through CPU{cpu}'s writable, dirty TLB entry, which is stale: \
                 the PTE is not touched, so nothing records the write; frame F{frame} now holds \
                 version {version}"
            ),
            StorePath::Entry { stale: false } => format!(
                "the store goes through CPU{cpu}'s writable, dirty TLB entry; memory now holds version \
                 {version}"
            ),
            StorePath::DirtyWalk => format!(
                "CPU{cpu}'s entry is writable but clean: the hardware walk sets the PTE's dirty bit; \
                 memory now holds version {version}"
            ),
            StorePath::Walk => format!(
                "no usable TLB entry: the walk finds a writable PTE, sets its dirty bit and caches it; \
                 memory now holds version {version}"
            ),
        },
        What::Faulted {
            version,
            frame,
            cause,
            handler,
        } => {
            let why = match cause {
                FaultCause::DirtyWalkSawReadOnly => {
                    "the hardware tries to set the dirty bit but sees a write-protected PTE: page fault"
                }
                FaultCause::DirtyWalkSawNoMapping => {
                    "the hardware tries to set the dirty bit but the PTE no longer maps the entry's \
                     frame: page fault"
                }
                FaultCause::ReadOnly => "the PTE is write-protected: page fault",
                FaultCause::NotPresent => "the PTE is not present: page fault",
                FaultCause::ProtNone => "the PTE is PROT_NONE (NUMA hinting): page fault",
            };
            format!(
                "{why}; {}; memory now holds version {version} (frame F{frame})",
                handler_words(handler)
            )
        }
        What::Refused { why } => match why {
            Refusal::Segv => {
                "the VMA is read-only since mprotect(PROT_READ): the fault sends SIGSEGV and the store \
                 does not happen"
                    .to_string()
            }
            Refusal::Userfault => {
                "the PTE is userfaultfd write-protected: the fault goes to the userfaultfd monitor and \
                 the store waits"
                    .to_string()
            }
            Refusal::Migrating => {
                "the PTE is a migration entry: the fault waits for the migration to finish".to_string()
            }
        },
        What::Read {
            version,
            frame,
            stale,
            fault,
        } => {
            let how = match fault {
                Some(h) => format!("page fault: {}; ", handler_words(h)),
                None => String::new(),
            };
            let stale = if stale {
                ", through a stale entry to a frame that no longer holds the page"
            } else {
                ""
            };
            format!("{how}reads version {version} from frame F{frame}{stale}")
        }
        What::PendingRaised { pending } | What::PendingLowered { pending } => {
            format!("mm->tlb_flush_pending = {pending}")
        }
        What::Cleaned {
            was_dirty,
            recorded,
            stale,
        } => {
            let what = if was_dirty {
                "PTE cleaned (D = 0)"
            } else {
                "PTE already clean"
            };
            let rec = if recorded {
                " and recorded for a later flush"
            } else {
                ""
            };
            format!("{what}{rec}; PG_dirty untouched; no flush{}", keeps(stale))
        }
        What::Flushed {
            scope,
            pages,
            lowered,
        } => {
            let range = match pages {
                0 => "no page (the walk changed no PTE)".to_string(),
                0b11 => "pages 0 and 1".to_string(),
                m => format!("page {}", m.trailing_zeros()),
            };
            let target = match scope {
                FlushScope::Range => format!("{range} on every CPU"),
                FlushScope::Mm => "the whole mm on every CPU".to_string(),
                FlushScope::Local => format!("page {page} on CPU{cpu}"),
            };
            let low = match lowered {
                Some(p) => format!("; the deferred flush is done: mm->tlb_flush_pending = {p}"),
                None => String::new(),
            };
            format!("flushes {target}: {lost}{low}")
        }
        What::GatherOpened {
            kind,
            role,
            fullmm,
            raised,
        } => {
            let whose = gather_words(kind);
            let pend = match raised {
                Some(p) => format!(
                    "; mm->tlb_flush_pending = {p} (mm_tlb_flush_pending() is now true)"
                ),
                None => String::new(),
            };
            match role {
                GatherRole::Gather => format!(
                    "{whose} opens an mmu_gather{}{pend}",
                    if fullmm { " over the whole mm (fullmm)" } else { " over a range" }
                ),
                GatherRole::NoGather => {
                    format!("{whose} takes no mmu_gather in this kernel: nothing happens{pend}")
                }
                GatherRole::IncPending => format!(
                    "{whose} takes no mmu_gather in this kernel but announces its deferred flush \
                     (inc_tlb_flush_pending){pend}"
                ),
                GatherRole::FlushAtEnd => format!(
                    "{whose} takes no mmu_gather in this kernel (before b3a81d0841a9): it flushes \
                     with flush_tlb_mm() at the end and raises no count"
                ),
            }
        }
        What::ClearRefsBegun { write_lock } => {
            if write_lock {
                "the write to /proc/PID/clear_refs begins; it takes mmap_write_lock for the whole walk"
                    .to_string()
            } else {
                "the write to /proc/PID/clear_refs begins".to_string()
            }
        }
        What::Wrprotected {
            dirty,
            lost_dirty,
            stale,
        } => {
            let d = if lost_dirty {
                "D lost: arm64's pte_wrprotect() drops the hardware dirty state"
            } else if dirty {
                "D kept (pte_dirty() is true)"
            } else {
                "D kept (pte_dirty() is false)"
            };
            format!(
                "PTE write-protected (W = 0) and soft-dirty cleared; {d}; no flush{}",
                keeps_writable(stale)
            )
        }
        What::MadeOld => "PTE made old (A = 0); aging needs no flush".to_string(),
        What::GatherFinished {
            flush,
            pending,
            freed,
        } => {
            let what = match flush {
                FinishFlush::NoGather => "no gather was taken: nothing to flush".to_string(),
                FinishFlush::NothingCleared => {
                    "nothing was cleared and no other batcher is pending: the invalidation is elided"
                        .to_string()
                }
                FinishFlush::Nested => format!(
                    "another batcher is pending (mm_tlb_flush_nested): flushes the whole mm: {lost}"
                ),
                FinishFlush::Cleared { fullmm } => format!(
                    "flushes the cleared PTEs{}: {lost}",
                    if fullmm { " (fullmm: the whole mm)" } else { "" }
                ),
                FinishFlush::FullmmAlways => format!(
                    "a fullmm finish flushes the whole mm whether or not it cleared anything \
                     (before 0758cd830494): {lost}"
                ),
                FinishFlush::FullmmElided => {
                    "fullmm gather on arm64: tlb_flush() invalidates nothing, assuming the ASID dies \
                     with the mm"
                        .to_string()
                }
                FinishFlush::FlushMm => format!("flush_tlb_mm(): {lost}"),
            };
            let freed = if freed == 0 {
                String::new()
            } else {
                format!("; frees {}", frames_words(freed))
            };
            match pending {
                Some(p) => format!("{what}{freed}; mm->tlb_flush_pending = {p}"),
                None => format!("{what}{freed}"),
            }
        }
        What::MkcleanSkipped {
            checks_pending,
            pending,
            stale,
        } => {
            let test = if checks_pending {
                "PTE clean and read-only and mm_tlb_flush_pending() is false".to_string()
            } else {
                format!(
                    "PTE clean and read-only, and this kernel does not check mm_tlb_flush_pending \
                     (= {pending})"
                )
            };
            format!("{test}: no flush{}", keeps(stale))
        }
        What::MkcleanDone {
            dirty,
            write,
            pending,
            never_skips,
            flushed,
        } => {
            let why = if dirty {
                "PTE dirty".to_string()
            } else if write {
                "PTE writable".to_string()
            } else if never_skips {
                "PTE clean and read-only, but this variant never skips".to_string()
            } else {
                format!("PTE clean and read-only, but mm_tlb_flush_pending() is true (= {pending})")
            };
            let flush = if flushed {
                format!("ptep_clear_flush flushes every CPU ({lost})")
            } else {
                "ptep_clear_flush does not flush: pte_accessible() is false for an old PTE".to_string()
            };
            format!(
                "{why}: {flush}, the PTE is made read-only and clean, and the page is re-dirtied \
                 (set_page_dirty) for writeback"
            )
        }
        What::MkcleanUnmapped => {
            "the page is mapped nowhere (page_mapped() is false): page_mkclean returns at once, \
             without the page-table lock and without a flush"
                .to_string()
        }
        What::WrittenBack { version } => {
            format!("TestClearPageDirty: PG_dirty was set; version {version} written to disk")
        }
        What::WritebackClean => {
            "TestClearPageDirty: PG_dirty is clear, nothing is written".to_string()
        }
        What::NotCached => "the page is not in memory: nothing to do".to_string(),
        What::ReclaimReferenced => format!(
            "reclaim unmaps the page ({lost}) but cannot free it: a kernel path still holds a \
             reference (a gather's batch or a copy), so __remove_mapping fails and the page stays"
        ),
        What::ReclaimKept {
            pg_dirty,
            pte_dirty,
        } => {
            let why = match (pg_dirty, pte_dirty) {
                (_, true) => "the PTE's dirty bit moves to PG_dirty (try_to_unmap)",
                (true, false) => "PG_dirty is set",
                _ => "the page is dirty",
            };
            format!(
                "reclaim unmaps the page ({lost}); {why}: it keeps the page (it would write it back \
                 instead)"
            )
        }
        What::Discarded { version } => format!(
            "the lazily freed page is still clean: reclaim unmaps it ({lost}) and discards it with \
             version {version}; the next access finds a zeroed page"
        ),
        What::Dropped { mem, disk } => {
            let base = format!(
                "the page looks clean: reclaim unmaps it, flushes every CPU ({lost}) and drops it \
                 from the page cache"
            );
            if mem != disk {
                // The harm's own words follow (bad_words).
                format!("{base}; memory held version {mem}, disk has version {disk}")
            } else {
                format!("{base}; disk already has version {disk} (data integrity guaranteed)")
            }
        }
        What::MadvFreed {
            cleaned,
            lazyfree,
            batched_flush,
        } => {
            let first = if batched_flush {
                format!("flush_tlb_batched_pending flushes first ({lost}); ")
            } else {
                String::new()
            };
            let what = if cleaned {
                "the PTE is made clean and old and recorded in the gather (tlb_remove_tlb_entry); \
                 the flush waits for tlb_finish_mmu"
            } else {
                "the PTE is already clean and old: nothing recorded"
            };
            let lazy = if lazyfree {
                "; the page is marked lazily freeable (ClearPageDirty)"
            } else {
                ""
            };
            format!("{first}{what}{lazy}")
        }
        What::Zapped {
            present,
            dirtied,
            rmap_delayed,
            flushed,
            holds_ptl,
            batched_flush,
        } => {
            let mut parts = Vec::new();
            if batched_flush {
                parts.push(format!("flush_tlb_batched_pending flushes first ({lost})"));
            }
            if !present {
                parts.push(
                    "the PTE is not present: cleared, and nothing is recorded for a flush".to_string(),
                );
            } else {
                parts.push("the PTE is cleared (ptep_get_and_clear_full)".to_string());
                if dirtied {
                    parts.push("it was dirty: set_page_dirty".to_string());
                }
                parts.push(
                    if rmap_delayed {
                        "the rmap removal waits for the flush (delayed rmap)"
                    } else {
                        "page_remove_rmap"
                    }
                    .to_string(),
                );
                parts.push(
                    "the page goes into the gather, which drops its reference after the flush (an \
                     anonymous page is freed then)"
                        .to_string(),
                );
                if flushed {
                    parts.push(format!(
                        "a forced flush before pte_unmap_unlock ({})",
                        dropped_entries(effect.flushed)
                    ));
                }
            }
            if holds_ptl {
                parts.push("the page-table lock stays held".to_string());
            }
            parts.join("; ")
        }
        What::Unlocked { held, flushed, rmap } => {
            if !held {
                "this CPU holds no page-table lock: nothing to unlock".to_string()
            } else {
                let mut parts = Vec::new();
                if flushed {
                    parts.push(format!("the forced flush happens first ({lost})"));
                }
                if rmap {
                    parts.push("then the delayed page_remove_rmap".to_string());
                }
                parts.push("the page-table lock is released".to_string());
                parts.join("; ")
            }
        }
        What::Mprotected {
            changed,
            batched_flush,
        } => {
            let first = if batched_flush {
                format!("flush_tlb_batched_pending flushes first ({lost}); ")
            } else {
                String::new()
            };
            if changed {
                format!(
                    "{first}change_pte_range write-protects the PTE, flush_tlb_range flushes it \
                     ({lost}); mprotect returns: from now on every store must fault"
                )
            } else {
                format!(
                    "{first}change_pte_range finds the PTE not present: nothing changed, no flush; \
                     mprotect returns: from now on every store must fault"
                )
            }
        }
        What::Protected { changed, raised } => {
            let pend = match raised {
                Some(p) => format!("mm->tlb_flush_pending = {p}; "),
                None => String::new(),
            };
            let what = match action {
                Action::ChangeProtNuma => "the PTE becomes PROT_NONE (NUMA hinting)",
                _ => "the PTE is write-protected and marked userfaultfd-wp",
            };
            if changed {
                format!("{pend}{what}; the flush is deferred to flush_tlb_range()")
            } else {
                format!("{pend}the PTE is not present: nothing to change")
            }
        }
        What::Marker => match action {
            Action::DoNumaPage => {
                "the NUMA hinting fault: do_numa_page decides to migrate the page".to_string()
            }
            _ => "marks where the diagram's path begins (no state change)".to_string(),
        },
        What::MigrationUnmapped { mapped, flushed } => {
            if !mapped {
                "the PTE does not map the page: nothing to unmap".to_string()
            } else if flushed {
                format!(
                    "ptep_clear_flush clears the PTE and flushes ({lost}) because pte_accessible() \
                     is true; a migration entry replaces it"
                )
            } else {
                "ptep_clear_flush clears the PTE but does not flush: pte_accessible() is false; a \
                 migration entry replaces it"
                    .to_string()
            }
        }
        What::Migrated { from, to } => format!(
            "the page is copied from frame F{from} to F{to}, the PTE now maps F{to}, and F{from} is \
             freed"
        ),
        What::MigrationAborted {
            frame,
            mapped_elsewhere,
        } => format!(
            "migration fails with -EAGAIN: F{frame} has another user ({}), so \
             remove_migration_ptes puts the PTE back on F{frame}",
            if mapped_elsewhere {
                "another PTE still maps it"
            } else {
                "a copy in progress holds a reference"
            }
        ),
        What::VmaCollected {
            mapped,
            flushed,
            holds_ptl,
        } => {
            let mut s = if mapped {
                "the PTE is replaced by a migration entry".to_string()
            } else {
                "the PTE does not map the page".to_string()
            };
            if flushed {
                s.push_str(&format!("; the flush happens before the unlock ({lost})"));
            } else if mapped {
                s.push_str("; the flush comes later, after the page-table lock is dropped");
            }
            if holds_ptl {
                s.push_str("; the page-table lock stays held");
            }
            s
        }
        What::Unmapped {
            mapped,
            batched,
            dirty,
            discarded,
        } => {
            if !mapped {
                "the PTE does not map the page: nothing to unmap".to_string()
            } else {
                let how = if batched {
                    "ptep_get_and_clear, and the flush is batched (set_tlb_ubc_flush_pending, \
                     mm->tlb_flush_batched)"
                        .to_string()
                } else {
                    format!("ptep_clear_flush ({lost})")
                };
                let d = if dirty { "; the dirty bit moves to PG_dirty" } else { "" };
                let disc = if discarded {
                    "; the lazily freed page is clean: discarded"
                } else {
                    ""
                };
                format!("{how}{d}{disc}")
            }
        }
        What::UnmapFlushed { required } => {
            if required {
                format!("the batched flush: {lost}")
            } else {
                "no batched flush is owed".to_string()
            }
        }
        What::KsmProtected {
            skipped,
            pending,
            stale,
        } => {
            if skipped {
                format!(
                    "the PTE looks clean and read-only (mm->tlb_flush_pending = {pending}): left as it \
                     is, no flush{}",
                    keeps(stale)
                )
            } else {
                format!(
                    "ptep_clear_flush ({lost}); the PTE is made read-only and clean (dirty bit moved to \
                     PG_dirty)"
                )
            }
        }
        What::KsmCompared { to } => format!(
            "pages_identical: the page matches a stable KSM page (frame F{to} holds the same data)"
        ),
        What::KsmReplaced { from, to } => format!(
            "the PTE now maps the stable page F{to} read-only ({lost}); frame F{from} is freed"
        ),
        What::MadvFreeRefused => "MADV_FREE works on anonymous memory only: for a file page \
                                  madvise_free_single_vma() returns -EINVAL and nothing changes"
            .to_string(),
        What::AnonOnly { path } => match path {
            KernelPath::Ksm => "KSM merges anonymous pages only (try_to_merge_one_page: \
                                !PageAnon): this file page is left alone"
                .to_string(),
            _ => "a write fault on a shared file mapping never copies the page (do_wp_page → \
                  wp_page_shared): nothing to copy"
                .to_string(),
        },
        What::KsmBailed => "the PTE changed since write_protect_page: replace_page gives up".to_string(),
        What::CowRetried => "the PTE changed since the fault (pte_same fails): the copy is freed and \
                             the fault will be retried"
            .to_string(),
        What::CowCopied {
            from,
            to,
            flushed_first,
        } => {
            let first = if flushed_first {
                format!("a flush is pending, so it flushes first ({lost}); ")
            } else {
                String::new()
            };
            format!("{first}cow_user_page copies frame F{from} to F{to}")
        }
        What::CowMapped { from, to } => format!(
            "ptep_clear_flush_notify ({lost}) and the PTE now maps the copy F{to}, writable; F{from} \
             no longer holds this page"
        ),
        What::NothingToDo => "nothing in progress on this CPU: nothing to do".to_string(),
    };
    if let Some(bad) = effect.bad {
        body.push_str(&format!(". {}", bad_words(bad)));
    }
    if let Some(h) = effect.hinge {
        let d = h.fix.def();
        let when = d
            .release
            .map_or_else(|| "proposed".to_string(), |r| r.to_string());
        body.push_str(&format!(
            " [{} {}, {when}: {}]",
            d.name,
            if h.on { "on" } else { "off" },
            d.title
        ));
    }
    if let Some(b) = effect.waited {
        body.push_str(&format!(
            " (not a kernel order: this step would wait, since {b})"
        ));
    }
    format!("{name}: {body}")
}

fn bad_words(bad: Bad) -> String {
    match bad {
        Bad::Lost { how, lost, kept } => match how {
            LossHow::Dropped => format!(
                "Version {lost} is LOST: disk keeps version {kept} (data integrity compromised)"
            ),
            LossHow::StaleFrame { frame } => format!(
                "Frame F{frame} no longer holds the page: version {lost} is LOST (the page keeps \
                 version {kept})"
            ),
            LossHow::Remapped { from, to } => format!(
                "F{from} was written after it was copied to F{to}: version {lost} is LOST (the page \
                 keeps version {kept})"
            ),
            LossHow::Discarded => format!(
                "the page was written after MADV_FREE returned: version {lost} is LOST"
            ),
        },
        Bad::UseAfterFree { frame } => format!(
            "Frame F{frame} is free: a USE-AFTER-FREE write (the frame may belong to someone else)"
        ),
        Bad::WriteAfterProtect => {
            "mprotect(PROT_READ) has returned, yet the store did not fault: WRITE AFTER MPROTECT"
                .to_string()
        }
        Bad::WriteAfterUnmap => {
            "munmap/MADV_DONTNEED has returned, yet the store did not fault: WRITE AFTER UNMAP \
             (the next access maps a fresh page without it)"
                .to_string()
        }
        Bad::SoftDirtyMiss => {
            "clear_refs has returned, yet the store neither faulted nor set soft-dirty: SOFT-DIRTY MISS"
                .to_string()
        }
    }
}

fn handler_words(h: FaultFix) -> String {
    match h {
        FaultFix::SharedFile { read_back } => format!(
            "{}the write fault marks the page dirty (set_page_dirty) and makes the PTE writable and \
             dirty",
            if read_back {
                "the page is read back from disk; "
            } else {
                ""
            }
        ),
        FaultFix::NewAnon => "do_anonymous_page maps a fresh zeroed page".to_string(),
        FaultFix::MapBack => "the page is mapped again".to_string(),
        FaultFix::Reuse => "do_wp_page reuses the page: the PTE becomes writable and dirty".to_string(),
        FaultFix::Cow { from, to } => format!(
            "do_wp_page copies the shared page (wp_page_copy: F{from} to F{to}) and maps the copy"
        ),
        FaultFix::Numa => "do_numa_page restores the PTE".to_string(),
        FaultFix::ReadOnlyMap => "the fault maps the page read-only".to_string(),
    }
}

fn gather_words(kind: GatherKind) -> &'static str {
    match kind {
        GatherKind::ClearRefsSoftDirty => "clear_refs (soft-dirty)",
        GatherKind::ClearRefsAging => "clear_refs (aging)",
        GatherKind::MadvFree => "MADV_FREE",
        GatherKind::Zap => "the zap (munmap / MADV_DONTNEED)",
        GatherKind::OomReaper => "the OOM reaper",
    }
}

fn entry_words(e: TlbEntry) -> &'static str {
    match (e.writable, e.dirty) {
        (true, true) => "{writable, dirty}",
        (true, false) => "{writable, clean}",
        (false, true) => "{read-only, dirty}",
        (false, false) => "{read-only, clean}",
    }
}

fn frames_words(mask: u8) -> String {
    let names: Vec<String> = (0..8)
        .filter(|f| mask & 1 << f != 0)
        .map(|f| format!("F{f}"))
        .collect();
    names.join(", ")
}

fn keeps(stale: CpuSet) -> String {
    match stale.iter().count() {
        0 => String::new(),
        1 => format!("; {stale} keeps a writable, dirty entry"),
        _ => format!("; {stale} keep writable, dirty entries"),
    }
}

fn keeps_writable(stale: CpuSet) -> String {
    match stale.iter().count() {
        0 => String::new(),
        1 => format!("; {stale} keeps a writable entry"),
        _ => format!("; {stale} keep writable entries"),
    }
}

fn dropped_entries(held: CpuSet) -> String {
    if held.is_empty() {
        "no CPU held an entry".to_string()
    } else {
        match held.iter().count() {
            1 => format!("{held}'s entry gone"),
            _ => format!("entries of {held} gone"),
        }
    }
}
