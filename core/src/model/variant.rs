//! Kernel variants as data. Every kernel commit that decides one of the races is one row of the fix
//! table ([`Fix::def`]): its commit, its first release, the function it changes and what it changes
//! there. The model asks "is this fix on?" at exactly one hook per row (docs/model.md §5). A
//! [`Variant`] is a set of fixes plus an architecture; a [`Preset`] names one: a kernel release (every
//! fix merged by then) or a proposal from a thread (a release plus the proposal's patches).

use serde::{Deserialize, Serialize};
use strum::EnumCount;

/// A commit (or proposed patch) that changes how one race plays out.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, EnumCount,
)]
#[serde(rename_all = "kebab-case")]
pub enum Fix {
    /// 20841405940e (v3.13): `pte_accessible()` counts a PROT_NONE PTE as reachable while a flush is
    /// pending; `change_protection_range` raises `mm->tlb_flush_pending` around its walk.
    PteAccessiblePending,
    /// 1cf35d47712d (v3.15): `zap_pte_range` flushes before dropping the page-table lock when it
    /// dirtied a file page.
    ZapFlushUnderPtl,
    /// 72b252aed506 (v4.3): reclaim's `try_to_unmap_one` batches its flush (a change, not a fix).
    BatchedUnmapFlush,
    /// 3ea277194daa (v4.13): mprotect, zap and MADV_FREE call `flush_tlb_batched_pending` first.
    FlushBatchedPending,
    /// 16af97dc5a89 (v4.13): `tlb_flush_pending` is a counter, not a flag.
    PendingCounter,
    /// b3a81d0841a9 (v4.13): KSM's `write_protect_page` flushes when a flush is pending; clear_refs
    /// takes an mmu_gather (fullmm) so that it raises the count.
    KsmChecksPending,
    /// 99baac21e458 (v4.13): `tlb_gather_mmu` raises the count and `tlb_finish_mmu` flushes when
    /// another batcher is pending (`mm_tlb_flush_nested`).
    NestedFlush,
    /// 687cb0884a71 (v4.15): the OOM reaper gathers each VMA (ranged) instead of the whole mm.
    OomReaperRanged,
    /// 7a30df49f63a (v5.2): the nested flush is a fullmm flush with `freed_tables`, which arm64 honours.
    NestedFullmm,
    /// 0758cd830494 (v5.6): a finish that cleared nothing flushes nothing, fullmm included (a change).
    ElideEmptyFinish,
    /// ff1712f953e2 (v5.10-rc6, arm64): `pte_wrprotect()` keeps the hardware dirty state.
    Arm64WrprotectKeepsDirty,
    /// 07509e10dcc7 (v5.10-rc6, arm64): `pte_accessible()` is true for an old but valid PTE.
    Arm64AccessibleOld,
    /// 29a951dfb3c3 (v5.11): clear_refs holds `mmap_write_lock` for its whole walk.
    ClearRefsWriteLock,
    /// 912efa17e512 (v5.12): clear_refs takes no mmu_gather; soft-dirty clearing does
    /// `inc_tlb_flush_pending` … `flush_tlb_mm` … `dec_tlb_flush_pending`.
    ClearRefsFlush,
    /// 6ce64428d621 (v5.12): `do_wp_page` flushes before its COW copy when a flush is pending.
    WpCopyFlushesPending,
    /// 60bae7370896 (v6.0): `migrate_vma_collect_pmd` flushes before dropping the page-table lock.
    MigrateVmaFlushUnderPtl,
    /// 5df397dec7c4 (v6.2): `zap_pte_range` removes a dirty file page's rmap only after the flush.
    DelayRmap,
    /// Will Deacon's series v1, patch 4/6: clear_refs records each PTE it write-protects.
    WillRecords,
    /// Will Deacon's series v1, patch 6/6: clear_refs gathers a range, not the whole mm.
    WillRanged,
    /// Yu Zhao's proposal: `page_mkclean_one` does not skip while `mm_tlb_flush_pending`.
    YuMkcleanPending,
    /// Yu Zhao's proposal: clear_refs takes no mmu_gather at all.
    YuNoGather,
    /// A reference, not a kernel: `page_mkclean_one` never skips.
    MkcleanNeverSkips,
}

/// What kind of row a fix is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixKind {
    /// A merged fix for a race.
    Fix,
    /// A merged change that opened or shaped a race without fixing one.
    Change,
    /// A patch proposed on a list, not merged as such.
    Proposal,
    /// Not a kernel anyone shipped: a reference point.
    Reference,
}

/// One row of the fix table.
#[derive(Clone, Copy, Debug)]
pub struct FixDef {
    /// The fix.
    pub fix: Fix,
    /// Its name in variant specs and the CLI (kebab-case, as serialised).
    pub name: &'static str,
    /// The commit id (12 hex digits), or where a proposal was posted.
    pub commit: &'static str,
    /// The first release that has it; `None` for proposals and references.
    pub release: Option<Release>,
    /// Fix, change, proposal or reference.
    pub kind: FixKind,
    /// The commit's subject, or the proposal's.
    pub title: &'static str,
    /// The kernel function where the model asks whether it is on.
    pub hook: &'static str,
    /// What it changes there, in one sentence.
    pub summary: &'static str,
    /// The architecture it applies to, when only one.
    pub arch: Option<Arch>,
}

/// A kernel release, comparable: `v5.10-rc4` < `v5.10-rc6` < `v5.10` < `v5.11`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Release {
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
    /// Release candidate; 0 for the release itself (ordered last).
    pub rc: u8,
}

impl Release {
    const fn v(major: u8, minor: u8) -> Release {
        Release {
            major,
            minor,
            rc: 0,
        }
    }

    const fn rc(major: u8, minor: u8, rc: u8) -> Release {
        Release { major, minor, rc }
    }

    fn key(self) -> (u8, u8, u8) {
        (
            self.major,
            self.minor,
            if self.rc == 0 { u8::MAX } else { self.rc },
        )
    }

    /// Whether `self` is this release or an earlier one.
    pub fn at_or_before(self, other: Release) -> bool {
        self.key() <= other.key()
    }
}

impl std::fmt::Display for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.rc {
            0 => write!(f, "v{}.{}", self.major, self.minor),
            rc => write!(f, "v{}.{}-rc{rc}", self.major, self.minor),
        }
    }
}

/// One row of the table, positional so that the table reads as one: the lint's limit does not fit a
/// table row.
#[allow(clippy::too_many_arguments)]
const fn row(
    fix: Fix,
    name: &'static str,
    commit: &'static str,
    release: Option<Release>,
    kind: FixKind,
    title: &'static str,
    hook: &'static str,
    summary: &'static str,
) -> FixDef {
    FixDef {
        fix,
        name,
        commit,
        release,
        kind,
        title,
        hook,
        summary,
        arch: None,
    }
}

const fn arm64(def: FixDef) -> FixDef {
    FixDef {
        arch: Some(Arch::Arm64),
        ..def
    }
}

/// The fix table, in [`Fix`]'s order (checked when the crate compiles).
pub const FIXES: [FixDef; Fix::COUNT] = [
    row(
        Fix::PteAccessiblePending,
        "pte-accessible-pending",
        "20841405940e",
        Some(Release::v(3, 13)),
        FixKind::Fix,
        "mm: fix TLB flush race between migration, and change_protection_range",
        "pte_accessible",
        "a PROT_NONE (NUMA hinting) PTE counts as reachable while mm->tlb_flush_pending is raised, \
         so ptep_clear_flush flushes it; change_protection_range raises the count around its walk",
    ),
    row(
        Fix::ZapFlushUnderPtl,
        "zap-flush-under-ptl",
        "1cf35d47712d",
        Some(Release::v(3, 15)),
        FixKind::Fix,
        "mm: split 'tlb_flush_mmu()' into tlb flushing and memory freeing parts",
        "zap_pte_range",
        "when it zapped a dirty file PTE (set_page_dirty), zap_pte_range flushes before \
         pte_unmap_unlock, so page_mkclean cannot take the page-table lock while a CPU still writes",
    ),
    row(
        Fix::BatchedUnmapFlush,
        "batched-unmap-flush",
        "72b252aed506",
        Some(Release::v(4, 3)),
        FixKind::Change,
        "mm: send one IPI per CPU to TLB flush all entries after unmapping pages",
        "try_to_unmap_one",
        "reclaim clears PTEs with ptep_get_and_clear and batches the flush \
         (set_tlb_ubc_flush_pending) until try_to_unmap_flush",
    ),
    row(
        Fix::FlushBatchedPending,
        "flush-batched-pending",
        "3ea277194daa",
        Some(Release::v(4, 13)),
        FixKind::Fix,
        "mm, mprotect: flush TLB if potentially racing with a parallel reclaim leaving stale TLB entries",
        "flush_tlb_batched_pending",
        "change_pte_range, zap_pte_range and madvise_free_pte_range flush the whole mm first when \
         reclaim has batched a flush (mm->tlb_flush_batched)",
    ),
    row(
        Fix::PendingCounter,
        "pending-counter",
        "16af97dc5a89",
        Some(Release::v(4, 13)),
        FixKind::Fix,
        "mm: migrate: prevent racy access to tlb_flush_pending",
        "inc_tlb_flush_pending",
        "mm->tlb_flush_pending counts batchers (inc/dec) instead of being a flag that one batcher \
         clears while another is still pending",
    ),
    row(
        Fix::KsmChecksPending,
        "ksm-checks-pending",
        "b3a81d0841a9",
        Some(Release::v(4, 13)),
        FixKind::Fix,
        "mm: fix KSM data corruption",
        "write_protect_page",
        "KSM's write_protect_page does not trust a clean read-only PTE while mm_tlb_flush_pending; \
         clear_refs takes a fullmm mmu_gather so that it raises the count",
    ),
    row(
        Fix::NestedFlush,
        "nested-flush",
        "99baac21e458",
        Some(Release::v(4, 13)),
        FixKind::Fix,
        "mm: fix MADV_[FREE|DONTNEED] TLB flush miss problem",
        "tlb_finish_mmu",
        "tlb_gather_mmu raises mm->tlb_flush_pending and tlb_finish_mmu flushes its whole range when \
         another batcher is pending (mm_tlb_flush_nested)",
    ),
    row(
        Fix::OomReaperRanged,
        "oom-reaper-ranged",
        "687cb0884a71",
        Some(Release::v(4, 15)),
        FixKind::Fix,
        "mm, oom_reaper: gather each vma to prevent leaking TLB entry",
        "__oom_reap_task_mm",
        "the OOM reaper gathers each VMA's range instead of the whole mm (fullmm), which arm64 did \
         not flush while other threads still ran",
    ),
    row(
        Fix::NestedFullmm,
        "nested-fullmm",
        "7a30df49f63a",
        Some(Release::v(5, 2)),
        FixKind::Fix,
        "mm: mmu_gather: remove __tlb_reset_range() for force flush",
        "tlb_finish_mmu",
        "the nested flush becomes a fullmm flush with freed_tables set, which arm64's tlb_flush turns \
         into flush_tlb_mm instead of nothing",
    ),
    row(
        Fix::ElideEmptyFinish,
        "elide-empty-finish",
        "0758cd830494",
        Some(Release::v(5, 6)),
        FixKind::Change,
        "asm-generic/tlb: avoid potential double flush",
        "tlb_flush_mmu_tlbonly",
        "a finish that cleared no PTE and freed no table flushes nothing, a fullmm one included \
         (before, a fullmm finish always flushed on x86)",
    ),
    arm64(row(
        Fix::Arm64WrprotectKeepsDirty,
        "arm64-wrprotect-keeps-dirty",
        "ff1712f953e2",
        Some(Release::rc(5, 10, 6)),
        FixKind::Fix,
        "arm64: pgtable: Ensure dirty bit is preserved across pte_wrprotect()",
        "pte_wrprotect",
        "arm64's pte_wrprotect moves the hardware dirty state (DBM: writable, not read-only) into \
         the software dirty bit instead of losing it",
    )),
    arm64(row(
        Fix::Arm64AccessibleOld,
        "arm64-accessible-old",
        "07509e10dcc7",
        Some(Release::rc(5, 10, 6)),
        FixKind::Fix,
        "arm64: pgtable: Fix pte_accessible()",
        "pte_accessible",
        "arm64's pte_accessible is true for any valid PTE, old ones included, so ptep_clear_flush \
         flushes entries that pte_mkold left in TLBs",
    )),
    row(
        Fix::ClearRefsWriteLock,
        "clear-refs-write-lock",
        "29a951dfb3c3",
        Some(Release::rc(5, 11, 4)),
        FixKind::Fix,
        "mm: fix clear_refs_write locking",
        "clear_refs_write",
        "clear_refs holds mmap_write_lock for its whole walk, so no page fault (mmap_read_lock) runs \
         while PTEs are write-protected and not yet flushed",
    ),
    row(
        Fix::ClearRefsFlush,
        "clear-refs-flush",
        "912efa17e512",
        Some(Release::rc(5, 12, 1)),
        FixKind::Fix,
        "mm: proc: Invalidate TLB after clearing soft-dirty page state",
        "clear_refs_write",
        "clear_refs takes no mmu_gather; clearing soft-dirty does inc_tlb_flush_pending, the walk, \
         flush_tlb_mm and dec_tlb_flush_pending; aging neither raises the count nor flushes",
    ),
    row(
        Fix::WpCopyFlushesPending,
        "wp-copy-flushes-pending",
        "6ce64428d621",
        Some(Release::rc(5, 12, 3)),
        FixKind::Fix,
        "mm/userfaultfd: fix memory corruption due to writeprotect",
        "do_wp_page",
        "do_wp_page flushes the page before its COW copy when mm_tlb_flush_pending, so no CPU writes \
         the old page after it was copied",
    ),
    row(
        Fix::MigrateVmaFlushUnderPtl,
        "migrate-vma-flush-under-ptl",
        "60bae7370896",
        Some(Release::v(6, 0)),
        FixKind::Fix,
        "mm/migrate_device.c: flush TLB while holding PTL",
        "migrate_vma_collect_pmd",
        "migrate_vma_collect_pmd flushes the PTEs it cleared before pte_unmap_unlock, so a \
         MADV_DONTNEED that sees them non-present cannot return while the page is still reachable",
    ),
    row(
        Fix::DelayRmap,
        "delay-rmap",
        "5df397dec7c4",
        Some(Release::rc(6, 2, 1)),
        FixKind::Fix,
        "mm: delay page_remove_rmap() until after the TLB has been flushed",
        "zap_pte_range",
        "zap_pte_range removes a dirty file page's rmap only after the forced flush, so page_mkclean \
         still sees the page mapped and waits for the page-table lock",
    ),
    row(
        Fix::WillRecords,
        "will-records",
        "Will Deacon, [PATCH 4/6] mm: proc: Invalidate TLB after clearing soft-dirty page state (v1)",
        None,
        FixKind::Proposal,
        "mm: proc: Invalidate TLB after clearing soft-dirty page state (v1)",
        "clear_soft_dirty",
        "clear_refs records each PTE it write-protects (tlb_remove_tlb_entry), so its tlb_finish_mmu \
         flushes",
    ),
    row(
        Fix::WillRanged,
        "will-ranged",
        "Will Deacon, [PATCH 6/6] mm: proc: Avoid fullmm flush for young/dirty bit toggling",
        None,
        FixKind::Proposal,
        "mm: proc: Avoid fullmm flush for young/dirty bit toggling",
        "clear_refs_write",
        "clear_refs gathers 0..TASK_SIZE instead of the whole mm, so architectures that elide fullmm \
         invalidation (arm64) still flush",
    ),
    row(
        Fix::YuMkcleanPending,
        "yu-mkclean-pending",
        "Yu Zhao, reply to [PATCH 6/6], linux-arm-kernel, 23 Nov 2020",
        None,
        FixKind::Proposal,
        "page_mkclean_one checks mm_tlb_flush_pending",
        "page_mkclean_one",
        "page_mkclean_one skips a clean read-only PTE only when no flush is pending: \
         !pte_dirty && !pte_write && !mm_tlb_flush_pending",
    ),
    row(
        Fix::YuNoGather,
        "yu-no-gather",
        "Yu Zhao, reply to [PATCH 6/6], linux-arm-kernel, 23 Nov 2020",
        None,
        FixKind::Proposal,
        "clear_refs takes no mmu_gather",
        "clear_refs_write",
        "clear_refs neither gathers nor raises mm->tlb_flush_pending nor flushes",
    ),
    row(
        Fix::MkcleanNeverSkips,
        "mkclean-never-skips",
        "(reference)",
        None,
        FixKind::Reference,
        "page_mkclean_one never skips",
        "page_mkclean_one",
        "page_mkclean_one always flushes and cleans: what the skip test buys and what it risks",
    ),
];

const _: () = {
    let mut i = 0;
    while i < FIXES.len() {
        assert!(FIXES[i].fix as usize == i, "FIXES is out of Fix's order");
        i += 1;
    }
};

impl Fix {
    /// Every fix, in table order.
    pub const ALL: [Fix; Fix::COUNT] = {
        let mut all = [Fix::PteAccessiblePending; Fix::COUNT];
        let mut i = 0;
        while i < Fix::COUNT {
            all[i] = FIXES[i].fix;
            i += 1;
        }
        all
    };

    /// The fix's row.
    pub fn def(self) -> &'static FixDef {
        &FIXES[self as usize]
    }

    /// Its name in variant specs (`clear-refs-flush`).
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// Finds a fix by its name or its commit id (12 or more hex digits).
    pub fn from_name(name: &str) -> Option<Fix> {
        Fix::ALL.into_iter().find(|f| {
            let d = f.def();
            d.name == name || (name.len() >= 7 && d.commit.starts_with(name))
        })
    }
}

/// A set of fixes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FixSet(u32);

impl FixSet {
    /// No fix.
    pub const EMPTY: FixSet = FixSet(0);

    /// The set of these fixes.
    pub const fn of(fixes: &[Fix]) -> FixSet {
        let mut bits = 0;
        let mut i = 0;
        while i < fixes.len() {
            bits |= 1 << fixes[i] as u32;
            i += 1;
        }
        FixSet(bits)
    }

    /// Whether `fix` is in the set.
    pub fn has(self, fix: Fix) -> bool {
        self.0 & 1 << fix as u32 != 0
    }

    /// The set with `fix` added.
    pub const fn with(self, fix: Fix) -> FixSet {
        FixSet(self.0 | 1 << fix as u32)
    }

    /// The set without `fix`.
    pub const fn without(self, fix: Fix) -> FixSet {
        FixSet(self.0 & !(1 << fix as u32))
    }

    /// Both sets together.
    pub const fn union(self, other: FixSet) -> FixSet {
        FixSet(self.0 | other.0)
    }

    /// Only the fixes also in `other`.
    pub const fn intersect(self, other: FixSet) -> FixSet {
        FixSet(self.0 & other.0)
    }

    /// The fixes in the set, in table order.
    pub fn iter(self) -> impl Iterator<Item = Fix> {
        Fix::ALL.into_iter().filter(move |f| self.has(*f))
    }

    /// Every merged fix and change of releases up to and including `release`.
    pub fn merged_by(release: Release) -> FixSet {
        Fix::ALL
            .into_iter()
            .filter(|f| f.def().release.is_some_and(|r| r.at_or_before(release)))
            .fold(FixSet::EMPTY, FixSet::with)
    }
}

impl Serialize for FixSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(Fix::name))
    }
}

impl<'de> Deserialize<'de> for FixSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FixSet, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names.iter().try_fold(FixSet::EMPTY, |set, n| {
            Fix::from_name(n)
                .map(|f| set.with(f))
                .ok_or_else(|| serde::de::Error::custom(format!("unknown fix `{n}`")))
        })
    }
}

/// The architecture: they differ in `tlb_flush()` for a fullmm gather and in the arm64 fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arch {
    /// x86: a fullmm finish that flushes, flushes the whole mm.
    X86,
    /// arm64 with hardware dirty-bit management (DBM): a fullmm finish that freed no page tables
    /// invalidates nothing, assuming the ASID dies with the mm. (arm64 had no soft-dirty in v5.10, so
    /// its clear_refs write-protect is hypothetical.)
    Arm64,
}

impl Arch {
    /// `x86` or `arm64`.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::Arm64 => "arm64",
        }
    }
}

/// A kernel, as the set of fixes that decide the races, on an architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The fixes it has.
    pub fixes: FixSet,
    /// The architecture.
    pub arch: Arch,
}

/// Whether a preset is a kernel release or a proposal from a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PresetKind {
    /// A kernel release: every fix merged by then.
    Release,
    /// A proposal: a release plus patches posted to a list.
    Proposal,
}

/// A named variant.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, EnumCount,
)]
pub enum Preset {
    /// Before every fix in the table.
    #[serde(rename = "v3.12")]
    V3_12,
    /// 20841405940e.
    #[serde(rename = "v3.13")]
    V3_13,
    /// 1cf35d47712d.
    #[serde(rename = "v3.15")]
    V3_15,
    /// Batched unmap flushes (v4.3), before the v4.13 fixes.
    #[serde(rename = "v4.12")]
    V4_12,
    /// 3ea277194daa, 16af97dc5a89, b3a81d0841a9, 99baac21e458.
    #[serde(rename = "v4.13")]
    V4_13,
    /// 687cb0884a71.
    #[serde(rename = "v4.15")]
    V4_15,
    /// 7a30df49f63a.
    #[serde(rename = "v5.2")]
    V5_2,
    /// Mainline when the seed thread was written (0758cd830494 came in v5.6; nothing in the table
    /// between).
    #[serde(rename = "v5.10-rc4")]
    V5_10Rc4,
    /// Will Deacon's series v1, patches 4/6 and 6/6, on v5.10-rc4.
    #[serde(rename = "will-4+6")]
    Will4And6,
    /// Yu Zhao's proposal on v5.10-rc4: `page_mkclean_one` checks `mm_tlb_flush_pending`, clear_refs
    /// takes no gather.
    #[serde(rename = "yu-fix")]
    YuFix,
    /// Minchan Kim's suggestion on v5.10-rc4: Yu Zhao's fix, keeping clear_refs' final flush.
    #[serde(rename = "yu-fix+flush")]
    YuFixFlush,
    /// The arm64 fixes of v5.10-rc6.
    #[serde(rename = "v5.10")]
    V5_10,
    /// 29a951dfb3c3.
    #[serde(rename = "v5.11")]
    V5_11,
    /// What mainline merged for clear_refs (912efa17e512) and uffd-wp (6ce64428d621).
    #[serde(rename = "v5.12")]
    V5_12,
    /// 60bae7370896.
    #[serde(rename = "v6.0")]
    V6_0,
    /// 5df397dec7c4.
    #[serde(rename = "v6.2")]
    V6_2,
}

/// A preset's row.
#[derive(Clone, Copy, Debug)]
pub struct PresetDef {
    /// The preset.
    pub preset: Preset,
    /// Its name, as serialised and on the command line.
    pub name: &'static str,
    /// Release or proposal.
    pub kind: PresetKind,
    /// The release it is, or the release a proposal applies to.
    pub release: Release,
    /// A proposal's patches on top of its release.
    pub patches: &'static [Fix],
    /// Where it comes from, in a few words.
    pub source: &'static str,
}

const fn release(
    preset: Preset,
    name: &'static str,
    r: Release,
    source: &'static str,
) -> PresetDef {
    PresetDef {
        preset,
        name,
        kind: PresetKind::Release,
        release: r,
        patches: &[],
        source,
    }
}

const fn proposal(
    preset: Preset,
    name: &'static str,
    patches: &'static [Fix],
    source: &'static str,
) -> PresetDef {
    PresetDef {
        preset,
        name,
        kind: PresetKind::Proposal,
        release: Release::rc(5, 10, 4),
        patches,
        source,
    }
}

/// Every preset, in [`Preset`]'s order (checked when the crate compiles): releases by date, the seed
/// thread's proposals right after the release they apply to.
pub const PRESETS: [PresetDef; Preset::COUNT] = [
    release(Preset::V3_12, "v3.12", Release::v(3, 12), "before every fix in the table"),
    release(Preset::V3_13, "v3.13", Release::v(3, 13), "20841405940e: pte_accessible checks the pending flush"),
    release(Preset::V3_15, "v3.15", Release::v(3, 15), "1cf35d47712d: zap flushes under the page-table lock"),
    release(Preset::V4_12, "v4.12", Release::v(4, 12), "batched reclaim flushes (v4.3), before the v4.13 fixes"),
    release(Preset::V4_13, "v4.13", Release::v(4, 13), "3ea277194daa, 16af97dc5a89, b3a81d0841a9, 99baac21e458"),
    release(Preset::V4_15, "v4.15", Release::v(4, 15), "687cb0884a71: the OOM reaper gathers each VMA"),
    release(Preset::V5_2, "v5.2", Release::v(5, 2), "7a30df49f63a: the nested flush is fullmm"),
    release(Preset::V5_10Rc4, "v5.10-rc4", Release::rc(5, 10, 4), "mainline when the seed thread was written; 0758cd830494 (v5.6): a finish that cleared nothing flushes nothing"),
    proposal(Preset::Will4And6, "will-4+6", &[Fix::WillRecords, Fix::WillRanged], "Will Deacon's series v1, patches 4/6 and 6/6"),
    proposal(Preset::YuFix, "yu-fix", &[Fix::YuMkcleanPending, Fix::YuNoGather], "Yu Zhao's proposal in the thread"),
    proposal(Preset::YuFixFlush, "yu-fix+flush", &[Fix::YuMkcleanPending, Fix::ClearRefsFlush], "Minchan Kim's suggestion: the fix, keeping the final flush"),
    release(Preset::V5_10, "v5.10", Release::v(5, 10), "ff1712f953e2, 07509e10dcc7: the arm64 fixes of v5.10-rc6"),
    release(Preset::V5_11, "v5.11", Release::v(5, 11), "29a951dfb3c3: clear_refs takes mmap_write_lock"),
    release(Preset::V5_12, "v5.12", Release::v(5, 12), "912efa17e512 (clear_refs) and 6ce64428d621 (uffd-wp); page_mkclean_one unchanged to this day"),
    release(Preset::V6_0, "v6.0", Release::v(6, 0), "60bae7370896: migrate_vma_collect_pmd flushes under the page-table lock"),
    release(Preset::V6_2, "v6.2", Release::v(6, 2), "5df397dec7c4: zap removes the rmap after the flush"),
];

const _: () = {
    let mut i = 0;
    while i < PRESETS.len() {
        assert!(
            PRESETS[i].preset as usize == i,
            "PRESETS is out of Preset's order"
        );
        i += 1;
    }
};

impl Preset {
    /// Every preset, in table order.
    pub const ALL: [Preset; Preset::COUNT] = {
        let mut all = [Preset::V3_12; Preset::COUNT];
        let mut i = 0;
        while i < Preset::COUNT {
            all[i] = PRESETS[i].preset;
            i += 1;
        }
        all
    };

    /// The five variants the seed thread names, the model's first presets.
    pub const SEED: [Preset; 5] = [
        Preset::V5_10Rc4,
        Preset::Will4And6,
        Preset::YuFix,
        Preset::YuFixFlush,
        Preset::V5_12,
    ];

    /// The preset's row.
    pub fn def(self) -> &'static PresetDef {
        &PRESETS[self as usize]
    }

    /// The preset's name, as in the scenario format and the CLI.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// Where the preset comes from.
    pub fn source(self) -> &'static str {
        self.def().source
    }

    /// Its fixes: everything merged by its release, plus a proposal's patches.
    pub fn fixes(self) -> FixSet {
        let d = self.def();
        d.patches
            .iter()
            .fold(FixSet::merged_by(d.release), |s, f| s.with(*f))
    }

    /// The preset on x86.
    pub fn variant(self) -> Variant {
        Variant {
            fixes: self.fixes(),
            arch: Arch::X86,
        }
    }

    /// Finds a preset by name.
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The releases, in order (proposals left out).
    pub fn releases() -> impl Iterator<Item = Preset> {
        Preset::ALL
            .into_iter()
            .filter(|p| p.def().kind == PresetKind::Release)
    }

    /// The latest release preset that does not have `fix`, and the first one that does: where a
    /// release timeline shows the fix flipping a verdict. `None` for proposals.
    pub fn around(fix: Fix) -> Option<(Preset, Preset)> {
        let r = fix.def().release?;
        let before = Preset::releases()
            .filter(|p| !r.at_or_before(p.def().release))
            .last()?;
        let after = Preset::releases().find(|p| r.at_or_before(p.def().release))?;
        Some((before, after))
    }
}

impl Variant {
    /// The same variant on another architecture.
    pub fn on(self, arch: Arch) -> Variant {
        Variant { arch, ..self }
    }

    /// The fixes that are on: the set, less those for another architecture.
    pub fn effective(self) -> FixSet {
        self.fixes
            .iter()
            .filter(|&f| self.has(f))
            .fold(FixSet::EMPTY, FixSet::with)
    }

    /// Whether `fix` is on (a fix for another architecture never is).
    pub fn has(self, fix: Fix) -> bool {
        self.fixes.has(fix) && fix.def().arch.is_none_or(|a| a == self.arch)
    }

    /// The same variant with `fix` on or off.
    pub fn with(self, fix: Fix, on: bool) -> Variant {
        Variant {
            fixes: if on {
                self.fixes.with(fix)
            } else {
                self.fixes.without(fix)
            },
            ..self
        }
    }

    /// The preset whose fixes these are, ignoring the arch.
    pub fn preset(self) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.fixes() == self.fixes)
    }

    /// A short name: the preset's (with `@arm64` on arm64), else the nearest release with the
    /// differences (`v5.10-rc4+yu-mkclean-pending`).
    pub fn name(self) -> String {
        let base = match self.preset() {
            Some(p) => p.name().to_string(),
            None => self.spec_from_nearest_release(),
        };
        match self.arch {
            Arch::X86 => base,
            Arch::Arm64 => format!("{base}@arm64"),
        }
    }

    /// The release preset with the fewest differences, and those differences as `+fix`/`-fix`.
    fn spec_from_nearest_release(self) -> String {
        let diff = |p: Preset| {
            let f = p.fixes();
            (f.0 ^ self.fixes.0).count_ones()
        };
        let Some(base) = Preset::releases().min_by_key(|&p| diff(p)) else {
            return "custom".to_string();
        };
        let have = base.fixes();
        let mut out = base.name().to_string();
        for f in Fix::ALL {
            match (have.has(f), self.fixes.has(f)) {
                (false, true) => out.push_str(&format!("+{}", f.name())),
                (true, false) => out.push_str(&format!("-{}", f.name())),
                _ => {}
            }
        }
        out
    }

    /// Every fix spelled out with its commit, for the CLI's `variants` listing and tooltips.
    pub fn describe(self) -> String {
        let fixes: Vec<String> = self
            .fixes
            .iter()
            .filter(|f| f.def().arch.is_none_or(|a| a == self.arch))
            .map(|f| match short_commit(f.def().commit) {
                // A row with no commit says so in parentheses already: "(reference)".
                c if c.starts_with('(') => format!("{} {c}", f.name()),
                c => format!("{} ({c})", f.name()),
            })
            .collect();
        let list = if fixes.is_empty() {
            "no fixes".to_string()
        } else {
            fixes.join(", ")
        };
        format!("{list}; {}", self.arch.name())
    }

    /// Parses a variant as the CLI and scenarios write it: a preset name, then any number of
    /// `+fix` / `-fix` (a fix's name or commit id), then optionally `@arm64` or `@x86`
    /// (`v5.10-rc4+yu-mkclean-pending@arm64`). Also takes the policy form of model v1:
    /// `skip=mainline|checks-pending|never,batching=nested-only|recorded|mm|none,gather=fullmm|ranged`.
    pub fn parse(text: &str) -> Result<Variant, String> {
        let (body, arch) = match text.trim().rsplit_once('@') {
            Some((b, "arm64")) => (b, Arch::Arm64),
            Some((b, "x86")) => (b, Arch::X86),
            Some((_, a)) => return Err(format!("unknown architecture `{a}`; x86 or arm64")),
            None => (text.trim(), Arch::X86),
        };
        if body.contains('=') {
            return parse_policies(body).map(|fixes| Variant { fixes, arch });
        }
        // Preset and fix names contain `-` and `+` themselves (`v5.10-rc4`, `yu-fix+flush`): at each
        // point take the longest name that is followed by the end or by the next `+`/`-`.
        let longest = |s: &str, known: &dyn Fn(&str) -> bool| {
            (1..=s.len()).rev().find(|&i| {
                s.is_char_boundary(i)
                    && known(&s[..i])
                    && (i == s.len() || s[i..].starts_with(['+', '-']))
            })
        };
        let first_word = |s: &str| s.split(['+']).next().unwrap_or(s).to_string();
        let end = longest(body, &|n| Preset::from_name(n).is_some()).ok_or_else(|| {
            let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
            format!(
                "unknown variant `{}`; presets: {}",
                first_word(body),
                names.join(", ")
            )
        })?;
        let mut fixes = Preset::from_name(&body[..end]).map_or(FixSet::EMPTY, Preset::fixes);
        let mut rest = &body[end..];
        while let Some(sign) = rest.chars().next() {
            let tail = &rest[1..];
            let (end, fix) = longest(tail, &|n| Fix::from_name(n).is_some())
                .and_then(|end| Some((end, Fix::from_name(&tail[..end])?)))
                .ok_or_else(|| {
                    let names: Vec<&str> = Fix::ALL.iter().map(|f| f.name()).collect();
                    format!(
                        "unknown fix `{}`; fixes (or their commit ids): {}",
                        first_word(tail),
                        names.join(", ")
                    )
                })?;
            fixes = if sign == '+' {
                fixes.with(fix)
            } else {
                fixes.without(fix)
            };
            rest = &tail[end..];
        }
        Ok(Variant { fixes, arch })
    }
}

/// The model-v1 policy form of a variant, on top of v5.10-rc4.
fn parse_policies(body: &str) -> Result<FixSet, String> {
    let mut fixes = Preset::V5_10Rc4.fixes();
    for item in body.split(',') {
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| format!("`{item}` should be key=value"))?;
        match (key.trim(), value.trim()) {
            ("skip", "mainline") => {}
            ("skip", "checks-pending") => fixes = fixes.with(Fix::YuMkcleanPending),
            ("skip", "never") => fixes = fixes.with(Fix::MkcleanNeverSkips),
            ("batching", "nested-only") => {}
            ("batching", "recorded") => fixes = fixes.with(Fix::WillRecords),
            ("batching", "mm") => fixes = fixes.with(Fix::ClearRefsFlush),
            ("batching", "none") => fixes = fixes.with(Fix::YuNoGather),
            ("gather", "fullmm") => {}
            ("gather", "ranged") => fixes = fixes.with(Fix::WillRanged),
            (k, v) => {
                return Err(format!(
                    "unknown policy `{k}={v}`; skip=mainline|checks-pending|never, \
                     batching=nested-only|recorded|mm|none, gather=fullmm|ranged"
                ))
            }
        }
    }
    Ok(fixes)
}

/// A commit id as written in lists (the first 12 characters), or a proposal's poster.
fn short_commit(commit: &str) -> &str {
    if commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        &commit[..commit.len().min(12)]
    } else {
        commit.split(',').next().unwrap_or(commit)
    }
}

impl Default for Variant {
    fn default() -> Variant {
        Preset::V5_10Rc4.variant()
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_fix_without_a_commit_is_described_in_one_pair_of_parentheses() {
        let v = Preset::V5_10Rc4
            .variant()
            .with(Fix::MkcleanNeverSkips, true);
        let text = v.describe();
        assert!(text.contains("mkclean-never-skips (reference)"), "{text}");
        assert!(!text.contains("(("), "{text}");
    }

    use super::*;

    #[test]
    fn presets_round_trip_through_names() {
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.name()), Some(p));
            assert_eq!(Variant::parse(p.name()), Ok(p.variant()), "{}", p.name());
            assert_eq!(
                Variant::parse(&format!("{}@arm64", p.name())).unwrap().arch,
                Arch::Arm64
            );
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.name())
            );
        }
    }

    #[test]
    fn releases_are_cumulative_and_distinct() {
        let releases: Vec<Preset> = Preset::releases().collect();
        for pair in releases.windows(2) {
            let (a, b) = (pair[0].fixes(), pair[1].fixes());
            assert_eq!(
                a.intersect(b),
                a,
                "{} is not in {}",
                pair[0].name(),
                pair[1].name()
            );
            assert_ne!(
                a,
                b,
                "{} and {} have the same fixes",
                pair[0].name(),
                pair[1].name()
            );
        }
    }

    #[test]
    fn the_seed_presets_keep_their_meaning() {
        let base = Preset::V5_10Rc4.fixes();
        for f in [
            Fix::ElideEmptyFinish,
            Fix::NestedFlush,
            Fix::KsmChecksPending,
        ] {
            assert!(base.has(f), "{}", f.name());
        }
        for f in [
            Fix::ClearRefsFlush,
            Fix::ClearRefsWriteLock,
            Fix::Arm64AccessibleOld,
        ] {
            assert!(!base.has(f), "{}", f.name());
        }
        assert!(Preset::V5_12.fixes().has(Fix::ClearRefsFlush));
        assert!(!Preset::V5_12.fixes().has(Fix::YuMkcleanPending));
        assert!(Preset::YuFixFlush.fixes().has(Fix::ClearRefsFlush));
    }

    #[test]
    fn every_fix_has_a_before_and_an_after_release() {
        for f in Fix::ALL {
            let d = f.def();
            if d.release.is_some() {
                let (before, after) = Preset::around(f).unwrap_or_else(|| panic!("{}", d.name));
                assert!(!before.fixes().has(f) && after.fixes().has(f), "{}", d.name);
            } else {
                assert!(Preset::around(f).is_none());
            }
        }
    }

    #[test]
    fn custom_variants_parse_and_name_themselves() {
        let v = Variant::parse("v5.10-rc4+yu-mkclean-pending@arm64").unwrap();
        assert!(v.fixes.has(Fix::YuMkcleanPending));
        assert_eq!(v.arch, Arch::Arm64);
        assert_eq!(v.name(), "v5.10-rc4+yu-mkclean-pending@arm64");
        let v = Variant::parse("v5.12-clear-refs-flush").unwrap();
        assert!(!v.fixes.has(Fix::ClearRefsFlush));
        assert_eq!(
            Variant::parse("yu-fix+flush"),
            Ok(Preset::YuFixFlush.variant())
        );
        assert_eq!(
            Variant::parse("skip=checks-pending,batching=none"),
            Ok(Preset::YuFix.variant())
        );
        assert_eq!(
            Variant::parse("skip=mainline,batching=recorded,gather=ranged"),
            Ok(Preset::Will4And6.variant())
        );
        assert!(Variant::parse("v5.12+nonsense")
            .unwrap_err()
            .contains("unknown fix"));
        assert!(Variant::parse("v9")
            .unwrap_err()
            .contains("unknown variant"));
        assert_eq!(
            Variant::parse("v4.13+912efa17e512").unwrap().fixes,
            Preset::V4_13.fixes().with(Fix::ClearRefsFlush)
        );
    }

    #[test]
    fn fix_sets_serialise_as_names() {
        let v = Preset::YuFix.variant();
        let json = serde_json::to_string(&v).unwrap();
        assert!(json.contains("\"yu-no-gather\""), "{json}");
        assert_eq!(serde_json::from_str::<Variant>(&json).unwrap(), v);
    }
}
