//! How long the verdict matrix takes: the playground recomputes it on every edit, in the same frame.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tlbrace_core::examples::example;
use tlbrace_core::{run_all, Arch, Scenario};

/// A 64-step, 4-CPU timeline: Example 1's steps repeated, so every path and both verdicts occur.
fn sixty_four_steps() -> Scenario {
    let one = example("example-1").expect("example-1 is built in");
    let mut s = one.clone();
    s.steps = one.steps.iter().cycle().take(64).cloned().collect();
    // Repeating the finish without its gather would be an impossible scenario: keep gathers paired.
    s.steps.retain(|st| {
        st.action != tlbrace_core::Action::TlbGatherMmu
            && st.action != tlbrace_core::Action::TlbFinishMmu
    });
    while s.steps.len() < 64 {
        s.steps.push(tlbrace_core::Step::new(
            0,
            tlbrace_core::Action::WriteToPage,
        ));
    }
    s
}

fn bench_run_all(c: &mut Criterion) {
    let s = sixty_four_steps();
    assert_eq!(s.steps.len(), 64);
    assert!(
        run_all(&s, Arch::X86).iter().all(|r| r.result.is_ok()),
        "the bench scenario must run"
    );
    c.bench_function("run_all 5 presets, 64 steps, 4 CPUs", |b| {
        b.iter(|| run_all(black_box(&s), Arch::X86))
    });
    let e1 = example("example-1").unwrap();
    c.bench_function("run_all 5 presets, example-1 (13 steps)", |b| {
        b.iter(|| run_all(black_box(&e1), Arch::X86))
    });
}

criterion_group!(benches, bench_run_all);
criterion_main!(benches);
