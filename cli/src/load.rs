//! Where a scenario argument comes from, and which format it is in: one loader for every subcommand.
//!
//! The argument is a built-in example name, `-` for standard input, a file, or a share link (a whole
//! URL with `#v1.…`, or just the fragment). Text read from standard input or a file is a share link,
//! JSON or an ASCII diagram (mailed, possibly `> `-quoted); the format is detected unless `--from`
//! names it. Every decoder is `tlbrace_core`'s; this module only picks one.

use std::io::Read;

use clap::ValueEnum;
use tlbrace_core::examples::example;
use tlbrace_core::formats::{self, share, Format};
use tlbrace_core::Scenario;

/// The formats a scenario can be read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// A share link: a URL ending in `#v1.…`, or the fragment alone.
    Url,
    /// The JSON scenario format (docs/scenario-format.md §1).
    Json,
    /// A diagram in the mailing-list style (docs/scenario-format.md §3).
    Ascii,
}

/// Reads the text behind a scenario argument: standard input for `-`, else the file.
pub fn read_source(arg: &str) -> Result<String, String> {
    if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(text)
    } else {
        std::fs::read_to_string(arg).map_err(|e| format!("cannot read {arg}: {e}"))
    }
}

/// Loads a scenario, detecting its format: what `run`, `explore` and `minimize` take.
pub fn load_scenario(arg: &str) -> Result<Scenario, String> {
    load_scenario_as(arg, None)
}

/// Loads a scenario from a built-in example name, `-`, a file or a share link, in the format `from`
/// (detected when `None`), and checks it. Errors are messages for `tlbrace: …`, naming where the
/// input came from.
pub fn load_scenario_as(arg: &str, from: Option<InputFormat>) -> Result<Scenario, String> {
    let (origin, text) = if arg == "-" {
        ("standard input".to_string(), read_source(arg)?)
    } else if let Some(s) = example(arg) {
        return Ok(s);
    } else if std::path::Path::new(arg).is_dir() {
        return Err(format!("{arg}: is a directory"));
    } else if std::path::Path::new(arg).exists() {
        // Files, and also /dev/stdin or a named pipe.
        (arg.to_string(), read_source(arg)?)
    } else if from == Some(InputFormat::Url) || share::looks_like_link(arg) {
        // The argument is the link itself: the core's messages say "share link" already, and a
        // long URL in front of them would bury them.
        (String::new(), arg.to_string())
    } else {
        return Err(format!(
            "{arg}: no such file, and neither a built-in example (see `tlbrace examples`) nor a \
             share link (`https://…#v1.…` or `v1.…`)"
        ));
    };
    let format = from.unwrap_or_else(|| detect(&text));
    let with_origin = |e: String| {
        if origin.is_empty() {
            e
        } else {
            format!("{origin}: {e}")
        }
    };
    let scenario = parse(&text, format).map_err(with_origin)?;
    // Every decoder validates already; this keeps the promise for any decoder added later.
    scenario
        .validate()
        .map_err(|e| with_origin(e.to_string()))?;
    Ok(scenario)
}

/// Parses `text` as `format` with the core's decoder for it.
pub fn parse(text: &str, format: InputFormat) -> Result<Scenario, String> {
    formats::read(text, format.into()).map_err(|e| e.to_string())
}

/// The format of a text, as core's detector sees it.
pub fn detect(text: &str) -> InputFormat {
    match formats::detect(text) {
        Format::Link => InputFormat::Url,
        Format::Json => InputFormat::Json,
        Format::Diagram => InputFormat::Ascii,
    }
}

impl From<InputFormat> for Format {
    fn from(f: InputFormat) -> Format {
        match f {
            InputFormat::Url => Format::Link,
            InputFormat::Json => Format::Json,
            InputFormat::Ascii => Format::Diagram,
        }
    }
}
