//! "Which fix closes it?": the fix search's messages between the page and the explorer's Web Worker,
//! and the worker's side of it.
//!
//! The search ([`tlbrace_core::search::fix::find_fixes`]) explores every interleaving once per
//! candidate kernel, so like the explorer it runs in the worker ([`crate::worker`]) on the page's own
//! wasm. It is a second request kind beside the explorer's [`Request`](crate::explore_protocol::Request):
//! the page posts a [`FixRequest`], whose JSON opens with `{"fix":` ([`is_fix_request`]), and the worker
//! answers with [`FixReply`]s; the handshake's first message is the same `"ready"`. Both carry core's
//! own types, and of the [`FixReport`] only what the page cannot rebuild ([`FixFound`]: each change
//! set is its kernel, whose differences from the base are the changes; a tempting set's counterexample
//! is the explorer's), so that the page links serde for no type the explorer does not already
//! send. Cancel terminates the worker, as for the explorer; the
//! time budget is enforced inside the worker by the progress callback, so a search that runs out of
//! time still reports the change sets it found up to then.
//!
//! [`run_fix_request`] is the worker's whole job, written over a clock and a sink so that it runs (and
//! is tested) natively.

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};
use tlbrace_core::search::explore::{Counterexample, Options, Outcome, Progress};
use tlbrace_core::search::fix::{find_fixes, Change, FixOptions, FixReport};
use tlbrace_core::{Fix, Scenario, Variant};

use crate::explore_protocol::PROGRESS_EVERY_MS;

/// What a fix search is asked: the changes to `base` that close the race of `scenario`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixJob {
    /// The scenario whose interleavings each candidate must hold.
    pub scenario: Scenario,
    /// The kernel to change (architecture included).
    pub base: Variant,
    /// The most fixes one answer may flip ([`FixOptions::max_changes`]).
    pub max_changes: usize,
    /// The explorer's options for each candidate ([`FixOptions::explore`]).
    pub explore: Options,
    /// Wall-clock budget for the whole search in milliseconds; `None` for none.
    pub time_budget_ms: Option<u64>,
}

/// Page → worker: `{"fix": {…}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixRequest {
    /// Search for the change sets that close the race.
    Fix(FixJob),
}

/// What the page shows of a [`FixReport`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixFound {
    /// The kernel changed.
    pub base: Variant,
    /// Whether some interleaving does harm under it at all.
    pub base_unsafe: bool,
    /// Each minimal closing set as the kernel it makes, with the presets that contain it (names).
    pub closing: Vec<(Variant, Vec<String>)>,
    /// Each minimal tempting set as the kernel it makes, with the interleaving that still fails.
    pub tempting: Vec<(Variant, Counterexample)>,
    /// Candidate kernels explored.
    pub explored: usize,
    /// Complete, or why not.
    pub outcome: Outcome,
}

impl From<FixReport> for FixFound {
    fn from(r: FixReport) -> FixFound {
        FixFound {
            base: r.base,
            base_unsafe: r.base_unsafe,
            closing: r
                .closing
                .into_iter()
                .map(|c| {
                    let presets = c.presets.iter().map(|p| p.name().to_string()).collect();
                    (c.variant, presets)
                })
                .collect(),
            tempting: r
                .tempting
                .into_iter()
                .map(|t| (t.variant, t.counterexample))
                .collect(),
            explored: r.explored,
            outcome: r.outcome,
        }
    }
}

/// The changes that make `variant` from `base`, in fix order: a change set as core's
/// [`Change`]s (each fix flipped once, so they are exactly the fixes on which the two differ).
pub fn changes(base: &Variant, variant: &Variant) -> Vec<Change> {
    Fix::ALL
        .into_iter()
        .filter(|&fix| base.has(fix) != variant.has(fix))
        .map(|fix| Change {
            fix,
            on: variant.has(fix),
        })
        .collect()
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixReply {
    /// The worker is loaded (the explorer's `"ready"`): the page may post its request.
    Ready,
    /// Where the search is.
    Progress {
        /// Candidate kernels whose interleavings have been explored so far, this one included.
        candidates: usize,
        /// Core's progress in the current candidate's exploration.
        progress: Progress,
        /// Milliseconds since the search started.
        elapsed_ms: f64,
    },
    /// The search ended (completely, or at the time budget).
    Done {
        /// What core found.
        found: Box<FixFound>,
        /// Wall-clock time of the search in milliseconds.
        elapsed_ms: f64,
        /// The time budget stopped it (the report's outcome is then `cancelled`).
        timed_out: bool,
    },
    /// The request could not be run: a message for the user.
    Failed {
        /// Why.
        message: String,
    },
}

/// Whether a message posted to the worker is a fix search (else it is the explorer's).
pub fn is_fix_request(text: &str) -> bool {
    text.starts_with("{\"fix\":")
}

impl FixRequest {
    /// The JSON string posted to the worker.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a request is plain data")
    }
}

impl FixReply {
    /// The JSON string posted to the page.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a reply is plain data")
    }

    /// Reads a string the worker posted.
    pub fn from_json(text: &str) -> Result<FixReply, String> {
        serde_json::from_str(text)
            .map_err(|e| format!("unreadable message from the fix search: {e}"))
    }
}

/// The worker's whole job for a fix search: reads `request` (JSON), runs [`find_fixes`], and hands
/// each reply to `post`. `now_ms` is the clock; progress is posted at most every
/// [`PROGRESS_EVERY_MS`], and the time budget is enforced in the same callback.
pub fn run_fix_request(request: &str, now_ms: &dyn Fn() -> f64, post: &mut dyn FnMut(FixReply)) {
    let FixRequest::Fix(job) = match serde_json::from_str(request) {
        Ok(r) => r,
        Err(e) => {
            return post(FixReply::Failed {
                message: format!("the fix search could not read its request: {e}"),
            })
        }
    };
    let start = now_ms();
    let mut last_post = f64::NEG_INFINITY;
    let mut timed_out = false;
    // Each candidate's exploration reports its own variant: a new one is the next candidate.
    let mut current: Option<Variant> = None;
    let mut candidates = 0;
    let mut on_progress = |progress: &Progress| {
        if current != Some(progress.variant) {
            current = Some(progress.variant);
            candidates += 1;
        }
        let now = now_ms();
        let elapsed_ms = now - start;
        if now - last_post >= PROGRESS_EVERY_MS {
            last_post = now;
            post(FixReply::Progress {
                candidates,
                progress: *progress,
                elapsed_ms,
            });
        }
        match job.time_budget_ms {
            Some(limit) if elapsed_ms >= limit as f64 => {
                timed_out = true;
                ControlFlow::Break(())
            }
            _ => ControlFlow::Continue(()),
        }
    };
    let options = FixOptions {
        max_changes: job.max_changes,
        explore: job.explore,
    };
    let searched = find_fixes(&job.scenario, &job.base, &options, &mut on_progress);
    post(match searched {
        Ok(report) => FixReply::Done {
            found: Box::new(report.into()),
            elapsed_ms: now_ms() - start,
            timed_out,
        },
        Err(e) => FixReply::Failed {
            message: format!("the scenario cannot be searched: {e}"),
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlbrace_core::examples::example;
    use tlbrace_core::search::explore::Outcome;
    use tlbrace_core::{Fix, Preset};

    fn job(base: Preset, time_budget_ms: Option<u64>) -> FixRequest {
        FixRequest::Fix(FixJob {
            scenario: example("example-1").unwrap(),
            base: base.variant(),
            max_changes: FixOptions::default().max_changes,
            explore: Options::default(),
            time_budget_ms,
        })
    }

    fn run(request: &str, tick: f64) -> Vec<FixReply> {
        let clock = std::cell::Cell::new(0.0);
        let now = || {
            clock.set(clock.get() + tick);
            clock.get()
        };
        let mut replies = Vec::new();
        run_fix_request(request, &now, &mut |r| {
            assert_eq!(FixReply::from_json(&r.to_json()).unwrap(), r);
            replies.push(r);
        });
        replies
    }

    #[test]
    fn example_1_is_closed_by_the_pending_check_with_a_flush_after_clear_refs() {
        let request = job(Preset::V5_10Rc4, None).to_json();
        assert!(is_fix_request(&request));
        let replies = run(&request, 1.0);
        assert!(matches!(
            replies[0],
            FixReply::Progress { candidates: 1, .. }
        ));
        let Some(FixReply::Done {
            found: report,
            timed_out,
            ..
        }) = replies.last()
        else {
            panic!("{:?}", replies.last());
        };
        assert!(!timed_out && report.base_unsafe);
        assert_eq!(report.outcome, Outcome::Complete);
        // What the page shows is what core reports.
        let core = find_fixes(
            &example("example-1").unwrap(),
            &Preset::V5_10Rc4.variant(),
            &FixOptions::default(),
            |_| ControlFlow::Continue(()),
        )
        .unwrap();
        assert_eq!(**report, FixFound::from(core.clone()));
        for c in &core.closing {
            assert_eq!(changes(&core.base, &c.variant), c.changes);
        }
        for t in &core.tempting {
            assert_eq!(changes(&core.base, &t.variant), t.changes);
        }
        let (yu_fix_flush, _) = report
            .closing
            .iter()
            .find(|(_, presets)| presets.iter().any(|p| p == "yu-fix+flush"))
            .expect("yu-fix+flush closes it");
        let fixes: Vec<Fix> = changes(&report.base, yu_fix_flush)
            .iter()
            .map(|c| c.fix)
            .collect();
        assert!(fixes.contains(&Fix::YuMkcleanPending) && fixes.contains(&Fix::ClearRefsFlush));
        // The check alone holds the drawn timeline, not every interleaving.
        assert!(report.tempting.iter().any(|(v, _)| {
            changes(&report.base, v)
                == [Change {
                    fix: Fix::YuMkcleanPending,
                    on: true,
                }]
        }));
        // The progress counts candidates up to the report's own count.
        let last = replies.iter().rev().find_map(|r| match r {
            FixReply::Progress { candidates, .. } => Some(*candidates),
            _ => None,
        });
        assert!(last.unwrap() <= report.explored);
    }

    #[test]
    fn a_time_budget_ends_the_search_with_what_it_found() {
        let replies = run(&job(Preset::V5_10Rc4, Some(1000)).to_json(), 1000.0);
        match replies.last() {
            Some(FixReply::Done {
                found: report,
                timed_out,
                ..
            }) => {
                assert!(timed_out);
                assert_eq!(report.outcome, Outcome::Cancelled);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_requests_fail_with_a_message_and_explorer_requests_are_not_fix_requests() {
        let replies = run("{\"fix\": 3}", 0.0);
        assert!(
            matches!(&replies[..], [FixReply::Failed { message }] if message.contains("could not read")),
            "{replies:?}"
        );
        let explore = crate::explore_protocol::Request {
            scenario: example("example-1").unwrap(),
            variants: vec![Preset::V5_12.variant()],
            options: Default::default(),
            time_budget_ms: None,
        };
        assert!(!is_fix_request(&explore.to_json()));
        // The handshake is the explorer's.
        assert_eq!(
            FixReply::Ready.to_json(),
            crate::explore_protocol::Reply::Ready.to_json()
        );
    }
}
