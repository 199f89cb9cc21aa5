//! Sharing the working scenario: a Share button that copies a `#v2.…` link, an Embed button that
//! shows the `<iframe>` snippet for a documentation page or a wiki, and a Reply button that shows a
//! reply ready to mail ([`ReplyBox`]).
//!
//! Links and embeds are self-checking: they carry what their author saw ([`author_view`]: the
//! verdicts of the matrix's cards and the inspected column, by variant spec, in `Scenario::view`),
//! which the embed compares with what the model says when it is opened.

use std::rc::Rc;

use tlbrace_core::{Arch, Scenario};
use yew::prelude::*;

use super::reply::ReplyBox;
use super::verdicts::{Column, VariantKey};
use crate::browser::{copy_to_clipboard, HEIGHT_MESSAGE};
use crate::location;
use crate::review::author_view;

/// What [`SharePanel`] shares.
#[derive(Clone, PartialEq, Properties)]
pub struct SharePanelProps {
    /// The working scenario.
    pub scenario: Rc<Scenario>,
    /// The page's architecture, which the link and the embed carry (`arch=arm64`).
    pub arch: Arch,
    /// The matrix's columns: the verdicts a link records as its author's.
    #[prop_or_default]
    pub columns: Rc<Vec<Column>>,
    /// The columns the author sees first (the matrix's cards), by `data-variant`.
    #[prop_or_default]
    pub shown: Vec<&'static str>,
    /// The inspected column: the one the embed opens on.
    #[prop_or_default]
    pub inspected: Option<VariantKey>,
}

/// The iframe height an embed snippet starts with, before the embed reports its own.
pub const SNIPPET_HEIGHT: u32 = 480;

/// Escapes text for a double-quoted HTML attribute.
fn attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The HTML to paste into a page to embed `url` (an embed URL, `…?embed#v2.…`): the iframe, and a
/// few lines of script that size every tlbrace iframe on the page from the height it posts. The
/// script is the same for every embed; a page needs it once.
pub fn embed_snippet(url: &str, title: Option<&str>) -> String {
    let title = match title.filter(|t| !t.is_empty()) {
        Some(t) => format!("tlbrace: {t}"),
        None => "tlbrace scenario".to_string(),
    };
    format!(
        r#"<iframe src="{url}" title="{title}" width="100%" height="{SNIPPET_HEIGHT}"
  style="border: 1px solid #d0d7de; border-radius: 6px;" loading="lazy" data-tlbrace-embed></iframe>
<script>
/* tlbrace embeds post {{type: "{HEIGHT_MESSAGE}", height}}: size each one to fit. Once per page. */
addEventListener("message", function (e) {{
  var h = e.data && e.data.type === "{HEIGHT_MESSAGE}" && Number(e.data.height);
  if (!(h > 0 && h < 20000)) return;
  document.querySelectorAll("iframe[data-tlbrace-embed]").forEach(function (f) {{
    if (f.contentWindow === e.source) f.style.height = Math.ceil(h) + "px";
  }});
}});
</script>"#,
        url = attr(url),
        title = attr(&title),
    )
}

/// How a copy went: `None` before any, then the outcome.
type CopyStatus = Option<Result<(), String>>;

/// Renders a copy outcome: a status line, or an alert saying to copy by hand from the field.
pub(crate) fn copy_status(status: &CopyStatus, what: &str) -> Html {
    match status {
        None => html! {},
        Some(Ok(())) => {
            html! { <p class="status" role="status">{ format!("{what} copied to the clipboard.") }</p> }
        }
        Some(Err(reason)) => html! {
            <p class="error" role="alert">
                { format!("Could not copy: {reason}. Select the {} below and copy it.", what.to_ascii_lowercase()) }
            </p>
        },
    }
}

/// Selects a field's whole text when it gets focus, so one Ctrl+C copies it.
pub(crate) fn select_all() -> Callback<FocusEvent> {
    Callback::from(|e: FocusEvent| {
        if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
            input.select();
        } else if let Some(area) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
            area.select();
        }
    })
}

/// The Share and Embed buttons, with the link and the snippet they produce.
#[component]
pub fn SharePanel(props: &SharePanelProps) -> Html {
    let shown = use_state(|| false);
    let link_copy = use_state(|| None::<Result<(), String>>);
    let embed_open = use_state(|| false);
    let reply_open = use_state(|| false);
    let snippet_copy = use_state(|| None::<Result<(), String>>);
    // A copy outcome is about the scenario as it was: forget it when the scenario changes.
    {
        let (link_copy, snippet_copy) = (link_copy.clone(), snippet_copy.clone());
        use_effect_with(props.scenario.clone(), move |_| {
            link_copy.set(None);
            snippet_copy.set(None);
        });
    }
    // The scenario with what its author sees, recorded for the embed to check.
    let authored = use_memo(
        (
            props.scenario.clone(),
            props.columns.clone(),
            props.shown.clone(),
            props.inspected,
        ),
        |(s, cols, shown, inspected)| {
            let mut authored = (**s).clone();
            if let (Some(k), false) = (inspected, cols.is_empty()) {
                authored.view = author_view(cols, shown, *k);
            }
            authored
        },
    );
    // Made only while shown (each is a DEFLATE of the scenario: an edit must not pay for a link
    // nobody looks at), and so always match the scenario.
    let link = if *shown {
        location::share_url(&authored, props.arch)
    } else {
        String::new()
    };
    let embed_url = if *embed_open {
        location::embed_url(&authored, props.arch)
    } else {
        String::new()
    };
    let snippet = if *embed_open {
        embed_snippet(&embed_url, props.scenario.title.as_deref())
    } else {
        String::new()
    };

    let on_share = {
        let (shown, link_copy) = (shown.clone(), link_copy.clone());
        let (authored, arch) = (authored.clone(), props.arch);
        Callback::from(move |_: MouseEvent| {
            shown.set(true);
            let link = location::share_url(&authored, arch);
            let link_copy = link_copy.clone();
            yew::platform::spawn_local(async move {
                link_copy.set(Some(copy_to_clipboard(&link).await));
            });
        })
    };
    let on_embed = {
        let embed_open = embed_open.clone();
        Callback::from(move |_: MouseEvent| embed_open.set(!*embed_open))
    };
    let on_reply = {
        let reply_open = reply_open.clone();
        Callback::from(move |_: MouseEvent| reply_open.set(!*reply_open))
    };
    let on_copy_snippet = {
        let (snippet_copy, snippet) = (snippet_copy.clone(), snippet.clone());
        Callback::from(move |_: MouseEvent| {
            let (snippet_copy, snippet) = (snippet_copy.clone(), snippet.clone());
            yew::platform::spawn_local(async move {
                snippet_copy.set(Some(copy_to_clipboard(&snippet).await));
            });
        })
    };

    html! {
        <section class="share-panel" aria-label="Share">
            <div class="share-actions">
                <button type="button" class="share-button" onclick={on_share}
                    title="Copy a link that opens this scenario">{ "Share link" }</button>
                <button type="button" class="embed-button" onclick={on_embed}
                    aria-expanded={embed_open.to_string()}
                    title="HTML to embed this scenario in a page">{ "Embed…" }</button>
                <button type="button" class="reply-button" onclick={on_reply}
                    aria-expanded={reply_open.to_string()}
                    title="The diagram, the verdicts and a link, ready to paste into a mail">{ "Reply…" }</button>
            </div>
            if *shown {
                <div class="share-link-row">
                    <label class="share-link-label">
                        { "Link" }
                        <textarea class="share-link" readonly=true rows="3" value={link.clone()}
                            onfocus={select_all()} aria-label="Share link" spellcheck="false" />
                    </label>
                    { copy_status(&link_copy, "Link") }
                </div>
            }
            if *embed_open {
                <div class="embed-dialog" role="dialog" aria-label="Embed this scenario">
                    <p class="hint">
                        { "Paste this into an HTML page. The iframe shows the timeline and the verdicts, read-only, \
                           with a link back to the editor; the script sizes it to fit (it posts its height)." }
                    </p>
                    <textarea class="embed-snippet" readonly=true rows="11" value={snippet}
                        onfocus={select_all()} aria-label="Embed HTML" spellcheck="false" />
                    <div class="share-actions">
                        <button type="button" class="copy-embed" onclick={on_copy_snippet}>{ "Copy HTML" }</button>
                        <a class="embed-preview" href={embed_url} target="_blank" rel="noopener">
                            { "Preview the embed ↗" }
                        </a>
                    </div>
                    { copy_status(&snippet_copy, "HTML") }
                </div>
            }
            if *reply_open {
                <ReplyBox scenario={props.scenario.clone()} arch={props.arch} />
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_escapes_the_url_and_title_and_sizes_the_frame() {
        let s = embed_snippet("https://h/p/?embed&x=1#v1.AB", Some("a \"quoted\" <b>"));
        assert!(
            s.contains(r#"src="https://h/p/?embed&amp;x=1#v1.AB""#),
            "{s}"
        );
        assert!(
            s.contains(r#"title="tlbrace: a &quot;quoted&quot; &lt;b&gt;""#),
            "{s}"
        );
        assert!(s.contains(&format!("height=\"{SNIPPET_HEIGHT}\"")));
        assert!(s.contains("\"tlbrace:height\""));
        assert!(s.contains("data-tlbrace-embed"));
        assert_eq!(
            embed_snippet("u", None)
                .matches("title=\"tlbrace scenario\"")
                .count(),
            1
        );
    }
}
