//! Reading a diagram's body, line by line and lane by lane: every line becomes a step, part of a step
//! (a call chain, a wrapped phrase), a note, a condition, a remark, a spacer (`...`), a footnote mark,
//! or an unmapped line, and [`super::Import::uses`] says which.

use std::collections::HashMap;

use super::lines::{append, at, normalize, Cell, Line};
use super::names::{self, How, Named};
use super::phrases::{Helper, Reach};
use super::{Commentary, Condition, Footnote, LineUse, Unmapped, UnmappedKind, Use, MAX_UNMAPPED};
use crate::formats::json::FormatError;
use crate::model::action::Action;
use crate::model::scenario::{Step, MAX_STEPS};

/// What a line of a lane refers back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// A step slot.
    Slot(usize),
    /// An unmapped line.
    Unmapped(usize),
}

/// A step in the making. Slots keep reading order; a bracket that turns out to name no action
/// leaves its slot empty.
#[derive(Debug)]
struct Slot {
    step: Option<Step>,
    line: usize,
    /// The function names (as keys) read into it.
    names: Vec<String>,
    weak: bool,
    exact: bool,
    /// The words it was read from, when they are not the action's label or id.
    wording: Option<String>,
    /// Its bracketed remarks.
    notes: Option<String>,
    footnotes: Vec<String>,
}

#[derive(Debug)]
struct OpenNote {
    text: String,
    line: usize,
    col: usize,
    /// The item it is the note of, or `None` for a bracket that must name its own step.
    target: Option<Target>,
    /// For a bracket that must name its step, the slot it holds.
    slot: Option<usize>,
    /// Where its lines are, for the account.
    lines: Vec<(usize, usize)>,
}

#[derive(Debug, Default)]
struct LaneState {
    last: Option<Target>,
    /// `last` was read or extended since the last blank line.
    para: bool,
    /// The line of the lane's last entry.
    prev_line: usize,
    /// The column of the line that began the current step.
    head_col: usize,
    open: Option<OpenNote>,
    /// Lines up to this one had their text joined into `consumed_slot`.
    consumed_until: usize,
    consumed_slot: usize,
    /// A note under no item that names no action: the note of the step right below it, if one
    /// follows on the lane's next line; else unmapped.
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    text: String,
    line: usize,
    col: usize,
    slot: usize,
    lines: Vec<(usize, usize)>,
}

/// A line's or a note's reference, resolved to step indexes when the diagram ends.
#[derive(Clone, Copy, Debug)]
enum RawUse {
    Step(usize),
    Part(usize),
    Note(Target),
    Condition,
    Commentary,
    Unmapped(usize),
    Footnote,
    Spacer,
    Mark,
}

/// Everything a diagram's body says, with step indexes.
pub(super) struct Read {
    pub steps: Vec<Step>,
    pub step_lines: Vec<usize>,
    pub unmapped: Vec<Unmapped>,
    pub conditions: Vec<Condition>,
    pub commentary: Vec<Commentary>,
    pub footnotes: Vec<Footnote>,
    pub uses: Vec<LineUse>,
}

/// The state of reading one diagram's body.
pub(super) struct Body {
    cols: Vec<usize>,
    lanes: Vec<LaneState>,
    slots: Vec<Slot>,
    /// Slots holding a step or an open bracket that may become one.
    live: usize,
    unmapped: Vec<(Unmapped, usize)>,
    conditions: Vec<(Condition, Option<usize>)>,
    commentary: Vec<(Commentary, Option<usize>)>,
    marks: Vec<(String, Target)>,
    footnotes: Vec<(Footnote, Option<Target>)>,
    uses: Vec<(usize, usize, Option<usize>, RawUse)>,
    suggestions: HashMap<String, Vec<Action>>,
}

/// Arrows and tree drawing that mark a call inside the step above (`==> ptep_get_and_clear()`).
const ARROWS: &[&str] = &[
    "==>", "=>", "-->", "->", "|->", "`->", "\\->", "+->", "|--", "`--", "\\--", "|-", "`-", "\\_",
    "└─", "├─", "└", "├", "↳", "→", "─",
];

/// Removes leading arrows; returns the rest and how many characters went.
fn strip_arrows(text: &str) -> (&str, usize) {
    let mut t = text;
    let mut gone = 0;
    loop {
        let before = t;
        for a in ARROWS {
            if let Some(rest) = t.strip_prefix(a) {
                gone += a.chars().count();
                t = rest;
                break;
            }
        }
        if before.len() == t.len() {
            break;
        }
        let trimmed = t.trim_start();
        gone += t.chars().count() - trimmed.chars().count();
        t = trimmed;
    }
    (t, gone)
}

/// A footnote mark: `[*]`, `(*)`, up to three stars.
fn mark(text: &str) -> Option<String> {
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .or_else(|| text.strip_prefix('(').and_then(|t| t.strip_suffix(')')))?;
    (!inner.is_empty() && inner.len() <= 3 && inner.chars().all(|c| c == '*'))
        .then(|| inner.to_string())
}

/// The text without a trailing footnote mark, and the mark.
fn strip_mark(text: &str) -> (&str, Option<String>) {
    let t = text.trim_end();
    for open in ['[', '('] {
        if let Some(i) = t.rfind(open) {
            if let Some(m) = mark(&t[i..]) {
                return (t[..i].trim_end(), Some(m));
            }
        }
    }
    (t, None)
}

/// An action's text and the page a ` (page N)` suffix names (0 without one).
pub(super) fn split_page(text: &str) -> (&str, usize) {
    let t = text.trim_end();
    if let Some(open) = t.rfind("(page ") {
        if let Some(n) = t[open + 6..]
            .strip_suffix(')')
            .filter(|n| n.len() <= 3)
            .and_then(|n| n.parse().ok())
        {
            return (t[..open].trim_end(), n);
        }
    }
    (t, 0)
}

/// Whether a cell holds no word: `...`, `|`, `-->`.
fn spacer(text: &str) -> bool {
    !text.chars().any(char::is_alphanumeric)
}

/// What a lane's text (arrows and marks gone) is.
enum Kind {
    Action(Named),
    Helper(&'static Helper, Option<Named>),
    UnknownCall,
    Condition,
    Commentary,
    Text,
}

fn kind(text: &str) -> Kind {
    let named = names::name_action(text);
    if let Some(h) = names::helper(text) {
        return Kind::Helper(h, named);
    }
    if let Some(n) = named {
        return Kind::Action(n);
    }
    if names::call(text).is_some() {
        return Kind::UnknownCall;
    }
    if names::is_condition(text) {
        return Kind::Condition;
    }
    if names::is_commentary(text) {
        return Kind::Commentary;
    }
    Kind::Text
}

/// Words, not code: what may wrap onto the next line as one phrase.
fn free_text(text: &str) -> bool {
    !text.starts_with('[')
        && !spacer(text)
        && names::call(text).is_none()
        && !names::is_condition(text)
        && strip_arrows(text).1 == 0
}

/// The function name of a line, as a key: what a step remembers of the names read into it.
fn function_key(text: &str) -> String {
    match names::call(text) {
        Some((name, _)) => names::key(name),
        None => names::key(text),
    }
}

impl Body {
    pub(super) fn new(cols: Vec<usize>) -> Body {
        let lanes = cols.iter().map(|_| LaneState::default()).collect();
        Body {
            cols,
            lanes,
            slots: Vec::new(),
            live: 0,
            unmapped: Vec::new(),
            conditions: Vec::new(),
            commentary: Vec::new(),
            marks: Vec::new(),
            footnotes: Vec::new(),
            uses: Vec::new(),
            suggestions: HashMap::new(),
        }
    }

    /// The lane of a cell starting at `col`: the nearest header column, counting a column left of
    /// a header twice (text is indented under its lane, seldom before it); ties go left.
    pub(super) fn lane(&self, col: usize) -> usize {
        let mut best = (usize::MAX, 0);
        for (i, &h) in self.cols.iter().enumerate() {
            let d = if col >= h {
                col - h
            } else {
                (h - col).saturating_mul(2)
            };
            if d < best.0 {
                best = (d, i);
            }
        }
        best.1
    }

    /// A line's cells grouped by lane, left to right: cells of one lane are read as one text.
    pub(super) fn groups(&self, line: &Line) -> Vec<(usize, Cell)> {
        let mut out: Vec<(usize, Cell)> = Vec::new();
        for cell in &line.cells {
            let lane = self.lane(cell.col);
            match out.last_mut() {
                Some((l, prev)) if *l == lane => {
                    prev.text.push(' ');
                    prev.text.push_str(&cell.text);
                }
                _ => out.push((lane, cell.clone())),
            }
        }
        out
    }

    pub(super) fn in_note(&self) -> bool {
        self.lanes.iter().any(|l| l.open.is_some())
    }

    fn use_(&mut self, line: usize, col: usize, lane: Option<usize>, what: RawUse) {
        self.uses.push((line, col, lane, what));
    }

    /// A line that opens a paragraph with prose (`The fix is…`, `Case b:`, a lone `"`): the diagram
    /// has ended.
    pub(super) fn opens_with_prose(&self, line: &Line) -> bool {
        let Some((lane, cell)) = self.groups(line).into_iter().next() else {
            return false;
        };
        let t = cell.text.trim();
        if lane != 0 || self.in_note() || t.starts_with('[') || strip_arrows(t).1 > 0 {
            return false;
        }
        if !t.is_empty()
            && t.chars()
                .all(|c| matches!(c, '"' | '\'' | '`' | '\u{201c}' | '\u{201d}' | '«' | '»'))
        {
            return true;
        }
        if spacer(t) {
            return false;
        }
        let name = t.find(" [").map_or(t, |k| &t[..k]);
        let name = split_page(strip_mark(name).0).0;
        if matches!(
            kind(name),
            Kind::Action(_) | Kind::Helper(..) | Kind::UnknownCall | Kind::Commentary
        ) || ["()", "->", "&&", "||", "=="].iter().any(|c| t.contains(c))
        {
            return false;
        }
        let words = t.split_whitespace().count();
        let ends = t.ends_with(['.', ':', '?']);
        let label = t
            .split_whitespace()
            .next()
            .is_some_and(|w| w.len() > 1 && w.ends_with(':'));
        let crosses = self.cols.len() > 1 && cell.end() > self.cols[1];
        ends || label || words >= 8 || (words >= 4 && crosses)
    }

    /// The mark a footnote line opens with (`[*] the old page may …`), if a line of the diagram
    /// carries it.
    pub(super) fn footnote_mark(&self, line: &Line) -> Option<String> {
        let first = line.cells.first()?;
        let t = first.text.trim();
        let close = t.find([']', ')'])?;
        let m = mark(&t[..=close])?;
        self.marks.iter().any(|(k, _)| *k == m).then_some(m)
    }

    /// Reads a footnote paragraph's line.
    pub(super) fn footnote_line(&mut self, line: &Line, mark: Option<String>) {
        let col = line.content_orig;
        self.use_(line.no, col, None, RawUse::Footnote);
        match mark {
            Some(m) => {
                let target = self.marks.iter().find(|(k, _)| *k == m).map(|x| x.1);
                let text = line.content.trim();
                let close = text.find([']', ')']).map_or(0, |i| i + 1);
                self.footnotes.push((
                    Footnote {
                        line: line.no,
                        mark: m,
                        text: normalize(&text[close..]),
                        step: None,
                    },
                    target,
                ));
            }
            None => {
                if let Some((f, _)) = self.footnotes.last_mut() {
                    append(&mut f.text, &line.content);
                }
            }
        }
    }

    /// A pending note that no step took: unmapped.
    fn flush_pending(&mut self, lane: usize) -> Result<(), FormatError> {
        let Some(p) = self.lanes[lane].pending.take() else {
            return Ok(());
        };
        let last = self.lanes[lane].last;
        let para = self.lanes[lane].para;
        let j = self.unmapped_at(lane, p.line, p.col, &p.text, UnmappedKind::Note, 0, p.slot)?;
        // The note is not the lane's item: what was above it stays so.
        if last.is_some() {
            self.lanes[lane].last = last;
            self.lanes[lane].para = para;
        }
        for (k, (line, col)) in p.lines.iter().enumerate() {
            let w = if k == 0 {
                RawUse::Unmapped(j)
            } else {
                RawUse::Note(Target::Unmapped(j))
            };
            self.use_(*line, *col, Some(lane), w);
        }
        Ok(())
    }

    /// Ends the reading of every lane's pending note.
    pub(super) fn flush_all(&mut self) -> Result<(), FormatError> {
        for lane in 0..self.lanes.len() {
            self.flush_pending(lane)?;
        }
        Ok(())
    }

    pub(super) fn blank_line(&mut self, line: &Line) -> Result<(), FormatError> {
        if let Some(o) = self.lanes.iter().find_map(|l| l.open.as_ref()) {
            return Err(at(
                o.line,
                o.col,
                format!(
                    "the note opened here is not closed with `]` before the blank line {}",
                    line.no
                ),
            ));
        }
        self.flush_all()?;
        for l in &mut self.lanes {
            l.para = false;
        }
        Ok(())
    }

    /// Reads line `i` of `lines`.
    pub(super) fn row(&mut self, lines: &[Line], i: usize) -> Result<(), FormatError> {
        for (lane, cell) in self.groups(&lines[i]) {
            let no = lines[i].no;
            if self.lanes[lane]
                .pending
                .as_ref()
                .is_some_and(|p| p.lines.last().map_or(0, |l| l.0) + 1 != no)
            {
                self.flush_pending(lane)?;
            }
            let before = self.lanes[lane].pending.as_ref().map(|p| p.line);
            self.entry(lines, i, lane, &cell)?;
            if before.is_some() && self.lanes[lane].pending.as_ref().map(|p| p.line) == before {
                self.flush_pending(lane)?;
            }
            self.lanes[lane].prev_line = no;
        }
        Ok(())
    }

    fn entry(
        &mut self,
        lines: &[Line],
        i: usize,
        lane: usize,
        cell: &Cell,
    ) -> Result<(), FormatError> {
        let no = lines[i].no;
        if self.lanes[lane].consumed_until >= no {
            let s = self.lanes[lane].consumed_slot;
            self.use_(no, cell.orig, Some(lane), RawUse::Part(s));
            return Ok(());
        }
        let mut rest: String = cell.text.trim().to_string();
        let mut col = cell.orig;
        if let Some(open) = self.lanes[lane].open.as_mut() {
            open.lines.push((no, col));
            match rest.find(']') {
                None => {
                    append(&mut open.text, &rest);
                    return Ok(());
                }
                Some(k) => {
                    append(&mut open.text, &rest[..k]);
                    col += rest[..=k].chars().count();
                    rest = rest[k + 1..].to_string();
                    self.close_note(lane)?;
                    return self.after_note(&rest, lane, no, col, cell.col);
                }
            }
        }
        // Arrows mark a call inside the step above.
        let (t, gone) = strip_arrows(&rest);
        let callee = gone > 0;
        let t = t.to_string();
        col += gone;
        let ecol = cell.col + gone;
        if t.starts_with('[') {
            return self.bracket(lane, &t, no, col, ecol);
        }
        if t.is_empty() || spacer(&t) {
            self.use_(no, col, Some(lane), RawUse::Spacer);
            return Ok(());
        }
        // A note or a mark on the same row: `Write to page [using stale PTE]`, `… old page [*]`.
        let (name, tail) = match t.find(" [") {
            Some(k) if mark(t[k..].trim()).is_none() => (t[..k].trim_end(), Some(&t[k + 1..])),
            _ => (t.as_str(), None),
        };
        let (name, m) = strip_mark(name);
        let (name, page) = split_page(name);
        self.text(lines, i, lane, name, page, col, ecol, callee)?;
        if let Some(m) = m {
            self.mark(lane, m, no, col);
        }
        if let Some(tail) = tail {
            let c = col + t[..t.len() - tail.len()].chars().count();
            let e = ecol + t[..t.len() - tail.len()].chars().count();
            return self.bracket(lane, tail, no, c, e);
        }
        Ok(())
    }

    fn mark(&mut self, lane: usize, m: String, no: usize, col: usize) {
        self.use_(no, col, Some(lane), RawUse::Mark);
        if let Some(t) = self.lanes[lane].last {
            if self.marks.len() < 64 {
                self.marks.push((m, t));
            }
        }
    }

    /// What follows a note's `]` on its row: a mark, another note, or text nobody can read.
    fn after_note(
        &mut self,
        rest: &str,
        lane: usize,
        no: usize,
        col: usize,
        ecol: usize,
    ) -> Result<(), FormatError> {
        let t = rest.trim_start();
        let col = col + rest.chars().count() - t.chars().count();
        let t = t.trim_end();
        if t.is_empty() {
            return Ok(());
        }
        if let Some(m) = mark(t) {
            self.mark(lane, m, no, col);
            return Ok(());
        }
        if t.starts_with('[') {
            return self.bracket(lane, t, no, col, ecol);
        }
        self.push_unmapped(lane, no, col, t, UnmappedKind::AfterNote, 0)
    }

    /// A `[` … `]` note starting in `t`.
    fn bracket(
        &mut self,
        lane: usize,
        t: &str,
        no: usize,
        col: usize,
        ecol: usize,
    ) -> Result<(), FormatError> {
        let ls = &self.lanes[lane];
        // Under an item of its paragraph a bracket is its note; one that names an action and has
        // other lanes' rows between it and that item is a step of its own (`[ write to page ]`
        // rows after a lane's `[ cached in TLB ]` in a diagram without blank lines).
        let apart = ls.prev_line + 1 != no
            && t[1..].split_once(']').is_some_and(|(inner, _)| {
                names::name_action(inner).is_some_and(|n| n.how != How::Weak)
            });
        let target = ls.last.filter(|_| ls.para && !apart);
        let slot = match target {
            Some(_) => None,
            None => Some(self.push_slot(no, col)?),
        };
        self.lanes[lane].open = Some(OpenNote {
            text: String::new(),
            line: no,
            col,
            target,
            slot,
            lines: vec![(no, col)],
        });
        if slot.is_some() {
            self.lanes[lane].head_col = ecol;
        }
        let body = &t[1..];
        match body.find(']') {
            None => {
                if let Some(o) = self.lanes[lane].open.as_mut() {
                    append(&mut o.text, body);
                }
                Ok(())
            }
            Some(k) => {
                if let Some(o) = self.lanes[lane].open.as_mut() {
                    append(&mut o.text, &body[..k]);
                }
                self.close_note(lane)?;
                let c = col + 1 + body[..=k].chars().count();
                self.after_note(&body[k + 1..], lane, no, c, ecol)
            }
        }
    }

    fn push_slot(&mut self, line: usize, column: usize) -> Result<usize, FormatError> {
        if self.live >= MAX_STEPS {
            return Err(at(
                line,
                column,
                format!("more than {MAX_STEPS} steps; a scenario has at most {MAX_STEPS}"),
            ));
        }
        self.live += 1;
        let _ = column;
        self.slots.push(Slot {
            step: None,
            line,
            names: Vec::new(),
            weak: false,
            exact: false,
            wording: None,
            notes: None,
            footnotes: Vec::new(),
        });
        Ok(self.slots.len() - 1)
    }

    fn close_note(&mut self, lane: usize) -> Result<(), FormatError> {
        let Some(open) = self.lanes[lane].open.take() else {
            return Ok(());
        };
        let text = normalize(&open.text);
        let target = match (open.target, open.slot) {
            (Some(t), _) => {
                self.add_note(t, &text);
                t
            }
            (None, Some(p)) => match names::name_action(&text) {
                Some(n) => {
                    let s = &mut self.slots[p];
                    s.step = Some(Step {
                        cpu: lane,
                        action: n.action,
                        page: 0,
                        note: None,
                    });
                    s.weak = n.how == How::Weak;
                    s.notes = Some(text);
                    let l = &mut self.lanes[lane];
                    l.last = Some(Target::Slot(p));
                    l.para = true;
                    Target::Slot(p)
                }
                None => {
                    self.live -= 1;
                    // A note after a blank line, under its lane's step when that step is the last
                    // one read: `Write to page` ⏎ ⏎ `[using stale PTE]`.
                    let orphan_of = match self.lanes[lane].last {
                        Some(Target::Slot(s))
                            if self.slots[s + 1..p].iter().all(|x| x.step.is_none())
                                && self.unmapped.last().is_none_or(|u| u.1 <= s) =>
                        {
                            Some(s)
                        }
                        _ => None,
                    };
                    match orphan_of {
                        Some(s) => {
                            self.add_note(Target::Slot(s), &text);
                            let l = &mut self.lanes[lane];
                            l.para = true;
                            Target::Slot(s)
                        }
                        None => {
                            self.flush_pending(lane)?;
                            self.lanes[lane].pending = Some(Pending {
                                text,
                                line: open.line,
                                col: open.col,
                                slot: p,
                                lines: open.lines,
                            });
                            return Ok(());
                        }
                    }
                }
            },
            (None, None) => return Ok(()),
        };
        let what = match (target, open.slot) {
            (Target::Slot(s), Some(p)) if s == p => RawUse::Step(s),
            (Target::Unmapped(j), Some(_)) => RawUse::Unmapped(j),
            (t, _) => RawUse::Note(t),
        };
        for (k, (line, col)) in open.lines.iter().enumerate() {
            let w = match (k, what) {
                (0, w) => w,
                (_, RawUse::Step(s)) => RawUse::Note(Target::Slot(s)),
                (_, RawUse::Unmapped(j)) => RawUse::Note(Target::Unmapped(j)),
                (_, w) => w,
            };
            self.use_(*line, *col, Some(lane), w);
        }
        Ok(())
    }

    fn add_note(&mut self, t: Target, text: &str) {
        let notes = match t {
            Target::Slot(s) => &mut self.slots[s].notes,
            Target::Unmapped(j) => &mut self.unmapped[j].0.notes,
        };
        match notes {
            Some(prev) if !prev.is_empty() && !text.is_empty() => {
                prev.push(' ');
                prev.push_str(text);
            }
            Some(_) if text.is_empty() => {}
            _ => *notes = Some(text.to_string()),
        }
    }

    fn push_unmapped(
        &mut self,
        lane: usize,
        no: usize,
        col: usize,
        text: &str,
        kind: UnmappedKind,
        page: usize,
    ) -> Result<(), FormatError> {
        let at_slot = self.slots.len();
        let j = self.unmapped_at(lane, no, col, text, kind, page, at_slot)?;
        self.use_(no, col, Some(lane), RawUse::Unmapped(j));
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn unmapped_at(
        &mut self,
        lane: usize,
        no: usize,
        col: usize,
        text: &str,
        kind: UnmappedKind,
        page: usize,
        slot: usize,
    ) -> Result<usize, FormatError> {
        if self.unmapped.len() >= MAX_UNMAPPED {
            return Err(at(
                no,
                col,
                format!(
                    "more than {MAX_UNMAPPED} lines name nothing the model knows: this is not a \
                     diagram tlbrace can read"
                ),
            ));
        }
        let text = normalize(text);
        let k = names::key(&text);
        let suggestions = match self.suggestions.get(&k) {
            Some(s) => s.clone(),
            None => {
                let s = names::suggest(&text);
                if self.suggestions.len() < 4096 {
                    self.suggestions.insert(k, s.clone());
                }
                s
            }
        };
        self.unmapped.push((
            Unmapped {
                line: no,
                column: col,
                cpu: lane,
                text,
                kind,
                suggestions,
                notes: None,
                page,
                at: 0,
                resolved: None,
            },
            slot,
        ));
        let j = self.unmapped.len() - 1;
        let l = &mut self.lanes[lane];
        l.last = Some(Target::Unmapped(j));
        l.para = true;
        Ok(j)
    }

    /// A lane's words: a step, part of the step above, a condition, a remark, or unmapped.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        lines: &[Line],
        i: usize,
        lane: usize,
        name: &str,
        page: usize,
        col: usize,
        ecol: usize,
        callee: bool,
    ) -> Result<(), FormatError> {
        let no = lines[i].no;
        // A phrase wrapped over several lines: `Write the same` ⏎ `value on page`.
        let (name, joined) = if free_text(name) {
            self.join(lines, i, lane, name)
        } else {
            (name.to_string(), 0)
        };
        let name = name.as_str();
        let k = kind(name);
        let ls = &self.lanes[lane];
        let block = ls.para && ls.prev_line + 1 == no;
        let deeper = block && ecol > ls.head_col;
        let nested = callee || deeper;
        let cur = match ls.last {
            Some(Target::Slot(s)) if self.slots[s].step.is_some() => Some(s),
            _ => None,
        };
        let fname = function_key(name);
        let (named, helper) = match &k {
            Kind::Action(n) => (Some(*n), None),
            Kind::Helper(h, n) => (*n, Some(*h)),
            _ => (None, None),
        };
        if let Some(s) = cur {
            let slot = &self.slots[s];
            let a = slot
                .step
                .as_ref()
                .map_or(Action::CachePteInTlb, |st| st.action);
            // A page fault stands for a step until the fault's function says which.
            if block && slot.weak && (named.is_some() || helper.is_some()) {
                match named.filter(|n| n.how != How::Weak) {
                    Some(n) => self.replace(s, n, &fname, ecol),
                    None => self.absorb(s, lane),
                }
                return self.after_text(s, lane, no, col, joined, true);
            }
            if let Some(h) = helper {
                if names::helper_within(h, a)
                    && (block || nested || h.reach == Reach::Lane)
                    && !slot.names.contains(&fname)
                {
                    self.absorb(s, lane);
                    self.slots[s].names.push(fname);
                    return self.after_text(s, lane, no, col, joined, false);
                }
            }
            if let Some(n) = named {
                let new_name = !slot.names.contains(&fname);
                if block && n.action == a && new_name && (nested || names::call(name).is_some()) {
                    self.absorb(s, lane);
                    self.slots[s].names.push(fname);
                    if n.how.exact() {
                        self.slots[s].exact = true;
                    }
                    return self.after_text(s, lane, no, col, joined, false);
                }
                if nested && !slot.exact && n.how != How::Weak && n.action != a {
                    self.replace(s, n, &fname, ecol);
                    return self.after_text(s, lane, no, col, joined, false);
                }
            }
            if named.is_none() && matches!(k, Kind::UnknownCall | Kind::Helper(..)) && nested {
                self.absorb(s, lane);
                return self.after_text(s, lane, no, col, joined, false);
            }
        }
        match k {
            Kind::Condition => {
                let step = self.lanes[lane]
                    .last
                    .filter(|_| self.lanes[lane].para)
                    .and_then(|t| match t {
                        Target::Slot(s) => Some(s),
                        Target::Unmapped(_) => None,
                    });
                self.conditions.push((
                    Condition {
                        line: no,
                        step: None,
                        text: name.to_string(),
                    },
                    step,
                ));
                self.use_(no, col, Some(lane), RawUse::Condition);
                Ok(())
            }
            Kind::Commentary => {
                let step = self.lanes[lane].last.and_then(|t| match t {
                    Target::Slot(s) => Some(s),
                    Target::Unmapped(_) => None,
                });
                self.commentary.push((
                    Commentary {
                        line: no,
                        column: col,
                        cpu: lane,
                        text: normalize(name),
                        step: None,
                    },
                    step,
                ));
                self.use_(no, col, Some(lane), RawUse::Commentary);
                Ok(())
            }
            _ => match named {
                Some(n) => {
                    let s = self.push_slot(no, col)?;
                    let action = n.action;
                    let slot = &mut self.slots[s];
                    slot.step = Some(Step {
                        cpu: lane,
                        action,
                        page: if action.def().per_page { page } else { 0 },
                        note: None,
                    });
                    slot.names.push(fname);
                    slot.weak = n.how == How::Weak;
                    slot.exact = n.how.exact();
                    slot.wording = (!n.how.exact()).then(|| normalize(name));
                    // A note right above the step, under nothing, is the step's.
                    if let Some(p) = self.lanes[lane].pending.take() {
                        self.slots[s].notes = Some(p.text);
                        for (line, col) in p.lines {
                            self.use_(line, col, Some(lane), RawUse::Note(Target::Slot(s)));
                        }
                    }
                    let l = &mut self.lanes[lane];
                    l.last = Some(Target::Slot(s));
                    l.para = true;
                    l.head_col = ecol;
                    self.after_text(s, lane, no, col, joined, true)
                }
                None => self.push_unmapped(lane, no, col, name, UnmappedKind::Text, page),
            },
        }
    }

    /// Records the line (and the lines joined into it) as step `s`'s.
    fn after_text(
        &mut self,
        s: usize,
        lane: usize,
        no: usize,
        col: usize,
        joined: usize,
        head: bool,
    ) -> Result<(), FormatError> {
        self.use_(
            no,
            col,
            Some(lane),
            if head {
                RawUse::Step(s)
            } else {
                RawUse::Part(s)
            },
        );
        if joined > 0 {
            let l = &mut self.lanes[lane];
            l.consumed_until = joined;
            l.consumed_slot = s;
        }
        Ok(())
    }

    fn absorb(&mut self, s: usize, lane: usize) {
        let l = &mut self.lanes[lane];
        l.last = Some(Target::Slot(s));
        l.para = true;
    }

    /// The innermost, most specific function wins: the step becomes `n`'s.
    fn replace(&mut self, s: usize, n: Named, fname: &str, ecol: usize) {
        let slot = &mut self.slots[s];
        if let Some(st) = slot.step.as_mut() {
            st.action = n.action;
            if !n.action.def().per_page {
                st.page = 0;
            }
            if slot.exact || slot.weak {
                slot.wording = None;
            }
            let cpu = st.cpu;
            slot.names.push(fname.to_string());
            slot.exact = n.how.exact();
            slot.weak = n.how == How::Weak;
            let l = &mut self.lanes[cpu];
            l.head_col = ecol;
            l.last = Some(Target::Slot(s));
            l.para = true;
        }
    }

    /// The longest run of this lane's next lines (at most three more) whose words, joined to
    /// `first`, name an action that none of the later lines names alone. Returns the text and the
    /// last line joined (0 for none).
    fn join(&self, lines: &[Line], i: usize, lane: usize, first: &str) -> (String, usize) {
        let mut parts: Vec<(String, usize)> = Vec::new();
        let depth = lines[i].depth;
        for next in lines.iter().skip(i + 1).take(3) {
            if next.blank() || next.depth != depth || next.no != lines[i].no + parts.len() + 1 {
                break;
            }
            let Some((_, cell)) = self.groups(next).into_iter().find(|(l, _)| *l == lane) else {
                break;
            };
            let t = cell.text.trim().to_string();
            if !free_text(&t) || !matches!(kind(&t), Kind::Text | Kind::Commentary) {
                break;
            }
            parts.push((t, next.no));
        }
        for n in (1..=parts.len()).rev() {
            let mut text = first.to_string();
            for (p, _) in &parts[..n] {
                append(&mut text, p);
            }
            if names::name_action(&text).is_some_and(|x| x.how != How::Weak) {
                return (text, parts[n - 1].1);
            }
        }
        (first.to_string(), 0)
    }

    /// Ends the body at `last_line`.
    pub(super) fn finish(mut self, last_line: usize) -> Result<Read, FormatError> {
        self.flush_all()?;
        if let Some(o) = self.lanes.iter().find_map(|l| l.open.as_ref()) {
            return Err(at(
                o.line,
                o.col,
                format!(
                    "the note opened here is never closed with `]` (the diagram ends at line \
                     {last_line})"
                ),
            ));
        }
        // Footnotes join their step's note.
        for (f, t) in &self.footnotes {
            if let Some(Target::Slot(s)) = t {
                self.slots[*s].footnotes.push(f.text.clone());
            }
        }
        // rank[i]: the steps before slot i.
        let mut rank = Vec::with_capacity(self.slots.len() + 1);
        let mut n = 0;
        for s in &self.slots {
            rank.push(n);
            if s.step.is_some() {
                n += 1;
            }
        }
        rank.push(n);
        let step_of = |slot: usize| rank[slot];
        let mut steps = Vec::with_capacity(n);
        let mut step_lines = Vec::with_capacity(n);
        for s in &self.slots {
            if let Some(st) = &s.step {
                let mut note = s.notes.clone().or_else(|| s.wording.clone());
                for f in &s.footnotes {
                    match note.as_mut() {
                        Some(t) if !t.is_empty() => {
                            t.push_str("; ");
                            t.push_str(f);
                        }
                        _ => note = Some(f.clone()),
                    }
                }
                steps.push(Step { note, ..st.clone() });
                step_lines.push(s.line);
            }
        }
        // Unmapped lines in reading order (a note above a step is only known to be unmapped when
        // the line below it is read).
        let mut order: Vec<usize> = (0..self.unmapped.len()).collect();
        crate::sort::sort_by_key(&mut order, |&j| {
            crate::sort::pair(self.unmapped[j].0.line, self.unmapped[j].0.column)
        });
        let mut new_index = vec![0; order.len()];
        for (pos, &j) in order.iter().enumerate() {
            new_index[j] = pos;
        }
        let renumber = |t: &mut Target| {
            if let Target::Unmapped(j) = t {
                *j = new_index[*j];
            }
        };
        for (_, _, _, raw) in &mut self.uses {
            match raw {
                RawUse::Unmapped(j) => *j = new_index[*j],
                RawUse::Note(t) => renumber(t),
                _ => {}
            }
        }
        for (_, t) in &mut self.footnotes {
            if let Some(t) = t {
                renumber(t);
            }
        }
        let mut taken: Vec<Option<(Unmapped, usize)>> = std::mem::take(&mut self.unmapped)
            .into_iter()
            .map(Some)
            .collect();
        self.unmapped = order.iter().filter_map(|&j| taken[j].take()).collect();
        let unmapped: Vec<Unmapped> = self
            .unmapped
            .into_iter()
            .map(|(mut u, slot)| {
                u.at = step_of(slot);
                u
            })
            .collect();
        let mut unmapped = unmapped;
        for (f, t) in &self.footnotes {
            if let Some(Target::Unmapped(j)) = t {
                let u = &mut unmapped[*j];
                match u.notes.as_mut() {
                    Some(n) if !n.is_empty() => {
                        n.push_str("; ");
                        n.push_str(&f.text);
                    }
                    _ => u.notes = Some(f.text.clone()),
                }
            }
        }
        let live = |slot: usize, slots: &[Slot]| slots[slot].step.is_some();
        let target_step = |t: Target, slots: &[Slot]| match t {
            Target::Slot(s) if live(s, slots) => Some(step_of(s)),
            _ => None,
        };
        let conditions = self
            .conditions
            .into_iter()
            .map(|(mut c, s)| {
                c.step = s.filter(|&s| live(s, &self.slots)).map(step_of);
                c
            })
            .collect();
        let commentary = self
            .commentary
            .into_iter()
            .map(|(mut c, s)| {
                c.step = s.filter(|&s| live(s, &self.slots)).map(step_of);
                c
            })
            .collect();
        let footnotes = self
            .footnotes
            .into_iter()
            .map(|(mut f, t)| {
                f.step = t.and_then(|t| target_step(t, &self.slots));
                f
            })
            .collect();
        let uses = self
            .uses
            .into_iter()
            .map(|(line, column, cpu, raw)| LineUse {
                line,
                column,
                cpu,
                what: match raw {
                    RawUse::Step(s) => Use::Step(step_of(s)),
                    RawUse::Part(s) => Use::Part(step_of(s)),
                    RawUse::Note(Target::Slot(s)) => Use::Note(step_of(s)),
                    RawUse::Note(Target::Unmapped(j)) => Use::UnmappedNote(j),
                    RawUse::Condition => Use::Condition,
                    RawUse::Commentary => Use::Commentary,
                    RawUse::Unmapped(j) => Use::Unmapped(j),
                    RawUse::Footnote => Use::Footnote,
                    RawUse::Spacer => Use::Spacer,
                    RawUse::Mark => Use::Mark,
                },
            })
            .collect();
        Ok(Read {
            steps,
            step_lines,
            unmapped,
            conditions,
            commentary,
            footnotes,
            uses,
        })
    }
}
