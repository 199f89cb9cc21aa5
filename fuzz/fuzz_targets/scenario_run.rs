//! Structure-aware: the input is read (with `arbitrary`) as a model-v2 scenario -- up to eight CPUs,
//! one or two pages of either kind, a second mapping, initial overrides, up to 24 steps of any of the
//! 36 actions -- and a variant (any set of fixes, either architecture). Every valid one is run
//! (`trace::run`, twice: deterministic), searched with a small budget (`explore`; a counterexample must
//! be a reordering that `run` confirms), minimised when harmed, run under every preset (`run_all`),
//! and carried through JSON and a share link exactly. Nothing may panic.
#![no_main]

use std::ops::ControlFlow;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use tlbrace_core::formats::{ascii, json, share};
use tlbrace_core::model::initial::PageInitial;
use tlbrace_core::search::explore::{explore, Failure, Options};
use tlbrace_core::search::minimize::minimize;
use tlbrace_core::{
    run, run_all, Action, Arch, Fix, FixSet, InitialState, PageKind, PageSpec, Scenario, Step,
    TlbEntry, Variant, Verdict, MAX_CPUS,
};

fn flag(u: &mut Unstructured) -> Result<Option<bool>> {
    Ok(if u.ratio(1, 4)? {
        Some(u.arbitrary()?)
    } else {
        None
    })
}

fn count(u: &mut Unstructured) -> Result<Option<u32>> {
    Ok(if u.ratio(1, 4)? {
        Some(u.int_in_range(0..=3)?)
    } else {
        None
    })
}

fn page_initial(u: &mut Unstructured, cpus: usize) -> Result<PageInitial> {
    if u.ratio(2, 3)? {
        return Ok(PageInitial::default());
    }
    let tlb = if u.ratio(1, 3)? {
        let n = u.int_in_range(0..=cpus)?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push(if u.arbitrary()? {
                Some(TlbEntry {
                    writable: u.arbitrary()?,
                    dirty: u.arbitrary()?,
                    frame: 0,
                })
            } else {
                None
            });
        }
        Some(entries)
    } else {
        None
    };
    Ok(PageInitial {
        present: flag(u)?,
        write: flag(u)?,
        dirty: flag(u)?,
        young: flag(u)?,
        soft_dirty: flag(u)?,
        pg_dirty: flag(u)?,
        in_page_cache: flag(u)?,
        mem: count(u)?,
        disk: count(u)?,
        tlb,
        lazyfree: flag(u)?,
        shared: flag(u)?,
    })
}

fn kind(u: &mut Unstructured) -> Result<PageKind> {
    Ok(if u.arbitrary()? {
        PageKind::Anon
    } else {
        PageKind::File
    })
}

fn scenario(u: &mut Unstructured) -> Result<Scenario> {
    let cpus = u.int_in_range(1..=MAX_CPUS)?;
    let mut pages = vec![PageSpec {
        kind: kind(u)?,
        same_as: None,
        initial: page_initial(u, cpus)?,
    }];
    if u.arbitrary()? {
        let mut second = PageSpec {
            kind: kind(u)?,
            same_as: None,
            initial: page_initial(u, cpus)?,
        };
        if u.ratio(1, 3)? {
            second.kind = PageKind::File;
            second.same_as = Some(0);
            let i = &mut second.initial;
            (
                i.pg_dirty,
                i.in_page_cache,
                i.mem,
                i.disk,
                i.lazyfree,
                i.shared,
            ) = (None, None, None, None, None, None);
        }
        pages.push(second);
    }
    let initial = InitialState {
        tlb_flush_pending: count(u)?,
        tlb_flush_batched: flag(u)?,
    };
    let n = u.int_in_range(0..=24)?;
    let mut steps = Vec::with_capacity(n);
    for _ in 0..n {
        let action = *u.choose(&Action::ALL)?;
        let cpu = u.int_in_range(0..=cpus - 1)?;
        let page = if action.def().per_page {
            u.int_in_range(0..=pages.len() - 1)?
        } else {
            0
        };
        steps.push(Step::new(cpu, action).on(page));
    }
    Ok(Scenario {
        pages,
        initial,
        steps,
        ..Scenario::new(cpus)
    })
}

fn variant(u: &mut Unstructured) -> Result<Variant> {
    let bits: u32 = u.arbitrary()?;
    let fixes = Fix::ALL
        .into_iter()
        .filter(|f| bits & 1 << *f as u32 != 0)
        .fold(FixSet::EMPTY, FixSet::with);
    let arch = if u.arbitrary()? {
        Arch::Arm64
    } else {
        Arch::X86
    };
    Ok(Variant { fixes, arch })
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let (Ok(s), Ok(v)) = (scenario(&mut u), variant(&mut u)) else {
        return;
    };
    if s.validate().is_err() {
        assert!(run(&s, &v).is_err());
        return;
    }
    // The formats carry it exactly; a diagram at least reads back.
    assert_eq!(json::from_json(&json::to_json(&s)).as_ref(), Ok(&s));
    assert_eq!(share::decode(&share::encode(&s)).as_ref(), Ok(&s));
    let _ = ascii::import(&ascii::export(&s));

    let first = run(&s, &v);
    assert_eq!(first, run(&s, &v), "run is not deterministic");
    let _ = run_all(&s, v.arch);
    let Ok(t) = first else { return };
    assert_eq!(t.states.len(), s.steps.len());
    assert_eq!(t.events.len(), s.steps.len());
    for e in t.events.iter() {
        let _ = e.text();
    }
    let _ = t.verdict.summary(&s);

    let options = Options {
        max_states: 20_000,
        max_transitions: 50_000,
        ..Options::default()
    };
    let r = explore(&s, &v, &options, |_| ControlFlow::Continue(())).expect("a valid scenario");
    if let Some(cex) = &r.counterexample {
        // A reordering of the steps that keeps each CPU's program order; steps that could never run
        // (they wait for a lock a finished CPU holds: a stuck end) are left out.
        let mut order = cex.order.clone();
        order.sort_unstable();
        order.dedup();
        assert_eq!(order.len(), cex.order.len(), "a step twice");
        assert!(order.iter().all(|&i| i < s.steps.len()));
        for lane in s.programs() {
            let pos: Vec<usize> = lane
                .iter()
                .filter_map(|i| cex.order.iter().position(|o| o == i))
                .collect();
            assert!(pos.windows(2).all(|w| w[0] < w[1]), "program order broken");
            assert!(
                pos.len() == lane.len() || lane[..pos.len()].iter().all(|i| cex.order.contains(i)),
                "a lane's step left out before a later one that ran"
            );
        }
        let confirmed = run(&cex.scenario, &v).expect("the counterexample runs");
        assert_eq!(confirmed.verdict, cex.verdict);
        match cex.kind {
            Failure::Harmed => assert!(matches!(cex.verdict, Verdict::Harmed { .. })),
            Failure::AtRisk => assert!(matches!(cex.verdict, Verdict::AtRisk { .. })),
        }
    }
    if t.verdict.is_bad() && t.waits.is_empty() {
        let m = minimize(&s, &v).expect("a bad timeline minimises");
        assert!(m.steps.len() <= s.steps.len());
        let again = run(&m, &v).expect("the minimised timeline runs");
        assert_eq!(
            again.verdict.id(),
            t.verdict.id(),
            "minimisation changed the harm"
        );
    }
});
