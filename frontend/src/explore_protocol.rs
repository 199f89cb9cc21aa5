//! What the page and the explorer's Web Worker say to each other, and the worker's side of it.
//!
//! The search ([`tlbrace_core::search::explore`]) can take seconds to minutes, so it never runs on the page's
//! thread: the Explorer panel posts one [`Request`] to a dedicated worker ([`crate::worker`],
//! the page's own wasm in a worker scope), which answers with a stream of [`Reply`]s. Both directions are
//! short strings in a hand-written line format ([`Request::encode`], [`Reply::encode`]): numbers in
//! decimal, variants as four digits, scenarios in the scenario file format (which the page links anyway,
//! for localStorage). Serde derives here would link a second set of (de)serialisers for these types,
//! `Variant` and `Options` into the page's wasm, for nothing the user sees.
//!
//! The page needs a few of core's [`Report`] numbers, the verdict-relevant outcome and the
//! counterexample timeline, so the worker condenses each report into a [`VariantResult`] (see
//! [`VariantResult::from_report`]).
//! [`run_request`] is the worker's whole job, written over a clock and a sink so it runs (and is tested)
//! natively too.

use std::ops::ControlFlow;

use tlbrace_core::formats::json::{from_json, to_json_compact};
use tlbrace_core::search::explore::{explore, Bad, Finding, Options, Outcome, Report};
use tlbrace_core::{Arch, Batching, GatherMode, Preset, Scenario, SkipTest, Variant};

/// The name `data-variant` and the results table use for a variant: the preset's name (the
/// architecture is chosen once for the whole run), else `custom`.
pub fn variant_key(variant: &Variant) -> String {
    variant
        .preset()
        .map_or_else(|| "custom".to_string(), |p| p.name().to_string())
}

/// One variant to search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Its key ([`variant_key`]): `v5.12`, `custom`, …
    pub name: String,
    /// The variant, architecture included.
    pub variant: Variant,
}

/// Page → worker: search these variants of this scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The scenario whose per-CPU programs are interleaved.
    pub scenario: Scenario,
    /// The variants, searched one after another in this order.
    pub jobs: Vec<Job>,
    /// State cap, reduction and abstraction, passed to core as they are.
    pub options: Options,
    /// Wall-clock budget per variant in milliseconds; `None` for none. Enforced by the progress callback.
    pub time_budget_ms: Option<u64>,
}

/// Why one variant's search ended: core's [`Outcome`] plus the time budget, which only the worker knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Every interleaving covered.
    Complete,
    /// Stopped at the first confirmed loss.
    StoppedAtFirst,
    /// The state cap was reached.
    StateCap {
        /// The cap.
        limit: usize,
    },
    /// The step budget was reached.
    TransitionBudget {
        /// The budget.
        limit: u64,
    },
    /// The per-variant time budget ran out.
    TimeBudget {
        /// The budget, in milliseconds.
        limit_ms: u64,
    },
    /// Stopped for another reason (kept for completeness: the page cancels by ending the worker).
    Cancelled,
}

impl Stop {
    /// Words for the results table, e.g. "time budget of 2 s reached after 40 000 states".
    pub fn describe(self, states: usize) -> String {
        let states = count_of(states, "state");
        match self {
            Stop::Complete => "every interleaving covered".to_string(),
            Stop::StoppedAtFirst => format!("stopped at the first loss after {states}"),
            Stop::StateCap { limit } => format!(
                "state cap of {} reached after {states}",
                group(limit as u128)
            ),
            Stop::TransitionBudget { limit } => format!(
                "step budget of {} reached after {states}",
                group(u128::from(limit))
            ),
            Stop::TimeBudget { limit_ms } => format!(
                "time budget of {} s reached after {states}",
                seconds(limit_ms as f64)
            ),
            Stop::Cancelled => format!("cancelled after {states}"),
        }
    }
}

/// The answer for one variant, in the terms the results table shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Every interleaving covered, none loses data or ends at risk.
    Safe,
    /// Some interleaving loses data or ends at risk (a counterexample is attached).
    Unsafe,
    /// Stopped early with nothing bad found so far.
    Incomplete,
}

impl Answer {
    /// The `data-outcome` value.
    pub fn id(self) -> &'static str {
        match self {
            Answer::Safe => "safe",
            Answer::Unsafe => "unsafe",
            Answer::Incomplete => "incomplete",
        }
    }
}

/// The shortest bad interleaving, as a timeline the page can open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cex {
    /// `lost` or `at risk`.
    pub kind: String,
    /// The reordered timeline (confirmed by `trace::run` in core).
    pub scenario: Scenario,
    /// Core's one-sentence account of what went wrong in it.
    pub summary: String,
}

/// One variant's search, condensed from core's [`Report`].
#[derive(Clone, Debug, PartialEq)]
pub struct VariantResult {
    /// The variant's key ([`variant_key`]).
    pub name: String,
    /// The variant searched.
    pub variant: Variant,
    /// Safe, unsafe or incomplete.
    pub answer: Answer,
    /// Why the search ended.
    pub stop: Stop,
    /// How many interleavings the programs have: what a complete search stands for.
    pub interleavings: u128,
    /// Distinct states stored.
    pub states: usize,
    /// Steps tried.
    pub transitions: u64,
    /// Distinct end states.
    pub end_states: usize,
    /// Distinct end states that lost data or hold it at risk.
    pub bad_end_states: usize,
    /// Interleavings (along explored paths) that hit an impossible step.
    pub error_steps: u64,
    /// Wall-clock time of the search in milliseconds.
    pub elapsed_ms: f64,
    /// The shortest bad interleaving, for an unsafe variant.
    pub counterexample: Option<Cex>,
}

impl VariantResult {
    /// Condenses `report`; `timed_out` says the progress callback stopped it for the time budget.
    pub fn from_report(
        name: &str,
        report: &Report,
        time_budget_ms: Option<u64>,
        timed_out: bool,
        elapsed_ms: f64,
    ) -> VariantResult {
        let stop = match report.outcome {
            Outcome::Complete => Stop::Complete,
            Outcome::StoppedAtFirst => Stop::StoppedAtFirst,
            Outcome::StateCap { limit } => Stop::StateCap { limit },
            Outcome::TransitionBudget { limit } => Stop::TransitionBudget { limit },
            Outcome::Cancelled => match time_budget_ms {
                Some(limit_ms) if timed_out => Stop::TimeBudget { limit_ms },
                _ => Stop::Cancelled,
            },
        };
        let answer = match report.finding() {
            Finding::Safe => Answer::Safe,
            Finding::Unsafe => Answer::Unsafe,
            Finding::Unknown => Answer::Incomplete,
        };
        VariantResult {
            name: name.to_string(),
            variant: report.variant,
            answer,
            stop,
            interleavings: report.interleavings,
            states: report.states,
            transitions: report.transitions,
            end_states: report.end_states,
            bad_end_states: report.bad_end_states(),
            error_steps: report.error_steps,
            elapsed_ms,
            counterexample: report.counterexample.as_ref().map(|c| Cex {
                kind: match c.kind {
                    Bad::Lost => "lost",
                    Bad::AtRisk => "at risk",
                }
                .to_string(),
                summary: c.verdict.summary(&c.scenario),
                scenario: c.scenario.clone(),
            }),
        }
    }

    /// The result cell's words: "safe: every interleaving covered", "unsafe: lost in 10 steps", …
    pub fn describe(&self) -> String {
        match (&self.answer, &self.counterexample) {
            (Answer::Unsafe, Some(c)) => {
                let stop = if self.stop == Stop::Complete {
                    String::new()
                } else {
                    format!(" ({})", self.stop.describe(self.states))
                };
                format!(
                    "unsafe: an interleaving ends {} ({} steps){stop}",
                    c.kind,
                    c.scenario.steps.len()
                )
            }
            (Answer::Safe, _) => "safe: no interleaving loses data".to_string(),
            _ => format!(
                "incomplete: {}; nothing bad found so far",
                self.stop.describe(self.states)
            ),
        }
    }
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// The worker's wasm is loaded and its message handler set: the page may now post its request
    /// (a message posted earlier would reach a worker with no handler yet, and be lost).
    Ready,
    /// Where the search of job `job` is.
    Progress {
        /// Index into [`Request::jobs`].
        job: usize,
        /// Distinct states stored so far.
        states: usize,
        /// Steps tried so far.
        transitions: u64,
        /// The breadth-first layer being expanded.
        depth: usize,
        /// The last layer (the number of steps).
        max_depth: usize,
        /// Milliseconds since this job started.
        elapsed_ms: f64,
    },
    /// Job `job` finished.
    Done {
        /// Index into [`Request::jobs`].
        job: usize,
        /// What it found.
        result: Box<VariantResult>,
    },
    /// The request could not be run (bad JSON, invalid scenario): a message for the user.
    Failed {
        /// Why.
        message: String,
    },
    /// Every job is done.
    Finished,
}

/// The version tag every request starts with: a page and a worker from different builds (a stale cache)
/// refuse each other's messages instead of misreading them.
const WIRE_TAG: &str = "tlbrace-explore/1";

/// Reads the space-separated fields of one wire line, in order.
struct Fields<'a>(std::str::SplitAsciiWhitespace<'a>);

impl<'a> Fields<'a> {
    fn new(line: &'a str) -> Fields<'a> {
        Fields(line.split_ascii_whitespace())
    }

    fn text(&mut self) -> Result<&'a str, String> {
        self.0
            .next()
            .ok_or_else(|| "a field is missing".to_string())
    }

    /// One unsigned decimal (every count on the wire fits a `u128`), read by hand: `u128`'s `FromStr`
    /// is code the page needs nowhere else.
    fn num(&mut self) -> Result<u128, String> {
        let t = self.text()?;
        t.bytes()
            .try_fold(0u128, |n, b| {
                let d = b.checked_sub(b'0').filter(|d| *d < 10)?;
                n.checked_mul(10)?.checked_add(u128::from(d))
            })
            .ok_or_else(|| format!("\"{t}\" is not a count"))
    }

    fn u64(&mut self) -> Result<u64, String> {
        u64::try_from(self.num()?).map_err(|_| "a count is too large".to_string())
    }

    fn usize(&mut self) -> Result<usize, String> {
        usize::try_from(self.num()?).map_err(|_| "a count is too large".to_string())
    }

    fn flag(&mut self) -> Result<bool, String> {
        Ok(self.num()? != 0)
    }

    /// A float sent as its bits, so that no float formatting or parsing is linked.
    fn float(&mut self) -> Result<f64, String> {
        Ok(f64::from_bits(self.u64()?))
    }
}

/// A variant as four digits: skip test, batching, gather mode, architecture.
fn variant_code(v: &Variant) -> String {
    let skip = match v.skip_test {
        SkipTest::Mainline => 0,
        SkipTest::ChecksPending => 1,
        SkipTest::Never => 2,
    };
    let batching = match v.batching {
        Batching::NestedOnly => 0,
        Batching::Recorded => 1,
        Batching::Mm => 2,
        Batching::None => 3,
    };
    let mode = match v.gather_mode {
        GatherMode::Fullmm => 0,
        GatherMode::Ranged => 1,
    };
    let arch = match v.arch {
        Arch::X86 => 0,
        Arch::Arm64 => 1,
    };
    format!("{skip}{batching}{mode}{arch}")
}

/// Reads [`variant_code`]'s digits back.
fn variant_from_code(code: &str) -> Result<Variant, String> {
    let bad = || format!("{code:?} is not a variant");
    let d: Vec<u8> = code.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    let [skip, batching, mode, arch] = d[..] else {
        return Err(bad());
    };
    Ok(Variant {
        skip_test: match skip {
            0 => SkipTest::Mainline,
            1 => SkipTest::ChecksPending,
            2 => SkipTest::Never,
            _ => return Err(bad()),
        },
        batching: match batching {
            0 => Batching::NestedOnly,
            1 => Batching::Recorded,
            2 => Batching::Mm,
            3 => Batching::None,
            _ => return Err(bad()),
        },
        gather_mode: match mode {
            0 => GatherMode::Fullmm,
            1 => GatherMode::Ranged,
            _ => return Err(bad()),
        },
        arch: match arch {
            0 => Arch::X86,
            1 => Arch::Arm64,
            _ => return Err(bad()),
        },
    })
}

/// Splits `text` at its first `n` newlines: `n` lines and the rest (which may hold newlines).
fn lines(text: &str, n: usize) -> Result<(Vec<&str>, &str), String> {
    let mut parts = text.splitn(n + 1, '\n');
    let head: Vec<&str> = parts.by_ref().take(n).collect();
    match parts.next() {
        Some(rest) if head.len() == n => Ok((head, rest)),
        _ => Err("a line is missing".to_string()),
    }
}

impl Request {
    /// The string posted to the worker:
    ///
    /// ```text
    /// tlbrace-explore/1
    /// <max_states> <max_transitions> <reduction 0|1> <abstraction 0|1> <stop_at_first 0|1> <budget ms|->
    /// <name> <variant code> <name> <variant code> …
    /// <the scenario as compact JSON>
    /// ```
    pub fn encode(&self) -> String {
        let o = &self.options;
        let budget = self
            .time_budget_ms
            .map_or_else(|| "-".to_string(), |ms| ms.to_string());
        let jobs: Vec<String> = self
            .jobs
            .iter()
            .map(|j| format!("{} {}", j.name, variant_code(&j.variant)))
            .collect();
        format!(
            "{WIRE_TAG}\n{} {} {} {} {} {budget}\n{}\n{}",
            o.max_states,
            o.max_transitions,
            u8::from(o.reduction),
            u8::from(o.abstraction),
            u8::from(o.stop_at_first),
            jobs.join(" "),
            to_json_compact(&self.scenario)
        )
    }

    /// Reads [`Request::encode`]'s string; a scenario that does not read is reported as such.
    pub fn decode(text: &str) -> Result<Request, String> {
        let (head, scenario) = lines(text, 3)?;
        if head[0] != WIRE_TAG {
            return Err("not an explorer request of this version".to_string());
        }
        let mut f = Fields::new(head[1]);
        let options = Options {
            max_states: f.usize()?,
            max_transitions: f.u64()?,
            reduction: f.flag()?,
            abstraction: f.flag()?,
            stop_at_first: f.flag()?,
        };
        let time_budget_ms = match f.text()? {
            "-" => None,
            ms => Some(
                ms.parse()
                    .map_err(|_| format!("{ms:?} is not a time budget"))?,
            ),
        };
        let mut f = Fields::new(head[2]);
        let mut jobs = Vec::new();
        while let Some(name) = f.0.next() {
            jobs.push(Job {
                name: name.to_string(),
                variant: variant_from_code(f.text()?)?,
            });
        }
        let scenario = from_json(scenario).map_err(|e| format!("{SCENARIO_FAILS}{e}"))?;
        Ok(Request {
            scenario,
            jobs,
            options,
            time_budget_ms,
        })
    }
}

/// How a failure to read or explore the scenario starts.
const SCENARIO_FAILS: &str = "the scenario cannot be explored: ";

impl Reply {
    /// The string posted to the page: a tag (`ready`, `progress`, `done`, `failed`, `finished`) and its
    /// fields, numbers in decimal, floats as their bits; a counterexample's scenario (compact JSON) and
    /// the free texts on lines of their own, last.
    pub fn encode(&self) -> String {
        match self {
            Reply::Ready => "ready".to_string(),
            Reply::Finished => "finished".to_string(),
            Reply::Failed { message } => format!("failed\n{message}"),
            Reply::Progress {
                job,
                states,
                transitions,
                depth,
                max_depth,
                elapsed_ms,
            } => format!(
                "progress {job} {states} {transitions} {depth} {max_depth} {}",
                elapsed_ms.to_bits()
            ),
            Reply::Done { job, result: r } => {
                let answer = match r.answer {
                    Answer::Safe => 0,
                    Answer::Unsafe => 1,
                    Answer::Incomplete => 2,
                };
                let (stop, limit) = match r.stop {
                    Stop::Complete => (0, 0),
                    Stop::StoppedAtFirst => (1, 0),
                    Stop::StateCap { limit } => (2, limit as u64),
                    Stop::TransitionBudget { limit } => (3, limit),
                    Stop::TimeBudget { limit_ms } => (4, limit_ms),
                    Stop::Cancelled => (5, 0),
                };
                let mut out = format!(
                    "done {job} {} {} {answer} {stop} {limit} {} {} {} {} {} {} {}",
                    r.name,
                    variant_code(&r.variant),
                    decimal(r.interleavings),
                    r.states,
                    r.transitions,
                    r.end_states,
                    r.bad_end_states,
                    r.error_steps,
                    r.elapsed_ms.to_bits()
                );
                if let Some(c) = &r.counterexample {
                    let kind = if c.kind == "lost" { "lost" } else { "at-risk" };
                    out.push_str(&format!(
                        " {kind}\n{}\n{}",
                        to_json_compact(&c.scenario),
                        c.summary
                    ));
                }
                out
            }
        }
    }

    /// Reads a string the worker posted.
    pub fn decode(text: &str) -> Result<Reply, String> {
        Reply::read(text).map_err(|e| format!("unreadable message from the explorer: {e}"))
    }

    fn read(text: &str) -> Result<Reply, String> {
        let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
        let mut f = Fields::new(first);
        Ok(match f.text()? {
            "ready" => Reply::Ready,
            "finished" => Reply::Finished,
            "failed" => Reply::Failed {
                message: rest.to_string(),
            },
            "progress" => Reply::Progress {
                job: f.usize()?,
                states: f.usize()?,
                transitions: f.u64()?,
                depth: f.usize()?,
                max_depth: f.usize()?,
                elapsed_ms: f.float()?,
            },
            "done" => {
                let job = f.usize()?;
                let name = f.text()?.to_string();
                let variant = variant_from_code(f.text()?)?;
                let answer = match f.num()? {
                    0 => Answer::Safe,
                    1 => Answer::Unsafe,
                    2 => Answer::Incomplete,
                    _ => return Err("unknown answer".to_string()),
                };
                let (stop, limit) = (f.num()?, f.u64()?);
                let stop = match stop {
                    0 => Stop::Complete,
                    1 => Stop::StoppedAtFirst,
                    2 => Stop::StateCap {
                        limit: limit as usize,
                    },
                    3 => Stop::TransitionBudget { limit },
                    4 => Stop::TimeBudget { limit_ms: limit },
                    5 => Stop::Cancelled,
                    _ => return Err("unknown stop".to_string()),
                };
                let mut result = VariantResult {
                    name,
                    variant,
                    answer,
                    stop,
                    interleavings: f.num()?,
                    states: f.usize()?,
                    transitions: f.u64()?,
                    end_states: f.usize()?,
                    bad_end_states: f.usize()?,
                    error_steps: f.u64()?,
                    elapsed_ms: f.float()?,
                    counterexample: None,
                };
                if let Some(kind) = f.0.next() {
                    let (scenario, summary) = rest.split_once('\n').unwrap_or((rest, ""));
                    result.counterexample = Some(Cex {
                        kind: if kind == "lost" { "lost" } else { "at risk" }.to_string(),
                        scenario: from_json(scenario).map_err(|e| e.to_string())?,
                        summary: summary.to_string(),
                    });
                }
                Reply::Done {
                    job,
                    result: Box::new(result),
                }
            }
            other => return Err(format!("unknown reply {other:?}")),
        })
    }
}

/// How often the worker posts progress, in milliseconds of work: often enough for a smooth bar, rarely
/// enough that posting costs nothing next to the search.
pub const PROGRESS_EVERY_MS: f64 = 50.0;

/// The worker's whole job: parses `request` (JSON), searches each job in turn, and hands each reply to
/// `post`. `now_ms` is the clock (`Date.now()` in the worker). Progress is posted at most every
/// [`PROGRESS_EVERY_MS`]; the time budget is enforced in the same callback by returning `Break`.
pub fn run_request(request: &str, now_ms: &dyn Fn() -> f64, post: &mut dyn FnMut(Reply)) {
    let request = match Request::decode(request) {
        Ok(r) => r,
        Err(e) if e.starts_with(SCENARIO_FAILS) => {
            post(Reply::Failed { message: e });
            return;
        }
        Err(e) => {
            post(Reply::Failed {
                message: format!("the explorer could not read its request: {e}"),
            });
            return;
        }
    };
    for (index, job) in request.jobs.iter().enumerate() {
        let start = now_ms();
        let mut last_post = f64::NEG_INFINITY;
        let mut timed_out = false;
        let result = explore(&request.scenario, &job.variant, &request.options, |p| {
            let now = now_ms();
            let elapsed = now - start;
            if now - last_post >= PROGRESS_EVERY_MS {
                last_post = now;
                post(Reply::Progress {
                    job: index,
                    states: p.states,
                    transitions: p.transitions,
                    depth: p.depth,
                    max_depth: p.max_depth,
                    elapsed_ms: elapsed,
                });
            }
            match request.time_budget_ms {
                Some(limit) if elapsed >= limit as f64 => {
                    timed_out = true;
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            }
        });
        match result {
            Ok(report) => post(Reply::Done {
                job: index,
                result: Box::new(VariantResult::from_report(
                    &job.name,
                    &report,
                    request.time_budget_ms,
                    timed_out,
                    now_ms() - start,
                )),
            }),
            Err(e) => {
                post(Reply::Failed {
                    message: format!("{SCENARIO_FAILS}{e}"),
                });
                return;
            }
        }
    }
    post(Reply::Finished);
}

/// The five presets on `arch`, plus `custom` when given and not itself a preset: the default jobs.
pub fn preset_jobs(arch: tlbrace_core::Arch, custom: Option<Variant>) -> Vec<Job> {
    let mut jobs: Vec<Job> = Preset::ALL
        .iter()
        .map(|p| Job {
            name: p.name().to_string(),
            variant: p.variant().on(arch),
        })
        .collect();
    if let Some(v) = custom {
        if v.preset().is_none() {
            jobs.push(Job {
                name: "custom".to_string(),
                variant: v.on(arch),
            });
        }
    }
    jobs
}

/// A count with thin-space thousands separators (`1 234 567`); past a trillion, `≈ 2.67 × 10^24`.
pub fn group(n: u128) -> String {
    if n >= 1_000_000_000_000 {
        let digits = decimal(n);
        let exp = digits.len() - 1;
        let mantissa = format!("{}.{}", &digits[..1], &digits[1..3]);
        return format!("≈ {mantissa} × 10^{exp}");
    }
    let digits = decimal(n);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// `n` in decimal, through `u64` formatting: `u128`'s own `Display` is a second integer formatter in
/// the page's wasm, for numbers that are nearly always below 10^19.
pub fn decimal(n: u128) -> String {
    const E19: u128 = 10_000_000_000_000_000_000;
    match u64::try_from(n) {
        Ok(small) => small.to_string(),
        Err(_) => format!("{}{:019}", decimal(n / E19), (n % E19) as u64),
    }
}

/// `1 state`, `12 345 states`: a grouped count and its noun.
pub fn count_of(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", group(n as u128))
}

/// Reads a number of seconds as typed (`30`, `2.5`, `+.25`, `1.`) into whole milliseconds, rounding
/// the fourth decimal half up; `None` for anything else (a sign, an exponent, `inf`, no digit).
///
/// Written out rather than `str::parse::<f64>`: that pulls core's float parser and its 10 KB table of
/// powers of five into the page's wasm, for one input field.
pub fn parse_seconds_ms(text: &str) -> Option<u64> {
    let text = text.strip_prefix('+').unwrap_or(text);
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + frac.len() == 0 || !digits(whole) || !digits(frac) {
        return None;
    }
    let mut ms: u64 = 0;
    for b in whole.bytes() {
        ms = ms.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    ms = ms.checked_mul(1000)?;
    let mut frac_digits = frac.bytes().map(|b| u64::from(b - b'0'));
    let mut scale = 100;
    for _ in 0..3 {
        ms = ms.checked_add(frac_digits.next().unwrap_or(0) * scale)?;
        scale /= 10;
    }
    if frac_digits.next().unwrap_or(0) >= 5 {
        ms = ms.checked_add(1)?;
    }
    Some(ms)
}

/// Milliseconds as seconds for people: `0.4`, `2`, `12.5`.
pub fn seconds(ms: f64) -> String {
    let s = ms / 1000.0;
    if (s - s.round()).abs() < 1e-9 {
        format!("{}", s.round() as i64)
    } else {
        tenths(s)
    }
}

/// `v` with one decimal, as `{:.1}` writes it for the non-negative values here: `{:.1}` on a float
/// links core's float formatting (Grisu, Dragon4 and their tables) into the page's wasm.
fn tenths(v: f64) -> String {
    let t = (v * 10.0).round_ties_even() as u64;
    format!("{}.{}", t / 10, t % 10)
}

/// A search's wall-clock time: `0.4 ms`, `85 ms`, `2.3 s`.
pub fn duration(ms: f64) -> String {
    if ms < 10.0 {
        format!("{} ms", tenths(ms))
    } else if ms < 1000.0 {
        format!("{} ms", ms.round_ties_even() as u64)
    } else {
        format!("{} s", seconds((ms / 100.0).round() * 100.0))
    }
}

/// The progress line under the bar: "v5.12 (2 of 5): 123 456 states, 1.2 s".
pub fn progress_text(
    job_name: &str,
    job: usize,
    jobs: usize,
    states: usize,
    elapsed_ms: f64,
) -> String {
    format!(
        "{job_name} ({} of {jobs}): {} visited, {} s",
        job + 1,
        count_of(states, "state"),
        seconds((elapsed_ms / 100.0).round() * 100.0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_read_into_milliseconds_without_floats() {
        for (text, ms) in [
            ("30", Some(30_000)),
            ("2.5", Some(2_500)),
            ("+.25", Some(250)),
            ("1.", Some(1_000)),
            ("0.0004", Some(0)),
            ("0.0005", Some(1)),
            ("0.1239", Some(124)),
            ("007", Some(7_000)),
            ("", None),
            (".", None),
            ("-1", None),
            ("1e3", None),
            ("inf", None),
            ("1.2.3", None),
            (" 1", None),
            ("99999999999999999999", None),
        ] {
            assert_eq!(parse_seconds_ms(text), ms, "{text:?}");
        }
    }
    use tlbrace_core::examples::example;
    use tlbrace_core::Arch;

    fn request(options: Options, time_budget_ms: Option<u64>) -> String {
        Request {
            scenario: example("example-1").unwrap(),
            jobs: preset_jobs(Arch::X86, None),
            options,
            time_budget_ms,
        }
        .encode()
    }

    #[test]
    fn the_worker_finds_example_1_unsafe_under_the_mainline_presets() {
        let mut replies = Vec::new();
        let clock = std::cell::Cell::new(0.0);
        let now = || {
            clock.set(clock.get() + 1.0);
            clock.get()
        };
        run_request(&request(Options::default(), None), &now, &mut |r| {
            // Every reply survives the trip over the wire.
            let back = Reply::decode(&r.encode()).unwrap();
            assert_eq!(back, r);
            replies.push(r);
        });
        assert_eq!(replies.last(), Some(&Reply::Finished));
        assert!(replies.iter().any(|r| matches!(r, Reply::Progress { .. })));
        let answers: Vec<(String, Answer)> = replies
            .iter()
            .filter_map(|r| match r {
                Reply::Done { result, .. } => Some((result.name.clone(), result.answer)),
                _ => None,
            })
            .collect();
        assert_eq!(
            answers,
            vec![
                ("v5.10-rc4".to_string(), Answer::Unsafe),
                ("will-4+6".to_string(), Answer::Unsafe),
                ("yu-fix".to_string(), Answer::Safe),
                ("yu-fix+flush".to_string(), Answer::Safe),
                ("v5.12".to_string(), Answer::Unsafe),
            ]
        );
        for r in &replies {
            if let Reply::Done { result, .. } = r {
                match &result.counterexample {
                    Some(c) => {
                        let t = tlbrace_core::run(&c.scenario, &result.variant).unwrap();
                        assert_eq!(t.verdict.label(), c.kind);
                        assert!(result.describe().starts_with("unsafe"));
                    }
                    None => assert_eq!(result.describe(), "safe: no interleaving loses data"),
                }
            }
        }
    }

    #[test]
    fn a_time_budget_stops_the_search_and_says_so() {
        let mut results = Vec::new();
        // A clock that jumps a second per reading: the budget of 1 s is spent at the first check.
        let clock = std::cell::Cell::new(0.0);
        let now = || {
            clock.set(clock.get() + 1000.0);
            clock.get()
        };
        run_request(&request(Options::exact(), Some(1000)), &now, &mut |r| {
            if let Reply::Done { result, .. } = r {
                results.push(result);
            }
        });
        assert_eq!(results.len(), 5);
        for r in &results {
            assert_eq!(r.stop, Stop::TimeBudget { limit_ms: 1000 });
            assert_eq!(r.answer, Answer::Incomplete);
            assert_eq!(
                r.describe(),
                format!(
                    "incomplete: time budget of 1 s reached after {}; nothing bad found so far",
                    count_of(r.states, "state")
                )
            );
        }
    }

    #[test]
    fn bad_requests_and_scenarios_fail_with_a_message() {
        let mut replies = Vec::new();
        run_request("{not json", &|| 0.0, &mut |r| replies.push(r));
        assert!(matches!(&replies[..], [Reply::Failed { message }] if message.contains("request")));

        let mut s = example("example-1").unwrap();
        s.steps[0].cpu = 7; // beyond the scenario's 4 lanes
        let req = Request {
            scenario: s,
            jobs: preset_jobs(Arch::X86, None),
            options: Options::default(),
            time_budget_ms: None,
        }
        .encode();
        let mut replies = Vec::new();
        run_request(&req, &|| 0.0, &mut |r| replies.push(r));
        assert!(
            matches!(&replies[..], [Reply::Failed { message }] if message.starts_with("the scenario cannot be explored")),
            "{replies:?}"
        );
    }

    #[test]
    fn the_wire_form_round_trips_and_rejects_garbage() {
        assert_eq!(
            Reply::decode("failed\nx\ny").unwrap(),
            Reply::Failed {
                message: "x\ny".into()
            }
        );
        assert_eq!(Reply::Ready.encode(), "ready");
        for bad in [
            "",
            "nonsense",
            "progress 1 2",
            "progress 1 2 3 4 5x 0",
            "progress -1 2 3 4 5 0",
            "progress 1 2 3 4 5 999999999999999999999999999999999999999999",
            "done 0 v5.12 9999 0 0 0 1 1 1 1 1 1 0",
        ] {
            assert!(Reply::decode(bad).is_err(), "{bad:?}");
        }
        let done = Reply::Done {
            job: 2,
            result: Box::new(VariantResult {
                name: "v5.12".into(),
                variant: Preset::V5_12.variant(),
                answer: Answer::Incomplete,
                stop: Stop::TimeBudget { limit_ms: 2500 },
                interleavings: u128::MAX,
                states: 7,
                transitions: u64::MAX,
                end_states: 3,
                bad_end_states: 0,
                error_steps: 1,
                elapsed_ms: 0.1,
                counterexample: None,
            }),
        };
        assert_eq!(Reply::decode(&done.encode()).unwrap(), done);
        let p = Reply::Progress {
            job: 1,
            states: 123_456,
            transitions: 1 << 40,
            depth: 7,
            max_depth: 13,
            elapsed_ms: 51.5,
        };
        assert_eq!(Reply::decode(&p.encode()).unwrap(), p);
        // Every variant the four policies can make reads back.
        for skip in [SkipTest::Mainline, SkipTest::ChecksPending, SkipTest::Never] {
            for batching in [
                Batching::NestedOnly,
                Batching::Recorded,
                Batching::Mm,
                Batching::None,
            ] {
                for gather_mode in [GatherMode::Fullmm, GatherMode::Ranged] {
                    for arch in [Arch::X86, Arch::Arm64] {
                        let v = Variant {
                            skip_test: skip,
                            batching,
                            gather_mode,
                            arch,
                        };
                        assert_eq!(variant_from_code(&variant_code(&v)), Ok(v));
                    }
                }
            }
        }
        let request = Request {
            scenario: example("example-2a").unwrap(),
            jobs: preset_jobs(Arch::Arm64, None),
            options: Options {
                max_states: 77,
                max_transitions: u64::MAX,
                reduction: false,
                abstraction: true,
                stop_at_first: true,
            },
            time_budget_ms: Some(2500),
        };
        let back = Request::decode(&request.encode()).unwrap();
        assert_eq!(back.jobs, request.jobs);
        assert_eq!(back.time_budget_ms, Some(2500));
        assert_eq!(back.scenario, request.scenario);
        assert_eq!(
            (back.options.max_states, back.options.max_transitions),
            (77, u64::MAX)
        );
        assert!(!back.options.reduction && back.options.abstraction && back.options.stop_at_first);
        assert!(Request::decode("tlbrace-explore/0\n1 1 1 1 1 -\n\n{}").is_err());
    }

    #[test]
    fn counts_and_times_read_well() {
        for n in [
            0,
            9,
            10,
            1 << 64,
            u128::MAX,
            10u128.pow(19),
            10u128.pow(19) - 1,
            10u128.pow(38) + 7,
        ] {
            assert_eq!(decimal(n), n.to_string());
        }
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1\u{2009}000");
        assert_eq!(group(900_900), "900\u{2009}900");
        assert_eq!(group(1_234_567), "1\u{2009}234\u{2009}567");
        assert_eq!(group(2_670_177_736_637_149_247_308_800), "≈ 2.67 × 10^24");
        assert_eq!(count_of(1, "state"), "1 state");
        assert_eq!(count_of(4_000, "state"), "4\u{2009}000 states");
        assert_eq!(duration(0.42), "0.4 ms");
        assert_eq!(duration(85.2), "85 ms");
        assert_eq!(duration(2_345.0), "2.3 s");
        assert_eq!(seconds(2000.0), "2");
        assert_eq!(seconds(1250.0), "1.2");
        // The hand-written decimals agree with float formatting, but at a decimal tie (0.05 s), where
        // they round to even and `{:.1}` goes by the binary value's last bits.
        for ms in (0..20_000u32).map(f64::from).chain([0.42, 85.2, 1e9]) {
            assert_eq!(tenths(ms), format!("{ms:.1}"), "{ms}");
            if ms % 100.0 != 50.0 {
                assert_eq!(tenths(ms / 1000.0), format!("{:.1}", ms / 1000.0), "{ms}");
            }
        }
        assert_eq!(seconds(50.0), "0.0");
        assert_eq!(seconds(150.0), "0.2");
        assert_eq!(
            progress_text("v5.12", 4, 5, 12_345, 1_260.0),
            "v5.12 (5 of 5): 12\u{2009}345 states visited, 1.3 s"
        );
    }

    #[test]
    fn a_custom_variant_is_searched_only_when_it_is_not_a_preset() {
        assert_eq!(preset_jobs(Arch::X86, None).len(), 5);
        assert_eq!(
            preset_jobs(Arch::X86, Some(Preset::V5_12.variant())).len(),
            5
        );
        let custom = Variant {
            skip_test: tlbrace_core::SkipTest::Never,
            ..Preset::V5_10Rc4.variant()
        };
        let jobs = preset_jobs(Arch::Arm64, Some(custom));
        assert_eq!(jobs.len(), 6);
        assert_eq!(jobs[5].name, variant_key(&custom));
        assert!(jobs.iter().all(|j| j.variant.arch == Arch::Arm64));
    }
}
