//! The timeline: one column ("lane") per CPU, time flowing down, one step per row like the
//! mailing-list diagrams. Every (CPU, row) cell is a drop target, plus one empty row at the end.
//!
//! The timeline only renders and reports: edits go to the App as [`Edit`]s, key presses as
//! `onkeydown`, so that every gesture has one code path whether it came from the mouse or the keyboard.

use std::rc::Rc;

use tlbrace_core::Scenario;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use crate::dnd::{self, Src};
use crate::doc::Edit;

/// A step drawn in an order no kernel runs: its index, what kind of problem (`irregular`: no kernel
/// path runs it where it stands; `wait`: it would wait for a lock), and the words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The step.
    pub step: usize,
    /// `irregular` or `wait`.
    pub kind: &'static str,
    /// What is wrong, in words.
    pub text: String,
}

/// What the timeline shows and whom it tells.
#[derive(Clone, PartialEq, Properties)]
pub struct TimelineProps {
    /// The scenario.
    pub scenario: Rc<Scenario>,
    /// The selected step.
    #[prop_or_default]
    pub selected: Option<usize>,
    /// Steps that decided the inspected variant's verdict.
    #[prop_or_default]
    pub decisive: Rc<Vec<usize>>,
    /// The step the inspected variant cannot run, if any.
    #[prop_or_default]
    pub error_step: Option<usize>,
    /// Steps drawn in an order no kernel runs.
    #[prop_or_default]
    pub warnings: Rc<Vec<Warning>>,
    /// Where the inspected variant's hazard begins (`.step.hazard` and its `.hazard-mark`).
    #[prop_or_default]
    pub hazard: Option<crate::review::Hazard>,
    /// Where a drop (or a keyboard placement) would land: (cpu, row).
    #[prop_or_default]
    pub target: Option<(usize, usize)>,
    /// What the keyboard is placing, if anything.
    #[prop_or_default]
    pub placing: Option<Src>,
    /// The step whose note is being edited.
    #[prop_or_default]
    pub editing: Option<usize>,
    /// Scenario edits (drops, notes, lanes).
    pub on_edit: Callback<Edit>,
    /// The drop target moved (or left).
    pub on_target: Callback<Option<(usize, usize)>>,
    /// A cell was clicked: (cpu, row).
    pub on_cell: Callback<(usize, usize)>,
    /// A step was clicked.
    pub on_select: Callback<usize>,
    /// Start (Some) or stop (None) editing a note.
    pub on_editing: Callback<Option<usize>>,
    /// Keys pressed while the timeline has focus.
    pub onkeydown: Callback<KeyboardEvent>,
    /// The focusable timeline element, so the App can focus it.
    #[prop_or_default]
    pub node_ref: NodeRef,
}

/// The heading of CPU `cpu`'s lane, as the kernel and the CLI write it.
pub fn lane_name(cpu: usize) -> String {
    format!("CPU{cpu}")
}

/// The DOM id of step `i`, so the App can scroll the selected step into view.
pub fn step_dom_id(i: usize) -> String {
    format!("step-{i}")
}

/// The timeline.
#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let s = &props.scenario;
    let rows = s.steps.len() + 1;
    let cpus = s.cpus;

    let ondragleave = {
        let on_target = props.on_target.clone();
        let node = props.node_ref.clone();
        Callback::from(move |e: DragEvent| {
            // Leaving for a child fires dragleave too; only clear when the pointer left the timeline.
            let inside = e
                .related_target()
                .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                .zip(node.get())
                .is_some_and(|(t, root)| root.contains(Some(&t)));
            if !inside {
                on_target.emit(None);
            }
        })
    };
    let ondragend = props.on_target.reform(|_: DragEvent| None);

    let cell = |cpu: usize, row: usize| -> Html {
        let step = s.steps.get(row).filter(|st| st.cpu == cpu);
        let is_target = props.target == Some((cpu, row));
        let ondragover = {
            let on_target = props.on_target.clone();
            Callback::from(move |e: DragEvent| {
                if let Some(kind) = dnd::drag_kind(&e) {
                    dnd::accept(&e, kind);
                    on_target.emit(Some((cpu, row)));
                }
            })
        };
        let ondrop = {
            let on_edit = props.on_edit.clone();
            let on_target = props.on_target.clone();
            Callback::from(move |e: DragEvent| {
                on_target.emit(None);
                if let Some(src) = dnd::dropped(&e) {
                    e.prevent_default();
                    on_edit.emit(src.edit(cpu, row));
                }
            })
        };
        let onclick = props.on_cell.reform(move |_: MouseEvent| (cpu, row));
        let indicator = is_target.then(|| {
            let what = match props.placing {
                Some(Src::Action(a)) => a.label().to_string(),
                Some(Src::Step(i)) => format!("step {}", i + 1),
                None => String::new(),
            };
            html! { <div class="drop-indicator" aria-hidden="true">{ what }</div> }
        });
        html! {
            <div key={format!("{cpu}-{row}")}
                class={classes!("cell", (row + 1 == rows).then_some("cell-end"),
                    is_target.then_some("drop-target"))}
                data-cpu={cpu.to_string()} data-row={row.to_string()}
                style={format!("grid-row: {}", row + 2)}
                {ondragover} {ondrop} {onclick}>
                { indicator }
                { step.map(|st| step_view(props, row, st)) }
            </div>
        }
    };

    let lane = |cpu: usize| -> Html {
        let label = s
            .label(cpu)
            .map(|l| html! { <span class="lane-label">{ l }</span> });
        let remove = props
            .on_edit
            .reform(move |_: MouseEvent| Edit::RemoveCpu(cpu));
        html! {
            <div class="lane" data-testid="lane" data-cpu={cpu.to_string()} key={cpu}>
                <div class="lane-top">
                    <h2 class="lane-head">{ lane_name(cpu) }</h2>
                    { label }
                    <button class="lane-remove" title={format!("Remove {} and its steps", lane_name(cpu))}
                        aria-label={format!("Remove {}", lane_name(cpu))}
                        disabled={cpus <= 1} onclick={remove}>{ "×" }</button>
                </div>
                { for (0..rows).map(|row| cell(cpu, row)) }
            </div>
        }
    };

    let add = props.on_edit.reform(|_: MouseEvent| Edit::AddCpu);
    html! {
        <section class={classes!("timeline", props.placing.is_some().then_some("placing"))}
            data-testid="timeline" aria-label="Timeline: arrow keys select steps, Alt+arrows move them, Delete removes"
            tabindex="0" ref={props.node_ref.clone()}
            style={format!("--cpus: {cpus}; --rows: {rows}")}
            onkeydown={props.onkeydown.clone()} {ondragleave} {ondragend}>
            <div class="rownums" aria-hidden="true">
                <div class="rownum-head">{ "#" }</div>
                { for (0..rows).map(|row| html! {
                    <div class="rownum" style={format!("grid-row: {}", row + 2)}>
                        { if row + 1 < rows { (row + 1).to_string() } else { String::new() } }
                    </div>
                }) }
            </div>
            { for (0..cpus).map(lane) }
            <div class="lane-add-col">
                <button class="lane-add" title="Add a CPU lane (up to 8)" aria-label="Add a CPU"
                    disabled={cpus >= tlbrace_core::MAX_CPUS} onclick={add}>{ "+" }</button>
            </div>
        </section>
    }
}

/// One step, inside its cell.
fn step_view(props: &TimelineProps, i: usize, st: &tlbrace_core::Step) -> Html {
    let selected = props.selected == Some(i);
    let decisive = props.decisive.contains(&i);
    let ondragstart = Callback::from(move |e: DragEvent| Src::Step(i).start_drag(&e));
    let onclick = {
        let on_select = props.on_select.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_select.emit(i);
        })
    };
    let ondblclick = {
        let on_editing = props.on_editing.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_editing.emit(Some(i));
        })
    };
    let note = if props.editing == Some(i) {
        html! { <NoteInput step={i} note={st.note.clone().unwrap_or_default()}
        on_edit={props.on_edit.clone()} on_done={props.on_editing.reform(|_| None)} /> }
    } else {
        // The first click selects the step, a click on the note of the selected step edits it.
        let start = {
            let (on_editing, on_select) = (props.on_editing.clone(), props.on_select.clone());
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                if selected {
                    on_editing.emit(Some(i));
                } else {
                    on_select.emit(i);
                }
            })
        };
        match &st.note {
            Some(n) => html! {
                <button class="step-note" title="The note: click the selected step's note (or press Enter) to edit it" onclick={start}>{ format!("[{n}]") }</button>
            },
            None if selected => html! {
                <button class="step-note empty" title="Add a note" onclick={start}>{ "+ note" }</button>
            },
            None => html! {},
        }
    };
    let remove = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_edit.emit(Edit::RemoveStep(i));
        })
    };
    // With two pages, a per-page step shows its page, and the selected one lets you choose it.
    let pages = props.scenario.pages.len();
    let paged = pages > 1 && st.action.def().per_page;
    let page = paged.then(|| {
        if selected {
            let onchange = props.on_edit.reform(move |e: Event| Edit::SetStepPage {
                step: i,
                page: e
                    .target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value()
                    .parse()
                    .unwrap_or(0),
            });
            html! {
                <select class="step-page" aria-label="The page this step acts on (P)"
                    title="The page this step acts on (P cycles)"
                    onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}
                    onkeydown={Callback::from(|e: KeyboardEvent| e.stop_propagation())} {onchange}>
                    { for (0..pages).map(|p| html! {
                        <option value={p.to_string()} selected={p == st.page}>{ format!("page {p}") }</option>
                    }) }
                </select>
            }
        } else {
            html! { <span class="step-page-badge" title={format!("acts on page {}", st.page)}>{ format!("p{}", st.page) }</span> }
        }
    });
    let warnings: Vec<&Warning> = props.warnings.iter().filter(|w| w.step == i).collect();
    let warn = (!warnings.is_empty()).then(|| {
        let text: Vec<&str> = warnings.iter().map(|w| w.text.as_str()).collect();
        html! { <span class="step-warn" title={text.join("\n")} aria-label={text.join("; ")}>{ "⚠" }</span> }
    });
    let kinds = warnings.iter().map(|w| w.kind);
    let hazard = props.hazard.as_ref().filter(|h| h.step == i).map(|h| {
        html! { <span class="hazard-mark" title={h.text.clone()} aria-label={h.text.clone()}>{ "⚑" }</span> }
    });
    html! {
        <div id={step_dom_id(i)}
            class={classes!("step", selected.then_some("selected"), decisive.then_some("decisive"),
                (props.error_step == Some(i)).then_some("error-step"), hazard.is_some().then_some("hazard"),
                kinds.collect::<Vec<_>>())}
            data-step={i.to_string()} data-cpu={st.cpu.to_string()} data-page={st.page.to_string()}
            data-action={st.action.id()}
            draggable="true" title={st.action.summary()}
            aria-label={format!("step {}, CPU{}: {}{}{}", i + 1, st.cpu, st.action.label(),
                if paged { format!(", page {}", st.page) } else { String::new() },
                if selected { ", selected" } else { "" })}
            {ondragstart} {onclick} {ondblclick}>
            <code class="step-action">{ st.action.label() }</code>
            { hazard }
            { warn }
            { page }
            { note }
            { selected.then(|| html! {
                <button class="step-remove" title="Remove this step (Delete)" aria-label="Remove step"
                    onclick={remove}>{ "×" }</button>
            }) }
        </div>
    }
}

/// The props of [`NoteInput`].
#[derive(Clone, PartialEq, Properties)]
struct NoteInputProps {
    step: usize,
    note: String,
    on_edit: Callback<Edit>,
    on_done: Callback<()>,
}

/// The inline note editor: Enter or leaving the field saves, Escape cancels.
#[component]
fn NoteInput(props: &NoteInputProps) -> Html {
    let input = use_node_ref();
    // Enter and Escape end the edit; the blur that follows must not save again (or save after Escape).
    let done = use_mut_ref(|| false);
    {
        let input = input.clone();
        use_effect_with((), move |_| {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                let _ = el.focus();
                el.select();
            }
        });
    }
    let commit = {
        let (step, on_edit, on_done) = (props.step, props.on_edit.clone(), props.on_done.clone());
        let original = props.note.clone();
        move |value: String| {
            if value.trim() != original.trim() {
                on_edit.emit(Edit::SetNote {
                    step,
                    note: Some(value),
                });
            }
            on_done.emit(());
        }
    };
    let onkeydown = {
        let commit = commit.clone();
        let on_done = props.on_done.clone();
        let done = done.clone();
        Callback::from(move |e: KeyboardEvent| {
            e.stop_propagation();
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    *done.borrow_mut() = true;
                    commit(e.target_unchecked_into::<HtmlInputElement>().value());
                }
                "Escape" => {
                    e.prevent_default();
                    *done.borrow_mut() = true;
                    on_done.emit(());
                }
                _ => {}
            }
        })
    };
    let onblur = Callback::from(move |e: FocusEvent| {
        if !*done.borrow() {
            commit(e.target_unchecked_into::<HtmlInputElement>().value())
        }
    });
    html! {
        <input ref={input} class="step-note-input" type="text" value={props.note.clone()}
            maxlength="500" aria-label="Note" placeholder="note, e.g. using stale PTE"
            onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}
            {onkeydown} {onblur} />
    }
}

#[cfg(test)]
mod tests {
    use super::lane_name;

    #[test]
    fn lanes_are_named_like_the_kernel_names_cpus() {
        assert_eq!(lane_name(0), "CPU0");
        assert_eq!(lane_name(7), "CPU7");
    }
}
