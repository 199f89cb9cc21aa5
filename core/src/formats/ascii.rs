//! Race diagrams as people draw them in commit messages and mails: a header row of lane names, an
//! optional dashed rule and row of lane captions, then the steps in their lanes' columns, with call
//! chains, bracketed notes, `...`, blank lines, conditions and footnotes. [`import`] reads what
//! people paste (quoted, tabbed, inside a whole mail) and [`export`] writes the seed thread's style,
//! ready to paste into a reply.
//!
//! ```text
//! The basic race looks like this:
//!
//!         CPU0                            CPU1
//!         ----                            ----
//!                                         user accesses memory using RW PTE
//!                                         [PTE now cached in TLB]
//!         try_to_unmap_one()
//!         ==> ptep_get_and_clear()
//!         ==> set_tlb_ubc_flush_pending()
//!                                         mprotect(addr, PROT_READ)
//!                                         ==> change_pte_range()
//!                                         ==> [ PTE non-present - no flush ]
//! ```
//!
//! **No line is dropped silently.** Every line of a diagram becomes a step, part of a step (a call
//! inside it, a wrapped phrase), a note, a condition, a remark, a spacer, a footnote, or an
//! [`Unmapped`] line that names nothing the model knows, with the nearest actions as suggestions.
//! [`import`] refuses a diagram with unmapped lines, naming each; [`import_lenient`] returns the
//! scenario of the lines it could read with the [`Import::unmapped`] list, and
//! [`Import::resolve`] turns one of them into a step at its place (or into a remark), as a user
//! does in the paste panel. [`Import::uses`] says what became of every line.
//!
//! The rules, in full, are in `docs/scenario-format.md` §3; the words the importer knows are the
//! action rows' ids, labels and aliases (`model/actions/*.rs`) and the tables of [`phrases`].

mod export;
mod header;
mod lines;
pub mod names;
pub mod phrases;
mod reader;

pub use export::export;
pub(crate) use export::wrap;
pub use header::LaneName;
pub use names::suggest;

use crate::formats::json::FormatError;
use crate::model::action::Action;
use crate::model::initial::{field, InitialState, PageSpec, Scope, FIELDS};
use crate::model::scenario::{Scenario, Step, FORMAT_VERSION, MAX_STEPS};
use crate::model::state::{PageKind, MAX_CPUS, MAX_PAGES};
use header::{is_header, is_rule, lane_names};
use lines::{append, at, normalize, prepare, Line};
use reader::Body;

/// The widest line [`export`] aims for: what mail clients and the kernel's patch etiquette expect.
pub const WIDTH: usize = 72;

/// The most text the importer reads, in bytes: a whole mail thread fits; more is not a diagram.
/// Reading is linear in the text (the fuzz target `ascii_import` runs at this size).
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// The most unmapped lines one diagram may have: past that, the text is not a diagram.
pub const MAX_UNMAPPED: usize = 256;

/// The most diagrams one text may hold.
pub const MAX_DIAGRAMS: usize = 256;

/// A condition line the importer left out (`!pte_dirty() && !pte_write()`, `if (…)`,
/// `tlb->freed_tables = 1`): the variant, not the diagram, decides it. Kept so that a UI can say
/// what was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The line it was on, from 1.
    pub line: usize,
    /// The step it stood under, if any.
    pub step: Option<usize>,
    /// Its text.
    pub text: String,
}

/// A line read as a remark about the race, not a step (`lose data`, `time passes`), or an unmapped
/// line the user resolved to nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commentary {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, as written.
    pub column: usize,
    /// Its lane.
    pub cpu: usize,
    /// Its text.
    pub text: String,
    /// The step of its lane it follows, if any.
    pub step: Option<usize>,
}

/// A footnote after the diagram (`[*] the old page may belong to a new user`), joined to the note
/// of the step whose line carries its mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footnote {
    /// Its first line, from 1.
    pub line: usize,
    /// Its mark's stars (`*`).
    pub mark: String,
    /// Its text, lines joined.
    pub text: String,
    /// The step whose line carries the mark, if that line is a step.
    pub step: Option<usize>,
}

/// What an unmapped line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnmappedKind {
    /// Words or a function call the model does not know.
    Text,
    /// A bracketed note under no step of its lane that names no action.
    Note,
    /// Text after a note's `]` on the same row.
    AfterNote,
}

/// What the user made of an unmapped line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A step, now at this index of the scenario.
    Step(usize),
    /// A remark: no step.
    Commentary,
}

/// A line the importer could not map to an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmapped {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, as written.
    pub column: usize,
    /// Its lane.
    pub cpu: usize,
    /// Its text (for a note, without the brackets), whitespace normalized.
    pub text: String,
    /// What it is.
    pub kind: UnmappedKind,
    /// The nearest actions by name, best first (see [`suggest`]); for a line with a note under it
    /// that names an action, that action first.
    pub suggestions: Vec<Action>,
    /// The bracketed notes under it, if any: the note of the step it is resolved to.
    pub notes: Option<String>,
    /// The page a ` (page N)` suffix named.
    pub page: usize,
    /// Where a step resolved from it goes: the index in the scenario's steps, between the steps
    /// read before it and after it. Kept up to date by [`Import::resolve`].
    pub at: usize,
    /// What the user made of it, once resolved.
    pub resolved: Option<Resolved>,
}

impl Unmapped {
    /// The message strict import gives for it.
    pub fn message(&self) -> String {
        let suggestions = if self.suggestions.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = self
                .suggestions
                .iter()
                .map(|a| format!("`{}`", a.label()))
                .collect();
            format!("; did you mean {}?", names.join(", "))
        };
        let what = match self.kind {
            UnmappedKind::Text => format!("unknown action `{}` on CPU{}", self.text, self.cpu),
            UnmappedKind::Note => format!(
                "the note `[{}]` is under no action of CPU{} and names none",
                self.text, self.cpu
            ),
            UnmappedKind::AfterNote => {
                format!("unexpected text `{}` after a note's `]`", self.text)
            }
        };
        format!(
            "line {}, column {}: {what}{suggestions}",
            self.line, self.column
        )
    }
}

/// What became of one lane's part of a line (or of a whole line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// The header row.
    Header,
    /// The dashed rule under it.
    Rule,
    /// The row of lane captions.
    Labels,
    /// The line that makes this step.
    Step(usize),
    /// A line read into this step: a call inside it, a wrapped phrase's next line.
    Part(usize),
    /// A note of this step.
    Note(usize),
    /// A note of this unmapped line.
    UnmappedNote(usize),
    /// A condition ([`Import::conditions`]).
    Condition,
    /// A remark ([`Import::commentary`]).
    Commentary,
    /// This unmapped line ([`Import::unmapped`]).
    Unmapped(usize),
    /// A footnote ([`Import::footnotes`]).
    Footnote,
    /// A line of no words inside a lane: `...`, `|`.
    Spacer,
    /// A footnote mark (`[*]`).
    Mark,
}

/// One entry of [`Import::uses`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineUse {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, as written.
    pub column: usize,
    /// The lane, for a lane's text.
    pub cpu: Option<usize>,
    /// What it became.
    pub what: Use,
}

/// One diagram read leniently: the scenario of the lines the model knows, and everything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// The scenario: every mapped line's step, and the steps unmapped lines were resolved to.
    pub scenario: Scenario,
    /// The line of its header row, from 1.
    pub header_line: usize,
    /// The last line that belonged to it.
    pub last_line: usize,
    /// The lanes as the header names them.
    pub lanes: Vec<LaneName>,
    /// The lines that name nothing the model knows.
    pub unmapped: Vec<Unmapped>,
    /// The conditions left out.
    pub conditions: Vec<Condition>,
    /// The remarks.
    pub commentary: Vec<Commentary>,
    /// The footnotes.
    pub footnotes: Vec<Footnote>,
    /// What became of every line from the header to the last line (blank lines aside), in reading
    /// order.
    pub uses: Vec<LineUse>,
}

/// One diagram found in a text, read strictly: every line mapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The scenario the diagram describes.
    pub scenario: Scenario,
    /// The line of its header row, from 1.
    pub header_line: usize,
    /// The last line that belonged to it.
    pub last_line: usize,
    /// The condition lines left out.
    pub conditions: Vec<Condition>,
    /// The remarks.
    pub commentary: Vec<Commentary>,
    /// The footnotes.
    pub footnotes: Vec<Footnote>,
}

impl Import {
    /// The unmapped lines not resolved yet.
    pub fn unresolved(&self) -> impl Iterator<Item = &Unmapped> {
        self.unmapped.iter().filter(|u| u.resolved.is_none())
    }

    /// Whether every unmapped line is resolved.
    pub fn is_resolved(&self) -> bool {
        self.unresolved().next().is_none()
    }

    /// Resolves unmapped line `which` (an index into [`Import::unmapped`]): to a step of `action` on
    /// its lane, inserted at its place ([`Unmapped::at`]), with its notes (or, without any, its text)
    /// as the note; or, with `None`, to a remark. Every index after the new step moves up by one.
    /// Returns the new step's index.
    pub fn resolve(
        &mut self,
        which: usize,
        action: Option<Action>,
    ) -> Result<Option<usize>, FormatError> {
        let Some(u) = self.unmapped.get(which) else {
            return Err(FormatError(format!(
                "no unmapped line {which}: the diagram has {}",
                self.unmapped.len()
            )));
        };
        if u.resolved.is_some() {
            return Err(FormatError(format!(
                "line {}, column {}: already resolved",
                u.line, u.column
            )));
        }
        let Some(action) = action else {
            let c = Commentary {
                line: u.line,
                column: u.column,
                cpu: u.cpu,
                text: u.text.clone(),
                step: u.at.checked_sub(1),
            };
            self.commentary.push(c);
            crate::sort::sort_by_key(&mut self.commentary, |c| {
                crate::sort::pair(c.line, c.column)
            });
            self.unmapped[which].resolved = Some(Resolved::Commentary);
            return Ok(None);
        };
        if self.scenario.steps.len() >= MAX_STEPS {
            return Err(FormatError(format!(
                "line {}: a scenario has at most {MAX_STEPS} steps",
                u.line
            )));
        }
        let at = u.at.min(self.scenario.steps.len());
        let step = Step {
            cpu: u.cpu,
            action,
            page: if action.def().per_page { u.page } else { 0 },
            note: u.notes.clone().or_else(|| Some(u.text.clone())),
        };
        self.scenario.steps.insert(at, step);
        let shift = |s: &mut usize| {
            if *s >= at {
                *s += 1;
            }
        };
        let place = (u.line, u.column);
        for other in &mut self.unmapped {
            match &mut other.resolved {
                Some(Resolved::Step(s)) => shift(s),
                Some(Resolved::Commentary) => {}
                // Lines after it in reading order go after its step.
                None if other.at > at || (other.at == at && (other.line, other.column) > place) => {
                    other.at += 1
                }
                None => {}
            }
        }
        for c in &mut self.conditions {
            c.step.iter_mut().for_each(shift);
        }
        for c in &mut self.commentary {
            c.step.iter_mut().for_each(shift);
        }
        for f in &mut self.footnotes {
            f.step.iter_mut().for_each(shift);
        }
        for u in &mut self.uses {
            match &mut u.what {
                Use::Step(s) | Use::Part(s) | Use::Note(s) => shift(s),
                _ => {}
            }
        }
        self.unmapped[which].resolved = Some(Resolved::Step(at));
        Ok(Some(at))
    }

    /// The error strict import gives: every unresolved line with its line, column and suggestions.
    pub fn unmapped_error(&self) -> Option<FormatError> {
        let msgs: Vec<String> = self.unresolved().map(Unmapped::message).collect();
        match msgs.len() {
            0 => None,
            1 => Some(FormatError(msgs[0].clone())),
            n => Some(FormatError(format!(
                "{n} lines of the diagram at line {} name nothing the model knows:\n{}",
                self.header_line,
                msgs.join("\n")
            ))),
        }
    }

    /// The scenario, once every unmapped line is resolved; a scenario needs a step.
    pub fn finish(self) -> Result<Imported, FormatError> {
        if let Some(e) = self.unmapped_error() {
            return Err(e);
        }
        if self.scenario.steps.is_empty() {
            return Err(no_steps(self.header_line));
        }
        self.scenario
            .validate()
            .map_err(|e| FormatError(format!("line {}: {e}", self.header_line)))?;
        Ok(Imported {
            scenario: self.scenario,
            header_line: self.header_line,
            last_line: self.last_line,
            conditions: self.conditions,
            commentary: self.commentary,
            footnotes: self.footnotes,
        })
    }
}

fn no_steps(header: usize) -> FormatError {
    FormatError(format!(
        "line {header}: the diagram has no steps: no line under its header names an action"
    ))
}

/// Reads the first diagram in `text` (a mail, a quoted reply, a file holding a diagram), strictly:
/// a line that names nothing the model knows is an error, and so is a diagram without steps.
pub fn import(text: &str) -> Result<Scenario, FormatError> {
    import_lenient(text)?.finish().map(|d| d.scenario)
}

/// Reads every diagram in `text`, in order, strictly: pasting a whole thread yields all of its races.
pub fn import_all(text: &str) -> Result<Vec<Imported>, FormatError> {
    import_all_lenient(text)?
        .into_iter()
        .map(Import::finish)
        .collect()
}

/// Reads the first diagram in `text` leniently: the lines the model does not know are listed in
/// [`Import::unmapped`], not errors. Errors are for what is not a diagram at all (no header, an
/// unclosed note, too many lanes or steps), and for a diagram with neither steps nor unmapped lines.
pub fn import_lenient(text: &str) -> Result<Import, FormatError> {
    let lines = prepare(text, MAX_INPUT_BYTES)?;
    match next_diagram(&lines, 0)? {
        Some(d) => Ok(d),
        None => Err(no_diagram()),
    }
}

/// Every diagram in `text`, read as [`import_lenient`] reads one.
pub fn import_all_lenient(text: &str) -> Result<Vec<Import>, FormatError> {
    let lines = prepare(text, MAX_INPUT_BYTES)?;
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(d) = next_diagram(&lines, from)? {
        if out.len() == MAX_DIAGRAMS {
            return Err(FormatError(format!(
                "line {}: more than {MAX_DIAGRAMS} diagrams in one text",
                d.header_line
            )));
        }
        // `last_line` is 1-based, so it is also the index of the line after the diagram.
        from = d.last_line.max(from + 1);
        out.push(d);
    }
    if out.is_empty() {
        return Err(no_diagram());
    }
    Ok(out)
}

fn no_diagram() -> FormatError {
    FormatError(
        "no diagram found: expected a header row of lane names such as `CPU0        CPU1`, \
         `CPU A   CPU B` or `t1   t2`"
            .into(),
    )
}

/// Whether `text` survives [`export`] then [`import`] unchanged as a note (or a lane label): free of
/// brackets, with single spaces between words and none at the ends. The empty note is representable
/// too (`[]`).
pub fn note_is_representable(text: &str) -> bool {
    text.is_empty() || (normalize(text) == text && !text.contains(['[', ']']))
}

// ---------------------------------------------------------------------------------------------------
// Finding and reading a diagram.

/// The number a numbered lane name should have, if its lanes are numbered.
fn check_lanes(header: &Line, names: &[LaneName]) -> Result<(), FormatError> {
    if names.len() > MAX_CPUS {
        let c = &names[MAX_CPUS];
        return Err(at(
            header.no,
            c.orig,
            format!(
                "the header names {} CPUs; a scenario has at most {MAX_CPUS}",
                names.len()
            ),
        ));
    }
    let first = names[0].number;
    for (i, n) in names.iter().enumerate() {
        if let (Some(f), Some(k)) = (first, n.number) {
            let want = f + i as u32;
            if k != want && names.iter().all(|x| x.number.is_some()) {
                let prefix: String = n.name.trim_end_matches(|c: char| c.is_ascii_digit()).into();
                return Err(at(
                    header.no,
                    n.orig,
                    format!(
                        "expected {prefix}{want}, found `{}`: numbered lanes go up by one from the left",
                        n.name
                    ),
                ));
            }
        }
        if names[..i]
            .iter()
            .any(|x| x.name.eq_ignore_ascii_case(&n.name))
        {
            return Err(at(
                header.no,
                n.orig,
                format!("`{}` names two lanes", n.name),
            ));
        }
    }
    Ok(())
}

fn next_diagram(lines: &[Line], from: usize) -> Result<Option<Import>, FormatError> {
    let Some(h) = (from..lines.len()).find(|&i| is_header(lines, i)) else {
        return Ok(None);
    };
    let header = &lines[h];
    let names = lane_names(header).unwrap_or_default();
    check_lanes(header, &names)?;
    let (title, setup) = preamble(lines, from, h)?;
    let cols: Vec<usize> = names.iter().map(|n| n.col).collect();
    let mut body = Body::new(cols);
    let mut uses = vec![LineUse {
        line: header.no,
        column: header.content_orig,
        cpu: None,
        what: Use::Header,
    }];
    let mut labels: Vec<String> = names
        .iter()
        .map(|n| n.caption.clone().unwrap_or_default())
        .collect();
    let mut i = h + 1;
    if lines.get(i).is_some_and(is_rule) {
        uses.push(LineUse {
            line: lines[i].no,
            column: lines[i].content_orig,
            cpu: None,
            what: Use::Rule,
        });
        i += 1;
        if let Some(l) = lines
            .get(i)
            .filter(|l| is_label_row(l, lines.get(i + 1), &body))
        {
            let mut row = vec![String::new(); names.len()];
            for (lane, cell) in body.groups(l) {
                append(&mut row[lane], &cell.text);
            }
            labels = row.iter().map(|l| normalize(l)).collect();
            uses.push(LineUse {
                line: l.no,
                column: l.content_orig,
                cpu: None,
                what: Use::Labels,
            });
            i += 1;
        }
    }
    let mut last = i;
    let mut paragraph_start = true;
    let mut footnotes = false;
    while let Some(line) = lines.get(i) {
        if line.blank() {
            body.blank_line(line)?;
            paragraph_start = true;
            i += 1;
            continue;
        }
        let in_note = body.in_note();
        if line.depth != header.depth || (!in_note && is_header(lines, i)) {
            break;
        }
        if !in_note && (paragraph_start || footnotes) {
            // Footnotes close the diagram: after them only more footnotes.
            let mark = body.footnote_mark(line);
            if mark.is_some() || (footnotes && !paragraph_start) {
                body.footnote_line(line, mark);
                footnotes = true;
                paragraph_start = false;
                last = i + 1;
                i += 1;
                continue;
            }
            if footnotes || body.opens_with_prose(line) {
                break;
            }
        }
        body.row(lines, i)?;
        paragraph_start = false;
        last = i + 1;
        i += 1;
    }
    let last_line = lines
        .get(last.saturating_sub(1))
        .map_or(header.no, |l| l.no);
    let read = body.finish(last_line)?;
    uses.extend(read.uses);
    while labels.last().is_some_and(String::is_empty) {
        labels.pop();
    }
    let scenario = Scenario {
        version: FORMAT_VERSION,
        title,
        cpus: names.len(),
        labels,
        pages: setup.pages,
        initial: setup.initial,
        view: Default::default(),
        steps: read.steps,
    };
    if let Err(e) = scenario.validate() {
        return Err(match e.step.and_then(|s| read.step_lines.get(s)) {
            Some(line) => FormatError(format!("line {line}: {}", e.message)),
            None => FormatError(format!("line {}: {}", header.no, e.message)),
        });
    }
    if scenario.steps.is_empty() && read.unmapped.is_empty() {
        return Err(no_steps(header.no));
    }
    Ok(Some(Import {
        scenario,
        header_line: header.no,
        last_line: last_line.max(header.no),
        lanes: names,
        unmapped: read.unmapped,
        conditions: read.conditions,
        commentary: read.commentary,
        footnotes: read.footnotes,
        uses,
    }))
}

/// A label row sits right under the rule, is followed by a blank line (or nothing), opens no note,
/// and is not a row of steps. Its place, not its words, makes it one: `writeback` is a fine caption.
fn is_label_row(line: &Line, next: Option<&Line>, body: &Body) -> bool {
    !line.blank()
        && next.is_none_or(Line::blank)
        && !line.cells.iter().any(|c| c.text.starts_with('['))
        && !body
            .groups(line)
            .iter()
            .all(|(_, c)| names::name_action(&c.text).is_some())
}

/// What a diagram's setup lines (`initial: …`, `page 1: …`) say: the pages and the mm's overrides.
#[derive(Default)]
struct Setup {
    pages: Vec<PageSpec>,
    initial: InitialState,
}

fn preamble(
    lines: &[Line],
    from: usize,
    header: usize,
) -> Result<(Option<String>, Setup), FormatError> {
    let depth = lines[header].depth;
    let mut end = header;
    while end > from && lines[end - 1].blank() {
        end -= 1;
    }
    let mut start = end;
    while start > from && !lines[start - 1].blank() && lines[start - 1].depth == depth {
        start -= 1;
    }
    let mut paragraph = &lines[start..end];
    let mut setup = Setup {
        pages: vec![PageSpec::default()],
        initial: InitialState::default(),
    };
    // The setup lines close the paragraph; of several `initial:` lines in that run, the last opens
    // the setup (the lines before it are the title's: the exporter writes an `initial:` line after a
    // title that ends like one).
    let mut setup_start = paragraph
        .iter()
        .rposition(|l| !(starts_initial(&l.content) || page_line(&l.content).is_some()))
        .map_or(0, |i| i + 1);
    if let Some(k) = paragraph[setup_start..]
        .iter()
        .rposition(|l| starts_initial(&l.content))
    {
        setup_start += k;
    }
    for line in &paragraph[setup_start..] {
        parse_setup(line, &mut setup)?;
    }
    paragraph = &paragraph[..setup_start];
    let mut title = String::new();
    for line in paragraph {
        append(&mut title, &line.content);
    }
    let mut title = normalize(&title);
    if title.ends_with(':') {
        title.pop();
    }
    let title = (!title.is_empty() && title.chars().count() <= crate::model::scenario::MAX_TEXT)
        .then_some(title);
    Ok((title, setup))
}

/// The page a `page N:` line sets up, and where its key=values start.
pub(crate) fn page_line(text: &str) -> Option<(usize, usize)> {
    let rest = text.strip_prefix("page ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let n: usize = rest.get(..digits)?.parse().ok()?;
    rest[digits..]
        .starts_with(':')
        .then_some((n, 5 + digits + 1))
}

/// Reads one setup line into `setup`: `initial: key=value …` sets page 0's fields and the mm's,
/// `page N: key=value …` page N's (`kind=anon`, `same_as=0` among them).
fn parse_setup(line: &Line, setup: &mut Setup) -> Result<(), FormatError> {
    let (page, skip) = match page_line(&line.content) {
        Some((n, skip)) => (n, skip),
        None => (0, 8),
    };
    if page >= MAX_PAGES {
        return Err(at(
            line.no,
            line.content_orig,
            format!("a scenario maps at most {MAX_PAGES} pages; there is no page {page}"),
        ));
    }
    while setup.pages.len() <= page {
        setup.pages.push(PageSpec::default());
    }
    let body = &line.content[skip..];
    let mut offset = skip;
    let mut seen: Vec<String> = Vec::new();
    for token in body.split(' ') {
        let col = line.content_orig + line.content[..offset].chars().count();
        offset += token.len() + 1;
        if token.is_empty() {
            continue;
        }
        let (key, value) = token.split_once('=').ok_or_else(|| {
            at(
                line.no,
                col,
                format!("`{token}` should be key=value, such as dirty=false"),
            )
        })?;
        if seen.iter().any(|k| k == key) {
            return Err(at(line.no, col, format!("`{key}` is set twice")));
        }
        seen.push(key.to_string());
        let spec = &mut setup.pages[page];
        match key {
            "kind" => {
                spec.kind = match value {
                    "file" => PageKind::File,
                    "anon" => PageKind::Anon,
                    _ => {
                        return Err(at(
                            line.no,
                            col,
                            format!("`kind` takes file or anon, not `{value}`"),
                        ))
                    }
                }
            }
            "same_as" => {
                spec.same_as = Some(value.parse().map_err(|_| {
                    at(
                        line.no,
                        col,
                        format!("`same_as` takes a page number, not `{value}`"),
                    )
                })?)
            }
            _ => {
                let f = field(key).ok_or_else(|| {
                    let known: Vec<&str> = FIELDS.iter().map(|f| f.key).collect();
                    at(
                        line.no,
                        col,
                        format!(
                            "unknown initial-state field `{key}`; known: kind, same_as, {}",
                            known.join(", ")
                        ),
                    )
                })?;
                let v = f.parse(value).map_err(|e| at(line.no, col, e))?;
                match f.scope() {
                    Scope::Page => f.store_page(&mut spec.initial, Some(v)),
                    Scope::Mm if page == 0 && starts_initial(&line.content) => {
                        f.store_mm(&mut setup.initial, Some(v))
                    }
                    Scope::Mm => {
                        return Err(at(
                            line.no,
                            col,
                            format!("`{key}` is the mm's: set it on the `initial:` line"),
                        ))
                    }
                }
            }
        }
    }
    Ok(())
}

/// Whether a line's text opens with `initial:` (any case): the initial-state line of §3.1 rule 5.
pub(crate) fn starts_initial(text: &str) -> bool {
    text.get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("initial:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::{example, EXAMPLES};
    use lines::{ends_with_word_hyphen, word_char};

    #[test]
    fn a_word_hyphen_follows_a_letter_or_digit() {
        for c in ['a', 'Z', '7', '\u{e9}', '\u{4e2d}'] {
            assert!(word_char(c), "{c:?}");
        }
        for c in [' ', '-', '[', '\u{3000}', '\u{a0}', '\u{ab}', '\u{2014}'] {
            assert!(!word_char(c), "{c:?}");
        }
        assert!(ends_with_word_hyphen("re-"));
        assert!(ends_with_word_hyphen("caf\u{e9}-"));
        assert!(!ends_with_word_hyphen("--"));
        assert!(!ends_with_word_hyphen("x -"));
    }

    #[test]
    fn wrapping_round_trips_through_append() {
        for text in [
            "h/w tries to set the dirty bit but sees write-protected PTE, page fault",
            "pre- and post-fix x--y a - b",
            "a",
        ] {
            for width in 3..30 {
                let mut back = String::new();
                for l in wrap(text, width, width) {
                    append(&mut back, &l);
                }
                assert_eq!(back, text, "width {width}");
            }
        }
    }

    #[test]
    fn examples_round_trip_through_export() {
        for e in EXAMPLES {
            let s = e.scenario();
            let text = export(&s);
            assert!(
                text.lines().all(|l| l.chars().count() <= WIDTH),
                "{}:\n{text}",
                e.name
            );
            assert_eq!(import(&text).unwrap(), s, "{}:\n{text}", e.name);
        }
    }

    #[test]
    fn export_looks_like_the_seed() {
        let text = export(&example("example-1").unwrap());
        let want_start = "Example 1: memory corruption is still possible with patch 4 & 6\n\
                          \n  CPU0        CPU1        CPU2        CPU3\
                          \n  ----        ----        ----        ----\
                          \n  userspace                           page writeback\
                          \n\
                          \n  [cache writable PTE in TLB]\
                          \n\
                          \n              inc_tlb_flush_pending()\
                          \n              clean_record_pte()\
                          \n              pte_mkclean()\n";
        assert!(text.starts_with(want_start), "{text}");
    }

    #[test]
    fn unknown_actions_are_reported_with_line_column_and_suggestions() {
        let text = "  CPU0        CPU1\n  ----        ----\n\n              madvise_frob()\n";
        let e = import(text).unwrap_err().0;
        assert!(
            e.starts_with(
                "line 4, column 15: unknown action `madvise_frob()` on CPU1; did you mean `"
            ),
            "{e}"
        );
        let d = import_lenient(text).unwrap();
        assert_eq!(d.unmapped.len(), 1);
        assert_eq!(
            (d.unmapped[0].line, d.unmapped[0].column, d.unmapped[0].cpu),
            (4, 15, 1)
        );
        assert_eq!(d.scenario.steps.len(), 0);
    }

    #[test]
    fn a_diagram_without_steps_is_an_error() {
        let e = import("  CPU0        CPU1\n  ----        ----\n")
            .unwrap_err()
            .0;
        assert!(e.contains("no steps"), "{e}");
    }
}
