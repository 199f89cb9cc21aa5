//! A scenario: the one format the UI, share URLs, JSON files and the CLI exchange. It is versioned
//! (see [`crate::formats::json`]) so that a link shared today opens in every later release.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::action::Action;
use crate::model::initial::{build, InitialState, PageSpec};
use crate::model::state::{GatherKind, State, MAX_CPUS, MAX_PAGES};

/// The scenario format this release writes (docs/scenario-format.md §1).
pub const FORMAT_VERSION: u32 = 2;
/// The most steps a timeline may hold: far beyond any diagram, small enough that nothing can stall.
pub const MAX_STEPS: usize = 256;
/// The CPUs a new scenario starts with, as in the seed's diagrams.
pub const DEFAULT_CPUS: usize = 4;
/// The longest note or label kept, in characters.
pub const MAX_TEXT: usize = 500;
/// The most entries a scenario's view records (its variant and the verdicts seen).
pub const MAX_VIEW_ENTRIES: usize = 64;

/// One row of a timeline: a CPU performs an action, with the diagram's bracketed remark if any.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The CPU (lane) that runs the action, from 0.
    pub cpu: usize,
    /// What it does.
    pub action: Action,
    /// The virtual page it acts on, from 0 (actions on the whole mm ignore it).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub page: usize,
    /// The remark a diagram writes in brackets under the action, without the brackets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Step {
    /// A step on page 0, without a note.
    pub fn new(cpu: usize, action: Action) -> Step {
        Step {
            cpu,
            action,
            page: 0,
            note: None,
        }
    }

    /// The same step on virtual page `page`.
    pub fn on(mut self, page: usize) -> Step {
        self.page = page;
        self
    }

    /// The same step with a note.
    pub fn note(mut self, note: &str) -> Step {
        self.note = Some(note.to_string());
        self
    }
}

/// A race, as a diagram: CPU lanes, an optional starting state, and the steps in global order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The format version the scenario was written in.
    pub version: u32,
    /// A title, for lists and embeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// How many CPU lanes.
    pub cpus: usize,
    /// Lane captions under the CPU names, as the diagrams write them ("userspace", "page writeback").
    /// Shorter than `cpus` when the last lanes have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// The virtual pages and what they map, with their starting-state overrides. Model v1's
    /// scenarios have one file page.
    #[serde(default = "one_file_page", skip_serializing_if = "is_one_file_page")]
    pub pages: Vec<PageSpec>,
    /// Overrides of the mm's starting counters.
    #[serde(default, skip_serializing_if = "InitialState::is_default")]
    pub initial: InitialState,
    /// What its author was looking at: the variant, and the verdicts seen.
    #[serde(default, skip_serializing_if = "View::is_empty")]
    pub view: View,
    /// The timeline, top to bottom.
    #[serde(default)]
    pub steps: Vec<Step>,
}

fn one_file_page() -> Vec<PageSpec> {
    vec![PageSpec::default()]
}

fn is_one_file_page(pages: &Vec<PageSpec>) -> bool {
    *pages == one_file_page()
}

/// What the author of a scenario was looking at, so that an embed shows what they meant and can tell
/// when the model has since changed its mind (docs/scenario-format.md §1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    /// The variant, as a spec (`v5.12`, `v5.10-rc4+yu-mkclean-pending@arm64`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The verdicts the author saw, by variant spec: `{"v5.12": "lost"}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub seen: BTreeMap<String, String>,
}

impl View {
    /// Whether it records nothing.
    pub fn is_empty(&self) -> bool {
        self.variant.is_none() && self.seen.is_empty()
    }
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario::new(DEFAULT_CPUS)
    }
}

/// Why a scenario cannot be run: a message for the user, and the step it concerns if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioError {
    /// The step (from 0) the problem is at.
    pub step: Option<usize>,
    /// What is wrong, in words.
    pub message: String,
}

impl ScenarioError {
    /// An error about the scenario as a whole.
    pub fn whole(message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            step: None,
            message: message.into(),
        }
    }

    /// An error at one step.
    pub fn at(step: usize, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            step: Some(step),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.step {
            Some(i) => write!(f, "step {}: {}", i + 1, self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// An empty timeline with `cpus` lanes.
    pub fn new(cpus: usize) -> Scenario {
        Scenario {
            version: FORMAT_VERSION,
            title: None,
            cpus,
            labels: Vec::new(),
            pages: one_file_page(),
            initial: InitialState::default(),
            view: View::default(),
            steps: Vec::new(),
        }
    }

    /// The caption of a lane, if it has one.
    pub fn label(&self, cpu: usize) -> Option<&str> {
        self.labels
            .get(cpu)
            .map(String::as_str)
            .filter(|l| !l.is_empty())
    }

    /// Checks the limits and that every step names an existing CPU; returns the initial state.
    /// Everything that can be said without running the timeline is said here.
    pub fn validate(&self) -> Result<State, ScenarioError> {
        if self.version != FORMAT_VERSION {
            return Err(ScenarioError::whole(format!(
                "scenario format version {} is not one this release runs (it runs version {FORMAT_VERSION}); \
                 read it through tlbrace_core::format, which migrates older versions",
                self.version
            )));
        }
        if self.cpus == 0 || self.cpus > MAX_CPUS {
            return Err(ScenarioError::whole(format!(
                "a scenario has 1 to {MAX_CPUS} CPUs, not {}",
                self.cpus
            )));
        }
        if self.steps.len() > MAX_STEPS {
            return Err(ScenarioError::whole(format!(
                "a scenario has at most {MAX_STEPS} steps, not {}",
                self.steps.len()
            )));
        }
        if self.pages.is_empty() || self.pages.len() > MAX_PAGES {
            return Err(ScenarioError::whole(format!(
                "a scenario maps 1 to {MAX_PAGES} virtual pages, not {}",
                self.pages.len()
            )));
        }
        if self.labels.len() > self.cpus {
            return Err(ScenarioError::whole(format!(
                "{} lane labels for {} CPUs",
                self.labels.len(),
                self.cpus
            )));
        }
        let long = |s: &String| s.chars().count() > MAX_TEXT;
        if self.title.as_ref().is_some_and(long) || self.labels.iter().any(long) {
            return Err(ScenarioError::whole(format!(
                "titles and labels are at most {MAX_TEXT} characters"
            )));
        }
        for (i, step) in self.steps.iter().enumerate() {
            if step.cpu >= self.cpus {
                return Err(ScenarioError::at(
                    i,
                    format!(
                        "{} runs on CPU{}, but the scenario has {} CPUs",
                        step.action, step.cpu, self.cpus
                    ),
                ));
            }
            if step.page >= self.pages.len() {
                return Err(ScenarioError::at(
                    i,
                    format!(
                        "{} acts on page {}, but the scenario maps {} page{}",
                        step.action,
                        step.page,
                        self.pages.len(),
                        if self.pages.len() == 1 { "" } else { "s" }
                    ),
                ));
            }
            if step.page != 0 && !step.action.def().per_page {
                return Err(ScenarioError::at(
                    i,
                    format!("{} acts on the whole mm, not on one page", step.action),
                ));
            }
            if step.note.as_ref().is_some_and(long) {
                return Err(ScenarioError::at(
                    i,
                    format!("notes are at most {MAX_TEXT} characters"),
                ));
            }
        }
        let long_view = self
            .view
            .variant
            .iter()
            .chain(self.view.seen.keys())
            .chain(self.view.seen.values());
        if self.view.seen.len() > MAX_VIEW_ENTRIES
            || long_view.map(|t| t.chars().count()).any(|n| n > MAX_TEXT)
        {
            return Err(ScenarioError::whole(format!(
                "the view records at most {MAX_VIEW_ENTRIES} verdicts seen, with names of at most \
                 {MAX_TEXT} characters"
            )));
        }
        build(self.cpus, &self.pages, &self.initial).map_err(ScenarioError::whole)
    }

    /// What each step's semantics may know about its place in its lane (see [`StepCtx`]).
    pub fn contexts(&self) -> Vec<StepCtx> {
        let mut ctx: Vec<StepCtx> = self
            .steps
            .iter()
            .map(|s| StepCtx {
                cpu: s.cpu,
                page: s.page,
                next: None,
                gather: GatherKind::default(),
                keeps_locks: false,
            })
            .collect();
        for lane in self.programs() {
            for (k, &i) in lane.iter().enumerate() {
                let rest = lane[k + 1..].iter().map(|&j| self.steps[j].action);
                ctx[i].next = rest.clone().next();
                let ends = released_by(self.steps[i].action);
                ctx[i].keeps_locks = rest.clone().any(|a| ends.contains(&a));
                ctx[i].gather = self.steps[i]
                    .action
                    .def()
                    .opens_gather
                    .unwrap_or_else(|| gather_kind(rest));
            }
        }
        ctx
    }

    /// Each CPU's steps in program order, as indexes into `steps`: the per-CPU programs the explorer
    /// interleaves.
    pub fn programs(&self) -> Vec<Vec<usize>> {
        let mut lanes = vec![Vec::new(); self.cpus];
        for (i, s) in self.steps.iter().enumerate() {
            if let Some(lane) = lanes.get_mut(s.cpu) {
                lane.push(i);
            }
        }
        lanes
    }
}

/// What a step's semantics may know beyond the state: which CPU and page, the next action of its lane
/// (`zap_pte_range()` followed by `pte_unmap_unlock()` holds the page-table lock until that step),
/// and, for `tlb_gather_mmu()`, whose gather it opens. Both are properties of the lane's program,
/// the same in every interleaving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StepCtx {
    /// The CPU running the step.
    pub cpu: usize,
    /// The virtual page it acts on.
    pub page: usize,
    /// The action its lane runs next, if any.
    pub next: Option<Action>,
    /// Whose gather a gather-opening step opens: decided by the first step after it on the lane,
    /// up to its `tlb_finish_mmu()`, that says (a soft-dirty write-protect, an aging `pte_mkold`, a
    /// `madvise_free_pte_range`, a `zap_pte_range`); clear_refs' soft-dirty walk when none does.
    pub gather: GatherKind,
    /// A step that ends what this one takes across steps follows on its lane, so the locks it takes
    /// (mmap_lock, the page lock) stay held until then; a path drawn without its end keeps none.
    pub keeps_locks: bool,
}

impl StepCtx {
    /// The context of a step with nothing after it on its lane.
    pub fn alone(cpu: usize, page: usize) -> StepCtx {
        StepCtx {
            cpu,
            page,
            next: None,
            gather: GatherKind::default(),
            keeps_locks: false,
        }
    }
}

/// The steps that end what `a` holds across steps: clear_refs and the gathers keep mmap_lock until
/// tlb_finish_mmu(), writeback keeps the page lock from page_mkclean_one() to the I/O, migration
/// until the copy is mapped, KSM until replace_page(), reclaim until the page is dropped or kept.
fn released_by(a: Action) -> &'static [Action] {
    match a {
        Action::ClearRefsWrite | Action::TlbGatherMmu => &[Action::TlbFinishMmu],
        Action::PageMkcleanOne => &[Action::WritePageToDisk],
        Action::TryToMigrateOne => &[Action::MoveToNewPage],
        Action::WriteProtectPage => &[Action::ReplacePage],
        Action::TryToUnmapOne => &[Action::DropCleanPage],
        _ => &[],
    }
}

/// The kind of gather the actions after a `tlb_gather_mmu()` make it, up to its finish.
fn gather_kind(rest: impl Iterator<Item = Action>) -> GatherKind {
    let mut kind = None;
    for a in rest {
        if a == Action::TlbFinishMmu || a.def().opens_gather.is_some() {
            break;
        }
        match (kind, a.def().types_gather) {
            // Soft-dirty clearing wins over aging within one clear_refs walk.
            (Some(GatherKind::ClearRefsAging), Some(GatherKind::ClearRefsSoftDirty)) => {
                kind = Some(GatherKind::ClearRefsSoftDirty)
            }
            (None, Some(k)) => kind = Some(k),
            _ => {}
        }
    }
    kind.unwrap_or_default()
}
