//! Random small scenarios for the property tests: a few CPUs, one or two pages, short kernel-path
//! fragments that often race; and the parts of any scenario a document can hold, for the format
//! round trips. Each test crate uses some of them.
#![allow(dead_code)]

use proptest::prelude::*;
use tlbrace_core::model::initial::PageInitial;
use tlbrace_core::{Action, InitialState, PageKind, PageSpec, Scenario, Step, TlbEntry};

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

/// Any action of the registry.
pub fn any_action() -> impl Strategy<Value = Action> {
    prop::sample::select(Action::ALL.to_vec())
}

/// A CPU's TLB entry for a page, or none.
pub fn any_entry() -> impl Strategy<Value = Option<TlbEntry>> {
    prop::option::of(
        (any::<bool>(), any::<bool>()).prop_map(|(writable, dirty)| TlbEntry {
            writable,
            dirty,
            frame: 0,
        }),
    )
}

/// A data version or pending count for the formats: small, or anything a document can hold.
pub fn any_count() -> BoxedStrategy<Option<u32>> {
    prop::option::of(prop_oneof![0u32..4, any::<u32>()]).boxed()
}

/// Overrides of one page, each field present or not; `tlb` up to `max_tlb` entries; versions from
/// `count`.
pub fn any_page_initial_with(
    max_tlb: usize,
    count: impl Fn() -> BoxedStrategy<Option<u32>>,
) -> BoxedStrategy<PageInitial> {
    let b = || prop::option::of(any::<bool>());
    (
        (b(), b(), b(), b(), b(), b(), b()),
        (count(), count(), b(), b()),
        prop::option::of(prop::collection::vec(any_entry(), 0..=max_tlb)),
    )
        .prop_map(
            |(
                (present, write, dirty, young, soft_dirty, pg_dirty, in_page_cache),
                (mem, disk, lazyfree, shared),
                tlb,
            )| PageInitial {
                present,
                write,
                dirty,
                young,
                soft_dirty,
                pg_dirty,
                in_page_cache,
                mem,
                disk,
                tlb,
                lazyfree,
                shared,
            },
        )
        .boxed()
}

/// One or two pages of either kind, the second now and then a second mapping of the first, each
/// with any overrides: what a document can hold.
pub fn any_pages(cpus: usize) -> BoxedStrategy<Vec<PageSpec>> {
    pages_with(any_page_initial_with(cpus, any_count))
}

/// One or two pages of either kind with overrides from `initial`, the second now and then a second
/// mapping of the first (which carries none of the page's own state).
pub fn pages_with(initial: BoxedStrategy<PageInitial>) -> BoxedStrategy<Vec<PageSpec>> {
    let kind = prop_oneof![Just(PageKind::File), Just(PageKind::Anon)];
    let page = (kind, initial).prop_map(|(kind, initial)| PageSpec {
        kind,
        same_as: None,
        initial,
    });
    (page.clone(), prop::option::of((page, any::<bool>())))
        .prop_map(|(first, second)| {
            let mut pages = vec![first];
            if let Some((mut p, alias)) = second {
                if alias {
                    // A second mapping has its page's kind: the formats write none for it.
                    p.kind = PageKind::File;
                    p.same_as = Some(0);
                    let i = &mut p.initial;
                    (i.pg_dirty, i.in_page_cache, i.mem, i.disk) = (None, None, None, None);
                    (i.lazyfree, i.shared) = (None, None);
                }
                pages.push(p);
            }
            pages
        })
        .boxed()
}

/// The mm's overrides, each present or not.
pub fn any_mm() -> BoxedStrategy<InitialState> {
    (any_count(), prop::option::of(any::<bool>()))
        .prop_map(|(tlb_flush_pending, tlb_flush_batched)| InitialState {
            tlb_flush_pending,
            tlb_flush_batched,
        })
        .boxed()
}
