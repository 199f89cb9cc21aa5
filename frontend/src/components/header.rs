//! The page header: the name and what it is for.

use yew::prelude::*;

/// One line under the name saying what the playground is.
pub const TAGLINE: &str = "Step through Linux TLB-flush races, one CPU lane at a time.";

/// The page header.
#[component]
pub fn Header() -> Html {
    html! {
        <header class="header" data-testid="header">
            <h1>{ "tlbrace" }</h1>
            <p class="tagline">{ TAGLINE }</p>
        </header>
    }
}
