//! Inputs the fuzzer (fuzz/, scripts/fuzz.sh) found, reduced by hand, kept so they stay fixed.

use tlbrace_core::ascii::{export, import};
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

/// A long title wraps so that a continuation line starts with `>`, `initial:` or a lone CPU name. The
/// export used to guard only the first line (with `Title: `), so the title was cut at that line, or
/// its `initial:` line failed to parse, or every export → import added one more `Title: `.
#[test]
fn a_wrapped_title_line_never_reads_as_something_else() {
    let long = "a".repeat(70);
    let titles = [
        format!("{long} > Case c: ----"),
        format!("{long} initial: dase"),
        format!("{long} initial: dirty=false"),
        format!("{long} CPU1"),
        format!("{long} CPU1 {long} ----"),
        format!("Example 2, c {long} title @ b initial: dase {long} title @ b"),
        format!("> {long} > {long} initial: x"),
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
            let text = export(&s);
            let back = import(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back.steps, s.steps, "{text}");
            assert_eq!(back.initial, s.initial, "{text}");
            // Exactly, or behind the documented `Title: ` when the first words need it.
            let want = if title.starts_with('>') {
                format!("Title: {title}")
            } else {
                title.clone()
            };
            assert_eq!(back.title.as_deref(), Some(want.as_str()), "{text}");
            assert_eq!(export(&back), export(&import(&export(&back)).unwrap()));
            assert_eq!(
                import(&export(&back)).unwrap(),
                back,
                "stable after one round"
            );
        }
    }
}
