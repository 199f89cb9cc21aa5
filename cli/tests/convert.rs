//! `tlbrace convert` and the shared loader: every format in, every format out, and every kind of bad
//! input refused with exit status 2 and a one-line message, never a panic.

use std::path::PathBuf;

use tlbrace_core::examples::EXAMPLES;
use tlbrace_core::{formats::share, Action, Scenario, Step};

mod common;
use common::{fixture, ok, refused, tlbrace, tlbrace_stdin};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tlbrace-convert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_temp(name: &str, text: &str) -> String {
    let path = temp_dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn every_example_survives_url_then_json() {
    for e in EXAMPLES {
        let want = json(&ok(tlbrace(&["convert", e.name, "--to", "json"])));
        let fragment = ok(tlbrace(&["convert", e.name, "--to", "url"]));
        let fragment = fragment.trim_end();
        assert!(fragment.starts_with("v2."), "{fragment}");
        assert!(!fragment.contains(char::is_whitespace));
        assert_eq!(
            json(&ok(tlbrace(&["convert", fragment, "--to", "json"]))),
            want
        );

        let url = ok(tlbrace(&[
            "convert",
            e.name,
            "--to",
            "url",
            "--base",
            "https://example.invalid/tlbrace/",
        ]));
        assert_eq!(
            url.trim_end(),
            format!("https://example.invalid/tlbrace/#{fragment}")
        );
        assert_eq!(
            json(&ok(tlbrace(&["convert", url.trim_end(), "--to", "json"]))),
            want
        );
        // A link in a file or on standard input, wrapped as a mail client would.
        let (a, b) = fragment.split_at(fragment.len() / 2);
        let wrapped = format!("  {a}\n  {b}\n");
        assert_eq!(
            json(&ok(tlbrace_stdin(
                &["convert", "-", "--to", "json"],
                &wrapped
            ))),
            want
        );
    }
}

#[test]
fn every_example_survives_ascii_then_json() {
    for e in EXAMPLES {
        let want = json(&ok(tlbrace(&["convert", e.name, "--to", "json"])));
        let diagram = ok(tlbrace(&["convert", e.name, "--to", "ascii"]));
        assert!(diagram.contains("CPU0"), "{diagram}");
        let file = write_temp(&format!("{}.txt", e.name), &diagram);
        assert_eq!(
            json(&ok(tlbrace(&["convert", &file, "--to", "json"]))),
            want,
            "{}:\n{diagram}",
            e.name
        );
        // Quoted in a reply, on standard input.
        let quoted: String = diagram.lines().map(|l| format!("> {l}\n")).collect();
        let mail = format!("On Wed, someone wrote:\n{quoted}\nI agree.\n");
        assert_eq!(
            json(&ok(tlbrace_stdin(&["convert", "-", "--to", "json"], &mail))),
            want,
            "{}",
            e.name
        );
    }
}

#[test]
fn the_seed_fixtures_convert_to_the_examples() {
    for (file, name) in [
        ("seed-example-1.txt", "example-1"),
        ("seed-example-2a.txt", "example-2a"),
        ("seed-example-2b.txt", "example-2b"),
        ("seed-example-2c.txt", "example-2c"),
    ] {
        let got = json(&ok(tlbrace(&["convert", &fixture(file), "--to", "json"])));
        let want = json(&ok(tlbrace(&["convert", name, "--to", "json"])));
        for field in ["cpus", "labels", "steps"] {
            assert_eq!(got[field], want[field], "{file}: {field}");
        }
        // And straight to a link that opens to the same scenario.
        let fragment = ok(tlbrace(&["convert", &fixture(file), "--to", "url"]));
        let again = json(&ok(tlbrace(&["convert", fragment.trim(), "--to", "json"])));
        assert_eq!(again, got, "{file}");
    }
}

#[test]
fn run_takes_links_and_diagrams_too() {
    let want = ok(tlbrace(&["run", "example-1"]));
    let fragment = ok(tlbrace(&["convert", "example-1", "--to", "url"]));
    let url = format!("https://example.invalid/x/#{}", fragment.trim());
    assert_eq!(ok(tlbrace(&["run", &url])), want);
    assert_eq!(ok(tlbrace(&["run", fragment.trim()])), want);
    let from_fixture = ok(tlbrace(&["run", &fixture("seed-example-1.txt")]));
    // Same verdicts line for line (the fixture's title is the mail's, the same as the example's).
    assert_eq!(from_fixture, want);
    let explored = ok(tlbrace(&[
        "explore",
        fragment.trim(),
        "--variant",
        "yu-fix",
    ]));
    assert!(!explored.is_empty());
}

#[test]
fn svg_output_is_a_picture_with_the_verdicts() {
    let svg = ok(tlbrace(&["convert", "example-1", "--to", "svg"]));
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(
        svg.contains("yu-fix+flush"),
        "every preset is in the matrix"
    );
    let arm = ok(tlbrace(&[
        "convert",
        "example-1",
        "--to",
        "svg",
        "--arch",
        "arm64",
    ]));
    assert_ne!(svg, arm, "the arch reaches the verdict matrix");
}

#[test]
fn from_forces_the_input_format() {
    let diagram = ok(tlbrace(&["convert", "example-2b", "--to", "ascii"]));
    // A `#` in the mail around a diagram doesn't make it a link.
    let mail = format!("Re: issue #5\n\n{diagram}");
    let file = write_temp("hash.txt", &mail);
    let got = json(&ok(tlbrace(&["convert", &file, "--to", "json"])));
    assert_eq!(got["steps"].as_array().unwrap().len(), 7);
    let err = refused(tlbrace(&[
        "convert", &file, "--to", "json", "--from", "json",
    ]));
    assert!(err.contains("not a tlbrace scenario"), "{err}");
    let err = refused(tlbrace(&[
        "convert", &file, "--to", "json", "--from", "url",
    ]));
    assert!(err.contains("share link"), "{err}");
}

#[test]
fn bad_links_are_refused_readably() {
    let fragment = ok(tlbrace(&["convert", "example-1", "--to", "url"]));
    let fragment = fragment.trim();
    let cases: Vec<(String, &str)> = vec![
        ("v1.AA*A".into(), "is not base64url"),
        ("v2.AA*A".into(), "is not base64url"),
        (fragment[..fragment.len() / 2].into(), "cut short"),
        (format!("https://h/p/#{}", &fragment[..40]), "cut short"),
        ("v9.AAAA".into(), "newer tlbrace (share format v9)"),
        ("https://h/p/#".into(), "empty"),
        (format!("{fragment}AAAA"), "after the end"),
    ];
    for (link, want) in cases {
        let err = refused(tlbrace(&["convert", &link, "--to", "json"]));
        assert!(err.contains(want), "{link}: {err}");
        let err = refused(tlbrace(&["run", &link]));
        assert!(err.contains(want), "{link}: {err}");
    }
    let err = refused(tlbrace_stdin(
        &["convert", "-", "--to", "ascii"],
        "v9.QUJD\n",
    ));
    assert!(
        err.contains("standard input: this link was made by a newer"),
        "{err}"
    );
}

#[test]
fn bad_json_is_refused_readably() {
    for (text, want) in [
        (r#"{"version":1,"cpus":"four"}"#, "invalid type"),
        (r#"{"version":1,"cpus":2,"steps":{}}"#, "invalid type"),
        (
            r#"{"version":1,"cpus":2,"lanes":[]}"#,
            "unknown field `lanes`",
        ),
        (r#"{"cpus":2}"#, "no \"version\""),
        ("{\"version\":1,", "not a tlbrace scenario"),
        ("[1]", "expected a JSON object"),
    ] {
        let file = write_temp("bad.json", text);
        let err = refused(tlbrace(&["convert", &file, "--to", "url"]));
        assert!(err.contains(want), "{text}: {err}");
        assert!(err.contains("bad.json: "), "names the file: {err}");
    }
}

#[test]
fn an_unknown_action_in_a_diagram_is_located() {
    let diagram = "> CPU0        CPU1\n> ----        ----\n>   pte_mkclean()\n>               madvise_frob()\n";
    let err = refused(tlbrace_stdin(&["convert", "-", "--to", "json"], diagram));
    assert!(
        err.contains("standard input: line 4, column 17: unknown action `madvise_frob()`"),
        "{err}"
    );
    let file = write_temp("unknown.txt", diagram);
    let err = refused(tlbrace(&["run", &file]));
    assert!(err.contains("line 4, column 17"), "{err}");
}

fn pte_mkold_lines(n: usize) -> String {
    let mut text = String::from("  CPU0        CPU1\n  ----        ----\n");
    for _ in 0..n {
        text.push_str("  pte_mkold()\n");
    }
    text
}

#[test]
fn more_than_eight_cpus_is_refused_in_every_format() {
    let json_text = r#"{"version":1,"cpus":9}"#;
    let err = refused(tlbrace_stdin(&["convert", "-", "--to", "url"], json_text));
    assert!(err.contains("1 to 8 CPUs, not 9"), "{err}");

    let header: Vec<String> = (0..9).map(|i| format!("CPU{i}")).collect();
    let diagram = format!("{}\n", header.join("  "));
    let err = refused(tlbrace_stdin(&["convert", "-", "--to", "url"], &diagram));
    assert!(err.contains("line 1, column"), "{err}");
    assert!(err.contains("at most 8"), "{err}");

    // The link format can say 9 CPUs; the decoder must refuse it.
    let link = share::encode(&Scenario::new(9));
    let err = refused(tlbrace(&["convert", &link, "--to", "json"]));
    assert!(err.contains("1 to 8 CPUs, not 9"), "{err}");
}

#[test]
fn more_than_256_steps_is_refused_in_every_format() {
    let mut s = Scenario::new(1);
    s.steps = vec![Step::new(0, Action::PteMkold); 257];
    let err = refused(tlbrace(&["convert", &share::encode(&s), "--to", "json"]));
    assert!(err.contains("at most 256 steps, not 257"), "{err}");

    let steps = vec![r#"{"cpu":0,"action":"pte_mkold"}"#; 257].join(",");
    let json_text = format!(r#"{{"version":1,"cpus":1,"steps":[{steps}]}}"#);
    let err = refused(tlbrace_stdin(
        &["convert", "-", "--to", "ascii"],
        &json_text,
    ));
    assert!(err.contains("at most 256 steps"), "{err}");

    let err = refused(tlbrace_stdin(
        &["convert", "-", "--to", "json"],
        pte_mkold_lines(257),
    ));
    assert!(err.contains("line 259, column 3"), "{err}");
    assert!(err.contains("at most 256"), "{err}");
    // 256 is fine.
    ok(tlbrace_stdin(
        &["convert", "-", "--to", "url"],
        pte_mkold_lines(256),
    ));
}

#[test]
fn other_mistakes_are_refused_readably() {
    let err = refused(tlbrace(&["convert", "no-such-thing", "--to", "json"]));
    assert!(err.contains("no such file"), "{err}");
    let dir = temp_dir();
    let err = refused(tlbrace(&["convert", dir.to_str().unwrap(), "--to", "json"]));
    assert!(err.contains("is a directory"), "{err}");
    let err = refused(tlbrace(&[
        "convert",
        "example-1",
        "--to",
        "json",
        "--base",
        "https://h/",
    ]));
    assert!(err.contains("--base"), "{err}");
    let err = refused(tlbrace_stdin(&["convert", "-", "--to", "json"], "hello\n"));
    assert!(err.contains("no diagram found"), "{err}");
    let err = refused(tlbrace_stdin(&["convert", "-", "--to", "json"], ""));
    assert!(err.starts_with("tlbrace: standard input: "), "{err}");
}
