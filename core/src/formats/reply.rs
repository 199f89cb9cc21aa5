//! A reply ready to mail: the timeline as a diagram in the thread's style, one line per group of kernels
//! with its verdict and decisive steps, and the share link, every line at most [`MAX_COLUMNS`] wide.
//!
//! A share link is longer than a mail line, so the reply writes it bracketed over several lines
//! (`[tlbrace: https://…#v2.…` … `…]`), which survives `> ` quoting and re-wrapping: [`find_link`]
//! joins the bracket's words back into the link, skipping quote marks, and the link's checksum refuses
//! one a mail client damaged ("this link was damaged") instead of opening another scenario.

use crate::formats::{ascii, share};
use crate::model::scenario::Scenario;
use crate::model::trace::run_all;
use crate::model::variant::Arch;

/// The widest line a reply writes.
pub const MAX_COLUMNS: usize = 78;

/// The word that opens the bracketed link.
const LINK_OPEN: &str = "[tlbrace:";

/// Writes the reply. `base_url` is the playground's address the link points to (`""` for a bare
/// fragment, which the playground's paste box and the CLI read too).
pub fn reply(scenario: &Scenario, arch: Arch, base_url: &str) -> String {
    let mut out = ascii::export(scenario);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&format!("tlbrace (model v2), {}:\n", arch.name()));
    // Kernels with the same verdict and the same decisive steps share a line.
    let mut groups: Vec<(String, Vec<&'static str>)> = Vec::new();
    for r in run_all(scenario, arch) {
        let words = match &r.result {
            Ok(t) => {
                let steps: Vec<String> = t
                    .verdict
                    .decisive_steps()
                    .iter()
                    .map(|s| (s + 1).to_string())
                    .collect();
                match steps.len() {
                    0 => t.verdict.label().to_string(),
                    1 => format!("{} (step {})", t.verdict.label(), steps[0]),
                    _ => format!("{} (steps {})", t.verdict.label(), steps.join(", ")),
                }
            }
            Err(e) => format!("error: {e}"),
        };
        match groups.iter_mut().find(|(w, _)| *w == words) {
            Some((_, names)) => names.push(r.preset.name()),
            None => groups.push((words, vec![r.preset.name()])),
        }
    }
    for (words, names) in groups {
        let line = format!("{}: {words}", names.join(", "));
        out.push_str(&wrap(&line, "  ", "      "));
    }
    out.push('\n');
    let link = format!("{base_url}#{}", share::encode(scenario));
    out.push_str(&bracket_link(&link));
    out
}

/// Wraps `text` at word boundaries into lines of at most [`MAX_COLUMNS`], the first prefixed with
/// `first`, the rest with `rest`. A word longer than a line stands alone.
fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.len() + 1 + word.len() > MAX_COLUMNS {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The link over as many lines as it needs, each at most [`MAX_COLUMNS`] wide: `[tlbrace: ` and the
/// link's first part, then continuation lines indented by one space, the last closed by `]`.
fn bracket_link(link: &str) -> String {
    let mut out = String::new();
    let mut rest = link;
    let mut prefix = format!("{LINK_OPEN} ");
    loop {
        let room = MAX_COLUMNS - prefix.len() - 1;
        let (part, tail) = rest.split_at(rest.len().min(room));
        out.push_str(&prefix);
        out.push_str(part);
        if tail.is_empty() {
            out.push_str("]\n");
            return out;
        }
        out.push('\n');
        rest = tail;
        prefix = " ".to_string();
    }
}

/// The share link a reply carries, joined back from its bracket wherever quoting and re-wrapping
/// moved its parts; `None` if the text holds no `[tlbrace:` bracket.
pub fn find_link(text: &str) -> Option<String> {
    let mut words = text
        .split_whitespace()
        // Quote marks of any depth, alone or run into a word by re-wrapping (`>JEBB…` after `>`).
        .map(|w| w.trim_start_matches('>'))
        .filter(|w| !w.is_empty())
        .skip_while(|w| *w != LINK_OPEN)
        .skip(1);
    let mut link = String::new();
    for w in words.by_ref() {
        if let Some(last) = w.strip_suffix(']') {
            link.push_str(last);
            return Some(link);
        }
        link.push_str(w);
        if link.len() > share::MAX_FRAGMENT_CHARS + 4096 {
            break;
        }
    }
    // An unclosed bracket: hand over what there is; the checksum decides.
    (!link.is_empty()).then_some(link)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::EXAMPLES;

    const URL: &str = "https://example.org/tlbrace/";

    #[test]
    fn every_line_fits_and_the_link_comes_back() {
        for e in EXAMPLES {
            let s = e.scenario();
            let text = reply(&s, Arch::X86, URL);
            for line in text.lines() {
                assert!(line.chars().count() <= MAX_COLUMNS, "{}: {line}", e.name);
            }
            let link = find_link(&text).expect("a link");
            assert!(link.starts_with(URL));
            assert_eq!(share::decode(&link).unwrap(), s, "{}", e.name);
        }
    }

    #[test]
    fn quoting_and_rewrapping_keep_the_link() {
        let s = crate::examples::example("example-1").unwrap();
        let text = reply(&s, Arch::X86, URL);
        // Quote twice, then re-wrap every paragraph at 72 columns the way a mail client does.
        let quoted: String = text.lines().map(|l| format!("> > {l}\n")).collect();
        let mut rewrapped = String::new();
        for para in quoted.split("\n> > \n") {
            let words: Vec<&str> = para.split_whitespace().collect();
            let mut line = String::new();
            for w in words {
                if !line.is_empty() && line.len() + 1 + w.len() > 72 {
                    rewrapped.push_str(&line);
                    rewrapped.push('\n');
                    line.clear();
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(w);
            }
            rewrapped.push_str(&line);
            rewrapped.push_str("\n\n");
        }
        let link = find_link(&rewrapped).unwrap();
        assert_eq!(share::decode(&link).unwrap(), s);
    }

    #[test]
    fn a_damaged_link_is_refused_not_misread() {
        let s = crate::examples::example("example-1").unwrap();
        let text = reply(&s, Arch::X86, URL);
        // A mail client ate one character of the link's second line.
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let i = lines.iter().position(|l| l.starts_with(LINK_OPEN)).unwrap() + 1;
        lines[i].remove(5);
        let damaged = lines.join("\n");
        let e = share::decode(&find_link(&damaged).unwrap()).unwrap_err();
        assert!(e.0.contains("damaged"), "{e}");
    }

    #[test]
    fn no_bracket_no_link() {
        assert_eq!(find_link("CPU0  CPU1\n----  ----\n"), None);
        assert_eq!(find_link(""), None);
    }
}
