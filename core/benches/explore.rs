//! How long `explore` takes: the seed's Example 1 under every preset (what the playground's "search every
//! interleaving" button does), the exact search that bench/compare.sh holds against Spin, and the
//! scaled scenarios of bench/scenarios/. The whole bench runs in about a minute and a half.
//!
//! scaled-6x8 (6 CPUs x 8 steps, ~2.9e33 interleavings) is beyond a complete search in either tool (both
//! pass 20 million states without finishing), so it is measured as the time to the first confirmed
//! loss; scaled-6x4 (the first half of each of its programs) is searched completely.

use std::ops::ControlFlow;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use tlbrace_core::examples::example;
use tlbrace_core::search::explore::{explore, Finding, Options, Outcome, Report};
use tlbrace_core::{formats::json, Preset, Scenario, Variant};

const SCALED_6X8: &str = include_str!("../../bench/scenarios/scaled-6x8.json");
const SCALED_6X4: &str = include_str!("../../bench/scenarios/scaled-6x4.json");
const EXAMPLE_1_JSON: &str = include_str!("../../bench/scenarios/example-1.json");

fn search(s: &Scenario, v: &Variant, o: &Options) -> Report {
    explore(s, v, o, |_| ControlFlow::Continue(())).expect("the bench scenarios are valid")
}

fn load(text: &str) -> Scenario {
    json::from_json(text).expect("the bench scenarios parse")
}

fn bench_example_1(c: &mut Criterion) {
    let s = example("example-1").expect("example-1 is built in");
    // compare.sh runs Spin on the JSON copy: it must be the same programs.
    assert_eq!(load(EXAMPLE_1_JSON).steps, s.steps);
    let mut g = c.benchmark_group("explore example-1");
    g.measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for preset in Preset::ALL {
        let v = preset.variant();
        let r = search(&s, &v, &Options::default());
        // The seed's verdicts (MODEL.md §5): only the mm_tlb_flush_pending fix is safe.
        let safe = matches!(preset, Preset::YuFix | Preset::YuFixFlush);
        let want = if safe { Finding::Safe } else { Finding::Unsafe };
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

fn bench_scaled(c: &mut Criterion) {
    let big = load(SCALED_6X8);
    assert_eq!(big.cpus, 6);
    assert!(big.programs().iter().all(|p| p.len() == 8));
    let first = Options {
        stop_at_first: true,
        ..Options::default()
    };
    let mut g = c.benchmark_group("explore scaled-6x8 first loss");
    g.sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300));
    for preset in Preset::ALL {
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
    for preset in Preset::ALL {
        let v = preset.variant();
        let r = search(&half, &v, &Options::default());
        assert_eq!(r.outcome, Outcome::Complete, "{}", preset.name());
        g.bench_with_input(BenchmarkId::new("reduced", preset.name()), &v, |b, v| {
            b.iter(|| search(black_box(&half), v, &Options::default()))
        });
    }
    let v = Preset::YuFixFlush.variant();
    g.bench_with_input(BenchmarkId::new("exact", "yu-fix+flush"), &v, |b, v| {
        b.iter(|| search(black_box(&half), v, &Options::exact()))
    });
    g.finish();
}

criterion_group!(benches, bench_example_1, bench_scaled);
criterion_main!(benches);
