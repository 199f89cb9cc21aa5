//! "Open minimised" off the page's thread: the explorer's worker ([`crate::worker`]) shrinks a
//! counterexample with [`minimize_with`] while the page stays responsive, and Cancel terminates it,
//! as it does a search.
//!
//! The page posts a [`MinimiseRequest`] to a fresh worker once it says it is ready; the worker
//! answers with one [`MinimiseReply`]. Both travel as text in core's own formats, a first line then
//! the scenario as JSON ([`to_json_compact`], read back by [`from_json`]), which the page links
//! anyway: serde-derived messages would add their own code for a message this small. [`handle`] is
//! the worker's side, written over a clock-free sink so that it is tested natively;
//! [`MinimiseWorker`] the page's.
//!
//! Core's minimisation reports no progress as it goes, so the page shows a bar without a value,
//! with Cancel.

use tlbrace_core::formats::json::{from_json, to_json_compact};
use tlbrace_core::search::minimize::minimize_with;
use tlbrace_core::{Scenario, Variant};
use yew::Callback;

use crate::worker::{Job, JobNames};

/// What starts a minimisation request's first line: told from the explorer's JSON requests.
const REQUEST: &str = "minimise ";
/// What starts a successful reply's first line.
const MINIMISED: &str = "minimised";

/// Page → worker: shrink `minimise` while it stays bad the same way under `variant`.
#[derive(Clone, Debug, PartialEq)]
pub struct MinimiseRequest {
    /// The counterexample.
    pub minimise: Scenario,
    /// The variant it goes wrong under.
    pub variant: Variant,
    /// Remove a writeback only whole (see [`minimize_with`]).
    pub keep_writeback_pairs: bool,
}

impl MinimiseRequest {
    /// The message: `minimise <0|1> <variant spec>`, a line break, the scenario as JSON.
    pub fn to_text(&self) -> String {
        format!(
            "{REQUEST}{} {}\n{}",
            u8::from(self.keep_writeback_pairs),
            self.variant.name(),
            to_json_compact(&self.minimise)
        )
    }

    /// Reads [`MinimiseRequest::to_text`]'s text back; `None` for any other message.
    pub fn from_text(text: &str) -> Option<Result<MinimiseRequest, String>> {
        let rest = text.strip_prefix(REQUEST)?;
        let (head, json) = rest.split_once('\n').unwrap_or((rest, ""));
        let (keep, spec) = head.split_once(' ').unwrap_or((head, ""));
        Some((|| {
            Ok(MinimiseRequest {
                keep_writeback_pairs: keep == "1",
                variant: Variant::parse(spec)?,
                minimise: from_json(json).map_err(|e| e.to_string())?,
            })
        })())
    }
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq)]
pub enum MinimiseReply {
    /// The minimised timeline.
    Minimised(Scenario),
    /// It could not be minimised: why, for the user.
    Failed(String),
}

impl MinimiseReply {
    /// The message: `minimised` and the scenario as JSON, or the reason.
    pub fn to_text(&self) -> String {
        match self {
            MinimiseReply::Minimised(s) => format!("{MINIMISED}\n{}", to_json_compact(s)),
            MinimiseReply::Failed(message) => message.clone(),
        }
    }

    /// Reads [`MinimiseReply::to_text`]'s text back.
    pub fn from_text(text: &str) -> MinimiseReply {
        match text
            .strip_prefix(MINIMISED)
            .and_then(|t| t.strip_prefix('\n'))
        {
            Some(json) => from_json(json).map_or_else(
                |e| MinimiseReply::Failed(format!("unreadable message from the worker: {e}")),
                MinimiseReply::Minimised,
            ),
            None => MinimiseReply::Failed(text.to_string()),
        }
    }
}

/// The worker's side: when `text` is a [`MinimiseRequest`], minimises it, posts the one reply and
/// returns `true`; anything else is not this module's (`false`).
pub fn handle(text: &str, post: &mut dyn FnMut(String)) -> bool {
    let Some(request) = MinimiseRequest::from_text(text) else {
        return false;
    };
    let reply = match request {
        Err(e) => {
            MinimiseReply::Failed(format!("the worker could not read the counterexample: {e}"))
        }
        Ok(r) => match minimize_with(&r.minimise, &r.variant, r.keep_writeback_pairs) {
            Ok(scenario) => MinimiseReply::Minimised(scenario),
            Err(e) => MinimiseReply::Failed(format!("cannot minimise: {e}")),
        },
    };
    post(reply.to_text());
    true
}

/// A minimisation running in a worker; dropping it terminates the worker.
pub struct MinimiseWorker {
    _job: Job,
}

impl MinimiseWorker {
    /// Starts a worker and has it minimise `request`; its reply goes to `on_reply`, a worker that
    /// fails or a reply that does not read to `on_reply` as [`MinimiseReply::Failed`].
    pub fn start(
        request: &MinimiseRequest,
        on_reply: Callback<MinimiseReply>,
    ) -> Result<MinimiseWorker, String> {
        let on_text = on_reply.reform(|text: String| MinimiseReply::from_text(&text));
        let on_failure = on_reply.reform(MinimiseReply::Failed);
        let names = JobNames {
            worker: "the worker",
            to: "the worker",
        };
        Job::start(names, request.to_text(), on_text, on_failure)
            .map(|_job| MinimiseWorker { _job })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlbrace_core::examples::example;
    use tlbrace_core::{Arch, Preset};

    fn ask(text: &str) -> Option<MinimiseReply> {
        let mut out = None;
        let mine = handle(text, &mut |t| out = Some(MinimiseReply::from_text(&t)));
        assert_eq!(mine, out.is_some());
        out
    }

    #[test]
    fn the_worker_minimises_a_counterexample() {
        let request = MinimiseRequest {
            minimise: example("example-1").unwrap(),
            variant: Preset::Will4And6.variant(),
            keep_writeback_pairs: true,
        };
        assert_eq!(
            MinimiseRequest::from_text(&request.to_text()),
            Some(Ok(request.clone()))
        );
        let want = minimize_with(&request.minimise, &request.variant, true).unwrap();
        assert!(want.steps.len() < 13);
        assert_eq!(
            ask(&request.to_text()),
            Some(MinimiseReply::Minimised(want))
        );
        // A variant that is no preset, on arm64, travels too.
        let custom = MinimiseRequest {
            variant: crate::view::default_custom().on(Arch::Arm64),
            keep_writeback_pairs: false,
            ..request
        };
        assert_eq!(
            MinimiseRequest::from_text(&custom.to_text()),
            Some(Ok(custom))
        );
    }

    #[test]
    fn other_messages_are_left_to_the_explorer_and_failures_are_words() {
        assert_eq!(ask("{\"scenario\": {}}"), None);
        let holds = MinimiseRequest {
            minimise: example("example-2c").unwrap(),
            variant: Preset::V5_12.variant(),
            keep_writeback_pairs: false,
        };
        assert!(matches!(
            ask(&holds.to_text()),
            Some(MinimiseReply::Failed(message)) if message.contains("nothing to minimise")
        ));
        assert!(matches!(
            ask("minimise 1 v9.9\n{}"),
            Some(MinimiseReply::Failed(message)) if message.contains("could not read")
        ));
    }
}
