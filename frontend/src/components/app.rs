//! The whole page.

use tlbrace_core::scenario::DEFAULT_CPUS;
use yew::prelude::*;

use super::header::Header;
// share: the share/embed/import-export components and their routing.
use super::embed::{EmbedPage, Overview};
use super::io::ImportExport;
use super::share::SharePanel;
use crate::location;
use std::rc::Rc;
use tlbrace_core::Scenario;

/// The playground: the header over the timeline of the working scenario; `?embed` renders the
/// read-only embed instead.
#[component]
pub fn App() -> Html {
    // share: the embed route, decided once per page load (the query string does not change).
    let embed = use_state(location::is_embed);
    if *embed {
        return html! { <EmbedPage /> };
    }
    html! { <Editor /> }
}

/// The editor page.
#[component]
fn Editor() -> Html {
    // share: a stand-in for the editor's reducer (the integrator replaces it with `doc.rs`:
    // `on_load` becomes `Edit::Load`). The scenario opens from a share link in the address bar.
    let scenario = use_state(|| Rc::new(Scenario::new(DEFAULT_CPUS)));
    let on_load = {
        let scenario = scenario.clone();
        Callback::from(move |s: Scenario| scenario.set(Rc::new(s)))
    };
    let link = location::use_location_link(on_load.clone());
    let link_error = link.error.clone().map(|message| {
        let dismiss = link.dismiss.clone();
        html! {
            <div class="error link-error" role="alert">
                <span>{ message }</span>
                <button type="button" class="dismiss" aria-label="Dismiss"
                    onclick={move |_| dismiss.emit(())}>{ "×" }</button>
            </div>
        }
    });
    html! {
        <div class="app">
            <Header />
            <main>
                // share: begin (the read-only Overview stands in for the editor's timeline until `ui` lands)
                { for link_error }
                <SharePanel scenario={(*scenario).clone()} />
                <Overview scenario={(*scenario).clone()} />
                <ImportExport scenario={(*scenario).clone()} {on_load} />
                // share: end
            </main>
        </div>
    }
}
