//! What the page and the explorer's Web Worker say to each other, and the worker's side of it.
//!
//! The search ([`tlbrace_core::explore`]) can take seconds to minutes, so it never runs on the page's
//! thread: the Explorer panel posts one [`Request`] to a dedicated worker ([`crate::worker`],
//! the page's own wasm in a worker scope), which answers with a stream of [`Reply`]s. Both directions are
//! JSON strings: `serde_json` is already linked by the core (scenario format), so this costs no new
//! dependency.
//!
//! Core's [`Report`] is only `Serialize`; the page needs a few of its numbers, the verdict-relevant
//! outcome and the counterexample timeline, so the worker condenses each report into a
//! [`VariantResult`] (see [`VariantResult::from_report`]) that both sides can (de)serialise.
//! [`run_request`] is the worker's whole job, written over a clock and a sink so it runs (and is tested)
//! natively too.

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};
use tlbrace_core::explore::{explore, Bad, Finding, Options, Outcome, Report};
use tlbrace_core::{Preset, Scenario, Variant};

/// The name `data-variant` and the results table use for a variant: the preset's name (the
/// architecture is chosen once for the whole run), else `custom`.
pub fn variant_key(variant: &Variant) -> String {
    variant
        .preset()
        .map_or_else(|| "custom".to_string(), |p| p.name().to_string())
}

/// One variant to search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Its key ([`variant_key`]): `v5.12`, `custom`, …
    pub name: String,
    /// The variant, architecture included.
    pub variant: Variant,
}

/// Page → worker: search these variants of this scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
// Externally tagged, like `Reply`: an internally tagged enum makes serde buffer the whole object in its
// generic `Content` type, which costs the page's wasm tens of KB.
#[serde(rename_all = "kebab-case")]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cex {
    /// `lost` or `at risk`.
    pub kind: String,
    /// The reordered timeline (confirmed by `trace::run` in core).
    pub scenario: Scenario,
    /// Core's one-sentence account of what went wrong in it.
    pub summary: String,
}

/// One variant's search, condensed from core's [`Report`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    /// The variant's key ([`variant_key`]).
    pub name: String,
    /// The variant searched.
    pub variant: Variant,
    /// Safe, unsafe or incomplete.
    pub answer: Answer,
    /// Why the search ended.
    pub stop: Stop,
    /// How many interleavings the programs have: what a complete search stands for. Sent as a decimal
    /// string: JSON numbers past 2^53 lose digits in many readers, and serde cannot buffer a `u128`.
    #[serde(with = "u128_decimal")]
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

/// A `u128` as a decimal string on the wire.
mod u128_decimal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(n: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&n.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// Externally tagged (`{"done": {...}}`): see `Stop`.
#[serde(rename_all = "kebab-case")]
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

impl Reply {
    /// The JSON string posted to the page.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            // Only a non-string map key could fail here; say so instead of going silent.
            format!(r#"{{"failed":{{"message":"cannot encode a reply: {e}"}}}}"#)
        })
    }

    /// Reads a string the worker posted.
    pub fn from_json(text: &str) -> Result<Reply, String> {
        serde_json::from_str(text).map_err(|e| format!("unreadable message from the explorer: {e}"))
    }
}

/// How often the worker posts progress, in milliseconds of work: often enough for a smooth bar, rarely
/// enough that posting costs nothing next to the search.
pub const PROGRESS_EVERY_MS: f64 = 50.0;

/// The worker's whole job: parses `request` (JSON), searches each job in turn, and hands each reply to
/// `post`. `now_ms` is the clock (`Date.now()` in the worker). Progress is posted at most every
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
                    message: format!("the scenario cannot be explored: {e}"),
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
        let digits = n.to_string();
        let exp = digits.len() - 1;
        let mantissa = format!("{}.{}", &digits[..1], &digits[1..3]);
        return format!("≈ {mantissa} × 10^{exp}");
    }
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
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
        serde_json::to_string(&Request {
            scenario: example("example-1").unwrap(),
            jobs: preset_jobs(Arch::X86, None),
            options,
            time_budget_ms,
        })
        .unwrap()
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
            // Every reply survives the trip through JSON.
            let back = Reply::from_json(&r.to_json()).unwrap();
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
        let req = serde_json::to_string(&Request {
            scenario: s,
            jobs: preset_jobs(Arch::X86, None),
            options: Options::default(),
            time_budget_ms: None,
        })
        .unwrap();
        let mut replies = Vec::new();
        run_request(&req, &|| 0.0, &mut |r| replies.push(r));
        assert!(
            matches!(&replies[..], [Reply::Failed { message }] if message.starts_with("the scenario cannot be explored")),
            "{replies:?}"
        );
    }

    #[test]
    fn the_wire_form_is_externally_tagged() {
        // The fallback `to_json` writes by hand must read back as a failure.
        assert_eq!(
            Reply::from_json(r#"{"failed":{"message":"x"}}"#).unwrap(),
            Reply::Failed {
                message: "x".into()
            }
        );
        assert_eq!(Reply::Ready.to_json(), r#""ready""#);
    }

    #[test]
    fn counts_and_times_read_well() {
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
