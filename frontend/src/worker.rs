//! The explorer's Web Worker, run by the page's own wasm: no second module to download.
//!
//! The page starts `./tlbrace-worker.js` (www/tlbrace-worker.js, a few lines of JS) as a module
//! worker and posts it a bootstrap message: the URL of the page's wasm-bindgen JS ([`glue_url`])
//! and the page's compiled `WebAssembly.Module` ([`wasm_bindgen::module`]). The script imports that
//! JS and instantiates the module, so the worker neither fetches nor compiles the wasm again; the
//! binary's `main` then sees it runs in a worker ([`in_worker`]) and calls [`run`] instead of
//! mounting the app.
//!
//! Once started the worker posts [`Reply::Ready`], then answers each [`Request`] with
//! [`run_request`]'s replies, every message a JSON string. A search blocks the worker's thread until it
//! ends, so the worker reads no messages meanwhile: the page cancels by terminating it (dropping its
//! [`ExploreWorker`]), not by sending it a message.
//!
//! # Why not gloo-worker
//! gloo-worker 0.5 (the one yew 0.23 pulls in) cannot do either of the two things this module is for.
//! Its spawner starts a classic worker that `importScripts` a separate `*_bg.wasm` bundle by URL, so it
//! cannot hand the worker the page's already compiled module (one wasm, fetched and compiled once).
//! And its bridge ends a worker by posting it a `Destroy` message, which a worker busy in a search
//! never reads; it never calls `terminate()`. It would also bring its bincode codec and registrar: for
//! a minimal Yew app on this toolchain, about 19 KB gzip more page wasm and a 28 KB worker bundle.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    DedicatedWorkerGlobalScope, ErrorEvent, Event, MessageEvent, Worker, WorkerOptions, WorkerType,
};
use yew::Callback;

use crate::browser::js_text;
use crate::explore_protocol::{run_request, Reply, Request};

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

/// One request running in a worker of this wasm, seen from the page: the explorer's search, the fix
/// search and Open minimised each start one, with their own messages. The request is posted when the
/// worker says [`Reply::Ready`]; every later message goes to `on_text`, a worker that fails to load or
/// crashes to `on_failure`. Dropping it terminates the worker at once, whatever it is doing, and hands
/// all of its memory back: that is how Cancel works (a busy worker reads no messages).
pub struct Job {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

/// Who runs a [`Job`], in the words of its error messages.
pub struct JobNames {
    /// The worker ("the explorer's worker").
    pub worker: &'static str,
    /// What the request is sent to ("the explorer").
    pub to: &'static str,
}

impl Job {
    /// Starts a worker on this wasm and has it run `request` (the request's own text).
    pub fn start(
        names: JobNames,
        request: String,
        on_text: Callback<String>,
        on_failure: Callback<String>,
    ) -> Result<Job, String> {
        let JobNames { worker: name, to } = names;
        let worker = spawn().map_err(|e| format!("cannot start {name}: {}", js_text(&e)))?;
        let request = JsValue::from_str(&request);
        // Compared as text: parsing every message to find this one would parse each result twice.
        let ready = Reply::Ready.to_json();
        let on_message = {
            let (worker, on_failure) = (worker.clone(), on_failure.clone());
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let text = e.data().as_string().unwrap_or_default();
                if text == ready {
                    if let Err(e) = worker.post_message(&request) {
                        on_failure
                            .emit(format!("cannot send the scenario to {to}: {}", js_text(&e)));
                    }
                    return;
                }
                on_text.emit(text);
            })
        };
        let on_error = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
            let detail = e
                .dyn_ref::<ErrorEvent>()
                .map(|e| e.message())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "it could not be loaded".to_string());
            on_failure.emit(format!("{name} failed: {detail}"));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Job {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // Detach first: a message already queued must not reach the dropped closures.
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// A running search, seen from the page; dropping it terminates the worker.
pub struct ExploreWorker {
    _job: Job,
}

impl ExploreWorker {
    /// Starts a worker on this wasm and has it run `request`; every reply after [`Reply::Ready`] goes
    /// to `on_reply`. A worker that fails to load or crashes, or a reply that cannot be read, goes to
    /// `on_error`.
    pub fn start(
        request: &Request,
        on_reply: Callback<Reply>,
        on_error: Callback<String>,
    ) -> Result<ExploreWorker, String> {
        let on_text = {
            let on_error = on_error.clone();
            Callback::from(move |text: String| match Reply::from_json(&text) {
                Ok(reply) => on_reply.emit(reply),
                Err(message) => on_error.emit(message),
            })
        };
        let names = JobNames {
            worker: "the explorer's worker",
            to: "the explorer",
        };
        Job::start(names, request.to_json(), on_text, on_error).map(|_job| ExploreWorker { _job })
    }
}

/// Starts a worker running this wasm's [`run`]: a module worker for [`WORKER_URL`], sent the
/// bootstrap message `{glue, module}` it waits for.
pub(crate) fn spawn() -> Result<Worker, JsValue> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(WORKER_URL, &options)?;
    let bootstrap = js_sys::Object::new();
    js_sys::Reflect::set(&bootstrap, &"glue".into(), &glue_url().into())?;
    js_sys::Reflect::set(&bootstrap, &"module".into(), &wasm_bindgen::module())?;
    worker.post_message(&bootstrap)?;
    Ok(worker)
}

/// The worker's side: answer each request (a fix search's through [`crate::fix_worker::serve`]),
/// then say it is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let poster = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let text = event.data().as_string().unwrap_or_default();
        if crate::fix_worker::serve(&text, &poster) {
            return;
        }
        // "Open minimised" (crate::minimise) shares the worker; everything else is a search.
        let post = |reply: String| {
            let _ = poster.post_message(&JsValue::from_str(&reply));
        };
        if crate::minimise::handle(&text, &mut { post }) {
            return;
        }
        run_request(&text, &js_sys::Date::now, &mut |reply| {
            // A failed post means the page is gone; there is nobody left to tell.
            let _ = poster.post_message(&JsValue::from_str(&reply.to_json()));
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str(&Reply::Ready.to_json()));
}
