//! Diagrams as commits draw them, through the command line: `convert` and `run` name every line
//! that names nothing the model knows, with its line number, and exit 2; with `--allow-unmapped`
//! they leave those lines out. The JSON `convert --allow-unmapped` prints is the core's lenient
//! reading; resolving the listed lines as a user would gives the race's verdicts.

use tlbrace_core::examples::find;
use tlbrace_core::formats::ascii::import_lenient;
use tlbrace_core::formats::json;
use tlbrace_core::{run, Action, Scenario, Step, Variant, Verdict};

use Action::*;

mod common;
use common::{fixture, tlbrace};

/// A fixture, its race, the user's pick for each unmapped line (by line number), and the steps a
/// drawing without a user lane or a syscall's return needs added: (index, lane, action).
struct Case {
    file: &'static str,
    example: &'static str,
    picks: &'static [(usize, Option<Action>)],
    added: &'static [(usize, usize, Action)],
    cpus: usize,
}

const CASES: &[Case] = &[
    Case {
        file: "history-20841405940e.txt",
        example: "numa-migration",
        picks: &[
            (6, Some(ChangeProtNuma)),
            (9, Some(TryToMigrateOne)),
            (10, Some(MoveToNewPage)),
            (13, Some(CachePteInTlb)),
        ],
        added: &[],
        cpus: 3,
    },
    Case {
        file: "history-3ea277194daa.txt",
        example: "reclaim-vs-mprotect",
        picks: &[(5, Some(CachePteInTlb)), (14, Some(WriteToPage))],
        added: &[],
        cpus: 2,
    },
    Case {
        file: "history-b3a81d0841a9.txt",
        example: "ksm",
        picks: &[(7, Some(WriteToPage)), (8, None), (10, Some(CachePteInTlb))],
        added: &[],
        cpus: 4,
    },
    Case {
        file: "history-6ce64428d621-1.txt",
        example: "uffd-wp-cow",
        picks: &[(5, Some(CachePteInTlb))],
        added: &[],
        cpus: 3,
    },
    Case {
        file: "history-6ce64428d621-2.txt",
        example: "uffd-wp-cow",
        picks: &[(5, Some(CachePteInTlb))],
        added: &[],
        cpus: 4,
    },
    Case {
        file: "history-60bae7370896.txt",
        example: "migrate-vma",
        picks: &[],
        added: &[
            (0, 2, CachePteInTlb),
            (5, 1, TlbFinishMmu),
            (6, 2, WriteToPage),
        ],
        cpus: 3,
    },
];

fn harmed(s: &Scenario, spec: &str) -> (bool, bool) {
    let t = run(s, &Variant::parse(spec).unwrap()).unwrap();
    (
        matches!(t.verdict, Verdict::Harmed { .. } | Verdict::AtRisk { .. }),
        !t.waits.is_empty(),
    )
}

#[test]
fn convert_lists_unmapped_lines_and_exits_2_unless_allowed() {
    for case in CASES {
        let path = fixture(case.file);
        let refused = tlbrace(&["convert", &path, "--to", "json"]);
        let err = String::from_utf8(refused.stderr).unwrap();
        if case.picks.is_empty() {
            assert!(refused.status.success(), "{}: {err}", case.file);
        } else {
            assert_eq!(refused.status.code(), Some(2), "{}: {err}", case.file);
            assert!(refused.stdout.is_empty());
            assert_eq!(err.lines().count(), case.picks.len(), "{err}");
            for ((line, _), text) in case.picks.iter().zip(err.lines()) {
                assert!(text.starts_with("tlbrace: "), "{text}");
                assert!(
                    text.contains(&format!("{}: line {line}, column ", case.file)),
                    "{text}"
                );
                assert!(text.contains("did you mean"), "{text}");
            }
            assert!(
                err.ends_with("leaves these lines out)\n")
                    || err.ends_with("leaves the line out)\n")
            );
        }

        let allowed = tlbrace(&["convert", &path, "--to", "json", "--allow-unmapped"]);
        let warnings = String::from_utf8(allowed.stderr).unwrap();
        assert!(allowed.status.success(), "{}: {warnings}", case.file);
        assert_eq!(warnings.lines().count(), case.picks.len(), "{warnings}");
        assert!(warnings
            .lines()
            .all(|l| l.starts_with("tlbrace: warning: ") && l.ends_with("(left out)")));
        let got = json::from_json(&String::from_utf8(allowed.stdout).unwrap()).unwrap();

        // The same scenario as the core's lenient reading, the unmapped lines left out.
        let text = std::fs::read_to_string(&path).unwrap();
        let mut d = import_lenient(&text).unwrap();
        assert_eq!(got, d.scenario, "{}", case.file);

        // The user resolves the listed lines at their places, on the CLI's scenario.
        d.scenario = got;
        for &(line, pick) in case.picks.iter().rev() {
            let k = d.unmapped.iter().position(|u| u.line == line).unwrap();
            d.resolve(k, pick).unwrap();
        }
        let mut s = d.finish().unwrap().scenario;
        let example = find(case.example).unwrap();
        s.cpus = case.cpus;
        for &(i, cpu, action) in case.added {
            s.steps.insert(i, Step::new(cpu, action));
        }
        let base = example.scenario();
        s.pages = base.pages;
        s.initial = base.initial;
        let c = example.contrast.unwrap();
        assert!(harmed(&s, c.harmed).0, "{} {}", case.file, c.harmed);
        let (bad, waited) = harmed(&s, c.holds);
        assert!(!bad || waited, "{} {}", case.file, c.holds);
    }
}

#[test]
fn run_lists_unmapped_lines_and_exits_2_unless_allowed() {
    let path = fixture("history-20841405940e.txt");
    let o = tlbrace(&["run", &path]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    for line in [6, 9, 10, 13] {
        assert!(err.contains(&format!("line {line}, column")), "{err}");
    }
    let o = tlbrace(&["run", &path, "--allow-unmapped"]);
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.starts_with("The basic race, in this commit's own layout\n"),
        "{out}"
    );
    // explore has no flag: it refuses, naming the lines.
    let o = tlbrace(&["explore", &path]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("line 13, column 7"), "{err}");
    assert!(!err.contains("--allow-unmapped"), "{err}");
}

#[test]
fn a_diagram_that_maps_nothing_is_refused_even_when_allowed() {
    let dir = std::env::temp_dir().join(format!("tlbrace-diagrams-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("nothing.txt");
    std::fs::write(
        &path,
        "CPU0        CPU1\n----        ----\nfoo\n            bar baz\n",
    )
    .unwrap();
    let p = path.to_string_lossy();
    let o = tlbrace(&["convert", &p, "--to", "json", "--allow-unmapped"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("no steps"), "{err}");
    // And a header with nothing under it is no diagram of a race.
    std::fs::write(&path, "CPU0        CPU1\n----        ----\n").unwrap();
    let o = tlbrace(&["convert", &p, "--to", "json"]);
    assert_eq!(o.status.code(), Some(2));
}
