//! Where a scenario argument comes from, and which format it is in: one loader for every subcommand.
//!
//! The argument is a built-in example name, `-` for standard input, a file, or a share link (a whole
//! URL with `#v1.…`, or just the fragment). Text read from standard input or a file is a share link,
//! JSON or an ASCII diagram (mailed, possibly `> `-quoted); the format is detected unless `--from`
//! names it. Every decoder is `tlbrace_core`'s; this module only picks one.

use std::io::Read;

use clap::ValueEnum;
use tlbrace_core::examples::example;
use tlbrace_core::{formats::ascii, formats::json, formats::share, Scenario};

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
    let result = match format {
        InputFormat::Url => share::decode(text.trim()),
        InputFormat::Json => json::from_json(text),
        InputFormat::Ascii => ascii::import(text),
    };
    result.map_err(|e| e.to_string())
}

/// Guesses the format of a text: JSON when it opens with `{` or `[`, a share link when the core says
/// it looks like one and no line of it is a row of CPU names (a mail around a diagram may well hold a
/// `#` or a `v1.` somewhere), else a diagram.
pub fn detect(text: &str) -> InputFormat {
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        InputFormat::Json
    } else if share::looks_like_link(t) && !t.lines().any(is_cpu_row) {
        InputFormat::Url
    } else {
        InputFormat::Ascii
    }
}

/// Whether a line, quote prefix removed, is nothing but CPU names (`CPU0   CPU1`, or a lone `CPU0`).
fn is_cpu_row(line: &str) -> bool {
    let body = line.trim_start_matches(|c: char| c == '>' || c.is_whitespace());
    let mut words = body.split_whitespace().peekable();
    words.peek().is_some()
        && words.all(|w| {
            w.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("cpu"))
                && w.len() > 3
                && w[3..].bytes().all(|b| b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format() {
        assert_eq!(detect("  {\"version\":1}"), InputFormat::Json);
        assert_eq!(detect("v1.AAAA\n"), InputFormat::Url);
        assert_eq!(detect("https://h/p/#v1.AAAA"), InputFormat::Url);
        assert_eq!(detect("v9.AAAA"), InputFormat::Url);
        assert_eq!(
            detect("  CPU0        CPU1\n  ----  ----\n"),
            InputFormat::Ascii
        );
        // A mail with a `#` in its prose is still a diagram.
        assert_eq!(
            detect("Issue #5:\n\n> CPU0        CPU1\n>   ----        ----\n"),
            InputFormat::Ascii
        );
        assert_eq!(
            detect("CPU0\n----\n# a one-lane diagram"),
            InputFormat::Ascii
        );
        assert_eq!(detect("hello"), InputFormat::Ascii);
    }
}
