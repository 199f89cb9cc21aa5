//! The editor's view state: what the page shows that is not part of the document, as one reducer.
//!
//! [`View`] holds the architecture every panel uses (the verdict matrix, the explorer, the SVG export
//! and the embed snippet), the custom column's policies, the column the inspector follows, the
//! counterexample the explorer opened, and the timeline's gestures in progress: the step or action
//! being placed with the keyboard, the drop target and the note being edited. Every change is a [`ViewEdit`] applied by [`View::apply`], plain Rust
//! tested natively, like the document's [`Edit`]s (see [`crate::doc`]); the editor keeps one `View`
//! in a `use_reducer`. A gesture that changes both (placing a step) is a list of [`Command`]s.

use std::rc::Rc;

use tlbrace_core::examples::Example;
use tlbrace_core::{Action, Arch, Fix, Preset, Scenario, Variant};
use yew::Reducible;

use crate::components::verdicts::VariantKey;
use crate::dnd::Src;
use crate::doc::{Doc, Edit};

/// The editor's view state.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// The architecture of every run, search and export on the page.
    pub arch: Arch,
    /// The custom column's policies (its architecture is [`View::arch`]).
    pub custom: Variant,
    /// The column the inspector and the decisive-step marks follow.
    pub inspected: VariantKey,
    /// What the keyboard is placing, if anything.
    pub placing: Option<Src>,
    /// Where a drop (or a keyboard placement) would land: (cpu, row).
    pub target: Option<(usize, usize)>,
    /// The step whose note is being edited.
    pub editing: Option<usize>,
    /// The counterexample shown beside the explorer, with the variant it goes wrong under.
    pub counterexample: Option<(Rc<Scenario>, Variant)>,
}

impl Default for View {
    fn default() -> View {
        View {
            arch: Arch::X86,
            custom: default_custom(),
            inspected: VariantKey::Preset(Preset::V5_10Rc4),
            placing: None,
            target: None,
            editing: None,
            counterexample: None,
        }
    }
}

/// The custom column's starting fixes: v5.10-rc4 with a `page_mkclean_one` that never skips
/// (`v5.10-rc4+mkclean-never-skips`), the reference that shows what the skip test risks.
pub fn default_custom() -> Variant {
    Preset::V5_10Rc4
        .variant()
        .with(Fix::MkcleanNeverSkips, true)
}

/// The kernels a built-in example contrasts (`harmed`, `holds`), read from its variant specs; `None`
/// when it has none or a spec does not read.
pub fn contrast(example: &Example) -> Option<(Variant, Variant)> {
    let c = example.contrast?;
    Some((
        Variant::parse(c.harmed).ok()?,
        Variant::parse(c.holds).ok()?,
    ))
}

/// Opening a built-in example from the menu: load it, run on the architecture of the kernels it
/// contrasts, and inspect the one under which it does harm.
pub fn open_example(example: &Example) -> Vec<Command> {
    let mut commands = vec![Command::Doc(Edit::Load(example.scenario()))];
    if let Some((harmed, _)) = contrast(example) {
        commands.push(Command::View(ViewEdit::SetArch(harmed.arch)));
        if let Some(p) = harmed.preset() {
            commands.push(Command::View(ViewEdit::Inspect(VariantKey::Preset(p))));
        }
    }
    commands
}

/// One change to the view.
#[derive(Clone, Debug, PartialEq)]
pub enum ViewEdit {
    /// Choose the architecture.
    SetArch(Arch),
    /// Change the custom column's policies.
    SetCustom(Variant),
    /// Follow another column in the inspector.
    Inspect(VariantKey),
    /// Start placing `src` with the keyboard, aiming at (cpu, row).
    Place {
        /// What is placed.
        src: Src,
        /// Where it would land.
        at: (usize, usize),
    },
    /// The drop or placement target moved (or left the timeline).
    Target(Option<(usize, usize)>),
    /// Placing ended: placed, or cancelled.
    StopPlacing,
    /// Start (`Some`) or stop (`None`) editing a step's note.
    EditNote(Option<usize>),
    /// Show a counterexample beside the explorer (`None`: close it).
    ShowCounterexample(Option<(Rc<Scenario>, Variant)>),
}

impl ViewEdit {
    /// Picking `action` in the palette: place it on the selected step's CPU, just after it (else on
    /// CPU0 after the last step).
    pub fn pick(action: Action, doc: &Doc) -> ViewEdit {
        let steps = &doc.scenario.steps;
        let cpu = doc.selected.and_then(|i| steps.get(i)).map_or(0, |s| s.cpu);
        let row = doc
            .selected
            .map_or(steps.len(), |i| (i + 1).min(steps.len()));
        ViewEdit::Place {
            src: Src::Action(action),
            at: (cpu, row),
        }
    }
}

impl View {
    /// Applies one edit.
    pub fn apply(&mut self, edit: ViewEdit) {
        match edit {
            ViewEdit::SetArch(arch) => self.arch = arch,
            ViewEdit::SetCustom(custom) => self.custom = custom,
            ViewEdit::Inspect(key) => self.inspected = key,
            ViewEdit::Place { src, at } => {
                self.placing = Some(src);
                self.target = Some(at);
            }
            ViewEdit::Target(target) => self.target = target,
            ViewEdit::StopPlacing => {
                self.placing = None;
                self.target = None;
            }
            ViewEdit::EditNote(step) => self.editing = step,
            ViewEdit::ShowCounterexample(shown) => self.counterexample = shown,
        }
    }

    /// A click on the timeline's cell (cpu, row): places what the keyboard is placing there, else
    /// clears the selection.
    pub fn click_cell(&self, cpu: usize, row: usize) -> Vec<Command> {
        match self.placing {
            Some(src) => place(src, cpu, row),
            None => vec![Command::Doc(Edit::Select(None))],
        }
    }
}

impl Reducible for View {
    type Action = ViewEdit;

    fn reduce(self: Rc<Self>, edit: ViewEdit) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(edit);
        if next == *self {
            self
        } else {
            Rc::new(next)
        }
    }
}

/// What a gesture does: a document edit, a view edit.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Dispatched to the document's reducer.
    Doc(Edit),
    /// Dispatched to the view's reducer.
    View(ViewEdit),
}

/// Puts `src` on row `row` of CPU `cpu` and ends placing.
pub fn place(src: Src, cpu: usize, row: usize) -> Vec<Command> {
    vec![
        Command::Doc(src.edit(cpu, row)),
        Command::View(ViewEdit::StopPlacing),
    ]
}

/// The architecture as the page's controls and URLs write it: `x86`, `arm64`.
pub fn arch_id(arch: Arch) -> &'static str {
    match arch {
        Arch::X86 => "x86",
        Arch::Arm64 => "arm64",
    }
}

/// Reads [`arch_id`]'s words back.
pub fn parse_arch(id: &str) -> Option<Arch> {
    [Arch::X86, Arch::Arm64]
        .into_iter()
        .find(|&a| arch_id(a) == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlbrace_core::examples::example;

    #[test]
    fn a_pick_aims_after_the_selected_step() {
        let mut doc = Doc::new(example("example-1").unwrap());
        let a = Action::WriteToPage;
        let len = doc.scenario.steps.len();
        assert_eq!(
            ViewEdit::pick(a, &doc),
            ViewEdit::Place {
                src: Src::Action(a),
                at: (0, len)
            }
        );
        doc.apply(Edit::Select(Some(2)));
        let cpu = doc.scenario.steps[2].cpu;
        assert_eq!(
            ViewEdit::pick(a, &doc),
            ViewEdit::Place {
                src: Src::Action(a),
                at: (cpu, 3)
            }
        );
    }

    #[test]
    fn placing_ends_with_a_click_that_places() {
        let mut view = View::default();
        assert_eq!(
            view.click_cell(1, 2),
            vec![Command::Doc(Edit::Select(None))]
        );
        view.apply(ViewEdit::Place {
            src: Src::Step(4),
            at: (0, 0),
        });
        assert_eq!(view.target, Some((0, 0)));
        assert_eq!(
            view.click_cell(1, 2),
            vec![
                Command::Doc(Edit::MoveStep {
                    from: 4,
                    cpu: 1,
                    row: 2
                }),
                Command::View(ViewEdit::StopPlacing)
            ]
        );
        view.apply(ViewEdit::StopPlacing);
        assert_eq!((view.placing, view.target), (None, None));
    }

    #[test]
    fn an_edit_that_changes_nothing_keeps_the_view() {
        let view = Rc::new(View::default());
        let same = view.clone().reduce(ViewEdit::SetArch(Arch::X86));
        assert!(Rc::ptr_eq(&view, &same));
        let arm = view.reduce(ViewEdit::SetArch(Arch::Arm64));
        assert_eq!(arm.arch, Arch::Arm64);
    }

    #[test]
    fn opening_an_example_inspects_its_harmed_kernel_on_its_architecture() {
        let oom = tlbrace_core::examples::find("oom-reaper").unwrap();
        let commands = open_example(oom);
        assert_eq!(
            commands[1..],
            [
                Command::View(ViewEdit::SetArch(Arch::Arm64)),
                Command::View(ViewEdit::Inspect(VariantKey::Preset(Preset::V4_13)))
            ]
        );
        let seed = tlbrace_core::examples::find("example-2b").unwrap();
        assert_eq!(open_example(seed).len(), 1, "no contrast: only the load");
        for e in tlbrace_core::examples::EXAMPLES {
            if e.contrast.is_some() {
                let (harmed, holds) = contrast(e).unwrap();
                assert!(
                    harmed.preset().is_some() && holds.preset().is_some(),
                    "{}",
                    e.name
                );
            }
        }
    }

    #[test]
    fn architectures_read_back() {
        for arch in [Arch::X86, Arch::Arm64] {
            assert_eq!(parse_arch(arch_id(arch)), Some(arch));
        }
        assert_eq!(parse_arch("riscv"), None);
    }
}
