//! What the browser tests share: a fresh element to render into, and waiting for what is rendered
//! (never a fixed sleep: a render that follows an effect, an import or a worker takes as long as it
//! takes on a loaded machine).
#![allow(dead_code)]

use std::time::Duration;

use wasm_bindgen::JsCast;
use web_sys::Element;

/// A new `<div>` in the document.
pub fn root() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

/// Waits until `done` holds, checking after each turn of the event loop, for at most 10 s; then
/// fails naming `what` was awaited.
pub async fn until(what: &str, done: impl Fn() -> bool) {
    let start = js_sys::Date::now();
    while !done() {
        if js_sys::Date::now() - start > 10_000.0 {
            panic!("waited 10 s for {what}");
        }
        yew::platform::time::sleep(Duration::ZERO).await;
    }
}

/// One turn of the event loop, for a change nothing on the page shows (a field's value held in a
/// component's state): Yew renders in microtasks, so whatever an event scheduled has rendered once
/// the next task runs.
pub async fn next_turn() {
    yew::platform::time::sleep(Duration::ZERO).await;
}

/// Waits until `root` holds an element matching `selector`, and returns it.
pub async fn rendered(root: &Element, selector: &str) -> Element {
    until(selector, || {
        root.query_selector(selector).unwrap().is_some()
    })
    .await;
    root.query_selector(selector).unwrap().unwrap()
}

/// How many elements under `root` match `selector`.
pub fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

/// Every element under `root` matching `selector`.
pub fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

/// Empties this origin's localStorage (the autosave, the recent list, the strip's dismissal).
pub fn clear_storage() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
}
