//! How long a hostile paste takes: the page imports a pasted diagram on its main thread, so the
//! worst inputs at the importer's size cap (`ascii::MAX_INPUT_BYTES`, 1 MiB) must import or be refused
//! well under a second (goal; the test `the_largest_input_terminates` asserts only that they end).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tlbrace_core::formats::ascii;

/// `head`, then `unit` repeated up to the cap.
fn fill(unit: &str, head: &str) -> String {
    let cap = ascii::MAX_INPUT_BYTES;
    let mut t = String::from(head);
    while t.len() + unit.len() <= cap {
        t.push_str(unit);
    }
    t
}

fn bench_hostile_pastes(c: &mut Criterion) {
    // The shapes that were quadratic or unbounded before the importer was made linear.
    let inputs = [
        (
            "one 1 MiB line",
            fill("x", "  CPU0  CPU1\n  ----  ----\n  "),
        ),
        (
            "header rows (many diagrams)",
            fill("t1  t2\nfoo\nbar()\n", ""),
        ),
        (
            "one note of 260k lines",
            fill("  a\n", "  CPU0  CPU1\n  ----  ----\n  [x\n"),
        ),
        (
            "170k notes on one step",
            fill("  [n]\n", "  CPU0  CPU1\n  ----  ----\n  pte_mkold()\n"),
        ),
        ("500k `[]` after one step", {
            let mut t = fill("[]", "  CPU0  CPU1\n  ----  ----\n  write to page ");
            t.truncate(ascii::MAX_INPUT_BYTES - 1);
            t.push('\n');
            t
        }),
        (
            "45k lock lines",
            fill(
                "  ==> mmap_read_lock()\n",
                "  CPU0  CPU1\n  ----  ----\n  mprotect(PROT_READ)\n",
            ),
        ),
        ("tabs", fill("\t\t\t\tx [*]\n", "CPU A\t\t\tCPU B\n\n")),
    ];
    let mut group = c.benchmark_group("import 1 MiB");
    group.sample_size(10);
    for (name, text) in &inputs {
        assert!(text.len() <= ascii::MAX_INPUT_BYTES);
        group.bench_function(*name, |b| {
            b.iter(|| ascii::import_all_lenient(black_box(text)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_hostile_pastes);
criterion_main!(benches);
