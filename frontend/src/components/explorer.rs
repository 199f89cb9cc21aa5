//! The Explorer panel: searches every interleaving of the scenario's per-CPU programs under each
//! selected variant, in a Web Worker, and lists per variant whether any interleaving does harm, with
//! the shortest counterexample to open as a timeline.
//!
//! # Why a worker, and how Cancel works
//! A search can take minutes and allocates hundreds of MB; on the page's thread it would freeze the
//! page. Each Explore starts a fresh [`ExploreWorker`] running the page's own wasm and hands it one
//! [`Request`]. The worker runs [`tlbrace_core::search::explore`] in a single synchronous call per
//! variant, so it cannot read a "stop" message until the search returns. Cancel therefore terminates
//! the worker: immediate, and it hands all of the search's memory back (wasm memory never shrinks, so
//! a worker that lived on would keep its peak). The worker is also terminated when a run finishes, for
//! the same reason; a new run costs one worker start (tens of ms). The time budget, unlike Cancel, is
//! enforced inside the worker by its progress callback, so the search reports what it found up to then.
//!
//! "Open minimised" runs in a worker of its own the same way ([`crate::minimise`]).
//!
//! The panel's state is plain data: the option fields ([`Form`]) and the search ([`Search`], a reducer
//! over [`SearchEvent`]s: started, a reply, cancelled, failed), both tested natively. The worker itself
//! lives beside them in a `use_mut_ref`, so that dropping it (Cancel, the last reply, an error, the
//! panel going away) is what terminates it.

use std::rc::Rc;

use tlbrace_core::search::explore::{Options, Progress, DEFAULT_MAX_STATES};
use tlbrace_core::{Arch, Preset, Scenario, Variant};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::explore_results::{count_of, seconds, variant_key, ExploreResults, Row};
use crate::explore_protocol::{Reply, Request};
use crate::minimise::{MinimiseReply, MinimiseRequest, MinimiseWorker};
use crate::view::arch_id;
use crate::worker::ExploreWorker;

/// The default time budget per variant, in seconds: long enough for any seed diagram many times over,
/// short enough that a forgotten exact search of a large scenario ends by itself.
pub const DEFAULT_TIME_BUDGET_S: f64 = 30.0;

/// The variants the panel offers: every preset on `arch`, and `custom` (on `arch`) when it is not
/// itself a preset.
pub fn offered(arch: Arch, custom: Variant) -> Vec<Variant> {
    let presets = Preset::ALL.iter().map(|p| p.variant());
    let custom = (custom.preset().is_none()).then_some(custom);
    presets.chain(custom).map(|v| v.on(arch)).collect()
}

/// The option fields, as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    /// The state cap.
    pub max_states: String,
    /// The time budget per variant in seconds; empty for none.
    pub time_budget: String,
    /// No reduction and no abstraction.
    pub exact: bool,
    /// The keys ([`variant_key`]) of the variants to search, once the user has chosen; until then
    /// the panel's defaults (the kernels the verdict matrix shows first).
    pub chosen: Option<Vec<&'static str>>,
}

impl Default for Form {
    fn default() -> Form {
        Form {
            max_states: DEFAULT_MAX_STATES.to_string(),
            time_budget: DEFAULT_TIME_BUDGET_S.to_string(),
            exact: false,
            chosen: None,
        }
    }
}

impl Form {
    /// Whether the variant keyed `key` is to be searched, `defaults` being the keys chosen until the
    /// user chooses.
    pub fn is_chosen(&self, key: &str, defaults: &[&'static str]) -> bool {
        self.chosen.as_deref().unwrap_or(defaults).contains(&key)
    }

    /// The form with the variant keyed `key` chosen or not (the defaults become the user's choice).
    pub fn choose(&self, key: &'static str, on: bool, defaults: &[&'static str]) -> Form {
        let mut chosen = self.chosen.clone().unwrap_or_else(|| defaults.to_vec());
        chosen.retain(|k| *k != key);
        if on {
            chosen.push(key);
        }
        Form {
            chosen: Some(chosen),
            ..self.clone()
        }
    }

    /// The request for searching `scenario` under the chosen ones of `offered` (`defaults` until the
    /// user chooses), or what is wrong with the fields.
    pub fn request(
        &self,
        scenario: &Scenario,
        offered: &[Variant],
        defaults: &[&'static str],
    ) -> Result<Request, String> {
        let max_states = self.max_states.trim();
        let max_states: usize = max_states
            .replace(['_', ',', ' ', '\u{2009}'], "")
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| {
                format!(
                    "the state cap should be a whole number of states, at least 1 (not \"{max_states}\")"
                )
            })?;
        let budget = self.time_budget.trim();
        // serde_json's number reader, which the worker's messages link anyway: `str::parse::<f64>`
        // would add core's float parser and its tables (about 15 KB of wasm).
        let time_budget_ms = match serde_json::from_str::<f64>(budget) {
            _ if budget.is_empty() => None,
            Ok(s) if s.is_finite() && s > 0.0 => Some((s * 1000.0).round().max(1.0) as u64),
            _ => {
                return Err(format!(
                    "the time budget should be a number of seconds above 0, or empty for none (not \"{budget}\")"
                ))
            }
        };
        scenario
            .validate()
            .map_err(|e| format!("the scenario cannot be explored: {e}"))?;
        let variants: Vec<Variant> = offered
            .iter()
            .copied()
            .filter(|v| self.is_chosen(variant_key(v), defaults))
            .collect();
        if variants.is_empty() {
            return Err("choose at least one variant to explore".to_string());
        }
        let base = if self.exact {
            Options::exact()
        } else {
            Options::default()
        };
        Ok(Request {
            scenario: scenario.clone(),
            variants,
            options: Options { max_states, ..base },
            time_budget_ms,
        })
    }
}

/// A search in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct Running {
    /// The variants being searched, in order.
    pub variants: Vec<Variant>,
    /// The time budget asked for.
    pub time_budget_ms: Option<u64>,
    /// When the run started (ms since the epoch).
    pub started_ms: f64,
    /// The variant being searched.
    pub job: usize,
    /// When its search started.
    pub job_started_ms: f64,
    /// Its latest progress.
    pub progress: Option<Progress>,
    /// When the latest reply came.
    pub now_ms: f64,
}

impl Running {
    /// The progress bar's value, in thousandths of the whole run: finished variants, plus the
    /// current one's layers.
    pub fn per_mille(&self) -> u32 {
        let layer = match self.progress {
            Some(p) if p.max_depth > 0 => (p.depth as f64 / p.max_depth as f64).min(1.0),
            _ => 0.0,
        };
        let jobs = self.variants.len().max(1) as f64;
        ((self.job as f64 + layer) / jobs * 1000.0).round() as u32
    }

    /// The line under the bar: "v5.12 (2 of 5): 123 456 states visited, 1.2 s".
    pub fn text(&self) -> String {
        let jobs = self.variants.len().max(1);
        let job = self.job.min(jobs - 1);
        let name = self.variants.get(job).map_or("", variant_key);
        let states = self.progress.map_or(0, |p| p.states);
        format!(
            "{name} ({} of {jobs}): {} visited, {} s",
            job + 1,
            count_of(states, "state"),
            seconds(self.now_ms - self.started_ms)
        )
    }
}

/// The panel's search: the run in progress and what the last run found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Search {
    /// The run in progress.
    pub running: Option<Running>,
    /// One row per variant searched, in order.
    pub rows: Rc<Vec<Row>>,
    /// The scenario the rows are about.
    pub explored: Option<Rc<Scenario>>,
    /// How the last run ended.
    pub status: Option<String>,
    /// Why the last run (or a minimisation) failed.
    pub error: Option<String>,
}

/// What happens to a [`Search`].
#[derive(Clone, Debug, PartialEq)]
pub enum SearchEvent {
    /// A worker was started on this request.
    Started {
        /// The scenario searched.
        scenario: Rc<Scenario>,
        /// The variants, in order.
        variants: Vec<Variant>,
        /// The time budget asked for.
        time_budget_ms: Option<u64>,
        /// Now, in ms since the epoch.
        now_ms: f64,
    },
    /// The worker replied.
    Reply {
        /// The reply.
        reply: Reply,
        /// When it came.
        now_ms: f64,
    },
    /// Cancel was pressed (the worker is gone).
    Cancelled {
        /// When.
        now_ms: f64,
    },
    /// The search could not start, or its worker failed, or a counterexample could not be minimised.
    Failed(String),
}

impl Reducible for Search {
    type Action = SearchEvent;

    fn reduce(self: Rc<Self>, event: SearchEvent) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(event);
        Rc::new(next)
    }
}

impl Search {
    /// Applies one event.
    pub fn apply(&mut self, event: SearchEvent) {
        match event {
            SearchEvent::Started {
                scenario,
                variants,
                time_budget_ms,
                now_ms,
            } => {
                *self = Search {
                    running: Some(Running {
                        variants,
                        time_budget_ms,
                        started_ms: now_ms,
                        job: 0,
                        job_started_ms: now_ms,
                        progress: None,
                        now_ms,
                    }),
                    explored: Some(scenario),
                    ..Search::default()
                };
            }
            SearchEvent::Reply { reply, now_ms } => {
                let Some(run) = self.running.as_mut() else {
                    return;
                };
                run.now_ms = now_ms;
                match reply {
                    Reply::Ready => {}
                    Reply::Progress { job, progress, .. } => {
                        run.job = job;
                        run.progress = Some(progress);
                    }
                    Reply::Done {
                        job,
                        report,
                        elapsed_ms,
                        timed_out,
                    } => {
                        let timed_out_at_ms = run.time_budget_ms.filter(|_| timed_out);
                        run.job = job + 1;
                        run.job_started_ms = now_ms;
                        run.progress = None;
                        Rc::make_mut(&mut self.rows).push(Row::Done {
                            report,
                            elapsed_ms,
                            timed_out_at_ms,
                        });
                    }
                    Reply::Failed { message } => {
                        self.running = None;
                        self.error = Some(message);
                    }
                    Reply::Finished => {
                        let n = run.variants.len();
                        let total = seconds(now_ms - run.started_ms);
                        self.running = None;
                        self.status = Some(format!(
                            "Searched {n} variant{} in {total} s.",
                            if n == 1 { "" } else { "s" }
                        ));
                    }
                }
            }
            SearchEvent::Cancelled { now_ms } => {
                let Some(run) = self.running.take() else {
                    return;
                };
                let current = run.variants.get(run.job).copied();
                if let Some(variant) = current {
                    Rc::make_mut(&mut self.rows).push(Row::Cancelled {
                        variant,
                        states: run.progress.map_or(0, |p| p.states),
                        elapsed_ms: now_ms - run.job_started_ms,
                    });
                }
                let mut status = format!("Cancelled after {} s", seconds(now_ms - run.started_ms));
                if let Some(v) = current {
                    status.push_str(&format!(", while searching {}", variant_key(&v)));
                }
                status.push('.');
                let skipped = run.variants.len().saturating_sub(run.job + 1);
                if skipped > 0 {
                    let were = if skipped == 1 {
                        "variant was"
                    } else {
                        "variants were"
                    };
                    status.push_str(&format!(" {skipped} {were} not searched."));
                }
                self.status = Some(status);
            }
            SearchEvent::Failed(message) => {
                self.running = None;
                self.error = Some(message);
            }
        }
    }
}

/// What the panel is given.
#[derive(Clone, Debug, PartialEq, Properties)]
pub struct ExplorerProps {
    /// The scenario whose interleavings are searched (a snapshot is taken when Explore is pressed).
    pub scenario: Rc<Scenario>,
    /// The page's architecture: every variant is searched on it.
    pub arch: Arch,
    /// The page's custom variant, offered beside the presets when it is not one of them.
    pub custom: Variant,
    /// The variants chosen until the user chooses (their [`variant_key`]s): the kernels the verdict
    /// matrix shows first, and `custom`.
    #[prop_or_default]
    pub defaults: Vec<&'static str>,
    /// Opens a counterexample (or its minimised form) as a timeline, with the variant it goes wrong
    /// under.
    pub on_open: Callback<(Scenario, Variant)>,
}

/// The Explorer panel.
#[component]
pub fn Explorer(props: &ExplorerProps) -> Html {
    let form = use_state(Form::default);
    let search = use_reducer(Search::default);
    // The running search's worker: dropping it terminates the worker.
    let worker = use_mut_ref(|| None::<ExploreWorker>);
    let offered = offered(props.arch, props.custom);
    let running = search.running.is_some();

    let on_explore = {
        let (form, search, worker) = (form.clone(), search.clone(), worker.clone());
        let (scenario, offered) = (props.scenario.clone(), offered.clone());
        let defaults = props.defaults.clone();
        Callback::from(move |_: MouseEvent| {
            if worker.borrow().is_some() {
                return;
            }
            let request = match form.request(&scenario, &offered, &defaults) {
                Ok(r) => r,
                Err(e) => return search.dispatch(SearchEvent::Failed(e)),
            };
            let on_reply = {
                let (search, worker) = (search.clone(), worker.clone());
                Callback::from(move |reply: Reply| {
                    if matches!(reply, Reply::Finished | Reply::Failed { .. }) {
                        worker.borrow_mut().take();
                    }
                    let now_ms = js_sys::Date::now();
                    search.dispatch(SearchEvent::Reply { reply, now_ms });
                })
            };
            let on_error = {
                let (search, worker) = (search.clone(), worker.clone());
                Callback::from(move |message: String| {
                    worker.borrow_mut().take();
                    search.dispatch(SearchEvent::Failed(message));
                })
            };
            match ExploreWorker::start(&request, on_reply, on_error) {
                Ok(started) => {
                    *worker.borrow_mut() = Some(started);
                    search.dispatch(SearchEvent::Started {
                        scenario: scenario.clone(),
                        variants: request.variants,
                        time_budget_ms: request.time_budget_ms,
                        now_ms: js_sys::Date::now(),
                    });
                }
                Err(e) => search.dispatch(SearchEvent::Failed(e)),
            }
        })
    };
    let on_cancel = {
        let (search, worker) = (search.clone(), worker.clone());
        Callback::from(move |_: MouseEvent| {
            if worker.borrow_mut().take().is_some() {
                search.dispatch(SearchEvent::Cancelled {
                    now_ms: js_sys::Date::now(),
                });
            }
        })
    };
    let on_open = {
        let (rows, on_open) = (search.rows.clone(), props.on_open.clone());
        Callback::from(move |i: usize| {
            if let Some((s, variant)) = rows.get(i).and_then(Row::counterexample) {
                on_open.emit((s.clone(), variant));
            }
        })
    };
    // Minimising runs in a worker too (crate::minimise): Cancel terminates it.
    // Its failure is its own message: the search's state (a search may still be running) is not
    // touched by it.
    let minimising = use_state(|| None::<String>);
    let minimise_error = use_state(|| None::<String>);
    let minimiser = use_mut_ref(|| None::<MinimiseWorker>);
    let on_minimise = {
        let (rows, on_open) = (search.rows.clone(), props.on_open.clone());
        let (minimising, minimiser, minimise_error) = (
            minimising.clone(),
            minimiser.clone(),
            minimise_error.clone(),
        );
        Callback::from(move |i: usize| {
            let Some((s, variant)) = rows.get(i).and_then(Row::counterexample) else {
                return;
            };
            let request = MinimiseRequest {
                minimise: s.clone(),
                variant,
                keep_writeback_pairs: true,
            };
            minimise_error.set(None);
            let on_reply = {
                let on_open = on_open.clone();
                let (minimising, minimiser, minimise_error) = (
                    minimising.clone(),
                    minimiser.clone(),
                    minimise_error.clone(),
                );
                Callback::from(move |reply: MinimiseReply| {
                    minimiser.borrow_mut().take();
                    minimising.set(None);
                    match reply {
                        MinimiseReply::Minimised(scenario) => on_open.emit((scenario, variant)),
                        MinimiseReply::Failed(message) => minimise_error.set(Some(message)),
                    }
                })
            };
            match MinimiseWorker::start(&request, on_reply) {
                Ok(worker) => {
                    *minimiser.borrow_mut() = Some(worker);
                    minimising.set(Some(format!(
                        "Minimising {}'s counterexample ({} steps)…",
                        variant_key(&variant),
                        s.steps.len()
                    )));
                }
                Err(e) => minimise_error.set(Some(e)),
            }
        })
    };
    let on_cancel_minimise = {
        let (minimising, minimiser) = (minimising.clone(), minimiser.clone());
        Callback::from(move |_: MouseEvent| {
            minimiser.borrow_mut().take();
            minimising.set(None);
        })
    };
    let edit_form = |edit: fn(&mut Form, &HtmlInputElement)| {
        let form = form.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                let mut next = (*form).clone();
                edit(&mut next, &input);
                form.set(next);
            }
        })
    };

    let stale = match &search.explored {
        Some(s) if !search.rows.is_empty() && !running => **s != *props.scenario,
        _ => false,
    };
    let arch = arch_id(props.arch);
    html! {
        <section class="explorer" aria-label="Explore every interleaving">
            <h2 class="explorer-head">{ "Explore every interleaving" }</h2>
            <p class="explorer-help">
                { "Checks every order of the CPUs' steps that keeps each CPU's own steps in order, \
                   under each variant, for one that does harm: loses data, writes freed memory, or breaks a promise \
                   (mprotect, munmap, soft-dirty)." }
            </p>
            <fieldset class="explore-options" disabled={running}>
                <legend>{ format!("Variants, on {arch} (the verdicts' architecture)") }</legend>
                <div class="explore-variants">
                { for offered.iter().map(|v| {
                    let key = variant_key(v);
                    let checked = form.is_chosen(key, &props.defaults);
                    let on_toggle = {
                        let (form, defaults) = (form.clone(), props.defaults.clone());
                        Callback::from(move |e: Event| {
                            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                            form.set(form.choose(key, on, &defaults));
                        })
                    };
                    html! {
                        <label class="explore-variant" data-variant={key}>
                            <input type="checkbox" value={key} {checked} onchange={on_toggle} />
                            { " " }{ key }
                        </label>
                    }
                }) }
                if form.chosen.is_some() {
                    <button type="button" class="explore-defaults"
                        onclick={{ let form = form.clone(); Callback::from(move |_: MouseEvent|
                            form.set(Form { chosen: None, ..(*form).clone() })) }}>
                        { "the matrix's kernels" }</button>
                }
                </div>
                <label class="explore-field">
                    { "State cap " }
                    <input class="explore-max-states" type="text" inputmode="numeric" size="10"
                        value={form.max_states.clone()}
                        onchange={edit_form(|f, input| f.max_states = input.value())} />
                </label>
                <label class="explore-field">
                    { "Time budget per variant (s) " }
                    <input class="explore-time-budget" type="text" inputmode="decimal" size="5"
                        placeholder="none" value={form.time_budget.clone()}
                        onchange={edit_form(|f, input| f.time_budget = input.value())} />
                </label>
                <label class="explore-field" title="No partial-order reduction and no state abstraction: \
                    every concrete state is stored and every interleaving counted exactly. Much slower.">
                    <input class="explore-exact" type="checkbox" checked={form.exact}
                        onchange={edit_form(|f, input| f.exact = input.checked())} />
                    { " Exact search (no reduction)" }
                </label>
            </fieldset>
            <div class="explore-controls">
                <button type="button" class="explore-button" disabled={running}
                    onclick={on_explore}>{ "Explore" }</button>
                <button type="button" class="explore-cancel" disabled={!running}
                    onclick={on_cancel}>{ "Cancel" }</button>
            </div>
            if let Some(run) = &search.running {
                <div class="explore-running">
                    <progress class="explore-progress" max="1000" value={run.per_mille().to_string()}
                        aria-label="Search progress"
                        data-states={run.progress.map_or(0, |p| p.states).to_string()}></progress>
                    <p class="explore-progress-text" aria-live="polite">{ run.text() }</p>
                </div>
            }
            if let Some(e) = &search.error {
                <p class="error" role="alert">{ e }</p>
            }
            if let Some(s) = &search.status {
                <p class="explore-status" role="status">{ s }</p>
            }
            if stale {
                <p class="explore-stale">{ "These results are for an earlier version of the scenario." }</p>
            }
            if let Some(what) = &*minimising {
                <div class="minimise-running">
                    <progress class="minimise-progress" aria-label="Minimising"></progress>
                    <span class="minimise-text" aria-live="polite">{ what.clone() }</span>
                    <button type="button" class="minimise-cancel" onclick={on_cancel_minimise}>{ "Cancel" }</button>
                </div>
            }
            if let Some(e) = &*minimise_error {
                <p class="error minimise-error" role="alert">{ format!("Open minimised: {e}") }</p>
            }
            <ExploreResults rows={search.rows.clone()} {on_open} {on_minimise} />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::default_custom as custom;
    use tlbrace_core::examples::example;

    const DEFAULTS: &[&str] = &["will-4+6", "yu-fix", "custom"];

    #[test]
    fn a_custom_variant_is_offered_only_when_it_is_not_a_preset() {
        let presets = Preset::ALL.len();
        assert_eq!(offered(Arch::X86, Preset::V5_12.variant()).len(), presets);
        let all = offered(Arch::Arm64, custom());
        assert_eq!(all.len(), presets + 1);
        assert_eq!(variant_key(&all[presets]), "custom");
        assert!(all.iter().all(|v| v.arch == Arch::Arm64));
    }

    #[test]
    fn the_defaults_hold_until_the_user_chooses() {
        let form = Form::default();
        assert!(form.is_chosen("yu-fix", DEFAULTS) && !form.is_chosen("v5.12", DEFAULTS));
        let form = form
            .choose("v5.12", true, DEFAULTS)
            .choose("custom", false, DEFAULTS);
        assert_eq!(form.chosen, Some(vec!["will-4+6", "yu-fix", "v5.12"]));
        // Once chosen, other defaults (another scenario's) no longer apply.
        assert!(!form.is_chosen("v3.12", &["v3.12"]));
    }

    #[test]
    fn the_fields_become_a_request() {
        let s = example("example-1").unwrap();
        let all = offered(Arch::X86, custom());
        let form = Form {
            time_budget: " 2.5 ".into(),
            max_states: "20 000".into(),
            ..Form::default()
        };
        let r = form.request(&s, &all, DEFAULTS).unwrap();
        assert_eq!(r.time_budget_ms, Some(2500));
        assert_eq!(r.options.max_states, 20_000);
        assert!(r.options.reduction);
        let keys: Vec<&str> = r.variants.iter().map(variant_key).collect();
        assert_eq!(
            keys,
            ["will-4+6", "yu-fix", "custom"],
            "in the offered order"
        );

        let exact = Form {
            exact: true,
            time_budget: String::new(),
            ..Form::default()
        };
        let r = exact.request(&s, &all, DEFAULTS).unwrap();
        assert_eq!(r.time_budget_ms, None);
        assert!(!r.options.reduction && !r.options.abstraction);
        assert_eq!(
            Form::default()
                .request(&s, &all, DEFAULTS)
                .unwrap()
                .time_budget_ms,
            Some(30_000)
        );

        for (field, bad, want) in [
            ("max", "lots", "state cap"),
            ("max", "0", "state cap"),
            ("budget", "-1", "time budget"),
            ("budget", "inf", "time budget"),
            ("budget", "NaN", "time budget"),
            ("budget", "soon", "time budget"),
        ] {
            let mut form = Form::default();
            match field {
                "max" => form.max_states = bad.into(),
                _ => form.time_budget = bad.into(),
            }
            let e = form.request(&s, &all, DEFAULTS).unwrap_err();
            assert!(e.contains(want) && e.contains(bad), "{bad}: {e}");
        }
        let none = Form {
            chosen: Some(Vec::new()),
            ..Form::default()
        };
        assert!(none
            .request(&s, &all, DEFAULTS)
            .unwrap_err()
            .contains("at least one"));
    }

    fn started(variants: Vec<Variant>) -> Search {
        let mut search = Search::default();
        search.apply(SearchEvent::Started {
            scenario: Rc::new(example("example-1").unwrap()),
            variants,
            time_budget_ms: Some(1000),
            now_ms: 0.0,
        });
        search
    }

    #[test]
    fn replies_fill_the_rows_and_the_last_one_ends_the_run() {
        let s = example("example-1").unwrap();
        let variants: Vec<Variant> = Preset::SEED.iter().map(|p| p.variant()).collect();
        let mut search = started(variants.clone());
        let request = Request {
            scenario: s,
            variants,
            options: Options::default(),
            time_budget_ms: Some(1000),
        };
        let mut now = 0.0;
        crate::explore_protocol::run_request(&request.to_json(), &|| 0.0, &mut |reply| {
            now += 100.0;
            if let Reply::Progress { .. } = reply {
                search.apply(SearchEvent::Reply {
                    reply: reply.clone(),
                    now_ms: now,
                });
                let run = search.running.as_ref().unwrap();
                assert!(run.per_mille() <= 1000);
                assert!(run.text().contains(" of 5): "), "{}", run.text());
                return;
            }
            search.apply(SearchEvent::Reply { reply, now_ms: now });
        });
        assert_eq!(search.running, None);
        assert_eq!(search.rows.len(), 5);
        let outcomes: Vec<&str> = search.rows.iter().map(Row::outcome).collect();
        // Model v2 finds a soft-dirty miss in Example 1 under yu-fix too; yu-fix+flush is safe.
        assert_eq!(outcomes, ["unsafe", "unsafe", "unsafe", "safe", "unsafe"]);
        assert!(search
            .status
            .as_deref()
            .unwrap()
            .starts_with("Searched 5 variants in "));
        assert!(search.rows[4]
            .describe()
            .starts_with("unsafe: data lost (an interleaving of "));
        assert_eq!(search.rows[3].describe(), "safe: no interleaving does harm");
    }

    #[test]
    fn cancel_keeps_the_current_variant_as_an_incomplete_row() {
        let variants: Vec<Variant> = Preset::SEED.iter().map(|p| p.variant()).collect();
        let mut search = started(variants.clone());
        search.apply(SearchEvent::Cancelled { now_ms: 1_260.0 });
        assert_eq!(search.running, None);
        assert_eq!(search.rows.len(), 1);
        assert_eq!(search.rows[0].outcome(), "incomplete");
        assert_eq!(
            search.rows[0].describe(),
            "incomplete: cancelled after 0 states; nothing bad found so far"
        );
        assert_eq!(
            search.status.as_deref(),
            Some("Cancelled after 1.3 s, while searching v5.10-rc4. 4 variants were not searched.")
        );
        // A reply still in flight changes nothing.
        let before = search.clone();
        search.apply(SearchEvent::Reply {
            reply: Reply::Finished,
            now_ms: 2_000.0,
        });
        assert_eq!(search, before);
    }
}
