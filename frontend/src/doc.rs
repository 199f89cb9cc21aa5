//! The working document: the scenario being edited, its undo and redo history, and the selection.
//!
//! Every change to the scenario is an [`Edit`] applied by [`Doc::apply`], which is plain Rust with no
//! browser dependency, so the same tests run natively and in headless Chromium. The App keeps one
//! `Doc` in a `use_reducer`; components never change the scenario themselves, they dispatch edits.
//!
//! Rows: a "row" is a global time index. Inserting at row `r` puts the new step at index `r` of
//! `Scenario::steps` (before the step that was at `r`); row `steps.len()` is the empty row after the
//! last step. The timeline shows one step per row, in its CPU's column, like the mailing-list diagrams.
//!
//! Pages: a scenario maps one or two virtual pages (`Scenario::pages`). A step of a per-page action
//! (`ActionDef::per_page`) names its page; a new one takes the page of the step before it on its lane
//! (so a path drawn on page 1 stays there), and [`Edit::SetStepPage`] changes it.

use std::rc::Rc;

use tlbrace_core::model::scenario::MAX_STEPS;
use tlbrace_core::{Action, InitialState, PageSpec, Scenario, Step, MAX_CPUS, MAX_PAGES};
use yew::Reducible;

/// How many undo steps are kept: far more than a session needs, bounded so memory stays small.
pub const MAX_UNDO: usize = 200;

/// One change to the document. Scenario edits are undoable; selection changes are not.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Put a new step running `action` on CPU `cpu` at row `row` (0..=steps.len()). A per-page action
    /// acts on the page of the lane's previous per-page step (page 0 for the first).
    InsertStep {
        /// The lane.
        cpu: usize,
        /// The global index the new step gets.
        row: usize,
        /// What it does.
        action: Action,
    },
    /// Move step `from` to CPU `cpu`, before the step now at row `row` (`row == steps.len()`: to the
    /// end). Dropping a step on its own row or the next one only changes its CPU.
    MoveStep {
        /// The step's current index.
        from: usize,
        /// Its new lane.
        cpu: usize,
        /// The row (in the timeline as it is before the move) it is dropped on.
        row: usize,
    },
    /// Delete a step.
    RemoveStep(usize),
    /// Set or clear (`None` or empty text) a step's bracketed remark.
    SetNote {
        /// The step.
        step: usize,
        /// The remark, without brackets.
        note: Option<String>,
    },
    /// Make a step act on another virtual page (refused for an action on the whole mm).
    SetStepPage {
        /// The step.
        step: usize,
        /// The page, from 0.
        page: usize,
    },
    /// Add a CPU lane at the right.
    AddCpu,
    /// Remove a CPU lane with its steps; the lanes to its right move one to the left.
    RemoveCpu(usize),
    /// Replace the mm's initial-state overrides (`tlb_flush_pending`, `tlb_flush_batched`).
    SetInitial(InitialState),
    /// Replace one virtual page's description: its kind, whether it maps an earlier page's page, and
    /// its initial-state overrides.
    SetPage {
        /// The page, from 0.
        page: usize,
        /// What it is.
        spec: PageSpec,
    },
    /// Clear every initial-state override, the pages' and the mm's.
    ResetInitial,
    /// Map another virtual page (at most [`MAX_PAGES`]).
    AddPage(PageSpec),
    /// Unmap a virtual page with the steps on it; later pages and the steps on them move down one.
    RemovePage(usize),
    /// Replace the whole scenario (presets, imports, a recent one): one undoable edit.
    Load(Scenario),
    /// [`Edit::Load`] for a scenario that is not the user's work yet (a share link, `?example=`,
    /// the first visit's example): the document remembers it as [`Doc::opened`] until it is edited,
    /// and the autosave leaves the saved work alone meanwhile.
    Open(Scenario),
    /// Set or clear (`None` or empty text) the scenario's title.
    SetTitle(Option<String>),
    /// Set or clear (`None` or empty text) a lane's caption ("userspace", "page writeback").
    SetLabel {
        /// The lane.
        cpu: usize,
        /// The caption.
        label: Option<String>,
    },
    /// Undo the last scenario edit.
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Select a step (or nothing). Not undoable.
    Select(Option<usize>),
    /// Hide the last message. Not undoable.
    DismissMessage,
}

/// The document the App edits.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    /// The scenario as it is now. Shared (`Rc`) so panels can hold it without copying.
    pub scenario: Rc<Scenario>,
    /// Earlier scenarios, oldest first.
    pub undo: Vec<Rc<Scenario>>,
    /// Undone scenarios, the next redo last.
    pub redo: Vec<Rc<Scenario>>,
    /// The selected step, if any (always a valid index).
    pub selected: Option<usize>,
    /// Why the last edit was refused, or a notice (e.g. an autosave that could not be read).
    pub message: Option<String>,
    /// Counts scenario changes (edits, undo, redo); the autosave and the verdicts key on it.
    pub revision: u64,
    /// Counts scenarios replaced whole ([`Edit::Load`], [`Edit::Open`]): a change of it tells the
    /// autosave that the scenario before it was put aside rather than edited.
    pub loads: u64,
    /// The scenario the last [`Edit::Open`] opened, the very `Rc` (undo and redo keep it): while it
    /// is the current scenario, it is unedited, and not the user's work.
    pub opened: Option<Rc<Scenario>>,
}

impl Default for Doc {
    fn default() -> Doc {
        Doc::new(Scenario::default())
    }
}

impl Doc {
    /// A document holding `scenario`, with no history.
    pub fn new(scenario: Scenario) -> Doc {
        Doc {
            scenario: Rc::new(scenario),
            undo: Vec::new(),
            redo: Vec::new(),
            selected: None,
            message: None,
            revision: 0,
            loads: 0,
            opened: None,
        }
    }

    /// A document holding `scenario` as if opened from a link: not the user's work until edited.
    pub fn opened(scenario: Scenario) -> Doc {
        let mut doc = Doc::new(scenario);
        doc.opened = Some(doc.scenario.clone());
        doc
    }

    /// Whether the current scenario is one opened by [`Edit::Open`] (or [`Doc::opened`]) and not
    /// edited since.
    pub fn unedited_open(&self) -> bool {
        self.opened
            .as_ref()
            .is_some_and(|o| Rc::ptr_eq(o, &self.scenario))
    }

    /// Whether [`Edit::Undo`] would do something.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether [`Edit::Redo`] would do something.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Applies one edit. A refused edit leaves the scenario as it was and says why in `message`;
    /// nothing here panics, whatever the indexes. Returns whether anything (scenario, selection or
    /// message) changed.
    pub fn apply(&mut self, edit: Edit) -> bool {
        let before = (self.revision, self.selected, self.message.clone());
        match edit {
            Edit::Undo => {
                if let Some(prev) = self.undo.pop() {
                    let now = std::mem::replace(&mut self.scenario, prev);
                    self.redo.push(now);
                    self.changed();
                }
                self.message = None;
            }
            Edit::Redo => {
                if let Some(next) = self.redo.pop() {
                    let now = std::mem::replace(&mut self.scenario, next);
                    self.undo.push(now);
                    self.changed();
                }
                self.message = None;
            }
            Edit::Select(step) => {
                self.selected = step.filter(|&i| i < self.scenario.steps.len());
            }
            Edit::DismissMessage => self.message = None,
            Edit::Open(scenario) => {
                self.apply(Edit::Load(scenario));
                if self.message.is_none() {
                    self.opened = Some(self.scenario.clone());
                }
            }
            edit => {
                let load = matches!(edit, Edit::Load(_));
                let mut next = (*self.scenario).clone();
                match edit_scenario(&mut next, &edit).and_then(|sel| {
                    next.validate().map_err(|e| e.to_string())?;
                    Ok(sel)
                }) {
                    Err(message) => self.message = Some(message),
                    Ok(selection) => {
                        self.message = None;
                        if next != *self.scenario {
                            self.commit(next);
                            if load {
                                self.loads += 1;
                            }
                        }
                        if let Selection::Set(sel) = selection {
                            self.selected = sel;
                            self.clamp_selection();
                        }
                    }
                }
            }
        }
        before != (self.revision, self.selected, self.message.clone())
    }

    /// Records the current scenario in the undo history and makes `next` current.
    fn commit(&mut self, next: Scenario) {
        let prev = std::mem::replace(&mut self.scenario, Rc::new(next));
        self.undo.push(prev);
        if self.undo.len() > MAX_UNDO {
            self.undo.remove(0);
        }
        self.redo.clear();
        self.changed();
    }

    /// Bookkeeping after the scenario changed: bump the revision, keep the selection valid.
    fn changed(&mut self) {
        self.revision += 1;
        self.clamp_selection();
    }

    /// Keeps the selection on an existing step.
    fn clamp_selection(&mut self) {
        let len = self.scenario.steps.len();
        self.selected = match self.selected {
            Some(_) if len == 0 => None,
            Some(i) => Some(i.min(len - 1)),
            None => None,
        };
    }
}

/// What an edit does to the selection.
enum Selection {
    /// Leave it (clamped to the steps that remain).
    Keep,
    /// Select this step, or nothing.
    Set(Option<usize>),
}

/// Applies a scenario edit to `s`, returning what happens to the selection.
/// Limits that core checks (`Scenario::validate`) are checked by the caller afterwards; the ones
/// checked here are those an index could otherwise break.
fn edit_scenario(s: &mut Scenario, edit: &Edit) -> Result<Selection, String> {
    let len = s.steps.len();
    let no_step = |i: usize| {
        if len == 0 {
            format!("there is no step {}: the timeline is empty", i + 1)
        } else {
            format!("there is no step {}: the timeline has {len}", i + 1)
        }
    };
    let no_cpu = |cpu: usize, cpus: usize| format!("there is no CPU{cpu}: the scenario has {cpus}");
    match edit {
        Edit::InsertStep { cpu, row, action } => {
            if len >= MAX_STEPS {
                return Err(format!(
                    "a scenario has at most {MAX_STEPS} steps; remove one before adding another"
                ));
            }
            if *cpu >= s.cpus {
                return Err(no_cpu(*cpu, s.cpus));
            }
            let row = (*row).min(len);
            let page = if action.def().per_page {
                s.steps[..row]
                    .iter()
                    .rev()
                    .find(|st| st.cpu == *cpu && st.action.def().per_page)
                    .map_or(0, |st| st.page)
            } else {
                0
            };
            s.steps.insert(row, Step::new(*cpu, *action).on(page));
            Ok(Selection::Set(Some(row)))
        }
        Edit::MoveStep { from, cpu, row } => {
            if *from >= len {
                return Err(no_step(*from));
            }
            if *cpu >= s.cpus {
                return Err(no_cpu(*cpu, s.cpus));
            }
            let row = (*row).min(len);
            let mut step = s.steps.remove(*from);
            step.cpu = *cpu;
            let to = if row > *from { row - 1 } else { row };
            s.steps.insert(to, step);
            Ok(Selection::Set(Some(to)))
        }
        Edit::RemoveStep(i) => {
            if *i >= len {
                return Err(no_step(*i));
            }
            s.steps.remove(*i);
            // The step that took its place, so that Delete can be pressed again.
            Ok(Selection::Set(Some(*i)))
        }
        Edit::SetNote { step, note } => {
            let Some(st) = s.steps.get_mut(*step) else {
                return Err(no_step(*step));
            };
            st.note = clean_text(note);
            Ok(Selection::Keep)
        }
        Edit::SetStepPage { step, page } => {
            let pages = s.pages.len();
            let Some(st) = s.steps.get_mut(*step) else {
                return Err(no_step(*step));
            };
            if *page >= pages {
                return Err(format!(
                    "there is no page {page}: the scenario maps {pages}"
                ));
            }
            st.page = *page;
            Ok(Selection::Keep)
        }
        Edit::AddCpu => {
            if s.cpus >= MAX_CPUS {
                return Err(format!("a scenario has at most {MAX_CPUS} CPUs"));
            }
            s.cpus += 1;
            Ok(Selection::Keep)
        }
        Edit::RemoveCpu(cpu) => {
            if *cpu >= s.cpus {
                return Err(no_cpu(*cpu, s.cpus));
            }
            if s.cpus == 1 {
                return Err("a scenario needs at least one CPU".into());
            }
            s.cpus -= 1;
            s.steps.retain(|st| st.cpu != *cpu);
            for st in &mut s.steps {
                if st.cpu > *cpu {
                    st.cpu -= 1;
                }
            }
            if *cpu < s.labels.len() {
                s.labels.remove(*cpu);
            }
            while s.labels.last().is_some_and(String::is_empty) {
                s.labels.pop();
            }
            for page in &mut s.pages {
                let tlb = &mut page.initial.tlb;
                if let Some(entries) = tlb {
                    if *cpu < entries.len() {
                        entries.remove(*cpu);
                    }
                    if entries.iter().all(Option::is_none) {
                        *tlb = None;
                    }
                }
            }
            Ok(Selection::Keep)
        }
        Edit::SetInitial(initial) => {
            s.initial = initial.clone();
            Ok(Selection::Keep)
        }
        Edit::SetPage { page, spec } => {
            let pages = s.pages.len();
            let Some(p) = s.pages.get_mut(*page) else {
                return Err(format!(
                    "there is no page {page}: the scenario maps {pages}"
                ));
            };
            *p = spec.clone();
            Ok(Selection::Keep)
        }
        Edit::ResetInitial => {
            s.initial = InitialState::default();
            for p in &mut s.pages {
                p.initial = Default::default();
            }
            Ok(Selection::Keep)
        }
        Edit::AddPage(spec) => {
            if s.pages.len() >= MAX_PAGES {
                return Err(format!("a scenario maps at most {MAX_PAGES} virtual pages"));
            }
            s.pages.push(spec.clone());
            Ok(Selection::Keep)
        }
        Edit::RemovePage(page) => {
            let pages = s.pages.len();
            if *page >= pages {
                return Err(format!(
                    "there is no page {page}: the scenario maps {pages}"
                ));
            }
            if pages == 1 {
                return Err("a scenario maps at least one page".into());
            }
            let gone = s.pages.remove(*page);
            for p in &mut s.pages {
                match p.same_as {
                    // A second mapping of the removed page's page now maps a page of its own.
                    Some(o) if o == *page => {
                        p.same_as = None;
                        p.kind = gone.kind;
                    }
                    Some(o) if o > *page => p.same_as = Some(o - 1),
                    _ => {}
                }
            }
            s.steps
                .retain(|st| !(st.page == *page && st.action.def().per_page));
            for st in &mut s.steps {
                if st.page > *page {
                    st.page -= 1;
                }
            }
            Ok(Selection::Keep)
        }
        Edit::Load(scenario) | Edit::Open(scenario) => {
            *s = scenario.clone();
            Ok(Selection::Set(None))
        }
        Edit::SetTitle(title) => {
            s.title = clean_text(title);
            Ok(Selection::Keep)
        }
        Edit::SetLabel { cpu, label } => {
            if *cpu >= s.cpus {
                return Err(no_cpu(*cpu, s.cpus));
            }
            if s.labels.len() <= *cpu {
                s.labels.resize(*cpu + 1, String::new());
            }
            s.labels[*cpu] = clean_text(label).unwrap_or_default();
            while s.labels.last().is_some_and(String::is_empty) {
                s.labels.pop();
            }
            Ok(Selection::Keep)
        }
        Edit::Undo | Edit::Redo | Edit::Select(_) | Edit::DismissMessage => Ok(Selection::Keep),
    }
}

/// A note, title or caption as typed: trimmed, `None` when empty.
fn clean_text(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

impl Reducible for Doc {
    type Action = Edit;

    fn reduce(self: Rc<Self>, action: Edit) -> Rc<Self> {
        let mut next = (*self).clone();
        if next.apply(action) {
            Rc::new(next)
        } else {
            self
        }
    }
}
