//! The state as named variables, and what an action may read and write of them: its *footprint*.
//!
//! Every action declares its footprint next to its semantics (`model/actions/`). The search uses
//! footprints to tell which steps of different CPUs commute (partial-order reduction) and which
//! variables no remaining step reads (state abstraction); `core/tests/footprints.rs` checks on random
//! states that [`step`](crate::model::step) never reads or writes outside them.

use crate::model::state::{MmuGather, State, TlbEntry, MAX_CPUS};

/// One variable of [`State`]. The per-CPU ones carry their CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Var {
    /// `pte.present`.
    Present,
    /// `pte.write`.
    Write,
    /// `pte.dirty`.
    Dirty,
    /// `pte.young`.
    Young,
    /// `pte.soft_dirty`.
    SoftDirty,
    /// `mm->tlb_flush_pending`.
    Pending,
    /// `PG_dirty`.
    PgDirty,
    /// Whether the page is in the page cache.
    InCache,
    /// The data version in memory.
    Mem,
    /// The data version on disk.
    Disk,
    /// A CPU's TLB entry.
    Tlb(usize),
    /// A CPU's `clean_record_pte` record.
    Recorded(usize),
    /// A CPU's open mmu_gather.
    Gather(usize),
}

const FIXED: [Var; 10] = [
    Var::Present,
    Var::Write,
    Var::Dirty,
    Var::Young,
    Var::SoftDirty,
    Var::Pending,
    Var::PgDirty,
    Var::InCache,
    Var::Mem,
    Var::Disk,
];

impl Var {
    /// Every variable of a machine with `cpus` CPUs.
    pub fn all(cpus: usize) -> impl Iterator<Item = Var> {
        let per_cpu =
            (0..cpus.min(MAX_CPUS)).flat_map(|c| [Var::Tlb(c), Var::Recorded(c), Var::Gather(c)]);
        FIXED.into_iter().chain(per_cpu)
    }

    const fn bit(self) -> u32 {
        match self {
            Var::Present => 0,
            Var::Write => 1,
            Var::Dirty => 2,
            Var::Young => 3,
            Var::SoftDirty => 4,
            Var::Pending => 5,
            Var::PgDirty => 6,
            Var::InCache => 7,
            Var::Mem => 8,
            Var::Disk => 9,
            Var::Tlb(c) => 10 + c as u32,
            Var::Recorded(c) => 10 + MAX_CPUS as u32 + c as u32,
            Var::Gather(c) => 10 + 2 * MAX_CPUS as u32 + c as u32,
        }
    }

    /// The variable's value as a number (an encoding: equal numbers, equal values).
    pub fn get(self, s: &State) -> u64 {
        match self {
            Var::Present => s.pte.present.into(),
            Var::Write => s.pte.write.into(),
            Var::Dirty => s.pte.dirty.into(),
            Var::Young => s.pte.young.into(),
            Var::SoftDirty => s.pte.soft_dirty.into(),
            Var::Pending => s.tlb_flush_pending.into(),
            Var::PgDirty => s.page.pg_dirty.into(),
            Var::InCache => s.page.in_page_cache.into(),
            Var::Mem => s.page.mem.into(),
            Var::Disk => s.disk.into(),
            Var::Tlb(c) => match s.tlb[c] {
                None => 0,
                Some(e) => 1 + u64::from(e.writable) + 2 * u64::from(e.dirty),
            },
            Var::Recorded(c) => s.deferred[c].recorded_pte.into(),
            Var::Gather(c) => match s.deferred[c].gather {
                None => 0,
                Some(g) => 1 + u64::from(g.raised_pending),
            },
        }
    }

    /// Sets the variable from a number: the inverse of [`Var::get`], with any number mapped onto the
    /// variable's domain (for random states in tests).
    pub fn set(self, s: &mut State, value: u64) {
        let b = value & 1 != 0;
        match self {
            Var::Present => s.pte.present = b,
            Var::Write => s.pte.write = b,
            Var::Dirty => s.pte.dirty = b,
            Var::Young => s.pte.young = b,
            Var::SoftDirty => s.pte.soft_dirty = b,
            Var::Pending => s.tlb_flush_pending = value as u32,
            Var::PgDirty => s.page.pg_dirty = b,
            Var::InCache => s.page.in_page_cache = b,
            Var::Mem => s.page.mem = value as u32,
            Var::Disk => s.disk = value as u32,
            Var::Tlb(c) => {
                s.tlb[c] = match value % 5 {
                    0 => None,
                    v => Some(TlbEntry {
                        writable: (v - 1) & 1 != 0,
                        dirty: (v - 1) & 2 != 0,
                    }),
                }
            }
            Var::Recorded(c) => s.deferred[c].recorded_pte = b,
            Var::Gather(c) => {
                s.deferred[c].gather = match value % 3 {
                    0 => None,
                    v => Some(MmuGather {
                        raised_pending: v == 2,
                    }),
                }
            }
        }
    }
}

/// A set of [`Var`]s, as a bitmask.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VarSet(u64);

impl VarSet {
    /// No variable.
    pub const EMPTY: VarSet = VarSet(0);

    /// The set of these variables.
    pub fn of(vars: &[Var]) -> VarSet {
        vars.iter().fold(VarSet::EMPTY, |s, &v| s.with(v))
    }

    /// Every CPU's TLB entry (of a machine of at most [`MAX_CPUS`] CPUs).
    pub fn all_tlbs() -> VarSet {
        (0..MAX_CPUS).fold(VarSet::EMPTY, |s, c| s.with(Var::Tlb(c)))
    }

    /// The set with `var` added.
    pub const fn with(self, var: Var) -> VarSet {
        VarSet(self.0 | 1 << var.bit())
    }

    /// Whether `var` is in the set.
    pub fn contains(self, var: Var) -> bool {
        self.0 & 1 << var.bit() != 0
    }

    /// Both sets together.
    pub fn union(self, other: VarSet) -> VarSet {
        VarSet(self.0 | other.0)
    }

    /// Whether the sets share a variable.
    pub fn meets(self, other: VarSet) -> bool {
        self.0 & other.0 != 0
    }

    /// The set without `other`'s variables.
    pub fn minus(self, other: VarSet) -> VarSet {
        VarSet(self.0 & !other.0)
    }
}

/// What a step may read and may write. "Read" means: the step's outcome (the state it writes, whether
/// it fails, whether it loses data) can depend on the variable. Reads made only to put the effect into
/// words (which CPUs still hold stale entries) are not reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Footprint {
    /// Variables the outcome may depend on.
    pub read: VarSet,
    /// Variables the step may change.
    pub write: VarSet,
}

impl Footprint {
    /// A footprint from its two sets.
    pub fn new(read: &[Var], write: &[Var]) -> Footprint {
        Footprint {
            read: VarSet::of(read),
            write: VarSet::of(write),
        }
    }

    /// The same footprint, also writing every CPU's TLB entry (a flush on every CPU).
    pub fn flushing_all(self) -> Footprint {
        Footprint {
            write: self.write.union(VarSet::all_tlbs()),
            ..self
        }
    }

    /// Whether two steps of different CPUs may fail to commute: one writes what the other reads or
    /// writes.
    pub fn conflicts(self, other: Footprint) -> bool {
        self.write.meets(other.read.union(other.write)) || other.write.meets(self.read)
    }

    /// Both footprints together.
    pub fn union(self, other: Footprint) -> Footprint {
        Footprint {
            read: self.read.union(other.read),
            write: self.write.union(other.write),
        }
    }
}
