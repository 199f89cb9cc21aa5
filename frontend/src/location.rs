//! What the page's URL asks for: a scenario to open (a share link in the fragment) and whether to
//! render the compact read-only embed instead of the editor.
//!
//! URL shapes, all relative to wherever the playground is hosted (any sub-path):
//! - `…/#v2.<data>` (and model v1's `…/#v1.<data>`) opens the scenario in the editor;
//! - `…/?embed#v2.<data>` (also `index.html?embed#…`) renders the embed view of that scenario;
//! - `?arch=arm64` (editor or embed) runs every variant on arm64 rather than x86. The links the page
//!   makes (Share link, Embed…) carry the page's architecture this way.
//!
//! The embed flag is a query parameter rather than part of the fragment so that the fragment stays
//! exactly a share link (any tool that opens share links opens an embed URL too), and because static
//! hosts ignore query strings, so the flag survives every host and every later release.
//!
//! After the editor opens a link it drops the fragment from the address bar (`history.replaceState`,
//! no new history entry): the URL would otherwise keep claiming to show a scenario the user has since
//! edited, and a reload would throw the edits away for the link's version. From then on the autosave
//! holds the work, and the Share button makes a fresh link. A link that fails to open is left in the
//! address bar, so that the user can see and report what was pasted. The embed view never drops its
//! fragment: there the URL is the content.

use tlbrace_core::{formats::share, Arch, Scenario};
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::view::{arch_id, parse_arch};

/// The query parameter that selects the embed view: `?embed`.
pub const EMBED_PARAM: &str = "embed";
/// The query parameter that chooses the architecture: `?arch=arm64`.
pub const ARCH_PARAM: &str = "arch";
/// The query parameters that open a built-in example with a step selected (`?example=example-1&step=3`):
/// applied once, then dropped from the address bar ([`forget_example`]), and never carried into
/// the links the page makes.
pub const EXAMPLE_PARAMS: [&str; 2] = ["example", "step"];

/// What a page URL asks for, parsed from its query string and fragment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// Render the read-only embed instead of the editor.
    pub embed: bool,
    /// The scenario the fragment names, or why it could not be opened; `None` without a fragment.
    pub link: Option<Result<Scenario, String>>,
}

/// Whether a query string (`?a=1&embed`, with or without its `?`) holds the embed flag. `embed`,
/// `embed=`, `embed=1` and `embed=yes` select it; `embed=0` and `embed=false` do not.
pub fn has_embed_flag(search: &str) -> bool {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == EMBED_PARAM).then_some(value)
        })
        .any(|value| !matches!(value, "0" | "false" | "no"))
}

/// The value of the query parameter `name` in `search` (`?a=1&step=3`, with or without its `?`): the
/// first one's, `""` for a bare flag.
pub fn query_param<'a>(search: &'a str, name: &str) -> Option<&'a str> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| match pair.split_once('=') {
            Some((key, value)) => (key == name).then_some(value),
            None => (pair == name).then_some(""),
        })
}

/// The architecture a query string asks for (`?arch=arm64`); x86 without one, or for a name this
/// release does not know.
pub fn arch_param(search: &str) -> Arch {
    query_param(search, ARCH_PARAM)
        .and_then(parse_arch)
        .unwrap_or(Arch::X86)
}

/// Opens the scenario a fragment (`#v2.…`, `v2.…`, or a `v1.` one) names. `None` when there is no fragment or it
/// is not shaped like a share link (`v<digits>.…`): pages that host or test the playground put their
/// own fragments in the URL (a test runner's `#wbg_style=…`, an anchor), and those are not ours to
/// complain about. A damaged, truncated or newer-version link gives a message the user can read.
pub fn link_from_fragment(hash: &str) -> Option<Result<Scenario, String>> {
    let decoded = link_text(hash)?;
    Some(
        share::decode(&decoded)
            .map_err(|e| format!("Could not open the share link in the address bar: {e}.")),
    )
}

/// Percent-decoding through the browser; natively (unit tests) only `%20` and `%2E` are undone.
fn js_sys_decode(text: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::decode_uri_component(text).ok().map(String::from)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Some(text.replace("%20", " ").replace("%2E", "."))
    }
}

/// Parses a page's query string and fragment.
pub fn parse(search: &str, hash: &str) -> PageRequest {
    PageRequest {
        embed: has_embed_flag(search),
        link: link_from_fragment(hash),
    }
}

/// `search` without the parameters named `names`, every other one kept in order; with its `?`, or
/// empty.
pub fn search_without(search: &str, names: &[&str]) -> String {
    let kept: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && !names.contains(&pair.split('=').next().unwrap_or("")))
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    }
}

/// The query string of a link the page makes: `search` (the page's own) without its `embed`, `arch`,
/// `example` and `step` parameters, then `embed` first when `embed`, and `arch=arm64` when `arch` is
/// not the default x86; every other parameter kept, in order. With its `?`, or empty.
pub fn link_search(search: &str, embed: bool, arch: Arch) -> String {
    let ours = |pair: &&str| {
        let key = pair.split('=').next().unwrap_or("");
        key == EMBED_PARAM || key == ARCH_PARAM || EXAMPLE_PARAMS.contains(&key)
    };
    let arch_pair = format!("{ARCH_PARAM}={}", arch_id(arch));
    let params: Vec<&str> = embed
        .then_some(EMBED_PARAM)
        .into_iter()
        .chain((arch != Arch::X86).then_some(arch_pair.as_str()))
        .chain(
            search
                .trim_start_matches('?')
                .split('&')
                .filter(|pair| !pair.is_empty() && !ours(pair)),
        )
        .collect();
    if params.is_empty() {
        String::new()
    } else {
        format!("?{}", params.join("&"))
    }
}

/// The browser's location, or `None` outside a browser window (never panics).
fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|w| w.location())
}

/// What the current page's URL asks for.
pub fn current() -> PageRequest {
    let Some(loc) = location() else {
        return PageRequest {
            embed: false,
            link: None,
        };
    };
    parse(
        &loc.search().unwrap_or_default(),
        &loc.hash().unwrap_or_default(),
    )
}

/// The scenario the address bar's fragment names: `None` without a fragment, else the scenario or
/// a message for a `role="alert"`.
pub fn scenario_from_location() -> Option<Result<Scenario, String>> {
    current().link
}

/// Whether this page is the embed view (`?embed`).
pub fn is_embed() -> bool {
    has_embed_flag(&current_search())
}

/// The architecture this page's URL asks for (see [`arch_param`]).
pub fn arch() -> Arch {
    arch_param(&current_search())
}

/// The value of the query parameter `name` in this page's URL.
pub fn current_param(name: &str) -> Option<String> {
    query_param(&current_search(), name).map(str::to_string)
}

/// The page's address up to its query string: `origin + pathname` (e.g. `https://h/sub/tlbrace/`).
fn page_base() -> String {
    location()
        .map(|l| {
            format!(
                "{}{}",
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

fn current_search() -> String {
    location().and_then(|l| l.search().ok()).unwrap_or_default()
}

/// This page's URL as the editor's links point to it: without the embed flag and the fragment, with
/// `arch=arm64` on arm64. A reply's link is this and the fragment.
pub fn page_url(arch: Arch) -> String {
    format!(
        "{}{}",
        page_base(),
        link_search(&current_search(), false, arch)
    )
}

/// The editor's share URL for `scenario` on `arch`: [`page_url`] followed by `#v2.…`.
pub fn share_url(scenario: &Scenario, arch: Arch) -> String {
    format!("{}#{}", page_url(arch), share::encode(scenario))
}

/// The embed URL for `scenario` on `arch`: this page's URL with `?embed` (and `arch=arm64` on arm64)
/// and the share fragment.
pub fn embed_url(scenario: &Scenario, arch: Arch) -> String {
    format!(
        "{}{}#{}",
        page_base(),
        link_search(&current_search(), true, arch),
        share::encode(scenario)
    )
}

/// A fragment's share link, as [`link_from_fragment`] reads it (trimmed, percent-decoded), when it
/// is shaped like one.
fn link_text(hash: &str) -> Option<String> {
    let fragment = hash.strip_prefix('#').unwrap_or(hash).trim();
    if fragment.is_empty() {
        return None;
    }
    // Links pasted through some chat tools arrive percent-encoded; base64url itself never needs it.
    let decoded = if fragment.contains('%') {
        js_sys_decode(fragment).unwrap_or_else(|| fragment.to_string())
    } else {
        fragment.to_string()
    };
    share::looks_like_link(&decoded).then_some(decoded)
}

/// Whether the address bar's fragment is shaped like a share link (without decoding the scenario),
/// by the same reading as [`link_from_fragment`].
pub fn has_link() -> bool {
    location()
        .and_then(|l| l.hash().ok())
        .is_some_and(|h| link_text(&h).is_some())
}

/// Drops `?example=` and `&step=` from the address bar (no navigation, no history entry): once
/// applied, the example is the page's working scenario, and a reload must not open it again over
/// the user's edits.
pub fn forget_example() {
    let (Some(window), Some(loc)) = (web_sys::window(), location()) else {
        return;
    };
    let search = current_search();
    let kept = search_without(&search, &EXAMPLE_PARAMS);
    if kept == search {
        return;
    }
    let url = format!("{}{kept}{}", page_base(), loc.hash().unwrap_or_default());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Removes the fragment from the address bar without a navigation, a `hashchange` or a history entry.
pub fn forget_fragment() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let url = format!("{}{}", page_base(), current_search());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// What [`use_location_link`] reports: the last link that failed to open, if any.
#[derive(Clone, PartialEq)]
pub struct LinkStatus {
    /// The message to show in a `role="alert"`, until dismissed or a link opens.
    pub error: Option<String>,
    /// Hides the message.
    pub dismiss: Callback<()>,
}

/// Opens the share link in the address bar: once after the first render and again on every
/// `hashchange` (a link pasted into the address bar of an open tab). A link that opens is passed to
/// `on_load` and its fragment dropped (see the module doc); one that does not leaves the current
/// scenario alone and sets [`LinkStatus::error`].
#[hook]
pub fn use_location_link(on_load: Callback<Scenario>) -> LinkStatus {
    let error = use_state(|| None::<String>);
    {
        let error = error.clone();
        use_effect_with((), move |_| {
            let open = move || match scenario_from_location() {
                None => {}
                Some(Ok(scenario)) => {
                    error.set(None);
                    on_load.emit(scenario);
                    forget_fragment();
                }
                Some(Err(message)) => error.set(Some(message)),
            };
            open();
            let listener = web_sys::window().map(|window| {
                gloo_events::EventListener::new(&window, "hashchange", move |_| open())
            });
            move || drop(listener)
        });
    }
    let dismiss = {
        let error = error.clone();
        Callback::from(move |()| error.set(None))
    };
    LinkStatus {
        error: (*error).clone(),
        dismiss,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlbrace_core::examples::example;

    #[test]
    fn the_embed_flag_is_a_query_parameter() {
        for yes in [
            "?embed",
            "embed",
            "?a=1&embed",
            "?embed=1",
            "?embed=&x",
            "?x&embed=yes",
        ] {
            assert!(has_embed_flag(yes), "{yes}");
        }
        for no in [
            "",
            "?",
            "?embedded",
            "?x=embed",
            "?embed=0",
            "?embed=false",
            "?noembed",
        ] {
            assert!(!has_embed_flag(no), "{no}");
        }
    }

    #[test]
    fn no_fragment_is_no_link() {
        assert_eq!(
            parse("", ""),
            PageRequest {
                embed: false,
                link: None
            }
        );
        assert_eq!(parse("?embed", "#").link, None);
        assert!(parse("?embed", "#").embed);
    }

    #[test]
    fn a_share_fragment_opens_its_scenario() {
        let s = example("example-1").unwrap();
        let hash = format!("#{}", share::encode(&s));
        assert_eq!(parse("", &hash).link, Some(Ok(s.clone())));
        let embed = parse("?embed", &hash);
        assert!(embed.embed);
        assert_eq!(embed.link, Some(Ok(s)));
    }

    #[test]
    fn a_v1_link_from_model_v1_still_opens() {
        let v1 = include_str!("../../core/tests/golden/v1/example-1.url").trim();
        assert!(v1.starts_with("v1."));
        let opened = parse("", &format!("#{v1}")).link.unwrap().unwrap();
        let want = example("example-1").unwrap();
        assert_eq!(opened.steps, want.steps);
        assert_eq!(opened.cpus, want.cpus);
    }

    #[test]
    fn other_fragments_are_left_alone() {
        for hash in [
            "#hello",
            "#wbg_style=display-none",
            "#top",
            "#v",
            "#version",
        ] {
            assert_eq!(link_from_fragment(hash), None, "{hash}");
        }
    }

    #[test]
    fn damaged_links_are_readable_errors() {
        let s = example("example-1").unwrap();
        let link = share::encode(&s);
        let truncated = &link[..link.len() - 9];
        for (hash, want) in [
            (format!("#{truncated}"), "share link"),
            (format!("#v9.{}", &link[3..]), "newer tlbrace"),
            ("#v1.!!!".to_string(), "base64url"),
        ] {
            match link_from_fragment(&hash) {
                Some(Err(message)) => {
                    assert!(message.contains(want), "{hash}: {message}");
                    assert!(message.starts_with("Could not open"), "{message}");
                }
                other => panic!("{hash} should fail, got {other:?}"),
            }
        }
    }

    #[test]
    fn links_set_the_embed_flag_and_the_arch_without_touching_other_parameters() {
        assert_eq!(link_search("?embed", false, Arch::X86), "");
        assert_eq!(link_search("?a=1&embed&b", false, Arch::X86), "?a=1&b");
        assert_eq!(link_search("", false, Arch::X86), "");
        assert_eq!(link_search("", true, Arch::X86), "?embed");
        assert_eq!(link_search("?embed", true, Arch::X86), "?embed");
        assert_eq!(link_search("?a=1", true, Arch::X86), "?embed&a=1");
        assert_eq!(link_search("?arch=arm64&a=1", false, Arch::X86), "?a=1");
        assert_eq!(
            link_search("?a=1&arch=x86", true, Arch::Arm64),
            "?embed&arch=arm64&a=1"
        );
    }

    #[test]
    fn an_example_is_never_carried_into_a_link() {
        assert_eq!(
            link_search("?example=example-1&step=3", false, Arch::X86),
            ""
        );
        assert_eq!(
            link_search("?a=1&example=example-2c&b&step=2", true, Arch::X86),
            "?embed&a=1&b"
        );
        assert_eq!(
            search_without("?example=x&arch=arm64&step=1", &EXAMPLE_PARAMS),
            "?arch=arm64"
        );
        assert_eq!(search_without("?example=x", &EXAMPLE_PARAMS), "");
        assert_eq!(search_without("", &EXAMPLE_PARAMS), "");
    }

    #[test]
    fn query_parameters_and_the_arch_are_read() {
        assert_eq!(query_param("?example=example-1&step=3", "step"), Some("3"));
        assert_eq!(query_param("example=x", "example"), Some("x"));
        assert_eq!(query_param("?embed&x=1", "embed"), Some(""));
        assert_eq!(query_param("?examples=1", "example"), None);
        assert_eq!(arch_param("?embed&arch=arm64"), Arch::Arm64);
        assert_eq!(arch_param("?arch=x86"), Arch::X86);
        assert_eq!(arch_param("?arch=riscv"), Arch::X86);
        assert_eq!(arch_param(""), Arch::X86);
    }

    #[test]
    fn the_embed_demo_page_embeds_what_core_encodes_today() {
        let page = include_str!("../../www/embed-demo.html");
        for name in ["example-1", "example-2c"] {
            let url = format!(
                "src=\"./index.html?embed#{}\"",
                share::encode(&example(name).unwrap())
            );
            assert!(
                page.contains(&url),
                "www/embed-demo.html should embed {name} as {url}"
            );
        }
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "relative URLs only"
        );
    }
}
