//! `tlbrace`: the model on the command line, for scripts, CI and benchmarks.

/// `println!` for the command's output. A reader that stops early (`tlbrace … | head`) ends the program
/// quietly, as Unix tools do, instead of the panic `println!` gives on a closed pipe.
macro_rules! outln {
    () => { $crate::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` with [`outln!`]'s handling of a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_stdout(format_args!($($arg)*)) };
}

mod convert;
mod diagram;
mod explore;
mod load;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
use tlbrace_core::examples::EXAMPLES;
use tlbrace_core::{run, Action, Arch, KernelPath, Preset, Scenario, Trace, Variant};

#[derive(Parser)]
#[command(
    name = "tlbrace",
    version,
    about = "Run Linux TLB-flush race diagrams under every kernel variant"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario under every preset (or the ones named) and print each verdict.
    Run(RunArgs),
    /// List the built-in examples (the seed thread's diagrams).
    Examples,
    /// List the variant presets and their policies.
    Variants,
    /// List the actions a lane can hold.
    Actions,
    /// Search every interleaving of the per-CPU programs for one that loses data, per variant.
    Explore(explore::ExploreArgs),
    /// Shrink a losing timeline until no single step can be removed.
    Minimize(explore::MinimizeArgs),
    /// Convert a scenario between share links, JSON, ASCII diagrams and SVG.
    Convert(convert::ConvertArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// A scenario: a file (JSON, share link or ASCII diagram), `-` for standard input, a built-in
    /// example name, or a share link (`https://…#v1.…` or `v1.…`).
    scenario: String,
    /// Only these presets (repeatable); `name@arm64` for arm64. Default: every preset.
    #[arg(long = "variant", short = 'v')]
    variants: Vec<String>,
    /// The architecture for the presets when no --variant is given.
    #[arg(long, value_enum, default_value_t = ArchArg::X86)]
    arch: ArchArg,
    /// Print the diagram with the state after every step and the step-by-step explanation.
    #[arg(long)]
    explain: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// The architecture a run or a picture assumes.
#[derive(Clone, Copy, ValueEnum)]
enum ArchArg {
    X86,
    Arm64,
}

impl From<ArchArg> for Arch {
    fn from(a: ArchArg) -> Arch {
        match a {
            ArchArg::X86 => Arch::X86,
            ArchArg::Arm64 => Arch::Arm64,
        }
    }
}

/// Writes the command's output; see [`outln!`].
fn write_stdout(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("tlbrace: cannot write standard output: {e}");
        std::process::exit(1);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cmd_run(&args),
        Command::Explore(args) => explore::cmd_explore(&args),
        Command::Minimize(args) => explore::cmd_minimize(&args),
        Command::Convert(args) => convert::cmd_convert(&args),
        Command::Examples => {
            for e in EXAMPLES {
                outln!("{:<24} {}", e.name, e.description);
            }
            Ok(())
        }
        Command::Variants => {
            for p in Preset::ALL {
                outln!("{:<14} {}", p.name(), p.source());
                outln!("{:<14} {}", "", p.variant().describe());
            }
            outln!("\nAppend @arm64 to a name for arm64's fullmm rule (e.g. v5.10-rc4@arm64).");
            Ok(())
        }
        Command::Actions => {
            for path in KernelPath::ALL {
                outln!("{}:", path.title());
                for a in Action::ALL.into_iter().filter(|a| a.path() == path) {
                    outln!("  {:<24} {:<26} {}", a.id(), a.label(), a.summary());
                }
            }
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tlbrace: {message}");
            ExitCode::from(2)
        }
    }
}

/// The variants a run covers: the named ones, else every preset on the chosen arch.
fn selected_variants(args: &RunArgs) -> Result<Vec<Variant>, String> {
    if args.variants.is_empty() {
        return Ok(Preset::ALL
            .iter()
            .map(|p| p.variant().on(args.arch.into()))
            .collect());
    }
    args.variants
        .iter()
        .map(|name| {
            Variant::parse(name).ok_or_else(|| {
                let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
                format!("unknown variant `{name}`; presets: {}", names.join(", "))
            })
        })
        .collect()
}

#[derive(Serialize)]
struct JsonRun<'a> {
    variant: String,
    policies: Variant,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<&'a tlbrace_core::Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decisive_steps: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<&'a [tlbrace_core::Event]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn cmd_run(args: &RunArgs) -> Result<(), String> {
    let scenario = load::load_scenario(&args.scenario)?;
    scenario.validate().map_err(|e| e.to_string())?;
    let variants = selected_variants(args)?;
    let runs: Vec<(Variant, Result<Trace, String>)> = variants
        .iter()
        .map(|v| (*v, run(&scenario, v).map_err(|e| e.to_string())))
        .collect();

    if args.json {
        let out: Vec<JsonRun> = runs
            .iter()
            .map(|(v, r)| match r {
                Ok(t) => JsonRun {
                    variant: v.name(),
                    policies: *v,
                    verdict: Some(&t.verdict),
                    summary: Some(t.verdict.summary(&scenario)),
                    decisive_steps: Some(t.verdict.decisive_steps()),
                    events: args.explain.then_some(t.events.as_slice()),
                    error: None,
                },
                Err(e) => JsonRun {
                    variant: v.name(),
                    policies: *v,
                    verdict: None,
                    summary: None,
                    decisive_steps: None,
                    events: None,
                    error: Some(e.clone()),
                },
            })
            .collect();
        let doc = serde_json::json!({ "title": scenario.title, "runs": out });
        outln!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
        );
        return Ok(());
    }

    print_title(&scenario);
    if args.explain {
        for (v, r) in &runs {
            outln!("\n=== {} ({})\n", v.name(), v.describe());
            match r {
                Ok(t) => {
                    out!("{}", diagram::render(&scenario, t, true));
                    outln!(
                        "\nverdict under {}: {}",
                        v.name(),
                        t.verdict.summary(&scenario)
                    );
                }
                Err(e) => outln!("error: {e}"),
            }
        }
        outln!("\n{}", diagram::LEGEND);
        outln!();
    }
    let width = runs.iter().map(|(v, _)| v.name().len()).max().unwrap_or(0);
    for (v, r) in &runs {
        match r {
            Ok(t) => outln!("{:<width$}  {}", v.name(), t.verdict.summary(&scenario)),
            Err(e) => outln!("{:<width$}  error: {e}", v.name()),
        }
    }
    Ok(())
}

fn print_title(scenario: &Scenario) {
    if let Some(t) = &scenario.title {
        outln!("{t}");
    }
}
