//! The Explorer panel: searches every interleaving of the scenario's per-CPU programs under each
//! selected variant, in a Web Worker, and lists per variant whether any interleaving loses data, with
//! the shortest counterexample to open as a timeline.
//!
//! # Why a worker, and how Cancel works
//! A search can take minutes and allocates hundreds of MB; on the page's thread it would freeze the
//! page. Each Explore starts a fresh dedicated worker running the page's own wasm
//! ([`crate::worker`]: `./tlbrace-worker.js`, resolved against the document's base URL so the app
//! works under any sub-path) and posts it one [`Request`]. The worker runs [`tlbrace_core::search::explore`] in a
//! single synchronous call per variant, so it cannot read a "stop" message until the search returns.
//! Cancel therefore terminates the worker: immediate, and it hands all of the search's memory back
//! (wasm memory never shrinks, so a worker that lived on would keep its peak). The worker is also
//! terminated when a run finishes, for the same reason; a new run costs one worker start (tens of ms).
//! The time budget, unlike Cancel, is enforced inside the worker by its progress callback, so the
//! search reports what it found up to then. The request is posted when the worker says
//! [`Reply::Ready`]: a message posted before its wasm has loaded would find no handler and be lost.

use std::rc::Rc;

use tlbrace_core::search::explore::{minimize_with, Options, DEFAULT_MAX_STATES};
use tlbrace_core::{Arch, Scenario, Variant};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ErrorEvent, Event, HtmlInputElement, HtmlSelectElement, MessageEvent, Worker};
use yew::prelude::*;

use crate::browser::js_text;
use crate::explore_protocol::{
    count_of, duration, group, parse_seconds_ms, preset_jobs, progress_text, seconds, Answer, Job,
    Reply, Request, VariantResult,
};

/// The worker's script, relative to the page (see [`crate::worker`]).
pub use crate::worker::WORKER_URL;

/// The default time budget per variant, in seconds: long enough for any seed diagram many times over,
/// short enough that a forgotten exact search of a large scenario ends by itself.
pub const DEFAULT_TIME_BUDGET_S: f64 = 30.0;

/// What the panel is given.
#[derive(Clone, Debug, PartialEq, Properties)]
pub struct ExplorerProps {
    /// The scenario whose interleavings are searched (a snapshot is taken when Explore is pressed).
    pub scenario: Rc<Scenario>,
    /// Opens a counterexample (or its minimised form) as a timeline.
    pub on_open: Callback<Scenario>,
    /// A custom variant to offer beside the presets, when the page has one.
    #[prop_or_default]
    pub custom: Option<Variant>,
}

/// One line of the results table.
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    /// A variant whose search ended (completely or at a budget).
    Done(Box<VariantResult>),
    /// The variant being searched when Cancel was pressed.
    Cancelled {
        /// Its key.
        name: String,
        /// States visited by then.
        states: usize,
        /// Milliseconds it had run.
        elapsed_ms: f64,
    },
}

impl Row {
    /// The variant's key (`data-variant`).
    pub fn name(&self) -> &str {
        match self {
            Row::Done(r) => &r.name,
            Row::Cancelled { name, .. } => name,
        }
    }

    /// `data-outcome`: safe, unsafe or incomplete.
    pub fn outcome(&self) -> &'static str {
        match self {
            Row::Done(r) => r.answer.id(),
            Row::Cancelled { .. } => Answer::Incomplete.id(),
        }
    }

    /// The result cell's words.
    pub fn describe(&self) -> String {
        match self {
            Row::Done(r) => r.describe(),
            Row::Cancelled { states, .. } => format!(
                "incomplete: cancelled after {}; nothing bad found so far",
                count_of(*states, "state")
            ),
        }
    }
}

/// The results table's props.
#[derive(Clone, Debug, Properties)]
pub struct ResultsProps {
    /// The rows, in search order.
    pub rows: Rc<Vec<Row>>,
    /// "Open counterexample" on row `i`.
    pub on_open: Callback<usize>,
    /// "Open minimised" on row `i`.
    pub on_minimise: Callback<usize>,
}

// By hand: the explorer replaces `rows` with a new `Rc` whenever they change (`push_row`), so pointer
// equality is exact and the page does not link a deep comparison of results and counterexamples.
impl PartialEq for ResultsProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.rows, &other.rows)
            && self.on_open == other.on_open
            && self.on_minimise == other.on_minimise
    }
}

/// The per-variant results: verdict, interleavings represented, distinct states, bad end states.
#[component]
pub fn ExploreResults(props: &ResultsProps) -> Html {
    if props.rows.is_empty() {
        return html! {};
    }
    html! {
        <table class="explore-results">
            <thead>
                <tr>
                    <th scope="col">{ "Variant" }</th>
                    <th scope="col">{ "Result" }</th>
                    <th scope="col" title="Interleavings of the per-CPU programs the search stands for">
                        { "Interleavings" }</th>
                    <th scope="col">{ "Distinct states" }</th>
                    <th scope="col" title="Distinct end states that lose data or hold it at risk">
                        { "Bad end states" }</th>
                    <th scope="col">{ "Time" }</th>
                </tr>
            </thead>
            <tbody>
                { for props.rows.iter().enumerate().map(|(i, row)| result_row(i, row, props)) }
            </tbody>
        </table>
    }
}

fn result_row(i: usize, row: &Row, props: &ResultsProps) -> Html {
    let (interleavings, states, bad, time, cex) = match row {
        Row::Done(r) => {
            let covered = if r.answer == Answer::Incomplete {
                format!("not all of {}", group(r.interleavings))
            } else {
                group(r.interleavings)
            };
            (
                covered,
                group(r.states as u128),
                group(r.bad_end_states as u128),
                duration(r.elapsed_ms),
                r.counterexample.as_ref(),
            )
        }
        Row::Cancelled {
            states, elapsed_ms, ..
        } => (
            "—".to_string(),
            group(*states as u128),
            "—".to_string(),
            duration(*elapsed_ms),
            None,
        ),
    };
    let on_open = props.on_open.reform(move |_: MouseEvent| i);
    let on_minimise = props.on_minimise.reform(move |_: MouseEvent| i);
    html! {
        <tr class="explore-result" data-variant={row.name().to_string()} data-outcome={row.outcome()}>
            <th scope="row" class="explore-variant-name">{ row.name() }</th>
            <td class="explore-result-cell">
                <span class="explore-verdict">{ row.describe() }</span>
                if let Some(c) = cex {
                    <details class="explore-cex-summary">
                        <summary>{ "What goes wrong" }</summary>
                        { &c.summary }
                    </details>
                    <div class="explore-actions">
                        <button type="button" class="open-counterexample" onclick={on_open}>
                            { "Open counterexample" }</button>
                        <button type="button" class="minimise-counterexample" onclick={on_minimise}
                            title="Drop steps while it stays bad (keeping page_mkclean_one + write page to disk pairs whole)">
                            { "Open minimised" }</button>
                    </div>
                }
            </td>
            <td class="num explore-interleavings">{ interleavings }</td>
            <td class="num explore-states">{ states }</td>
            <td class="num explore-bad">{ bad }</td>
            <td class="num explore-time">{ time }</td>
        </tr>
    }
}

/// A running worker; dropping it terminates the worker.
struct WorkerHandle {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl WorkerHandle {
    fn spawn(on_reply: Callback<String>, on_error: Callback<String>) -> Result<Self, String> {
        let worker = crate::worker::spawn()
            .map_err(|e| format!("cannot start the explorer's worker: {}", js_text(&e)))?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            on_reply.emit(e.data().as_string().unwrap_or_default());
        });
        let on_err = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
            let detail = e
                .dyn_ref::<ErrorEvent>()
                .map(|e| e.message())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "it could not be loaded".to_string());
            on_error.emit(format!("the explorer's worker failed: {detail}"));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_err.as_ref().unchecked_ref()));
        Ok(WorkerHandle {
            worker,
            _on_message: on_message,
            _on_error: on_err,
        })
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        // Detach first: a message already queued must not reach the dropped closures.
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// A search in progress.
struct Run {
    worker: WorkerHandle,
    /// The request, until the worker says it is ready for it.
    request_text: Option<String>,
    jobs: Vec<Job>,
    started_ms: f64,
    job_started_ms: f64,
    job: usize,
    states: usize,
    depth: usize,
    max_depth: usize,
    now_ms: f64,
}

/// The panel's messages.
pub enum Msg {
    /// The state-cap field changed.
    MaxStates(String),
    /// The time-budget field changed.
    TimeBudget(String),
    /// The architecture changed.
    Arch(Arch),
    /// "Exact search" toggled.
    Exact(bool),
    /// A variant's checkbox toggled.
    Toggle(String, bool),
    /// Explore pressed.
    Explore,
    /// Cancel pressed.
    Cancel,
    /// A message from the worker.
    Reply(String),
    /// The worker failed to load or crashed.
    WorkerFailed(String),
    /// Open row `i`'s counterexample.
    Open(usize),
    /// Minimise and open row `i`'s counterexample.
    Minimise(usize),
}

/// The Explorer panel.
pub struct Explorer {
    max_states: String,
    time_budget: String,
    arch: Arch,
    exact: bool,
    unselected: Vec<String>,
    run: Option<Run>,
    rows: Rc<Vec<Row>>,
    /// The scenario the rows are about.
    explored: Option<Rc<Scenario>>,
    status: Option<String>,
    error: Option<String>,
}

impl Explorer {
    fn request(&self, ctx: &Context<Self>) -> Result<Request, String> {
        let max_states: usize = self
            .max_states
            .trim()
            .replace(['_', ',', ' ', '\u{2009}'], "")
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| {
                format!(
                    "the state cap should be a whole number of states, at least 1 (not \"{}\")",
                    self.max_states.trim()
                )
            })?;
        let budget = self.time_budget.trim();
        let time_budget_ms = if budget.is_empty() {
            None
        } else {
            match parse_seconds_ms(budget) {
                Some(ms) if ms > 0 => Some(ms),
                _ => {
                    return Err(format!(
                        "the time budget should be a number of seconds above 0, or empty for none (not \"{budget}\")"
                    ))
                }
            }
        };
        let scenario = ctx.props().scenario.as_ref().clone();
        scenario
            .validate()
            .map_err(|e| format!("the scenario cannot be explored: {e}"))?;
        let jobs: Vec<Job> = self
            .available(ctx)
            .into_iter()
            .filter(|j| !self.unselected.contains(&j.name))
            .collect();
        if jobs.is_empty() {
            return Err("choose at least one variant to explore".to_string());
        }
        let base = if self.exact {
            Options::exact()
        } else {
            Options::default()
        };
        Ok(Request {
            scenario,
            jobs,
            options: Options { max_states, ..base },
            time_budget_ms,
        })
    }

    fn available(&self, ctx: &Context<Self>) -> Vec<Job> {
        preset_jobs(self.arch, ctx.props().custom)
    }

    fn counterexample(&self, i: usize) -> Option<(&Scenario, Variant)> {
        match self.rows.get(i)? {
            Row::Done(r) => r.counterexample.as_ref().map(|c| (&c.scenario, r.variant)),
            Row::Cancelled { .. } => None,
        }
    }

    /// Adds a row as a new `Rc`, never in place: [`ResultsProps`] compares rows by pointer.
    fn push_row(&mut self, row: Row) {
        let mut rows = Vec::with_capacity(self.rows.len() + 1);
        rows.extend(self.rows.iter().cloned());
        rows.push(row);
        self.rows = Rc::new(rows);
    }
}

impl Component for Explorer {
    type Message = Msg;
    type Properties = ExplorerProps;

    fn create(_ctx: &Context<Self>) -> Self {
        Explorer {
            max_states: DEFAULT_MAX_STATES.to_string(),
            time_budget: seconds(DEFAULT_TIME_BUDGET_S * 1000.0),
            arch: Arch::X86,
            exact: false,
            unselected: Vec::new(),
            run: None,
            rows: Rc::new(Vec::new()),
            explored: None,
            status: None,
            error: None,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::MaxStates(v) => self.max_states = v,
            Msg::TimeBudget(v) => self.time_budget = v,
            Msg::Arch(a) => self.arch = a,
            Msg::Exact(on) => self.exact = on,
            Msg::Toggle(name, on) => {
                self.unselected.retain(|n| n != &name);
                if !on {
                    self.unselected.push(name);
                }
            }
            Msg::Explore => {
                if self.run.is_some() {
                    return false;
                }
                self.error = None;
                self.status = None;
                let request = match self.request(ctx) {
                    Ok(r) => r,
                    Err(e) => {
                        self.error = Some(e);
                        return true;
                    }
                };
                let worker = match WorkerHandle::spawn(
                    ctx.link().callback(Msg::Reply),
                    ctx.link().callback(Msg::WorkerFailed),
                ) {
                    Ok(w) => w,
                    Err(e) => {
                        self.error = Some(e);
                        return true;
                    }
                };
                let request_text = request.encode();
                let now = js_sys::Date::now();
                self.rows = Rc::new(Vec::new());
                self.explored = Some(ctx.props().scenario.clone());
                self.run = Some(Run {
                    worker,
                    request_text: Some(request_text),
                    jobs: request.jobs,
                    started_ms: now,
                    job_started_ms: now,
                    job: 0,
                    states: 0,
                    depth: 0,
                    max_depth: request.scenario.steps.len(),
                    now_ms: now,
                });
            }
            Msg::Cancel => {
                let Some(run) = self.run.take() else {
                    return false;
                };
                // Dropping the run terminates the worker.
                let name = run.jobs.get(run.job).map(|j| j.name.clone());
                let skipped = run.jobs.len().saturating_sub(run.job + 1);
                let total = js_sys::Date::now() - run.started_ms;
                let (states, elapsed_ms) = (run.states, js_sys::Date::now() - run.job_started_ms);
                drop(run);
                if let Some(name) = &name {
                    self.push_row(Row::Cancelled {
                        name: name.clone(),
                        states,
                        elapsed_ms,
                    });
                }
                let mut msg = format!(
                    "Cancelled after {} s{}.",
                    seconds((total / 100.0).round() * 100.0),
                    name.map(|n| format!(", while searching {n}"))
                        .unwrap_or_default()
                );
                if skipped > 0 {
                    msg.push_str(&format!(
                        " {skipped} variant{} not searched.",
                        if skipped == 1 { " was" } else { "s were" }
                    ));
                }
                self.status = Some(msg);
            }
            Msg::Reply(text) => {
                let reply = match Reply::decode(&text) {
                    Ok(r) => r,
                    Err(e) => {
                        self.run = None;
                        self.error = Some(e);
                        return true;
                    }
                };
                let Some(run) = self.run.as_mut() else {
                    return false;
                };
                run.now_ms = js_sys::Date::now();
                match reply {
                    Reply::Ready => {
                        let Some(text) = run.request_text.take() else {
                            return false;
                        };
                        if let Err(e) = run.worker.worker.post_message(&JsValue::from_str(&text)) {
                            self.run = None;
                            self.error = Some(format!(
                                "cannot send the scenario to the explorer: {}",
                                js_text(&e)
                            ));
                        }
                    }
                    Reply::Progress {
                        job,
                        states,
                        depth,
                        max_depth,
                        ..
                    } => {
                        run.job = job;
                        run.states = states;
                        run.depth = depth;
                        run.max_depth = max_depth;
                    }
                    Reply::Done { job, result } => {
                        run.job = job + 1;
                        run.states = 0;
                        run.depth = 0;
                        run.job_started_ms = run.now_ms;
                        self.push_row(Row::Done(result));
                    }
                    Reply::Failed { message } => {
                        self.run = None;
                        self.error = Some(message);
                    }
                    Reply::Finished => {
                        let total = run.now_ms - run.started_ms;
                        let n = run.jobs.len();
                        self.run = None;
                        self.status = Some(format!(
                            "Searched {n} variant{} in {} s.",
                            if n == 1 { "" } else { "s" },
                            seconds((total / 100.0).round() * 100.0)
                        ));
                    }
                }
            }
            Msg::WorkerFailed(e) => {
                self.run = None;
                self.error = Some(e);
            }
            Msg::Open(i) => {
                if let Some((s, _)) = self.counterexample(i) {
                    ctx.props().on_open.emit(s.clone());
                }
                return false;
            }
            Msg::Minimise(i) => {
                if let Some((s, variant)) = self.counterexample(i) {
                    match minimize_with(s, &variant, true) {
                        Ok(m) => {
                            self.error = None;
                            ctx.props().on_open.emit(m);
                        }
                        Err(e) => self.error = Some(format!("cannot minimise: {e}")),
                    }
                }
            }
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let running = self.run.is_some();
        let on_max = link.callback(|e: Event| Msg::MaxStates(input_value(&e)));
        let on_budget = link.callback(|e: Event| Msg::TimeBudget(input_value(&e)));
        let on_exact = link.callback(|e: Event| Msg::Exact(input_checked(&e)));
        let on_arch = link.callback(|e: Event| {
            let v = e
                .target_dyn_into::<HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            Msg::Arch(if v == "arm64" { Arch::Arm64 } else { Arch::X86 })
        });
        let stale = match &self.explored {
            Some(s) if !self.rows.is_empty() && !running => **s != *ctx.props().scenario,
            _ => false,
        };
        html! {
            <section class="explorer" aria-label="Explore every interleaving">
                <h2 class="explorer-head">{ "Explore every interleaving" }</h2>
                <p class="explorer-help">
                    { "Checks every order of the CPUs' steps that keeps each CPU's own steps in order, \
                       under each variant, for one that loses data." }
                </p>
                <fieldset class="explore-options" disabled={running}>
                    <legend>{ "Variants" }</legend>
                    { for self.available(ctx).into_iter().map(|job| {
                        let name = job.name.clone();
                        let checked = !self.unselected.contains(&job.name);
                        let on_toggle = link.callback(move |e: Event| Msg::Toggle(name.clone(), input_checked(&e)));
                        html! {
                            <label class="explore-variant" data-variant={job.name.clone()}>
                                <input type="checkbox" value={job.name.clone()} {checked} onchange={on_toggle} />
                                { " " }{ &job.name }
                            </label>
                        }
                    }) }
                    <label class="explore-field">
                        { "Architecture " }
                        <select class="explore-arch" onchange={on_arch}>
                            <option value="x86" selected={self.arch == Arch::X86}>{ "x86" }</option>
                            <option value="arm64" selected={self.arch == Arch::Arm64}>{ "arm64" }</option>
                        </select>
                    </label>
                    <label class="explore-field">
                        { "State cap " }
                        <input class="explore-max-states" type="text" inputmode="numeric" size="10"
                            value={self.max_states.clone()} onchange={on_max} />
                    </label>
                    <label class="explore-field">
                        { "Time budget per variant (s) " }
                        <input class="explore-time-budget" type="text" inputmode="decimal" size="5"
                            placeholder="none" value={self.time_budget.clone()} onchange={on_budget} />
                    </label>
                    <label class="explore-field" title="No partial-order reduction and no state abstraction: \
                        every concrete state is stored and every interleaving counted exactly. Much slower.">
                        <input class="explore-exact" type="checkbox" checked={self.exact} onchange={on_exact} />
                        { " Exact search (no reduction)" }
                    </label>
                </fieldset>
                <div class="explore-controls">
                    <button type="button" class="explore-button" disabled={running}
                        onclick={link.callback(|_| Msg::Explore)}>{ "Explore" }</button>
                    <button type="button" class="explore-cancel" disabled={!running}
                        onclick={link.callback(|_| Msg::Cancel)}>{ "Cancel" }</button>
                </div>
                if let Some(run) = &self.run {
                    { progress_view(run) }
                }
                if let Some(e) = &self.error {
                    <p class="error" role="alert">{ e }</p>
                }
                if let Some(s) = &self.status {
                    <p class="explore-status" role="status">{ s }</p>
                }
                if stale {
                    <p class="explore-stale">{ "These results are for an earlier version of the scenario." }</p>
                }
                <ExploreResults rows={self.rows.clone()}
                    on_open={link.callback(Msg::Open)} on_minimise={link.callback(Msg::Minimise)} />
            </section>
        }
    }
}

fn progress_view(run: &Run) -> Html {
    let jobs = run.jobs.len().max(1);
    let layer = if run.max_depth == 0 {
        0.0
    } else {
        run.depth as f64 / run.max_depth as f64
    };
    // Whole per-mille as an integer: `to_string` on an f64 would link core's float formatting.
    let done = ((run.job as f64 + layer.min(1.0)) / jobs as f64 * 1000.0).round() as u32;
    let name = run.jobs.get(run.job).map_or("", |j| j.name.as_str());
    let text = progress_text(
        name,
        run.job.min(jobs - 1),
        jobs,
        run.states,
        run.now_ms - run.started_ms,
    );
    html! {
        <div class="explore-running">
            <progress class="explore-progress" max="1000" value={done.to_string()}
                aria-label="Search progress" data-states={run.states.to_string()}></progress>
            <p class="explore-progress-text" aria-live="polite">{ text }</p>
        </div>
    }
}

fn input_value(e: &Event) -> String {
    e.target_dyn_into::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

fn input_checked(e: &Event) -> bool {
    e.target_dyn_into::<HtmlInputElement>()
        .is_some_and(|i| i.checked())
}
