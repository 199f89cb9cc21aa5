//! The whole page.

use std::rc::Rc;

use tlbrace_core::examples::example;
use tlbrace_core::Scenario;
use yew::prelude::*;

use super::counterexample::Counterexample;
use super::explorer::Explorer;
use super::header::Header;
use super::scenario_json::ScenarioJson;
use super::timeline::Timeline;

/// The playground: the header over the timeline, with the Explorer beside it.
#[component]
pub fn App() -> Html {
    // --- explore-ui (minimal wiring; the integrator routes these to the editor's reducer) ---
    // The working scenario (Example 1 to start) and the counterexample opened from the Explorer.
    let scenario = use_state(|| Rc::new(example("example-1").unwrap_or_default()));
    let opened = use_state(|| None::<Rc<Scenario>>);
    let load = {
        let scenario = scenario.clone();
        Callback::from(move |s: Scenario| scenario.set(Rc::new(s)))
    };
    let on_open = {
        let opened = opened.clone();
        Callback::from(move |s: Scenario| opened.set(Some(Rc::new(s))))
    };
    let on_close = {
        let opened = opened.clone();
        Callback::from(move |()| opened.set(None))
    };
    // --- end explore-ui ---
    html! {
        <div class="app">
            <Header />
            <main class="with-explorer">
                <Timeline cpus={scenario.cpus} />
                // --- explore-ui ---
                <aside class="explore-side">
                    <ScenarioJson on_load={load.clone()} />
                    <p class="working-scenario">{ format!(
                        "Working scenario: {} ({} CPUs, {} steps)",
                        scenario.title.as_deref().unwrap_or("untitled"),
                        scenario.cpus,
                        scenario.steps.len()
                    ) }</p>
                    <Explorer scenario={(*scenario).clone()} {on_open} />
                    if let Some(c) = &*opened {
                        <Counterexample scenario={c.clone()} on_load={load} {on_close} />
                    }
                </aside>
                // --- end explore-ui ---
            </main>
        </div>
    }
}
