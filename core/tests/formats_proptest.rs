//! Round trips over random scenarios: a share link carries every valid scenario exactly; an ASCII
//! diagram carries steps, notes, labels, title and initial state whenever the texts are representable;
//! and no decoder panics on garbage.

use proptest::prelude::*;
use tlbrace_core::{
    formats::ascii, formats::json, formats::share, Action, InitialState, Scenario, Step, TlbEntry,
};

fn any_action() -> impl Strategy<Value = Action> {
    prop::sample::select(Action::ALL.to_vec())
}

fn any_initial() -> impl Strategy<Value = InitialState> {
    let b = || prop::option::of(any::<bool>());
    let n = || prop::option::of(prop_oneof![0u32..4, any::<u32>()]);
    let entry = prop::option::of(
        (any::<bool>(), any::<bool>()).prop_map(|(writable, dirty)| TlbEntry { writable, dirty }),
    );
    (
        (b(), b(), b(), b(), b(), b(), b()),
        (n(), n(), n()),
        prop::option::of(prop::collection::vec(entry, 0..9)),
    )
        .prop_map(
            |(
                (present, write, dirty, young, soft_dirty, pg_dirty, in_page_cache),
                (mem, disk, tlb_flush_pending),
                tlb,
            )| InitialState {
                present,
                write,
                dirty,
                young,
                soft_dirty,
                pg_dirty,
                in_page_cache,
                mem,
                disk,
                tlb_flush_pending,
                tlb,
            },
        )
}

/// Any scenario that passes `validate`, texts included: arbitrary Unicode, empty strings, controls.
fn any_valid_scenario() -> impl Strategy<Value = Scenario> {
    let text = || prop_oneof![".{0,40}", "\\PC{0,12}", Just(String::new())];
    (1usize..=8)
        .prop_flat_map(move |cpus| {
            let step = (0..cpus, any_action(), prop::option::of(text()))
                .prop_map(|(cpu, action, note)| Step { cpu, action, note });
            (
                Just(cpus),
                prop::option::of(text()),
                prop::collection::vec(text(), 0..=cpus),
                any_initial(),
                prop::collection::vec(step, 0..40),
            )
        })
        .prop_map(|(cpus, title, labels, initial, steps)| Scenario {
            title,
            labels,
            initial,
            steps,
            ..Scenario::new(cpus)
        })
        .prop_filter("valid", |s| s.validate().is_ok())
}

/// Words an ASCII diagram carries: letters, digits, and the punctuation of kernel notes, no brackets.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_/(),.:;'\"*#+-]{1,12}",
        "[a-zé日ß]{1,6}-[a-z]{1,6}",
        prop::sample::select(vec![
            "write-".to_string(),
            "-".into(),
            "!pte_dirty()".into(),
            "&&".into(),
            "page".into(),
            "write".into(),
            "pte_mkclean()".into(),
            "cache writable PTE in TLB".into(),
        ]),
    ]
}

fn words(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..=max).prop_map(|w| w.join(" "))
}

fn is_cpu_like(text: &str) -> bool {
    text.split(' ').any(|w| {
        w.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("cpu"))
            && w.len() > 3
            && w[3..].bytes().all(|b| b.is_ascii_digit())
    })
}

/// Scenarios whose texts a diagram can carry: see `ascii::note_is_representable` and
/// docs/scenario-format.md §3 for the title and label rules.
fn representable_scenario() -> impl Strategy<Value = Scenario> {
    (1usize..=8)
        .prop_flat_map(|cpus| {
            let note = prop_oneof![
                3 => Just(None),
                4 => words(14).prop_map(Some),
                1 => Just(Some(String::new())),
            ];
            let step = (0..cpus, any_action(), note).prop_map(|(cpu, action, note)| Step {
                cpu,
                action,
                note,
            });
            let label = prop_oneof![Just(String::new()), words(3)];
            (
                Just(cpus),
                prop::option::of(words(20)),
                prop::collection::vec(label, 0..=cpus),
                any_initial(),
                prop::collection::vec(step, 0..30),
            )
        })
        .prop_map(|(cpus, title, mut labels, initial, steps)| {
            while labels.last().is_some_and(String::is_empty) {
                labels.pop();
            }
            Scenario {
                title,
                labels,
                initial,
                steps,
                ..Scenario::new(cpus)
            }
        })
        .prop_filter("valid", |s| s.validate().is_ok())
        .prop_filter("title not taken for a header or an initial line", |s| {
            s.title
                .as_deref()
                .is_none_or(|t| !is_cpu_like(t) && !t.to_ascii_lowercase().contains("initial:"))
        })
        .prop_filter("a label row is not all actions", |s| {
            s.labels.iter().all(String::is_empty)
                || !s
                    .labels
                    .iter()
                    .filter(|l| !l.is_empty())
                    .all(|l| Action::parse(l).is_some())
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn share_links_carry_every_valid_scenario(s in any_valid_scenario()) {
        let link = share::encode(&s);
        prop_assert!(link.starts_with(share::PREFIX));
        prop_assert_eq!(share::decode(&link).unwrap(), s.clone());
        prop_assert_eq!(share::decode(&format!("https://example.invalid/#{link}")).unwrap(), s);
    }

    #[test]
    fn diagrams_carry_representable_scenarios(s in representable_scenario()) {
        let text = ascii::export(&s);
        let back = ascii::import(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, s, "{}", text);
    }

    #[test]
    fn diagrams_carry_steps_and_notes_of_any_valid_scenario(s in any_valid_scenario()) {
        // Texts are normalized on the way, but the timeline is never lost.
        let text = ascii::export(&s);
        let back = ascii::import(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let timeline = |s: &Scenario| s.steps.iter().map(|st| (st.cpu, st.action)).collect::<Vec<_>>();
        prop_assert_eq!(timeline(&back), timeline(&s), "{}", text);
        prop_assert_eq!(back.initial, s.initial);
        for (a, b) in back.steps.iter().zip(&s.steps) {
            if let Some(n) = &b.note {
                if ascii::note_is_representable(n) {
                    prop_assert_eq!(a.note.as_ref(), Some(n));
                }
            }
        }
    }

    #[test]
    fn decoders_never_panic_on_text(text in "\\PC{0,300}") {
        let _ = share::decode(&text);
        let _ = ascii::import_all(&text);
        let _ = json::from_json(&text);
    }

    #[test]
    fn damaged_links_never_panic(s in any_valid_scenario(), cut in 0usize..200, flip in 0usize..200) {
        let link = share::encode(&s);
        let cut = cut.min(link.len());
        let _ = share::decode(&link[..cut]);
        let mut bytes = link.into_bytes();
        if let Some(b) = bytes.get_mut(flip) {
            *b = if *b == b'A' { b'B' } else { b'A' };
        }
        let _ = share::decode(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn damaged_diagrams_never_panic(s in representable_scenario(), cut in 0usize..2000, junk in "\\PC{0,8}") {
        let text = ascii::export(&s);
        let mut cut = cut.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let _ = ascii::import(&format!("{}{junk}{}", &text[..cut], &text[cut..]));
    }
}
