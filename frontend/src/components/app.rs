//! The whole page.

use tlbrace_core::scenario::DEFAULT_CPUS;
use yew::prelude::*;

use super::header::Header;
use super::timeline::Timeline;

/// The playground: the header over an (empty, for now) timeline of [`DEFAULT_CPUS`] lanes.
#[component]
pub fn App() -> Html {
    html! {
        <div class="app">
            <Header />
            <main>
                <Timeline cpus={DEFAULT_CPUS} />
            </main>
        </div>
    }
}
