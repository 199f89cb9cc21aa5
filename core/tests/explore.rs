//! The explorer against the seed's verdicts and against brute force: every interleaving of small random
//! programs run one by one with `trace::run`, no reduction, no caching.

use std::collections::HashSet;
use std::ops::ControlFlow;

use proptest::prelude::*;
use tlbrace_core::examples::example;
use tlbrace_core::model::footprint::Var;
use tlbrace_core::search::explore::{
    explore, interleavings, matrix, minimize, minimize_with, Bad, Finding, Options, Outcome,
    PathCounts, Report,
};
use tlbrace_core::{
    run, Action, Arch, InitialState, Preset, Scenario, State, Step, TlbEntry, Variant, Verdict,
};

fn go(s: &Scenario, v: &Variant, o: &Options) -> Report {
    explore(s, v, o, |_| ControlFlow::Continue(())).expect("the scenario is valid")
}

fn all_options() -> [Options; 4] {
    let d = Options::default();
    [
        d,
        Options::exact(),
        Options {
            reduction: false,
            ..d
        },
        Options {
            abstraction: false,
            ..d
        },
    ]
}

/// The counterexample is a reordering of the scenario's steps that keeps each CPU's program order, and
/// `trace::run` gives it the claimed verdict.
fn check_counterexample(s: &Scenario, v: &Variant, r: &Report) {
    let cex = r.counterexample.as_ref().expect("a counterexample");
    let mut sorted = cex.order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..s.steps.len()).collect::<Vec<_>>());
    for lane in s.programs() {
        let pos: Vec<usize> = lane
            .iter()
            .map(|i| cex.order.iter().position(|o| o == i).unwrap())
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "program order kept");
    }
    for (k, &i) in cex.order.iter().enumerate() {
        assert_eq!(cex.scenario.steps[k], s.steps[i], "notes kept");
    }
    assert_eq!(cex.scenario.cpus, s.cpus);
    assert_eq!(cex.scenario.labels, s.labels);
    assert_eq!(cex.scenario.initial, s.initial);
    let t = run(&cex.scenario, v).expect("the counterexample runs");
    assert_eq!(t.verdict, cex.verdict);
    match cex.kind {
        Bad::Lost => assert!(matches!(t.verdict, Verdict::Lost { .. })),
        Bad::AtRisk => assert!(matches!(t.verdict, Verdict::AtRisk { .. })),
    }
}

#[test]
fn example_1s_programs_lose_data_under_the_mainline_skip_test() {
    let s = example("example-1").unwrap();
    for preset in [Preset::Will4And6, Preset::V5_10Rc4, Preset::V5_12] {
        let v = preset.variant();
        for o in all_options() {
            let r = go(&s, &v, &o);
            assert_eq!(r.outcome, Outcome::Complete);
            assert_eq!(r.finding(), Finding::Unsafe, "{} {o:?}", preset.name());
            assert!(r.lost_end_states > 0);
            assert_eq!(r.interleavings, 900_900);
            check_counterexample(&s, &v, &r);
            assert_eq!(r.counterexample.as_ref().unwrap().kind, Bad::Lost);
        }
    }
}

#[test]
fn example_1s_programs_are_safe_under_the_fix() {
    let s = example("example-1").unwrap();
    for preset in [Preset::YuFix, Preset::YuFixFlush] {
        let v = preset.variant();
        for o in all_options() {
            let r = go(&s, &v, &o);
            assert_eq!(r.outcome, Outcome::Complete);
            assert_eq!(r.finding(), Finding::Safe, "{} {o:?}", preset.name());
            assert_eq!(r.bad_end_states(), 0);
            assert!(r.states > 1 && r.end_states > 0);
            assert_eq!(r.error_steps, 0);
        }
        // Without reduction every interleaving is a path: all 900900 counted, all guaranteed.
        let exact = go(&s, &v, &Options::exact());
        assert_eq!(exact.paths.guaranteed, 900_900);
        assert_eq!(exact.paths.total(), exact.interleavings);
    }
}

#[test]
fn reduction_and_abstraction_shrink_the_search() {
    let s = example("example-1").unwrap();
    let v = Preset::YuFix.variant();
    let exact = go(&s, &v, &Options::exact());
    let fast = go(&s, &v, &Options::default());
    assert!(
        fast.states < exact.states && fast.transitions < exact.transitions,
        "{} / {} states, {} / {} steps",
        fast.states,
        exact.states,
        fast.transitions,
        exact.transitions
    );
}

#[test]
fn the_shortest_loss_is_as_early_as_in_any_interleaving() {
    // With exact search the first loss breadth-first is the earliest over all interleavings; the
    // reduced search's counterexample, once compacted, loses data no later.
    let s = example("example-1").unwrap();
    for preset in [Preset::Will4And6, Preset::V5_10Rc4, Preset::V5_12] {
        let v = preset.variant();
        let drop_at = |r: &Report| match r.counterexample.as_ref().unwrap().verdict {
            Verdict::Lost { drop, .. } => drop,
            _ => unreachable!(),
        };
        let exact = drop_at(&go(&s, &v, &Options::exact()));
        let fast = drop_at(&go(&s, &v, &Options::default()));
        // Example 1 as drawn drops at step 11 (index 10); only the steps the loss needs come first.
        assert!(exact <= 10, "{exact}");
        assert_eq!(fast, exact, "{}", preset.name());
    }
}

#[test]
fn stop_at_first_stops_with_a_confirmed_loss() {
    let s = example("example-1").unwrap();
    let v = Preset::Will4And6.variant();
    let o = Options {
        stop_at_first: true,
        ..Options::default()
    };
    let r = go(&s, &v, &o);
    assert_eq!(r.outcome, Outcome::StoppedAtFirst);
    assert_eq!(r.finding(), Finding::Unsafe);
    check_counterexample(&s, &v, &r);
    assert!(r.states < go(&s, &v, &Options::default()).states);
}

#[test]
fn the_matrix_matches_the_seed_for_example_1() {
    let s = example("example-1").unwrap();
    let mut calls = 0;
    let rows = matrix(&s, Arch::X86, &Options::default(), |_| {
        calls += 1;
        ControlFlow::Continue(())
    })
    .unwrap();
    assert!(calls >= 5);
    let found: Vec<(Preset, Finding)> = rows
        .iter()
        .map(|r| (r.preset, r.report.finding()))
        .collect();
    assert_eq!(
        found,
        vec![
            (Preset::V5_10Rc4, Finding::Unsafe),
            (Preset::Will4And6, Finding::Unsafe),
            (Preset::YuFix, Finding::Safe),
            (Preset::YuFixFlush, Finding::Safe),
            (Preset::V5_12, Finding::Unsafe),
        ]
    );
    for row in &rows {
        if row.report.finding() == Finding::Unsafe {
            check_counterexample(&s, &row.report.variant, &row.report);
        }
    }
    // Cancelling during the first preset stops the matrix there.
    let rows = matrix(&s, Arch::X86, &Options::default(), |_| {
        ControlFlow::Break(())
    })
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].report.outcome, Outcome::Cancelled);
}

#[test]
fn other_seed_diagrams_under_every_preset() {
    // 2b and 2c are guaranteed as drawn; across all their interleavings some order of writeback and
    // the write may still go wrong, but no order ever errors and every counterexample reruns.
    for name in [
        "example-1",
        "example-2a",
        "example-2b",
        "example-2c",
        "example-1-early-finish",
    ] {
        let s = example(name).unwrap();
        for (p, arch) in Preset::ALL
            .into_iter()
            .flat_map(|p| [(p, Arch::X86), (p, Arch::Arm64)])
        {
            let v = p.variant().on(arch);
            let r = go(&s, &v, &Options::default());
            assert_eq!(r.outcome, Outcome::Complete);
            assert_eq!(r.error_steps, 0, "{name} {}", p.name());
            if r.finding() == Finding::Unsafe {
                check_counterexample(&s, &v, &r);
            }
            let exact = go(&s, &v, &Options::exact());
            assert_eq!(exact.finding(), r.finding(), "{name} {}", p.name());
            // The reduction keeps every end state of the unreduced search.
            for abstraction in [true, false] {
                let o = |reduction| Options {
                    reduction,
                    abstraction,
                    ..Options::default()
                };
                let (a, b) = (go(&s, &v, &o(true)), go(&s, &v, &o(false)));
                assert_eq!(
                    (a.end_states, a.lost_end_states, a.at_risk_end_states),
                    (b.end_states, b.lost_end_states, b.at_risk_end_states),
                    "{name} {}",
                    v.name()
                );
            }
        }
    }
}

#[test]
fn writeback_racing_with_the_pending_count_keeps_every_end_state() {
    // Under yu-fix, page_mkclean_one on a clean read-only PTE flushes only while a flush is pending:
    // the order against CPU0's inc/dec decides whether the page is re-dirtied.
    let mut s = Scenario::new(2);
    s.initial = InitialState {
        write: Some(false),
        dirty: Some(false),
        pg_dirty: Some(false),
        ..InitialState::default()
    };
    s.steps = vec![
        Step::new(0, Action::IncTlbFlushPending),
        Step::new(0, Action::DecTlbFlushPending),
        Step::new(1, Action::PageMkcleanOne),
    ];
    let v = Preset::YuFix.variant();
    let b = brute_force(&s, &v);
    for o in all_options() {
        let r = go(&s, &v, &o);
        let ends = if o.abstraction {
            &b.canonical_ends
        } else {
            &b.ends
        };
        assert_eq!(r.end_states, ends.len(), "{o:?}");
        assert_eq!(r.end_states, 2, "{o:?}");
    }
}

#[test]
fn errors_are_counted_not_called_data_loss() {
    // CPU1 lowers the counter that CPU0 raises: the orders where it goes first cannot happen.
    let mut s = Scenario::new(2);
    s.steps = vec![
        Step::new(0, Action::IncTlbFlushPending),
        Step::new(1, Action::DecTlbFlushPending),
    ];
    let r = go(&s, &Variant::default(), &Options::exact());
    assert_eq!(r.error_steps, 1);
    assert_eq!(
        r.paths,
        PathCounts {
            lost: 0,
            at_risk: 0,
            guaranteed: 1,
            error: 1
        }
    );
    assert_eq!(r.finding(), Finding::Safe);
    let e = r.first_error.unwrap();
    assert_eq!(e.order, vec![1]);
    assert!(e.message.contains("below zero"), "{}", e.message);
}

#[test]
fn minimised_example_1_is_one_minimal_and_still_lost() {
    let s = example("example-1").unwrap();
    for preset in [Preset::Will4And6, Preset::V5_10Rc4, Preset::V5_12] {
        let v = preset.variant();
        let m = minimize(&s, &v).unwrap();
        assert!(matches!(run(&m, &v).unwrap().verdict, Verdict::Lost { .. }));
        assert!(m.steps.len() < s.steps.len(), "{}", preset.name());
        for i in 0..m.steps.len() {
            let mut smaller = m.clone();
            smaller.steps.remove(i);
            let still = run(&smaller, &v).map(|t| matches!(t.verdict, Verdict::Lost { .. }));
            assert!(!still.unwrap_or(false), "step {i} was removable");
        }
    }
    assert!(minimize(&s, &Preset::YuFix.variant()).is_err());
}

#[test]
fn minimising_with_writeback_pairs_keeps_clear_page_dirty_for_io_whole() {
    // Plain minimisation drops page_mkclean_one (the model lets writeback run without it), leaving a
    // race every variant has; keeping mkclean + writeback together leaves Example 1's race in seven
    // steps. That one is lost under yu-fix too: minimising under will-4+6 dropped
    // inc_tlb_flush_pending, and the fix relies on the cleaner announcing its deferred flush.
    let s = example("example-1").unwrap();
    let v = Preset::Will4And6.variant();
    let plain = minimize(&s, &v).unwrap();
    assert!(!plain
        .steps
        .iter()
        .any(|st| st.action == Action::PageMkcleanOne));
    assert!(matches!(
        run(&plain, &Preset::YuFix.variant()).unwrap().verdict,
        Verdict::Lost { .. }
    ));
    let paired = minimize_with(&s, &v, true).unwrap();
    let actions: Vec<(usize, Action)> = paired.steps.iter().map(|st| (st.cpu, st.action)).collect();
    assert_eq!(
        actions,
        vec![
            (0, Action::CachePteInTlb),
            (1, Action::CleanRecordPte),
            (2, Action::PteWrprotect),
            (3, Action::PageMkcleanOne),
            (3, Action::WritePageToDisk),
            (0, Action::WriteToPage),
            (3, Action::DropCleanPage),
        ]
    );
    assert!(matches!(
        run(&paired, &v).unwrap().verdict,
        Verdict::Lost { .. }
    ));
    assert_eq!(
        run(&paired, &Preset::YuFix.variant())
            .unwrap()
            .verdict
            .label(),
        "lost"
    );
}

#[test]
fn the_explorers_counterexample_minimises_too() {
    let s = example("example-1").unwrap();
    let v = Preset::V5_12.variant();
    let r = go(&s, &v, &Options::default());
    let m = minimize(&r.counterexample.unwrap().scenario, &v).unwrap();
    assert!(matches!(run(&m, &v).unwrap().verdict, Verdict::Lost { .. }));
}

// ------------------------------------------------------------------------------------------------
// Brute force.

#[derive(Debug, Default, PartialEq, Eq)]
struct Brute {
    lost: u128,
    at_risk: u128,
    guaranteed: u128,
    error: u128,
    /// Distinct end states (with whether data was lost on the way), as they are.
    ends: HashSet<(State, bool)>,
    /// The same, in the explorer's documented canonical form for finished programs.
    canonical_ends: HashSet<(State, bool)>,
}

impl Brute {
    fn count(ends: &HashSet<(State, bool)>) -> (usize, usize, usize) {
        let lost = ends.iter().filter(|(_, l)| *l).count();
        let at_risk = ends
            .iter()
            .filter(|(s, l)| !*l && s.unrecorded_data())
            .count();
        (ends.len(), lost, at_risk)
    }
}

/// The canonical form of a state once every program has finished, written from the module
/// documentation's rules rather than from the explorer's code.
fn canonical_end(mut s: State) -> State {
    // At the end no step remains: only what the verdict reads is live (the explorer's abstraction
    // clears the rest), and the versions matter only through mem - disk.
    for v in Var::all(s.cpu_count()) {
        if !State::UNRECORDED_DATA_READS.contains(v) {
            v.set(&mut s, 0);
        }
    }
    let d = i64::from(s.page.mem) - i64::from(s.disk);
    let d = d.clamp(-1, 1);
    (s.page.mem, s.disk) = if d >= 0 { (d as u32, 0) } else { (0, 1) };
    s
}

/// Every merge of the programs, each run from scratch with `trace::run`.
fn brute_force(s: &Scenario, v: &Variant) -> Brute {
    fn rec(
        s: &Scenario,
        v: &Variant,
        programs: &[Vec<usize>],
        pcs: &mut Vec<usize>,
        order: &mut Vec<usize>,
        out: &mut Brute,
    ) {
        if order.len() == s.steps.len() {
            let mut t = s.clone();
            t.steps = order.iter().map(|&i| s.steps[i].clone()).collect();
            match run(&t, v) {
                Err(_) => out.error += 1,
                Ok(tr) => {
                    let lost = matches!(tr.verdict, Verdict::Lost { .. });
                    out.ends.insert((*tr.last(), lost));
                    out.canonical_ends.insert((canonical_end(*tr.last()), lost));
                    match tr.verdict {
                        Verdict::Lost { .. } => out.lost += 1,
                        Verdict::AtRisk { .. } => out.at_risk += 1,
                        Verdict::Guaranteed => out.guaranteed += 1,
                    }
                }
            }
            return;
        }
        for c in 0..programs.len() {
            if pcs[c] < programs[c].len() {
                order.push(programs[c][pcs[c]]);
                pcs[c] += 1;
                rec(s, v, programs, pcs, order, out);
                pcs[c] -= 1;
                order.pop();
            }
        }
    }
    let programs = s.programs();
    let mut out = Brute::default();
    rec(
        s,
        v,
        &programs,
        &mut vec![0; programs.len()],
        &mut Vec::new(),
        &mut out,
    );
    out
}

/// Short kernel-path fragments and single actions, so that small random programs hold the paired
/// steps that race (gather … finish, inc … dec, mkclean then writeback) and often lose data.
fn fragment() -> impl Strategy<Value = Vec<Action>> {
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
    ]
}

fn small_scenario() -> impl Strategy<Value = Scenario> {
    let entry = prop::option::of(
        (any::<bool>(), any::<bool>()).prop_map(|(writable, dirty)| TlbEntry { writable, dirty }),
    );
    (
        2usize..=3,
        prop::collection::vec((0usize..3, fragment()), 1..=5),
        any::<bool>(),
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
            |(cpus, fragments, custom, (write, dirty, pg_dirty, mem, disk, pending), tlb)| {
                let initial = if custom {
                    InitialState {
                        write: Some(write),
                        dirty: Some(dirty),
                        pg_dirty: Some(pg_dirty),
                        mem: Some(mem),
                        disk: Some(disk),
                        tlb_flush_pending: Some(pending),
                        tlb: Some(tlb.into_iter().take(cpus).collect()),
                        ..InitialState::default()
                    }
                } else {
                    InitialState::default()
                };
                let steps: Vec<Step> = fragments
                    .into_iter()
                    .flat_map(|(cpu, f)| f.into_iter().map(move |a| Step::new(cpu % cpus, a)))
                    .take(7)
                    .collect();
                Scenario {
                    initial,
                    steps,
                    ..Scenario::new(cpus)
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn the_search_agrees_with_brute_force(s in small_scenario()) {
        for p in Preset::ALL {
            for arch in [Arch::X86, Arch::Arm64] {
                let v = p.variant().on(arch);
                let b = brute_force(&s, &v);
                let total = interleavings(&s.programs().iter().map(Vec::len).collect::<Vec<_>>());
                prop_assert_eq!(b.lost + b.at_risk + b.guaranteed + b.error, total);
                for o in all_options() {
                    let r = go(&s, &v, &o);
                    prop_assert_eq!(r.outcome, Outcome::Complete);
                    let ctx = format!("{} {:?} {:?}", v.name(), o, (b.lost, b.at_risk, b.guaranteed, b.error));
                    prop_assert_eq!(r.lost_end_states > 0, b.lost > 0, "lost: {}", ctx);
                    prop_assert_eq!(r.at_risk_end_states > 0, b.at_risk > 0, "at risk: {}", ctx);
                    prop_assert_eq!(r.error_steps > 0, b.error > 0, "error: {}", ctx);
                    prop_assert_eq!(r.finding() == Finding::Unsafe, b.lost + b.at_risk > 0, "{}", ctx);
                    // Persistent sets keep every end state: the reduced search must reach exactly the
                    // distinct end states brute force reaches (in the same abstraction).
                    let ends = if o.abstraction { &b.canonical_ends } else { &b.ends };
                    prop_assert_eq!(
                        (r.end_states, r.lost_end_states, r.at_risk_end_states),
                        Brute::count(ends),
                        "end states: {}", ctx
                    );
                    if !o.reduction {
                        // Every interleaving is a path: the counts are exact.
                        prop_assert_eq!(
                            (r.paths.lost, r.paths.at_risk, r.paths.guaranteed, r.paths.error),
                            (b.lost, b.at_risk, b.guaranteed, b.error),
                            "{}", ctx
                        );
                    }
                    if let Some(cex) = &r.counterexample {
                        let t = run(&cex.scenario, &v).unwrap();
                        prop_assert_eq!(t.verdict, cex.verdict);
                        // A loss is reported whenever one exists; at risk only otherwise.
                        prop_assert_eq!(cex.kind == Bad::Lost, b.lost > 0, "{}", ctx);
                    }
                }
            }
        }
    }
}

/// Counts beyond u64 (six CPUs with eight steps each) still serialise to JSON, as numbers; counts that
/// fit stay exact integers.
#[test]
fn reports_with_huge_interleaving_counts_serialise_to_json() {
    let mut s = Scenario::new(6);
    for _ in 0..8 {
        for cpu in 0..6 {
            s.steps.push(Step::new(cpu, Action::ClearRefsWrite));
        }
    }
    let o = Options {
        max_states: 1000,
        ..Options::default()
    };
    let r = go(&s, &Preset::V5_12.variant(), &o);
    assert!(r.interleavings > u128::from(u64::MAX));
    let json = serde_json::to_value(&r).expect("a report serialises");
    let n = json["interleavings"].as_f64().expect("a number");
    assert!((n / r.interleavings as f64 - 1.0).abs() < 1e-9);
    let small = go(&example("example-1").unwrap(), &Preset::V5_12.variant(), &o);
    let json = serde_json::to_value(&small).unwrap();
    assert_eq!(json["interleavings"].as_u64(), Some(900_900));
    assert_eq!(
        json["paths"]["lost"].as_u64(),
        Some(small.paths.lost as u64)
    );
}
