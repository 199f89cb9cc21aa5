//! Inputs the fuzzer (fuzz/, scripts/fuzz.sh) found, reduced by hand, kept so they stay fixed.

use tlbrace_core::formats::ascii::{export, import};
use tlbrace_core::{Action, InitialState, Scenario, Step};

fn scenario(title: &str, initial: InitialState) -> Scenario {
    let mut s = Scenario::new(2);
    s.title = Some(title.to_string());
    s.initial = initial;
    s.steps = vec![
        Step::new(0, Action::CachePteInTlb),
        Step::new(1, Action::PteMkclean),
    ];
    s
}

/// A long title wraps so that a line starts with `>`, `initial:` or is a lone CPU name. The export
/// used to guard only the first line (by writing the title after `Title: `), so the title was cut at
/// such a line, or its `initial:` line failed to parse, or every export → import added one more
/// `Title: `; and a title near the 500-character limit that needed the prefix came back as no title.
#[test]
fn a_title_reads_back_exactly_however_it_wraps() {
    let long = "a".repeat(70);
    let titles = [
        format!("{long} > Case c: ----"),
        format!("{long} initial: dase"),
        format!("{long} initial: dirty=false"),
        format!("{long} CPU1"),
        format!("{long} CPU1 {long} ----"),
        format!("Example 2, c {long} title @ b initial: dase {long} title @ b"),
        format!("> {long} > {long} initial: x"),
        "> Case a".to_string(),
        "initial: dirty=false".to_string(),
        "INITIAL: x".to_string(),
        "CPU3".to_string(),
        format!("CPU3 {}", "-".repeat(72)),
        format!("CPU3 {} x", "-".repeat(72)),
        format!("pre-{long}initial: x"),
        format!("> {}", "ab ".repeat(165).trim_end()),
        format!("CPU3 {}", "-".repeat(495)),
        format!("initial: {}", "x".repeat(491)),
    ];
    let overrides = [
        InitialState::default(),
        InitialState {
            dirty: Some(false),
            ..InitialState::default()
        },
    ];
    for title in &titles {
        for initial in &overrides {
            let s = scenario(title, initial.clone());
            s.validate().unwrap();
            let text = export(&s);
            let back = import(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back, s, "{text}");
        }
    }
}
