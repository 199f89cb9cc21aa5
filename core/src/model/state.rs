//! The machine state tlbrace models: one file page, the PTE that maps it, every CPU's TLB entry for it,
//! `mm->tlb_flush_pending`, the page-cache flags and what is on disk.
//!
//! Everything here is `Copy` and hashable so that the explorer can cache visited states cheaply; history
//! (which step filled which entry) lives in [`crate::model::trace`], not here.

use serde::{Deserialize, Serialize};

use crate::model::footprint::{Var, VarSet};

/// The most CPUs a scenario may have: enough for every diagram on the lists, small enough for a bitmask.
pub const MAX_CPUS: usize = 8;

/// The page-table entry mapping the page (x86 naming: W = writable, D = hardware dirty, A = young).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pte {
    /// The translation exists; false once reclaim has unmapped the page.
    pub present: bool,
    /// W: user writes are allowed without a fault.
    pub write: bool,
    /// D: the hardware dirty bit, set by the page walk on the first write through a clean entry.
    pub dirty: bool,
    /// A: set by every walk; cleared by aging (`pte_mkold`).
    pub young: bool,
    /// The software soft-dirty bit that /proc/PID/clear_refs resets and the write fault sets again.
    pub soft_dirty: bool,
}

impl Pte {
    /// A PTE that maps nothing (after reclaim).
    pub const NONE: Pte = Pte {
        present: false,
        write: false,
        dirty: false,
        young: false,
        soft_dirty: false,
    };

    /// Whether a store through this PTE can complete without a fault.
    pub fn allows_write(self) -> bool {
        self.present && self.write
    }
}

/// A CPU's cached translation: a snapshot of the PTE's W and D bits taken when the entry was filled,
/// which the hardware does not refresh when the PTE changes. Staleness is the whole subject of tlbrace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TlbEntry {
    /// The entry permits stores.
    pub writable: bool,
    /// The entry already knows the PTE is dirty, so stores through it skip the page walk.
    pub dirty: bool,
}

impl TlbEntry {
    /// The entry a walk of `pte` would create.
    pub fn from_pte(pte: Pte) -> TlbEntry {
        TlbEntry {
            writable: pte.write,
            dirty: pte.dirty,
        }
    }
}

/// The page-cache page: its dirty flag, whether it is still cached, and which version of the data it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Page {
    /// `PG_dirty`: writeback must write the page before reclaim may drop it.
    pub pg_dirty: bool,
    /// False once reclaim has dropped the page; a later fault reads it back from disk.
    pub in_page_cache: bool,
    /// The version of the data in memory; each user store adds one.
    pub mem: u32,
}

/// The batching state of an mmu_gather opened by `tlb_gather_mmu` on one CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MmuGather {
    /// Whether opening it raised `mm->tlb_flush_pending` (so `tlb_finish_mmu` must lower it again).
    pub raised_pending: bool,
}

/// Work a CPU has started and not yet finished: what it promised to flush later.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deferred {
    /// `clean_record_pte` cleaned the PTE and recorded it for a flush that has not happened yet.
    pub recorded_pte: bool,
    /// An mmu_gather is open on this CPU (between `tlb_gather_mmu` and `tlb_finish_mmu`).
    pub gather: Option<MmuGather>,
}

/// A set of CPUs, as a bitmask: which CPUs a flush reached, which hold stale entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CpuSet(pub u8);

impl CpuSet {
    /// No CPU.
    pub const EMPTY: CpuSet = CpuSet(0);

    /// The first `cpus` CPUs.
    pub fn first(cpus: usize) -> CpuSet {
        CpuSet(((1u16 << cpus.min(MAX_CPUS)) - 1) as u8)
    }

    /// Just `cpu`.
    pub fn only(cpu: usize) -> CpuSet {
        CpuSet(1 << cpu)
    }

    /// Whether `cpu` is in the set.
    pub fn contains(self, cpu: usize) -> bool {
        cpu < MAX_CPUS && self.0 & (1 << cpu) != 0
    }

    /// Whether the set has no CPU.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The CPUs in ascending order.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..MAX_CPUS).filter(move |&c| self.contains(c))
    }

    /// The set with `cpu` added.
    pub fn with(self, cpu: usize) -> CpuSet {
        CpuSet(self.0 | (1 << cpu))
    }
}

impl std::fmt::Display for CpuSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.iter().map(|c| format!("CPU{c}")).collect();
        match names.len() {
            0 => f.write_str("no CPU"),
            _ => f.write_str(&names.join(", ")),
        }
    }
}

/// The whole modelled machine at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "StateView")]
pub struct State {
    /// How many CPUs exist (1..=[`MAX_CPUS`]); entries beyond it stay empty.
    pub cpus: u8,
    /// The PTE mapping the page.
    pub pte: Pte,
    /// Each CPU's TLB entry for the page, if it holds one.
    pub tlb: [Option<TlbEntry>; MAX_CPUS],
    /// `mm->tlb_flush_pending`: how many operations have changed PTEs and not yet flushed.
    pub tlb_flush_pending: u32,
    /// The page-cache page.
    pub page: Page,
    /// The version of the data on disk.
    pub disk: u32,
    /// Per-CPU work waiting for a flush.
    pub deferred: [Deferred; MAX_CPUS],
}

impl State {
    /// The number of CPUs as an index bound.
    pub fn cpu_count(&self) -> usize {
        self.cpus as usize
    }

    /// `mm_tlb_flush_pending(mm)`.
    pub fn mm_tlb_flush_pending(&self) -> bool {
        self.tlb_flush_pending > 0
    }

    /// `mm_tlb_flush_nested(mm)`: another batcher is pending at the same moment.
    pub fn mm_tlb_flush_nested(&self) -> bool {
        self.tlb_flush_pending > 1
    }

    /// CPUs whose entry lets a store complete without the PTE learning of it: writable and dirty while
    /// the PTE is no longer present, writable and dirty. These are the entries that write behind the
    /// kernel's back.
    pub fn stale_cpus(&self) -> CpuSet {
        let pte = self.pte;
        let mut set = CpuSet::EMPTY;
        for cpu in 0..self.cpu_count() {
            if let Some(e) = self.tlb[cpu] {
                if e.writable && e.dirty && !(pte.present && pte.write && pte.dirty) {
                    set = set.with(cpu);
                }
            }
        }
        set
    }

    /// CPUs that hold any entry for the page.
    pub fn cpus_with_entries(&self) -> CpuSet {
        let mut set = CpuSet::EMPTY;
        for cpu in 0..self.cpu_count() {
            if self.tlb[cpu].is_some() {
                set = set.with(cpu);
            }
        }
        set
    }

    /// What [`State::unrecorded_data`] reads: the search keeps these variables in every state.
    pub const UNRECORDED_DATA_READS: VarSet = VarSet::EMPTY
        .with(Var::InCache)
        .with(Var::Mem)
        .with(Var::Disk)
        .with(Var::PgDirty)
        .with(Var::Dirty);

    /// Whether memory holds data that neither PG_dirty nor the PTE's D bit records: the next reclaim
    /// would drop it (the "at risk" verdict).
    pub fn unrecorded_data(&self) -> bool {
        self.page.in_page_cache
            && self.page.mem != self.disk
            && !self.page.pg_dirty
            && !self.pte.dirty
    }

    /// Empties the TLB entries of `cpus` and returns the CPUs that actually held one.
    pub fn flush(&mut self, cpus: CpuSet) -> CpuSet {
        let held = CpuSet(self.cpus_with_entries().0 & cpus.0);
        for cpu in cpus.iter() {
            self.tlb[cpu] = None;
        }
        held
    }
}

/// The serialised form of [`State`]: only the CPUs that exist.
#[derive(Serialize)]
struct StateView {
    pte: Pte,
    tlb: Vec<Option<TlbEntry>>,
    tlb_flush_pending: u32,
    page: Page,
    disk: u32,
    deferred: Vec<Deferred>,
}

impl From<State> for StateView {
    fn from(s: State) -> StateView {
        let n = s.cpu_count();
        StateView {
            pte: s.pte,
            tlb: s.tlb[..n].to_vec(),
            tlb_flush_pending: s.tlb_flush_pending,
            page: s.page,
            disk: s.disk,
            deferred: s.deferred[..n].to_vec(),
        }
    }
}
