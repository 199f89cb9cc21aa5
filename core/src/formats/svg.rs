//! A scenario as a picture for slides and docs: the lanes, the steps with their notes, and the verdict
//! under every preset. Text stays text (searchable, copyable, escaped); there is no script, no external
//! font and no stylesheet beyond the one inline `<style>`, so the file renders the same in a browser, an
//! office suite or an image converter.

use crate::formats::ascii::wrap;
use crate::model::scenario::Scenario;
use crate::model::state::MAX_CPUS;
use crate::model::trace::run_all;
use crate::model::variant::Arch;

/// Pixels per character of the 12 px monospace font: layout is computed, not measured.
const CHAR_W: f32 = 7.2;
/// Pixels per character of the 11 px monospace font used for notes and summaries.
const SMALL_W: f32 = 6.6;
const MARGIN: f32 = 16.0;
/// Room for step numbers left of the first lane.
const GUTTER: f32 = 36.0;
const MIN_LANE: f32 = 170.0;
const BOX_H: f32 = 22.0;
const LINE_H: f32 = 14.0;
const GAP: f32 = 10.0;

const STYLE: &str = "text{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#1b1f24}\
.t{font-size:16px;font-weight:bold}.h{font-size:13px;font-weight:bold}.l{font-size:11px;fill:#57606a;font-style:italic}\
.a{font-size:12px}.n{font-size:11px;fill:#57606a}.s{font-size:11px;fill:#57606a}.num{font-size:11px;fill:#8c959f}\
.box{fill:#f6f8fa;stroke:#8c959f}.lane{stroke:#d0d7de;stroke-dasharray:4 4}\
.lost{fill:#cf222e}.at-risk{fill:#bf8700}.guaranteed{fill:#1a7f37}.error{fill:#6e7781}.v{font-size:11px;fill:#fff;font-weight:bold}";

/// Escapes text for XML and replaces the characters XML 1.0 cannot hold at all (most C0 controls,
/// U+FFFE, U+FFFF) with U+FFFD, so that any note yields a well-formed document.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn text(out: &mut String, x: f32, y: f32, class: &str, content: &str) {
    out.push_str(&format!(
        "<text x=\"{x:.1}\" y=\"{y:.1}\" class=\"{class}\">{}</text>\n",
        escape(content)
    ));
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Draws the scenario and the verdict of every preset on `arch` (x86 for the seed's verdicts).
/// Any scenario renders, even an invalid one: the matrix then says why each run failed.
pub fn export(scenario: &Scenario, arch: Arch) -> String {
    let lanes = scenario.cpus.clamp(1, MAX_CPUS);
    let lane_of = |cpu: usize| cpu.min(lanes - 1);
    let widest = scenario
        .steps
        .iter()
        .map(|s| s.action.label().chars().count())
        .max()
        .unwrap_or(0);
    let lane_w = MIN_LANE.max(widest as f32 * CHAR_W + 24.0);
    let note_chars = (((lane_w - 20.0) / SMALL_W) as usize).max(8);
    let lane_x = |lane: usize| MARGIN + GUTTER + lane as f32 * lane_w;
    let timeline_w = MARGIN * 2.0 + GUTTER + lanes as f32 * lane_w;

    let runs = run_all(scenario, arch);
    let name_w = runs
        .iter()
        .map(|r| r.preset.name().chars().count())
        .max()
        .unwrap_or(0) as f32
        * CHAR_W
        + 16.0;
    let pill_w = 86.0;
    let summary_x = MARGIN + name_w + pill_w + 12.0;
    let width = timeline_w.max(summary_x + 60.0 * SMALL_W + MARGIN);
    let summary_chars = (((width - summary_x - MARGIN) / SMALL_W) as usize).max(20);

    let mut body = String::new();
    let mut y = MARGIN;
    if let Some(title) = scenario.title.as_deref().map(normalize) {
        if !title.is_empty() {
            let chars = ((width - 2.0 * MARGIN) / 9.6) as usize;
            for line in wrap(&title, chars, chars) {
                y += 20.0;
                text(&mut body, MARGIN, y, "t", &line);
            }
            y += 8.0;
        }
    }

    // Lane headers and captions.
    y += 18.0;
    for lane in 0..lanes {
        text(&mut body, lane_x(lane) + 8.0, y, "h", &format!("CPU{lane}"));
    }
    let labels: Vec<String> = (0..lanes)
        .map(|l| {
            scenario
                .labels
                .get(l)
                .map(|s| normalize(s))
                .unwrap_or_default()
        })
        .collect();
    if labels.iter().any(|l| !l.is_empty()) {
        y += 16.0;
        for (lane, label) in labels.iter().enumerate() {
            if !label.is_empty() {
                let max = ((lane_w - 16.0) / SMALL_W) as usize;
                let shown: String = if label.chars().count() > max {
                    label
                        .chars()
                        .take(max.saturating_sub(1))
                        .chain(['…'])
                        .collect()
                } else {
                    label.clone()
                };
                text(&mut body, lane_x(lane) + 8.0, y, "l", &shown);
            }
        }
    }
    let lanes_top = y + 8.0;
    y = lanes_top + GAP;

    // Steps.
    let mut steps_svg = String::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let x = lane_x(lane_of(step.cpu)) + 4.0;
        let label = step.action.label();
        let box_w = label.chars().count() as f32 * CHAR_W + 12.0;
        steps_svg.push_str(&format!(
            "<g id=\"step-{}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{box_w:.1}\" height=\"{BOX_H}\" rx=\"4\" class=\"box\"/>\n",
            i + 1
        ));
        text(
            &mut steps_svg,
            MARGIN,
            y + 15.0,
            "num",
            &format!("{}", i + 1),
        );
        text(&mut steps_svg, x + 6.0, y + 15.0, "a", label);
        y += BOX_H;
        if let Some(note) = &step.note {
            let note = normalize(note);
            for line in wrap(&format!("[{note}]"), note_chars, note_chars) {
                y += LINE_H;
                text(&mut steps_svg, x + 6.0, y - 3.0, "n", &line);
            }
        }
        steps_svg.push_str("</g>\n");
        y += GAP;
    }
    let lanes_bottom = y;
    for lane in 1..lanes {
        let x = lane_x(lane) - 4.0;
        body.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{lanes_top:.1}\" x2=\"{x:.1}\" y2=\"{lanes_bottom:.1}\" class=\"lane\"/>\n"
        ));
    }
    body.push_str(&steps_svg);

    // The verdict matrix.
    y += 16.0;
    let arch_name = match arch {
        Arch::X86 => "x86",
        Arch::Arm64 => "arm64",
    };
    text(
        &mut body,
        MARGIN,
        y,
        "h",
        &format!("Verdicts ({arch_name})"),
    );
    y += 8.0;
    for r in &runs {
        let (class, label, summary) = match &r.result {
            Ok(t) => (
                t.verdict.id(),
                t.verdict.label(),
                t.verdict.summary(scenario),
            ),
            Err(e) => ("error", "error", e.to_string()),
        };
        let lines = wrap(&normalize(&summary), summary_chars, summary_chars);
        let row_h = (lines.len() as f32 * LINE_H).max(BOX_H) + 6.0;
        body.push_str(&format!(
            "<g class=\"verdict\" data-preset=\"{}\" data-verdict=\"{label}\">\n",
            escape(r.preset.name())
        ));
        text(&mut body, MARGIN, y + 15.0, "a", r.preset.name());
        let px = MARGIN + name_w;
        body.push_str(&format!(
            "<rect x=\"{px:.1}\" y=\"{:.1}\" width=\"{pill_w}\" height=\"{BOX_H}\" rx=\"11\" class=\"{class}\"/>\n",
            y + 1.0
        ));
        text(&mut body, px + 10.0, y + 16.0, "v", label);
        for (k, line) in lines.iter().enumerate() {
            text(
                &mut body,
                summary_x,
                y + 15.0 + k as f32 * LINE_H,
                "s",
                line,
            );
        }
        body.push_str("</g>\n");
        y += row_h;
    }
    let height = y + MARGIN;

    let title = scenario.title.as_deref().map(normalize).unwrap_or_default();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\">\n<title>{}</title>\n<style>{STYLE}</style>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n{body}</svg>\n",
        escape(if title.is_empty() { "tlbrace scenario" } else { &title })
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_handles_markup_and_forbidden_characters() {
        assert_eq!(
            escape("a<b>&\"c'\u{0}\u{1b}\u{FFFF}\t"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}\u{FFFD}\u{FFFD} "
        );
    }
}
