//! Properties over random model-v2 scenarios (up to eight CPUs, one or two pages of either kind, all 36
//! actions, random initial overrides) under random variants (any set of fixes, both architectures):
//! the model never panics and refuses the impossible with an error, a run is deterministic and
//! traces every step, the verdict is what the trace says, flushes really flush, the fixes a step says
//! it consulted are all it depends on, the formats carry every valid scenario, and `run_all` agrees
//! with `run` preset by preset.

use proptest::prelude::*;
use tlbrace_core::model::footprint::Var;
use tlbrace_core::model::initial::PageInitial;
use tlbrace_core::model::trace::unowed_stale;
use tlbrace_core::model::{step_in, FlushScope, Locking, What};
use tlbrace_core::{
    formats::json, formats::share, run, run_all, Action, Arch, Fix, FixSet, InitialState, PageKind,
    PageSpec, Preset, Scenario, State, Step, Variant, Verdict, MAX_CPUS, MAX_PAGES, MAX_STEPS,
};

mod common;
use common::any_action;

fn any_fixes() -> impl Strategy<Value = FixSet> {
    any::<u32>().prop_map(|bits| {
        Fix::ALL
            .into_iter()
            .filter(|f| bits & 1 << *f as u32 != 0)
            .fold(FixSet::EMPTY, FixSet::with)
    })
}

fn any_arch() -> impl Strategy<Value = Arch> {
    prop_oneof![Just(Arch::X86), Just(Arch::Arm64)]
}

/// Any set of fixes on either architecture, the presets twice as often as their share.
fn any_variant() -> BoxedStrategy<Variant> {
    prop_oneof![
        (any_fixes(), any_arch()).prop_map(|(fixes, arch)| Variant { fixes, arch }),
        (prop::sample::select(Preset::ALL.to_vec()), any_arch())
            .prop_map(|(p, arch)| p.variant().on(arch)),
    ]
    .boxed()
}

/// Overrides of one page; versions small, or at the top of the range, where a store must fail with an
/// overflow error, never wrap or panic.
fn any_page_initial(max_tlb: usize) -> BoxedStrategy<PageInitial> {
    let count =
        || prop::option::of(prop_oneof![3 => 0u32..4, 1 => (u32::MAX - 2)..=u32::MAX]).boxed();
    common::any_page_initial_with(max_tlb, count)
}

/// One or two pages: their kinds, a second mapping of the first page now and then, and overrides on
/// some of them (often none: the default state is where most races start).
fn any_pages(max_tlb: usize) -> BoxedStrategy<Vec<PageSpec>> {
    let initial = prop_oneof![
        2 => Just(PageInitial::default()),
        1 => any_page_initial(max_tlb),
    ];
    common::pages_with(initial.boxed())
}

fn any_mm() -> BoxedStrategy<InitialState> {
    prop_oneof![
        3 => Just(InitialState::default()),
        1 => (
            prop::option::of(prop_oneof![3 => 0u32..3, 1 => (u32::MAX - 1)..=u32::MAX]),
            prop::option::of(any::<bool>()),
        )
            .prop_map(
            |(tlb_flush_pending, tlb_flush_batched)| InitialState {
                tlb_flush_pending,
                tlb_flush_batched,
            }
        ),
    ]
    .boxed()
}

/// Kernel-path fragments and single actions, so that random programs hold the paired steps that race
/// (gather … finish, inc … dec, mkclean then writeback, copies and their switch).
fn fragment() -> BoxedStrategy<Vec<Action>> {
    use Action::*;
    prop_oneof![
        8 => any_action().prop_map(|a| vec![a]),
        4 => Just(vec![WriteToPage]),
        3 => Just(vec![CachePteInTlb]),
        1 => Just(vec![ReadPage]),
        2 => Just(vec![DropCleanPage]),
        2 => Just(vec![PageMkcleanOne, WritePageToDisk]),
        2 => Just(vec![ClearRefsWrite, TlbGatherMmu, PteWrprotect, TlbFinishMmu]),
        1 => Just(vec![ClearRefsWrite, TlbGatherMmu, PteMkold, TlbFinishMmu]),
        2 => Just(vec![IncTlbFlushPending, CleanRecordPte, FlushTlbRange, DecTlbFlushPending]),
        1 => Just(vec![TlbGatherMmu, MadviseFreePteRange, TlbFinishMmu]),
        1 => Just(vec![TlbGatherMmu, ZapPteRange, PteUnmapUnlock, TlbFinishMmu]),
        1 => Just(vec![OomReapTaskMm, ZapPteRange, TlbFinishMmu]),
        1 => Just(vec![ChangeProtNuma, FlushTlbRange]),
        1 => Just(vec![MwriteprotectRange, FlushTlbRange]),
        1 => Just(vec![DoNumaPage, TryToMigrateOne, MoveToNewPage]),
        1 => Just(vec![MigrateVmaCollectPmd, PteUnmapUnlock, FlushTlbRange]),
        1 => Just(vec![WriteProtectPage, PagesIdentical, ReplacePage]),
        1 => Just(vec![WpPageCopy, SetPteAtNotify]),
        1 => Just(vec![TryToUnmapOne, TryToUnmapFlush]),
        1 => Just(vec![Mprotect]),
    ]
    .boxed()
}

/// A scenario that `validate` accepts: 1 to 8 CPUs, one or two pages, steps on existing CPUs and
/// pages (whole-mm actions on page 0), up to ~48 steps; the initial overrides may still contradict
/// each other, so callers filter on `validate` where they need a runnable one.
fn any_scenario() -> BoxedStrategy<Scenario> {
    (1usize..=MAX_CPUS)
        .prop_flat_map(|cpus| {
            (
                Just(cpus),
                any_pages(cpus),
                any_mm(),
                prop::collection::vec((0..cpus, 0usize..MAX_PAGES, fragment()), 0..16),
            )
        })
        .prop_map(|(cpus, pages, initial, fragments)| {
            let n = pages.len();
            let steps = fragments
                .into_iter()
                .flat_map(|(cpu, page, f)| {
                    f.into_iter().map(move |a| {
                        let page = if a.def().per_page { page % n } else { 0 };
                        Step::new(cpu, a).on(page)
                    })
                })
                .take(48)
                .collect();
            Scenario {
                pages,
                initial,
                steps,
                ..Scenario::new(cpus)
            }
        })
        .boxed()
}

fn valid_scenario() -> BoxedStrategy<Scenario> {
    any_scenario()
        .prop_filter("a possible initial state", |s| s.validate().is_ok())
        .boxed()
}

/// Anything at all, valid or not: CPU counts, CPU numbers, page counts and page numbers beyond the
/// limits, whole-mm actions on page 1, TLB lists longer than the CPUs.
fn anything() -> BoxedStrategy<Scenario> {
    (
        0usize..=MAX_CPUS + 2,
        prop::collection::vec(
            (
                prop_oneof![Just(PageKind::File), Just(PageKind::Anon)],
                prop::option::of(0usize..4),
                any_page_initial(MAX_CPUS + 2),
            ),
            0..=MAX_PAGES + 1,
        ),
        any_mm(),
        prop::collection::vec((0usize..MAX_CPUS + 2, 0usize..4, any_action()), 0..40),
    )
        .prop_map(|(cpus, pages, initial, steps)| Scenario {
            pages: pages
                .into_iter()
                .map(|(kind, same_as, initial)| PageSpec {
                    kind,
                    same_as,
                    initial,
                })
                .collect(),
            initial,
            steps: steps
                .into_iter()
                .map(|(cpu, page, action)| Step::new(cpu, action).on(page))
                .collect(),
            ..Scenario::new(cpus)
        })
        .boxed()
}

/// What a step did, as far as anything downstream can tell.
fn outcome(
    s: &State,
    scenario: &Scenario,
    i: usize,
    v: &Variant,
) -> Result<(State, What, Option<tlbrace_core::Bad>), tlbrace_core::StepError> {
    let ctx = scenario.contexts()[i];
    step_in(s, &ctx, scenario.steps[i].action, v, Locking::AsDrawn)
        .map(|(next, e)| (next, e.what, e.bad))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn validate_refuses_the_impossible_without_panicking(s in anything(), v in any_variant()) {
        match s.validate() {
            Err(e) => {
                // Running refuses it with the same error, and explore and the formats do not panic.
                prop_assert_eq!(run(&s, &v).unwrap_err(), e.clone());
                prop_assert!(!e.message.is_empty());
                prop_assert!(e.step.is_none_or(|i| i < s.steps.len()), "{}", e);
                prop_assert!(json::from_json(&json::to_json(&s)).is_err());
            }
            Ok(initial) => {
                prop_assert!((1..=MAX_CPUS).contains(&s.cpus));
                prop_assert!((1..=MAX_PAGES).contains(&s.pages.len()));
                prop_assert!(s.steps.iter().all(|st| st.cpu < s.cpus && st.page < s.pages.len()));
                prop_assert_eq!(initial.cpu_count(), s.cpus);
                prop_assert_eq!(initial.vpage_count(), s.pages.len());
                if let Err(e) = run(&s, &v) {
                    // Only a step can fail now, and it names one.
                    let i = e.step.expect("a runtime error names its step");
                    prop_assert!(i < s.steps.len());
                }
            }
        }
    }

    #[test]
    fn a_run_traces_every_step_and_its_verdict_is_the_traces(s in valid_scenario(), v in any_variant()) {
        let Ok(t) = run(&s, &v) else { return Ok(()) };
        let n = s.steps.len();
        prop_assert_eq!(t.events.len(), n);
        prop_assert_eq!(t.states.len(), n);
        prop_assert_eq!(t.variant, v);
        prop_assert_eq!(&t.initial, &s.validate().unwrap());
        for (i, (ev, st)) in t.events.iter().zip(&s.steps).enumerate() {
            prop_assert_eq!((ev.step, ev.cpu, ev.page, ev.action), (i, st.cpu, st.page, st.action));
            prop_assert!(!ev.text().is_empty());
        }
        // Each state is the step applied to the one before: the trace is the fold of step_in.
        for i in 0..n {
            let (next, what, bad) = outcome(t.before(i), &s, i, &v).unwrap();
            prop_assert_eq!(&next, &t.states[i], "step {}", i);
            prop_assert_eq!(what, t.events[i].effect.what);
            prop_assert_eq!(bad, t.events[i].effect.bad);
        }
        for w in &t.waits {
            prop_assert!(w.step < n);
            prop_assert_eq!(t.events[w.step].effect.waited, Some(w.blocked));
        }
        prop_assert!(t.hazard.is_none_or(|h| h < n));
        let decisive = t.verdict.decisive_steps();
        // (A latent verdict from the initial state of an empty timeline names step 0: model_bugs.rs.)
        if n > 0 {
            prop_assert!(decisive.iter().all(|&i| i < n), "{:?} of {} steps", decisive, n);
        }
        prop_assert!(decisive.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(!t.verdict.summary(&s).is_empty());
        let first_bad = t.events.iter().position(|e| e.effect.is_bad());
        let end = t.last();
        match t.verdict {
            Verdict::Harmed { step, bad, culprit } => {
                prop_assert_eq!(Some(step), first_bad);
                prop_assert_eq!(t.events[step].effect.bad, Some(bad));
                prop_assert!([culprit.store, culprit.stale_fill, culprit.skipped_flush]
                    .iter()
                    .flatten()
                    .all(|&i| i < n));
                prop_assert!(t.verdict.is_bad());
            }
            Verdict::AtRisk { page, mem_version, disk_version, .. } => {
                prop_assert_eq!(first_bad, None);
                let p = end.unrecorded_data();
                prop_assert_eq!(p, Some(end.page_of(page)));
                prop_assert_ne!(mem_version, disk_version);
                prop_assert!(t.verdict.is_bad());
            }
            Verdict::Latent { page, cpus, since } => {
                prop_assert_eq!(first_bad, None);
                prop_assert_eq!(end.unrecorded_data(), None);
                prop_assert_eq!(unowed_stale(end, &v), Some((page, cpus)));
                prop_assert!(since.is_none_or(|s| s < n));
                prop_assert!(!t.verdict.is_bad());
            }
            Verdict::Guaranteed { saved_by } => {
                prop_assert_eq!(first_bad, None);
                prop_assert_eq!(end.unrecorded_data(), None);
                prop_assert_eq!(unowed_stale(end, &v), None);
                prop_assert!(saved_by.is_none_or(|i| i < n));
            }
        }
    }

    #[test]
    fn a_run_is_deterministic(s in valid_scenario(), v in any_variant()) {
        let a = run(&s, &v);
        let b = run(&s, &v);
        prop_assert_eq!(&a, &b);
        if let Ok(t) = &a {
            let texts = |t: &tlbrace_core::Trace| t.events.iter().map(|e| e.text()).collect::<Vec<_>>();
            prop_assert_eq!(texts(t), texts(b.as_ref().unwrap()));
        }
    }

    #[test]
    fn flushes_of_every_cpu_leave_no_entry(s in valid_scenario(), v in any_variant()) {
        let Ok(t) = run(&s, &v) else { return Ok(()) };
        for (i, ev) in t.events.iter().enumerate() {
            let (before, after) = (t.before(i), &t.states[i]);
            // `flushed` names exactly the CPUs that held an entry and lost one.
            for c in 0..s.cpus {
                let lost = (0..s.pages.len())
                    .any(|p| before.tlb[c][p].is_some() && after.tlb[c][p].is_none());
                prop_assert_eq!(ev.effect.flushed.contains(c), lost, "step {} CPU{}", i, c);
            }
            // The pages a flush on every CPU covers: a range flush only those its walk changed.
            let every_page = (1u8 << s.pages.len()) - 1;
            let flushed_pages = match ev.effect.what {
                What::Flushed { scope: FlushScope::Range, pages, .. } => pages,
                What::Flushed { scope: FlushScope::Mm, .. } => every_page,
                What::GatherFinished { flush, .. } if flush.flushes() => every_page,
                What::UnmapFlushed { required: true } => every_page,
                _ => 0,
            };
            for v in 0..s.pages.len() {
                if flushed_pages & (1 << v) != 0 {
                    prop_assert!(
                        (0..s.cpus).all(|c| after.tlb[c][v].is_none()),
                        "step {} ({}) left entries for page {}", i, ev.text(), v
                    );
                }
            }
            let this_page = match ev.effect.what {
                What::Flushed { scope: FlushScope::Local, .. } => Some(vec![ev.cpu]),
                What::MkcleanDone { flushed: true, .. }
                | What::MigrationUnmapped { flushed: true, .. } => Some((0..s.cpus).collect()),
                _ => None,
            };
            for c in this_page.into_iter().flatten() {
                prop_assert!(after.tlb[c][ev.page].is_none(), "step {} left CPU{}'s entry", i, c);
            }
            // An entry that is neither flushed nor refilled keeps its snapshot: the hardware never
            // refreshes one.
            for c in 0..s.cpus {
                for p in 0..s.pages.len() {
                    if let (Some(a), Some(b)) = (before.tlb[c][p], after.tlb[c][p]) {
                        if c != ev.cpu || p != ev.page {
                            prop_assert_eq!(a, b, "step {} changed CPU{}'s entry for page {}", i, c, p);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_step_depends_only_on_the_fixes_it_consulted(s in valid_scenario(), v in any_variant()) {
        // What run_all relies on to share runs between presets: a variant that differs from `v` only
        // in fixes no step consulted runs the very same steps. Each such fix is flipped in turn.
        let Ok(t) = run(&s, &v) else { return Ok(()) };
        for fix in complement(t.consulted).iter() {
            let w = v.with(fix, !v.fixes.has(fix));
            let u = run(&s, &w).map_err(|e| {
                TestCaseError::fail(format!("{} runs, {} fails: {e}", v.name(), w.name()))
            })?;
            prop_assert_eq!(&u.states, &t.states, "{} vs {}", v.name(), w.name());
            prop_assert_eq!(&u.events, &t.events, "{} vs {}", v.name(), w.name());
            prop_assert_eq!(u.consulted, t.consulted);
        }
    }

    #[test]
    fn the_verdict_depends_only_on_the_fixes_the_trace_consulted(s in valid_scenario(), v in any_variant()) {
        let Ok(t) = run(&s, &v) else { return Ok(()) };
        for fix in complement(t.consulted).iter() {
            let w = v.with(fix, !v.fixes.has(fix));
            let u = run(&s, &w).map_err(|e| TestCaseError::fail(format!("{}: {e}", w.name())))?;
            prop_assert_eq!(u.verdict, t.verdict, "{} vs {}", v.name(), w.name());
            prop_assert_eq!(u.hazard, t.hazard, "{} vs {}", v.name(), w.name());
        }
    }


    #[test]
    fn run_all_runs_every_preset_as_run_does(s in valid_scenario(), arch in any_arch()) {
        // Every step of every row is what `run` does under that preset (the verdicts: below).
        let all = run_all(&s, arch);
        prop_assert_eq!(all.len(), Preset::ALL.len());
        for (r, p) in all.iter().zip(Preset::ALL) {
            prop_assert_eq!(r.preset, p);
            let v = p.variant().on(arch);
            match (&r.result, run(&s, &v)) {
                (Ok(a), Ok(b)) => {
                    prop_assert_eq!(a.variant, v);
                    prop_assert_eq!(&a.initial, &b.initial);
                    prop_assert_eq!(&a.states, &b.states, "{}", p.name());
                    prop_assert_eq!(&a.events, &b.events, "{}", p.name());
                    prop_assert_eq!(&a.waits, &b.waits, "{}", p.name());
                    prop_assert_eq!(a.consulted, b.consulted, "{}", p.name());
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, &b, "{}", p.name()),
                (a, b) => prop_assert!(false, "{}: run_all {:?}, run {:?}", p.name(), a.is_ok(), b.is_ok()),
            }
        }
    }

    #[test]
    fn run_all_agrees_with_run_preset_by_preset(s in valid_scenario(), arch in any_arch()) {
        let all = run_all(&s, arch);
        for (r, p) in all.iter().zip(Preset::ALL) {
            let alone = run(&s, &p.variant().on(arch));
            prop_assert_eq!(&r.result, &alone, "{}", p.name());
        }
    }


    #[test]
    fn the_formats_carry_every_valid_scenario(s in valid_scenario()) {
        prop_assert_eq!(json::from_json(&json::to_json(&s)), Ok(s.clone()));
        prop_assert_eq!(json::from_json(&json::to_json_compact(&s)), Ok(s.clone()));
        prop_assert_eq!(share::decode(&share::encode(&s)), Ok(s.clone()));
    }
}

/// The fixes not in `set`.
fn complement(set: FixSet) -> FixSet {
    Fix::ALL
        .into_iter()
        .filter(|f| !set.has(*f))
        .fold(FixSet::EMPTY, FixSet::with)
}

/// A timeline of model v1's seventeen actions on one file page from the default state, in which every
/// `write page to disk` comes right after a `page_mkclean_one` on the same CPU, as
/// clear_page_dirty_for_io does them.
fn writeback_paired_scenario() -> BoxedStrategy<Scenario> {
    let v1_actions: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|a| a.def().code <= 16)
        .collect();
    (
        1usize..=4,
        prop::collection::vec((0usize..4, prop::sample::select(v1_actions)), 0..40),
    )
        .prop_map(|(cpus, raw)| {
            let mut steps = Vec::new();
            for (cpu, action) in raw {
                let cpu = cpu % cpus;
                if action == Action::WritePageToDisk {
                    steps.push(Step::new(cpu, Action::PageMkcleanOne));
                }
                steps.push(Step::new(cpu, action));
            }
            Scenario {
                steps,
                ..Scenario::new(cpus)
            }
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn writeback_that_always_flushes_never_loses_data(
        s in writeback_paired_scenario(),
        v in any_variant(),
    ) {
        // Model v1's property, for model v1's actions: a page_mkclean_one that never skips flushes every
        // stale entry before the page is written, so nothing can later escape writeback and reclaim.
        // (On arm64 the flush also needs pte_accessible() to be true for an old PTE: 07509e10dcc7.)
        let v = v.with(Fix::MkcleanNeverSkips, true).with(Fix::Arm64AccessibleOld, true);
        if let Ok(t) = run(&s, &v) {
            prop_assert!(t.verdict.label() != "lost", "{}", t.verdict.summary(&s));
        }
    }

    #[test]
    fn pending_counts_batchers_and_never_goes_below_zero_unseen(
        s in writeback_paired_scenario(),
        v in any_variant(),
    ) {
        // An independent count of mm->tlb_flush_pending over the explicit inc/dec steps, in timelines
        // whose other steps do not touch the count (by their declared footprint). Without the counter
        // (before 16af97dc5a89) it is a flag: set, and cleared by the first dec.
        let mut s = s;
        let ctx = s.contexts();
        let touches = |i: usize| {
            let a = s.steps[i].action;
            !matches!(a, Action::IncTlbFlushPending | Action::DecTlbFlushPending)
                && (a.def().footprint)(&ctx[i], &v).write.contains(Var::Pending)
        };
        let keep: Vec<bool> = (0..s.steps.len()).map(|i| !touches(i)).collect();
        let mut k = keep.iter();
        s.steps.retain(|_| *k.next().unwrap());
        let counter = v.has(Fix::PendingCounter);
        let mut pending: i64 = 0;
        let mut first_bad = None;
        for (i, st) in s.steps.iter().enumerate() {
            match st.action {
                Action::IncTlbFlushPending => pending = if counter { pending + 1 } else { 1 },
                Action::DecTlbFlushPending => pending = if counter { pending - 1 } else { 0 },
                _ => {}
            }
            if pending < 0 {
                first_bad = Some(i);
                break;
            }
        }
        match (run(&s, &v), first_bad) {
            (Ok(t), None) => {
                prop_assert_eq!(i64::from(t.last().tlb_flush_pending), pending);
            }
            (Err(e), Some(i)) => {
                prop_assert_eq!(e.step, Some(i));
                prop_assert!(e.message.contains("below zero"), "{}", e);
            }
            (Ok(_), Some(i)) => prop_assert!(false, "step {} should have been refused", i),
            (Err(e), None) => {
                // Other impossible orders (a finish without its gather) are refused too, never
                // for the count.
                prop_assert!(!e.message.contains("below zero"), "{}", e);
            }
        }
    }
}

/// A hinge claims that flipping its fix would have changed the step: check that claim on every step
/// of random timelines.
fn check_hinges(s: &Scenario, v: &Variant) -> Result<(), TestCaseError> {
    let Ok(t) = run(s, v) else { return Ok(()) };
    for (i, ev) in t.events.iter().enumerate() {
        let Some(h) = ev.effect.hinge else { continue };
        prop_assert_eq!(h.on, v.has(h.fix), "step {}", i);
        let flipped = v.with(h.fix, !v.fixes.has(h.fix));
        let here = outcome(t.before(i), s, i, v);
        let there = outcome(t.before(i), s, i, &flipped);
        prop_assert_ne!(
            &here,
            &there,
            "step {} ({}) names {} as deciding it, but flipping it changes nothing (under {})",
            i,
            ev.text(),
            h.fix.name(),
            v.name()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn a_hinge_names_a_fix_whose_flip_changes_the_step(s in valid_scenario(), v in any_variant()) {
        check_hinges(&s, &v)?;
    }
}

#[test]
fn a_scenario_at_the_step_limit_runs_and_one_past_it_is_refused() {
    let mut s = Scenario::new(2);
    s.steps = (0..MAX_STEPS)
        .map(|i| Step::new(i % 2, Action::WriteToPage))
        .collect();
    let t = run(&s, &Preset::V5_12.variant()).unwrap();
    assert_eq!(t.states.len(), MAX_STEPS);
    assert_eq!(t.last().frame[0].data, MAX_STEPS as u32 + 1);
    s.steps.push(Step::new(0, Action::WriteToPage));
    assert!(run(&s, &Preset::V5_12.variant())
        .unwrap_err()
        .message
        .contains("at most 256 steps"));
}
