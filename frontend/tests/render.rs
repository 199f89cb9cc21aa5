//! Renders the playground in headless Chromium (wasm-bindgen-test-runner + chromedriver).
//! Run with `scripts/test.sh`, or by hand:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver
//! cargo test -p tlbrace-frontend --target wasm32-unknown-unknown --tests`

#![cfg(target_arch = "wasm32")]

use tlbrace_core::examples::example;
use tlbrace_core::formats::json::to_json_compact;
use tlbrace_core::{run_all, Action, Arch, Preset, Scenario};
use tlbrace_frontend::components::verdicts::verdict_id;
use tlbrace_frontend::storage;
use tlbrace_frontend::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};

mod support;
use support::{count, rendered};

wasm_bindgen_test_configure!(run_in_browser);

fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// Mounts [`App`] on a fresh `<div>` with `saved` as the autosave (the rest of storage as earlier
/// tests left it), and waits for its timeline.
async fn render_app(saved: Option<&str>) -> Element {
    let store = local_storage();
    match saved {
        Some(text) => store.set_item(storage::KEY, text).unwrap(),
        None => store.remove_item(storage::KEY).unwrap(),
    }
    let root = support::root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    rendered(&root, ".timeline .lane").await;
    root
}

fn attr(root: &Element, selector: &str, name: &str) -> Option<String> {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .get_attribute(name)
}

/// Checks the page shows `s`'s steps in their lanes and every preset's verdict as core gives it.
fn assert_shows(root: &Element, s: &Scenario) {
    assert_eq!(count(root, ".timeline .lane"), s.cpus as u32);
    assert_eq!(count(root, ".timeline .step"), s.steps.len() as u32);
    for (i, st) in s.steps.iter().enumerate() {
        let selector = format!(".lane[data-cpu=\"{}\"] .step[data-step=\"{i}\"]", st.cpu);
        assert_eq!(
            attr(root, &selector, "data-action").as_deref(),
            Some(st.action.id())
        );
    }
    for run in run_all(s, Arch::X86) {
        let selector = format!(".verdict[data-variant=\"{}\"]", run.preset.name());
        assert_eq!(
            attr(root, &selector, "data-verdict").as_deref(),
            Some(verdict_id(&run.result)),
            "{}",
            run.preset.name()
        );
    }
}

#[wasm_bindgen_test]
async fn with_nothing_saved_the_page_opens_on_example_1_and_explains_it() {
    local_storage().remove_item(storage::KEY_INTRO).unwrap();
    let root = render_app(None).await;
    let ex = example("example-1").unwrap();
    assert_shows(&root, &ex);
    for cpu in 0..4 {
        let head = format!(".lane[data-cpu=\"{cpu}\"] .lane-head");
        let text = root.query_selector(&head).unwrap().unwrap().text_content();
        assert_eq!(text, Some(format!("CPU{cpu}")));
    }
    let strip = rendered(&root, ".intro").await;
    assert!(strip
        .text_content()
        .unwrap()
        .contains("What you are looking at"));
    // Opened, not edited: nothing is saved yet.
    assert_eq!(local_storage().get_item(storage::KEY).unwrap(), None);

    // Dismissed, it stays dismissed in this browser.
    root.query_selector(".intro-dismiss")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    support::until("the strip to go", || count(&root, ".intro") == 0).await;
    let again = render_app(None).await;
    assert_eq!(count(&again, ".intro"), 0);
    assert_eq!(count(&again, ".timeline .step"), 13);
}

#[wasm_bindgen_test]
async fn app_renders_the_header() {
    let root = render_app(None).await;
    let h1 = root.query_selector("header h1").unwrap().expect("a header");
    assert_eq!(h1.text_content().unwrap(), "tlbrace");
    assert!(root.query_selector("header .tagline").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn app_renders_the_palette_and_the_verdict_matrix() {
    let root = render_app(None).await;
    assert_eq!(
        count(&root, ".palette .palette-item"),
        Action::ALL.len() as u32
    );
    for a in Action::ALL {
        let selector = format!(".palette-item[data-action=\"{}\"]", a.id());
        assert_eq!(attr(&root, &selector, "draggable").as_deref(), Some("true"));
        assert_eq!(
            attr(&root, &selector, "title").as_deref(),
            Some(a.summary())
        );
    }
    assert_eq!(
        count(&root, ".verdicts .verdict"),
        Preset::ALL.len() as u32 + 1
    );
    // What each kernel is, on the page: every featured card and every chip has its line.
    for card in support::all(&root, ".verdict-row .verdict:not([data-variant=custom])") {
        let name = card.get_attribute("data-variant").unwrap();
        let preset = Preset::ALL.into_iter().find(|p| p.name() == name).unwrap();
        let source = card
            .query_selector(".v-source")
            .unwrap()
            .expect("a source line");
        assert_eq!(source.text_content().unwrap(), preset.source());
    }
    assert_eq!(
        count(&root, ".all-verdicts .member .v-source"),
        Preset::ALL.len() as u32
    );
}

#[wasm_bindgen_test]
async fn an_empty_timeline_says_no_steps_yet_instead_of_verdicts() {
    let root = render_app(Some(&to_json_compact(&Scenario::new(4)))).await;
    assert_eq!(count(&root, ".timeline .step"), 0);
    let empty = rendered(&root, ".verdicts .no-steps").await;
    assert!(empty.text_content().unwrap().contains("No steps yet"));
    assert_eq!(count(&root, ".verdicts .verdict"), 0);
}

#[wasm_bindgen_test]
async fn app_restores_the_autosaved_scenario() {
    let ex = example("example-2c").unwrap();
    let root = render_app(Some(&to_json_compact(&ex))).await;
    assert_shows(&root, &ex);
    assert_eq!(
        count(&root, ".intro"),
        0,
        "the strip explains Example 1 only"
    );
    if let Some(alert) = root.query_selector("[role=alert]").unwrap() {
        panic!(
            "unexpected alert at {:?}: {}",
            web_sys::window().unwrap().location().href(),
            alert.outer_html()
        );
    }
}

#[wasm_bindgen_test]
async fn every_unreadable_autosave_is_kept_apart_with_a_notice() {
    let store = local_storage();
    for n in 1..=3 {
        store
            .remove_item(&storage::rescue_key(storage::KEY, n))
            .unwrap();
    }
    let first = "{\"version\":1,\"cpus\":42}";
    let second = "{\"version\":2,\"cpus\":0";
    for (n, text) in [(1, first), (2, second)] {
        let root = render_app(Some(text)).await;
        let alert = rendered(&root, "[role=alert]").await;
        let words = alert.text_content().unwrap();
        assert!(words.contains("could not be read"), "{words}");
        let slot = storage::rescue_key(storage::KEY, n);
        assert!(words.contains(&slot), "{words}");
        assert_eq!(count(&root, ".timeline .lane"), 4);
        assert_eq!(store.get_item(&slot).unwrap().as_deref(), Some(text));
    }
    // The first is still where it was put.
    assert_eq!(
        store.get_item(storage::KEY_UNREADABLE).unwrap().as_deref(),
        Some(first)
    );
}

#[wasm_bindgen_test]
async fn an_unreadable_autosave_that_cannot_be_kept_aside_is_never_written_over() {
    let store = local_storage();
    // Every rescue slot taken by another text: the autosave cannot be moved aside.
    for n in 1..=storage::MAX_RESCUED {
        store
            .set_item(&storage::rescue_key(storage::KEY, n), &format!("other {n}"))
            .unwrap();
    }
    let unreadable = "{\"version\":2,\"cpus\":";
    let root = render_app(Some(unreadable)).await;
    let alert = rendered(&root, "[role=alert]").await;
    let words = alert.text_content().unwrap();
    assert!(words.contains("nor kept aside"), "{words}");
    assert_eq!(
        store.get_item(storage::KEY).unwrap().as_deref(),
        Some(unreadable)
    );

    // An edit: the work is not saved over the only copy, and the page says so.
    let lanes = count(&root, ".timeline .lane");
    root.query_selector(".lane-add")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    support::until("the new lane", || {
        count(&root, ".timeline .lane") == lanes + 1
    })
    .await;
    let alert = rendered(&root, ".save-error").await;
    let words = alert.text_content().unwrap();
    assert!(words.contains("not being saved"), "{words}");
    assert_eq!(
        store.get_item(storage::KEY).unwrap().as_deref(),
        Some(unreadable)
    );

    // Once a slot is free, the next edit keeps it aside and saves.
    store
        .remove_item(&storage::rescue_key(storage::KEY, storage::MAX_RESCUED))
        .unwrap();
    root.query_selector(".lane-add")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    support::until("the autosave", || {
        store.get_item(storage::KEY).unwrap().as_deref() != Some(unreadable)
    })
    .await;
    assert_eq!(
        store
            .get_item(&storage::rescue_key(storage::KEY, storage::MAX_RESCUED))
            .unwrap()
            .as_deref(),
        Some(unreadable)
    );
    for n in 1..=storage::MAX_RESCUED {
        store
            .remove_item(&storage::rescue_key(storage::KEY, n))
            .unwrap();
    }
}
