//! `tlbrace convert`: a scenario from any format it can be read in (share link, JSON, ASCII diagram,
//! built-in example) to any it can be written in (ASCII diagram, JSON, share link, SVG, Mermaid, and
//! Promela for the Spin model checker, whose variant flags `--promela-flags SPEC` prints).

use std::io::Write;

use clap::ValueEnum;
use tlbrace_core::formats::{ascii, json, promela, share, svg};
use tlbrace_core::Scenario;

use crate::load::{self, InputFormat};
use crate::ArchArg;

/// Arguments of `tlbrace convert`.
#[derive(clap::Args)]
pub struct ConvertArgs {
    /// The scenario: a file, `-` for standard input, a built-in example name, or a share link
    /// (`https://…#v2.…` or the bare fragment `v2.…`; model v1's `v1.…` links too).
    #[arg(required_unless_present = "promela_flags")]
    input: Option<String>,
    /// The output format.
    #[arg(long, value_enum, required_unless_present = "promela_flags")]
    to: Option<OutputFormat>,
    /// Print the `-D` flags that select variant SPEC in a `--to promela` model (one
    /// `-DFIX_<NAME>=0/1` per fix, then `-DARM64=0/1`), for `spin $(tlbrace convert --promela-flags
    /// v5.12) -a model.pml`. A spec without `@…` is on `--arch`.
    #[arg(long, value_name = "SPEC", conflicts_with_all = ["input", "to", "from", "base", "variant"])]
    promela_flags: Option<String>,
    /// For `--to promela`: the variant the model selects when Spin is given no `-D` flags (default:
    /// the scenario's view variant, else v5.10-rc4). A spec without `@…` is on `--arch`.
    #[arg(long, value_name = "SPEC")]
    variant: Option<String>,
    /// The input format, when detection guesses wrong (default: detected).
    #[arg(long, value_enum)]
    from: Option<InputFormat>,
    /// For `--to url`: the page the link opens (the fragment is appended after `#`). Without it only
    /// the fragment `v2.…` is printed, to append to wherever the playground is served.
    #[arg(long, value_name = "URL")]
    base: Option<String>,
    /// For `--to svg` and `--to mermaid`: the architecture of the verdicts; for `--promela-flags` and
    /// `--variant`: of a spec without `@…`.
    #[arg(long, value_enum, default_value_t = ArchArg::X86)]
    arch: ArchArg,
    /// For a diagram: leave out the lines that name nothing the model knows (each is said on
    /// standard error) instead of refusing the diagram.
    #[arg(long)]
    allow_unmapped: bool,
}

/// The formats a scenario can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// A diagram in the mailing-list style, ready to paste into a mail.
    Ascii,
    /// The JSON scenario format.
    Json,
    /// A share-link fragment, or a whole link with `--base`.
    Url,
    /// A picture with the verdict of every preset.
    Svg,
    /// A Mermaid sequence diagram for Markdown, with the verdicts of the seed thread's presets.
    Mermaid,
    /// A Promela model for the Spin model checker: one process per CPU, the variant as `-D` flags
    /// (`--promela-flags SPEC` prints them).
    Promela,
}

/// Reads the input, writes it in the requested format on standard output.
pub fn cmd_convert(args: &ConvertArgs) -> Result<(), String> {
    let mut out = match (&args.promela_flags, &args.input, args.to) {
        (Some(spec), _, _) => promela::flags(&crate::parse_spec(spec, args.arch.into())?),
        (None, Some(input), Some(to)) => {
            if args.base.is_some() && to != OutputFormat::Url {
                return Err("--base only applies to --to url".into());
            }
            if args.variant.is_some() && to != OutputFormat::Promela {
                return Err("--variant only applies to --to promela".into());
            }
            let scenario = load::load_scenario_as(
                input,
                args.from,
                load::Unmapped::flag(args.allow_unmapped),
            )?;
            if to == OutputFormat::Ascii {
                warn_unrepresentable(&scenario);
            }
            render(&scenario, to, args)?
        }
        // clap requires the scenario and --to unless --promela-flags is given.
        _ => return Err("convert needs a scenario and --to, or --promela-flags SPEC".into()),
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // A reader that stopped early (`| head`) is not an error of ours.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write standard output: {e}"))
        }
        _ => Ok(()),
    }
}

fn render(scenario: &Scenario, to: OutputFormat, args: &ConvertArgs) -> Result<String, String> {
    Ok(match to {
        OutputFormat::Ascii => ascii::export(scenario),
        OutputFormat::Json => json::to_json(scenario),
        OutputFormat::Url => link(args.base.as_deref(), &share::encode(scenario)),
        OutputFormat::Svg => svg::export(scenario, args.arch.into()),
        OutputFormat::Mermaid => {
            let arch = args.arch.into();
            let variants: Vec<_> = tlbrace_core::Preset::SEED
                .iter()
                .map(|p| p.variant().on(arch))
                .collect();
            tlbrace_core::formats::mermaid::to_mermaid(scenario, &variants)
        }
        OutputFormat::Promela => {
            let model = match &args.variant {
                Some(spec) => {
                    let v = crate::parse_spec(spec, args.arch.into())?;
                    promela::to_promela_for(scenario, &v)
                }
                None => promela::to_promela(scenario),
            };
            model.map_err(|e| e.to_string())?
        }
    })
}

/// `base#fragment`, replacing any fragment `base` already has; the fragment alone without a base.
fn link(base: Option<&str>, fragment: &str) -> String {
    match base {
        None => fragment.to_string(),
        Some(b) => {
            let page = b.split_once('#').map_or(b, |(page, _)| page);
            format!("{page}#{fragment}")
        }
    }
}

/// Says on standard error which texts the diagram cannot hold exactly (brackets, extra spaces), since
/// a diagram read back would then differ from the input.
fn warn_unrepresentable(s: &Scenario) {
    let texts = s
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, st)| {
            st.note
                .as_deref()
                .map(|n| (format!("the note of step {}", i + 1), n))
        })
        .chain(
            s.labels
                .iter()
                .enumerate()
                .map(|(i, l)| (format!("the label of CPU{i}"), l.as_str())),
        );
    for (what, text) in texts {
        if !ascii::note_is_representable(text) {
            eprintln!(
                "tlbrace: warning: {what} is written normalized (brackets become parentheses, runs of \
                 spaces one space): {text:?}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::link;

    #[test]
    fn links_replace_an_existing_fragment() {
        assert_eq!(link(None, "v1.AA"), "v1.AA");
        assert_eq!(link(Some("https://h/p/"), "v1.AA"), "https://h/p/#v1.AA");
        assert_eq!(
            link(Some("https://h/p/#v1.old"), "v1.AA"),
            "https://h/p/#v1.AA"
        );
    }
}
