//! Every action stays inside the footprint it declares (model/actions/): on random states, under
//! every combination of policies, a step changes only variables it declares as written, and its
//! outcome does not depend on any variable it does not declare as read. The explorer's partial-order
//! reduction and state abstraction are sound only if this holds (docs/model.md §6).

use proptest::prelude::*;
use tlbrace_core::model::footprint::Var;
use tlbrace_core::{
    step, Action, Arch, Batching, GatherMode, SkipTest, State, StepError, Variant, MAX_CPUS,
};

/// Every combination of the policy toggles, on both architectures.
fn every_variant() -> Vec<Variant> {
    let mut out = Vec::new();
    for skip_test in [SkipTest::Mainline, SkipTest::ChecksPending, SkipTest::Never] {
        for batching in [
            Batching::NestedOnly,
            Batching::Recorded,
            Batching::Mm,
            Batching::None,
        ] {
            for gather_mode in [GatherMode::Fullmm, GatherMode::Ranged] {
                for arch in [Arch::X86, Arch::Arm64] {
                    out.push(Variant {
                        skip_test,
                        batching,
                        gather_mode,
                        arch,
                    });
                }
            }
        }
    }
    out
}

/// A machine with `cpus` CPUs whose every variable is set from `values` (small numbers, so counters
/// cannot overflow).
fn state_from(cpus: usize, values: &[u64]) -> State {
    let mut s = tlbrace_core::InitialState::default()
        .build(cpus)
        .expect("the default state builds");
    for (v, x) in Var::all(cpus).zip(values.iter().cycle()) {
        v.set(&mut s, *x);
    }
    s
}

/// What a step's outcome is, as far as anything downstream can tell: the next state, or the error,
/// and whether it lost data. (The effect's words may name CPUs holding stale entries; those are
/// descriptions, not outcomes.)
fn outcome(s: &State, cpu: usize, a: Action, v: &Variant) -> Result<(State, bool), StepError> {
    step(s, cpu, a, v).map(|(next, effect)| (next, effect.loses_data()))
}

fn check(
    cpus: usize,
    values: &[u64],
    perturb: &[u64],
    a: Action,
    cpu: usize,
    v: &Variant,
) -> Result<(), TestCaseError> {
    let s = state_from(cpus, values);
    let f = (a.def().footprint)(cpu, v);
    let before = outcome(&s, cpu, a, v);
    let ctx = || {
        format!(
            "{} on CPU{cpu} under {} ({v:?}) from {s:?}",
            a.id(),
            v.name()
        )
    };
    if let Ok((after, _)) = &before {
        for var in Var::all(cpus) {
            if !f.write.contains(var) {
                prop_assert_eq!(
                    var.get(after),
                    var.get(&s),
                    "{:?} changed but is not in the declared writes: {}",
                    var,
                    ctx()
                );
            }
        }
    }
    for (var, x) in Var::all(cpus).zip(perturb.iter().cycle()) {
        if f.read.contains(var) {
            continue;
        }
        let mut t = s;
        var.set(&mut t, *x);
        let other = outcome(&t, cpu, a, v);
        match (&before, &other) {
            (Err(e1), Err(e2)) => prop_assert_eq!(e1, e2, "{:?} is read: {}", var, ctx()),
            (Ok((a1, lost1)), Ok((a2, lost2))) => {
                prop_assert_eq!(lost1, lost2, "{:?} decides a loss: {}", var, ctx());
                for w in Var::all(cpus) {
                    if w == var {
                        // Either the step left it alone in both runs, or wrote the same value.
                        let untouched = w.get(a1) == w.get(&s) && w.get(a2) == w.get(&t);
                        prop_assert!(
                            untouched || w.get(a1) == w.get(a2),
                            "{:?} is written depending on its own value: {}",
                            w,
                            ctx()
                        );
                    } else {
                        prop_assert_eq!(
                            w.get(a1),
                            w.get(a2),
                            "{:?} depends on {:?}, which is not a declared read: {}",
                            w,
                            var,
                            ctx()
                        );
                    }
                }
            }
            _ => prop_assert!(
                false,
                "whether it fails depends on {:?}, not a declared read: {}",
                var,
                ctx()
            ),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_step_stays_inside_its_declared_footprint(
        cpus in 1..=MAX_CPUS,
        values in prop::collection::vec(0u64..6, 40),
        perturb in prop::collection::vec(0u64..6, 40),
        cpu_pick in 0usize..MAX_CPUS,
    ) {
        let cpu = cpu_pick % cpus;
        for v in every_variant() {
            for a in Action::ALL {
                check(cpus, &values, &perturb, a, cpu, &v)?;
            }
        }
    }
}

#[test]
fn every_action_declares_something_it_reads_or_writes_except_markers() {
    // A footprint left empty by mistake would make the action commute with everything. Only
    // clear_refs_write, which marks the start of the syscall and changes nothing, may have none.
    for a in Action::ALL {
        for v in every_variant() {
            let f = (a.def().footprint)(0, &v);
            let empty = f == Default::default();
            assert_eq!(
                empty,
                a == Action::ClearRefsWrite,
                "{}: footprint {f:?} under {v:?}",
                a.id()
            );
        }
    }
}
