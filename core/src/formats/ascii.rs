//! Race diagrams as kernel developers mail them: a header row of CPU names, a dashed rule, an optional
//! row of lane captions, then one action per row in its CPU's column, with bracketed notes under the
//! actions. [`import`] reads what people paste (quoted, tabbed, with the surrounding mail text) and
//! [`export`] writes the same style, ready to paste into a reply.
//!
//! ```text
//! Example 1: memory corruption is still possible with patch 4 & 6
//!
//!   CPU0        CPU1        CPU2        CPU3
//!   ----        ----        ----        ----
//!   userspace                           page writeback
//!
//!   [cache writable
//!    PTE in TLB]
//!
//!               inc_tlb_flush_pending()
//!               clean_record_pte()
//! ```
//!
//! The rules, in full, are in `docs/scenario-format.md` §3. The ones that decide what a line means:
//! - A line's quote prefix (`> `, `> > `, `>>`) is removed, then tabs are expanded to 8-column stops.
//! - Text is split into cells at runs of two or more spaces; a cell belongs to the lane of the
//!   rightmost CPU name in the header that starts at most one column to its right.
//! - A cell opening with `[` starts a note, which runs (over several lines if need be) to the first `]`.
//!   Under an action of its lane in the same paragraph it is that action's note; otherwise it must name
//!   an action itself (`[cache writable PTE in TLB]`) and is that action, with the text as its note.
//! - Wrapped lines are joined with a space, except after a hyphen that follows a letter or digit
//!   (`write-` + `protected` is `write-protected`).
//! - Cells containing `!`, `&`, `|`, `=`, `<` or `>` are conditions (`!pte_dirty() && !pte_write()`):
//!   the variant decides them, so they are left out of the scenario and listed in [`Imported::conditions`].
//! - The diagram ends at a line quoted at another depth, a line starting left of the first CPU name, a new
//!   header, or a paragraph that opens with prose (four or more words, or ending in `:` or `.`).
//! - The paragraph just before the header is the title; a last line `initial: dirty=false …` sets the
//!   initial state.

use crate::formats::json::FormatError;
use crate::model::action::Action;
use crate::model::initial::{field, fields, Field, InitialState, PageSpec, Scope, FIELDS};
use crate::model::scenario::{Scenario, Step, FORMAT_VERSION, MAX_STEPS};
use crate::model::state::{PageKind, MAX_CPUS, MAX_PAGES};

/// The widest line [`export`] aims for: what mail clients and the kernel's patch etiquette expect.
pub const WIDTH: usize = 72;

/// The most text [`import`] reads, in bytes: a whole mail thread fits; more is not a diagram.
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// Columns between CPU names in the seed's diagrams; [`export`] narrows it only to stay within [`WIDTH`].
const PITCH: usize = 12;
/// The narrowest pitch: a CPU name and the two spaces that separate cells.
const MIN_PITCH: usize = 6;
/// Where the first lane starts, as in the seed.
const INDENT: usize = 2;
/// How wide notes are wrapped, brackets included, unless a lane has less room.
const NOTE_WIDTH: usize = 28;

/// A condition line the importer left out (`!pte_dirty() && !pte_write()`): the variant, not the
/// diagram, decides it. Kept so that a UI can say what was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The line it was on, from 1.
    pub line: usize,
    /// The step it stood under, if any.
    pub step: Option<usize>,
    /// Its text.
    pub text: String,
}

/// One diagram found in a text, with where it was: enough for a paste box to say what it read.
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
}

/// Reads the first diagram in `text` (a mail, a quoted reply, a file holding a diagram).
pub fn import(text: &str) -> Result<Scenario, FormatError> {
    let lines = prepare(text)?;
    match next_diagram(&lines, 0)? {
        Some(d) => Ok(d.scenario),
        None => Err(no_diagram()),
    }
}

/// Reads every diagram in `text`, in order: pasting a whole thread yields all of its races.
pub fn import_all(text: &str) -> Result<Vec<Imported>, FormatError> {
    let lines = prepare(text)?;
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(d) = next_diagram(&lines, from)? {
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
        "no diagram found: expected a header row of CPU names such as `CPU0        CPU1`".into(),
    )
}

/// How a step is written: its action's label, and ` (page N)` for a page other than 0.
fn step_label(s: &Step) -> String {
    if s.page == 0 {
        s.action.label().to_string()
    } else {
        format!("{} (page {})", s.action.label(), s.page)
    }
}

/// An action's text and the page a ` (page N)` suffix names (0 without one).
fn split_page(text: &str) -> (&str, usize) {
    let t = text.trim_end();
    if let Some(open) = t.rfind("(page ") {
        if let Some(n) = t[open + 6..].strip_suffix(')').and_then(|n| n.parse().ok()) {
            return (t[..open].trim_end(), n);
        }
    }
    (t, 0)
}

/// Whether `text` survives [`export`] then [`import`] unchanged as a note (or a lane label): free of
/// brackets, with single spaces between words and none at the ends. The empty note is representable
/// too (`[]`).
pub fn note_is_representable(text: &str) -> bool {
    text.is_empty() || (normalize(text) == text && !text.contains(['[', ']']))
}

// ---------------------------------------------------------------------------------------------------
// Lines and cells.

/// A run of text on one line, between runs of two or more spaces.
#[derive(Clone, Debug)]
struct Cell {
    /// Column after quote removal and tab expansion, from 0.
    col: usize,
    /// Column in the line as written, from 1, for messages.
    orig: usize,
    text: String,
}

#[derive(Clone, Debug)]
struct Line {
    /// From 1.
    no: usize,
    depth: usize,
    cells: Vec<Cell>,
    /// The text after quote removal, trimmed, for titles and `initial:`.
    content: String,
    /// Column (from 1) where `content` starts in the line as written.
    content_orig: usize,
}

impl Line {
    fn blank(&self) -> bool {
        self.cells.is_empty()
    }
}

fn prepare(text: &str) -> Result<Vec<Line>, FormatError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(FormatError(format!(
            "the text is {} KiB; a diagram import reads at most {} KiB",
            text.len() / 1024,
            MAX_INPUT_BYTES / 1024
        )));
    }
    Ok(text
        .split('\n')
        .enumerate()
        .map(|(i, raw)| split_line(i + 1, raw.strip_suffix('\r').unwrap_or(raw)))
        .collect())
}

fn split_line(no: usize, raw: &str) -> Line {
    let chars: Vec<char> = raw.chars().collect();
    // Quote prefix: `>` each optionally followed by one space.
    let mut pos = 0;
    let mut depth = 0;
    while chars.get(pos) == Some(&'>') {
        depth += 1;
        pos += 1;
        if chars.get(pos) == Some(&' ') {
            pos += 1;
        }
    }
    // Expand tabs relative to the start of the quoted text, keeping each column's origin.
    let mut expanded: Vec<(char, usize)> = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate().skip(pos) {
        if c == '\t' {
            let n = 8 - expanded.len() % 8;
            expanded.extend(std::iter::repeat_n((' ', i + 1), n));
        } else {
            expanded.push((c, i + 1));
        }
    }
    let mut cells = Vec::new();
    let mut i = 0;
    while i < expanded.len() {
        if expanded[i].0 == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        while i < expanded.len() {
            if expanded[i].0 == ' ' {
                if expanded.get(i + 1).is_none_or(|c| c.0 == ' ') {
                    break;
                }
            } else {
                end = i + 1;
            }
            i += 1;
        }
        let text: String = expanded[start..end].iter().map(|c| c.0).collect();
        if text.trim().is_empty() {
            // Other whitespace (a stray \r, no-break spaces) is not a cell.
            continue;
        }
        cells.push(Cell {
            col: start,
            orig: expanded[start].1,
            text,
        });
    }
    let content: String = expanded.iter().map(|c| c.0).collect();
    let content_orig = cells.first().map_or(pos + 1, |c| c.orig);
    Line {
        no,
        depth,
        cells,
        content: content.trim().to_string(),
        content_orig,
    }
}

fn at(line: usize, col: usize, message: impl std::fmt::Display) -> FormatError {
    FormatError(format!("line {line}, column {col}: {message}"))
}

/// Whitespace runs become one space; the ends are trimmed.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Appends a wrapped line's text: with a space, or with none after a hyphen that ends a word part.
fn append(acc: &mut String, piece: &str) {
    let piece = piece.trim();
    if piece.is_empty() {
        return;
    }
    if !acc.is_empty() && !ends_with_word_hyphen(acc) {
        acc.push(' ');
    }
    acc.push_str(piece);
}

fn ends_with_word_hyphen(text: &str) -> bool {
    let mut rev = text.chars().rev();
    rev.next() == Some('-') && rev.next().is_some_and(word_char)
}

/// Whether `c` can end the word before a hyphen (`re-`, `café-`): a letter or digit, in any script.
fn word_char(c: char) -> bool {
    c.is_alphanumeric()
}

// ---------------------------------------------------------------------------------------------------
// Finding and reading a diagram.

/// The CPU number in a header cell (`CPU0`, `cpu3`).
fn cpu_name(text: &str) -> Option<usize> {
    let digits = text
        .get(..3)?
        .eq_ignore_ascii_case("cpu")
        .then(|| &text[3..])?;
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn is_rule(line: &Line) -> bool {
    !line.blank()
        && line
            .cells
            .iter()
            .all(|c| c.text.len() >= 2 && c.text.chars().all(|ch| ch == '-'))
}

/// Whether line `i` is a header row: every cell a CPU name, and either two names or a rule below.
fn is_header(lines: &[Line], i: usize) -> bool {
    let line = &lines[i];
    !line.blank()
        && line.cells.iter().all(|c| cpu_name(&c.text).is_some())
        && (line.cells.len() >= 2 || lines.get(i + 1).is_some_and(is_rule))
}

fn is_condition(text: &str) -> bool {
    text.contains(['!', '&', '|', '=', '<', '>'])
}

fn looks_like_prose(text: &str) -> bool {
    text.split_whitespace().count() >= 4 || text.ends_with(':') || text.ends_with('.')
}

fn known_actions() -> String {
    Action::ALL
        .iter()
        .map(|a| a.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn next_diagram(lines: &[Line], from: usize) -> Result<Option<Imported>, FormatError> {
    let Some(h) = (from..lines.len()).find(|&i| is_header(lines, i)) else {
        return Ok(None);
    };
    let header = &lines[h];
    let cols: Vec<usize> = header.cells.iter().map(|c| c.col).collect();
    for (i, c) in header.cells.iter().enumerate() {
        if i >= MAX_CPUS {
            return Err(at(
                header.no,
                c.orig,
                format!(
                    "the header names {} CPUs; a scenario has at most {MAX_CPUS}",
                    header.cells.len()
                ),
            ));
        }
        if cpu_name(&c.text) != Some(i) {
            return Err(at(
                header.no,
                c.orig,
                format!(
                    "expected CPU{i}, found `{}`: the lanes are CPU0, CPU1, … from the left",
                    c.text
                ),
            ));
        }
    }
    let (title, setup) = preamble(lines, from, h)?;
    let mut reader = Reader::new(header, cols);
    let mut i = h + 1;
    if lines.get(i).is_some_and(is_rule) {
        i += 1;
        if let Some(labels) = lines
            .get(i)
            .filter(|l| reader.is_label_row(l, lines.get(i + 1)))
        {
            reader.read_labels(labels);
            i += 1;
        }
    }
    let mut last = i.max(h + 1);
    let mut paragraph_start = true;
    while let Some(line) = lines.get(i) {
        if line.blank() {
            reader.blank_line(line)?;
            paragraph_start = true;
            i += 1;
            continue;
        }
        // Inside a note every line is the note's, whatever it looks like.
        let in_note = reader.open.iter().any(Option::is_some);
        if line.depth != header.depth
            || line.cells[0].col < reader.cols[0]
            || (!in_note && is_header(lines, i))
            || (!in_note && paragraph_start && reader.opens_with_prose(line))
        {
            break;
        }
        reader.row(line)?;
        paragraph_start = false;
        last = i + 1;
        i += 1;
    }
    reader.finish(
        lines
            .get(last.saturating_sub(1))
            .map_or(header.no, |l| l.no),
    )?;
    let (steps, step_lines) = reader.steps()?;
    let mut scenario = Scenario {
        version: FORMAT_VERSION,
        title,
        cpus: reader.cols.len(),
        labels: reader.labels,
        pages: setup.pages,
        initial: setup.initial,
        view: Default::default(),
        steps,
    };
    while scenario.labels.last().is_some_and(String::is_empty) {
        scenario.labels.pop();
    }
    if let Err(e) = scenario.validate() {
        return Err(match e.step.and_then(|s| step_lines.get(s)) {
            Some(line) => FormatError(format!("line {line}: {}", e.message)),
            None => FormatError(format!("line {}: {}", header.no, e.message)),
        });
    }
    Ok(Some(Imported {
        scenario,
        header_line: header.no,
        last_line: last.max(h + 1),
        conditions: reader.conditions,
    }))
}

/// The title and initial state from the paragraph just above the header.
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
    // The setup lines close the paragraph: `initial:` (page 0 and the mm) and `page N:` lines.
    let setup_start = paragraph
        .iter()
        .rposition(|l| !(starts_initial(&l.content) || page_line(&l.content).is_some()))
        .map_or(0, |i| i + 1);
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
fn page_line(text: &str) -> Option<(usize, usize)> {
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
                    Scope::Page => f.set_page(&mut spec.initial, Some(v)),
                    Scope::Mm if page == 0 && starts_initial(&line.content) => {
                        f.set_mm(&mut setup.initial, Some(v))
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

/// A note being read: its text so far, and what it belongs to.
struct Open {
    step: usize,
    /// The step is a placeholder that the note's text must name.
    names_action: bool,
    text: String,
    line: usize,
    col: usize,
}

/// The state of reading one diagram's body.
struct Reader {
    header_line: usize,
    cols: Vec<usize>,
    labels: Vec<String>,
    /// Steps in order; `None` for a bracket whose text is not read to its end yet.
    steps: Vec<Option<Step>>,
    step_lines: Vec<usize>,
    /// Per lane, the last action of the current paragraph.
    last_action: Vec<Option<usize>>,
    open: Vec<Option<Open>>,
    conditions: Vec<Condition>,
}

impl Reader {
    fn new(header: &Line, cols: Vec<usize>) -> Reader {
        let lanes = cols.len();
        Reader {
            header_line: header.no,
            cols,
            labels: Vec::new(),
            steps: Vec::new(),
            step_lines: Vec::new(),
            last_action: vec![None; lanes],
            open: (0..lanes).map(|_| None).collect(),
            conditions: Vec::new(),
        }
    }

    fn lane(&self, col: usize) -> usize {
        self.cols.iter().rposition(|&c| c <= col + 1).unwrap_or(0)
    }

    /// The line's cells grouped by lane, left to right: text a lane's cell spilled across two cells
    /// (a double space inside a note) is read as one.
    fn groups(&self, line: &Line) -> Vec<(usize, Cell)> {
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

    /// A label row sits right under the rule, is followed by a blank line (or nothing), and opens no
    /// note. Its place, not its words, makes it one: `writeback` is a fine caption.
    fn is_label_row(&self, line: &Line, next: Option<&Line>) -> bool {
        !line.blank()
            && next.is_none_or(Line::blank)
            && !line.cells.iter().any(|c| c.text.starts_with('['))
    }

    fn read_labels(&mut self, line: &Line) {
        let mut labels = vec![String::new(); self.cols.len()];
        for (lane, cell) in self.groups(line) {
            append(&mut labels[lane], &cell.text);
        }
        self.labels = labels.iter().map(|l| normalize(l)).collect();
    }

    fn opens_with_prose(&self, line: &Line) -> bool {
        let Some((lane, cell)) = self.groups(line).into_iter().next() else {
            return false;
        };
        let t = cell.text.trim();
        self.open[lane].is_none()
            && !t.starts_with('[')
            && !t.contains('[')
            && !is_condition(t)
            && Action::parse(t).is_none()
            && looks_like_prose(t)
    }

    fn blank_line(&mut self, line: &Line) -> Result<(), FormatError> {
        if let Some(o) = self.open.iter().flatten().next() {
            return Err(at(
                o.line,
                o.col,
                format!(
                    "the note opened here is not closed with `]` before the blank line {}",
                    line.no
                ),
            ));
        }
        self.last_action.iter_mut().for_each(|a| *a = None);
        Ok(())
    }

    fn push(&mut self, step: Option<Step>, line: usize, col: usize) -> Result<usize, FormatError> {
        if self.steps.len() >= MAX_STEPS {
            return Err(at(
                line,
                col,
                format!("more than {MAX_STEPS} steps; a scenario has at most {MAX_STEPS}"),
            ));
        }
        self.steps.push(step);
        self.step_lines.push(line);
        Ok(self.steps.len() - 1)
    }

    fn row(&mut self, line: &Line) -> Result<(), FormatError> {
        for (lane, cell) in self.groups(line) {
            self.cell(lane, &cell, line.no)?;
        }
        Ok(())
    }

    fn cell(&mut self, lane: usize, cell: &Cell, line: usize) -> Result<(), FormatError> {
        let mut rest = cell.text.trim();
        let mut col = cell.orig;
        loop {
            if let Some(open) = self.open[lane].as_mut() {
                match rest.find(']') {
                    None => {
                        append(&mut open.text, rest);
                        return Ok(());
                    }
                    Some(i) => {
                        append(&mut open.text, &rest[..i]);
                        col += rest[..=i].chars().count();
                        rest = &rest[i + 1..];
                        self.close(lane)?;
                        let trimmed = rest.trim_start();
                        col += rest.chars().count() - trimmed.chars().count();
                        rest = trimmed;
                        if rest.is_empty() {
                            return Ok(());
                        }
                        if !rest.starts_with('[') {
                            return Err(at(
                                line,
                                col,
                                format!(
                                    "unexpected text `{rest}` after a note's `]`; put it on its own row"
                                ),
                            ));
                        }
                    }
                }
            }
            if let Some(body) = rest.strip_prefix('[') {
                let (step, names_action) = match self.last_action[lane] {
                    Some(s) => (s, false),
                    None => (self.push(None, line, col)?, true),
                };
                self.open[lane] = Some(Open {
                    step,
                    names_action,
                    text: String::new(),
                    line,
                    col,
                });
                rest = body;
                col += 1;
                continue;
            }
            if is_condition(rest) {
                self.conditions.push(Condition {
                    line,
                    step: self.last_action[lane],
                    text: rest.to_string(),
                });
                return Ok(());
            }
            // An action, possibly with its note on the same row: `Write to page [using stale PTE]`.
            let (name, note) = match rest.find('[') {
                Some(i) => (rest[..i].trim_end(), Some(&rest[i..])),
                None => (rest, None),
            };
            let (name, page) = split_page(name);
            let action = Action::parse(name).ok_or_else(|| {
                at(
                    line,
                    col,
                    format!("unknown action `{name}`; known: {}", known_actions()),
                )
            })?;
            let step = self.push(Some(Step::new(lane, action).on(page)), line, col)?;
            self.last_action[lane] = Some(step);
            match note {
                None => return Ok(()),
                Some(n) => {
                    col += rest[..rest.len() - n.len()].chars().count();
                    rest = n;
                }
            }
        }
    }

    fn close(&mut self, lane: usize) -> Result<(), FormatError> {
        let Some(open) = self.open[lane].take() else {
            return Ok(());
        };
        let text = normalize(&open.text);
        if open.names_action {
            let action = Action::parse(&text).ok_or_else(|| {
                at(
                    open.line,
                    open.col,
                    format!(
                        "the note `[{text}]` is under no action of CPU{lane} in its paragraph, and does not name \
                         an action; known: {}",
                        known_actions()
                    ),
                )
            })?;
            if let Some(slot) = self.steps.get_mut(open.step) {
                *slot = Some(Step {
                    cpu: lane,
                    action,
                    page: 0,
                    note: Some(text),
                });
            }
            self.last_action[lane] = Some(open.step);
        } else if let Some(Some(step)) = self.steps.get_mut(open.step) {
            step.note = Some(match step.note.take() {
                Some(prev) if !prev.is_empty() && !text.is_empty() => format!("{prev} {text}"),
                Some(prev) if text.is_empty() => prev,
                _ => text,
            });
        }
        Ok(())
    }

    fn finish(&mut self, last_line: usize) -> Result<(), FormatError> {
        match self.open.iter().flatten().next() {
            Some(o) => Err(at(
                o.line,
                o.col,
                format!("the note opened here is never closed with `]` (the diagram ends at line {last_line})"),
            )),
            None => Ok(()),
        }
    }

    fn steps(&self) -> Result<(Vec<Step>, Vec<usize>), FormatError> {
        let mut steps = Vec::with_capacity(self.steps.len());
        for (i, s) in self.steps.iter().enumerate() {
            match s {
                Some(s) => steps.push(s.clone()),
                None => {
                    let line = self.step_lines.get(i).copied().unwrap_or(self.header_line);
                    return Err(FormatError(format!(
                        "line {line}: a note that names no action"
                    )));
                }
            }
        }
        Ok((steps, self.step_lines.clone()))
    }
}

// ---------------------------------------------------------------------------------------------------
// Export.

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

fn longest_unit(text: &str) -> usize {
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
    let lone_cpu = |l: &str| cpu_name(l).is_some();
    let mut out: Vec<String> = Vec::new();
    for l in wrap(title, WIDTH, WIDTH) {
        match out.last_mut() {
            // `append` joins as the reader does, so the text is unchanged.
            Some(prev)
                if starts_initial(&l)
                    || page_line(&l).is_some()
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

/// Whether a line's text opens with `initial:` (any case): the initial-state line of §3.1 rule 5.
fn starts_initial(text: &str) -> bool {
    text.get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("initial:"))
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
/// within [`WIDTH`]), notes wrapped in their lane, a blank line wherever the CPU changes.
///
/// Steps, notes, lane labels, the title and the initial state all come back through [`import`],
/// as long as the texts are representable (see [`note_is_representable`]): other notes are written
/// normalized, with `[` `]` turned into `(` `)`. The scenario should be valid; CPUs beyond 8 and steps on
/// CPUs the scenario lacks are drawn in the last lane.
pub fn export(scenario: &Scenario) -> String {
    let lanes = scenario.cpus.clamp(1, MAX_CPUS);
    let lane_of = |cpu: usize| cpu.min(lanes - 1);
    let notes: Vec<Option<String>> = scenario
        .steps
        .iter()
        .map(|s| s.note.as_deref().map(clean_note))
        .collect();
    // The bracket-only form: a note that names its own action.
    let bracket_form: Vec<bool> = scenario
        .steps
        .iter()
        .zip(&notes)
        .map(|(s, n)| {
            n.as_deref()
                .is_some_and(|n| Action::parse(n) == Some(s.action))
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
            // Import drops one trailing colon ("Case a:"), so a title ending in one gets another.
            let title = if title.ends_with(':') {
                format!("{title}:")
            } else {
                title
            };
            let lines = title_lines(&title);
            for l in &lines {
                line(l);
            }
            // A title ending in an `initial:` line needs the real one after it, even if empty.
            title_ends_initial = lines
                .last()
                .is_some_and(|l| starts_initial(l) || page_line(l).is_some());
            preamble = true;
        }
    }
    let setup = setup_lines(scenario);
    if setup.is_empty() && title_ends_initial {
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
    let mut prev_lane = None;
    for (i, s) in scenario.steps.iter().enumerate() {
        let lane = lane_of(s.cpu);
        if prev_lane != Some(lane) || bracket_form[i] {
            line("");
        }
        prev_lane = Some(lane);
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_word_hyphen_follows_a_letter_or_digit() {
        for c in ['a', 'Z', '7', '\u{e9}', '\u{4e2d}'] {
            assert!(super::word_char(c), "{c:?}");
        }
        for c in [' ', '-', '[', '\u{3000}', '\u{a0}', '\u{ab}', '\u{2014}'] {
            assert!(!super::word_char(c), "{c:?}");
        }
        assert!(super::ends_with_word_hyphen("re-"));
        assert!(super::ends_with_word_hyphen("caf\u{e9}-"));
        assert!(!super::ends_with_word_hyphen("--"));
        assert!(!super::ends_with_word_hyphen("x -"));
    }

    use super::*;
    use crate::examples::{example, EXAMPLES};

    #[test]
    fn units_break_at_spaces_and_inner_hyphens() {
        let u: Vec<(String, &str, bool)> = units("sees write-protected PTE")
            .into_iter()
            .map(|u| (u.text, u.sep, u.breakable))
            .collect();
        assert_eq!(
            u,
            vec![
                ("sees".into(), "", true),
                ("write-".into(), " ", true),
                ("protected".into(), "", true),
                ("PTE".into(), " ", true)
            ]
        );
        // A space after a word's hyphen is not a break: the importer would glue the words.
        let u = units("pre- and post");
        assert!(!u[1].breakable);
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
    fn unknown_actions_are_reported_with_line_and_column() {
        let text = "  CPU0        CPU1\n  ----        ----\n\n              madvise_frob()\n";
        let e = import(text).unwrap_err().0;
        assert!(
            e.starts_with(
                "line 4, column 15: unknown action `madvise_frob()`; known: cache PTE in TLB,"
            ),
            "{e}"
        );
    }
}
