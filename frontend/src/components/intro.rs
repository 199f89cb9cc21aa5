//! The first visit's strip: what the page shows when it opens on Example 1, in four short lines
//! (the race, what the columns are, what to try), until dismissed; the dismissal is remembered in
//! this browser ([`storage::KEY_INTRO`]).

use yew::prelude::*;

use crate::storage;

/// What [`IntroStrip`] needs.
#[derive(Clone, PartialEq, Properties)]
pub struct IntroProps {
    /// Whether the page shows the example the strip explains (the first visit's).
    pub shown: bool,
}

/// The dismissible "what you are looking at" strip.
#[component]
pub fn IntroStrip(props: &IntroProps) -> Html {
    let dismissed = use_state(storage::intro_dismissed);
    if *dismissed || !props.shown {
        return html! {};
    }
    let dismiss = Callback::from(move |_: MouseEvent| {
        storage::dismiss_intro();
        dismissed.set(true);
    });
    html! {
        <section class="intro" aria-label="What you are looking at">
            <div class="intro-text">
                <p><strong>{ "What you are looking at: " }</strong>
                    { "Example 1 from the 2020 thread on deferred TLB flushes. Two CPUs clean and \
                       write-protect the page's PTE with their flushes still pending, so page_mkclean_one \
                       skips its own; CPU0's stale, writable TLB entry then takes a store nothing records, \
                       and reclaim drops the page." }</p>
                <p>{ "Each lane is a CPU, time runs down; each card below is a kernel's verdict on this \
                      timeline. Drag an action onto a lane (or press A, then Enter) and click a step to see \
                      the state after it." }</p>
            </div>
            <button type="button" class="intro-dismiss" onclick={dismiss}
                title="Hide this; it stays hidden in this browser">{ "Got it" }</button>
        </section>
    }
}
