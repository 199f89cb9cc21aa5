//! The explorer's results table: one row per searched variant, derived from core's [`Report`] (plus
//! the time budget the page asked for and whether it ran out), and the words and numbers it shows.

use std::rc::Rc;

use tlbrace_core::search::explore::{Finding, Outcome, Report};
use tlbrace_core::{Scenario, Variant};
use yew::prelude::*;

use super::verdicts::verdict_words;

/// The name `data-variant` and the results use for a variant: the preset's name (the architecture is
/// the page's, one for the whole run), else `custom`.
pub fn variant_key(variant: &Variant) -> &'static str {
    variant.preset().map_or("custom", |p| p.name())
}

/// One line of the results table.
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    /// A variant whose search ended, completely or at a budget.
    Done {
        /// Everything core found.
        report: Box<Report>,
        /// Wall-clock time of the search in milliseconds.
        elapsed_ms: f64,
        /// The time budget, when it is what stopped the search.
        timed_out_at_ms: Option<u64>,
    },
    /// The variant being searched when Cancel was pressed.
    Cancelled {
        /// The variant.
        variant: Variant,
        /// States visited by then.
        states: usize,
        /// Milliseconds it had run.
        elapsed_ms: f64,
    },
}

impl Row {
    /// The variant searched.
    pub fn variant(&self) -> Variant {
        match self {
            Row::Done { report, .. } => report.variant,
            Row::Cancelled { variant, .. } => *variant,
        }
    }

    /// `data-outcome`: `safe`, `unsafe` or `incomplete`.
    pub fn outcome(&self) -> &'static str {
        match self {
            Row::Done { report, .. } => match report.finding() {
                Finding::Safe => "safe",
                Finding::Unsafe => "unsafe",
                Finding::Unknown => "incomplete",
            },
            Row::Cancelled { .. } => "incomplete",
        }
    }

    /// The shortest bad interleaving found, with the variant it goes wrong under.
    pub fn counterexample(&self) -> Option<(&Scenario, Variant)> {
        match self {
            Row::Done { report, .. } => report
                .counterexample
                .as_ref()
                .map(|c| (&c.scenario, report.variant)),
            Row::Cancelled { .. } => None,
        }
    }

    /// Why the search ended, e.g. "time budget of 2 s reached after 40 000 states".
    pub fn stop(&self) -> String {
        let (outcome, states, timed_out_at_ms) = match self {
            Row::Done {
                report,
                timed_out_at_ms,
                ..
            } => (report.outcome, report.states, *timed_out_at_ms),
            Row::Cancelled { states, .. } => (Outcome::Cancelled, *states, None),
        };
        let states = count_of(states, "state");
        match (outcome, timed_out_at_ms) {
            (Outcome::Complete, _) => "every interleaving covered".to_string(),
            (Outcome::StoppedAtFirst, _) => format!("stopped at the first loss after {states}"),
            (Outcome::StateCap { limit }, _) => {
                format!(
                    "state cap of {} reached after {states}",
                    group(limit as u128)
                )
            }
            (Outcome::TransitionBudget { limit }, _) => format!(
                "step budget of {} reached after {states}",
                group(u128::from(limit))
            ),
            (Outcome::Cancelled, Some(ms)) => {
                format!(
                    "time budget of {} s reached after {states}",
                    seconds(ms as f64)
                )
            }
            (Outcome::Cancelled, None) => format!("cancelled after {states}"),
        }
    }

    /// The result cell's words: "safe: no interleaving does harm", "unsafe: data lost (an interleaving
    /// of 10 steps)", "incomplete: …; nothing bad found so far".
    pub fn describe(&self) -> String {
        match self {
            Row::Done { report, .. } => match (report.finding(), &report.counterexample) {
                (Finding::Unsafe, Some(c)) => {
                    let stop = match report.outcome {
                        Outcome::Complete => String::new(),
                        _ => format!(" ({})", self.stop()),
                    };
                    format!(
                        "unsafe: {} (an interleaving of {} steps){stop}",
                        verdict_words(c.verdict.id()).1,
                        c.scenario.steps.len()
                    )
                }
                (Finding::Safe, _) => "safe: no interleaving does harm".to_string(),
                _ => format!("incomplete: {}; nothing bad found so far", self.stop()),
            },
            Row::Cancelled { .. } => {
                format!("incomplete: {}; nothing bad found so far", self.stop())
            }
        }
    }
}

/// A count with thin-space thousands separators (`1 234 567`); past a trillion, `≈ 2.67 × 10^24`.
pub fn group(n: u128) -> String {
    let digits = n.to_string();
    if n >= 1_000_000_000_000 {
        return format!(
            "≈ {}.{} × 10^{}",
            &digits[..1],
            &digits[1..3],
            digits.len() - 1
        );
    }
    let mut out = String::with_capacity(digits.len() * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// `1 state`, `12 345 states`: a grouped count and its noun.
pub fn count_of(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", group(n as u128))
}

/// Milliseconds as seconds for people, to a tenth: `0.4`, `2`, `12.5`.
pub fn seconds(ms: f64) -> String {
    let s = (ms / 100.0).round() / 10.0;
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

/// A search's wall-clock time: `0.4 ms`, `85 ms`, `2.3 s`.
pub fn duration(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{} s", seconds(ms))
    }
}

/// The results table's props.
#[derive(Clone, Debug, PartialEq, Properties)]
pub struct ResultsProps {
    /// The rows, in search order.
    pub rows: Rc<Vec<Row>>,
    /// "Open counterexample" on row `i`.
    pub on_open: Callback<usize>,
    /// "Open minimised" on row `i`.
    pub on_minimise: Callback<usize>,
}

/// The per-variant results: verdict, interleavings represented, distinct states, bad end states, time.
#[component]
pub fn ExploreResults(props: &ResultsProps) -> Html {
    if props.rows.is_empty() {
        return html! {};
    }
    html! {
        // Scrolls sideways on its own on a narrow screen (the page itself does not).
        <div class="explore-results-scroll">
        <table class="explore-results">
            <thead>
                <tr>
                    <th scope="col">{ "Variant" }</th>
                    <th scope="col">{ "Result" }</th>
                    <th scope="col" title="Interleavings of the per-CPU programs the search stands for">
                        { "Interleavings" }</th>
                    <th scope="col">{ "Distinct states" }</th>
                    <th scope="col" title="Distinct end states that lose data or hold it at risk">
                        { "Bad end states" }</th>
                    <th scope="col">{ "Time" }</th>
                </tr>
            </thead>
            <tbody>
                { for props.rows.iter().enumerate().map(|(i, row)| result_row(i, row, props)) }
            </tbody>
        </table>
        </div>
    }
}

fn result_row(i: usize, row: &Row, props: &ResultsProps) -> Html {
    let (interleavings, states, bad, elapsed_ms) = match row {
        Row::Done {
            report, elapsed_ms, ..
        } => {
            let all = group(report.interleavings);
            let covered = match report.finding() {
                Finding::Unknown => format!("not all of {all}"),
                _ => all,
            };
            (
                covered,
                report.states,
                group(report.bad_end_states() as u128),
                *elapsed_ms,
            )
        }
        Row::Cancelled {
            states, elapsed_ms, ..
        } => ("—".to_string(), *states, "—".to_string(), *elapsed_ms),
    };
    let summary = match row {
        Row::Done { report, .. } => report
            .counterexample
            .as_ref()
            .map(|c| c.verdict.summary(&c.scenario)),
        Row::Cancelled { .. } => None,
    };
    let name = variant_key(&row.variant());
    let on_open = props.on_open.reform(move |_: MouseEvent| i);
    let on_minimise = props.on_minimise.reform(move |_: MouseEvent| i);
    html! {
        <tr class="explore-result" data-variant={name} data-outcome={row.outcome()}>
            <th scope="row" class="explore-variant-name">{ name }</th>
            <td class="explore-result-cell">
                <span class="explore-verdict">{ row.describe() }</span>
                if let Some(summary) = summary {
                    <details class="explore-cex-summary">
                        <summary>{ "What goes wrong" }</summary>
                        { summary }
                    </details>
                    <div class="explore-actions">
                        <button type="button" class="open-counterexample" onclick={on_open}>
                            { "Open counterexample" }</button>
                        <button type="button" class="minimise-counterexample" onclick={on_minimise}
                            title="Drop steps while it stays bad (keeping page_mkclean_one + write page to disk pairs whole)">
                            { "Open minimised" }</button>
                    </div>
                }
            </td>
            <td class="num explore-interleavings">{ interleavings }</td>
            <td class="num explore-states">{ group(states as u128) }</td>
            <td class="num explore-bad">{ bad }</td>
            <td class="num explore-time">{ duration(elapsed_ms) }</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_times_read_well() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1\u{2009}000");
        assert_eq!(group(900_900), "900\u{2009}900");
        assert_eq!(group(1_234_567), "1\u{2009}234\u{2009}567");
        assert_eq!(group(2_670_177_736_637_149_247_308_800), "≈ 2.67 × 10^24");
        assert_eq!(group(u128::MAX), "≈ 3.40 × 10^38");
        assert_eq!(count_of(1, "state"), "1 state");
        assert_eq!(count_of(4_000, "state"), "4\u{2009}000 states");
        assert_eq!(duration(0.42), "0.4 ms");
        assert_eq!(duration(85.2), "85 ms");
        assert_eq!(duration(2_345.0), "2.3 s");
        assert_eq!(duration(3_000.0), "3 s");
        assert_eq!(seconds(2000.0), "2");
        assert_eq!(seconds(2049.0), "2");
        assert_eq!(seconds(1260.0), "1.3");
        assert_eq!(seconds(2500.0), "2.5");
        assert_eq!(seconds(30_000.0), "30");
    }

    #[test]
    fn variants_are_keyed_by_preset_on_either_architecture() {
        use tlbrace_core::{Arch, Fix, Preset};
        assert_eq!(variant_key(&Preset::V5_12.variant()), "v5.12");
        assert_eq!(
            variant_key(&Preset::YuFix.variant().on(Arch::Arm64)),
            "yu-fix"
        );
        let custom = Preset::V5_10Rc4
            .variant()
            .with(Fix::MkcleanNeverSkips, true);
        assert_eq!(variant_key(&custom), "custom");
    }
}
