//! The SVG export is well-formed XML whatever the texts hold, keeps text as text, and shows every
//! preset's verdict.

use tlbrace_core::examples::{example, EXAMPLES};
use tlbrace_core::{formats::svg, run_all, Action, Arch, Preset, Scenario, Step};

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"))
}

#[test]
fn every_example_is_well_formed_with_its_verdicts() {
    for e in EXAMPLES {
        let s = e.scenario();
        let out = svg::export(&s, Arch::X86);
        let doc = parse(&out);
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert_eq!(
            doc.root_element().tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        let verdicts: Vec<(String, String)> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("verdict"))
            .map(|n| {
                (
                    n.attribute("data-preset").unwrap().to_string(),
                    n.attribute("data-verdict").unwrap().to_string(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = run_all(&s, Arch::X86)
            .iter()
            .map(|r| {
                (
                    r.preset.name().to_string(),
                    r.result.as_ref().unwrap().verdict.label().to_string(),
                )
            })
            .collect();
        assert_eq!(verdicts, want, "{}", e.name);
        // Every step is drawn, with its action's label as text.
        let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
        for st in &s.steps {
            assert!(
                texts.contains(&st.action.label()),
                "{}: {}",
                e.name,
                st.action
            );
        }
    }
}

#[test]
fn example_1_shows_the_seed_verdicts() {
    let out = svg::export(&example("example-1").unwrap(), Arch::X86);
    let doc = parse(&out);
    let verdict = |p: Preset| {
        doc.descendants()
            .find(|n| n.attribute("data-preset") == Some(p.name()))
            .and_then(|n| n.attribute("data-verdict"))
            .unwrap()
            .to_string()
    };
    assert_eq!(verdict(Preset::V5_10Rc4), "lost");
    assert_eq!(verdict(Preset::Will4And6), "lost");
    assert_eq!(verdict(Preset::YuFix), "guaranteed");
    assert_eq!(verdict(Preset::YuFixFlush), "guaranteed");
    assert_eq!(verdict(Preset::V5_12), "lost");
    assert!(out.contains(">Verdicts (x86)<"));
    assert!(out.contains("Example 1: memory corruption is still possible with patch 4 &amp; 6"));
}

#[test]
fn hostile_texts_stay_text() {
    let mut s = Scenario::new(2);
    s.title = Some("<script>alert(1)</script> & \u{0}\u{1b} ]]> <!-- x".into());
    s.labels = vec!["a\"b'c".into(), "<tag/>".into()];
    s.steps = vec![
        Step::new(0, Action::WriteToPage).note("<![CDATA[ x ]]> &amp; \u{FFFF} 日本語 🦀"),
        Step::new(1, Action::DecTlbFlushPending),
    ];
    let out = svg::export(&s, Arch::Arm64);
    let doc = parse(&out);
    assert!(doc.descendants().all(|n| n.tag_name().name() != "script"));
    let title = doc.descendants().find(|n| n.has_tag_name("title")).unwrap();
    assert!(title
        .text()
        .unwrap()
        .starts_with("<script>alert(1)</script> & \u{FFFD}\u{FFFD}"));
    // The timeline is impossible (pending below zero): the matrix says so instead of a verdict.
    assert!(doc
        .descendants()
        .any(|n| n.attribute("data-verdict") == Some("error")));
    assert!(out.contains(">Verdicts (arm64)<"));
}

#[test]
fn invalid_and_empty_scenarios_render() {
    for s in [
        Scenario::new(1),
        Scenario {
            cpus: 0,
            ..Scenario::new(1)
        },
        Scenario {
            cpus: 99,
            steps: vec![Step::new(50, Action::PteMkold)],
            ..Scenario::new(1)
        },
    ] {
        parse(&svg::export(&s, Arch::X86));
    }
}
