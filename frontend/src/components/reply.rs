//! A reply ready to mail: core's [`reply`] of the scenario (the diagram in the thread's style, a line
//! per group of kernels with its verdict, and the share link bracketed over lines of at most 78
//! columns), pointing at this page, in a text area with Copy. Pasted back into the import box, quoted
//! and re-wrapped or not, it opens the same scenario; a link a mail client damaged is refused.
//!
//! DOM contract: `.reply-box` with `textarea.reply-text` and `.reply-copy`.

use std::rc::Rc;

use tlbrace_core::formats::reply::reply;
use tlbrace_core::{Arch, Scenario};
use yew::prelude::*;

use super::share::{copy_status, select_all};
use crate::browser::copy_to_clipboard;
use crate::location;

/// What [`ReplyBox`] writes.
#[derive(Clone, PartialEq, Properties)]
pub struct ReplyBoxProps {
    /// The scenario.
    pub scenario: Rc<Scenario>,
    /// The architecture the verdicts are for.
    pub arch: Arch,
}

/// The reply, with Copy.
#[component]
pub fn ReplyBox(props: &ReplyBoxProps) -> Html {
    let copied = use_state(|| None::<Result<(), String>>);
    let text = use_memo((props.scenario.clone(), props.arch), |(s, arch)| {
        reply(s, *arch, &location::page_url(*arch))
    });
    {
        let copied = copied.clone();
        use_effect_with(text.clone(), move |_| copied.set(None));
    }
    let on_copy = {
        let (copied, text) = (copied.clone(), text.clone());
        Callback::from(move |_: MouseEvent| {
            let (copied, text) = (copied.clone(), text.clone());
            yew::platform::spawn_local(async move {
                copied.set(Some(copy_to_clipboard(&text).await));
            });
        })
    };
    let rows = text.lines().count().clamp(8, 24).to_string();
    html! {
        <div class="reply-box" role="dialog" aria-label="A reply ready to mail">
            <p class="hint">
                { "Paste this into your reply: every line fits in 78 columns, and the bracketed link survives \
                   quoting and re-wrapping (paste it back into Import to open it)." }
            </p>
            <textarea class="reply-text" readonly=true {rows} cols="80" value={(*text).clone()}
                onfocus={select_all()} aria-label="Reply" spellcheck="false" wrap="off" />
            <div class="share-actions">
                <button type="button" class="reply-copy" onclick={on_copy}>{ "Copy reply" }</button>
            </div>
            { copy_status(&copied, "Reply") }
        </div>
    }
}
