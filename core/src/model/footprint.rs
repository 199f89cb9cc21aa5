//! The state as named variables, and what an action may read and write of them: its *footprint*.
//!
//! Every action declares its footprint next to its semantics (`model/actions/`). The search uses
//! footprints to tell which steps of different CPUs commute (partial-order reduction) and which
//! variables no remaining step reads (state abstraction); `core/tests/footprints.rs` checks on random
//! states that [`step`](crate::model::step()) never reads or writes outside them.

use crate::model::state::{
    Frame, FrameStatus, Gather, GatherKind, Kernel, Mapping, Page, PageKind, State, TlbEntry,
    MAX_CPUS, MAX_FRAMES, MAX_PAGES,
};

/// One variable of [`State`]. Per-page, per-frame and per-CPU variables carry their index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Var {
    /// What decides whether and where a PTE translates: present, W, PROT_NONE, uffd-wp, migration
    /// entry, frame.
    PteBits(usize),
    /// The PTE's D bit.
    PteDirty(usize),
    /// The PTE's young bit.
    PteYoung(usize),
    /// The PTE's soft-dirty bit.
    PteSoftDirty(usize),
    /// A CPU's TLB entry for a virtual page: `Tlb(cpu, page)`.
    Tlb(usize, usize),
    /// A virtual page's VMA and the promises its syscalls made.
    Map(usize),
    /// A page: where it lives, its disk version, its write count, MADV_FREE state.
    Page(usize),
    /// A frame and its `struct page` flags.
    Frame(usize),
    /// `mm->tlb_flush_pending`.
    Pending,
    /// `mm->tlb_flush_batched`.
    Batched,
    /// A CPU's open kernel work (gather, deferred flush, unmap batch, copy, owed flush).
    Kernel(usize),
    /// The page-table lock.
    Ptl,
    /// A page's page lock.
    PageLock(usize),
    /// `mmap_lock`.
    Mmap,
}

impl Var {
    /// Every variable of a machine with `cpus` CPUs and `pages` virtual pages.
    pub fn all(cpus: usize, pages: usize) -> impl Iterator<Item = Var> {
        let cpus = cpus.min(MAX_CPUS);
        let pages = pages.min(MAX_PAGES);
        let per_page = (0..pages).flat_map(|v| {
            [
                Var::PteBits(v),
                Var::PteDirty(v),
                Var::PteYoung(v),
                Var::PteSoftDirty(v),
                Var::Map(v),
                Var::Page(v),
                Var::PageLock(v),
            ]
        });
        let tlbs = (0..cpus).flat_map(move |c| (0..pages).map(move |v| Var::Tlb(c, v)));
        let frames = (0..MAX_FRAMES).map(Var::Frame);
        let kernels = (0..cpus).map(Var::Kernel);
        per_page.chain(tlbs).chain(frames).chain(kernels).chain([
            Var::Pending,
            Var::Batched,
            Var::Ptl,
            Var::Mmap,
        ])
    }

    const fn bit(self) -> u32 {
        match self {
            Var::PteBits(v) => v as u32,
            Var::PteDirty(v) => 2 + v as u32,
            Var::PteYoung(v) => 4 + v as u32,
            Var::PteSoftDirty(v) => 6 + v as u32,
            Var::Map(v) => 8 + v as u32,
            Var::Page(p) => 10 + p as u32,
            Var::PageLock(p) => 12 + p as u32,
            Var::Frame(f) => 14 + f as u32,
            Var::Pending => 18,
            Var::Batched => 19,
            Var::Ptl => 20,
            Var::Mmap => 21,
            Var::Kernel(c) => 22 + c as u32,
            Var::Tlb(c, v) => 30 + (c * MAX_PAGES + v) as u32,
        }
    }

    /// The variable's value as a number (an encoding: equal numbers, equal values).
    pub fn get(self, s: &State) -> u64 {
        let h = |x: &dyn std::fmt::Debug| {
            // A stable fingerprint of a composite value: its Debug text, hashed (FNV-1a).
            let text = format!("{x:?}");
            text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
        };
        match self {
            Var::PteBits(v) => {
                let p = s.pte[v];
                u64::from(p.present)
                    | u64::from(p.write) << 1
                    | u64::from(p.protnone) << 2
                    | u64::from(p.uffd_wp) << 3
                    | u64::from(p.migration) << 4
                    | u64::from(p.frame) << 5
            }
            Var::PteDirty(v) => s.pte[v].dirty.into(),
            Var::PteYoung(v) => s.pte[v].young.into(),
            Var::PteSoftDirty(v) => s.pte[v].soft_dirty.into(),
            Var::Tlb(c, v) => h(&s.tlb[c][v]),
            Var::Map(v) => h(&s.map[v]),
            Var::Page(p) => h(&s.page[p]),
            Var::Frame(f) => h(&s.frame[f]),
            Var::Pending => s.tlb_flush_pending.into(),
            Var::Batched => s.tlb_flush_batched.into(),
            Var::Kernel(c) => h(&s.kernel[c]),
            Var::Ptl => h(&s.locks.ptl),
            Var::PageLock(p) => h(&s.locks.page[p]),
            Var::Mmap => h(&(s.locks.mmap_writer, s.locks.mmap_readers)),
        }
    }

    /// Sets the variable from a number, mapping any number onto some value of the variable's domain
    /// (random states for tests). Frame and page indexes stay below what exists.
    pub fn set(self, s: &mut State, x: u64) {
        let b = |bit: u32| x >> bit & 1 != 0;
        let frame = (x >> 8) as u8 % MAX_FRAMES as u8;
        let cpu = |k: u32| ((x >> k) % (s.cpus.max(1) as u64)) as u8;
        match self {
            Var::PteBits(v) => {
                let p = &mut s.pte[v];
                p.present = b(0);
                p.write = b(1) && p.present;
                p.protnone = b(2) && !p.present;
                p.uffd_wp = b(3);
                p.migration = b(4) && !p.present && !p.protnone;
                p.frame = frame;
            }
            Var::PteDirty(v) => s.pte[v].dirty = b(0),
            Var::PteYoung(v) => s.pte[v].young = b(0),
            Var::PteSoftDirty(v) => s.pte[v].soft_dirty = b(0),
            Var::Tlb(c, v) => {
                s.tlb[c][v] = (!x.is_multiple_of(5)).then(|| TlbEntry {
                    writable: b(1),
                    dirty: b(2),
                    frame,
                })
            }
            Var::Map(v) => {
                s.map[v] = Mapping {
                    page: s.map[v].page,
                    vm_write: !b(0),
                    write_revoked: b(1),
                    soft_dirty_armed: b(2),
                    zapping: b(3),
                    unmapped: b(4),
                }
            }
            Var::Page(p) => {
                s.page[p] = Page {
                    kind: if b(0) { PageKind::Anon } else { PageKind::File },
                    frame: (!b(1)).then_some(frame),
                    disk: (x >> 12 & 3) as u32,
                    writes: 4 + (x >> 14 & 3) as u32,
                    madv_freed: b(2),
                    rewritten: b(3),
                }
            }
            Var::Frame(f) => {
                s.frame[f] = Frame {
                    status: match x % 3 {
                        0 => FrameStatus::Free,
                        1 => FrameStatus::Used,
                        _ => FrameStatus::Freed,
                    },
                    page: (x >> 2 & 1) as u8 % s.pages.max(1),
                    data: (x >> 12 & 3) as u32,
                    pg_dirty: b(3),
                    lazyfree: b(4),
                    mapcount: (x >> 5 & 1) as u8 + u8::from(b(6)),
                    shared: b(7),
                }
            }
            Var::Pending => s.tlb_flush_pending = (x % 4) as u32,
            Var::Batched => s.tlb_flush_batched = b(0),
            Var::Kernel(c) => {
                s.kernel[c] = Kernel {
                    gather: b(0).then_some(Gather {
                        kind: match x >> 1 & 3 {
                            0 => GatherKind::ClearRefsSoftDirty,
                            1 => GatherKind::MadvFree,
                            2 => GatherKind::Zap,
                            _ => GatherKind::OomReaper,
                        },
                        raised_pending: b(3),
                        fullmm: b(4),
                        cleared: b(5),
                        frees: (x >> 6 & 3) as u8,
                        zapped: (x >> 16 & 3) as u8,
                        refs: (x >> 18 & 15) as u8,
                    }),
                    deferred: b(8).then_some(crate::model::state::Deferred {
                        raised: b(9),
                        pages: (x >> 14 & 3) as u8,
                    }),
                    ubc: crate::model::state::UnmapBatch {
                        flush_required: b(10),
                        writable: b(11),
                    },
                    copy: None,
                    owed_flush: b(12),
                    delayed_rmap: b(13).then_some(frame),
                }
            }
            Var::Ptl => s.locks.ptl = b(0).then(|| cpu(1)),
            Var::PageLock(p) => s.locks.page[p] = b(0).then(|| cpu(1)),
            Var::Mmap => {
                s.locks.mmap_writer = b(0).then(|| cpu(1));
                s.locks.mmap_readers = (x >> 4) as u8 & (((1u16 << s.cpus) - 1) as u8);
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

    /// The set with `var` added.
    pub const fn with(self, var: Var) -> VarSet {
        VarSet(self.0 | 1 << var.bit())
    }

    /// Whether `var` is in the set.
    pub fn contains(self, var: Var) -> bool {
        self.0 & 1 << var.bit() != 0
    }

    /// Both sets together.
    pub const fn union(self, other: VarSet) -> VarSet {
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

    /// Every CPU's TLB entries for virtual page `v`.
    pub fn tlbs_of_page(v: usize) -> VarSet {
        (0..MAX_CPUS).fold(VarSet::EMPTY, |s, c| s.with(Var::Tlb(c, v)))
    }

    /// Every TLB entry.
    pub fn all_tlbs() -> VarSet {
        (0..MAX_PAGES).fold(VarSet::EMPTY, |s, v| s.union(VarSet::tlbs_of_page(v)))
    }

    /// Every CPU's kernel-side state (gathers, batches, copies in progress).
    pub fn all_kernels() -> VarSet {
        (0..MAX_CPUS).fold(VarSet::EMPTY, |s, c| s.with(Var::Kernel(c)))
    }

    /// Every frame and every page: what an allocation, a copy or a store may touch.
    pub fn memory() -> VarSet {
        let frames = (0..MAX_FRAMES).fold(VarSet::EMPTY, |s, f| s.with(Var::Frame(f)));
        (0..MAX_PAGES).fold(frames, |s, p| s.with(Var::Page(p)))
    }

    /// Every part of virtual page `v`'s PTE.
    pub fn pte(v: usize) -> VarSet {
        VarSet::of(&[
            Var::PteBits(v),
            Var::PteDirty(v),
            Var::PteYoung(v),
            Var::PteSoftDirty(v),
        ])
    }

    /// Every part of every PTE.
    pub fn all_ptes() -> VarSet {
        (0..MAX_PAGES).fold(VarSet::EMPTY, |s, v| s.union(VarSet::pte(v)))
    }
}

/// What a step may read and may write. "Read" means: the step's outcome (the state it writes, whether
/// it fails, the harm it does) can depend on the variable. Reads made only to put the effect into
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
    pub fn new(read: VarSet, write: VarSet) -> Footprint {
        Footprint { read, write }
    }

    /// A footprint from two lists.
    pub fn of(read: &[Var], write: &[Var]) -> Footprint {
        Footprint::new(VarSet::of(read), VarSet::of(write))
    }

    /// The same footprint, also reading and writing `vars`.
    pub fn touching(self, vars: VarSet) -> Footprint {
        Footprint {
            read: self.read.union(vars),
            write: self.write.union(vars),
        }
    }

    /// The same footprint, also reading `vars`.
    pub fn reading(self, vars: VarSet) -> Footprint {
        Footprint {
            read: self.read.union(vars),
            ..self
        }
    }

    /// The same footprint, also writing `vars`.
    pub fn writing(self, vars: VarSet) -> Footprint {
        Footprint {
            write: self.write.union(vars),
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
