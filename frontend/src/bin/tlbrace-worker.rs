//! The explorer's Web Worker: a second wasm module, built by Trunk from the `rust` link with
//! `data-type="worker"` in www/index.html, loaded by the Explorer panel as `./tlbrace-worker.js`.
//!
//! Once loaded it posts [`Reply::Ready`], then waits for one JSON [`Request`](tlbrace_frontend::explore_protocol::Request) per message and runs
//! [`run_request`] on it, posting each reply as a JSON string. A search blocks this thread until it
//! ends, so the worker reads no messages meanwhile: the page cancels by terminating the worker (see
//! `components/explorer.rs`), not by sending it a message.
//!
//! A thin `web-sys` worker rather than gloo-worker: one message type each way needs no bridge, and
//! gloo-worker's bincode codec and registrar cost bytes in both modules.

use tlbrace_frontend::explore_protocol::{run_request, Reply};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let poster = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let text = event.data().as_string().unwrap_or_default();
        let now = js_sys::Date::now;
        run_request(&text, &now, &mut |reply| {
            // A failed post means the page is gone; there is nobody left to tell.
            let _ = poster.post_message(&JsValue::from_str(&reply.to_json()));
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str(&Reply::Ready.to_json()));
}
