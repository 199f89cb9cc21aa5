//! Lane headers: `CPU0`, `CPU 0`, `cpu1`, `CPU A`, `Task A`, `Thread 1`, `t1`, `P0`, each optionally
//! with a caption in parentheses (`CPU0 (userspace)`).

use super::lines::{Cell, Line};

/// A lane's name as the header writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneName {
    /// The name as written (`CPU A`, `t1`).
    pub name: String,
    /// The caption in parentheses after it, if any (`userspace` in `CPU0 (userspace)`).
    pub caption: Option<String>,
    /// Its column after quote removal and tab expansion, from 0.
    pub col: usize,
    /// Its column in the line as written, from 1.
    pub orig: usize,
    /// Its number, for numbered names (`CPU3`, `t1`).
    pub number: Option<u32>,
    /// The word before the number or letter, lower case (`cpu`, `task`, `t`).
    pub keyword: String,
}

/// Words that open a lane name, longest first; `t` and `p` only take digits written right after them.
const KEYWORDS: &[&str] = &["process", "thread", "task", "proc", "core", "cpu", "t", "p"];

/// Reads the lane names of `cell`, or `None` if it holds anything else.
fn names_in(cell: &Cell, out: &mut Vec<LaneName>) -> Option<()> {
    let chars: Vec<char> = cell.text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        let rest: String = chars[i..].iter().take(8).collect::<String>().to_lowercase();
        let kw = KEYWORDS.iter().find(|k| rest.starts_with(*k))?;
        i += kw.chars().count();
        let short = kw.len() == 1;
        let spaced = !short && chars.get(i) == Some(&' ');
        if spaced {
            i += 1;
        }
        let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let number = if digits > 0 {
            if digits > 3 {
                return None;
            }
            let n: String = chars[i..i + digits].iter().collect();
            i += digits;
            n.parse().ok()
        } else {
            // A letter needs the space (`CPU A`, `Task B`), so that words are not names.
            let letter = chars.get(i).filter(|c| c.is_ascii_alphabetic() && spaced)?;
            let _ = letter;
            i += 1;
            None
        };
        if chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            return None;
        }
        let name: String = chars[start..i].iter().collect();
        // A caption: `(text)` after at most one space.
        let mut j = i;
        if chars.get(j) == Some(&' ') {
            j += 1;
        }
        let mut caption = None;
        if chars.get(j) == Some(&'(') {
            let mut depth = 0usize;
            let mut k = j;
            while k < chars.len() {
                match chars[k] {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            if k == chars.len() {
                return None;
            }
            caption = Some(
                chars[j + 1..k]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string(),
            );
            i = k + 1;
        }
        if chars.get(i).is_some_and(|c| *c != ' ') {
            return None;
        }
        out.push(LaneName {
            keyword: kw.to_string(),
            name,
            caption,
            col: cell.col + start,
            orig: cell.orig + start,
            number,
        });
    }
    Some(())
}

/// The lane names of a line that holds nothing else, left to right.
pub fn lane_names(line: &Line) -> Option<Vec<LaneName>> {
    if line.blank() {
        return None;
    }
    let mut out = Vec::new();
    for cell in &line.cells {
        names_in(cell, &mut out)?;
    }
    (!out.is_empty()).then_some(out)
}

/// Whether a line is a rule: dashes (or `=`, `_`) only, at least two in each run.
pub fn is_rule(line: &Line) -> bool {
    !line.blank()
        && line.cells.iter().all(|c| {
            c.text.split(' ').all(|w| {
                w.chars().count() >= 2
                    && (w.chars().all(|ch| ch == '-')
                        || w.chars().all(|ch| ch == '=')
                        || w.chars().all(|ch| ch == '_'))
            })
        })
}

/// Whether line `i` is a header row: lane names only, and either two of them or a rule below.
pub fn is_header(lines: &[Line], i: usize) -> bool {
    lane_names(&lines[i]).is_some_and(|n| n.len() >= 2 || lines.get(i + 1).is_some_and(is_rule))
}

/// Whether a text, as one line, is nothing but lane names: the exporter keeps a title from
/// looking like a header.
pub fn is_lane_row(text: &str) -> bool {
    lane_names(&super::lines::split_line(1, text)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::ascii::lines::split_line;

    fn names(text: &str) -> Option<Vec<(String, Option<String>, usize)>> {
        lane_names(&split_line(1, text))
            .map(|v| v.into_iter().map(|n| (n.name, n.caption, n.col)).collect())
    }

    #[test]
    fn lane_names_as_people_write_them() {
        let n = |s: &str| names(s).map(|v| v.into_iter().map(|x| x.0).collect::<Vec<_>>());
        assert_eq!(
            n("  CPU0        CPU1"),
            Some(vec!["CPU0".into(), "CPU1".into()])
        );
        assert_eq!(
            n("CPU A\t\t\tCPU B"),
            Some(vec!["CPU A".into(), "CPU B".into()])
        );
        assert_eq!(n("cpu0 cpu1"), Some(vec!["cpu0".into(), "cpu1".into()]));
        assert_eq!(
            n("Task A      Task B"),
            Some(vec!["Task A".into(), "Task B".into()])
        );
        assert_eq!(
            n("        t1            t2"),
            Some(vec!["t1".into(), "t2".into()])
        );
        assert_eq!(
            n("Thread 1    Thread 2"),
            Some(vec!["Thread 1".into(), "Thread 2".into()])
        );
        assert_eq!(n("CPU0:   CPU1:"), None);
        assert_eq!(
            n("CPU 0    CPU 1"),
            Some(vec!["CPU 0".into(), "CPU 1".into()])
        );
        let c = names("CPU0 (userspace)    CPU1 (page writeback)").unwrap();
        assert_eq!(c[1].1.as_deref(), Some("page writeback"));
        assert_eq!(c[1].2, 20);
        for prose in [
            "CPU usage",
            "the cpu",
            "t",
            "CPU0 runs",
            "Tasks",
            "CPUA CPUB",
            "tx",
        ] {
            assert_eq!(names(prose), None, "{prose}");
        }
    }
}
