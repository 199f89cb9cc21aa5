//! Writing a scenario as a diagram in the seed thread's style, so that [`super::import`] reads back
//! the same scenario (docs/scenario-format.md §3.2–3.3).

use super::header::is_lane_row;
use super::lines::{append, ends_with_word_hyphen, normalize, word_char};
use super::names;
use super::WIDTH;
use crate::model::initial::{fields, Field, PageSpec, Scope};
use crate::model::scenario::{Scenario, Step};
use crate::model::state::{PageKind, MAX_CPUS};

/// Columns between CPU names in the seed's diagrams; [`export`] narrows it only to stay within [`WIDTH`].
const PITCH: usize = 12;
/// The narrowest pitch: a CPU name and the two spaces that separate cells.
const MIN_PITCH: usize = 6;
/// Where the first lane starts, as in the seed.
const INDENT: usize = 2;
/// How wide notes are wrapped, brackets included, unless a lane has less room.
const NOTE_WIDTH: usize = 28;

/// How a step is written: its action's label, and ` (page N)` for a page other than 0.
fn step_label(s: &Step) -> String {
    if s.page == 0 {
        s.action.label().to_string()
    } else {
        format!("{} (page {})", s.action.label(), s.page)
    }
}

/// A piece of text between two places a line may break, and how it joins the piece before it.
struct Unit {
    text: String,
    /// `" "` or `""` (after a hyphen inside a word).
    sep: &'static str,
    /// Whether a line may end just before it.
    breakable: bool,
}

/// The break opportunities of `text` (already normalized): at spaces, and after a hyphen that follows a
/// letter or digit inside a word. A space after such a hyphen is never a break, since the importer
/// would read the hyphen as a wrapped word's.
fn units(text: &str) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    for word in text.split(' ') {
        let after_hyphen = out
            .last()
            .is_some_and(|u: &Unit| ends_with_word_hyphen(&u.text));
        let mut first = true;
        let mut piece = String::new();
        let chars: Vec<char> = word.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            piece.push(c);
            let inner_hyphen = c == '-' && i > 0 && word_char(chars[i - 1]) && i + 1 < chars.len();
            if inner_hyphen {
                out.push(Unit {
                    text: std::mem::take(&mut piece),
                    sep: if first { " " } else { "" },
                    breakable: !first || !after_hyphen,
                });
                first = false;
            }
        }
        out.push(Unit {
            text: piece,
            sep: if first { " " } else { "" },
            breakable: !first || !after_hyphen,
        });
    }
    if let Some(u) = out.first_mut() {
        u.sep = "";
    }
    out
}

/// Greedy wrapping: the first line gets `first` columns, the others `rest`; a unit longer than the
/// width overflows rather than being cut.
pub(crate) fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0;
    for u in units(text) {
        let len = u.text.chars().count();
        let width = if lines.is_empty() { first } else { rest };
        if cur_len > 0 && u.breakable && cur_len + u.sep.len() + len > width {
            lines.push(std::mem::take(&mut cur));
            cur_len = 0;
        } else {
            cur.push_str(u.sep);
            cur_len += u.sep.len();
        }
        cur.push_str(&u.text);
        cur_len += len;
    }
    lines.push(cur);
    lines
}

pub(super) fn longest_unit(text: &str) -> usize {
    units(text)
        .iter()
        .map(|u| u.text.chars().count())
        .max()
        .unwrap_or(0)
}

/// A note as export writes it: normalized, brackets replaced by parentheses.
fn clean_note(note: &str) -> String {
    normalize(&note.replace('[', "(").replace(']', ")"))
}

/// The lines of a title, written so that they read back as exactly that title (§3.1 rules 1, 3, 5):
/// a line that starts with `>` is indented by a space (only a `>` in the first column quotes); a
/// continuation line that starts with `initial:` or is a lone CPU name is joined to the line before, and
/// so is the line after a lone CPU name (over a dashed line it would be a header). The last line can
/// then start with `initial:` only if it is the first: [`export`] writes an empty `initial:` line after
/// it.
fn title_lines(title: &str) -> Vec<String> {
    let lone_cpu = |l: &str| is_lane_row(l);
    let mut out: Vec<String> = Vec::new();
    for l in wrap(title, WIDTH, WIDTH) {
        match out.last_mut() {
            // `append` joins as the reader does, so the text is unchanged.
            Some(prev)
                if super::starts_initial(&l)
                    || super::page_line(&l).is_some()
                    || lone_cpu(&l)
                    || lone_cpu(prev) =>
            {
                append(prev, &l)
            }
            _ => out.push(l),
        }
    }
    for l in &mut out {
        if l.starts_with('>') {
            l.insert(0, ' ');
        }
    }
    out
}

/// The setup lines of a scenario: `initial:` for page 0 and the mm (model v1's line), then a
/// `page N:` line for each further page.
fn setup_lines(s: &Scenario) -> Vec<String> {
    let page_parts = |spec: &PageSpec, first: bool| {
        let mut parts = Vec::new();
        if spec.same_as.is_none() && (spec.kind != PageKind::File || !first) {
            parts.push(format!(
                "kind={}",
                if spec.kind == PageKind::Anon {
                    "anon"
                } else {
                    "file"
                }
            ));
        }
        if let Some(k) = spec.same_as {
            parts.push(format!("same_as={k}"));
        }
        for f in fields(Scope::Page) {
            if let Some(v) = f.get_page(&spec.initial) {
                parts.push(format!("{}={}", f.key, Field::show(&v)));
            }
        }
        parts
    };
    let mut out = Vec::new();
    let mut first = s
        .pages
        .first()
        .map(|p| page_parts(p, true))
        .unwrap_or_default();
    for f in fields(Scope::Mm) {
        if let Some(v) = f.get_mm(&s.initial) {
            first.push(format!("{}={}", f.key, Field::show(&v)));
        }
    }
    if !first.is_empty() {
        out.push(format!("initial: {}", first.join(" ")));
    }
    for (i, spec) in s.pages.iter().enumerate().skip(1) {
        out.push(
            format!("page {i}: {}", page_parts(spec, false).join(" "))
                .trim_end()
                .to_string(),
        );
    }
    out
}

/// Writes a scenario as a diagram in the seed's style: lanes 12 columns apart (narrower only to stay
/// within [`WIDTH`]), notes wrapped in their lane, a blank line wherever the CPU changes (and between
/// two steps of one CPU that the reader would take for one: `tlb_gather_mmu()` then
/// `inc_tlb_flush_pending()`).
///
/// Steps, notes, lane labels, the title and the initial state all come back through
/// [`super::import`], as long as the texts are representable (see [`super::note_is_representable`]):
/// other notes are written normalized, with `[` `]` turned into `(` `)`. The scenario should be
/// valid; CPUs beyond 8 and steps on CPUs the scenario lacks are drawn in the last lane. A scenario
/// without steps is written as a bare header, which [`super::import`] refuses.
pub fn export(scenario: &Scenario) -> String {
    let lanes = scenario.cpus.clamp(1, MAX_CPUS);
    let lane_of = |cpu: usize| cpu.min(lanes - 1);
    let notes: Vec<Option<String>> = scenario
        .steps
        .iter()
        .map(|s| s.note.as_deref().map(clean_note))
        .collect();
    // The bracket-only form: a note that names its own action (not a page fault, which only stands
    // for a step until a function follows it).
    let bracket_form: Vec<bool> = scenario
        .steps
        .iter()
        .zip(&notes)
        .map(|(s, n)| {
            s.page == 0
                && n.as_deref().is_some_and(|n| {
                    names::name_action(n)
                        .is_some_and(|x| x.action == s.action && x.how != names::How::Weak)
                })
        })
        .collect();

    // Pitch: as in the seed unless a lane's text would cross the margin.
    let mut need = vec![4usize; lanes];
    for ((s, n), bracket) in scenario.steps.iter().zip(&notes).zip(&bracket_form) {
        let lane = lane_of(s.cpu);
        if !bracket {
            need[lane] = need[lane].max(step_label(s).chars().count());
        }
        if let Some(n) = n {
            need[lane] = need[lane].max(longest_unit(n) + 2);
        }
    }
    let fits = |p: usize| (0..lanes).all(|i| INDENT + i * p + need[i] <= WIDTH);
    let mut pitch = PITCH;
    while pitch > MIN_PITCH && !fits(pitch) {
        pitch -= 1;
    }
    let labels: Vec<(usize, String)> = scenario
        .labels
        .iter()
        .take(lanes)
        .enumerate()
        .map(|(i, l)| (i, clean_note(l)))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    for pair in labels.windows(2) {
        let (i, a) = &pair[0];
        let gap = pair[1].0 - i;
        pitch = pitch.max((a.chars().count() + 2).div_ceil(gap));
    }
    let col = |lane: usize| INDENT + lane * pitch;

    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let mut preamble = false;
    let mut title_ends_initial = false;
    if let Some(title) = scenario.title.as_deref().map(normalize) {
        if !title.is_empty() {
            // Import drops one trailing colon ("Case a:"), so a title ending in one gets another,
            // and so does a title that would read as a row of lane names.
            let mut lines = title_lines(&title);
            if title.ends_with(':') || (lines.len() == 1 && is_lane_row(&lines[0])) {
                if let Some(l) = lines.last_mut() {
                    l.push(':');
                }
            }
            for l in &lines {
                line(l);
            }
            // A title ending in a setup-like line needs the real `initial:` line after it.
            title_ends_initial = lines
                .last()
                .is_some_and(|l| super::starts_initial(l) || super::page_line(l).is_some());
            preamble = true;
        }
    }
    let setup = setup_lines(scenario);
    if title_ends_initial && !setup.first().is_some_and(|l| super::starts_initial(l)) {
        line("initial:");
    }
    for l in &setup {
        line(l);
        preamble = true;
    }
    if preamble {
        line("");
    }
    let row = |cells: &[(usize, String)]| {
        let mut s = String::new();
        for (lane, text) in cells {
            let c = col(*lane);
            let len = s.chars().count();
            if len < c {
                s.extend(std::iter::repeat_n(' ', c - len));
            } else if len > 0 {
                s.push_str("  ");
            }
            s.push_str(text);
        }
        s
    };
    line(&row(&(0..lanes)
        .map(|i| (i, format!("CPU{i}")))
        .collect::<Vec<_>>()));
    line(&row(&(0..lanes)
        .map(|i| (i, "----".to_string()))
        .collect::<Vec<_>>()));
    if !labels.is_empty() {
        line(&row(&labels));
    }
    let mut prev: Option<(usize, crate::Action, bool)> = None;
    for (i, s) in scenario.steps.iter().enumerate() {
        let lane = lane_of(s.cpu);
        // After a bracket-only step, a blank line: its action under another name right below it
        // would be read as part of it (`[madvise(MADV_DONTNEED)]` then `zap_pte_range()`).
        let apart = match prev {
            Some((l, a, bracket)) => l != lane || bracket || names::absorbs(a, s.action),
            None => true,
        };
        if apart || bracket_form[i] {
            line("");
        }
        prev = Some((lane, s.action, bracket_form[i]));
        if !bracket_form[i] {
            line(&row(&[(lane, step_label(s))]));
        }
        if let Some(n) = &notes[i] {
            let room = WIDTH.saturating_sub(col(lane)).min(NOTE_WIDTH);
            let width = room.max(longest_unit(n) + 2);
            for (k, l) in wrap(&format!("[{n}]"), width, width - 1).iter().enumerate() {
                let text = if k == 0 { l.clone() } else { format!(" {l}") };
                line(&row(&[(lane, text)]));
            }
        }
    }
    out
}
