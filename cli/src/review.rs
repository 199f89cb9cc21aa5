//! What a reviewer asks next: `tlbrace fix` (which changes close the race), `tlbrace diff` (where two
//! kernels part ways) and `tlbrace reply` (a reply ready to mail). Each is a thin layer over core.

use std::ops::ControlFlow;

use tlbrace_core::formats::reply::reply;
use tlbrace_core::model::diff::diff;
use tlbrace_core::search::explore::Options;
use tlbrace_core::search::fix::{find_fixes, FixOptions};

use crate::{load, parse_spec, ArchArg};

/// Arguments of `tlbrace fix`.
#[derive(clap::Args)]
pub struct FixArgs {
    /// The scenario: a file, `-`, a built-in example name, or a share link.
    scenario: String,
    /// The kernel to start from (any variant spec).
    #[arg(long, default_value = "v5.10-rc4")]
    base: String,
    /// The architecture, for a base without `@`.
    #[arg(long, value_enum, default_value_t = ArchArg::X86)]
    arch: ArchArg,
    /// The most fixes one answer may change.
    #[arg(long, default_value_t = 3)]
    max_changes: usize,
    /// Stop each exploration after this many states.
    #[arg(long)]
    max_states: Option<usize>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// `tlbrace fix`.
pub fn cmd_fix(args: &FixArgs) -> Result<(), String> {
    let scenario = load::load_scenario(&args.scenario)?;
    let base = parse_spec(&args.base, args.arch.into())?;
    let mut explore = Options::default();
    if let Some(n) = args.max_states {
        explore.max_states = n;
    }
    let options = FixOptions {
        max_changes: args.max_changes,
        explore,
    };
    let r = find_fixes(&scenario, &base, &options, |_| ControlFlow::Continue(()))
        .map_err(|e| e.to_string())?;
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&r).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    if !r.base_unsafe {
        outln!(
            "No interleaving does harm under {}: nothing to fix.",
            base.name()
        );
        return Ok(());
    }
    outln!(
        "From {}: {} change set(s) close the race in every interleaving ({} kernels explored, up to {} changes):",
        base.name(),
        r.closing.len(),
        r.explored,
        args.max_changes
    );
    for c in &r.closing {
        let presets: Vec<&str> = c.presets.iter().map(|p| p.name()).collect();
        let also = if presets.is_empty() {
            String::new()
        } else {
            format!("   (these changes are also in {})", presets.join(", "))
        };
        outln!("\n* {}{also}", c.variant.name());
        for ch in &c.changes {
            outln!("    - {}", ch.words());
        }
    }
    if !r.tempting.is_empty() {
        outln!(
            "\nTempting but not enough: these hold the timeline as drawn, not every interleaving:"
        );
        for t in &r.tempting {
            let order: Vec<String> = t
                .counterexample
                .scenario
                .steps
                .iter()
                .map(|s| format!("CPU{} {}", s.cpu, s.action.label()))
                .collect();
            outln!(
                "\n* {}: still {} in this order:",
                t.variant.name(),
                t.counterexample.verdict.label()
            );
            for (i, o) in order.iter().enumerate() {
                outln!("    {:>2}. {o}", i + 1);
            }
        }
    }
    Ok(())
}

/// Arguments of `tlbrace diff`.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// The scenario.
    scenario: String,
    /// The first kernel (a variant spec).
    a: String,
    /// The second kernel.
    b: String,
    /// The architecture, for specs without `@`.
    #[arg(long, value_enum, default_value_t = ArchArg::X86)]
    arch: ArchArg,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// `tlbrace diff`.
pub fn cmd_diff(args: &DiffArgs) -> Result<(), String> {
    let scenario = load::load_scenario(&args.scenario)?;
    let a = parse_spec(&args.a, args.arch.into())?;
    let b = parse_spec(&args.b, args.arch.into())?;
    let d = diff(&scenario, &a, &b).map_err(|e| e.to_string())?;
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&d).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let (na, nb) = (a.name(), b.name());
    outln!("{na}: {}   {nb}: {}", d.verdicts.0, d.verdicts.1);
    let name = |i: usize| {
        let st = &scenario.steps[i];
        format!("step {} (CPU{} {})", i + 1, st.cpu, st.action.label())
    };
    for s in &d.bookkeeping {
        let fields: Vec<String> = s
            .fields
            .iter()
            .map(|f| format!("{} {} vs {}", f.field, f.a, f.b))
            .collect();
        outln!(
            "{}: only the kernel's bookkeeping differs: {}",
            name(s.step),
            fields.join("; ")
        );
    }
    let Some(first) = d.first else {
        outln!("The two kernels never part ways on this timeline.");
        return Ok(());
    };
    outln!("\nThey part ways at {}:", name(first.step));
    let why: Vec<&str> = first.fixes.iter().map(|f| f.name()).collect();
    if !why.is_empty() {
        outln!("  decided by: {}", why.join(", "));
    }
    outln!("  {na}: {}", first.a_text);
    outln!("  {nb}: {}", first.b_text);
    outln!("  {:<24} {:<16} {}", "field", na, nb);
    for f in &first.fields {
        outln!("  {:<24} {:<16} {}", f.field, f.a, f.b);
    }
    Ok(())
}

/// Arguments of `tlbrace reply`.
#[derive(clap::Args)]
pub struct ReplyArgs {
    /// The scenario.
    scenario: String,
    /// The playground's address the link points to (default: the bare fragment, which the
    /// playground's paste box and `tlbrace` read too).
    #[arg(long, default_value = "")]
    url: String,
    /// The architecture the verdicts are for.
    #[arg(long, value_enum, default_value_t = ArchArg::X86)]
    arch: ArchArg,
}

/// `tlbrace reply`.
pub fn cmd_reply(args: &ReplyArgs) -> Result<(), String> {
    let scenario = load::load_scenario(&args.scenario)?;
    out!("{}", reply(&scenario, args.arch.into(), &args.url));
    Ok(())
}
