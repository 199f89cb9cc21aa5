//! The fix search's side of the explorer's Web Worker ([`crate::worker`]): the page's handle
//! ([`FixWorker`]) and the worker's dispatch ([`serve`]). The worker, its script and its bootstrap
//! are the explorer's; only the messages differ ([`crate::fix_protocol`]).

use wasm_bindgen::prelude::*;
use web_sys::DedicatedWorkerGlobalScope;
use yew::Callback;

use crate::fix_protocol::{is_fix_request, run_fix_request, FixReply, FixRequest};
use crate::worker::{Job, JobNames};

/// A running fix search, seen from the page; dropping it terminates the worker at once.
pub struct FixWorker {
    _job: Job,
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
        let on_text = {
            let on_error = on_error.clone();
            Callback::from(move |text: String| match FixReply::from_json(&text) {
                Ok(reply) => on_reply.emit(reply),
                Err(message) => on_error.emit(message),
            })
        };
        let names = JobNames {
            worker: "the fix search's worker",
            to: "the fix search",
        };
        Job::start(names, request.to_json(), on_text, on_error).map(|_job| FixWorker { _job })
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
