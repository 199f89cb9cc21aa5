//! A trace as the mailing lists draw races: one column per CPU, time flowing down, the bracketed notes
//! under each action — with the state after each step and the explanation added.

use tlbrace_core::{Scenario, State, TlbEntry, Trace};

/// Width of one CPU column, as in the seed's diagrams.
const LANE: usize = 12;
/// Width notes are wrapped to.
const NOTE: usize = 28;

/// Renders `trace` of `scenario` as a diagram with a state column and, under each row, the explanation.
pub fn render(scenario: &Scenario, trace: &Trace, explain: bool) -> String {
    let cpus = scenario.cpus;
    let decisive = trace.verdict.decisive_steps();
    // The state column starts after the widest thing drawn in the lanes.
    let mut lane_width = LANE * cpus;
    for st in &scenario.steps {
        lane_width = lane_width.max(LANE * st.cpu + st.action.label().len() + 2);
    }
    for cpu in 0..cpus {
        if let Some(l) = scenario.label(cpu) {
            lane_width = lane_width.max(LANE * cpu + l.len() + 2);
        }
    }
    let mut out = String::new();
    let row = |out: &mut String, num: &str, lanes: &str, state: &str| {
        let line = format!("{num:>4}  {lanes:<lane_width$}{state}");
        out.push_str(line.trim_end());
        out.push('\n');
    };
    let place = |cpu: usize, text: &str| format!("{}{text}", " ".repeat(LANE * cpu));

    let head: String = (0..cpus)
        .map(|c| format!("{:<LANE$}", format!("CPU{c}")))
        .collect();
    let rule: String = (0..cpus).map(|_| format!("{:<LANE$}", "----")).collect();
    row(&mut out, "", &head, &state_header(cpus));
    row(&mut out, "", &rule, &"-".repeat(state_header(cpus).len()));
    let labels: String = (0..cpus)
        .map(|c| format!("{:<LANE$}", scenario.label(c).unwrap_or("")))
        .collect();
    row(&mut out, "", &labels, &state_cells(&trace.initial));

    for (i, st) in scenario.steps.iter().enumerate() {
        out.push('\n');
        let mark = if decisive.contains(&i) { "*" } else { "" };
        let num = format!("{mark}{}", i + 1);
        let state = trace.states.get(i).map(state_cells).unwrap_or_default();
        row(&mut out, &num, &place(st.cpu, st.action.label()), &state);
        if let Some(note) = &st.note {
            for line in wrap_bracketed(note, NOTE) {
                row(&mut out, "", &place(st.cpu, &line), "");
            }
        }
        if explain {
            if let Some(ev) = trace.events.get(i) {
                for line in wrap(&ev.text(), 96) {
                    out.push_str(&format!("        | {line}\n"));
                }
            }
        }
    }
    out
}

fn state_header(cpus: usize) -> String {
    let tlb: String = (0..cpus).map(|c| format!("T{c} ")).collect();
    format!("PTE   {tlb}pend PG_dirty mem disk")
}

/// One step's state: PTE flags, each CPU's entry, pending, PG_dirty, mem and disk versions.
fn state_cells(s: &State) -> String {
    let p = s.pte;
    let flag = |on: bool, c: char| if on { c } else { '.' };
    let pte: String = [
        flag(p.present, 'P'),
        flag(p.write, 'W'),
        flag(p.dirty, 'D'),
        flag(p.young, 'A'),
        flag(p.soft_dirty, 'S'),
    ]
    .iter()
    .collect();
    let tlb: String = (0..s.cpu_count())
        .map(|c| format!("{} ", entry(s.tlb[c])))
        .collect();
    let mem = if s.page.in_page_cache {
        s.page.mem.to_string()
    } else {
        "-".to_string()
    };
    format!(
        "{pte} {tlb}{:>4} {:<8} {mem:>3} {:>4}",
        s.tlb_flush_pending,
        if s.page.pg_dirty { "yes" } else { "no" },
        s.disk
    )
}

fn entry(e: Option<TlbEntry>) -> &'static str {
    match e {
        None => "--",
        Some(TlbEntry {
            writable: true,
            dirty: true,
        }) => "WD",
        Some(TlbEntry {
            writable: true,
            dirty: false,
        }) => "W.",
        Some(TlbEntry {
            writable: false,
            dirty: true,
        }) => ".D",
        Some(TlbEntry {
            writable: false,
            dirty: false,
        }) => "..",
    }
}

/// The legend printed under explained diagrams.
pub const LEGEND: &str = "PTE: P present, W writable, D dirty, A young, S soft-dirty; Tn: CPUn's TLB entry \
(WD writable+dirty, W. writable+clean, -- none); mem '-' once the page left the page cache; * decisive step";

/// Wraps `text` in brackets over lines of at most `width` characters, as the seed's notes are.
fn wrap_bracketed(text: &str, width: usize) -> Vec<String> {
    let lines = wrap(text, width.saturating_sub(2).max(8));
    let n = lines.len();
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let open = if i == 0 { "[" } else { " " };
            let close = if i + 1 == n { "]" } else { "" };
            format!("{open}{l}{close}")
        })
        .collect()
}

/// Greedy word wrap.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_notes_like_the_seed() {
        assert_eq!(
            wrap_bracketed("cache writable PTE in TLB", 17),
            vec!["[cache writable", " PTE in TLB]"]
        );
        assert_eq!(wrap_bracketed("page fault", 28), vec!["[page fault]"]);
    }
}
