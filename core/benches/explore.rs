//! How long `explore` takes: the seed's Example 1 under a few presets (what the playground's "search
//! every interleaving" button does), the exact search that bench/compare.sh holds against Spin, a
//! two-page, four-CPU scenario of model v2's paths searched completely (goal: under 2 s native), and
//! the scaled scenarios of bench/scenarios/ (model v1 JSON, read through the migration).
//!
//! scaled-6x8 (6 CPUs x 8 steps, ~2.9e33 interleavings) is beyond a complete search, so it is measured
//! as the time to the first confirmed harm; scaled-6x4 (the first half of each of its programs) is
//! searched completely. Last, the fix search ("Which fix closes it?") on Example 1.

use std::ops::ControlFlow;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use tlbrace_core::examples::example;
use tlbrace_core::search::explore::{explore, Finding, Options, Outcome, Report};
use tlbrace_core::search::fix::{find_fixes, FixOptions};
use tlbrace_core::{formats::json, Action::*, PageKind, PageSpec, Preset, Scenario, Step, Variant};

const SCALED_6X8: &str = include_str!("../../bench/scenarios/scaled-6x8.json");
const SCALED_6X4: &str = include_str!("../../bench/scenarios/scaled-6x4.json");
const EXAMPLE_1_JSON: &str = include_str!("../../bench/scenarios/example-1.json");

fn search(s: &Scenario, v: &Variant, o: &Options) -> Report {
    explore(s, v, o, |_| ControlFlow::Continue(())).expect("the bench scenarios are valid")
}

fn load(text: &str) -> Scenario {
    json::from_json(text).expect("the bench scenarios parse")
}

/// Four CPUs, six steps each, two pages (a MAP_SHARED file page and an anonymous page): user space on
/// both pages, clear_refs over both, a deferred clean then writeback of the file page, and NUMA
/// migration of the anonymous page.
pub fn two_pages_4x6() -> Scenario {
    let lanes: [&[(tlbrace_core::Action, usize)]; 4] = [
        &[
            (CachePteInTlb, 0),
            (CachePteInTlb, 1),
            (WriteToPage, 0),
            (WriteToPage, 1),
            (WriteToPage, 0),
            (ReadPage, 1),
        ],
        &[
            (ClearRefsWrite, 0),
            (TlbGatherMmu, 0),
            (PteWrprotect, 0),
            (PteWrprotect, 1),
            (PteMkold, 0),
            (TlbFinishMmu, 0),
        ],
        &[
            (IncTlbFlushPending, 0),
            (CleanRecordPte, 0),
            (FlushTlbRange, 0),
            (DecTlbFlushPending, 0),
            (PageMkcleanOne, 0),
            (WritePageToDisk, 0),
        ],
        &[
            (ChangeProtNuma, 1),
            (FlushTlbRange, 0),
            (DoNumaPage, 1),
            (TryToMigrateOne, 1),
            (MoveToNewPage, 1),
            (DropCleanPage, 0),
        ],
    ];
    let mut steps = Vec::new();
    for k in 0..6 {
        for (cpu, lane) in lanes.iter().enumerate() {
            let (a, page) = lane[k];
            steps.push(Step::new(cpu, a).on(page));
        }
    }
    Scenario {
        title: Some("two pages, 4 CPUs x 6 steps".into()),
        pages: vec![PageSpec::default(), PageSpec::new(PageKind::Anon)],
        steps,
        ..Scenario::new(4)
    }
}

const SOME_PRESETS: [Preset; 4] = [
    Preset::V5_10Rc4,
    Preset::Will4And6,
    Preset::YuFixFlush,
    Preset::V5_12,
];

fn bench_example_1(c: &mut Criterion) {
    let s = example("example-1").expect("example-1 is built in");
    // bench/scenarios/example-1.json (a v1 document, still read) must hold the same programs.
    assert_eq!(load(EXAMPLE_1_JSON).steps, s.steps);
    let mut g = c.benchmark_group("explore example-1");
    g.measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for preset in SOME_PRESETS {
        let v = preset.variant();
        let r = search(&s, &v, &Options::default());
        assert_eq!(r.outcome, Outcome::Complete, "{}", preset.name());
        // Model v2's verdicts: only Yu Zhao's fix with the final flush keeps every order safe (without
        // the flush, yu-fix misses soft-dirty).
        let want = if preset == Preset::YuFixFlush {
            Finding::Safe
        } else {
            Finding::Unsafe
        };
        assert_eq!(r.finding(), want, "{}", preset.name());
        g.bench_with_input(BenchmarkId::new("reduced", preset.name()), &v, |b, v| {
            b.iter(|| search(black_box(&s), v, &Options::default()))
        });
    }
    let v = Preset::Will4And6.variant();
    g.bench_with_input(BenchmarkId::new("exact", "will-4+6"), &v, |b, v| {
        b.iter(|| search(black_box(&s), v, &Options::exact()))
    });
    g.finish();
}

fn bench_two_pages(c: &mut Criterion) {
    let s = two_pages_4x6();
    assert!(s.programs().iter().all(|p| p.len() == 6));
    let mut g = c.benchmark_group("explore two-pages-4x6");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_millis(300));
    for preset in [Preset::V5_10Rc4, Preset::V5_12] {
        let v = preset.variant();
        let r = search(&s, &v, &Options::default());
        assert_eq!(r.outcome, Outcome::Complete, "{}", preset.name());
        eprintln!(
            "two-pages-4x6 under {}: {:?}, {} states, {} steps tried, {} end states",
            preset.name(),
            r.finding(),
            r.states,
            r.transitions,
            r.end_states
        );
        g.bench_with_input(BenchmarkId::new("reduced", preset.name()), &v, |b, v| {
            b.iter(|| search(black_box(&s), v, &Options::default()))
        });
    }
    g.finish();
}

fn bench_scaled(c: &mut Criterion) {
    let big = load(SCALED_6X8);
    assert_eq!(big.cpus, 6);
    assert!(big.programs().iter().all(|p| p.len() == 8));
    let first = Options {
        stop_at_first: true,
        ..Options::default()
    };
    let mut g = c.benchmark_group("explore scaled-6x8 first harm");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300));
    for preset in [Preset::V5_10Rc4, Preset::V5_12] {
        let v = preset.variant();
        let r = search(&big, &v, &first);
        assert_eq!(r.outcome, Outcome::StoppedAtFirst, "{}", preset.name());
        g.bench_with_input(BenchmarkId::new("reduced", preset.name()), &v, |b, v| {
            b.iter(|| search(black_box(&big), v, &first))
        });
    }
    g.finish();

    let half = load(SCALED_6X4);
    assert!(half.programs().iter().all(|p| p.len() == 4));
    let mut g = c.benchmark_group("explore scaled-6x4");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(300));
    for preset in [Preset::V5_10Rc4, Preset::V5_12] {
        let v = preset.variant();
        let r = search(&half, &v, &Options::default());
        assert_eq!(r.outcome, Outcome::Complete, "{}", preset.name());
        g.bench_with_input(BenchmarkId::new("reduced", preset.name()), &v, |b, v| {
            b.iter(|| search(black_box(&half), v, &Options::default()))
        });
    }
    g.finish();
}

/// "Which fix closes it?" on the seed's Example 1 from v5.10-rc4, what the page's fix panel runs in its
/// worker (goal: under 1 s native).
fn bench_fix(c: &mut Criterion) {
    let s = example("example-1").unwrap();
    let base = Preset::V5_10Rc4.variant();
    let fixes = |s: &Scenario| {
        find_fixes(s, &base, &FixOptions::default(), |_| {
            ControlFlow::Continue(())
        })
        .expect("example-1 is valid")
    };
    let report = fixes(&s);
    assert_eq!(report.outcome, Outcome::Complete);
    assert!(!report.closing.is_empty());
    eprintln!(
        "fix search, example-1 from v5.10-rc4: {} candidates, {} closing sets, {} tempting",
        report.explored,
        report.closing.len(),
        report.tempting.len()
    );
    let mut g = c.benchmark_group("fix");
    g.sample_size(10).warm_up_time(Duration::from_millis(300));
    g.bench_function("example-1 from v5.10-rc4", |b| {
        b.iter(|| fixes(black_box(&s)))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_example_1,
    bench_two_pages,
    bench_scaled,
    bench_fix
);
criterion_main!(benches);
