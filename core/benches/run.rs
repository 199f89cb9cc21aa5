//! How long the verdict matrix takes: the playground recomputes it on every edit, in the same frame, so
//! `run_all` over every preset of a long timeline should stay well under a frame (goal: 50 µs native
//! for 64 steps).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tlbrace_core::examples::example;
use tlbrace_core::{
    run, run_all, Action, Action::*, Arch, PageKind, PageSpec, Preset, Scenario, Step,
};

/// A 64-step, 4-CPU timeline over two pages (page 0 a MAP_SHARED file page, page 1 an anonymous
/// page), four rounds of the races model v2 knows, interleaved as a diagram would draw them:
/// CPU0 is user space on both pages; CPU1 runs clear_refs (soft-dirty, then aging); CPU2 cleans with a
/// deferred flush, writes back and reclaims the file page; CPU3 runs NUMA hinting and migration of the
/// anonymous page, then mprotect-free work (MADV_FREE, a COW copy).
pub fn sixty_four_steps() -> Scenario {
    let round: [(usize, Action, usize); 16] = [
        (0, CachePteInTlb, 0),
        (0, CachePteInTlb, 1),
        (1, ClearRefsWrite, 0),
        (1, TlbGatherMmu, 0),
        (2, IncTlbFlushPending, 0),
        (2, CleanRecordPte, 0),
        (1, PteWrprotect, 0),
        (3, ChangeProtNuma, 1),
        (0, WriteToPage, 0),
        (1, PteWrprotect, 1),
        (0, WriteToPage, 1),
        (1, TlbFinishMmu, 0),
        (2, FlushTlbRange, 0),
        (2, DecTlbFlushPending, 0),
        (3, FlushTlbRange, 0),
        (2, PageMkcleanOne, 0),
    ];
    let round2: [(usize, Action, usize); 16] = [
        (0, WriteToPage, 0),
        (2, WritePageToDisk, 0),
        (3, DoNumaPage, 1),
        (3, TryToMigrateOne, 1),
        (0, ReadPage, 1),
        (3, MoveToNewPage, 1),
        (0, WriteToPage, 1),
        (2, TryToUnmapOne, 0),
        (2, TryToUnmapFlush, 0),
        (0, WriteToPage, 0),
        (1, ClearRefsWrite, 0),
        (1, TlbGatherMmu, 0),
        (1, PteMkold, 0),
        (1, PteMkold, 1),
        (1, TlbFinishMmu, 0),
        (2, DropCleanPage, 0),
    ];
    let steps = round
        .iter()
        .chain(&round2)
        .cycle()
        .take(64)
        .map(|&(cpu, action, page)| Step::new(cpu, action).on(page))
        .collect();
    Scenario {
        title: Some("64 steps, 4 CPUs, 2 pages".into()),
        pages: vec![PageSpec::default(), PageSpec::new(PageKind::Anon)],
        steps,
        ..Scenario::new(4)
    }
}

fn bench_run_all(c: &mut Criterion) {
    let s = sixty_four_steps();
    assert_eq!(s.steps.len(), 64);
    for arch in [Arch::X86, Arch::Arm64] {
        let rows = run_all(&s, arch);
        assert_eq!(rows.len(), Preset::ALL.len());
        for r in &rows {
            assert!(
                r.result.is_ok(),
                "the bench scenario must run under {} on {}: {:?}",
                r.preset.name(),
                arch.name(),
                r.result.as_ref().err()
            );
        }
    }
    let verdicts: Vec<String> = run_all(&s, Arch::X86)
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.preset.name(),
                r.result.as_ref().unwrap().verdict.label()
            )
        })
        .collect();
    eprintln!("64-step verdicts: {}", verdicts.join(", "));
    let n = Preset::ALL.len();
    c.bench_function(
        &format!("run_all {n} presets, 64 steps, 4 CPUs, 2 pages"),
        |b| b.iter(|| run_all(black_box(&s), Arch::X86)),
    );
    let v = Preset::V5_12.variant();
    c.bench_function("run v5.12, 64 steps, 4 CPUs, 2 pages", |b| {
        b.iter(|| run(black_box(&s), &v))
    });
    let e1 = example("example-1").unwrap();
    c.bench_function(&format!("run_all {n} presets, example-1 (13 steps)"), |b| {
        b.iter(|| run_all(black_box(&e1), Arch::X86))
    });
}

criterion_group!(benches, bench_run_all);
criterion_main!(benches);
