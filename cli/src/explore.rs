//! `tlbrace explore` and `tlbrace minimize`: every interleaving of a scenario's per-CPU programs, per
//! variant, and the smallest timeline that still goes wrong the same way.

use std::ops::ControlFlow;
use std::time::Instant;

use serde::Serialize;
use tlbrace_core::search::explore::{self, Finding, Options, Report};
use tlbrace_core::search::minimize::minimize_with;
use tlbrace_core::{formats::json, Arch, Preset, Scenario, Variant, Verdict};

use crate::{load, parse_spec};

/// Arguments of `tlbrace explore`.
#[derive(clap::Args)]
pub struct ExploreArgs {
    /// A scenario: a file (JSON, share link or ASCII diagram), `-`, an example name or a share link.
    scenario: String,
    /// Only these variants (repeatable): any spec `tlbrace run --variant` takes (`v5.12`,
    /// `v5.10-rc4+yu-mkclean-pending@arm64`, `v4.13+912efa17e512`). Default: every preset.
    #[arg(
        long = "variant",
        short = 'v',
        value_name = "SPEC",
        conflicts_with = "all"
    )]
    variants: Vec<String>,
    /// Every preset (the default when no --variant is given).
    #[arg(long)]
    all: bool,
    /// The architecture of the presets, and of every spec without `@…`.
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
    /// Stop at the first confirmed harm instead of completing the statistics.
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
    /// The variant under which the timeline goes wrong: any spec `tlbrace run --variant` takes, e.g.
    /// `will-4+6`, `v5.12@arm64` or `v5.10-rc4+yu-mkclean-pending`.
    #[arg(long = "variant", short = 'v', value_name = "SPEC")]
    variant: String,
    /// Remove a writeback (`page_mkclean_one` and the `write page to disk` after it on the same CPU)
    /// only whole, never its I/O alone.
    #[arg(long)]
    keep_writeback_pairs: bool,
    /// Print the minimised scenario as JSON (ready for `tlbrace run -`).
    #[arg(long)]
    json: bool,
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
    let arch: Arch = args.arch.into();
    let variants: Vec<Variant> = if args.variants.is_empty() {
        Preset::ALL.iter().map(|p| p.variant().on(arch)).collect()
    } else {
        args.variants
            .iter()
            .map(|n| parse_spec(n, arch))
            .collect::<Result<_, _>>()?
    };
    let irregular = crate::warn_irregular(&scenario);
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
            "irregular": crate::irregular_json(&irregular),
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
        let stuck = if r.stuck_end_states > 0 {
            format!(", {} stuck on a lock", r.stuck_end_states)
        } else {
            String::new()
        };
        outln!(
            "  {} states, {} steps tried, {} end states ({} harmed, {} at risk{stuck}), {:.1} ms",
            r.states,
            r.transitions,
            r.end_states,
            r.harmed_end_states,
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
            let what = match cex.verdict {
                Verdict::Harmed { step, bad, .. } => {
                    format!("does harm ({}) at step {}", bad.id(), step + 1)
                }
                _ => format!("ends {}", cex.kind.label()),
            };
            format!("an interleaving {what} ({covered})")
        }
        (Finding::Safe, _) => format!("no interleaving does harm or ends at risk ({covered})"),
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
    let variant = parse_spec(&args.variant, Arch::X86)?;
    crate::warn_irregular(&scenario);
    let small =
        minimize_with(&scenario, &variant, args.keep_writeback_pairs).map_err(|e| e.to_string())?;
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
            "path tail (writebacks whole)"
        } else {
            "path tail"
        }
    );
    print_steps(&small, &trace.verdict, "");
    outln!("{}", trace.verdict.summary(&small));
    Ok(())
}
