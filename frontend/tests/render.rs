//! Renders the playground in headless Chromium (wasm-bindgen-test-runner + chromedriver).
//! Run with `scripts/test.sh`, or by hand:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver
//! cargo test -p tlbrace-frontend --target wasm32-unknown-unknown --tests`

#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use tlbrace_frontend::App;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts [`App`] on a fresh `<div>` in the document and lets Yew's scheduler render it.
async fn render_app() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::platform::time::sleep(Duration::from_millis(10)).await;
    root
}

#[wasm_bindgen_test]
async fn app_renders_four_cpu_lanes() {
    let root = render_app().await;
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
}

#[wasm_bindgen_test]
async fn app_renders_the_header() {
    let root = render_app().await;
    let h1 = root.query_selector("header h1").unwrap().expect("a header");
    assert_eq!(h1.text_content().unwrap(), "tlbrace");
    assert!(root.query_selector("header .tagline").unwrap().is_some());
}
