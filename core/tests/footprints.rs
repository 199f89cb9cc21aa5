//! Every action stays inside the footprint it declares (model/actions/): on random states, under
//! random sets of fixes on both architectures, a step changes only variables it declares as written,
//! and its outcome (next state, error, harm) does not depend on any variable it does not declare as
//! read. The explorer's partial-order reduction and state abstraction are sound only if this holds
//! (docs/model.md §8).

use proptest::prelude::*;
use tlbrace_core::model::footprint::Var;
use tlbrace_core::model::scenario::StepCtx;
use tlbrace_core::model::{step_in, Bad, Locking, StepError};
use tlbrace_core::{Action, Arch, Fix, FixSet, PageSpec, State, Variant, MAX_CPUS, MAX_PAGES};

/// A machine with `cpus` CPUs and `pages` pages whose every variable is set from `values`.
fn state_from(cpus: usize, pages: usize, values: &[u64]) -> State {
    let specs = vec![PageSpec::default(); pages];
    let mut s = tlbrace_core::model::initial::build(cpus, &specs, &Default::default())
        .expect("the default state builds");
    for (v, x) in Var::all(cpus, pages).zip(values.iter().cycle()) {
        v.set(&mut s, *x);
    }
    s
}

/// What a step's outcome is, as far as anything downstream can tell: the next state, or the error,
/// and the harm done. (The effect's words may name CPUs holding stale entries; those are
/// descriptions, not outcomes.)
fn outcome(
    s: &State,
    ctx: &StepCtx,
    a: Action,
    v: &Variant,
    locking: Locking,
) -> Result<(State, Option<Bad>), StepError> {
    step_in(s, ctx, a, v, locking).map(|(next, effect)| (next, effect.bad))
}

#[allow(clippy::too_many_arguments)]
fn check(
    cpus: usize,
    pages: usize,
    values: &[u64],
    perturb: &[u64],
    a: Action,
    ctx: &StepCtx,
    v: &Variant,
    locking: Locking,
) -> Result<(), TestCaseError> {
    let s = state_from(cpus, pages, values);
    let f = (a.def().footprint)(ctx, v);
    let before = outcome(&s, ctx, a, v, locking);
    let describe = || {
        format!(
            "{} on CPU{} page {} (next {:?}, gather {:?}) under {} ({locking:?}) from {s:?}",
            a.id(),
            ctx.cpu,
            ctx.page,
            ctx.next,
            ctx.gather,
            v.name()
        )
    };
    if let Ok((after, _)) = &before {
        for var in Var::all(cpus, pages) {
            if !f.write.contains(var) {
                prop_assert_eq!(
                    var.get(after),
                    var.get(&s),
                    "{:?} changed but is not in the declared writes: {}",
                    var,
                    describe()
                );
            }
        }
    }
    for (var, x) in Var::all(cpus, pages).zip(perturb.iter().cycle()) {
        if f.read.contains(var) {
            continue;
        }
        let mut t = s;
        var.set(&mut t, *x);
        let other = outcome(&t, ctx, a, v, locking);
        match (&before, &other) {
            (Err(e1), Err(e2)) => prop_assert_eq!(e1, e2, "{:?} is read: {}", var, describe()),
            (Ok((a1, bad1)), Ok((a2, bad2))) => {
                prop_assert_eq!(bad1, bad2, "{:?} decides the harm: {}", var, describe());
                for w in Var::all(cpus, pages) {
                    if w == var {
                        // Either the step left it alone in both runs, or wrote the same value.
                        let untouched = w.get(a1) == w.get(&s) && w.get(a2) == w.get(&t);
                        prop_assert!(
                            untouched || w.get(a1) == w.get(a2),
                            "{:?} is written depending on its own value: {}",
                            w,
                            describe()
                        );
                    } else {
                        prop_assert_eq!(
                            w.get(a1),
                            w.get(a2),
                            "{:?} depends on {:?}, which is not a declared read: {}",
                            w,
                            var,
                            describe()
                        );
                    }
                }
            }
            _ => prop_assert!(
                false,
                "whether it fails depends on {:?}, not a declared read: {}",
                var,
                describe()
            ),
        }
    }
    Ok(())
}

fn fixes() -> impl Strategy<Value = FixSet> {
    any::<u32>().prop_map(|bits| {
        Fix::ALL
            .into_iter()
            .filter(|f| bits & 1 << *f as u32 != 0)
            .fold(FixSet::EMPTY, FixSet::with)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_step_stays_inside_its_declared_footprint(
        cpus in 1..=MAX_CPUS,
        pages in 1..=MAX_PAGES,
        values in prop::collection::vec(any::<u64>(), 64),
        perturb in prop::collection::vec(any::<u64>(), 64),
        cpu_pick in 0usize..MAX_CPUS,
        page_pick in 0usize..MAX_PAGES,
        next in prop::option::of(prop::sample::select(Action::ALL.to_vec())),
        gather_from in prop::sample::select(Action::ALL.to_vec()),
        fixes in fixes(),
        arm64 in any::<bool>(),
        strict in any::<bool>(),
        keeps_locks in any::<bool>(),
    ) {
        let variant = Variant {
            fixes,
            arch: if arm64 { Arch::Arm64 } else { Arch::X86 },
        };
        let locking = if strict { Locking::Strict } else { Locking::AsDrawn };
        let ctx = StepCtx {
            cpu: cpu_pick % cpus,
            page: page_pick % pages,
            next,
            gather: gather_from.def().types_gather.unwrap_or_default(),
            keeps_locks,
        };
        for a in Action::ALL {
            let ctx = StepCtx {
                page: if a.def().per_page { ctx.page } else { 0 },
                ..ctx
            };
            check(cpus, pages, &values, &perturb, a, &ctx, &variant, locking)?;
        }
    }
}

#[test]
fn only_markers_declare_an_empty_footprint() {
    // A footprint left empty by mistake would make the action commute with everything. Only the
    // markers, which change nothing, may have none.
    let markers = [Action::DoNumaPage];
    for a in Action::ALL {
        for arch in [Arch::X86, Arch::Arm64] {
            let v = Variant {
                fixes: FixSet::EMPTY,
                arch,
            };
            let f = (a.def().footprint)(&StepCtx::alone(0, 0), &v);
            assert_eq!(
                f == Default::default(),
                markers.contains(&a),
                "{}: footprint {f:?}",
                a.id()
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The state's hand-packed hash (state.rs) reads every variable: a state that differs from
    /// another in any one variable hashes differently (with SipHash, a collision is not a concern).
    #[test]
    fn every_variable_feeds_the_state_hash(
        cpus in 1..=MAX_CPUS,
        pages in 1..=MAX_PAGES,
        values in prop::collection::vec(any::<u64>(), 1..64),
        other in any::<u64>(),
    ) {
        use std::hash::{BuildHasher, RandomState};
        let s = state_from(cpus, pages, &values);
        let hasher = RandomState::new();
        for var in Var::all(cpus, pages) {
            let mut t = s;
            var.set(&mut t, other);
            if t != s {
                prop_assert_ne!(hasher.hash_one(t), hasher.hash_one(s), "{:?}", var);
            }
        }
    }
}
