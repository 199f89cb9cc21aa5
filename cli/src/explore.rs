//! `tlbrace explore` and `tlbrace minimize`: every interleaving of a scenario's per-CPU programs, per
//! variant, and the smallest timeline that still loses data.

use std::ops::ControlFlow;
use std::time::Instant;

use serde::Serialize;
use tlbrace_core::search::explore::{self, Finding, Options, Report};
use tlbrace_core::{formats::json, Arch, Preset, Scenario, Variant, Verdict};

use crate::load;

/// Arguments of `tlbrace explore`.
#[derive(clap::Args)]
pub struct ExploreArgs {
    /// A scenario: a file (JSON, share link or ASCII diagram), `-`, an example name or a share link.
    scenario: String,
    /// Only these presets (repeatable); `name@arm64` for arm64. Default: every preset.
    #[arg(long = "variant", short = 'v', conflicts_with = "all")]
    variants: Vec<String>,
    /// Every preset (the default when no --variant is given).
    #[arg(long)]
    all: bool,
    /// The architecture for the presets when no --variant is given.
    #[arg(long, value_enum, default_value_t = crate::ArchArg::X86)]
    arch: crate::ArchArg,
    /// Stop after storing this many distinct states.
    #[arg(long, default_value_t = explore::DEFAULT_MAX_STATES)]
    max_states: usize,
    /// Stop after trying this many steps.
    #[arg(long)]
    max_transitions: Option<u64>,
    /// No partial-order reduction and no state abstraction: every concrete state is stored and every
    /// interleaving counted (for comparing state counts with other model checkers).
    #[arg(long)]
    exact: bool,
    /// Stop at the first confirmed loss instead of completing the statistics.
    #[arg(long)]
    first: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// Arguments of `tlbrace minimize`.
#[derive(clap::Args)]
pub struct MinimizeArgs {
    /// A scenario: a file (JSON, share link or ASCII diagram), `-`, an example name or a share link.
    scenario: String,
    /// The variant under which the timeline loses data, e.g. `will-4+6` or `v5.12@arm64`.
    #[arg(long = "variant", short = 'v')]
    variant: String,
    /// Remove a `write page to disk` only together with the `page_mkclean_one` just before it on the
    /// same CPU, as clear_page_dirty_for_io runs them (the model alone would drop the mkclean).
    #[arg(long)]
    keep_writeback_pairs: bool,
    /// Print the minimised scenario as JSON (ready for `tlbrace run -`).
    #[arg(long)]
    json: bool,
}

fn parse_variant(name: &str) -> Result<Variant, String> {
    Variant::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
        format!("unknown variant `{name}`; presets: {}", names.join(", "))
    })
}

#[derive(Serialize)]
struct JsonRun<'a> {
    variant: String,
    finding: Finding,
    summary: String,
    elapsed_ms: f64,
    #[serde(flatten)]
    report: &'a Report,
}

/// Runs `tlbrace explore`.
pub fn cmd_explore(args: &ExploreArgs) -> Result<(), String> {
    let scenario = load::load_scenario(&args.scenario)?;
    scenario.validate().map_err(|e| e.to_string())?;
    let variants: Vec<Variant> = if args.variants.is_empty() {
        let arch: Arch = args.arch.into();
        Preset::ALL.iter().map(|p| p.variant().on(arch)).collect()
    } else {
        args.variants
            .iter()
            .map(|n| parse_variant(n))
            .collect::<Result<_, _>>()?
    };
    let base = if args.exact {
        Options::exact()
    } else {
        Options::default()
    };
    let options = Options {
        max_states: args.max_states,
        max_transitions: args.max_transitions.unwrap_or(u64::MAX),
        stop_at_first: args.first,
        ..base
    };
    let mut runs = Vec::new();
    for v in &variants {
        let start = Instant::now();
        let report = explore::explore(&scenario, v, &options, |_| ControlFlow::Continue(()))
            .map_err(|e| e.to_string())?;
        runs.push((report, start.elapsed().as_secs_f64() * 1e3));
    }

    if args.json {
        let out: Vec<JsonRun> = runs
            .iter()
            .map(|(r, ms)| JsonRun {
                variant: r.variant.name(),
                finding: r.finding(),
                summary: summary(r),
                elapsed_ms: *ms,
                report: r,
            })
            .collect();
        let doc = serde_json::json!({
            "title": scenario.title,
            "programs": scenario.programs().iter().map(Vec::len).collect::<Vec<_>>(),
            "runs": out,
        });
        outln!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
        );
        return Ok(());
    }

    if let Some(t) = &scenario.title {
        outln!("{t}");
    }
    let lanes: Vec<String> = scenario
        .programs()
        .iter()
        .enumerate()
        .map(|(c, p)| format!("CPU{c} {}", p.len()))
        .collect();
    let total = runs.first().map_or(0, |(r, _)| r.interleavings);
    outln!(
        "programs: {} steps; {} interleavings{}",
        lanes.join(", "),
        count(total),
        if args.exact {
            " (exact search: no reduction, no abstraction)"
        } else {
            ""
        }
    );
    for (r, ms) in &runs {
        outln!();
        let name = r.variant.name();
        let finding = match r.finding() {
            Finding::Safe => "SAFE",
            Finding::Unsafe => "UNSAFE",
            Finding::Unknown => "UNKNOWN",
        };
        outln!("{name}: {finding} — {}", summary(r));
        outln!(
            "  {} states, {} steps tried, {} end states ({} lost, {} at risk), {:.1} ms",
            r.states,
            r.transitions,
            r.end_states,
            r.lost_end_states,
            r.at_risk_end_states,
            ms
        );
        if r.error_steps > 0 {
            let example = r.first_error.as_ref().map_or(String::new(), |e| {
                format!(
                    "; e.g. after {} step(s): {}",
                    e.order.len().saturating_sub(1),
                    e.message
                )
            });
            outln!(
                "  {} step(s) tried cannot happen in the order tried{example}",
                r.error_steps
            );
        }
        if let Some(cex) = &r.counterexample {
            outln!(
                "  counterexample ({}): {}",
                cex.kind.label(),
                cex.verdict.summary(&cex.scenario)
            );
            print_steps(&cex.scenario, &cex.verdict, "  ");
        }
    }
    Ok(())
}

/// A timeline one step per line (`*` marks the steps that decide `verdict`), each line after `indent`.
fn print_steps(scenario: &Scenario, verdict: &Verdict, indent: &str) {
    let decisive = verdict.decisive_steps();
    for (k, st) in scenario.steps.iter().enumerate() {
        let mark = if decisive.contains(&k) { '*' } else { ' ' };
        let note = st
            .note
            .as_ref()
            .map_or(String::new(), |n| format!("  [{n}]"));
        outln!(
            "{indent}{mark}{:>3}  CPU{}  {}{note}",
            k + 1,
            st.cpu,
            st.action.label()
        );
    }
}

/// One line: what the search covered and found.
fn summary(r: &Report) -> String {
    let covered = match r.outcome {
        explore::Outcome::Complete => {
            format!("all {} interleavings covered", count(r.interleavings))
        }
        o => o.describe(r.states),
    };
    match (r.finding(), &r.counterexample) {
        (Finding::Unsafe, Some(cex)) => {
            let at = match cex.verdict {
                tlbrace_core::Verdict::Lost { drop, .. } => format!(" at step {}", drop + 1),
                _ => String::new(),
            };
            format!("an interleaving ends {}{at} ({covered})", cex.kind.label())
        }
        (Finding::Safe, _) => format!("no interleaving loses data ({covered})"),
        _ => format!("nothing found so far ({covered})"),
    }
}

/// A count for people: saturated counts say so.
fn count(n: u128) -> String {
    if n == u128::MAX {
        "at least 2^128".to_string()
    } else {
        n.to_string()
    }
}

/// Runs `tlbrace minimize`.
pub fn cmd_minimize(args: &MinimizeArgs) -> Result<(), String> {
    let scenario: Scenario = load::load_scenario(&args.scenario)?;
    let variant = parse_variant(&args.variant)?;
    let small = explore::minimize_with(&scenario, &variant, args.keep_writeback_pairs)
        .map_err(|e| e.to_string())?;
    if args.json {
        outln!("{}", json::to_json(&small));
        return Ok(());
    }
    let trace = tlbrace_core::run(&small, &variant).map_err(|e| e.to_string())?;
    outln!(
        "{} of {} steps are needed under {}; no single {} can be removed:",
        small.steps.len(),
        scenario.steps.len(),
        variant.name(),
        if args.keep_writeback_pairs {
            "step or mkclean + writeback pair"
        } else {
            "one"
        }
    );
    print_steps(&small, &trace.verdict, "");
    outln!("{}", trace.verdict.summary(&small));
    Ok(())
}
