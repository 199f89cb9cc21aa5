//! A Mermaid sequence diagram of a timeline, for Markdown documentation: one participant per CPU
//! (with its lane label), one note per step over its CPU in time order, the step's note under its
//! action, and the verdict under each of the chosen kernels at the end.

use crate::model::scenario::Scenario;
use crate::model::trace::run;
use crate::model::variant::Variant;

/// Text Mermaid shows verbatim: its own syntax characters (`;`, `#`, `:` in notes is fine, line
/// breaks are `<br/>`) escaped as entities.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ';' => out.push_str("#59;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The diagram, with one closing note per variant in `verdicts` giving its verdict.
pub fn to_mermaid(scenario: &Scenario, verdicts: &[Variant]) -> String {
    let mut out = String::from("sequenceDiagram\n");
    if let Some(title) = scenario.title.as_deref().filter(|t| !t.is_empty()) {
        out.push_str(&format!("    title {}\n", text(title)));
    }
    for c in 0..scenario.cpus {
        match scenario.labels.get(c).filter(|l| !l.is_empty()) {
            Some(label) => out.push_str(&format!(
                "    participant CPU{c} as CPU{c} ({})\n",
                text(label)
            )),
            None => out.push_str(&format!("    participant CPU{c}\n")),
        }
    }
    let two_pages = scenario.pages.len() > 1;
    for (i, st) in scenario.steps.iter().enumerate() {
        let mut what = format!("{}. {}", i + 1, text(st.action.label()));
        if two_pages && st.action.def().per_page {
            what.push_str(&format!(" (page {})", st.page));
        }
        if let Some(note) = st.note.as_deref().filter(|n| !n.is_empty()) {
            what.push_str(&format!("<br/>[{}]", text(note)));
        }
        out.push_str(&format!("    Note over CPU{}: {what}\n", st.cpu));
    }
    if scenario.cpus > 0 && !verdicts.is_empty() {
        let last = scenario.cpus - 1;
        let lines: Vec<String> = verdicts
            .iter()
            .map(|v| match run(scenario, v) {
                Ok(t) => format!("{}: {}", text(&v.name()), t.verdict.label()),
                Err(e) => format!("{}: error: {}", text(&v.name()), text(&e.to_string())),
            })
            .collect();
        let span = if last == 0 {
            "CPU0".to_string()
        } else {
            format!("CPU0,CPU{last}")
        };
        out.push_str(&format!("    Note over {span}: {}\n", lines.join("<br/>")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::example;
    use crate::model::variant::Preset;

    #[test]
    fn example_1_as_a_sequence_diagram() {
        let s = example("example-1").unwrap();
        let m = to_mermaid(&s, &[Preset::V5_10Rc4.variant(), Preset::YuFix.variant()]);
        assert!(m.starts_with("sequenceDiagram\n"));
        assert!(m.contains("participant CPU0 as CPU0 (userspace)"));
        assert!(m.contains("Note over CPU3: 8. page_mkclean_one()<br/>[true, no flush]"));
        assert!(m.contains("v5.10-rc4: lost<br/>yu-fix: guaranteed"));
        assert_eq!(m.matches("Note over CPU").count(), s.steps.len() + 1);
    }

    #[test]
    fn syntax_characters_are_escaped() {
        let mut s = example("example-2b").unwrap();
        s.steps[0].note = Some("a; b # c <d>\nnext".into());
        let m = to_mermaid(&s, &[]);
        assert!(m.contains("[a#59; b #35; c #lt;d#gt; next]"), "{m}");
    }
}
