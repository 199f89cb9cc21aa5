//! Properties over random scenarios: the model never panics, flushes really flush, a kernel whose
//! writeback never trusts the PTE never loses data, and tlb_flush_pending never goes negative unseen.

use proptest::prelude::*;
use tlbrace_core::{
    run, Action, Arch, Batching, Effect, GatherMode, InitialState, Scenario, SkipTest, Step,
    TlbEntry, Variant, MAX_CPUS,
};

fn any_action() -> impl Strategy<Value = Action> {
    prop::sample::select(Action::ALL.to_vec())
}

fn any_variant() -> impl Strategy<Value = Variant> {
    (
        prop::sample::select(vec![
            SkipTest::Mainline,
            SkipTest::ChecksPending,
            SkipTest::Never,
        ]),
        prop::sample::select(vec![
            Batching::NestedOnly,
            Batching::Recorded,
            Batching::Mm,
            Batching::None,
        ]),
        prop::sample::select(vec![GatherMode::Fullmm, GatherMode::Ranged]),
        prop::sample::select(vec![Arch::X86, Arch::Arm64]),
    )
        .prop_map(|(skip_test, batching, gather_mode, arch)| Variant {
            skip_test,
            batching,
            gather_mode,
            arch,
        })
}

fn any_initial() -> impl Strategy<Value = InitialState> {
    let b = || prop::option::of(any::<bool>());
    let entry = prop::option::of(
        (any::<bool>(), any::<bool>()).prop_map(|(writable, dirty)| TlbEntry { writable, dirty }),
    );
    (
        (b(), b(), b(), b(), b(), b(), b()),
        (
            prop::option::of(0u32..4),
            prop::option::of(0u32..4),
            prop::option::of(0u32..3),
        ),
        prop::option::of(prop::collection::vec(entry, 0..10)),
    )
        .prop_map(
            |(
                (present, write, dirty, young, soft_dirty, pg_dirty, in_page_cache),
                (mem, disk, pending),
                tlb,
            )| {
                InitialState {
                    present,
                    write,
                    dirty,
                    young,
                    soft_dirty,
                    pg_dirty,
                    in_page_cache,
                    mem,
                    disk,
                    tlb_flush_pending: pending,
                    tlb,
                }
            },
        )
}

/// Anything at all, valid or not: CPU counts and CPU numbers beyond the limits included.
fn any_scenario() -> impl Strategy<Value = Scenario> {
    (
        0usize..=MAX_CPUS + 2,
        any_initial(),
        prop::collection::vec((0usize..MAX_CPUS + 2, any_action()), 0..40),
    )
        .prop_map(|(cpus, initial, steps)| Scenario {
            initial,
            steps: steps
                .into_iter()
                .map(|(cpu, action)| Step::new(cpu, action))
                .collect(),
            ..Scenario::new(cpus)
        })
}

/// A valid timeline from the default state in which every `write page to disk` comes right after a
/// `page_mkclean_one` on the same CPU, as clear_page_dirty_for_io does them.
fn writeback_paired_scenario() -> impl Strategy<Value = Scenario> {
    (
        1usize..=4,
        prop::collection::vec((0usize..4, any_action()), 0..40),
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
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_and_traces_every_step(s in any_scenario(), v in any_variant()) {
        if let Ok(t) = run(&s, &v) {
            prop_assert_eq!(t.events.len(), s.steps.len());
            prop_assert_eq!(t.states.len(), s.steps.len());
            let _ = t.verdict.summary(&s);
        }
    }

    #[test]
    fn a_flush_of_every_cpu_leaves_no_entry(s in any_scenario(), v in any_variant()) {
        if let Ok(t) = run(&s, &v) {
            for (ev, st) in t.events.iter().zip(&t.states) {
                let flushed_all = match ev.effect {
                    Effect::Flushed { scope, .. } => scope != tlbrace_core::model::FlushScope::Local,
                    Effect::GatherFinished { flush, .. } => flush.flushes(),
                    Effect::MkcleanDone { .. } | Effect::Dropped { .. } => true,
                    _ => false,
                };
                if flushed_all {
                    prop_assert!(st.cpus_with_entries().is_empty(), "step {} left entries", ev.step);
                    prop_assert!(st.stale_cpus().is_empty());
                }
            }
        }
    }

    #[test]
    fn writeback_that_always_flushes_never_loses_data(
        s in writeback_paired_scenario(),
        v in any_variant(),
    ) {
        let v = Variant { skip_test: SkipTest::Never, ..v };
        if let Ok(t) = run(&s, &v) {
            prop_assert!(t.verdict.label() != "lost", "{}", t.verdict.summary(&s));
        }
    }

    #[test]
    fn pending_never_goes_negative_silently(s in writeback_paired_scenario(), v in any_variant()) {
        // An independent count of tlb_flush_pending from the actions alone.
        let mut pending: i64 = 0;
        let mut open = vec![None::<bool>; s.cpus];
        let mut first_bad = None;
        for (i, st) in s.steps.iter().enumerate() {
            match st.action {
                Action::IncTlbFlushPending => pending += 1,
                Action::DecTlbFlushPending => pending -= 1,
                Action::TlbGatherMmu => {
                    if open[st.cpu].is_some() { first_bad.get_or_insert(i); break; }
                    let raised = v.batching != Batching::None;
                    pending += i64::from(raised);
                    open[st.cpu] = Some(raised);
                }
                Action::TlbFinishMmu => match open[st.cpu].take() {
                    None => { first_bad.get_or_insert(i); break; }
                    Some(raised) => pending -= i64::from(raised),
                },
                _ => {}
            }
            if pending < 0 { first_bad.get_or_insert(i); break; }
        }
        match (run(&s, &v), first_bad) {
            (Ok(t), None) => {
                let last = t.states.last().map_or(0, |st| st.tlb_flush_pending);
                prop_assert_eq!(i64::from(last), pending);
            }
            (Err(e), Some(i)) => prop_assert_eq!(e.step, Some(i)),
            (Ok(_), Some(i)) => prop_assert!(false, "step {} should have been refused", i),
            (Err(e), None) => prop_assert!(false, "unexpected error {}", e),
        }
    }
}
