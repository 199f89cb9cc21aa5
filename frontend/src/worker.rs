//! The explorer's Web Worker, run by the page's own wasm: no second module to download.
//!
//! The page starts `./tlbrace-worker.js` (www/tlbrace-worker.js, a few lines of JS) as a module
//! worker and posts it a bootstrap message: the URL of the page's wasm-bindgen JS ([`glue_url`])
//! and the page's compiled `WebAssembly.Module` ([`wasm_bindgen::module`]). The script imports that
//! JS and instantiates the module, so the worker neither fetches nor compiles the wasm again; the
//! binary's `main` then sees it runs in a worker ([`in_worker`]) and calls [`run`] instead of
//! mounting the app.
//!
//! Once started the worker posts [`Reply::Ready`], then waits for one
//! [`Request`](crate::explore_protocol::Request) per message and runs [`run_request`] on it, posting
//! each reply as a string ([`Reply::encode`](crate::explore_protocol::Reply::encode)). A search
//! blocks this thread until it ends, so the worker reads no
//! messages meanwhile: the page cancels by terminating the worker (see `components/explorer.rs`),
//! not by sending it a message.
//!
//! A thin `web-sys` worker rather than gloo-worker: one message type each way needs no bridge, and
//! gloo-worker's bincode codec and registrar cost bytes.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::explore_protocol::{run_request, Reply};

/// The worker's script, relative to the page (www/tlbrace-worker.js, copied by Trunk).
pub const WORKER_URL: &str = "./tlbrace-worker.js";

#[wasm_bindgen]
extern "C" {
    /// `import.meta.url` of the wasm-bindgen JS module that loaded this wasm: the worker imports
    /// the same file (its name carries Trunk's content hash, so the page must tell the worker).
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: String;
}

/// The URL of the wasm-bindgen JS module that loaded this wasm.
pub fn glue_url() -> String {
    GLUE_URL.with(String::clone)
}

/// Whether this wasm runs in a dedicated worker (the explorer's) rather than on the page.
pub fn in_worker() -> bool {
    js_sys::global().is_instance_of::<DedicatedWorkerGlobalScope>()
}

/// Starts a worker running this wasm's [`run`]: a module worker for [`WORKER_URL`], sent the
/// bootstrap message `{glue, module}` it waits for.
pub fn spawn() -> Result<Worker, JsValue> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(WORKER_URL, &options)?;
    let bootstrap = js_sys::Object::new();
    js_sys::Reflect::set(&bootstrap, &"glue".into(), &glue_url().into())?;
    js_sys::Reflect::set(&bootstrap, &"module".into(), &wasm_bindgen::module())?;
    worker.post_message(&bootstrap)?;
    Ok(worker)
}

/// The worker's side: answer each request, then say it is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let poster = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let text = event.data().as_string().unwrap_or_default();
        let now = js_sys::Date::now;
        run_request(&text, &now, &mut |reply| {
            // A failed post means the page is gone; there is nobody left to tell.
            let _ = poster.post_message(&JsValue::from_str(&reply.encode()));
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str(&Reply::Ready.encode()));
}
