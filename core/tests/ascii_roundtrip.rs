//! Any diagram the exporter writes imports back to the same scenario: a property over random model-v2
//! scenarios (one or two pages of either kind, second mappings, per-page and mm overrides — default
//! values included —, steps on page 1, notes, labels and titles whose words include what the importer
//! reads specially: arrows, `...`, footnote marks, lane names, conditions, remarks, page faults,
//! helper functions, setup lines). And the importer reads the largest input it takes, and terminates.

use proptest::prelude::*;
use tlbrace_core::formats::ascii::{self, export, import, import_lenient};
use tlbrace_core::{Action, Scenario, Step, MAX_CPUS};

mod common;
use common::{any_action, any_mm, any_pages};

/// Words a diagram carries, among them what the importer reads specially.
fn word() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-zA-Z0-9_/(),.:;'\"*#+-]{1,12}",
        1 => "[a-zé日ß]{1,6}-[a-z]{1,6}",
        3 => prop::sample::select(vec![
            "write-", "-", "!pte_dirty()", "&&", "page", "page 1:", "(page 1)", "write",
            "pte_mkclean()", "cache writable PTE in TLB", "kind=anon", "initial:", "==>", "->",
            "...", "(*)", "*", "t1", "CPU A", "cpu1", "Task B", "lose data", "page fault",
            "page-fault", "mmap_read_lock()", "change_pte_range()", "madvise(MADV_DONTNEED)",
            "user writes using cached RW PTE", "flush TLB", "\"", "Signed-off-by:", "if (x)",
            "----", "CPU0", "tlb->mm = 1", "|",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

fn words(max: usize) -> BoxedStrategy<String> {
    prop::collection::vec(word(), 1..=max)
        .prop_map(|w| w.join(" "))
        .boxed()
}

/// Steps on `cpus` CPUs and `pages` pages (whole-mm actions on page 0), at least one.
fn steps(cpus: usize, pages: usize) -> BoxedStrategy<Vec<Step>> {
    let note = prop_oneof![
        3 => Just(None),
        4 => words(14).prop_map(Some),
        1 => Just(Some(String::new())),
    ];
    let step = (0..cpus, 0..pages, any_action(), note).prop_map(|(cpu, page, action, note)| Step {
        cpu,
        action,
        page: if action.def().per_page { page } else { 0 },
        note,
    });
    prop::collection::vec(step, 1..30).boxed()
}

/// Scenarios whose texts a diagram can carry (`ascii::note_is_representable`; docs/scenario-format.md
/// §3.3): notes and labels without brackets, normalized titles; a label row that is not all action
/// names (it would be a row of steps).
fn representable_scenario() -> BoxedStrategy<Scenario> {
    (1usize..=MAX_CPUS)
        .prop_flat_map(|cpus| {
            let label = prop_oneof![Just(String::new()), words(3)];
            (
                Just(cpus),
                prop::option::of(words(20)),
                prop::collection::vec(label, 0..=cpus),
                any_pages(cpus),
                any_mm(),
            )
        })
        .prop_flat_map(|(cpus, title, labels, pages, initial)| {
            let n = pages.len();
            (Just((cpus, title, labels, pages, initial)), steps(cpus, n))
        })
        .prop_map(|((cpus, title, mut labels, pages, initial), steps)| {
            while labels.last().is_some_and(String::is_empty) {
                labels.pop();
            }
            Scenario {
                title,
                labels,
                pages,
                initial,
                steps,
                ..Scenario::new(cpus)
            }
        })
        .prop_filter("valid", |s| s.validate().is_ok())
        .prop_filter("a label row is not all actions", |s| {
            s.labels.iter().all(String::is_empty)
                || !s
                    .labels
                    .iter()
                    .filter(|l| !l.is_empty())
                    .all(|l| ascii::names::name_action(l).is_some())
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_exported_diagram_imports_back_to_the_same_scenario(s in representable_scenario()) {
        let text = export(&s);
        let back = import(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&back, &s, "{}", text);
        // Leniently too: nothing unmapped, every line accounted for.
        let d = import_lenient(&text).unwrap();
        prop_assert!(d.unmapped.is_empty());
        for (i, line) in text.lines().enumerate() {
            let no = i + 1;
            if no >= d.header_line && no <= d.last_line && !line.trim().is_empty() {
                prop_assert!(d.uses.iter().any(|u| u.line == no), "line {} `{}`\n{}", no, line, text);
            }
        }
        // Quoted in a reply, it reads the same.
        let quoted: String = text.lines().map(|l| format!("> {l}\n")).collect();
        prop_assert_eq!(import(&quoted).map_err(|e| TestCaseError::fail(e.0))?, s);
    }

    #[test]
    fn the_lenient_reader_never_panics(text in "[ -~\t\n\\[\\]>]{0,400}") {
        if let Ok(mut d) = import_lenient(&text) {
            for k in 0..d.unmapped.len() {
                let pick = d.unmapped[k].suggestions.first().copied();
                let _ = d.resolve(k, pick);
            }
            let _ = d.finish();
        }
        let _ = ascii::import_all(&text);
    }
}

#[test]
fn a_bracket_only_step_is_kept_apart_from_its_action_below() {
    // Found by the fuzz target: `[madvise(MADV_DONTNEED)]` (a zap named by an alias) right above
    // `zap_pte_range()` read as one step.
    let mut s = Scenario::new(2);
    s.steps = vec![
        Step::new(1, Action::ZapPteRange).note("madvise(MADV_DONTNEED)"),
        Step::new(1, Action::ZapPteRange),
    ];
    let text = export(&s);
    assert_eq!(import(&text).unwrap(), s, "{text}");
}

#[test]
fn the_largest_input_terminates() {
    // MAX_INPUT_BYTES of the worst shapes: one long line, many diagrams of unmapped lines, a note
    // with thousands of lines, thousands of notes on one step. Each must end (no timing bound).
    let cap = ascii::MAX_INPUT_BYTES;
    let fill = |unit: &str, head: &str| {
        let mut t = String::from(head);
        while t.len() + unit.len() <= cap {
            t.push_str(unit);
        }
        t
    };
    let inputs = [
        fill("x", "  CPU0  CPU1\n  ----  ----\n  "),
        fill("t1  t2\nfoo\nbar()\n", ""),
        fill("  a\n", "  CPU0  CPU1\n  ----  ----\n  [x\n"),
        fill("  [n]\n", "  CPU0  CPU1\n  ----  ----\n  pte_mkold()\n"),
        fill(
            "  ==> mmap_read_lock()\n",
            "  CPU0  CPU1\n  ----  ----\n  mprotect(PROT_READ)\n",
        ),
        fill("\t\t\t\tx [*]\n", "CPU A\t\t\tCPU B\n\n"),
    ];
    for text in &inputs {
        assert!(text.len() <= cap);
        let _ = import_lenient(text);
        let _ = ascii::import_all(text);
    }
    let over = "x".repeat(cap + 1);
    assert!(import(&over).unwrap_err().0.contains("at most 1024 KiB"));
}
