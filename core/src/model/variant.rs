//! Kernel variants: the policies that differ between the kernels the seed thread argues about, and the
//! named presets for each proposal. Users may combine the policies freely.

use serde::{Deserialize, Serialize};

/// The test `page_mkclean_one` uses to decide that a PTE needs neither a flush nor cleaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipTest {
    /// `!pte_dirty(pte) && !pte_write(pte)`: every mainline kernel.
    Mainline,
    /// `... && !mm_tlb_flush_pending(mm)`: Yu Zhao's fix, which distrusts the PTE while a flush is owed.
    ChecksPending,
    /// Never skip: `page_mkclean_one` always flushes and cleans. Not a kernel anyone shipped; the
    /// reference that shows what the skip test buys and what it risks.
    Never,
}

/// What clear_refs' `tlb_gather_mmu` / `tlb_finish_mmu` pair does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Batching {
    /// v5.10: the gather raises pending; the finish flushes only when another batcher is pending at the
    /// same moment (`mm_tlb_flush_nested`), since clear_refs recorded nothing to invalidate.
    NestedOnly,
    /// Will Deacon's patch 4/6: every write-protected PTE is recorded, so the finish always flushes.
    Recorded,
    /// v5.12 (912efa17e512): `inc_tlb_flush_pending` … `flush_tlb_mm`, no mmu_gather at all.
    Mm,
    /// Yu Zhao's proposal: clear_refs takes no gather; both steps do nothing.
    None,
}

/// Whether clear_refs gathers the whole address space (`tlb_gather_mmu_fullmm`) or a range.
/// Only matters for [`Batching::NestedOnly`] and [`Batching::Recorded`], which use an mmu_gather.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GatherMode {
    /// v5.10's `tlb_gather_mmu(&tlb, mm, 0, -1)`, a fullmm gather.
    Fullmm,
    /// Will Deacon's patch 6/6: `tlb_gather_mmu(&tlb, mm, 0, TASK_SIZE)`.
    Ranged,
}

/// The architecture's `tlb_flush()`: they differ only for a fullmm gather.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arch {
    /// A fullmm finish that flushes, flushes the whole mm.
    X86,
    /// A fullmm finish that is not nested invalidates nothing: arm64 assumes the ASID dies with the mm.
    /// (arm64 had no soft-dirty in v5.10, so its clear_refs write-protect is hypothetical.)
    Arm64,
}

/// A kernel, as the set of policies that decide the races.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// `page_mkclean_one`'s skip test.
    pub skip_test: SkipTest,
    /// clear_refs' batching.
    pub batching: Batching,
    /// clear_refs' gather mode (only meaningful with an mmu_gather).
    pub gather_mode: GatherMode,
    /// The architecture.
    pub arch: Arch,
}

/// The variants the seed thread names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Preset {
    /// Mainline when the thread was written.
    #[serde(rename = "v5.10-rc4")]
    V5_10Rc4,
    /// Will Deacon's series v1, patches 4/6 and 6/6.
    #[serde(rename = "will-4+6")]
    Will4And6,
    /// Yu Zhao's proposal: `page_mkclean_one` checks `mm_tlb_flush_pending`, clear_refs takes no gather.
    #[serde(rename = "yu-fix")]
    YuFix,
    /// Minchan Kim's suggestion: Yu Zhao's fix, keeping clear_refs' final flush.
    #[serde(rename = "yu-fix+flush")]
    YuFixFlush,
    /// What mainline merged (912efa17e512); `page_mkclean_one` unchanged to this day.
    #[serde(rename = "v5.12")]
    V5_12,
}

impl Preset {
    /// Every preset, in the order the thread meets them.
    pub const ALL: [Preset; 5] = [
        Preset::V5_10Rc4,
        Preset::Will4And6,
        Preset::YuFix,
        Preset::YuFixFlush,
        Preset::V5_12,
    ];

    /// The preset's name, as in the scenario format and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Preset::V5_10Rc4 => "v5.10-rc4",
            Preset::Will4And6 => "will-4+6",
            Preset::YuFix => "yu-fix",
            Preset::YuFixFlush => "yu-fix+flush",
            Preset::V5_12 => "v5.12",
        }
    }

    /// Where the preset comes from.
    pub fn source(self) -> &'static str {
        match self {
            Preset::V5_10Rc4 => "mainline when the thread was written",
            Preset::Will4And6 => "Will Deacon's series v1, patches 4/6 and 6/6",
            Preset::YuFix => "Yu Zhao's proposal in the thread",
            Preset::YuFixFlush => "Minchan Kim's suggestion: the fix, keeping the final flush",
            Preset::V5_12 => "merged for v5.12 (912efa17e512)",
        }
    }

    /// The preset's policies, on x86.
    pub fn variant(self) -> Variant {
        let (skip_test, batching, gather_mode) = match self {
            Preset::V5_10Rc4 => (SkipTest::Mainline, Batching::NestedOnly, GatherMode::Fullmm),
            Preset::Will4And6 => (SkipTest::Mainline, Batching::Recorded, GatherMode::Ranged),
            Preset::YuFix => (SkipTest::ChecksPending, Batching::None, GatherMode::Ranged),
            Preset::YuFixFlush => (SkipTest::ChecksPending, Batching::Mm, GatherMode::Ranged),
            Preset::V5_12 => (SkipTest::Mainline, Batching::Mm, GatherMode::Ranged),
        };
        Variant {
            skip_test,
            batching,
            gather_mode,
            arch: Arch::X86,
        }
    }

    /// Finds a preset by name.
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl Variant {
    /// Whether clear_refs uses an mmu_gather whose fullmm-ness matters.
    pub fn uses_gather_mode(self) -> bool {
        matches!(self.batching, Batching::NestedOnly | Batching::Recorded)
    }

    /// The same variant with the settings that cannot matter reset, so equal behaviour compares equal.
    pub fn normalized(self) -> Variant {
        let gather_mode = if self.uses_gather_mode() {
            self.gather_mode
        } else {
            GatherMode::Ranged
        };
        Variant {
            gather_mode,
            ..self
        }
    }

    /// The preset whose policies these are, ignoring the arch.
    pub fn preset(self) -> Option<Preset> {
        let me = Variant {
            arch: Arch::X86,
            ..self
        }
        .normalized();
        Preset::ALL.into_iter().find(|p| p.variant() == me)
    }

    /// The same variant on another architecture.
    pub fn on(self, arch: Arch) -> Variant {
        Variant { arch, ..self }
    }

    /// A short name: the preset's (with `@arm64` when on arm64), else `custom`.
    pub fn name(self) -> String {
        let base = self.preset().map_or("custom", Preset::name);
        match self.arch {
            Arch::X86 => base.to_string(),
            Arch::Arm64 => format!("{base}@arm64"),
        }
    }

    /// Every policy spelled out, for a custom variant's label and the CLI's `variants` listing.
    pub fn describe(self) -> String {
        let skip = match self.skip_test {
            SkipTest::Mainline => "if !pte_dirty && !pte_write",
            SkipTest::ChecksPending => "if !pte_dirty && !pte_write && !mm_tlb_flush_pending",
            SkipTest::Never => "never (page_mkclean_one always flushes)",
        };
        let batching = match self.batching {
            Batching::NestedOnly => "nested-only",
            Batching::Recorded => "recorded",
            Batching::Mm => "mm",
            Batching::None => "none",
        };
        let mode = match (self.uses_gather_mode(), self.gather_mode) {
            (false, _) => "",
            (true, GatherMode::Fullmm) => ", fullmm gather",
            (true, GatherMode::Ranged) => ", ranged gather",
        };
        let arch = match self.arch {
            Arch::X86 => "x86",
            Arch::Arm64 => "arm64",
        };
        format!("skip {skip}; clear_refs batching {batching}{mode}; {arch}")
    }

    /// Parses a variant name as the CLI takes it: a preset name, optionally followed by `@arm64` or `@x86`.
    pub fn parse(text: &str) -> Option<Variant> {
        let (name, arch) = match text.split_once('@') {
            Some((n, "arm64")) => (n, Arch::Arm64),
            Some((n, "x86")) => (n, Arch::X86),
            Some(_) => return None,
            None => (text, Arch::X86),
        };
        Preset::from_name(name).map(|p| p.variant().on(arch))
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
    use super::*;

    #[test]
    fn presets_round_trip_through_names() {
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.name()), Some(p));
            assert_eq!(p.variant().preset(), Some(p));
            assert_eq!(Variant::parse(p.name()), Some(p.variant()));
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
    fn irrelevant_gather_mode_does_not_make_a_custom_variant() {
        let v = Variant {
            gather_mode: GatherMode::Fullmm,
            ..Preset::V5_12.variant()
        };
        assert_eq!(v.name(), "v5.12");
        let c = Variant {
            batching: Batching::Recorded,
            ..Preset::YuFix.variant()
        };
        assert_eq!(c.name(), "custom");
    }
}
