//! The machine tlbrace models (docs/model.md §1): up to two virtual pages of one mm, each with its
//! PTE and every CPU's TLB entry for it; the pages they map (a file page in the page cache, or an
//! anonymous page) and the physical frames holding them; `mm->tlb_flush_pending` and the reclaim
//! batch flag; what each CPU's kernel path has opened (an mmu_gather, a deferred flush, a reclaim
//! batch, a copy in progress); and the locks that order kernel paths.
//!
//! A PTE and every TLB entry point at a frame, so "a write reached a frame that no longer holds the
//! page" and "a write reached a freed frame" are states. Everything here is `Copy` and hashable so
//! that the explorer can cache visited states; history (which step filled which entry) lives in
//! [`crate::model::trace`], not here.

use serde::{Deserialize, Serialize};

use crate::model::footprint::{Var, VarSet};
use crate::model::variant::{Arch, Fix, Variant};

/// The most CPUs a scenario may have: enough for every diagram on the lists, small enough for a bitmask.
pub const MAX_CPUS: usize = 8;
/// The most virtual pages (PTEs) a scenario maps: two are enough for every race in docs/model.md.
pub const MAX_PAGES: usize = 2;
/// Physical frames: each page's own, and room for the copies migration, COW and KSM make.
pub const MAX_FRAMES: usize = 4;

/// A page-table entry (x86 naming: W writable, D hardware dirty, A young). A PTE that is not present
/// may still name a frame: a PROT_NONE (NUMA hinting) entry, or a migration entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pte {
    /// The hardware can use the translation.
    pub present: bool,
    /// W: user writes are allowed without a fault.
    pub write: bool,
    /// D: the hardware dirty bit, set by the page walk on the first write through a clean entry.
    pub dirty: bool,
    /// A: set by every walk; cleared by aging (`pte_mkold`).
    pub young: bool,
    /// The software soft-dirty bit that /proc/PID/clear_refs resets and a write fault sets again.
    pub soft_dirty: bool,
    /// PROT_NONE / NUMA hinting: not present to the hardware, but still the page's translation
    /// (`pte_protnone`); a fault restores it.
    pub protnone: bool,
    /// The userfaultfd write-protect bit: a write fault goes to the userfaultfd monitor.
    pub uffd_wp: bool,
    /// A migration entry: the page is being moved; a fault waits for the move to finish.
    pub migration: bool,
    /// The frame the entry names (meaningful when present, PROT_NONE or a migration entry).
    pub frame: u8,
}

impl Pte {
    /// A PTE that maps nothing.
    pub const NONE: Pte = Pte {
        present: false,
        write: false,
        dirty: false,
        young: false,
        soft_dirty: false,
        protnone: false,
        uffd_wp: false,
        migration: false,
        frame: 0,
    };

    /// A present PTE for `frame`.
    pub fn mapping(frame: u8, write: bool, dirty: bool) -> Pte {
        Pte {
            present: true,
            write,
            dirty,
            young: true,
            soft_dirty: dirty,
            frame,
            ..Pte::NONE
        }
    }

    /// Whether a store through this PTE can complete without a fault.
    pub fn allows_write(self) -> bool {
        self.present && self.write
    }

    /// The frame the PTE maps for rmap purposes (present or PROT_NONE), if any.
    pub fn mapped_frame(self) -> Option<u8> {
        (self.present || self.protnone).then_some(self.frame)
    }
}

/// A CPU's cached translation: a snapshot of the PTE's W and D bits and its frame, taken when the entry
/// was filled, which the hardware does not refresh when the PTE changes. Staleness is the whole
/// subject of tlbrace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlbEntry {
    /// The entry permits stores.
    pub writable: bool,
    /// The entry already knows the PTE is dirty, so stores through it skip the page walk.
    pub dirty: bool,
    /// The frame it translates to.
    #[serde(default)]
    pub frame: u8,
}

impl TlbEntry {
    /// The entry a walk of `pte` would create.
    pub fn from_pte(pte: Pte) -> TlbEntry {
        TlbEntry {
            writable: pte.write,
            dirty: pte.dirty,
            frame: pte.frame,
        }
    }

    /// Whether a store through this entry completes without the PTE learning of it: it is writable
    /// and dirty while the PTE no longer is, or maps another frame.
    pub fn stale_for(self, pte: Pte) -> bool {
        self.writable
            && self.dirty
            && !(pte.present && pte.write && pte.dirty && pte.frame == self.frame)
    }

    /// Whether the entry allows more than the PTE: a store through it would not fault where the PTE
    /// says it must (writable over a PTE that is not writable, or over another frame).
    pub fn more_permissive_than(self, pte: Pte) -> bool {
        self.writable && !(pte.present && pte.write && pte.frame == self.frame)
    }
}

/// What kind of memory a page is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PageKind {
    /// A page of a file in a MAP_SHARED mapping: the page cache holds it, writeback writes it to disk.
    #[default]
    File,
    /// An anonymous page (private memory): MADV_FREE, KSM, COW, NUMA migration.
    Anon,
}

/// A page: the data user space sees at a virtual address, wherever it currently lives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Page {
    /// File or anonymous.
    pub kind: PageKind,
    /// The frame that holds the page now: the page-cache page of a file page, the anonymous page
    /// mapped. `None`: not in memory (a file page reclaim dropped, an anonymous page zapped).
    pub frame: Option<u8>,
    /// The version on disk (file pages).
    pub disk: u32,
    /// The newest version handed out: a store writes `writes + 1`.
    pub writes: u32,
    /// MADV_FREE has returned: the kernel may discard the contents, unless they are written again.
    pub madv_freed: bool,
    /// Written after MADV_FREE returned: discarding the page now loses that write.
    pub rewritten: bool,
}

/// Whether a frame is in use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrameStatus {
    /// Never used in this timeline: what allocations take first.
    #[default]
    Free,
    /// Holds (or held, if its page moved on) a page's data.
    Used,
    /// Returned to the allocator; a write through a stale entry here is a use-after-free.
    Freed,
}

/// A physical frame and the `struct page` flags the kernel keeps for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Frame {
    /// Free, in use or freed.
    pub status: FrameStatus,
    /// The page whose data it holds (or last held).
    pub page: u8,
    /// The version of the data in it.
    pub data: u32,
    /// `PG_dirty`: writeback must write it before reclaim may drop it.
    pub pg_dirty: bool,
    /// MADV_FREE marked it lazily freeable (`!PageSwapBacked`).
    pub lazyfree: bool,
    /// PTEs mapping it (`page_mapcount`; `page_mapped` when above zero).
    pub mapcount: u8,
    /// Shared with another owner (a fork child, a KSM merge): a write fault copies it (COW).
    pub shared: bool,
}

/// A virtual page's VMA and what its last syscall promised user space.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mapping {
    /// The page it maps.
    pub page: u8,
    /// `VM_WRITE`: cleared by mprotect(PROT_READ).
    pub vm_write: bool,
    /// mprotect(PROT_READ) has returned: from now on every store must fault.
    pub write_revoked: bool,
    /// clear_refs (soft-dirty) has returned: every store must fault or find soft-dirty set.
    pub soft_dirty_armed: bool,
    /// A zap (munmap, MADV_DONTNEED) cleared this PTE and its syscall has not returned yet.
    pub zapping: bool,
    /// munmap or MADV_DONTNEED has returned after clearing this PTE: until a fault maps the page
    /// again, every store must fault.
    pub unmapped: bool,
}

/// Which path opened an mmu_gather, as far as the flush at its end cares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GatherKind {
    /// /proc/PID/clear_refs clearing soft-dirty (the walk write-protects PTEs).
    #[default]
    ClearRefsSoftDirty,
    /// /proc/PID/clear_refs aging (the walk only makes PTEs old).
    ClearRefsAging,
    /// madvise(MADV_FREE).
    MadvFree,
    /// munmap or madvise(MADV_DONTNEED): zap_pte_range.
    Zap,
    /// The OOM reaper's `__oom_reap_task_mm`.
    OomReaper,
}

impl GatherKind {
    /// Whether this is clear_refs' gather, whose behaviour the seed thread's variants change.
    pub fn is_clear_refs(self) -> bool {
        matches!(
            self,
            GatherKind::ClearRefsSoftDirty | GatherKind::ClearRefsAging
        )
    }
}

/// An open mmu_gather (`tlb_gather_mmu` … `tlb_finish_mmu`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Gather {
    /// Whose gather it is.
    pub kind: GatherKind,
    /// Opening it raised `mm->tlb_flush_pending`, so finishing lowers it.
    pub raised_pending: bool,
    /// It covers the whole address space (`tlb->fullmm`).
    pub fullmm: bool,
    /// It recorded cleared PTEs (`tlb->cleared_ptes`): the finish must flush them.
    pub cleared: bool,
    /// Frames to free once the TLB is flushed, as a bitmask.
    pub frees: u8,
    /// Virtual pages whose PTEs a zap cleared, as a bitmask: unmapped once the syscall returns.
    pub zapped: u8,
    /// Frames of file pages it holds a reference to until the flush (`tlb_remove_page`), as a
    /// bitmask: the page cache keeps them, but reclaim cannot free them meanwhile.
    pub refs: u8,
}

/// Reclaim's per-task unmap batch (`current->tlb_ubc`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnmapBatch {
    /// A flush is owed (`flush_required`).
    pub flush_required: bool,
    /// A PTE it cleared was dirty (`writable`): flush before writeback I/O.
    pub writable: bool,
}

/// Why a CPU is copying a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CopyKind {
    /// Page migration (NUMA balancing, compaction, migrate_vma).
    Migration,
    /// A COW copy in `do_wp_page` (`wp_page_copy`).
    Cow,
    /// KSM found the page identical to a stable page and will map that instead.
    Ksm,
}

/// A copy a CPU has taken and not yet mapped in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Copy {
    /// Why.
    pub kind: CopyKind,
    /// The virtual page whose PTE will be switched.
    pub vpage: u8,
    /// The frame copied from.
    pub from: u8,
    /// The frame copied to.
    pub to: u8,
    /// The PTE as the copy found it (`orig_pte`): mapping the copy requires it unchanged
    /// (`pte_same()`), any bit -- a write fault's, the hardware's dirty or young bit, a walk's.
    pub orig: Pte,
}

/// What a CPU's kernel path has opened and not yet finished.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Kernel {
    /// An open mmu_gather.
    pub gather: Option<Gather>,
    /// A `flush_tlb_range` this CPU owes for PTEs it changed without flushing (`clean_record_pte`,
    /// `change_prot_numa`, `mwriteprotect_range`, `migrate_vma_collect_pmd`).
    pub deferred: Option<Deferred>,
    /// Reclaim's unmap batch.
    pub ubc: UnmapBatch,
    /// A copy in progress.
    pub copy: Option<Copy>,
    /// A flush owed before this CPU's `pte_unmap_unlock` (the forced flush of 1cf35d47712d and
    /// 60bae7370896).
    pub owed_flush: bool,
    /// A frame whose rmap removal waits for that flush (5df397dec7c4).
    pub delayed_rmap: Option<u8>,
}

/// A walk's deferred flush: the range it will flush and whether it raised the pending count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deferred {
    /// The walk raised `mm->tlb_flush_pending`, which the flush lowers.
    pub raised: bool,
    /// The virtual pages whose PTEs it changed, as a bitmask: `flush_tlb_range()` covers the range
    /// the walk changed, and a walk that changed nothing flushes nothing (wp_clean_post_vma,
    /// change_protection_range: `if (pages) flush_tlb_range(...)`).
    pub pages: u8,
}

impl Kernel {
    /// Owes a flush of virtual page `v` (if `changed`), raised the count if `raised`.
    pub fn defer(&mut self, v: usize, changed: bool, raised: bool) {
        let d = self.deferred.get_or_insert_with(Deferred::default);
        d.raised |= raised;
        if changed {
            d.pages |= 1 << v;
        }
    }
}

/// The locks that order kernel paths (docs/model.md §1.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Locks {
    /// The page-table lock (one page table holds both virtual pages).
    pub ptl: Option<u8>,
    /// Each page's page lock.
    pub page: [Option<u8>; MAX_PAGES],
    /// `mmap_lock` held for writing, across steps.
    pub mmap_writer: Option<u8>,
    /// CPUs holding `mmap_lock` for reading across steps, as a bitmask.
    pub mmap_readers: u8,
}

/// The whole modelled machine at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    /// How many CPUs exist (1..=[`MAX_CPUS`]); entries beyond it stay empty.
    pub cpus: u8,
    /// How many virtual pages are mapped (1..=[`MAX_PAGES`]).
    pub vpages: u8,
    /// How many distinct pages they map.
    pub pages: u8,
    /// Each virtual page's PTE.
    pub pte: [Pte; MAX_PAGES],
    /// Each CPU's TLB entry for each virtual page.
    pub tlb: [[Option<TlbEntry>; MAX_PAGES]; MAX_CPUS],
    /// Each virtual page's VMA.
    pub map: [Mapping; MAX_PAGES],
    /// The pages.
    pub page: [Page; MAX_PAGES],
    /// The frames.
    pub frame: [Frame; MAX_FRAMES],
    /// `mm->tlb_flush_pending`: how many batchers changed PTEs and have not yet flushed.
    pub tlb_flush_pending: u32,
    /// `mm->tlb_flush_batched`: reclaim cleared a PTE of this mm and batched its flush.
    pub tlb_flush_batched: bool,
    /// Each CPU's open kernel work.
    pub kernel: [Kernel; MAX_CPUS],
    /// The locks.
    pub locks: Locks,
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

    /// Both sets.
    pub fn union(self, other: CpuSet) -> CpuSet {
        CpuSet(self.0 | other.0)
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

impl State {
    /// The number of CPUs as an index bound.
    pub fn cpu_count(&self) -> usize {
        self.cpus as usize
    }

    /// The number of virtual pages as an index bound.
    pub fn vpage_count(&self) -> usize {
        self.vpages as usize
    }

    /// `mm_tlb_flush_pending(mm)`.
    pub fn mm_tlb_flush_pending(&self) -> bool {
        self.tlb_flush_pending > 0
    }

    /// `mm_tlb_flush_nested(mm)`: another batcher is pending at the same moment.
    pub fn mm_tlb_flush_nested(&self) -> bool {
        self.tlb_flush_pending > 1
    }

    /// The page virtual page `v` maps.
    pub fn page_of(&self, v: usize) -> usize {
        usize::from(self.map[v].page)
    }

    /// The frame holding virtual page `v`'s page, if it is in memory.
    pub fn backing(&self, v: usize) -> Option<u8> {
        self.page[self.page_of(v)].frame
    }

    /// `pte_accessible(mm, pte)` for virtual page `v` under `variant`: whether the hardware may
    /// still hold a translation for it, so that `ptep_clear_flush` must flush (docs/model.md §2.3).
    pub fn pte_accessible(&self, v: usize, variant: &Variant) -> bool {
        let pte = self.pte[v];
        let pending = self.mm_tlb_flush_pending();
        match variant.arch {
            // x86: present, or PROT_NONE while a flush is pending (20841405940e).
            Arch::X86 => {
                pte.present || (pte.protnone && pending && variant.has(Fix::PteAccessiblePending))
            }
            // arm64: pending ? present : valid (07509e10dcc7); before it, valid and young.
            Arch::Arm64 => {
                if pending {
                    pte.present || pte.protnone
                } else if variant.has(Fix::Arm64AccessibleOld) {
                    pte.present
                } else {
                    pte.present && pte.young
                }
            }
        }
    }

    /// CPUs whose entry for virtual page `v` lets a store complete without the PTE learning of it.
    pub fn stale_cpus(&self, v: usize) -> CpuSet {
        (0..self.cpu_count())
            .filter(|&c| self.tlb[c][v].is_some_and(|e| e.stale_for(self.pte[v])))
            .fold(CpuSet::EMPTY, CpuSet::with)
    }

    /// CPUs whose entry for virtual page `v` allows a store the PTE would fault.
    pub fn permissive_cpus(&self, v: usize) -> CpuSet {
        (0..self.cpu_count())
            .filter(|&c| self.tlb[c][v].is_some_and(|e| e.more_permissive_than(self.pte[v])))
            .fold(CpuSet::EMPTY, CpuSet::with)
    }

    /// CPUs that hold an entry for virtual page `v`.
    pub fn cpus_with_entries(&self, v: usize) -> CpuSet {
        (0..self.cpu_count())
            .filter(|&c| self.tlb[c][v].is_some())
            .fold(CpuSet::EMPTY, CpuSet::with)
    }

    /// Empties the entries of `cpus` for virtual page `v`; returns the CPUs that held one.
    pub fn flush_page(&mut self, v: usize, cpus: CpuSet) -> CpuSet {
        let held = CpuSet(self.cpus_with_entries(v).0 & cpus.0);
        for c in cpus.iter() {
            self.tlb[c][v] = None;
        }
        held
    }

    /// Empties every entry of `cpus` (a flush of the whole mm); returns the CPUs that held one.
    pub fn flush_mm(&mut self, cpus: CpuSet) -> CpuSet {
        let mut held = CpuSet::EMPTY;
        for v in 0..self.vpage_count() {
            held = held.union(self.flush_page(v, cpus));
        }
        held
    }

    /// Every CPU of the machine.
    pub fn all_cpus(&self) -> CpuSet {
        CpuSet::first(self.cpu_count())
    }

    /// Whether a file page holds data that neither PG_dirty nor a dirty PTE records: the next
    /// reclaim would drop it (the "at risk" verdict). Returns the page.
    pub fn unrecorded_data(&self) -> Option<usize> {
        (0..usize::from(self.pages)).find(|&p| {
            let page = self.page[p];
            let Some(f) = page.frame else { return false };
            let frame = self.frame[usize::from(f)];
            page.kind == PageKind::File
                && frame.data != page.disk
                && !frame.pg_dirty
                && !(0..self.vpage_count())
                    .any(|v| self.pte[v].present && self.pte[v].frame == f && self.pte[v].dirty)
        })
    }

    /// What [`State::unrecorded_data`] reads: the search keeps these variables in every state.
    pub fn unrecorded_data_reads() -> VarSet {
        let mut set = VarSet::EMPTY;
        for p in 0..MAX_PAGES {
            set = set
                .with(Var::Page(p))
                .with(Var::PteBits(p))
                .with(Var::PteDirty(p));
        }
        for f in 0..MAX_FRAMES {
            set = set.with(Var::Frame(f));
        }
        set
    }

    /// A frame for a new copy of page `page`: one never used, else one freed (whose old owner may
    /// still write to it through a stale entry). `None` when all are in use.
    pub fn alloc_frame(&mut self, page: usize) -> Option<u8> {
        let pick = (0..MAX_FRAMES)
            .find(|&f| self.frame[f].status == FrameStatus::Free)
            .or_else(|| (0..MAX_FRAMES).find(|&f| self.frame[f].status == FrameStatus::Freed))?;
        self.frame[pick] = Frame {
            status: FrameStatus::Used,
            page: page as u8,
            ..Frame::default()
        };
        Some(pick as u8)
    }

    /// Returns a frame to the allocator.
    pub fn free_frame(&mut self, f: u8) {
        let frame = &mut self.frame[usize::from(f)];
        frame.status = FrameStatus::Freed;
        frame.pg_dirty = false;
        frame.lazyfree = false;
        frame.mapcount = 0;
        frame.shared = false;
    }

    /// Whether some kernel path holds a reference to frame `f` beyond the page cache's and the
    /// mappings' (a gather's batch, a copy in progress, a removal waiting for a flush): reclaim's
    /// `__remove_mapping()` cannot free such a page.
    pub fn frame_referenced(&self, f: u8) -> bool {
        self.kernel[..self.cpu_count()].iter().any(|k| {
            k.gather.is_some_and(|g| (g.frees | g.refs) & (1 << f) != 0)
                || k.copy.is_some_and(|c| c.from == f || c.to == f)
                || k.delayed_rmap == Some(f)
        })
    }

    /// The CPU other than `cpu` holding the page-table lock, if one does.
    pub fn ptl_held_by_other(&self, cpu: usize) -> Option<usize> {
        self.locks.ptl.map(usize::from).filter(|&c| c != cpu)
    }

    /// The CPU other than `cpu` holding `mmap_lock` for writing, if one does.
    pub fn mmap_writer_other(&self, cpu: usize) -> Option<usize> {
        self.locks
            .mmap_writer
            .map(usize::from)
            .filter(|&c| c != cpu)
    }

    /// A CPU other than `cpu` holding `mmap_lock` (for reading or writing), if one does.
    pub fn mmap_holder_other(&self, cpu: usize) -> Option<usize> {
        self.mmap_writer_other(cpu)
            .or_else(|| CpuSet(self.locks.mmap_readers & !(1 << cpu)).iter().next())
    }

    /// The CPU other than `cpu` holding page `p`'s page lock, if one does.
    pub fn page_lock_other(&self, p: usize, cpu: usize) -> Option<usize> {
        self.locks.page[p].map(usize::from).filter(|&c| c != cpu)
    }
}

/// Bits of a value, for [`State`]'s hash.
fn bits(flags: &[bool]) -> u64 {
    flags
        .iter()
        .enumerate()
        .fold(0, |w, (i, &b)| w | (u64::from(b) << i))
}

fn opt_u8(x: Option<u8>) -> u64 {
    x.map_or(0, |v| u64::from(v) + 1)
}

impl Pte {
    /// The PTE in one word.
    fn word(self) -> u64 {
        bits(&[
            self.present,
            self.write,
            self.dirty,
            self.young,
            self.soft_dirty,
            self.protnone,
            self.uffd_wp,
            self.migration,
        ]) | u64::from(self.frame) << 8
    }
}

/// The explorer stores millions of states and hashes each: the derived hash would feed the hasher
/// every field of every CPU slot (hundreds of rounds; 40% of an exact search's time). This one packs
/// the fields of the CPUs and pages that exist into a few words. Equal states hash equally (it reads
/// only fields, and unused slots are always empty); `tests/footprints.rs` checks that every variable
/// feeds it.
impl std::hash::Hash for State {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let (cpus, vpages) = (self.cpu_count(), self.vpage_count());
        h.write_u64(
            u64::from(self.cpus)
                | u64::from(self.vpages) << 8
                | u64::from(self.pages) << 16
                | u64::from(self.tlb_flush_pending) << 24
                | u64::from(self.tlb_flush_batched) << 56,
        );
        for v in 0..vpages {
            let m = self.map[v];
            let map = bits(&[
                m.vm_write,
                m.write_revoked,
                m.soft_dirty_armed,
                m.zapping,
                m.unmapped,
            ]) | u64::from(m.page) << 8;
            h.write_u64(self.pte[v].word() | map << 16);
            // Each CPU's entry in 11 bits: present, writable, dirty, frame.
            let mut tlb = 0u128;
            for c in 0..cpus {
                let e = self.tlb[c][v].map_or(0, |e| {
                    1 | u128::from(e.writable) << 1
                        | u128::from(e.dirty) << 2
                        | u128::from(e.frame) << 3
                });
                tlb |= e << (11 * c);
            }
            h.write_u128(tlb);
        }
        for p in &self.page[..usize::from(self.pages)] {
            h.write_u64(u64::from(p.disk) | u64::from(p.writes) << 32);
            h.write_u64(
                bits(&[p.kind == PageKind::Anon, p.madv_freed, p.rewritten]) | opt_u8(p.frame) << 8,
            );
        }
        for f in &self.frame {
            h.write_u64(
                u64::from(f.data)
                    | (f.status as u64) << 32
                    | u64::from(f.page) << 34
                    | u64::from(f.mapcount) << 42
                    | bits(&[f.pg_dirty, f.lazyfree, f.shared]) << 50,
            );
        }
        for k in &self.kernel[..cpus] {
            let g = k.gather.map_or(0, |g| {
                1 | (g.kind as u64) << 1
                    | bits(&[g.raised_pending, g.fullmm, g.cleared]) << 4
                    | u64::from(g.frees) << 8
                    | u64::from(g.zapped) << 16
                    | u64::from(g.refs) << 24
            });
            let d = k.deferred.map_or(0, |d| {
                1 | u64::from(d.raised) << 1 | u64::from(d.pages) << 2
            });
            h.write_u64(
                g | d << 32
                    | bits(&[k.ubc.flush_required, k.ubc.writable, k.owed_flush]) << 44
                    | opt_u8(k.delayed_rmap) << 48,
            );
            if let Some(c) = k.copy {
                h.write_u64(
                    1 | (c.kind as u64) << 1
                        | u64::from(c.vpage) << 4
                        | u64::from(c.from) << 8
                        | u64::from(c.to) << 16
                        | c.orig.word() << 24,
                );
            }
        }
        let l = self.locks;
        h.write_u64(
            opt_u8(l.ptl)
                | opt_u8(l.page[0]) << 8
                | opt_u8(l.page[1]) << 16
                | opt_u8(l.mmap_writer) << 24
                | u64::from(l.mmap_readers) << 32,
        );
    }
}
