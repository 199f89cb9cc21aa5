//! A trace as the mailing lists draw races: one column per CPU, time flowing down, the bracketed notes
//! under each action — with the state after each step and each step's explanation added. A scenario
//! with two virtual pages shows both: each step on a page says which (`@p1`), and the state has a PTE
//! and TLB columns per virtual page and data columns per page.

use tlbrace_core::{PageKind, Scenario, State, TlbEntry, Trace};

/// Width of one CPU column, as in the seed's diagrams.
const LANE: usize = 12;
/// Width notes are wrapped to.
const NOTE: usize = 28;
/// Width explanations are wrapped to.
const TEXT: usize = 96;

/// How a step is written in its lane: the action, and the page when the scenario has several.
fn step_label(scenario: &Scenario, i: usize) -> String {
    let st = &scenario.steps[i];
    if scenario.pages.len() > 1 && st.action.def().per_page {
        format!("{} @p{}", st.action.label(), st.page)
    } else {
        st.action.label().to_string()
    }
}

/// Renders `trace` of `scenario` as a diagram with a state column and, under each row, the
/// explanation (which names the fix that decided the step, when one did).
pub fn render(scenario: &Scenario, trace: &Trace) -> String {
    let cpus = scenario.cpus;
    let decisive = trace.verdict.decisive_steps();
    let labels: Vec<String> = (0..scenario.steps.len())
        .map(|i| step_label(scenario, i))
        .collect();
    // The state column starts after the widest thing drawn in the lanes.
    let mut lane_width = LANE * cpus;
    for (st, label) in scenario.steps.iter().zip(&labels) {
        lane_width = lane_width.max(LANE * st.cpu + label.chars().count() + 2);
    }
    for cpu in 0..cpus {
        if let Some(l) = scenario.label(cpu) {
            lane_width = lane_width.max(LANE * cpu + l.chars().count() + 2);
        }
    }
    let table = StateTable::new(
        std::iter::once(&trace.initial)
            .chain(trace.states.iter())
            .collect(),
    );
    let mut out = String::new();
    let row = |out: &mut String, num: &str, lanes: &str, state: &str| {
        let pad = lane_width.saturating_sub(lanes.chars().count());
        let line = format!("{num:>4}  {lanes}{:pad$}{state}", "");
        out.push_str(line.trim_end());
        out.push('\n');
    };
    let place = |cpu: usize, text: &str| format!("{}{text}", " ".repeat(LANE * cpu));

    let head: String = (0..cpus)
        .map(|c| format!("{:<LANE$}", format!("CPU{c}")))
        .collect();
    let rule: String = (0..cpus).map(|_| format!("{:<LANE$}", "----")).collect();
    row(&mut out, "", &head, &table.header());
    row(&mut out, "", &rule, &"-".repeat(table.width()));
    let lane_labels: String = (0..cpus)
        .map(|c| format!("{:<LANE$}", scenario.label(c).unwrap_or("")))
        .collect();
    row(&mut out, "", &lane_labels, &table.row(0));

    for (i, st) in scenario.steps.iter().enumerate() {
        out.push('\n');
        let mark = if decisive.contains(&i) { "*" } else { "" };
        let num = format!("{mark}{}", i + 1);
        let state = if i < trace.states.len() {
            table.row(i + 1)
        } else {
            String::new()
        };
        row(&mut out, &num, &place(st.cpu, &labels[i]), &state);
        if let Some(note) = &st.note {
            for line in wrap_bracketed(note, NOTE) {
                row(&mut out, "", &place(st.cpu, &line), "");
            }
        }
        if let Some(ev) = trace.events.get(i) {
            for line in wrap(&ev.text(), TEXT) {
                out.push_str(&format!("        | {line}\n"));
            }
        }
    }
    out
}

/// The state after each step as aligned columns: per virtual page its PTE and every CPU's TLB entry,
/// then `mm->tlb_flush_pending`, then per page PG_dirty, the data in memory and on disk.
struct StateTable {
    headers: Vec<String>,
    /// `cells[k][col]`: state `k`'s value in column `col`.
    cells: Vec<Vec<String>>,
    widths: Vec<usize>,
}

impl StateTable {
    fn new(states: Vec<&State>) -> StateTable {
        let Some(first) = states.first() else {
            return StateTable {
                headers: Vec::new(),
                cells: Vec::new(),
                widths: Vec::new(),
            };
        };
        let vpages = first.vpage_count();
        let pages = usize::from(first.pages);
        let tag = |base: &str, i: usize, n: usize| {
            if n > 1 {
                format!("{base}{i}")
            } else {
                base.to_string()
            }
        };
        let mut headers = Vec::new();
        for v in 0..vpages {
            headers.push(tag("PTE", v, vpages));
            headers.extend((0..first.cpu_count()).map(|c| format!("T{c}")));
        }
        headers.push("pend".to_string());
        for p in 0..pages {
            headers.push(tag("PG_dirty", p, pages));
            headers.push(tag("mem", p, pages));
            headers.push(tag("disk", p, pages));
        }
        let cells: Vec<Vec<String>> = states.iter().map(|s| state_cells(s, pages)).collect();
        let widths = (0..headers.len())
            .map(|col| {
                cells
                    .iter()
                    .map(|r| r.get(col).map_or(0, |c| c.chars().count()))
                    .chain([headers[col].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        StateTable {
            headers,
            cells,
            widths,
        }
    }

    fn line(&self, cells: &[String]) -> String {
        cells
            .iter()
            .zip(&self.widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn header(&self) -> String {
        self.line(&self.headers)
    }

    fn width(&self) -> usize {
        self.header().trim_end().chars().count()
    }

    fn row(&self, k: usize) -> String {
        self.cells.get(k).map_or(String::new(), |c| self.line(c))
    }
}

/// One state's cells, in [`StateTable`]'s column order.
fn state_cells(s: &State, pages: usize) -> Vec<String> {
    let mut cells = Vec::new();
    for v in 0..s.vpage_count() {
        cells.push(pte_cell(s, v));
        cells.extend((0..s.cpu_count()).map(|c| entry(s.tlb[c][v])));
    }
    cells.push(s.tlb_flush_pending.to_string());
    for p in 0..pages {
        let page = s.page[p];
        let frame = page.frame.map(|f| s.frame[usize::from(f)]);
        cells.push(
            match frame {
                Some(f) if f.pg_dirty => "yes",
                Some(_) => "no",
                None => "-",
            }
            .to_string(),
        );
        cells.push(match (page.frame, frame) {
            (Some(f), Some(fr)) => format!("{}@F{f}", fr.data),
            _ => "-".to_string(),
        });
        cells.push(match page.kind {
            PageKind::File => page.disk.to_string(),
            PageKind::Anon => "-".to_string(),
        });
    }
    cells
}

/// A PTE: P present (N PROT_NONE, M a migration entry), W writable, D dirty, A young, S soft-dirty,
/// u userfaultfd write-protected; then the frame it names.
fn pte_cell(s: &State, v: usize) -> String {
    let p = s.pte[v];
    let flag = |on: bool, c: char| if on { c } else { '.' };
    let head = if p.present {
        'P'
    } else if p.protnone {
        'N'
    } else if p.migration {
        'M'
    } else {
        '.'
    };
    let mut out: String = [
        head,
        flag(p.write, 'W'),
        flag(p.dirty, 'D'),
        flag(p.young, 'A'),
        flag(p.soft_dirty, 'S'),
    ]
    .iter()
    .collect();
    if p.uffd_wp {
        out.push('u');
    }
    if p.present || p.protnone || p.migration {
        out.push_str(&format!(" F{}", p.frame));
    }
    out
}

/// A TLB entry: W writable, D dirty, then its frame.
fn entry(e: Option<TlbEntry>) -> String {
    match e {
        None => "--".to_string(),
        Some(e) => format!(
            "{}{}{}",
            if e.writable { 'W' } else { '.' },
            if e.dirty { 'D' } else { '.' },
            e.frame
        ),
    }
}

/// The legend printed under explained diagrams.
pub fn legend(scenario: &Scenario) -> String {
    let pages = if scenario.pages.len() > 1 {
        "; `@pN`: the step acts on virtual page N, whose PTE is column PTEN and whose TLB entries are \
         the Tn columns after it; PG_dirtyN, memN and diskN are the Nth page mapped"
    } else {
        ""
    };
    format!(
        "PTE: P present (N PROT_NONE, M migration entry), W writable, D dirty, A young, S soft-dirty, \
         u uffd-wp, then the frame; Tn: CPUn's TLB entry (WD0 writable+dirty to F0, W. writable+clean, \
         -- none); pend: mm->tlb_flush_pending; mem: version@frame, '-' when not in memory; disk '-' \
         for anonymous pages; * decisive step{pages}"
    )
}

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
pub fn wrap(text: &str, width: usize) -> Vec<String> {
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
