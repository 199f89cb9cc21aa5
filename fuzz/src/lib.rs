//! Properties shared by the fuzz targets.

use tlbrace_core::{formats::ascii, Scenario};

/// Whether `export` → `import` promises to give `s` back exactly (docs/scenario-format.md §3.3):
/// every note and label representable, the title normalized.
pub fn ascii_exact(s: &Scenario) -> bool {
    let texts = s.steps.iter().filter_map(|st| st.note.as_deref());
    texts
        .chain(s.labels.iter().map(String::as_str))
        .all(ascii::note_is_representable)
        && s.title
            .as_deref()
            .is_none_or(|t| t.split_whitespace().collect::<Vec<_>>().join(" ") == t)
}

/// The round trip §3.3 promises for a scenario `import` produced: the export reads back; exactly when
/// the texts are representable, else with the same timeline and
/// initial state; and a second round changes nothing (the texts are normalized once and for all).
pub fn ascii_round_trip(s: &Scenario) {
    let diagram = ascii::export(s);
    let again = match ascii::import(&diagram) {
        Ok(a) => a,
        Err(e) => panic!("the export does not read back: {e}\n{diagram}"),
    };
    if ascii_exact(s) {
        assert_eq!(&again, s, "changed through export:\n{diagram}");
    } else {
        let timeline = |x: &Scenario| -> Vec<(usize, tlbrace_core::Action)> {
            x.steps.iter().map(|st| (st.cpu, st.action)).collect()
        };
        assert_eq!(
            timeline(&again),
            timeline(s),
            "timeline changed:\n{diagram}"
        );
        assert_eq!(
            again.initial, s.initial,
            "initial state changed:\n{diagram}"
        );
        assert_eq!(again.cpus, s.cpus, "lanes changed:\n{diagram}");
        assert!(ascii_exact(&again), "texts not normalized:\n{diagram}");
    }
    let second = ascii::export(&again);
    assert_eq!(
        ascii::import(&second).as_ref(),
        Ok(&again),
        "a second round trip changed it:\n{second}"
    );
}
