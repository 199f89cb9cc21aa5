//! Random small scenarios for the property tests: a few CPUs, one or two pages, short kernel-path
//! fragments that often race.

use proptest::prelude::*;
use tlbrace_core::model::initial::PageInitial;
use tlbrace_core::{Action, PageKind, PageSpec, Scenario, Step, TlbEntry};

/// Short kernel-path fragments and single actions, so that small random programs hold the paired
/// steps that race (gather … finish, inc … dec, mkclean then writeback, copies and their switch) and
/// often do harm.
pub fn fragment() -> impl Strategy<Value = Vec<Action>> {
    use Action::*;
    prop_oneof![
        6 => prop::sample::select(Action::ALL.to_vec()).prop_map(|a| vec![a]),
        3 => Just(vec![WriteToPage]),
        2 => Just(vec![CachePteInTlb]),
        2 => Just(vec![DropCleanPage]),
        2 => Just(vec![PageMkcleanOne, WritePageToDisk]),
        2 => Just(vec![TlbGatherMmu, PteWrprotect, TlbFinishMmu]),
        1 => Just(vec![TlbGatherMmu, TlbFinishMmu]),
        2 => Just(vec![IncTlbFlushPending, CleanRecordPte, DecTlbFlushPending]),
        1 => Just(vec![IncTlbFlushPending, DecTlbFlushPending]),
        1 => Just(vec![TlbGatherMmu, MadviseFreePteRange, TlbFinishMmu]),
        1 => Just(vec![ZapPteRange, PteUnmapUnlock]),
        1 => Just(vec![ChangeProtNuma, FlushTlbRange]),
        1 => Just(vec![TryToMigrateOne, MoveToNewPage]),
        1 => Just(vec![WriteProtectPage, PagesIdentical, ReplacePage]),
        1 => Just(vec![WpPageCopy, SetPteAtNotify]),
        1 => Just(vec![TryToUnmapOne, TryToUnmapFlush]),
        1 => Just(vec![Mprotect]),
    ]
}

pub fn small_scenario() -> impl Strategy<Value = Scenario> {
    let entry = prop::option::of(
        (any::<bool>(), any::<bool>()).prop_map(|(writable, dirty)| TlbEntry {
            writable,
            dirty,
            frame: 0,
        }),
    );
    (
        2usize..=3,
        prop::collection::vec((0usize..3, 0usize..2, fragment()), 1..=5),
        (0usize..3, any::<bool>()),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            0u32..3,
            0u32..3,
            0u32..4,
        ),
        prop::collection::vec(entry, 0..=3),
    )
        .prop_map(
            |(
                cpus,
                fragments,
                (pages, custom),
                (write, dirty, pg_dirty, mem, disk, pending),
                tlb,
            )| {
                let initial = if custom {
                    PageInitial {
                        write: Some(write),
                        dirty: Some(dirty),
                        pg_dirty: Some(pg_dirty),
                        mem: Some(mem),
                        disk: Some(disk),
                        tlb: Some(tlb.into_iter().take(cpus).collect()),
                        ..PageInitial::default()
                    }
                } else {
                    PageInitial::default()
                };
                // One file page; or two pages: an anonymous one and a second mapping or page.
                let specs = match pages {
                    0 => vec![PageSpec {
                        initial,
                        ..PageSpec::default()
                    }],
                    1 => vec![
                        PageSpec {
                            initial,
                            ..PageSpec::default()
                        },
                        PageSpec {
                            same_as: Some(0),
                            ..PageSpec::default()
                        },
                    ],
                    _ => vec![
                        PageSpec {
                            kind: PageKind::Anon,
                            initial,
                            ..PageSpec::default()
                        },
                        PageSpec::new(PageKind::Anon),
                    ],
                };
                let n = specs.len();
                let steps: Vec<Step> = fragments
                    .into_iter()
                    .flat_map(|(cpu, page, f)| {
                        f.into_iter().map(move |a| {
                            let page = if a.def().per_page { page % n } else { 0 };
                            Step::new(cpu % cpus, a).on(page)
                        })
                    })
                    .take(7)
                    .collect();
                let mut s = Scenario {
                    pages: specs,
                    steps,
                    ..Scenario::new(cpus)
                };
                s.initial.tlb_flush_pending = custom.then_some(pending);
                s
            },
        )
}
