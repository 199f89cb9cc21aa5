//! Renders the playground in headless Chromium (wasm-bindgen-test-runner + chromedriver).
//! Run with `scripts/test.sh`, or by hand:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver
//! cargo test -p tlbrace-frontend --target wasm32-unknown-unknown --tests`

#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use tlbrace_core::examples::example;
use tlbrace_core::formats::json::to_json_compact;
use tlbrace_core::{Action, Preset};
use tlbrace_frontend::storage;
use tlbrace_frontend::App;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

fn local_storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// Mounts [`App`] on a fresh `<div>` in the document and lets Yew's scheduler render it.
/// `saved` is what localStorage holds for the autosave when the App starts.
async fn render_app(saved: Option<&str>) -> Element {
    let store = local_storage();
    match saved {
        Some(text) => store.set_item(storage::KEY, text).unwrap(),
        None => store.remove_item(storage::KEY).unwrap(),
    }
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::platform::time::sleep(Duration::from_millis(10)).await;
    root
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

#[wasm_bindgen_test]
async fn app_renders_four_cpu_lanes() {
    let root = render_app(None).await;
    let lanes = root.query_selector_all(".timeline .lane").unwrap();
    assert_eq!(lanes.length(), 4, "one lane per CPU: {}", root.inner_html());
    for cpu in 0..4 {
        let lane = root
            .query_selector(&format!(".lane[data-cpu=\"{cpu}\"]"))
            .unwrap()
            .unwrap_or_else(|| panic!("no lane for CPU{cpu}"));
        let head = lane.query_selector(".lane-head").unwrap();
        assert_eq!(
            head.and_then(|h| h.text_content()),
            Some(format!("CPU{cpu}"))
        );
    }
    assert_eq!(count(&root, ".timeline .step"), 0);
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
        let item = root
            .query_selector(&format!(".palette-item[data-action=\"{}\"]", a.id()))
            .unwrap()
            .unwrap_or_else(|| panic!("no palette item for {}", a.id()));
        assert_eq!(item.get_attribute("draggable").as_deref(), Some("true"));
        assert_eq!(item.get_attribute("title").as_deref(), Some(a.summary()));
    }
    assert_eq!(
        count(&root, ".verdicts .verdict"),
        Preset::ALL.len() as u32 + 1
    );
    for name in Preset::ALL.map(Preset::name).into_iter().chain(["custom"]) {
        let v = root
            .query_selector(&format!(".verdict[data-variant=\"{name}\"]"))
            .unwrap()
            .unwrap_or_else(|| panic!("no verdict for {name}"));
        // An empty timeline loses nothing.
        assert_eq!(
            v.get_attribute("data-verdict").as_deref(),
            Some("guaranteed"),
            "{name}"
        );
    }
}

#[wasm_bindgen_test]
async fn app_restores_the_autosaved_scenario() {
    let ex = example("example-1").unwrap();
    let root = render_app(Some(&to_json_compact(&ex))).await;
    assert_eq!(count(&root, ".timeline .step"), ex.steps.len() as u32);
    for (i, s) in ex.steps.iter().enumerate() {
        let el = root
            .query_selector(&format!(
                ".lane[data-cpu=\"{}\"] .step[data-step=\"{i}\"]",
                s.cpu
            ))
            .unwrap()
            .unwrap_or_else(|| panic!("step {i} is not in CPU{}'s lane", s.cpu));
        assert_eq!(
            el.get_attribute("data-action").as_deref(),
            Some(s.action.id())
        );
    }
    let lost = root
        .query_selector(".verdict[data-variant=\"will-4+6\"]")
        .unwrap()
        .unwrap();
    assert_eq!(lost.get_attribute("data-verdict").as_deref(), Some("lost"));
    if let Some(alert) = root.query_selector("[role=alert]").unwrap() {
        panic!(
            "unexpected alert at {:?}: {}",
            web_sys::window().unwrap().location().href(),
            alert.outer_html()
        );
    }
}

#[wasm_bindgen_test]
async fn an_unreadable_autosave_gives_a_notice_and_an_empty_timeline() {
    let root = render_app(Some("{\"version\":1,\"cpus\":42}")).await;
    let alert = root
        .query_selector("[role=alert]")
        .unwrap()
        .expect("a notice");
    assert!(alert.text_content().unwrap().contains("could not be read"));
    assert_eq!(count(&root, ".timeline .lane"), 4);
    assert_eq!(
        local_storage()
            .get_item(storage::KEY_UNREADABLE)
            .unwrap()
            .as_deref(),
        Some("{\"version\":1,\"cpus\":42}")
    );
}
