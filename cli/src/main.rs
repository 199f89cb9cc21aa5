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
mod listing;
mod load;
mod review;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tlbrace_core::examples::{Origin, EXAMPLES};
use tlbrace_core::model::paths::{self, Irregular};
use tlbrace_core::{Arch, Fix, Scenario, Variant};

#[derive(Parser)]
#[command(
    name = "tlbrace",
    version,
    about = "Run Linux TLB-flush race diagrams under every kernel release and proposal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario under every preset (or the variants named) and print each verdict.
    Run(run::RunArgs),
    /// List the built-in examples (the seed thread's diagrams).
    Examples,
    /// List the kernel releases and proposals with their fixes, then the fix table.
    Variants(listing::ListArgs),
    /// List the actions a lane can hold, grouped by kernel path.
    Actions(listing::ListArgs),
    /// Search every interleaving of the per-CPU programs for one that does harm, per variant.
    Explore(explore::ExploreArgs),
    /// Shrink a bad timeline until no path's tail can be removed.
    Minimize(explore::MinimizeArgs),
    /// Convert a scenario between share links, JSON, ASCII diagrams, SVG, Mermaid and Promela.
    Convert(convert::ConvertArgs),
    /// Which changes to a kernel close the race in every interleaving (and which only seem to).
    Fix(review::FixArgs),
    /// Where two kernels part ways on a timeline: the first differing step, field by field, and why.
    Diff(review::DiffArgs),
    /// A reply ready to mail: the diagram, each kernel's verdict, and the share link.
    Reply(review::ReplyArgs),
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
        Command::Run(args) => run::cmd_run(&args),
        Command::Explore(args) => explore::cmd_explore(&args),
        Command::Minimize(args) => explore::cmd_minimize(&args),
        Command::Convert(args) => convert::cmd_convert(&args),
        Command::Fix(args) => review::cmd_fix(&args),
        Command::Diff(args) => review::cmd_diff(&args),
        Command::Reply(args) => review::cmd_reply(&args),
        Command::Variants(args) => listing::cmd_variants(&args),
        Command::Actions(args) => listing::cmd_actions(&args),
        Command::Examples => {
            for (origin, heading) in [
                (
                    Origin::Seed,
                    "The seed thread (linux-arm-kernel, November 2020)",
                ),
                (
                    Origin::History,
                    "The history: one race per fix (harmed under / holds under)",
                ),
            ] {
                outln!("{heading}");
                for e in EXAMPLES.iter().filter(|e| e.origin == origin) {
                    let commit = e.commit.unwrap_or("");
                    let contrast = e
                        .contrast
                        .map(|c| format!("{} / {}", c.harmed, c.holds))
                        .unwrap_or_default();
                    outln!(
                        "  {:<24} {:<12} {:<4} {:<34} {}",
                        e.name,
                        commit,
                        e.year,
                        contrast,
                        e.description
                    );
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

/// Reads a variant spec as [`Variant::parse`] does (a preset, `+fix`/`-fix` by name or commit id,
/// `@arm64`/`@x86`, or model v1's policy form); a spec without `@` runs on `arch`. A bad spec is a
/// one-line message naming what is valid.
fn parse_spec(spec: &str, arch: Arch) -> Result<Variant, String> {
    let v = Variant::parse(spec).map_err(|e| {
        let hint = if e.starts_with("unknown fix") {
            let names: Vec<&str> = Fix::ALL.iter().map(|f| f.name()).collect();
            format!("; fixes: {}", names.join(", "))
        } else {
            String::new()
        };
        // Name the spec unless the message already does.
        let e = if e.contains(&format!("`{spec}`")) {
            e
        } else {
            format!("variant `{spec}`: {e}")
        };
        format!(
            "{e}{hint} (a spec is PRESET[+FIX|-FIX]…[@arm64|@x86], e.g. \
             v5.10-rc4+yu-mkclean-pending@arm64; `tlbrace variants` lists them)"
        )
    })?;
    Ok(if spec.contains('@') { v } else { v.on(arch) })
}

/// The steps of `scenario` no kernel runs where they stand, each said once on standard error: a
/// verdict about such a timeline says nothing about a kernel.
fn warn_irregular(scenario: &Scenario) -> Vec<Irregular> {
    let found = paths::irregular(scenario);
    for x in &found {
        eprintln!("tlbrace: warning: {x}");
    }
    found
}

/// [`Irregular`] for `--json`.
fn irregular_json(found: &[Irregular]) -> serde_json::Value {
    found
        .iter()
        .map(|x| {
            serde_json::json!({
                "step": x.step,
                "cpu": x.cpu,
                "action": x.action,
                "missing": x.missing,
                "message": x.to_string(),
            })
        })
        .collect()
}
