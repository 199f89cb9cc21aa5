//! What a step did, in the kernel's terms: the [`Effect`] each action's semantics return, the
//! [`StepError`] for a step that cannot happen, and [`explain`], which puts an effect into the words the
//! playground and the CLI show.

use serde::Serialize;

use crate::model::action::Action;
use crate::model::state::{CpuSet, TlbEntry};

/// How a store reached memory without faulting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "via")]
pub enum StorePath {
    /// Through a writable, dirty TLB entry; the PTE is not touched. `stale` when the PTE no longer
    /// agrees (not present, read-only or clean): the store happened behind the kernel's back.
    Entry {
        /// The entry disagreed with the PTE.
        stale: bool,
    },
    /// The entry was writable but clean: the hardware walked the page table to set D.
    DirtyWalk,
    /// No usable entry: the walk found a writable PTE, set D and cached it.
    Walk,
}

/// Why a store faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultCause {
    /// A writable but clean entry: the dirty-bit walk found the PTE write-protected (seed case 2b).
    DirtyWalkSawReadOnly,
    /// No writable entry, and the PTE is write-protected.
    ReadOnly,
    /// The PTE is not present (the page was reclaimed or never mapped).
    NotPresent,
}

/// Which CPUs an explicit flush targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlushScope {
    /// `flush_tlb_range`: the page, on every CPU.
    Range,
    /// `flush_tlb_mm`: the whole mm, on every CPU.
    Mm,
    /// `local_flush_tlb_page`: the page, on the running CPU.
    Local,
}

/// What `tlb_finish_mmu` decided to invalidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FinishFlush {
    /// The variant takes no gather in clear_refs: nothing to finish.
    NoGather,
    /// Nothing was recorded and no other batcher is pending: the invalidation is elided.
    NothingRecorded,
    /// Another batcher is pending (`mm_tlb_flush_nested`): the whole mm is flushed.
    Nested,
    /// The recorded PTEs are flushed (a fullmm gather on x86 flushes the whole mm).
    Recorded {
        /// The gather was fullmm.
        fullmm: bool,
    },
    /// arm64's fullmm finish, not nested: invalidates nothing, assuming the ASID dies with the mm.
    FullmmElided,
    /// v5.12's `flush_tlb_mm`.
    Mm,
}

impl FinishFlush {
    /// Whether this finish flushed every CPU.
    pub fn flushes(self) -> bool {
        matches!(
            self,
            FinishFlush::Nested | FinishFlush::Recorded { .. } | FinishFlush::Mm
        )
    }
}

/// What one step did, in the kernel's terms: the explanation event before it is put into words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Effect {
    /// The CPU cached the PTE.
    Filled {
        /// The new entry.
        entry: TlbEntry,
    },
    /// A PTE-walking step found no PTE (not present): nothing changed.
    NoPte,
    /// A store completed without a fault.
    Stored {
        /// The data version memory now holds.
        version: u32,
        /// How it got there.
        path: StorePath,
    },
    /// A store faulted; the write fault dirtied the page and completed the store.
    Faulted {
        /// The data version memory now holds.
        version: u32,
        /// Why it faulted.
        cause: FaultCause,
        /// The fault had to read the page back from disk first.
        read_back: bool,
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
        /// CPUs that held an entry and lost it.
        held: CpuSet,
    },
    /// `tlb_gather_mmu` opened a gather.
    GatherOpened {
        /// Whether it raised `tlb_flush_pending` (not under [`Batching::None`](crate::model::variant::Batching::None)).
        raised: bool,
        /// The count afterwards.
        pending: u32,
    },
    /// `clear_refs_write` began.
    ClearRefsBegun,
    /// `pte_wrprotect` write-protected the PTE without a flush.
    Wrprotected {
        /// D, which write-protection keeps.
        dirty: bool,
        /// CPUs that still hold writable entries.
        stale: CpuSet,
    },
    /// `pte_mkold` cleared the young bit.
    MadeOld,
    /// `tlb_finish_mmu` closed the gather.
    GatherFinished {
        /// What it invalidated.
        flush: FinishFlush,
        /// CPUs that held an entry and lost it.
        held: CpuSet,
        /// The new `tlb_flush_pending`, if the gather had raised it.
        pending: Option<u32>,
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
    /// `page_mkclean_one` flushed, write-protected and cleaned the PTE, and counted it as cleaned.
    MkcleanDone {
        /// Why the skip test failed: the PTE was dirty…
        dirty: bool,
        /// …writable…
        write: bool,
        /// …or a flush was pending (only under [`SkipTest::ChecksPending`](crate::model::variant::SkipTest::ChecksPending)); the count.
        pending: u32,
        /// …or the variant never skips ([`SkipTest::Never`](crate::model::variant::SkipTest::Never)).
        never_skips: bool,
        /// CPUs that held an entry and lost it.
        held: CpuSet,
    },
    /// Writeback wrote the page.
    WrittenBack {
        /// The version now on disk.
        version: u32,
    },
    /// Writeback found PG_dirty clear: nothing written.
    WritebackClean,
    /// The page is not in the page cache: nothing to write or reclaim.
    NotCached,
    /// Reclaim found the page dirty and kept it.
    DropKept {
        /// PG_dirty was set.
        pg_dirty: bool,
        /// The PTE's D bit was set.
        pte_dirty: bool,
    },
    /// Reclaim dropped the page. Lost data when `mem != disk`.
    Dropped {
        /// The version memory held.
        mem: u32,
        /// The version on disk.
        disk: u32,
        /// CPUs that held an entry and lost it.
        held: CpuSet,
    },
}

impl Effect {
    /// Whether this step destroyed data: reclaim dropped a page whose memory was newer than disk.
    pub fn loses_data(self) -> bool {
        matches!(self, Effect::Dropped { mem, disk, .. } if mem != disk)
    }
}

/// A step that cannot happen: the scenario is wrong, not the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum StepError {
    /// The step names a CPU the scenario does not have.
    NoSuchCpu {
        /// The CPU named.
        cpu: usize,
        /// How many CPUs there are.
        cpus: usize,
    },
    /// The step would lower `tlb_flush_pending` below zero.
    PendingBelowZero,
    /// `tlb_finish_mmu` with no `tlb_gather_mmu` open on that CPU.
    FinishWithoutGather,
    /// A second `tlb_gather_mmu` on a CPU that already has one open.
    GatherAlreadyOpen,
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::NoSuchCpu { cpu, cpus } => {
                write!(f, "CPU{cpu} does not exist (the scenario has {cpus} CPUs)")
            }
            StepError::PendingBelowZero => f.write_str("mm->tlb_flush_pending would go below zero"),
            StepError::FinishWithoutGather => {
                f.write_str("tlb_finish_mmu() without a tlb_gather_mmu() open on this CPU")
            }
            StepError::GatherAlreadyOpen => {
                f.write_str("tlb_gather_mmu() while this CPU already has a gather open")
            }
        }
    }
}

impl std::error::Error for StepError {}

/// Puts an effect into words, in kernel terms, for the step `action` on `cpu`.
pub fn explain(cpu: usize, action: Action, effect: &Effect) -> String {
    let name = action.label().strip_suffix("()").unwrap_or(action.label());
    let body = match *effect {
        Effect::Filled { entry } => format!(
            "CPU{cpu} walks the page table and caches the PTE: TLB entry {}; PTE young",
            entry_words(entry)
        ),
        Effect::NoPte => "no PTE is present: nothing to do".to_string(),
        Effect::Stored { version, path } => match path {
            StorePath::Entry { stale: true } => format!(
                "the store goes straight through CPU{cpu}'s writable, dirty TLB entry, which is stale: the PTE \
                 is not touched, so nothing records the write; memory now holds version {version}"
            ),
            StorePath::Entry { stale: false } => {
                format!("the store goes through CPU{cpu}'s writable, dirty TLB entry; memory now holds version {version}")
            }
            StorePath::DirtyWalk => format!(
                "CPU{cpu}'s entry is writable but clean: the hardware walk sets the PTE's dirty bit; memory now \
                 holds version {version}"
            ),
            StorePath::Walk => format!(
                "no usable TLB entry: the walk finds a writable PTE, sets its dirty bit and caches it; memory now \
                 holds version {version}"
            ),
        },
        Effect::Faulted { version, cause, read_back } => {
            let why = match cause {
                FaultCause::DirtyWalkSawReadOnly => {
                    "the hardware tries to set the dirty bit but sees a write-protected PTE: page fault"
                }
                FaultCause::ReadOnly => "the PTE is write-protected: page fault",
                FaultCause::NotPresent => "the PTE is not present: page fault",
            };
            let back = if read_back { "; the page is read back from disk" } else { "" };
            format!(
                "{why}{back}; the write fault marks the page dirty (set_page_dirty) and makes the PTE writable \
                 and dirty; memory now holds version {version}"
            )
        }
        Effect::PendingRaised { pending } => format!("mm->tlb_flush_pending = {pending}"),
        Effect::PendingLowered { pending } => format!("mm->tlb_flush_pending = {pending}"),
        Effect::Cleaned { was_dirty, recorded, stale } => {
            let what = if was_dirty { "PTE cleaned (D = 0)" } else { "PTE already clean" };
            let rec = if recorded { " and recorded for a later flush" } else { "" };
            format!("{what}{rec}; PG_dirty untouched; no flush{}", keeps(stale))
        }
        Effect::Flushed { scope, held } => {
            let target = match scope {
                FlushScope::Range => "the page on every CPU".to_string(),
                FlushScope::Mm => "the whole mm on every CPU".to_string(),
                FlushScope::Local => format!("the page on CPU{cpu}"),
            };
            format!("flushes {target}: {}", dropped_entries(held))
        }
        Effect::GatherOpened { raised: true, pending } => {
            format!("mmu_gather opened: mm->tlb_flush_pending = {pending} (mm_tlb_flush_pending() is now true)")
        }
        Effect::GatherOpened { raised: false, .. } => {
            "this variant takes no mmu_gather in clear_refs: nothing happens".to_string()
        }
        Effect::ClearRefsBegun => "the write to /proc/PID/clear_refs begins".to_string(),
        Effect::Wrprotected { dirty, stale } => format!(
            "PTE write-protected (W = 0) and soft-dirty cleared; D kept ({}); no flush{}",
            if dirty { "pte_dirty() is true" } else { "pte_dirty() is false" },
            keeps_writable(stale)
        ),
        Effect::MadeOld => "PTE made old (A = 0); aging needs no flush".to_string(),
        Effect::GatherFinished { flush, held, pending } => {
            let what = match flush {
                FinishFlush::NoGather => "clear_refs took no gather in this variant: nothing to flush".to_string(),
                FinishFlush::NothingRecorded => {
                    "nothing was recorded and no other batcher is pending: the invalidation is elided".to_string()
                }
                FinishFlush::Nested => format!(
                    "another batcher is pending (mm_tlb_flush_nested): flushes the whole mm: {}",
                    dropped_entries(held)
                ),
                FinishFlush::Recorded { fullmm } => format!(
                    "flushes the recorded PTEs{}: {}",
                    if fullmm { " (fullmm: the whole mm)" } else { "" },
                    dropped_entries(held)
                ),
                FinishFlush::FullmmElided => {
                    "fullmm gather on arm64: tlb_flush() invalidates nothing, assuming the ASID dies with the mm"
                        .to_string()
                }
                FinishFlush::Mm => format!("flush_tlb_mm(): {}", dropped_entries(held)),
            };
            match pending {
                Some(p) => format!("{what}; mm->tlb_flush_pending = {p}"),
                None => what,
            }
        }
        Effect::MkcleanSkipped { checks_pending, pending, stale } => {
            let test = if checks_pending {
                "PTE clean and read-only and mm_tlb_flush_pending() is false".to_string()
            } else {
                format!(
                    "PTE clean and read-only, and this variant does not check mm_tlb_flush_pending (= {pending})"
                )
            };
            format!("{test}: no flush{}", keeps(stale))
        }
        Effect::MkcleanDone { dirty, write, pending, never_skips, held } => {
            let why = if dirty {
                "PTE dirty".to_string()
            } else if write {
                "PTE writable".to_string()
            } else if never_skips {
                "PTE clean and read-only, but this variant never skips".to_string()
            } else {
                format!("PTE clean and read-only, but mm_tlb_flush_pending() is true (= {pending})")
            };
            format!(
                "{why}: ptep_clear_flush flushes every CPU ({}), the PTE is made read-only and clean, and the page \
                 is re-dirtied (set_page_dirty) for writeback",
                dropped_entries(held)
            )
        }
        Effect::WrittenBack { version } => {
            format!("TestClearPageDirty: PG_dirty was set; version {version} written to disk")
        }
        Effect::WritebackClean => "TestClearPageDirty: PG_dirty is clear, nothing is written".to_string(),
        Effect::NotCached => "the page is not in the page cache: nothing to do".to_string(),
        Effect::DropKept { pg_dirty, pte_dirty } => {
            let why = match (pg_dirty, pte_dirty) {
                (true, true) => "PG_dirty and the PTE's dirty bit are set",
                (true, false) => "PG_dirty is set",
                _ => "the PTE's dirty bit is set",
            };
            format!("{why}: reclaim keeps the page (it would write it back instead)")
        }
        Effect::Dropped { mem, disk, held } => {
            let base = format!(
                "the page looks clean: reclaim clears the PTE, flushes every CPU ({}) and drops it from the page cache",
                dropped_entries(held)
            );
            if mem != disk {
                format!("{base}. Memory held version {mem} but disk has version {disk}: version {mem} is LOST (data integrity compromised)")
            } else {
                format!("{base}; disk already has version {disk} (data integrity guaranteed)")
            }
        }
    };
    format!("{name}: {body}")
}

fn entry_words(e: TlbEntry) -> &'static str {
    match (e.writable, e.dirty) {
        (true, true) => "{writable, dirty}",
        (true, false) => "{writable, clean}",
        (false, true) => "{read-only, dirty}",
        (false, false) => "{read-only, clean}",
    }
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
