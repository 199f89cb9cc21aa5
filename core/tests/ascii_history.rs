//! The history races as their commits draw them (core/tests/fixtures/history-*.txt: each commit's
//! layout — lane headers, tabs or spaces, arrows, brackets, blank lines, footnote marks, kernel
//! function names — with the free-text lines in our own words). Each imports; the lines the model
//! knows become steps; the lines it does not are listed with their line numbers, and resolving them
//! as a user would in the paste panel (to the actions of the built-in example of that race) gives a
//! timeline that does harm under the example's `contrast.harmed` kernel and none under
//! `contrast.holds`.

use std::path::Path;

use tlbrace_core::examples::find;
use tlbrace_core::formats::ascii::{import, import_lenient, Import, Use};
use tlbrace_core::{run, Action, Scenario, Step, Trace, Variant, Verdict};

use Action::*;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn timeline(s: &Scenario) -> Vec<(usize, Action)> {
    s.steps.iter().map(|st| (st.cpu, st.action)).collect()
}

fn harmed(t: &Trace) -> bool {
    matches!(t.verdict, Verdict::Harmed { .. } | Verdict::AtRisk { .. })
}

/// What a fixture must give, and what the user picks for its unmapped lines.
struct Case {
    file: &'static str,
    /// The built-in example of the race.
    example: &'static str,
    /// The steps of the mapped lines: (lane, action).
    mapped: &'static [(usize, Action)],
    /// The unmapped lines: (line, text), with the user's pick for each (`None`: a remark).
    unmapped: &'static [(usize, &'static str, Option<Action>)],
    /// Steps the commit's diagram leaves out that the example has, added as a user adds them in
    /// the editor: (index, lane, action). Only where the drawing lacks a lane or a return.
    completed: &'static [(usize, usize, Action)],
    /// The lane count after completion.
    cpus: usize,
}

/// Every non-blank line from the header to the diagram's last line is accounted for.
fn every_line_is_used(d: &Import, text: &str) {
    for (i, line) in text.lines().enumerate() {
        let no = i + 1;
        if no < d.header_line || no > d.last_line || line.trim().is_empty() {
            continue;
        }
        assert!(
            d.uses.iter().any(|u| u.line == no),
            "line {no} `{line}` is not accounted for"
        );
    }
}

fn check(case: &Case) -> Scenario {
    let text = fixture(case.file);
    let mut d = import_lenient(&text).unwrap_or_else(|e| panic!("{}: {e}", case.file));
    every_line_is_used(&d, &text);
    assert_eq!(
        timeline(&d.scenario),
        case.mapped,
        "{}: mapped steps",
        case.file
    );
    let got: Vec<(usize, &str)> = d
        .unmapped
        .iter()
        .map(|u| (u.line, u.text.as_str()))
        .collect();
    let want: Vec<(usize, &str)> = case.unmapped.iter().map(|u| (u.0, u.1)).collect();
    assert_eq!(got, want, "{}: unmapped lines", case.file);
    // Strict import names every unmapped line.
    match import(&text) {
        Ok(_) => assert!(
            case.unmapped.is_empty(),
            "{}: strict import passed",
            case.file
        ),
        Err(e) => {
            for (line, _, _) in case.unmapped {
                assert!(
                    e.0.contains(&format!("line {line}, column")),
                    "{}: {e}",
                    case.file
                );
            }
        }
    }
    // The user's picks, from the last line up (either order gives the same timeline).
    for (k, (_, _, pick)) in case.unmapped.iter().enumerate().rev() {
        if let Some(a) = pick {
            assert!(
                d.unmapped[k].suggestions.contains(a) || d.unmapped[k].suggestions.is_empty(),
                "{}: {a:?} is not among the suggestions {:?} for `{}`",
                case.file,
                d.unmapped[k].suggestions,
                d.unmapped[k].text
            );
        }
        d.resolve(k, *pick).unwrap();
    }
    assert!(d.is_resolved());
    for u in &d.uses {
        if let Use::Step(s) | Use::Part(s) | Use::Note(s) = u.what {
            assert!(s < d.scenario.steps.len(), "{u:?}");
        }
    }
    d.finish().unwrap().scenario
}

/// The resolved timeline, completed where the drawing leaves steps out, with the example's pages
/// (a commit's diagram does not say whether the page is anonymous or a file's).
fn completed(case: &Case, mut s: Scenario) -> Scenario {
    let example = find(case.example).unwrap().scenario();
    s.cpus = case.cpus;
    for &(i, cpu, action) in case.completed {
        s.steps.insert(i, Step::new(cpu, action));
    }
    s.pages = example.pages.clone();
    s.initial = example.initial.clone();
    s
}

fn verdicts(case: &Case, s: &Scenario) {
    let c = find(case.example).unwrap().contrast.unwrap();
    let v = |spec: &str| Variant::parse(spec).unwrap();
    let t = run(s, &v(c.harmed)).unwrap();
    assert!(harmed(&t), "{}: {} {:?}", case.file, c.harmed, t.verdict);
    let t = run(s, &v(c.holds)).unwrap();
    assert!(
        !harmed(&t) || !t.waits.is_empty(),
        "{}: {} {:?}",
        case.file,
        c.holds,
        t.verdict
    );
}

fn full(case: &Case) -> Scenario {
    let s = completed(case, check(case));
    verdicts(case, &s);
    s
}

const NUMA: Case = Case {
    file: "history-20841405940e.txt",
    example: "numa-migration",
    mapped: &[
        (2, CachePteInTlb),
        (1, DoNumaPage),
        (2, WriteToPage),
        (2, WriteToPage),
        (0, FlushTlbRange),
        (2, WriteToPage),
    ],
    unmapped: &[
        (6, "turn the PTE/PMD into a NUMA hint", Some(ChangeProtNuma)),
        (9, "begin page migration", Some(TryToMigrateOne)),
        (10, "point PTE/PMD at the copy", Some(MoveToNewPage)),
        (13, "refill TLB from the new PTE", Some(CachePteInTlb)),
    ],
    completed: &[],
    cpus: 3,
};

#[test]
fn numa_migration_20841405940e() {
    let s = full(&NUMA);
    // The example's seven steps, in its order, with the diagram's extra accesses around them.
    assert_eq!(
        timeline(&s),
        [
            (2, CachePteInTlb),
            (0, ChangeProtNuma),
            (1, DoNumaPage),
            (2, WriteToPage),
            (1, TryToMigrateOne),
            (1, MoveToNewPage),
            (2, WriteToPage),
            (0, FlushTlbRange),
            (2, CachePteInTlb),
            (2, WriteToPage),
        ]
    );
    // The footnote joins the note of the step whose line carries `[*]`, and `data is lost` is a
    // remark after the last step of its lane.
    let d = import_lenient(&fixture(NUMA.file)).unwrap();
    assert_eq!(d.footnotes.len(), 1);
    assert_eq!(d.footnotes[0].step, Some(3));
    assert!(s.steps[6]
        .note
        .as_deref()
        .unwrap()
        .contains("may be reused"));
    assert_eq!(d.commentary.len(), 1);
    assert_eq!(d.commentary[0].text, "data is lost");
    assert_eq!(
        d.scenario.title.as_deref(),
        Some("The basic race, in this commit's own layout")
    );
}

const RECLAIM: Case = Case {
    file: "history-3ea277194daa.txt",
    example: "reclaim-vs-mprotect",
    mapped: &[(0, TryToUnmapOne), (1, Mprotect), (0, TryToUnmapFlush)],
    unmapped: &[
        (
            5,
            "user touches memory through a RW PTE",
            Some(CachePteInTlb),
        ),
        (14, "user stores via the cached RW PTE", Some(WriteToPage)),
    ],
    completed: &[],
    cpus: 2,
};

#[test]
fn reclaim_vs_mprotect_3ea277194daa() {
    let s = full(&RECLAIM);
    let example = find(RECLAIM.example).unwrap().scenario();
    assert_eq!(timeline(&s), timeline(&example));
    // The call chains are one step each; the arrowed note is the mprotect step's, and the note under
    // the unmapped first line went with it when it was resolved.
    assert_eq!(
        s.steps[0].note.as_deref(),
        Some("the PTE is now in the TLB")
    );
    assert_eq!(
        s.steps[2].note.as_deref(),
        Some("PTE not present - nothing to flush")
    );
    let d = import_lenient(&fixture(RECLAIM.file)).unwrap();
    let parts: Vec<usize> = d
        .uses
        .iter()
        .filter(|u| matches!(u.what, Use::Part(_)))
        .map(|u| u.line)
        .collect();
    assert_eq!(parts, [8, 9, 11]);
    assert!(d.uses.iter().any(|u| u.line == 15 && u.what == Use::Spacer));
}

const KSM: Case = Case {
    file: "history-b3a81d0841a9.txt",
    example: "ksm",
    mapped: &[
        (1, MadviseFreePteRange),
        (2, ClearRefsWrite),
        (2, PteWrprotect),
        (3, WriteProtectPage),
        (3, PagesIdentical),
        (0, WriteToPage),
        (3, ReplacePage),
    ],
    unmapped: &[
        (7, "Store an equal", Some(WriteToPage)),
        (8, "value to the page", None),
        (10, "TLB now holds the PTE as dirty", Some(CachePteInTlb)),
    ],
    completed: &[],
    cpus: 4,
};

#[test]
fn ksm_b3a81d0841a9() {
    let s = full(&KSM);
    // `MADV_FREE` ⏎ `pte_mkclean()` is one step (madvise_free_pte_range cleans the PTE); the wrapped
    // `Write to page` ⏎ `different value` is one; the note after the blank line is that write's.
    assert_eq!(s.steps[2].note.as_deref(), Some("MADV_FREE"));
    assert_eq!(
        s.steps[7].note.as_deref(),
        Some("fine: goes through the stale PTE")
    );
}

const UFFD_1: Case = Case {
    file: "history-6ce64428d621-1.txt",
    example: "uffd-wp-cow",
    mapped: &[
        (0, MwriteprotectRange),
        (1, WpPageCopy),
        (2, WriteToPage),
        (1, SetPteAtNotify),
    ],
    unmapped: &[(5, "RW PTE sitting in the TLB", Some(CachePteInTlb))],
    completed: &[],
    cpus: 3,
};

#[test]
fn uffd_wp_cow_6ce64428d621_first_diagram() {
    let s = full(&UFFD_1);
    let example = find(UFFD_1.example).unwrap().scenario();
    // The example ends with the deferred flush, which the drawing leaves to `[ TLB flush postponed ]`.
    assert_eq!(timeline(&s), timeline(&example)[..5]);
    // Six kernel functions on cpu0, a blank line and `...` among them: one mwriteprotect_range step.
    assert!(s.steps[1]
        .note
        .as_deref()
        .unwrap()
        .contains("TLB flush postponed"));
}

const UFFD_2: Case = Case {
    file: "history-6ce64428d621-2.txt",
    example: "uffd-wp-cow",
    mapped: &[
        (0, MwriteprotectRange),
        (1, MwriteprotectRange),
        (2, WpPageCopy),
        (3, WriteToPage),
        (2, SetPteAtNotify),
    ],
    unmapped: &[(5, "RW PTE sitting in the TLB", Some(CachePteInTlb))],
    completed: &[],
    cpus: 4,
};

#[test]
fn uffd_wp_cow_6ce64428d621_second_diagram() {
    full(&UFFD_2);
}

const MIGRATE_VMA: Case = Case {
    file: "history-60bae7370896.txt",
    example: "migrate-vma",
    mapped: &[
        (0, MigrateVmaCollectPmd),
        (0, PteUnmapUnlock),
        (1, ZapPteRange),
        (1, PteUnmapUnlock),
        (0, FlushTlbRange),
    ],
    unmapped: &[],
    // The commit draws no user lane and not madvise's return: the harm is a write through the
    // stale entry after MADV_DONTNEED returned, so the user adds both.
    completed: &[
        (0, 2, CachePteInTlb),
        (5, 1, TlbFinishMmu),
        (6, 2, WriteToPage),
    ],
    cpus: 3,
};

#[test]
fn migrate_vma_60bae7370896() {
    let s = full(&MIGRATE_VMA);
    // `madvise(MADV_DONTNEED)` ⏎ `-> zap_pte_range()` ⏎ `pte_offset_map_lock()` is one step.
    assert_eq!(
        s.steps[3].note.as_deref(),
        Some("PTE gone already, TLB left alone")
    );
}

#[test]
fn the_t1_t2_layout_of_7a30df49f63a() {
    // No built-in example: the layout only. The header is indented, t1's text starts left of it,
    // nesting is by indentation, and a blank line separates the threads' turns.
    let text = fixture("layout-7a30df49f63a.txt");
    let d = import_lenient(&text).unwrap();
    every_line_is_used(&d, &text);
    let names: Vec<&str> = d.lanes.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["t1", "t2"]);
    assert_eq!(
        timeline(&d.scenario),
        [(0, TlbGatherMmu), (1, TlbGatherMmu), (0, TlbFinishMmu)]
    );
    // munmap's gather (the innermost known function of its chain) keeps the syscall as its note.
    assert_eq!(
        d.scenario.steps[0].note.as_deref(),
        Some("munmap(map_address)")
    );
    let unmapped: Vec<(usize, &str)> = d
        .unmapped
        .iter()
        .map(|u| (u.line, u.text.as_str()))
        .collect();
    assert_eq!(unmapped, [(10, "pthread_exit()"), (16, "free_pgtables()")]);
    let conditions: Vec<usize> = d.conditions.iter().map(|c| c.line).collect();
    assert_eq!(conditions, [17, 18, 21]);
}
