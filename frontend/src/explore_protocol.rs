//! What the page and the explorer's Web Worker say to each other, and the worker's side of it.
//!
//! The search ([`tlbrace_core::search::explore`]) can take seconds to minutes, so it never runs on the
//! page's thread: the Explorer panel posts one [`Request`] to a dedicated worker ([`crate::worker`],
//! the page's own wasm in a worker scope), which answers with a stream of [`Reply`]s. Both are JSON
//! strings written by serde, and carry core's own types: the [`Scenario`], the [`Variant`]s, the
//! search [`Options`], each [`Progress`] and each variant's whole [`Report`]. The page derives
//! everything it shows from those (see `components/explore_results.rs`); the worker adds only what
//! core cannot know: the wall-clock time and whether the time budget stopped a search.
//!
//! [`run_request`] is the worker's whole job, written over a clock and a sink so it runs (and is
//! tested) natively too.

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};
use tlbrace_core::search::explore::{explore, Options, Progress, Report};
use tlbrace_core::{Scenario, Variant};

/// Page → worker: search these variants of this scenario, one after another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The scenario whose per-CPU programs are interleaved.
    pub scenario: Scenario,
    /// The variants (architecture included), searched in this order.
    pub variants: Vec<Variant>,
    /// State cap, reduction and abstraction, passed to core as they are.
    pub options: Options,
    /// Wall-clock budget per variant in milliseconds; `None` for none. Enforced by the progress
    /// callback, so a search that runs out of time still reports what it found.
    pub time_budget_ms: Option<u64>,
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reply {
    /// The worker's wasm is loaded and its message handler set: the page may now post its request
    /// (a message posted earlier would reach a worker with no handler yet, and be lost).
    Ready,
    /// Where the search of `variants[job]` is.
    Progress {
        /// Index into [`Request::variants`].
        job: usize,
        /// Core's progress report.
        progress: Progress,
        /// Milliseconds since this variant's search started.
        elapsed_ms: f64,
    },
    /// The search of `variants[job]` ended.
    Done {
        /// Index into [`Request::variants`].
        job: usize,
        /// Everything core found.
        report: Box<Report>,
        /// Wall-clock time of the search in milliseconds.
        elapsed_ms: f64,
        /// The time budget stopped it (core reports that as [`Outcome::Cancelled`]).
        ///
        /// [`Outcome::Cancelled`]: tlbrace_core::search::explore::Outcome::Cancelled
        timed_out: bool,
    },
    /// The request could not be run (unreadable, or a scenario that cannot run): a message for the user.
    Failed {
        /// Why.
        message: String,
    },
    /// Every variant is done.
    Finished,
}

impl Request {
    /// The JSON string posted to the worker.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a request is plain data")
    }
}

impl Reply {
    /// The JSON string posted to the page.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a reply is plain data")
    }

    /// Reads a string the worker posted.
    pub fn from_json(text: &str) -> Result<Reply, String> {
        serde_json::from_str(text).map_err(|e| format!("unreadable message from the explorer: {e}"))
    }
}

/// How often the worker posts progress, in milliseconds of work: often enough for a smooth bar, rarely
/// enough that posting costs nothing next to the search.
pub const PROGRESS_EVERY_MS: f64 = 50.0;

/// The worker's whole job: reads `request` (JSON), searches each variant in turn, and hands each reply
/// to `post`. `now_ms` is the clock (`Date.now()` in the worker). Progress is posted at most every
/// [`PROGRESS_EVERY_MS`]; the time budget is enforced in the same callback by returning `Break`.
pub fn run_request(request: &str, now_ms: &dyn Fn() -> f64, post: &mut dyn FnMut(Reply)) {
    let request: Request = match serde_json::from_str(request) {
        Ok(r) => r,
        Err(e) => {
            post(Reply::Failed {
                message: format!("the explorer could not read its request: {e}"),
            });
            return;
        }
    };
    for (job, variant) in request.variants.iter().enumerate() {
        let start = now_ms();
        let mut last_post = f64::NEG_INFINITY;
        let mut timed_out = false;
        let searched = explore(&request.scenario, variant, &request.options, |progress| {
            let now = now_ms();
            let elapsed_ms = now - start;
            if now - last_post >= PROGRESS_EVERY_MS {
                last_post = now;
                post(Reply::Progress {
                    job,
                    progress: *progress,
                    elapsed_ms,
                });
            }
            match request.time_budget_ms {
                Some(limit) if elapsed_ms >= limit as f64 => {
                    timed_out = true;
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            }
        });
        match searched {
            Ok(report) => post(Reply::Done {
                job,
                report: Box::new(report),
                elapsed_ms: now_ms() - start,
                timed_out,
            }),
            Err(e) => {
                post(Reply::Failed {
                    message: format!("the scenario cannot be explored: {e}"),
                });
                return;
            }
        }
    }
    post(Reply::Finished);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlbrace_core::examples::example;
    use tlbrace_core::search::explore::{Finding, Outcome};
    use tlbrace_core::{Arch, Preset};

    fn request(options: Options, time_budget_ms: Option<u64>) -> Request {
        Request {
            scenario: example("example-1").unwrap(),
            variants: Preset::SEED.map(|p| p.variant()).to_vec(),
            options,
            time_budget_ms,
        }
    }

    /// Runs `request` with a clock that advances `tick` ms per reading, every reply read back from
    /// its JSON as the page reads it.
    fn run(request: &str, tick: f64) -> Vec<Reply> {
        let clock = std::cell::Cell::new(0.0);
        let now = || {
            clock.set(clock.get() + tick);
            clock.get()
        };
        let mut replies = Vec::new();
        run_request(request, &now, &mut |r| {
            assert_eq!(Reply::from_json(&r.to_json()).unwrap(), r);
            replies.push(r);
        });
        replies
    }

    fn reports(replies: &[Reply]) -> Vec<(&Report, bool)> {
        replies
            .iter()
            .filter_map(|r| match r {
                Reply::Done {
                    report, timed_out, ..
                } => Some((&**report, *timed_out)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_worker_finds_example_1_unsafe_under_the_mainline_presets() {
        let replies = run(&request(Options::default(), None).to_json(), 1.0);
        assert_eq!(replies.last(), Some(&Reply::Finished));
        assert!(replies.iter().any(|r| matches!(r, Reply::Progress { .. })));
        let findings: Vec<(Option<Preset>, Finding)> = reports(&replies)
            .iter()
            .map(|(r, _)| (r.variant.preset(), r.finding()))
            .collect();
        assert_eq!(
            findings,
            vec![
                (Some(Preset::V5_10Rc4), Finding::Unsafe),
                (Some(Preset::Will4And6), Finding::Unsafe),
                // Model v2 finds a soft-dirty miss under yu-fix (clear_refs takes no gather).
                (Some(Preset::YuFix), Finding::Unsafe),
                (Some(Preset::YuFixFlush), Finding::Safe),
                (Some(Preset::V5_12), Finding::Unsafe),
            ]
        );
        // Each counterexample is core's, confirmed by a plain run under its variant.
        for (report, timed_out) in reports(&replies) {
            assert!(!timed_out);
            if let Some(c) = &report.counterexample {
                let t = tlbrace_core::run(&c.scenario, &report.variant).unwrap();
                assert_eq!(t.verdict, c.verdict);
            }
        }
    }

    #[test]
    fn a_time_budget_stops_each_search_and_says_so() {
        // A clock that jumps a second per reading: the budget of 1 s is spent at the first check.
        let replies = run(&request(Options::exact(), Some(1000)).to_json(), 1000.0);
        let reports = reports(&replies);
        assert_eq!(reports.len(), 5);
        for (report, timed_out) in reports {
            assert!(timed_out);
            assert_eq!(report.outcome, Outcome::Cancelled);
            assert_eq!(report.finding(), Finding::Unknown);
        }
    }

    #[test]
    fn bad_requests_and_scenarios_fail_with_a_message() {
        let replies = run("{not json", 0.0);
        assert!(
            matches!(&replies[..], [Reply::Failed { message }] if message.contains("could not read its request")),
            "{replies:?}"
        );

        let mut bad = request(Options::default(), None);
        bad.scenario.steps[0].cpu = 7; // beyond the scenario's 4 lanes
        let replies = run(&bad.to_json(), 0.0);
        assert!(
            matches!(&replies[..], [Reply::Failed { message }] if message.starts_with("the scenario cannot be explored")),
            "{replies:?}"
        );
    }

    #[test]
    fn requests_and_replies_survive_json() {
        let request = Request {
            scenario: example("example-2a").unwrap(),
            variants: vec![Preset::V5_12.variant().on(Arch::Arm64)],
            options: Options {
                max_states: 77,
                max_transitions: u64::MAX,
                reduction: false,
                abstraction: true,
                stop_at_first: true,
            },
            time_budget_ms: Some(2500),
        };
        let back: Request = serde_json::from_str(&request.to_json()).unwrap();
        assert_eq!(back, request);
        assert!(Reply::from_json("{\"nonsense\":{}}").is_err());
        assert_eq!(Reply::from_json("\"finished\"").unwrap(), Reply::Finished);
    }
}
