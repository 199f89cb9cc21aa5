//! An opened counterexample: a small read-only timeline beside the working one (the embed's
//! [`StaticTimeline`], one renderer for both), with its verdict under the variant it was found for,
//! the steps that decide it marked, and a button to load it into the editor. Opened (from the explorer
//! or from a tempting fix further down the page), it scrolls into view.

use std::rc::Rc;

use tlbrace_core::{run, Scenario, Variant};
use yew::prelude::*;

use super::embed::StaticTimeline;
use super::explore_results::variant_key;
use super::verdicts::{verdict_id, verdict_words};

/// What the view is given.
#[derive(Clone, Debug, PartialEq, Properties)]
pub struct CounterexampleProps {
    /// The counterexample timeline.
    pub scenario: Rc<Scenario>,
    /// The variant it goes wrong under (architecture included).
    pub variant: Variant,
    /// Loads it into the editor (replaces the working scenario).
    pub on_load: Callback<Scenario>,
    /// Closes the view.
    pub on_close: Callback<()>,
}

/// The read-only counterexample timeline. Steps sit in their CPU's lane at their global row, so the
/// interleaving reads top to bottom across lanes.
#[component]
pub fn Counterexample(props: &CounterexampleProps) -> Html {
    let s = &props.scenario;
    let root = use_node_ref();
    {
        let root = root.clone();
        use_effect_with((props.scenario.clone(), props.variant), move |_| {
            if let Some(el) = root.cast::<web_sys::Element>() {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                el.scroll_into_view_with_scroll_into_view_options(&options);
            }
        });
    }
    let result = run(s, &props.variant);
    let (label, summary, decisive, error_step) = match &result {
        Ok(t) => (
            verdict_words(t.verdict.id()).1.to_string(),
            t.verdict.summary(s),
            t.verdict.decisive_steps(),
            None,
        ),
        Err(e) => (
            verdict_words("error").1.to_string(),
            e.to_string(),
            Vec::new(),
            e.step,
        ),
    };
    let on_load = {
        let s = s.clone();
        props.on_load.reform(move |_: MouseEvent| (*s).clone())
    };
    let on_close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <section class="counterexample" aria-label="Counterexample" ref={root}>
            <header class="counterexample-head">
                <h2>{ format!("Counterexample: {} steps", s.steps.len()) }</h2>
                <div class="counterexample-actions">
                    <button type="button" class="load-counterexample" onclick={on_load}>
                        { "Load into editor" }</button>
                    <button type="button" class="close-counterexample" onclick={on_close}
                        aria-label="Close the counterexample">{ "×" }</button>
                </div>
            </header>
            <p class="cex-verdict" data-variant={variant_key(&props.variant)} data-verdict={verdict_id(&result)}>
                <span class="cex-verdict-name">{ props.variant.name() }</span>{ ": " }
                <span class="cex-verdict-label">{ label }</span>
            </p>
            <p class="cex-summary">{ summary }</p>
            if !decisive.is_empty() {
                <p class="cex-legend">{ "Marked: the steps that decide the verdict." }</p>
            }
            <StaticTimeline scenario={s.clone()} {decisive} {error_step} />
        </section>
    }
}
