//! The scenario's external forms: versioned JSON ([`json`]), share-link fragments ([`share`]),
//! mailing-list ASCII diagrams ([`ascii`]) and SVG pictures ([`svg`]). `docs/scenario-format.md`
//! specifies the first three.
//!
//! **Architecture invariant**: formats read and write scenarios; they never run one except where a
//! picture shows verdicts ([`svg`]), and then only through [`crate::run`].

pub mod ascii;
pub mod json;
pub mod mermaid;
pub mod promela;
pub mod reply;
pub mod share;
pub mod svg;
pub mod v1;

/// The external forms a scenario can be read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A share link: a URL ending in `#v2.…` (or an older `#v1.…`), or the fragment alone ([`share`]).
    Link,
    /// The JSON scenario format ([`json`]).
    Json,
    /// A diagram in the mailing-list style, possibly inside a mail ([`ascii`]).
    Diagram,
    /// A reply tlbrace wrote ([`reply`]): the bracketed link it carries is the exact scenario.
    Reply,
}

/// Tells which form a text is in: a reply when it carries a `[tlbrace: …]` link; JSON when it opens
/// with `{` or `[`; a share link when it looks like
/// one and no line of it is a row of CPU names (a mail around a diagram may well hold a `#` or a
/// `v1.` somewhere); else a diagram. The CLI and the playground's paste box both decide with this.
pub fn detect(text: &str) -> Format {
    let t = text.trim_start();
    if reply::find_link(t).is_some() {
        Format::Reply
    } else if t.starts_with('{') || t.starts_with('[') {
        Format::Json
    } else if share::looks_like_link(t) && !t.lines().any(is_cpu_row) {
        Format::Link
    } else {
        Format::Diagram
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

/// Reads a scenario from `text` in `format` with that format's decoder (the first diagram, for a
/// mail holding several).
pub fn read(text: &str, format: Format) -> Result<crate::Scenario, json::FormatError> {
    match format {
        Format::Link => share::decode(text.trim()),
        Format::Json => json::from_json(text),
        Format::Diagram => ascii::import(text),
        Format::Reply => match reply::find_link(text) {
            Some(link) => share::decode(&link),
            None => Err(json::FormatError("no tlbrace link in the reply".into())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format() {
        assert_eq!(detect("  {\"version\":1}"), Format::Json);
        assert_eq!(detect("[1]"), Format::Json);
        assert_eq!(detect("v1.AAAA\n"), Format::Link);
        assert_eq!(detect("https://h/p/#v1.AAAA"), Format::Link);
        assert_eq!(detect("v9.AAAA"), Format::Link);
        assert_eq!(
            detect("  CPU0        CPU1\n  ----  ----\n"),
            Format::Diagram
        );
        // A mail with a `#` in its prose is still a diagram.
        assert_eq!(
            detect("Issue #5:\n\n> CPU0        CPU1\n>   ----        ----\n"),
            Format::Diagram
        );
        assert_eq!(detect("CPU0\n----\n# a one-lane diagram"), Format::Diagram);
        assert_eq!(detect("hello"), Format::Diagram);
    }
}
