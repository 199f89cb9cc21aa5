//! A stand-in for the editor's import, in branch `explore-ui` only: paste a scenario as JSON to make it
//! the working scenario, so the Explorer can be tried (and tested) on scenarios larger than the
//! examples. The integrator replaces it with the editor's own import (`Edit::Load`).

use tlbrace_core::{format, Scenario};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// What the loader is given.
#[derive(Clone, Debug, PartialEq, Properties)]
pub struct ScenarioJsonProps {
    /// Called with the parsed, validated scenario.
    pub on_load: Callback<Scenario>,
}

/// A collapsed "Load a scenario (JSON)" box.
#[component]
pub fn ScenarioJson(props: &ScenarioJsonProps) -> Html {
    let text = use_state(String::new);
    let error = use_state(|| None::<String>);
    let on_input = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<HtmlTextAreaElement>() {
                text.set(t.value());
            }
        })
    };
    let on_click = {
        let (text, error, on_load) = (text.clone(), error.clone(), props.on_load.clone());
        Callback::from(move |_: MouseEvent| match format::from_json(&text) {
            Ok(s) => {
                error.set(None);
                on_load.emit(s);
            }
            Err(e) => error.set(Some(e.to_string())),
        })
    };
    html! {
        <details class="scenario-json">
            <summary>{ "Load a scenario (JSON)" }</summary>
            <textarea class="scenario-json-text" rows="4" aria-label="Scenario JSON"
                value={(*text).clone()} oninput={on_input} />
            <button type="button" class="scenario-json-load" onclick={on_click}>{ "Load" }</button>
            if let Some(e) = &*error {
                <p class="error" role="alert">{ e }</p>
            }
        </details>
    }
}
