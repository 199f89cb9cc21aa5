//! Where a scenario argument comes from, and which format it is in: one loader for every subcommand.
//!
//! The argument is a built-in example name, `-` for standard input, a file, or a share link (a whole
//! URL with `#v2.…`, or just the fragment; model v1's `v1.…` links open too). Text read from standard
//! input or a file is a share link, JSON or an ASCII diagram (mailed, possibly `> `-quoted); the format
//! is detected unless `--from` names it. Every decoder is `tlbrace_core`'s; this module only picks one.
//!
//! Standard input and files are read up to [`MAX_INPUT_BYTES`] and no further: a larger input is
//! refused with a message before it is held in memory, whatever its source (a pipe from `yes`, a
//! multi-gigabyte log, `/dev/zero`).

use std::io::Read;

use clap::ValueEnum;
use tlbrace_core::examples::example;
use tlbrace_core::formats::{self, ascii, json, share, Format};
use tlbrace_core::Scenario;

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// The most bytes read from standard input or a file: the largest text any decoder accepts (a share
/// link of [`share::MAX_FRAGMENT_CHARS`], above [`json::MAX_JSON_BYTES`] and
/// [`ascii::MAX_INPUT_BYTES`]), plus 64 KiB for a URL or a mail around it. The CLI thus never refuses
/// what a decoder would read, and never holds more than this in memory.
pub const MAX_INPUT_BYTES: usize = max(
    share::MAX_FRAGMENT_CHARS,
    max(json::MAX_JSON_BYTES, ascii::MAX_INPUT_BYTES),
) + 64 * 1024;

// The cap admits whatever each decoder reads, checked when the crate compiles.
const _: () = assert!(
    MAX_INPUT_BYTES > share::MAX_FRAGMENT_CHARS
        && MAX_INPUT_BYTES > json::MAX_JSON_BYTES
        && MAX_INPUT_BYTES > ascii::MAX_INPUT_BYTES
);

/// The formats a scenario can be read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// A share link: a URL ending in `#v2.…` (or model v1's `#v1.…`), or the fragment alone.
    Url,
    /// The JSON scenario format (docs/scenario-format.md §1).
    Json,
    /// A diagram in the mailing-list style (docs/scenario-format.md §3).
    Ascii,
    /// A reply `tlbrace reply` wrote: the link it carries.
    Reply,
}

/// Reads the text behind a scenario argument: standard input for `-`, else the file. At most
/// [`MAX_INPUT_BYTES`] are read; more is refused, and so is text that is not UTF-8.
pub fn read_source(arg: &str) -> Result<String, String> {
    if arg == "-" {
        read_capped(std::io::stdin().lock(), "standard input", MAX_INPUT_BYTES)
    } else {
        let file = std::fs::File::open(arg).map_err(|e| format!("cannot read {arg}: {e}"))?;
        read_capped(file, arg, MAX_INPUT_BYTES)
    }
}

/// Reads `source` (named `origin` in messages) to its end, holding at most `cap + 1` bytes: enough to
/// tell that it is too large.
fn read_capped(source: impl Read, origin: &str, cap: usize) -> Result<String, String> {
    let mut bytes = Vec::new();
    source
        .take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {origin}: {e}"))?;
    if bytes.len() > cap {
        return Err(format!(
            "{origin}: more than {} KiB, the most tlbrace reads (no scenario in any format is \
             that large)",
            cap / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{origin}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// What to do with a diagram's lines that name nothing the model knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmapped {
    /// Refuse the diagram, naming each line (the subcommand has no `--allow-unmapped`).
    Refuse,
    /// Refuse it, and say that `--allow-unmapped` leaves them out.
    RefuseUnlessAllowed,
    /// Leave them out, with a warning each on standard error (`--allow-unmapped`).
    Allow,
}

impl Unmapped {
    /// The policy of a subcommand that has `--allow-unmapped`.
    pub fn flag(allow: bool) -> Unmapped {
        if allow {
            Unmapped::Allow
        } else {
            Unmapped::RefuseUnlessAllowed
        }
    }
}

/// Loads a scenario, detecting its format: what `explore` and `minimize` take.
pub fn load_scenario(arg: &str) -> Result<Scenario, String> {
    load_scenario_as(arg, None, Unmapped::Refuse)
}

/// Loads a scenario from a built-in example name, `-`, a file or a share link, in the format `from`
/// (detected when `None`), and checks it. Errors are messages for `tlbrace: …`, naming where the
/// input came from; a diagram's unmapped lines are one `tlbrace: ` line each, with its line and
/// column, unless `unmapped` allows them.
pub fn load_scenario_as(
    arg: &str,
    from: Option<InputFormat>,
    unmapped: Unmapped,
) -> Result<Scenario, String> {
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
             share link (`https://…#v2.…` or `v2.…`)"
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
    let scenario = if format == InputFormat::Ascii {
        read_diagram(&text, unmapped, &with_origin)?
    } else {
        parse(&text, format).map_err(with_origin)?
    };
    // Every decoder validates already; this keeps the promise for any decoder added later.
    scenario
        .validate()
        .map_err(|e| with_origin(e.to_string()))?;
    Ok(scenario)
}

/// Reads the first diagram of `text` leniently, then refuses or leaves out its unmapped lines as
/// `unmapped` says.
fn read_diagram(
    text: &str,
    unmapped: Unmapped,
    with_origin: &dyn Fn(String) -> String,
) -> Result<Scenario, String> {
    let mut d = ascii::import_lenient(text).map_err(|e| with_origin(e.to_string()))?;
    let lines: Vec<String> = d.unresolved().map(|u| with_origin(u.message())).collect();
    if !lines.is_empty() {
        if unmapped != Unmapped::Allow {
            let mut message = lines.join("\ntlbrace: ");
            if unmapped == Unmapped::RefuseUnlessAllowed {
                message.push_str(if lines.len() == 1 {
                    " (--allow-unmapped leaves the line out)"
                } else {
                    " (--allow-unmapped leaves these lines out)"
                });
            }
            return Err(message);
        }
        for l in &lines {
            eprintln!("tlbrace: warning: {l} (left out)");
        }
        for k in 0..d.unmapped.len() {
            if d.unmapped[k].resolved.is_none() {
                d.resolve(k, None).map_err(|e| with_origin(e.to_string()))?;
            }
        }
    }
    d.finish()
        .map(|i| i.scenario)
        .map_err(|e| with_origin(e.to_string()))
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
        Format::Reply => InputFormat::Reply,
    }
}

impl From<InputFormat> for Format {
    fn from(f: InputFormat) -> Format {
        match f {
            InputFormat::Url => Format::Link,
            InputFormat::Json => Format::Json,
            InputFormat::Ascii => Format::Diagram,
            InputFormat::Reply => Format::Reply,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_stops_past_the_cap() {
        assert_eq!(read_capped(&b"abcd"[..], "x", 4), Ok("abcd".to_string()));
        let err = read_capped(std::io::repeat(b'a'), "standard input", 2048).unwrap_err();
        assert_eq!(
            err,
            "standard input: more than 2 KiB, the most tlbrace reads (no scenario in any format is \
             that large)"
        );
        let err = read_capped(&[b'a', 0xff][..], "f.json", 16).unwrap_err();
        assert!(
            err.contains("f.json: not UTF-8 text (invalid byte at offset 1)"),
            "{err}"
        );
    }
}
