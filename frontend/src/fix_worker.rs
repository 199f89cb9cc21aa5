//! The fix search's side of the explorer's Web Worker ([`crate::worker`]): the page's handle
//! ([`FixWorker`]) and the worker's dispatch ([`serve`]). The worker, its script and its bootstrap
//! are the explorer's; only the messages differ ([`crate::fix_protocol`]).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, ErrorEvent, Event, MessageEvent, Worker};
use yew::Callback;

use crate::browser::js_text;
use crate::fix_protocol::{is_fix_request, run_fix_request, FixReply, FixRequest};

/// A running fix search, seen from the page; dropping it terminates the worker at once.
pub struct FixWorker {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl FixWorker {
    /// Starts a worker on this wasm and has it run `request`, posted when the worker says it is
    /// ready; every later reply goes to `on_reply`, a failure to load or an unreadable reply to
    /// `on_error`.
    pub fn start(
        request: &FixRequest,
        on_reply: Callback<FixReply>,
        on_error: Callback<String>,
    ) -> Result<FixWorker, String> {
        let worker = crate::worker::spawn()
            .map_err(|e| format!("cannot start the fix search's worker: {}", js_text(&e)))?;
        let request = JsValue::from_str(&request.to_json());
        let on_message =
            {
                let (worker, on_error) = (worker.clone(), on_error.clone());
                Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                    match FixReply::from_json(&e.data().as_string().unwrap_or_default()) {
                        Ok(FixReply::Ready) => {
                            if let Err(e) = worker.post_message(&request) {
                                on_error.emit(format!(
                                    "cannot send the scenario to the fix search: {}",
                                    js_text(&e)
                                ));
                            }
                        }
                        Ok(reply) => on_reply.emit(reply),
                        Err(message) => on_error.emit(message),
                    }
                })
            };
        let on_error = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
            let detail = e
                .dyn_ref::<ErrorEvent>()
                .map(|e| e.message())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "it could not be loaded".to_string());
            on_error.emit(format!("the fix search's worker failed: {detail}"));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(FixWorker {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

impl Drop for FixWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// In the worker: runs `text` if it is a fix search, posting each reply to `scope`, and says whether
/// it was one (else the explorer's loop reads it).
pub fn serve(text: &str, scope: &DedicatedWorkerGlobalScope) -> bool {
    if !is_fix_request(text) {
        return false;
    }
    run_fix_request(text, &js_sys::Date::now, &mut |reply| {
        // A failed post means the page is gone.
        let _ = scope.post_message(&JsValue::from_str(&reply.to_json()));
    });
    true
}
