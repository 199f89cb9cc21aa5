//! An opened counterexample: a small read-only timeline beside the working one (the embed's
//! [`StaticTimeline`], one renderer for both), with its verdict under every preset (from core's
//! `run_all`) and a button to load it into the editor.

use std::rc::Rc;

use tlbrace_core::{run_all, Arch, Scenario};
use yew::prelude::*;

use super::embed::StaticTimeline;
use super::verdicts::verdict_id;

/// What the view is given.
#[derive(Clone, Debug, PartialEq, Properties)]
pub struct CounterexampleProps {
    /// The counterexample timeline.
    pub scenario: Rc<Scenario>,
    /// Loads it into the editor (replaces the working scenario).
    pub on_load: Callback<Scenario>,
    /// Closes the view.
    pub on_close: Callback<()>,
}

/// The read-only counterexample timeline. Steps sit in their CPU's lane at their global row, so the
/// interleaving reads top to bottom across lanes.
#[component]
pub fn Counterexample(props: &CounterexampleProps) -> Html {
    let s = props.scenario.clone();
    let runs = run_all(&s, Arch::X86);
    // The steps that decide the verdict under the first preset that goes wrong: marked in the lanes.
    let decisive: Option<(&str, Vec<usize>)> = runs.iter().find_map(|r| match &r.result {
        Ok(t) if t.verdict.label() != "guaranteed" => {
            Some((r.preset.name(), t.verdict.decisive_steps()))
        }
        _ => None,
    });
    let on_load = {
        let s = s.clone();
        props.on_load.reform(move |_: MouseEvent| (*s).clone())
    };
    let on_close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <section class="counterexample" aria-label="Counterexample">
            <header class="counterexample-head">
                <h2>{ format!("Counterexample: {} steps", s.steps.len()) }</h2>
                <div class="counterexample-actions">
                    <button type="button" class="load-counterexample" onclick={on_load}>
                        { "Load into editor" }</button>
                    <button type="button" class="close-counterexample" onclick={on_close}
                        aria-label="Close the counterexample">{ "×" }</button>
                </div>
            </header>
            <ul class="cex-verdicts" aria-label="Verdicts of this timeline on x86">
                { for runs.iter().map(|r| {
                    let id = verdict_id(&r.result);
                    let text = match &r.result {
                        Ok(t) => t.verdict.label().to_string(),
                        Err(e) => format!("error: {e}"),
                    };
                    html! {
                        <li class="cex-verdict" data-variant={r.preset.name()} data-verdict={id}>
                            <span class="cex-verdict-name">{ r.preset.name() }</span>{ ": " }
                            <span class="cex-verdict-label">{ text }</span>
                        </li>
                    }
                }) }
            </ul>
            if let Some((name, _)) = &decisive {
                <p class="cex-legend">{ format!("Marked: the steps that decide the verdict under {name}.") }</p>
            }
            <StaticTimeline scenario={s.clone()} decisive={decisive.map(|(_, d)| d).unwrap_or_default()} />
        </section>
    }
}
