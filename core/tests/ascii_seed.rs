//! The seed thread's four diagrams, as they appear in the mail (quoted with `> `), must import to the
//! built-in examples' steps, and survive export → import unchanged.

use std::path::Path;

use tlbrace_core::examples::example;
use tlbrace_core::formats::ascii::{self, export, import, import_all};
use tlbrace_core::{Action, Scenario};

const FIXTURES: [(&str, &str); 4] = [
    ("seed-example-1.txt", "example-1"),
    ("seed-example-2a.txt", "example-2a"),
    ("seed-example-2b.txt", "example-2b"),
    ("seed-example-2c.txt", "example-2c"),
];

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn steps(s: &Scenario) -> Vec<(usize, Action, Option<String>)> {
    s.steps
        .iter()
        .map(|st| (st.cpu, st.action, st.note.clone()))
        .collect()
}

fn assert_same_diagram(got: &Scenario, want: &Scenario, what: &str) {
    assert_eq!(steps(got), steps(want), "{what}: steps");
    assert_eq!(got.cpus, want.cpus, "{what}: cpus");
    assert_eq!(got.labels, want.labels, "{what}: labels");
}

#[test]
fn the_seed_diagrams_import_as_written() {
    for (file, name) in FIXTURES {
        let got = import(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_same_diagram(&got, &example(name).unwrap(), file);
    }
    let one = import(&fixture("seed-example-1.txt")).unwrap();
    assert_eq!(one.title, example("example-1").unwrap().title);
    let a = import(&fixture("seed-example-2a.txt")).unwrap();
    assert_eq!(a.title.as_deref(), Some("Case a"));
}

#[test]
fn the_seed_diagrams_survive_export_and_import() {
    for (file, _) in FIXTURES {
        let first = import(&fixture(file)).unwrap();
        let text = export(&first);
        let again = import(&text).unwrap_or_else(|e| panic!("{file}: {e}\n{text}"));
        assert_eq!(again, first, "{file}:\n{text}");
        assert!(
            text.lines().all(|l| l.chars().count() <= ascii::WIDTH),
            "{text}"
        );
    }
}

#[test]
fn condition_lines_are_left_out_and_listed() {
    let d = &import_all(&fixture("seed-example-2a.txt")).unwrap()[0];
    let texts: Vec<&str> = d.conditions.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        ["!pte_dirty() && !pte_write() &&", "!mm_tlb_flush_pending()"]
    );
    assert!(d.conditions.iter().all(|c| c.step == Some(6)));
    assert_eq!((d.header_line, d.last_line), (3, 30));
}

/// The thread as a reader pastes it: prose around the diagrams, a deeper-quoted paragraph after the last.
#[test]
fn a_whole_mail_yields_every_diagram() {
    let mut mail = String::from("On Mon, Nov 23, 2020 at 06:13:34PM -0700, Yu Zhao wrote:\n> It is complicated, so \
                                 please bear with me. Let's study this by looking\n> at examples this time.\n>\n");
    for (i, (file, _)) in FIXTURES.iter().enumerate() {
        mail.push_str(&fixture(file));
        mail.push_str(">\n");
        if i == 0 {
            mail.push_str("> Example 2: why no flush when write-protecting is not a problem (after\n> we fix it).\n> \n");
        }
    }
    mail.push_str("> > > > Furthermore, If we decide that we can relax the TLB invalidation\n\nI read all examples.\n");
    let all = import_all(&mail).unwrap();
    assert_eq!(all.len(), 4);
    for (d, (file, name)) in all.iter().zip(FIXTURES) {
        assert_same_diagram(&d.scenario, &example(name).unwrap(), file);
    }
    assert_eq!(all[1].scenario.title.as_deref(), Some("Case a"));
}

#[test]
fn quoting_depth_and_tabs_do_not_matter() {
    let quoted = fixture("seed-example-1.txt");
    let want = import(&quoted).unwrap();
    let unquoted: String = quoted
        .lines()
        .map(|l| {
            format!(
                "{}\n",
                l.strip_prefix("> ").or(l.strip_prefix('>')).unwrap_or(l)
            )
        })
        .collect();
    assert_eq!(import(&unquoted).unwrap(), want);
    let deeper: String = quoted.lines().map(|l| format!("> > {l}\n")).collect();
    assert_eq!(import(&deeper).unwrap(), want);
    let tight: String = quoted.lines().map(|l| format!(">>{l}\n")).collect();
    assert_eq!(import(&tight).unwrap(), want);
    // Tabs: every run of 8 leading spaces after the quote becomes a tab; trailing spaces and CRLF too.
    let tabbed: String = unquoted
        .lines()
        .map(|l| {
            let lead = l.len() - l.trim_start().len();
            format!(
                "{}{}{}   \r\n",
                "\t".repeat(lead / 8),
                " ".repeat(lead % 8),
                l.trim_start()
            )
        })
        .collect();
    assert_eq!(import(&tabbed).unwrap(), want);
}

#[test]
fn an_action_and_its_note_may_share_a_row() {
    let text = "  CPU0        CPU1\n  ----        ----\n\n  Write to page [using stale PTE]\n              pte_mkclean()   [x]\n";
    let s = import(text).unwrap();
    assert_eq!(s.steps[0].note.as_deref(), Some("using stale PTE"));
    assert_eq!(s.steps[1].note.as_deref(), Some("x"));
}

#[test]
fn mistakes_are_reported_with_line_and_column() {
    let seed = fixture("seed-example-1.txt");
    let cases: Vec<(String, &str)> = vec![
        (
            seed.replace("pte_mkclean()", "pte_frobnicate()"),
            // The nearest names, not every name (the old message listed all 36 actions).
            "line 12, column 17: unknown action `pte_frobnicate()` on CPU1; did you mean `pte_",
        ),
        (
            seed.replace("[set mm_tlb_flush_pending()]", "[set mm_tlb_flush_pending()"),
            "line 15, column 29: the note opened here is not closed with `]` before the blank line 18",
        ),
        (
            seed.replace("  [cache writable", "  [cached writable"),
            "line 7, column 5: the note `[cached writable PTE in TLB]` is under no action of CPU0",
        ),
        (
            seed.replace("CPU2        CPU3", "CPU3        CPU2"),
            "line 3, column 29: expected CPU2, found `CPU3`",
        ),
        (
            seed.replace("[true, no flush]", "[true, no flush] (!)"),
            "line 21, column 58: unexpected text `(!)` after a note's `]`",
        ),
        ("no diagram here\n".into(), "no diagram found"),
        (
            "CPU0  CPU1  CPU2  CPU3  CPU4  CPU5  CPU6  CPU7  CPU8\n".into(),
            "line 1, column 49: the header names 9 CPUs; a scenario has at most 8",
        ),
        (
            seed.replacen('\n', "\n> initial: dirty=maybe\n", 1),
            "line 2, column 12: `dirty` takes true or false, not `maybe`",
        ),
    ];
    for (text, want) in cases {
        let e = import(&text).unwrap_err().0;
        assert!(e.starts_with(want), "want {want}\ngot  {e}");
    }
}

#[test]
fn too_many_steps_are_refused() {
    let mut text = String::from("  CPU0  CPU1\n  ----  ----\n\n");
    for _ in 0..257 {
        text.push_str("  pte_mkold()\n");
    }
    let e = import(&text).unwrap_err().0;
    assert!(
        e.starts_with("line 260, column 3: more than 256 steps"),
        "{e}"
    );
}
