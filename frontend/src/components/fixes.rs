//! "Which fix closes it?": the smallest sets of changes to a chosen kernel (a column of the matrix)
//! under which no interleaving of the timeline does harm, each named in kernel words
//! ([`Change::words`]) with the presets that contain it, and the *tempting* ones that hold the timeline
//! as drawn but not every interleaving, with the interleaving that still fails (openable beside the
//! explorer, like its counterexamples).
//!
//! The search is core's [`find_fixes`](tlbrace_core::search::fix::find_fixes), run in the explorer's
//! Web Worker ([`FixWorker`], messages in [`crate::fix_protocol`]); Cancel terminates the worker. The
//! panel's run is a reducer over [`FixEvent`]s ([`FixSearch`]), tested natively.
//!
//! DOM contract: `.fix-finder` with `select.fix-base` (option values: the columns' `data-variant`),
//! `.fix-button`, `.fix-cancel`, `progress.fix-progress`; the answers as
//! `.fix-closing[data-variant]` (the changed kernel's spec) holding `.fix-change[data-fix][data-on]`
//! and `.fix-presets`, and `.fix-tempting[data-variant]` with `.fix-open`.

use std::rc::Rc;

use tlbrace_core::search::explore::Options;
use tlbrace_core::search::explore::{Outcome, Progress};
use tlbrace_core::search::fix::{Change, FixOptions};
use tlbrace_core::{Preset, Scenario, Variant};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::explore_results::{count_of, seconds};
use super::part_ways::column_select;
use super::verdicts::{names, verdict_words, Column, VariantKey};
use crate::fix_protocol::{changes as changes_from, FixFound, FixJob, FixReply, FixRequest};
use crate::fix_worker::FixWorker;

/// The time budget of a fix search, in milliseconds: Example 1 needs about a second.
pub const FIX_TIME_BUDGET_MS: u64 = 60_000;

/// A fix search in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct FixRunning {
    /// The kernel being changed.
    pub base: Variant,
    /// When it started (ms since the epoch).
    pub started_ms: f64,
    /// Candidate kernels explored so far.
    pub candidates: usize,
    /// The current candidate's exploration.
    pub progress: Option<Progress>,
    /// When the latest reply came.
    pub now_ms: f64,
}

impl FixRunning {
    /// The line under the bar: "kernel 12: 345 states, 1.2 s".
    pub fn text(&self) -> String {
        let states = self.progress.map_or(0, |p| p.states);
        format!(
            "candidate kernel {}: {} visited, {} s",
            self.candidates.max(1),
            count_of(states, "state"),
            seconds(self.now_ms - self.started_ms)
        )
    }
}

/// The panel's search: the run in progress, or what the last one found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FixSearch {
    /// The run in progress.
    pub running: Option<FixRunning>,
    /// What the last run found.
    pub report: Option<Rc<FixFound>>,
    /// The scenario it is about.
    pub searched: Option<Rc<Scenario>>,
    /// How the last run ended, in words.
    pub status: Option<String>,
    /// Why the last run failed.
    pub error: Option<String>,
}

/// What happens to a [`FixSearch`].
#[derive(Clone, Debug, PartialEq)]
pub enum FixEvent {
    /// A worker was started.
    Started {
        /// The scenario searched.
        scenario: Rc<Scenario>,
        /// The kernel changed.
        base: Variant,
        /// Now.
        now_ms: f64,
    },
    /// The worker replied.
    Reply {
        /// The reply.
        reply: FixReply,
        /// When it came.
        now_ms: f64,
    },
    /// Cancel was pressed (the worker is gone).
    Cancelled {
        /// When.
        now_ms: f64,
    },
    /// The search could not start, or its worker failed.
    Failed(String),
}

impl Reducible for FixSearch {
    type Action = FixEvent;

    fn reduce(self: Rc<Self>, event: FixEvent) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(event);
        Rc::new(next)
    }
}

impl FixSearch {
    /// Applies one event.
    pub fn apply(&mut self, event: FixEvent) {
        match event {
            FixEvent::Started {
                scenario,
                base,
                now_ms,
            } => {
                *self = FixSearch {
                    running: Some(FixRunning {
                        base,
                        started_ms: now_ms,
                        candidates: 0,
                        progress: None,
                        now_ms,
                    }),
                    searched: Some(scenario),
                    ..FixSearch::default()
                }
            }
            FixEvent::Reply { reply, now_ms } => {
                let Some(run) = self.running.as_mut() else {
                    return;
                };
                run.now_ms = now_ms;
                match reply {
                    FixReply::Ready => {}
                    FixReply::Progress {
                        candidates,
                        progress,
                        ..
                    } => {
                        run.candidates = candidates;
                        run.progress = Some(progress);
                    }
                    FixReply::Done {
                        found: report,
                        elapsed_ms,
                        timed_out,
                    } => {
                        let time = seconds(elapsed_ms);
                        let n = count_of(report.explored, "kernel");
                        self.status = Some(if timed_out {
                            format!(
                                "Stopped at the time budget of {} s, after {n}: the answers below are what it found by then.",
                                seconds(FIX_TIME_BUDGET_MS as f64)
                            )
                        } else {
                            format!("Explored {n} in {time} s.")
                        });
                        self.running = None;
                        self.report = Some(Rc::new(*report));
                    }
                    FixReply::Failed { message } => {
                        self.running = None;
                        self.error = Some(message);
                    }
                }
            }
            FixEvent::Cancelled { now_ms } => {
                if let Some(run) = self.running.take() {
                    self.status = Some(format!(
                        "Cancelled after {} s, at candidate kernel {}.",
                        seconds(now_ms - run.started_ms),
                        run.candidates.max(1)
                    ));
                }
            }
            FixEvent::Failed(message) => {
                self.running = None;
                self.error = Some(message);
            }
        }
    }
}

/// What a report says at its top: nothing to fix, the base's own search unfinished, or how many sets
/// close the race.
pub fn headline(report: &FixFound) -> String {
    let base = report.base.name();
    if !report.base_unsafe {
        return match report.outcome {
            Outcome::Complete => {
                format!("No interleaving does harm under {base}: there is nothing to fix.")
            }
            _ => format!(
                "The search of {base} itself did not finish, so nothing was tried: {}.",
                outcome_words(report.outcome)
            ),
        };
    }
    let n = report.closing.len();
    let sets = if n == 1 {
        "change set closes"
    } else {
        "change sets close"
    };
    format!(
        "From {base}: {n} {sets} the race in every interleaving.",
        n = if n == 0 {
            "no".to_string()
        } else {
            n.to_string()
        }
    )
}

/// Why a search did not finish.
fn outcome_words(outcome: Outcome) -> String {
    match outcome {
        Outcome::StateCap { limit } => format!("the state cap of {limit} was reached"),
        Outcome::TransitionBudget { limit } => format!("the step budget of {limit} was reached"),
        Outcome::Cancelled => "it was stopped".to_string(),
        Outcome::StoppedAtFirst | Outcome::Complete => "it ended early".to_string(),
    }
}

/// The presets that make the same changes (by name), as "these changes are also in yu-fix+flush"
/// (runs of presets shortened). Not "this kernel is yu-fix": the preset may differ elsewhere, and on
/// this timeline it may not hold.
pub fn as_in(presets: &[String]) -> Option<String> {
    let presets: Vec<Preset> = presets
        .iter()
        .filter_map(|n| Preset::from_name(n))
        .collect();
    (!presets.is_empty()).then(|| format!("these changes are also in {}", names(&presets)))
}

fn changes(list: &[Change]) -> Html {
    html! {
        <ul class="fix-changes">
            { for list.iter().map(|c| html! {
                <li class="fix-change" data-fix={c.fix.name()} data-on={c.on.to_string()}>{ c.words() }</li>
            }) }
        </ul>
    }
}

/// What the panel is given.
#[derive(Clone, PartialEq, Properties)]
pub struct FixFinderProps {
    /// The scenario (a snapshot is searched).
    pub scenario: Rc<Scenario>,
    /// The matrix's columns: the kernels one may start from.
    pub columns: Rc<Vec<Column>>,
    /// The column the inspector follows: the base until the user picks one.
    pub inspected: VariantKey,
    /// Opens a tempting set's failing interleaving, with the kernel it fails under.
    pub on_open: Callback<(Scenario, Variant)>,
}

/// The "Which fix closes it?" panel.
#[component]
pub fn FixFinder(props: &FixFinderProps) -> Html {
    let base = use_state(|| None::<&'static str>);
    let max_changes = use_state(|| FixOptions::default().max_changes);
    let search = use_reducer(FixSearch::default);
    let worker = use_mut_ref(|| None::<FixWorker>);
    let running = search.running.is_some();
    let chosen = (*base).unwrap_or(props.inspected.name());
    let base_column = props
        .columns
        .iter()
        .find(|c| c.key.name() == chosen)
        .or_else(|| props.columns.first());

    let on_find = {
        let (search, worker, scenario) = (search.clone(), worker.clone(), props.scenario.clone());
        let base = base_column.map(|c| c.variant);
        let max_changes = *max_changes;
        Callback::from(move |_: MouseEvent| {
            let Some(base) = base else { return };
            if worker.borrow().is_some() {
                return;
            }
            if let Err(e) = scenario.validate() {
                return search.dispatch(FixEvent::Failed(format!(
                    "the scenario cannot be searched: {e}"
                )));
            }
            let request = FixRequest::Fix(FixJob {
                scenario: (*scenario).clone(),
                base,
                max_changes,
                explore: Options::default(),
                time_budget_ms: Some(FIX_TIME_BUDGET_MS),
            });
            let on_reply = {
                let (search, worker) = (search.clone(), worker.clone());
                Callback::from(move |reply: FixReply| {
                    if matches!(reply, FixReply::Done { .. } | FixReply::Failed { .. }) {
                        worker.borrow_mut().take();
                    }
                    let now_ms = js_sys::Date::now();
                    search.dispatch(FixEvent::Reply { reply, now_ms });
                })
            };
            let on_error = {
                let (search, worker) = (search.clone(), worker.clone());
                Callback::from(move |message: String| {
                    worker.borrow_mut().take();
                    search.dispatch(FixEvent::Failed(message));
                })
            };
            match FixWorker::start(&request, on_reply, on_error) {
                Ok(started) => {
                    *worker.borrow_mut() = Some(started);
                    search.dispatch(FixEvent::Started {
                        scenario: scenario.clone(),
                        base,
                        now_ms: js_sys::Date::now(),
                    });
                }
                Err(e) => search.dispatch(FixEvent::Failed(e)),
            }
        })
    };
    let on_cancel = {
        let (search, worker) = (search.clone(), worker.clone());
        Callback::from(move |_: MouseEvent| {
            if worker.borrow_mut().take().is_some() {
                search.dispatch(FixEvent::Cancelled {
                    now_ms: js_sys::Date::now(),
                });
            }
        })
    };
    let on_base = {
        let (base, columns) = (base.clone(), props.columns.clone());
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            base.set(columns.iter().map(|c| c.key.name()).find(|&n| n == value));
        })
    };
    let on_max = {
        let max_changes = max_changes.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            max_changes.set(value.parse().unwrap_or(3));
        })
    };

    let stale = match (&search.searched, &search.report) {
        (Some(s), Some(_)) if !running => **s != *props.scenario,
        _ => false,
    };
    let report = search.report.as_deref().map(|r| {
        let tempting = r.tempting.iter().map(|(v, cex)| {
            let on_open = {
                let (on_open, s, v) = (props.on_open.clone(), cex.scenario.clone(), *v);
                Callback::from(move |_: MouseEvent| on_open.emit((s.clone(), v)))
            };
            let how = verdict_words(cex.verdict.id()).1;
            html! {
                <li class="fix-tempting" data-variant={v.name()}>
                    <strong class="fix-variant">{ v.name() }</strong>
                    <span class="fix-why">{ format!(
                        ": holds the timeline as drawn, yet {how} in an interleaving of {} steps",
                        cex.scenario.steps.len()
                    ) }</span>
                    { changes(&changes_from(&r.base, v)) }
                    <button type="button" class="fix-open" onclick={on_open}>{ "Open that interleaving" }</button>
                </li>
            }
        });
        html! {
            <div class="fix-report" data-outcome={if r.outcome == Outcome::Complete { "complete" } else { "partial" }}>
                <p class="fix-headline">{ headline(r) }</p>
                if !r.closing.is_empty() {
                    <ol class="fix-closings">
                        { for r.closing.iter().map(|(v, presets)| html! {
                            <li class="fix-closing" data-variant={v.name()}>
                                <strong class="fix-variant">{ v.name() }</strong>
                                if let Some(presets) = as_in(presets) {
                                    <span class="fix-presets">{ format!(" ({presets})") }</span>
                                }
                                { changes(&changes_from(&r.base, v)) }
                            </li>
                        }) }
                    </ol>
                }
                if !r.tempting.is_empty() {
                    <p class="fix-tempting-head">{ "Tempting, but not enough: these hold the timeline as drawn, not every interleaving." }</p>
                    <ol class="fix-temptings">{ for tempting }</ol>
                }
            </div>
        }
    });
    html! {
        <section class="fix-finder" aria-label="Which fix closes it?">
            <h2 class="fix-head">{ "Which fix closes it?" }</h2>
            <p class="fix-help">
                { "Searches the fixes the model knows for the smallest sets of changes to a kernel under which \
                   no interleaving of these CPUs' steps does harm." }
            </p>
            <div class="fix-controls">
                <label>{ "Start from " }
                    { column_select("fix-base", "The kernel to change", &props.columns, base_column.map_or(props.inspected, |c| c.key), on_base) }
                </label>
                <label>{ " at most " }
                    <select class="fix-max" onchange={on_max} disabled={running} aria-label="The most fixes an answer may change">
                        { for (1..=3usize).map(|n| html! {
                            <option value={n.to_string()} selected={n == *max_changes}>{ n }</option>
                        }) }
                    </select>
                    { " changes" }
                </label>
                <button type="button" class="fix-button" disabled={running} onclick={on_find}>{ "Find fixes" }</button>
                <button type="button" class="fix-cancel" disabled={!running} onclick={on_cancel}>{ "Cancel" }</button>
            </div>
            if let Some(run) = &search.running {
                <progress class="fix-progress" aria-label="Fix search progress"
                    data-candidates={run.candidates.to_string()}></progress>
                <p class="fix-progress-text" aria-live="polite">{ run.text() }</p>
            }
            if let Some(e) = &search.error {
                <p class="error" role="alert">{ e }</p>
            }
            if let Some(s) = &search.status {
                <p class="fix-status" role="status">{ s }</p>
            }
            if stale {
                <p class="fix-stale">{ "These answers are for an earlier version of the scenario." }</p>
            }
            { report }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix_protocol::run_fix_request;
    use tlbrace_core::examples::example;

    fn searched(base: Preset) -> FixSearch {
        let scenario = example("example-1").unwrap();
        let mut search = FixSearch::default();
        search.apply(FixEvent::Started {
            scenario: Rc::new(scenario.clone()),
            base: base.variant(),
            now_ms: 0.0,
        });
        let request = FixRequest::Fix(FixJob {
            scenario,
            base: base.variant(),
            max_changes: FixOptions::default().max_changes,
            explore: Options::default(),
            time_budget_ms: None,
        });
        let mut now = 0.0;
        run_fix_request(&request.to_json(), &|| 0.0, &mut |reply| {
            now += 10.0;
            search.apply(FixEvent::Reply { reply, now_ms: now });
            if let Some(run) = &search.running {
                assert!(
                    run.text().starts_with("candidate kernel "),
                    "{}",
                    run.text()
                );
            }
        });
        search
    }

    #[test]
    fn a_finished_search_reports_its_sets_in_kernel_words() {
        let search = searched(Preset::V5_10Rc4);
        assert_eq!(search.running, None);
        let report = search.report.as_deref().unwrap();
        assert!(
            headline(report).starts_with("From v5.10-rc4: "),
            "{}",
            headline(report)
        );
        assert!(search.status.as_deref().unwrap().starts_with("Explored "));
        let (flush, presets) = report
            .closing
            .iter()
            .find(|(v, _)| v.name() == "yu-fix+flush")
            .unwrap();
        assert_eq!(
            as_in(presets).as_deref(),
            Some("these changes are also in yu-fix+flush")
        );
        assert!(changes_from(&report.base, flush)
            .iter()
            .any(|c| c.words().starts_with("add yu-mkclean-pending (")));
    }

    #[test]
    fn a_kernel_that_holds_has_nothing_to_fix() {
        let search = searched(Preset::YuFixFlush);
        let report = search.report.as_deref().unwrap();
        assert_eq!(
            headline(report),
            "No interleaving does harm under yu-fix+flush: there is nothing to fix."
        );
    }

    #[test]
    fn cancel_ends_the_run_and_late_replies_change_nothing() {
        let mut search = FixSearch::default();
        search.apply(FixEvent::Started {
            scenario: Rc::new(example("example-1").unwrap()),
            base: Preset::V5_12.variant(),
            now_ms: 0.0,
        });
        search.apply(FixEvent::Cancelled { now_ms: 2_500.0 });
        assert_eq!(search.running, None);
        assert_eq!(
            search.status.as_deref(),
            Some("Cancelled after 2.5 s, at candidate kernel 1.")
        );
        let before = search.clone();
        search.apply(FixEvent::Reply {
            reply: FixReply::Failed {
                message: "late".into(),
            },
            now_ms: 3_000.0,
        });
        assert_eq!(search, before);
    }
}
